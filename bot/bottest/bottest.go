// Package bottest is the test kit shared by the core's and the features'
// tests: the core with every feature, over the stores and chat fakes the
// tests give it.
package bottest

import (
	"slices"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/features"
)

// New builds the core as the binary does, with every feature (and the
// extra ones in opts.Features after them).
func New(s bot.Settings, store bot.Store, adapters []bot.ChatAdapter, opts core.Options) (*core.Bot, error) {
	opts.Features = append(features.All(), slices.Clone(opts.Features)...)
	return core.New(s, store, adapters, opts)
}

// Broadcasts returns the broadcasts service of b (built by New).
func Broadcasts(b *core.Bot) *broadcasts.Feature { return Of[*broadcasts.Feature](b) }

// Of returns the feature of type T that b runs (built by New).
func Of[T core.Feature](b *core.Bot) T {
	t, ok := core.FeatureOf[T](b)
	if !ok {
		panic("bottest: the core runs no such feature")
	}
	return t
}
