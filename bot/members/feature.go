// Package members is the members' side of the network: the onboarding
// (collectivity from the official data, role, interests, preferences,
// opt-in), the profile and its changes, pause and resume, leaving and
// joining the introductions, the organizers' CSV import and the invitation
// of imported members. Export and erasure are the core's services; the
// feature offers their commands.
package members

import (
	"log/slog"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
)

// Feature is the members feature.
type Feature struct {
	core     *core.Bot // the chat kit: printers, delivery, formats, content
	store    Store
	settings *bot.Settings
	cat      *catalog.Catalog
	clock    bot.Clock
	log      *slog.Logger
	dir      bot.Directory
	adapters map[bot.Platform]bot.ChatAdapter
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.MemberRecords
	bot.DialogueStore
}

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) { return newFeature(b), nil }

func newFeature(b *core.Bot) *Feature {
	return &Feature{core: b, store: b.Store, settings: &b.Settings, cat: b.Cat, clock: b.Clock, log: b.Log, dir: b.Dir, adapters: b.Adapters}
}

// Register declares the members' commands, choices and dialogues, and the
// recognition of a member imported by e-mail address when they first
// write.
func (b *Feature) Register(reg *core.Registry) {
	reg.Command(b.membersCommands()...)
	reg.Choices(b.membersChoices())
	reg.Dialogues(b.membersDialogues())
	reg.Newcomer(b.adoptImported)
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }
