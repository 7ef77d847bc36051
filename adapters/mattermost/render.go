package mattermost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"maillage/bot"

	"github.com/mattermost/mattermost/server/public/model"
)

// maxPostRunes is the size of one post: Mattermost refuses more than
// 16,383 characters; a margin is kept for the escapes.
const maxPostRunes = 16000

// wordJoiner is an invisible character placed after an "@" that starts a
// word, so that neither the server nor the clients see a mention.
const wordJoiner = "\u2060"

var boldRE = regexp.MustCompile(`(^|[\s(«"'])\*([^*\s](?:[^*\n]*[^*\s])?)\*`)

// render turns the core's markdown subset into Mattermost markdown and
// neutralises what could notify or mislead. Every outgoing text is treated
// as user-provided, since the core's replies quote members' input:
//   - an "@" that starts a word (@channel, @all, @here, @someone) gets an
//     invisible word joiner, so no mention is live; an "@" inside a word
//     (an e-mail address) is left alone;
//   - "[", "]" and "<" are backslash-escaped, so no markdown link, image or
//     autolink can hide its target (a bare URL stays visible as written);
//   - the core's *bold* becomes Mattermost's **bold**; _italic_, `code`
//     and "- " bullets are the same in both.
//
// The bot itself never mentions anyone in a post: members are named, not
// notified, and group introductions notify by the group's creation.
func render(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 16)
	prev := rune(-1)
	for _, r := range text {
		switch r {
		case '[', ']', '<':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteRune(r)
			if prev == -1 || !isWordRune(prev) {
				b.WriteString(wordJoiner)
			}
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return boldRE.ReplaceAllString(b.String(), "$1**$2**")
}

// isWordRune: an "@" after one of these is inside a word (an address).
func isWordRune(r rune) bool {
	return r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// split cuts text into posts of at most max runes, preferring paragraph,
// then line, then word boundaries, and never cutting a rune in two.
func split(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		// Byte offset of the max-th rune.
		cut := len(text)
		n := 0
		for i := range text {
			if n == max {
				cut = i
				break
			}
			n++
		}
		head := text[:cut]
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				at = i
				break
			}
		}
		if at < 0 {
			out = append(out, head)
			text = text[cut:]
			continue
		}
		out = append(out, strings.TrimRight(head[:at], " \n"))
		text = strings.TrimLeft(text[at:], " \n")
	}
	if text != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}

// Send posts r to conv: the text rendered and split into posts, the
// choices as buttons on the last one. It returns the last post.
func (a *Adapter) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	if conv.ID == "" {
		return bot.SentMessage{}, errors.New("mattermost: sending: no channel id")
	}
	chunks := split(render(r.Text), maxPostRunes)
	sent := bot.SentMessage{Conversation: conv}
	for i, chunk := range chunks {
		post := &model.Post{ChannelId: conv.ID, Message: chunk}
		if i == len(chunks)-1 && len(r.Choices) > 0 {
			if err := a.attachChoices(ctx, post, conv, r.Choices); err != nil {
				return sent, err
			}
		} else if strings.TrimSpace(chunk) == "" {
			continue
		}
		created, _, err := a.client.CreatePost(ctx, post)
		if err != nil {
			return sent, wrapErr("posting a message", err)
		}
		sent.ID = created.Id
	}
	return sent, nil
}

// Update replaces a post the bot made: its text and its buttons.
func (a *Adapter) Update(ctx context.Context, msg bot.SentMessage, r bot.Reply) error {
	text := split(render(r.Text), maxPostRunes)[0]
	post := &model.Post{ChannelId: msg.Conversation.ID, Message: text}
	if len(r.Choices) > 0 {
		if err := a.attachChoices(ctx, post, msg.Conversation, r.Choices); err != nil {
			return err
		}
	}
	props := post.GetProps()
	if props == nil {
		props = model.StringInterface{}
	}
	if _, _, err := a.client.PatchPost(ctx, msg.ID, &model.PostPatch{Message: &text, Props: &props}); err != nil {
		return wrapErr("updating a message", err)
	}
	return nil
}

// propNonce is the post property that binds its buttons' tokens to it.
const propNonce = "maillage_nonce"

// attachChoices adds the choices to post as buttons of one attachment,
// each carrying a signed token in its context. Without a public URL the
// server could not reach, the choices are listed as text instead.
func (a *Adapter) attachChoices(ctx context.Context, post *model.Post, conv bot.Conversation, choices []bot.Choice) error {
	if a.actionURL == "" {
		var b strings.Builder
		b.WriteString(post.Message)
		for _, c := range choices {
			b.WriteString("\n- " + render(c.Label))
		}
		post.Message = b.String()
		return nil
	}
	member := ""
	if conv.Kind == bot.Direct {
		ci, err := a.channel(ctx, conv.ID)
		if err != nil {
			return err
		}
		member = otherDirectMember(ci.name, a.botUser())
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(raw[:])
	expires := a.opts.Clock.Now().Add(a.opts.ButtonTTL).Unix()
	actions := make([]*model.PostAction, 0, len(choices))
	for i, c := range choices {
		t := buttonToken{ActionID: actionID(i), Action: c.Action, Value: c.Value, Member: member, Nonce: nonce, Expires: expires}
		actions = append(actions, &model.PostAction{
			Id:          t.ActionID,
			Type:        model.PostActionTypeButton,
			Name:        c.Label,
			Style:       buttonStyle(c.Style),
			Integration: &model.PostActionIntegration{URL: a.actionURL, Context: t.context(a.key)},
		})
	}
	post.AddProp(propNonce, nonce)
	post.AddProp(model.PostPropsAttachments, []*model.SlackAttachment{{Actions: actions}})
	return nil
}

// actionID names a post's i-th button; Mattermost wants letters and digits.
func actionID(i int) string { return "choice" + string(rune('a'+i/26)) + string(rune('a'+i%26)) }

func buttonStyle(s string) string {
	switch s {
	case "primary", "danger":
		return s
	}
	return "default"
}

// otherDirectMember returns the member of a direct channel ("id1__id2")
// who is not the bot.
func otherDirectMember(channelName string, me *model.User) string {
	x, y, ok := strings.Cut(channelName, "__")
	if !ok || me == nil {
		return ""
	}
	if x == me.Id {
		return y
	}
	return x
}
