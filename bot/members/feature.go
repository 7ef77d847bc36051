// Package members is the members' side of the network: the onboarding
// (collectivity from the official data, role, interests, preferences,
// opt-in), the profile and its changes, pause and resume, leaving and
// joining the introductions, the organizers' CSV import and the invitation
// of imported members. Export and erasure are the core's services; the
// feature offers their commands.
package members

import (
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the members feature.
type Feature struct {
	core.Services
	store Store
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.MemberRecords
	bot.DialogueStore
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{Services: b.Services(), store: b.Store}
}

// Register declares the members' commands, choices and dialogues, and the
// recognition of a member imported by e-mail address when they first
// write, and the front door: any first message starts the onboarding.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.membersCommands()...)
	reg.Choices(b.membersChoices())
	reg.Dialogues(b.membersDialogues())
	reg.Newcomer(b.adoptImported)
	reg.Unrouted(b.frontDoor)
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }
