package mattermost

import (
	"context"
	"errors"
	"time"

	"github.com/sndgct/maillage/bot"
)

var _ bot.SentFinder = (*Adapter)(nil)

// clockSkew widens the search for a post: the server stamps posts with its
// own clock.
const clockSkew = 5 * time.Minute

// findSentPage is how many of a conversation's newest posts FindSent reads.
const findSentPage = 200

// FindSent looks in conv for a post of the bot's, created at or after
// since (less the clock skew), whose message is the last post r renders
// to: how the core reconciles a broadcast post whose outcome was unknown.
func (a *Adapter) FindSent(ctx context.Context, conv bot.Conversation, since time.Time, r bot.Reply) (bot.SentMessage, bool, error) {
	me := a.botUser()
	if me == nil {
		return bot.SentMessage{}, false, errors.New("mattermost: not started (Run checks the token first)")
	}
	chunks := split(render(r.Text), maxPostRunes)
	want := chunks[len(chunks)-1]
	// The newest page of the conversation, not GetPostsSince: the server
	// answers that one from a per-channel "last post time" cache that a
	// concurrent read can leave stale, which would hide the very post
	// looked for and send it twice. A direct conversation with a member
	// holds few posts since an unknown outcome (minutes ago).
	list, _, err := a.client.GetPostsForChannel(ctx, conv.ID, 0, findSentPage, "", false, false)
	if err != nil {
		return bot.SentMessage{}, false, wrapErr("reading recent posts", err)
	}
	after := since.Add(-clockSkew).UnixMilli()
	for _, id := range list.Order {
		p, ok := list.Posts[id]
		if ok && p.UserId == me.Id && p.DeleteAt == 0 && p.CreateAt >= after && p.Message == want {
			return bot.SentMessage{Conversation: conv, ID: p.Id}, true, nil
		}
	}
	return bot.SentMessage{}, false, nil
}
