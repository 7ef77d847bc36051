package highlights

import (
	"context"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// For the external tests: the digest job of slot, and the feature's
// personal-data part, on the core b.

func RunDigest(b *core.Bot, ctx context.Context, slot time.Time) error {
	return newFeature(b).runDigest(ctx, slot)
}

func ExportHighlights(b *core.Bot, ctx context.Context, ref bot.UserRef) (any, error) {
	return newFeature(b).exportHighlights(ctx, ref)
}

func EraseHighlights(b *core.Bot, ctx context.Context, ref bot.UserRef) error {
	return newFeature(b).eraseHighlights(ctx, ref)
}
