package highlights

import (
	"context"
	"errors"
	"fmt"

	"github.com/sndgct/maillage/bot"
)

// Personal data of the highlights feature, for the export and erase
// registry (core.Registry.PersonalData): the member's HighlightFollows
// record holds all of it (topics and sessions followed, registrations,
// digest times, language). Published highlights name no member.

// exportHighlights returns the member's highlights data, ready to encode
// as JSON, or nil when there is none.
func (b *Feature) exportHighlights(ctx context.Context, ref bot.UserRef) (any, error) {
	sub, err := b.store.HighlightFollows(ctx, ref)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("export highlights data: %w", err)
	}
	return sub, nil
}

// eraseHighlights erases the member's highlights data.
func (b *Feature) eraseHighlights(ctx context.Context, ref bot.UserRef) error {
	if err := b.store.EraseHighlightFollows(ctx, ref); err != nil {
		return fmt.Errorf("erase highlights data: %w", err)
	}
	return nil
}
