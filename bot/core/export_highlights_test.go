package core

import (
	"context"
	"time"

	"github.com/sndgct/maillage/bot"
)

// Exported for the external tests: the scheduler calls these at merge.

func (b *Bot) RunDigest(ctx context.Context, slot time.Time) error { return b.runDigest(ctx, slot) }

func (b *Bot) ExportHighlights(ctx context.Context, ref bot.UserRef) (any, error) {
	return b.exportHighlights(ctx, ref)
}

func (b *Bot) EraseHighlights(ctx context.Context, ref bot.UserRef) error {
	return b.eraseHighlights(ctx, ref)
}
