// Package outbox is the one delivery path of everything the bot writes
// first to a member (introductions, reminders, digests, invitations,
// broadcasts): working hours in the member's own time zone and the
// messages held until then, idempotency keys claimed in the store so that
// no replica sends twice, opening the direct conversation and its cache,
// the « conversation gone » retry, pacing per platform workspace and the
// pauses after a 429 shared by the replicas. A delivery may name the consent
// it needs (Delivery.Consent): the member is re-read just before the message
// is sent, now or once held, and a message they no longer want is dropped
// and logged. Members stand in store keys as keyed hashes (RefHash) under
// the deployment's secret (Options.Keys).
package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
)

// pendingBatch bounds the pending messages sent per tick.
const pendingBatch = 200

// Store is the part of the store the outbox uses.
type Store interface {
	bot.MemberRecords
	bot.PendingStore
	bot.ClaimStore
	bot.ValueStore
}

// Sender sends a due pending delivery of a kind a feature sends its own
// way; it deletes it from the store once sent or abandoned.
type Sender func(ctx context.Context, p bot.Pending, now time.Time)

// ReplyBuilder builds, at send time, the reply of a due pending delivery.
type ReplyBuilder func(ctx context.Context, p bot.Pending) bot.Reply

// Options are the outbox's collaborators.
type Options struct {
	Store      Store
	Adapters   map[bot.Platform]bot.ChatAdapter
	Settings   *bot.Settings // working hours, zone, pacing
	Clock      bot.Clock
	Log        *slog.Logger
	Obs        bot.Observer
	Pseudonyms bot.Pseudonyms
	// Replica names this process in the shared pacing records.
	Replica string
	// ClaimToken returns a claim owner unique to one attempt.
	ClaimToken func() string
	// Sleep waits for the pacing (nil: a real timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Keys hashes members in store keys (zero: a built-in secret).
	Keys bot.KeyHasher
}

// Outbox delivers what the bot writes first. It is safe for concurrent
// use.
type Outbox struct {
	Store      Store
	Adapters   map[bot.Platform]bot.ChatAdapter
	Settings   *bot.Settings
	Clock      bot.Clock
	Log        *slog.Logger
	Obs        bot.Observer
	Replica    string
	pseudo     bot.Pseudonyms
	keys       bot.KeyHasher
	claimToken func() string
	pacing     pacing
	senders    map[bot.PendingKind]Sender
	replies    map[bot.PendingKind]ReplyBuilder
	zones      sync.Map // IANA name -> *time.Location (nil when unknown)
	checks     map[bot.Consent]ConsentCheck
}

// New returns an outbox over opts.
func New(opts Options) *Outbox {
	return &Outbox{Store: opts.Store, Adapters: opts.Adapters, Settings: opts.Settings, Clock: opts.Clock,
		Log: opts.Log.With("component", "outbox"), Obs: opts.Obs, Replica: opts.Replica, pseudo: opts.Pseudonyms, keys: opts.Keys, claimToken: opts.ClaimToken,
		pacing: pacing{sleep: opts.Sleep}, senders: map[bot.PendingKind]Sender{}, replies: map[bot.PendingKind]ReplyBuilder{},
		checks: map[bot.Consent]ConsentCheck{}}
}

// Handle declares how due pending deliveries of kind are sent (send) or
// what they say (reply); the core passes what the features registered.
func (b *Outbox) Handle(kind bot.PendingKind, send Sender, reply ReplyBuilder) {
	if send != nil {
		b.senders[kind] = send
	}
	if reply != nil {
		b.replies[kind] = reply
	}
}

// Pseudonym is how logs name a member.
func (b *Outbox) Pseudonym(u bot.UserRef) string { return b.pseudo.Of(u) }

// ClaimToken returns a claim owner unique to one attempt.
func (b *Outbox) ClaimToken() string { return b.claimToken() }

// Flush sends the pending messages due at now (the scheduler's tick).
func (b *Outbox) Flush(ctx context.Context, now time.Time) { b.flushPending(ctx, now) }
