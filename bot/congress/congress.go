// Package congress is the congress content as members see it: the
// sessions and highlights of the content files merged with the highlights
// organizers published from the chat, its search index, the session
// look-ups, and the conversation starters drawn from it. The highlights
// feature browses and publishes it; broadcasts (segments by session),
// introductions (conversation starters) and statistics read it.
package congress

import (
	"context"
	"log/slog"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/internal/content"
)

// Congress serves the content. It is safe for concurrent use.
type Congress struct {
	Store    bot.HighlightStore
	Settings *bot.Settings
	Cat      *catalog.Catalog
	Clock    bot.Clock
	Log      *slog.Logger
	hl       *highlightState
	reloaded []func(ctx context.Context) (int, error)
}

// New returns the content service: base is the content at start (nil:
// none), reload loads it again (nil: no reload). It sets the defaults of
// the highlights' settings it reads.
func New(store bot.HighlightStore, s *bot.Settings, cat *catalog.Catalog, clock bot.Clock, log *slog.Logger,
	base *content.Set, reload bot.ContentLoader) *Congress {
	return &Congress{Store: store, Settings: s, Cat: cat, Clock: clock, Log: log.With("component", "congress"),
		hl: newHighlightState(&s.Highlights, base, reload)}
}

// OnReload registers a hook run after each reload, which returns how many
// records it changed (session reminders moved with their session).
func (b *Congress) OnReload(h func(ctx context.Context) (int, error)) {
	b.reloaded = append(b.reloaded, h)
}
