package mattermost

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
)

// dedupTTL is how long a post or click id is remembered across replicas:
// longer than any catch-up window.
const dedupTTL = 72 * time.Hour

// incoming is a post with what the adapter knows of where it was said.
type incoming struct {
	post        *model.Post
	channelType model.ChannelType
	mentioned   bool // the bot is among the post's mentions (channels only)
}

// translate turns a posted event into an incoming post; ok is false for
// any other event or a payload it cannot read.
func translate(ev *model.WebSocketEvent, botID string) (in incoming, channelName string, ok bool) {
	if ev.EventType() != model.WebsocketEventPosted {
		return incoming{}, "", false
	}
	data := ev.GetData()
	raw, _ := data["post"].(string)
	var p model.Post
	if raw == "" || json.Unmarshal([]byte(raw), &p) != nil || p.Id == "" || p.ChannelId == "" {
		return incoming{}, "", false
	}
	typ, _ := data["channel_type"].(string)
	channelName, _ = data["channel_name"].(string)
	var mentions []string
	if m, _ := data["mentions"].(string); m != "" {
		_ = json.Unmarshal([]byte(m), &mentions)
	}
	return incoming{post: &p, channelType: model.ChannelType(typ), mentioned: slices.Contains(mentions, botID)}, channelName, true
}

func (a *Adapter) onEvent(ctx context.Context, d *dispatcher, ev *model.WebSocketEvent) {
	me := a.botUser()
	in, name, ok := translate(ev, me.Id)
	if !ok {
		return
	}
	a.remember(in.post.ChannelId, channelInfo{typ: in.channelType, name: name})
	a.deliver(ctx, d, in)
}

// message decides whether a post is for the core and builds the message:
// direct and group channels (the core answers groups only when
// mentioned), and channels where the bot is mentioned. The bot's own
// posts, other bots', webhooks' and system posts are dropped.
func (a *Adapter) message(ctx context.Context, in incoming, me *model.User) (bot.Message, bool) {
	p := in.post
	if p.UserId == "" || p.UserId == me.Id || p.IsSystemMessage() || p.DeleteAt != 0 ||
		p.GetProp(model.PostPropsFromBot) == "true" || p.GetProp(model.PostPropsFromWebhook) == "true" {
		return bot.Message{}, false
	}
	// In direct and group channels the server lists every member among a
	// post's mentions: only the text says whether the bot was named.
	mentions := a.mentionREs(me.Username)
	mentioned := mentionsBot(p.Message, me.Username, mentions)
	switch in.channelType {
	case model.ChannelTypeDirect, model.ChannelTypeGroup:
	case model.ChannelTypeOpen, model.ChannelTypePrivate:
		if mentioned = mentioned || in.mentioned; !mentioned {
			return bot.Message{}, false
		}
	default:
		return bot.Message{}, false
	}
	text := p.Message
	if mentioned {
		text = stripMention(text, me.Username, mentions)
	}
	return bot.Message{
		ID:           p.Id,
		From:         a.userRef(p.UserId),
		Conversation: a.conversation(p.ChannelId, in.channelType),
		Text:         text,
		Mention:      mentioned,
		Locale:       a.locale(ctx, p.UserId),
		Received:     a.opts.Clock.Now(),
	}, true
}

// deliver hands a post to the core once across replicas.
func (a *Adapter) deliver(ctx context.Context, d *dispatcher, in incoming) {
	me := a.botUser()
	if in.post.CreateAt > a.lastSeen.Load() && (in.post.UserId != me.Id) {
		a.lastSeen.Store(in.post.CreateAt)
	}
	m, ok := a.message(ctx, in, me)
	if !ok {
		return
	}
	if d.stopping() {
		return // not recorded: the next start's catch-up handles it
	}
	// A claim rather than FirstSeen: a post caught by the stop between
	// the record and the queue is released, so that the next start's
	// catch-up handles it instead of taking it for done.
	key, token := "mattermost:post:"+in.post.Id, rand.Text()
	first, err := a.opts.Store.Claim(ctx, key, token, dedupTTL)
	if err != nil {
		// Without the store, answering twice is better than never.
		a.log.Warn("deduplicating a post", "err", err)
		d.put(m)
		return
	}
	if !first {
		return
	}
	if !d.put(m) {
		if err := a.opts.Store.ReleaseClaim(context.WithoutCancel(ctx), key, token); err != nil {
			a.log.Warn("a post caught by the stop stays recorded: it will not be caught up", "err", err)
		}
	}
}

// catchUp fetches the posts created since `since` (Unix ms, bounded by
// the catch-up window) in the bot's conversations and delivers those not
// yet handled: direct and group channels, and the channels' posts that
// mention the bot.
func (a *Adapter) catchUp(ctx context.Context, d *dispatcher, since int64) {
	me := a.botUser()
	if floor := a.opts.Clock.Now().Add(-a.opts.CatchUpWindow).UnixMilli(); since < floor {
		since = floor
	}
	since -= 2000 // posts racing the disconnection; deduplicated anyway
	channels, _, err := a.client.GetChannelsForUserWithLastDeleteAt(ctx, me.Id, 0)
	if err != nil {
		a.log.Warn("catching up: listing the bot's channels", "err", appErrorText(err))
		return
	}
	fetched := 0
	for _, ch := range channels {
		if ch.LastPostAt < since || ch.DeleteAt != 0 {
			continue
		}
		a.remember(ch.Id, channelInfo{typ: ch.Type, name: ch.Name})
		list, _, err := a.client.GetPostsSince(ctx, ch.Id, since, false)
		if err != nil {
			a.log.Warn("catching up: reading a channel", "channel", ch.Id, "err", appErrorText(err))
			continue
		}
		posts := list.ToSlice()
		slices.SortFunc(posts, func(x, y *model.Post) int { return int(x.CreateAt - y.CreateAt) })
		for _, p := range posts {
			if p.CreateAt < since {
				continue // an older post edited since
			}
			fetched++
			a.deliver(ctx, d, incoming{post: p, channelType: ch.Type})
		}
	}
	a.log.Info("caught up on missed posts", "channels", len(channels), "posts", fetched)
}

// mentionsBot reports whether text mentions @username (whole word).
func mentionsBot(text, username string, p mentionPair) bool {
	return username != "" && p.find.MatchString(text)
}

// stripMention removes the bot's @mention from text, so that the core
// sees "aide" in "@maillage aide".
func stripMention(text, username string, p mentionPair) string {
	if username == "" {
		return text
	}
	out := p.strip.ReplaceAllString(text, "$1$3")
	return strings.TrimSpace(spacesRE.ReplaceAllString(out, " "))
}

var spacesRE = regexp.MustCompile(`[ \t]{2,}`)

type mentionPair struct{ find, strip *regexp.Regexp }

// mentionREs returns the patterns that find and strip @username, compiled
// once per adapter (a.mentions holds the bot's).
func (a *Adapter) mentionREs(username string) mentionPair {
	if v, ok := a.mentions.Load(username); ok {
		return v.(mentionPair)
	}
	p := compileMention(username)
	a.mentions.Store(username, p)
	return p
}

func compileMention(username string) mentionPair {
	q := regexp.QuoteMeta(username)
	p := mentionPair{
		find:  regexp.MustCompile(`(?i)(^|[^\w@.\-])@` + q + `($|[^\w\-])`),
		strip: regexp.MustCompile(`(?i)(^|[^\w@.\-])@` + q + `(:|,)?($|[^\w\-])`),
	}
	return p
}
