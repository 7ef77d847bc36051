// Package stats gives the organizers the figures of the network:
// « statistiques » in the chat and the weekly summary job posted to their
// channel (members by stage, région and size, introductions and how many
// met, interests chosen).
package stats

import "github.com/sndgct/maillage/bot/core"

// Feature is the statistics feature.
type Feature struct {
	*core.Bot
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return &Feature{Bot: b}, nil }

// Register declares « statistiques » and the summary job.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.statsCommands()...)
	reg.Job("summary", b.jobSummary)
}
