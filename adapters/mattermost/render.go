package mattermost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
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
//   - an "@" gets an invisible word joiner (@channel, @all, @here,
//     @someone, "Bonjour@here"), so no mention is live; an "@" inside an
//     e-mail address is left alone;
//   - "[", "]" and "<" are backslash-escaped, so no markdown link, image or
//     autolink can hide its target (a bare URL stays visible as written);
//     a backslash is escaped too, or "\[" typed would pair the typed
//     backslash with the escape and leave the bracket live;
//   - the core's *bold* becomes Mattermost's **bold**; _italic_, `code`
//     and "- " bullets are the same in both.
//
// The bot itself never mentions anyone in a post: members are named, not
// notified, and group introductions notify by the group's creation.
func render(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 16)
	for i, r := range text {
		switch r {
		case '[', ']', '<', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteRune(r)
			if !textnorm.InEmail(text, i) {
				b.WriteString(wordJoiner)
			}
		default:
			b.WriteRune(r)
		}
	}
	return boldRE.ReplaceAllString(b.String(), "$1**$2**")
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
			// Never between an escaping backslash and what it escapes.
			if n := trailingBackslashes(head); n%2 == 1 {
				cut--
				head = text[:cut]
			}
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

// postErr classifies a failed post for the core: a 429 (after the
// transport's retries) wraps bot.ErrRateLimited with the server's wait; an
// answer with a status says the post was refused; no answer at all (a
// timeout, a connection lost) leaves its outcome unknown.
func postErr(resp *model.Response, err error) error {
	status := answerStatus(resp, err)
	switch {
	case status == http.StatusTooManyRequests:
		wait := time.Duration(0)
		if resp != nil {
			wait = retryDelay(resp.Header, time.Now())
		}
		return fmt.Errorf("%w: %w", wrapErr("posting a message", err), &bot.RateLimitError{RetryAfter: wait})
	case status == 0 && !neverSent(err):
		return fmt.Errorf("%w: %w", wrapErr("posting a message", err), bot.ErrUnknownOutcome)
	}
	return wrapErr("posting a message", err)
}

// channelGone reports a post refused because its channel no longer exists
// or is closed to the bot (404, 403: a channel lost in a database reset,
// deleted, or left).
func channelGone(resp *model.Response, err error) bool {
	status := answerStatus(resp, err)
	return status == http.StatusNotFound || status == http.StatusForbidden
}

// answerStatus is the HTTP status of a failed call's answer, 0 for none.
func answerStatus(resp *model.Response, err error) int {
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	var ae *model.AppError
	if errors.As(err, &ae) && ae.StatusCode != 0 {
		status = ae.StatusCode
	}
	return status
}

// neverSent reports errors raised before the request left (no connection).
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	return errors.As(err, &dnsErr) || (errors.As(err, &opErr) && opErr.Op == "dial")
}

// trailingBackslashes counts the backslashes that end s.
func trailingBackslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
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
		created, resp, err := a.client.CreatePost(ctx, post)
		if err != nil {
			perr := postErr(resp, err)
			if sent.ID == "" && channelGone(resp, err) {
				perr = fmt.Errorf("%w: %w", perr, bot.ErrConversationGone)
			}
			return sent, perr
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
