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
	*core.Bot
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return &Feature{Bot: b}, nil }

// Register declares the reminder commands and how a due reminder reads.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.reminderCommands()...)
	reg.PendingReply(bot.PendingReminder, b.reminderReply)
}
