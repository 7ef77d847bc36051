// Package broadcasts lets organizers write to a segment of the members:
// compose, preview, approve above a threshold, schedule, cancel, resend
// what stayed uncertain. Delivery is store-first and idempotent: each
// recipient's state is written before the post, replicas share the work by
// leased batches, and a post whose outcome is unknown is looked up on the
// platform, never sent twice blindly. The recurring announcements of the
// configuration (job kind « announcement ») go through the same engine.
package broadcasts

import (
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the broadcasts feature and its service (Submit, Approve,
// Cancel, Resend, Preview, RunBroadcast…), which the command line calls
// directly.
type Feature struct {
	core.Services
	store Store
	bc    broadcastState // the broadcasts this replica runs (broadcast_engine.go)
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.BroadcastStore
	bot.ClaimStore
	bot.DialogueStore
	bot.HighlightStore
	bot.MemberRecords
	bot.PendingStore
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{Services: b.Services(), store: b.Store}
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }

// Register declares the broadcasts' commands, choices and dialogues, the
// announcement job, the engine's tick and the personal data kept (the
// broadcasts a member wrote or received).
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.chat().broadcastCommands()...)
	reg.Choices(b.chat().broadcastChoices())
	reg.Dialogues(b.chat().broadcastDialogues())
	reg.Job("announcement", b.chat().jobAnnouncement)
	reg.Tick(b.tickBroadcasts)
	reg.PersonalData(core.DataPart{Name: "broadcasts", Export: b.chat().exportBroadcasts, Erase: b.chat().eraseBroadcasts, Purge: b.chat().purgeBroadcasts})
}
