// Package stats gives the organizers the figures of the network:
// « statistiques » in the chat and the weekly summary job posted to their
// channel (members by stage, région and size, introductions and how many
// met, interests chosen).
package stats

import (
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the statistics feature.
type Feature struct {
	core.Services
	store Store
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.MemberRecords
	bot.HighlightStore
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{Services: b.Services(), store: b.Store}
}

// Register declares « statistiques » and the summary job.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.statsCommands()...)
	reg.Job("summary", b.jobSummary)
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }
