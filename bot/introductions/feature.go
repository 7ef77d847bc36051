// Package introductions introduces members to well-matched peers: the
// planner (scoring and the certified optimal plan, from internal/matching
// and internal/blossom), the rounds and their sending (a group
// conversation, or each member's direct one, within working hours), the
// follow-ups that ask whether members met, the organizers' reports, and
// « ne plus me proposer ».
package introductions

import (
	"context"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the introductions feature.
type Feature struct {
	core.Services
	store Store
}

// Store is the part of the store the feature uses.
type Store interface {
	PlannerStore
	bot.ClaimStore
	bot.PendingStore
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{Services: b.Services(), store: b.Store}
}

// Register declares the introductions' commands and choices, the round and
// follow-up jobs, the held group introductions and the personal data kept
// (answers, « not again » lists, places in past rounds).
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.matchingCommands()...)
	reg.Choices(b.matchingChoices())
	reg.Job("round", b.jobRound)
	reg.Job("followup", b.jobFollowup)
	reg.Pending(PendingIntro, b.sendPendingIntro)
	reg.PersonalData(core.DataPart{Name: "matching", Export: b.exportMatching, Erase: b.eraseMember, Purge: b.purgeMatching})
}

// eraseMember first hands the group introductions held under ref to
// another member of the group (so that the others still get them), then
// erases ref from the rounds.
func (b *Feature) eraseMember(ctx context.Context, ref bot.UserRef) error {
	if err := b.rehomeHeldIntros(ctx, ref); err != nil {
		return err
	}
	return b.eraseMatching(ctx, ref)
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }
