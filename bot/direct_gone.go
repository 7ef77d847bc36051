package bot

import (
	"context"
	"errors"
)

// ErrConversationGone: the platform refused a post because the conversation
// no longer exists (deleted, archived, lost in a server's database reset).
// Nothing was posted: an adapter wraps it only when the refusal is certain
// and no part of the reply went out, so posting again cannot duplicate.
var ErrConversationGone = errors.New("conversation gone")

// DirectForgetter is an optional capability of a chat adapter that caches
// direct conversations (see DirectCache): ForgetDirect drops the cached
// conversation with user, so that the next OpenDirect asks the platform
// again. Forgetting what is not cached is no error.
type DirectForgetter interface {
	ForgetDirect(ctx context.Context, user UserRef) error
}

// forgetGoneDirect reports whether a failed post to the direct conversation
// with to may be tried once more in a newly opened conversation: the post
// was refused because the conversation is gone (a definite failure, neither
// rate-limited nor of unknown outcome), nothing was posted, and the caches
// that held the old conversation (the adapter's and the broadcasts') were
// emptied.
func (b *Bot) forgetGoneDirect(ctx context.Context, a ChatAdapter, to UserRef, sent SentMessage, err error) bool {
	if !errors.Is(err, ErrConversationGone) || errors.Is(err, ErrUnknownOutcome) || errors.Is(err, ErrRateLimited) || sent.ID != "" {
		return false
	}
	f, ok := a.(DirectForgetter)
	if !ok {
		return false
	}
	if ferr := f.ForgetDirect(ctx, to); ferr != nil {
		b.log.Warn("forgetting a gone direct conversation", "member", pseudonym(to), "err", ferr)
		return false
	}
	if derr := b.store.DeleteValue(ctx, dmKey(to)); derr != nil {
		b.log.Warn("forgetting a gone direct conversation", "member", pseudonym(to), "err", derr)
		return false
	}
	b.log.Info("direct conversation gone: opening it again", "member", pseudonym(to))
	return true
}
