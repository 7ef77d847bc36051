// Package features is the list of the feature packages the binary runs:
// the one place that names them, shared by the wiring (cmd/maillage) and
// the test kit (bot/bottest). Adding a feature is adding its package and
// one line here.
package features

import (
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/dashboard"
	"github.com/sndgct/maillage/bot/highlights"
	"github.com/sndgct/maillage/bot/introductions"
	"github.com/sndgct/maillage/bot/members"
	"github.com/sndgct/maillage/bot/reminders"
	"github.com/sndgct/maillage/bot/stats"
)

// All returns the features' constructors, in the order help lists their
// commands.
func All() []core.NewFeature {
	return []core.NewFeature{
		members.New,
		reminders.New,
		highlights.New,
		introductions.New,
		broadcasts.New,
		stats.New,
		dashboard.New,
	}
}
