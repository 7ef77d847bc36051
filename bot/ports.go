package bot

import (
	"context"
	"errors"
	"time"
)

// Handler receives each incoming event from a chat adapter. It does not
// return an error: the core answers the member itself and logs failures.
// It is safe for concurrent use.
type Handler func(ctx context.Context, m Message)

// ChatAdapter is the port to a chat platform (Slack, Mattermost, terminal).
// Implementations live in adapters/<platform>.
type ChatAdapter interface {
	// Platform names the platform; every UserRef and Conversation the
	// adapter produces carries it.
	Platform() Platform

	// Run connects to the platform and hands every incoming event to h,
	// after acknowledging it and dropping the bot's own messages, until ctx
	// ends (it then returns nil) or the input ends (terminal: nil too).
	// It returns an error only when it cannot go on (revoked token...).
	Run(ctx context.Context, h Handler) error

	// Send posts r to conv. The adapter renders the markdown subset and
	// the choices, escapes the text so that no mass mention can be
	// injected, and splits what is too long for the platform.
	Send(ctx context.Context, conv Conversation, r Reply) (SentMessage, error)

	// OpenGroup opens (or finds) a private conversation between the bot
	// and the given members. It returns ErrGroupSize when the platform
	// cannot hold that many (or fewer than two) members.
	OpenGroup(ctx context.Context, members []UserRef) (Conversation, error)
}

// DirectOpener is an optional capability: open the direct conversation
// with a member, to write first (introductions, reminders, broadcasts).
type DirectOpener interface {
	OpenDirect(ctx context.Context, user UserRef) (Conversation, error)
}

// ProfileReader is an optional capability: what the platform knows of a
// user. Fields the platform does not grant are empty.
type ProfileReader interface {
	Profile(ctx context.Context, user UserRef) (PlatformProfile, error)
}

// MessageUpdater is an optional capability: replace a message the bot
// posted (for instance, the chosen answer replaces the buttons).
type MessageUpdater interface {
	Update(ctx context.Context, msg SentMessage, r Reply) error
}

// MemberBatchWriter is an optional capability of a store: save several
// members in one write (one transaction), as SaveMember would each. The
// CSV import uses it. Errors as for Store.SaveMember; on error, none of ms
// may have been saved.
type MemberBatchWriter interface {
	SaveMembers(ctx context.Context, ms []Member) error
}

// HealthReporter is an optional capability: the state of the adapter's
// connection to its platform, for the readiness probe (/readyz). Healthy
// returns nil when the adapter can receive and send, else an error saying
// why (never a token). It is cheap: it reports a state the adapter keeps,
// and does not call the platform.
type HealthReporter interface {
	Healthy() error
}

// Reconnector is an optional capability: how many times the adapter has
// reconnected to its platform since it started, for the metrics.
type Reconnector interface {
	Reconnections() uint64
}

// PlatformProfile is what a platform says about a user.
type PlatformProfile struct {
	DisplayName string
	Email       string
	Locale      string
	TimeZone    string
}

// ErrGroupSize is returned by OpenGroup for a member count the platform
// cannot hold.
var ErrGroupSize = errors.New("unsupported number of members for a group conversation")

// Store errors. Implementations wrap them with %w so that errors.Is works.
var (
	// ErrNotFound: the thing asked for does not exist (or has expired).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the value given cannot be stored (missing key...).
	ErrInvalid = errors.New("invalid value")
	// ErrUnavailable: the store cannot be reached now; the caller may
	// retry later. Members then get a polite "service unavailable" reply.
	ErrUnavailable = errors.New("store unavailable")
)

// Store is the port to durable state. Implementations live in
// adapters/bolt (embedded, default) and adapters/redis (several replicas).
// Every implementation passes the conformance suite in bot/storetest.
//
// All methods are safe for concurrent use. Errors other than those
// documented are wrapped I/O errors; connection failures wrap
// ErrUnavailable. Every method given an invalid UserRef (see
// UserRef.Valid; parts must also be valid UTF-8) returns an error wrapping
// ErrInvalid, and every method called with a context already ended fails
// with an error wrapping the context's error.
type Store interface {
	SchedulerStore // job slots, held deliveries and reminders (store_scheduler.go)
	HighlightStore // follows, session registrations, published highlights (store_highlights.go)
	MemberStore    // erasure without trace (store_members.go)
	MatchStore     // introduction rounds, answers, "not again" lists (store_matching.go)
	BroadcastStore // organizer broadcasts and their recipients (store_broadcasts.go)
	MemberRecords  // the members' records
	DialogueStore  // dialogues in progress
	ClaimStore     // first-seen events and claims shared by the replicas
	DashboardStore // the dashboard's sign-in links, sessions and missed searches (store_dashboard.go)

	ValueStore // adapters' small values with a ttl (bot/store_values.go)

	// Ping checks that the store is reachable; errors wrap ErrUnavailable.
	Ping(ctx context.Context) error

	// Close releases the store's resources (file lock, connections).
	Close() error
}

// Clock gives the time; tests inject a fake one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// MemberRecords is the port to the members' records. Errors as for Store.
type MemberRecords interface {
	// Member returns the member with this reference, or an error wrapping
	// ErrNotFound when there is none.
	Member(ctx context.Context, ref UserRef) (Member, error)

	// SaveMember creates or replaces the member m.Ref. It returns an
	// error wrapping ErrInvalid when m.Ref is not valid.
	SaveMember(ctx context.Context, m Member) error

	// DeleteMember erases the member and their dialogue. It returns an
	// error wrapping ErrNotFound when there was no such member.
	DeleteMember(ctx context.Context, ref UserRef) error

	// Members calls fn for every member, ordered by ref.String(). It
	// stops at, and returns, the first error fn returns.
	Members(ctx context.Context, fn func(Member) error) error

	// CountMembers returns the number of members.
	CountMembers(ctx context.Context) (int, error)
}

// DialogueStore is the port to the dialogues in progress. Errors as for
// Store.
type DialogueStore interface {
	// Dialogue returns the member's dialogue in progress, or an error
	// wrapping ErrNotFound when there is none or it has expired.
	Dialogue(ctx context.Context, ref UserRef) (Dialogue, error)

	// SaveDialogue creates or replaces the dialogue of d.Member, kept until
	// d.Expires. It returns an error wrapping ErrInvalid when d.Member is
	// not valid, d.Kind is empty or d.Expires is zero.
	SaveDialogue(ctx context.Context, d Dialogue) error

	// DeleteDialogue ends the member's dialogue. No error if none.
	DeleteDialogue(ctx context.Context, ref UserRef) error
}

// ClaimStore records what the replicas share: events already seen and
// claims held for a while. Errors as for Store.
type ClaimStore interface {
	// FirstSeen records key for ttl and reports whether it was not already
	// recorded: true exactly once per key among all callers (on every
	// replica sharing the store) while the record lives. Used to drop
	// redelivered platform events. ErrInvalid for an empty key or ttl <= 0.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)

	// Claim takes the named claim for owner for ttl, and reports whether it
	// got it: true when the claim was free, expired, or already held by
	// the same owner (which extends it). Used so that one replica runs a
	// job slot. ErrInvalid for an empty key or owner, or ttl <= 0.
	Claim(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)

	// ReleaseClaim frees the claim if owner holds it; otherwise it does
	// nothing and returns nil. ErrInvalid for an empty key or owner.
	ReleaseClaim(ctx context.Context, key, owner string) error
}
