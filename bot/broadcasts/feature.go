// Package broadcasts lets organizers write to a segment of the members:
// compose, preview, approve above a threshold, schedule, cancel, resend
// what stayed uncertain. Delivery is store-first and idempotent: each
// recipient's state is written before the post, replicas share the work by
// leased batches, and a post whose outcome is unknown is looked up on the
// platform, never sent twice blindly. The recurring announcements of the
// configuration (job kind « announcement ») go through the same engine.
package broadcasts

import (
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the broadcasts feature and its service (Submit, Approve,
// Cancel, Resend, Preview, RunBroadcast…), which the command line calls
// directly.
type Feature struct {
	*core.Bot
	bc broadcastState // the broadcasts this replica runs (broadcast_engine.go)
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return &Feature{Bot: b}, nil }

// Of returns the broadcasts feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) {
	for _, f := range b.Features() {
		if bf, ok := f.(*Feature); ok {
			return bf, true
		}
	}
	return nil, false
}

// Register declares the broadcasts' commands, choices and dialogues, the
// announcement job, the engine's tick and the personal data kept (the
// broadcasts a member wrote or received).
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.broadcastCommands()...)
	reg.Choices(b.broadcastChoices())
	reg.Dialogues(b.broadcastDialogues())
	reg.Job("announcement", b.jobAnnouncement)
	reg.Tick(b.tickBroadcasts)
	reg.PersonalData(core.DataPart{Name: "broadcasts", Export: b.exportBroadcasts, Erase: b.eraseBroadcasts, Purge: b.purgeBroadcasts})
}
