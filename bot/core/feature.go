// Package core is Maillage's runtime: it receives each member's message
// from the chat adapters, finds the choice, the dialogue step or the
// command, and sends the replies; it runs the configured jobs (one replica
// per slot), keeps export and erasure over the personal data the features
// declare, and limits floods. Features register themselves through the
// Registry (Options.Features); the core names none of them.
package core

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/outbox"
)

// Feature is what a feature package brings to the core. Each feature
// package has a constructor of type NewFeature; the wiring (cmd/maillage)
// passes the constructors in Options.Features, one line per feature, and
// no list in the core names them.
type Feature interface {
	// Register declares what the feature brings: commands, choices,
	// dialogues, jobs, personal-data parts and kinds of pending delivery.
	Register(r *Registry)
}

// NewFeature builds a feature over the core. It is called once, from New,
// before any message is handled; the feature keeps b for its services.
type NewFeature func(b *Bot) (Feature, error)

// PendingSender sends a due pending delivery of one kind (Pending.Kind).
// It is responsible for deleting it from the store once sent or abandoned.
type PendingSender = outbox.Sender

// PendingReply builds, at send time, the reply of a due pending delivery
// of one kind; the outbox then sends it as any held message.
type PendingReply = outbox.ReplyBuilder

// DataPart is one kind of personal data kept about a member: every feature
// that keeps personal data registers one, so that the export, the erasure
// and the retention purge cover it.
type DataPart struct {
	// Name is the part's key in the export ("profile", "matches"...).
	Name string
	// Export returns the part for ref (nil when there is nothing).
	Export func(ctx context.Context, ref bot.UserRef) (any, error)
	// Erase removes the part for ref, and every reference to ref in other
	// members' records (which keep only an anonymous placeholder). No
	// error when there is nothing.
	Erase func(ctx context.Context, ref bot.UserRef) error
	// Purge, when set, removes the part's records older than before
	// (history kept beyond the retention period); it returns how many.
	Purge func(ctx context.Context, before time.Time) (int, error)
}

// Registry collects what the features register. Registering the same
// command id, choice action, dialogue kind, job kind, data part or pending
// kind twice is an error, reported by New.
type Registry struct {
	commands  []*Command
	choices   map[string]ChoiceHandler
	dialogues map[string]DialogueHandler
	jobs      map[string]JobFunc
	parts     []DataPart
	pending   map[bot.PendingKind]PendingSender
	replies   map[bot.PendingKind]PendingReply
	reloaded  []ReloadHook
	tickers   []Ticker
	newcomers []NewcomerHook
	unrouted  []UnroutedHook
	consents  map[bot.Consent]outbox.ConsentCheck
	errs      []error
}

func newRegistry() *Registry {
	return &Registry{choices: map[string]ChoiceHandler{}, dialogues: map[string]DialogueHandler{},
		jobs: map[string]JobFunc{}, pending: map[bot.PendingKind]PendingSender{}, replies: map[bot.PendingKind]PendingReply{},
		consents: map[bot.Consent]outbox.ConsentCheck{}}
}

// Consent registers how a feature's own consent is checked just before a
// message that asks for it is sent (outbox.Delivery.Consent).
func (r *Registry) Consent(c bot.Consent, check outbox.ConsentCheck) {
	if _, ok := r.consents[c]; ok {
		r.dup("consent", string(c))
	}
	r.consents[c] = check
}

func (r *Registry) dup(what, name string) {
	r.errs = append(r.errs, fmt.Errorf("bot: %s %q registered twice", what, name))
}

// Command registers chat commands; help lists them by role, in the order
// of registration within a role.
func (r *Registry) Command(cmds ...*Command) {
	for _, c := range cmds {
		if slices.ContainsFunc(r.commands, func(o *Command) bool { return o.ID == c.ID }) {
			r.dup("command", c.ID)
			continue
		}
		r.commands = append(r.commands, c)
	}
}

// Choice registers the handler of a choice action (Choice.Action).
func (r *Registry) Choice(action string, h ChoiceHandler) {
	if _, ok := r.choices[action]; ok {
		r.dup("choice", action)
	}
	r.choices[action] = h
}

// Choices registers several choice handlers.
func (r *Registry) Choices(hs map[string]ChoiceHandler) {
	for _, a := range slices.Sorted(maps.Keys(hs)) {
		r.Choice(a, hs[a])
	}
}

// Dialogue registers the handler of a dialogue kind (Dialogue.Kind).
func (r *Registry) Dialogue(kind string, h DialogueHandler) {
	if _, ok := r.dialogues[kind]; ok {
		r.dup("dialogue", kind)
	}
	r.dialogues[kind] = h
}

// Dialogues registers several dialogue handlers.
func (r *Registry) Dialogues(hs map[string]DialogueHandler) {
	for _, k := range slices.Sorted(maps.Keys(hs)) {
		r.Dialogue(k, hs[k])
	}
}

// Job registers a job kind (config schedules[].kind).
func (r *Registry) Job(kind string, f JobFunc) {
	if _, ok := r.jobs[kind]; ok {
		r.dup("job kind", kind)
	}
	r.jobs[kind] = f
}

// PersonalData registers a kind of personal data. Parts are exported and
// erased in the order of registration, the core's own profile part last.
func (r *Registry) PersonalData(p DataPart) {
	if slices.ContainsFunc(r.parts, func(o DataPart) bool { return o.Name == p.Name }) {
		r.dup("personal-data part", p.Name)
		return
	}
	r.parts = append(r.parts, p)
}

// Pending registers how due pending deliveries of kind are sent, when the
// outbox's own way (send the stored reply to the member once) does not do.
func (r *Registry) Pending(kind bot.PendingKind, s PendingSender) {
	if _, ok := r.pending[kind]; ok {
		r.dup("pending kind", string(kind))
	}
	r.pending[kind] = s
}

// PendingReply registers how the reply of due pending deliveries of kind
// is built at send time (a reminder's text in the member's language).
func (r *Registry) PendingReply(kind bot.PendingKind, f PendingReply) {
	if _, ok := r.replies[kind]; ok {
		r.dup("pending reply", string(kind))
	}
	r.replies[kind] = f
}

// ReloadHook follows the congress content after a reload (session
// reminders moved with their session); it returns how many records it
// changed.
type ReloadHook func(ctx context.Context) (int, error)

// ContentReloaded registers a hook run after each reload of the content.
func (r *Registry) ContentReloaded(h ReloadHook) { r.reloaded = append(r.reloaded, h) }

// Ticker does a feature's work due at now; the scheduler calls it at every
// tick (a few seconds apart at most), on every replica, after the jobs.
type Ticker func(ctx context.Context, now time.Time)

// Tick registers work to do at every tick of the scheduler.
func (r *Registry) Tick(t Ticker) { r.tickers = append(r.tickers, t) }

// NewcomerHook looks at a message from someone the store does not know
// before it is handled; it may fill in the turn's member (a member
// imported by e-mail address recognised by their platform's address).
type NewcomerHook func(ctx context.Context, r *Turn)

// Newcomer registers a hook run on messages from unknown people.
func (r *Registry) Newcomer(h NewcomerHook) { r.newcomers = append(r.newcomers, h) }

// UnroutedHook may answer a message that is no command and that no
// dialogue took (the members' front door: any first message from someone
// unknown starts the onboarding); ok false leaves it to the next hook,
// then to small talk and to « je n'ai pas compris ».
type UnroutedHook func(ctx context.Context, r *Turn) (replies []bot.Reply, ok bool)

// Unrouted registers a hook run on messages that are no command.
func (r *Registry) Unrouted(h UnroutedHook) { r.unrouted = append(r.unrouted, h) }

// Features returns the features built by New, in the order of
// Options.Features: a feature package finds its own instance there to
// offer its services to the wiring (see broadcasts.Of).
func (b *Bot) Features() []Feature { return b.features }

// sortedCommands returns the commands as help lists them: by role,
// members' first, in the order of registration within a role.
func (r *Registry) sortedCommands() []*Command {
	cmds := slices.Clone(r.commands)
	slices.SortStableFunc(cmds, func(a, b *Command) int { return cmp.Compare(a.Role, b.Role) })
	return cmds
}

// Describe returns what a core with these features registers, built over
// an empty core that none of them may use while registering: for the
// configuration check (job kinds) and for the tests that go through every
// command.
func Describe(features []NewFeature) (*Registry, error) {
	return (&Bot{}).describe(features)
}

func (b *Bot) describe(features []NewFeature) (*Registry, error) {
	reg := newRegistry()
	b.registerCore(reg)
	for _, nf := range features {
		f, err := nf(b)
		if err != nil {
			return nil, err
		}
		f.Register(reg)
	}
	b.registerCoreLast(reg)
	return reg, errors.Join(reg.errs...)
}

// Commands returns the registered commands in the order help lists them.
func (r *Registry) Commands() []*Command { return r.sortedCommands() }

// JobKinds returns the job kinds that a core with these features can run,
// sorted: the configuration refuses the others.
func JobKinds(features []NewFeature) ([]string, error) {
	reg, err := Describe(features)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(reg.jobs)), nil
}

// FeatureOf returns the feature of type T that b runs, if any: a feature
// package's Of offers its service to the wiring and the tests this way.
func FeatureOf[T Feature](b *Bot) (T, bool) {
	for _, f := range b.features {
		if t, ok := f.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

// Services are what a feature holds of the core besides its store: the
// core itself (printers, formats, Outbox, Congress), the settings, the
// catalogue, the clock, the logger, the directory, the observer, the chat
// adapters and the replica's name. A feature embeds them.
type Services struct {
	Core     *Bot
	Settings *bot.Settings
	Cat      *catalog.Catalog
	Clock    bot.Clock
	Log      *slog.Logger
	Dir      bot.Directory
	Obs      bot.Observer
	Adapters map[bot.Platform]bot.ChatAdapter
	Replica  string
}

// Services returns the core's services for a feature.
func (b *Bot) Services() Services {
	return Services{Core: b, Settings: &b.Settings, Cat: b.Cat, Clock: b.Clock, Log: b.Log, Dir: b.Dir, Obs: b.Obs,
		Adapters: b.Adapters, Replica: b.Replica}
}
