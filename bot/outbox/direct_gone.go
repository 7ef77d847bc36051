package outbox

import (
	"context"
	"errors"

	"github.com/sndgct/maillage/bot"
)

// forgetGoneDirect reports whether a failed post to the direct conversation
// with to may be tried once more in a newly opened conversation: the post
// was refused because the conversation is gone (a definite failure, neither
// rate-limited nor of unknown outcome), nothing was posted, and the caches
// that held the old conversation (the adapter's and the broadcasts') were
// emptied.
func (b *Outbox) ForgetGoneDirect(ctx context.Context, a bot.ChatAdapter, to bot.UserRef, sent bot.SentMessage, err error) bool {
	if !errors.Is(err, bot.ErrConversationGone) || errors.Is(err, bot.ErrUnknownOutcome) || errors.Is(err, bot.ErrRateLimited) || sent.ID != "" {
		return false
	}
	f, ok := a.(bot.DirectForgetter)
	if !ok {
		return false
	}
	if ferr := f.ForgetDirect(ctx, to); ferr != nil {
		b.Log.Warn("forgetting a gone direct conversation", "member", b.Pseudonym(to), "err", ferr)
		return false
	}
	if derr := b.Store.DeleteValue(ctx, b.dmKey(to)); derr != nil {
		b.Log.Warn("forgetting a gone direct conversation", "member", b.Pseudonym(to), "err", derr)
		return false
	}
	b.Log.Info("direct conversation gone: opening it again", "member", b.Pseudonym(to))
	return true
}
