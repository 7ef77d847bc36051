package bot

import (
	"context"
	"errors"
	"time"
)

// Errors adapters wrap so that the core can tell what happened to a post.
var (
	// ErrRateLimited: the platform refused the call for now (HTTP 429);
	// the call was not carried out. Wrap a *RateLimitError to say for how
	// long.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnknownOutcome: the call may or may not have been carried out
	// (timeout, connection lost after sending); it must not be retried
	// blindly.
	ErrUnknownOutcome = errors.New("outcome unknown")
)

// RateLimitError is a 429 answer with the wait the platform asked for. It
// wraps ErrRateLimited.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return "retry after " + e.RetryAfter.String()
}

// Unwrap makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RetryAfter returns the wait a rate-limited error asks for (0 when it
// does not say).
func RetryAfter(err error) time.Duration {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter
	}
	return 0
}

// SentFinder is an optional capability of a chat adapter: find a message
// the bot posted to conv at or after since whose content is r. The core
// uses it to reconcile a post whose outcome was unknown (a crash between
// the post and its record, a timeout), instead of posting it again.
type SentFinder interface {
	FindSent(ctx context.Context, conv Conversation, since time.Time, r Reply) (SentMessage, bool, error)
}

// DirectCache is an optional capability of a chat adapter: the direct
// conversation with user when the adapter knows it without calling the
// platform, so that broadcasts spend no "open" budget on it.
type DirectCache interface {
	CachedDirect(ctx context.Context, user UserRef) (Conversation, bool)
}

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

// PlatformData is an optional capability of a chat adapter that keeps
// something about a user besides the core's records (Slack: the id of the
// member's direct conversation and their Slack locale, cached under hashed
// keys). The member's export ("mes données") shows it and their erasure
// deletes it.
type PlatformData interface {
	// ExportUser returns what the adapter keeps about user, or nil when
	// it keeps nothing.
	ExportUser(ctx context.Context, user UserRef) (any, error)
	// ForgetUser deletes what the adapter keeps about user; no error when
	// there is nothing.
	ForgetUser(ctx context.Context, user UserRef) error
}
