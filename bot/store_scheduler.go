package bot

import (
	"context"
	"time"
)

// PendingKind tells what a pending message is.
type PendingKind string

// Pending kinds.
const (
	// PendingHeld is a message held until the member's working hours.
	PendingHeld PendingKind = "held"
	// PendingReminder is a personal reminder a member asked for.
	PendingReminder PendingKind = "reminder"
)

// Pending is a message waiting for its time: a delivery held for the
// member's working hours, or a personal reminder. The scheduler sends it
// once Due has passed, on whichever replica ticks first.
type Pending struct {
	// Key identifies it (unique among all pending messages); it is also
	// the delivery's idempotency key.
	Key  string      `json:"key"`
	To   UserRef     `json:"to"`
	Kind PendingKind `json:"kind"`
	// Due is when it may be sent.
	Due time.Time `json:"due"`
	// Reply is the held message (PendingHeld).
	Reply Reply `json:"reply,omitzero"`
	// Text is what the member asked to be reminded of, and Number the
	// reminder's number in the member's list (PendingReminder).
	Text   string `json:"text,omitempty"`
	Number int    `json:"number,omitempty"`
	// Lang is the language the member used when asking (a reminder to a
	// member not stored yet is still sent in it).
	Lang Lang `json:"lang,omitempty"`
	// Created is when it was stored.
	Created time.Time `json:"created"`
	// Consent is what the member must still want when it is sent (see
	// Consent); empty: nothing checked.
	Consent Consent `json:"consent,omitempty"`
}

// Consent names what a member must still want for a message written to
// them to be sent: the outbox re-reads the member just before sending and
// drops (and logs) a message they no longer want.
type Consent string

const (
	// ConsentMember: the member is still stored (not erased).
	ConsentMember Consent = "member"
	// ConsentIntroductions: stored, opted in to introductions and not
	// paused (Member.Matchable).
	ConsentIntroductions Consent = "introductions"
)

// SchedulerStore keeps the scheduler's durable state: the last slot run of
// each job, and the pending messages (held deliveries, reminders). Same
// general contracts as Store (ErrInvalid for an invalid UserRef, context
// errors, ErrUnavailable).
type SchedulerStore interface {
	// LastSlot returns the last slot recorded for job, or an error
	// wrapping ErrNotFound when none was. ErrInvalid for an empty job.
	LastSlot(ctx context.Context, job string) (time.Time, error)

	// SetLastSlot records slot for job unless a later slot is already
	// recorded (it never moves back). ErrInvalid for an empty job or a
	// zero slot. Precision: milliseconds.
	SetLastSlot(ctx context.Context, job string, slot time.Time) error

	PendingStore
}

// PendingStore keeps the messages waiting to be sent: reminders, messages
// held for the member's working hours, a feature's own kinds. Errors as
// for Store.
type PendingStore interface {
	// SavePending stores p unless a pending message with p.Key exists,
	// and reports whether it stored it. ErrInvalid for an empty key or
	// kind, an invalid p.To, or a zero p.Due.
	SavePending(ctx context.Context, p Pending) (bool, error)

	// PendingFor returns the member's pending messages, ordered by Due
	// then Key.
	PendingFor(ctx context.Context, ref UserRef) ([]Pending, error)

	// DuePending returns at most limit pending messages whose Due is at or
	// before now, ordered by Due then Key. ErrInvalid for limit <= 0.
	DuePending(ctx context.Context, now time.Time, limit int) ([]Pending, error)

	// DeletePending removes the pending message with key; an error
	// wrapping ErrNotFound when there is none. ErrInvalid for an empty key.
	DeletePending(ctx context.Context, key string) error

	// ErasePending removes every pending message to the member (held
	// deliveries and reminders), for the right to erasure, and returns how
	// many it removed.
	ErasePending(ctx context.Context, ref UserRef) (int, error)
}
