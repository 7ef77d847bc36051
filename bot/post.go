package bot

import (
	"context"
	"errors"
)

// From observer.go.

// storeErrorKind classifies a store error for Observer.Error.
func storeErrorKind(err error) string {
	if errors.Is(err, ErrUnavailable) {
		return ErrorKindStoreUnavailable
	}
	return ErrorKindStore
}

// post sends r to conv through adapter a and counts it. Every message the
// core sends goes through post (or send, which calls it).
func (b *Bot) post(ctx context.Context, a ChatAdapter, conv Conversation, r Reply) (SentMessage, error) {
	sent, err := a.Send(ctx, conv, r)
	b.obs.MessageOut(a.Platform(), err)
	if err != nil {
		b.obs.Error(ErrorKindSend)
	}
	return sent, err
}
