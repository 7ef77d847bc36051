// Package highlights brings the congress to the chat: members browse the
// sessions of the current event, search what was said, follow sessions and
// topics and get a digest of what is new; organizers publish and withdraw
// highlights; registered members are reminded before a session. The
// content itself (files and published highlights) is the core's (Content).
package highlights

import (
	"context"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the highlights feature.
type Feature struct {
	core.Services
	store Store
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.MemberRecords
	bot.DialogueStore
	bot.HighlightStore
	bot.PendingStore
	bot.ClaimStore
	// CountSearchMiss counts a search that found nothing (bot.DashboardStore).
	CountSearchMiss(ctx context.Context, query string) error
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{Services: b.Services(), store: b.Store}
}

// Register declares the highlights' commands, choices and dialogues, the
// digest job, the personal data kept (follows and registrations) and the
// reminders' follow-up of a content reload.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.highlightCommands()...)
	reg.Choices(b.highlightChoices())
	reg.Dialogues(b.highlightDialogues())
	reg.Job("digest", b.jobDigest)
	reg.PersonalData(core.DataPart{Name: "highlights", Export: b.exportHighlights, Erase: b.eraseHighlights})
	reg.ContentReloaded(b.resyncReminders)
	reg.Consent(consentDigest, b.stillFollows)
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }
