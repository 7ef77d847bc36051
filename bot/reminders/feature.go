// Package reminders lets members set reminders in their own words
// (« rappelle-moi demain à 9h de rappeler la DRH »), list and cancel them;
// the outbox sends each one, due, in the member's language.
package reminders

import (
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the reminders feature.
type Feature struct {
	core.Services
	store Store
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.MemberRecords
	bot.PendingStore
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{Services: b.Services(), store: b.Store}
}

// Register declares the reminder commands and how a due reminder reads.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.reminderCommands()...)
	reg.PendingReply(bot.PendingReminder, b.reminderReply)
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }
