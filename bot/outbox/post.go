package outbox

import (
	"context"
	"errors"

	"github.com/sndgct/maillage/bot"
)

// storeErrorKind classifies a store error for Observer.Error.
func StoreErrorKind(err error) string {
	if errors.Is(err, bot.ErrUnavailable) {
		return bot.ErrorKindStoreUnavailable
	}
	return bot.ErrorKindStore
}

// post sends r to conv through adapter a and counts it. Every message the
// core sends goes through post (or send, which calls it).
func (b *Outbox) Post(ctx context.Context, a bot.ChatAdapter, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	sent, err := a.Send(ctx, conv, r)
	b.Obs.MessageOut(a.Platform(), err)
	if err != nil {
		b.Obs.Error(bot.ErrorKindSend)
	}
	return sent, err
}
