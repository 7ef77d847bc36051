package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/sndgct/maillage/bot"
)

var (
	_ bot.SentFinder  = (*Adapter)(nil)
	_ bot.DirectCache = (*Adapter)(nil)
)

// CachedDirect returns the direct conversation with user when its id is
// cached (OpenDirect keeps it 30 days): broadcasts then spend nothing of
// conversations.open's budget on it.
func (a *Adapter) CachedDirect(ctx context.Context, user bot.UserRef) (bot.Conversation, bool) {
	if a.checkUser(user) != nil {
		return bot.Conversation{}, false
	}
	v, err := a.store.Value(ctx, "slack:dm:"+a.hashKey(user.Key()))
	if err != nil || len(v) == 0 {
		return bot.Conversation{}, false
	}
	return bot.Conversation{Platform: bot.PlatformSlack, Workspace: user.Workspace, ID: string(v), Kind: bot.Direct}, true
}

// clockSkew widens the search for a message: Slack stamps messages with
// its own clock.
const clockSkew = 5 * time.Minute

// FindSent looks in conv (conversations.history, scope im:history, which
// the app has) for a message of the bot's posted at or after since (less
// the clock skew) whose text is the last message r renders to: how the
// core reconciles a broadcast post whose answer was lost.
func (a *Adapter) FindSent(ctx context.Context, conv bot.Conversation, since time.Time, r bot.Reply) (bot.SentMessage, bool, error) {
	if err := a.checkConversation(conv); err != nil {
		return bot.SentMessage{}, false, err
	}
	msgs, err := render(r)
	if err != nil || len(msgs) == 0 {
		return bot.SentMessage{}, false, fmt.Errorf("slack find sent: %w", errors.Join(err, errors.New("nothing to find")))
	}
	want := msgs[len(msgs)-1].Text
	_, botUser, botID := a.identity()
	var hist *slack.GetConversationHistoryResponse
	err = a.call(ctx, "conversations.history", true, func(ctx context.Context) error {
		var err error
		hist, err = a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: conv.ID, Oldest: fmt.Sprintf("%d.000000", since.Add(-clockSkew).Unix()), Limit: 200})
		return err
	})
	if err != nil {
		return bot.SentMessage{}, false, fmt.Errorf("slack conversations.history: %w", err)
	}
	for _, m := range hist.Messages {
		if (m.BotID != "" && m.BotID == botID || m.User != "" && m.User == botUser) && m.Text == want {
			return bot.SentMessage{Conversation: conv, ID: m.Timestamp}, true, nil
		}
	}
	return bot.SentMessage{}, false, nil
}
