package bot

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HighlightStore keeps what members follow of the congress content, their
// session registrations, and the highlights organizers publish from the
// chat. It is part of Store; see Store for the errors common to every
// method (invalid references, ended contexts, ErrUnavailable).
type HighlightStore interface {
	// HighlightFollows returns the member's follows and registrations, or an
	// error wrapping ErrNotFound when they have none. It is also the
	// export of this personal data: the record holds all of it.
	HighlightFollows(ctx context.Context, ref UserRef) (HighlightFollows, error)

	// SaveHighlightFollows creates or replaces s.Member's record. It returns
	// an error wrapping ErrInvalid when s.Member is not valid.
	SaveHighlightFollows(ctx context.Context, s HighlightFollows) error

	// EachHighlightFollows calls fn for every record, ordered by
	// Member.String(); it stops at, and returns, the first error of fn.
	EachHighlightFollows(ctx context.Context, fn func(HighlightFollows) error) error

	// EraseHighlightFollows removes the member's follows and registrations.
	// No error when there are none.
	EraseHighlightFollows(ctx context.Context, ref UserRef) error

	// SaveHighlight creates or replaces the published highlight
	// (h.Event, h.ID). It returns an error wrapping ErrInvalid when
	// h.Event, h.Session, h.ID or h.Text is empty or h.Published is zero.
	SaveHighlight(ctx context.Context, h PublishedHighlight) error

	// DeleteHighlight removes the published highlight (event, id). It
	// returns an error wrapping ErrNotFound when there is none.
	DeleteHighlight(ctx context.Context, event, id string) error

	// PublishedHighlights calls fn for every published highlight, ordered
	// by Published then Event then ID; it stops at, and returns, the first
	// error of fn.
	PublishedHighlights(ctx context.Context, fn func(PublishedHighlight) error) error
}

// HighlightFollows is what a member follows of the congress content and the
// sessions they registered for: personal data, exported and erased with
// the rest.
type HighlightFollows struct {
	Member UserRef `json:"member"`
	// Topics are interest ids, sorted.
	Topics []string `json:"topics,omitempty"`
	// Sessions are "event/session" ids, sorted.
	Sessions []string `json:"sessions,omitempty"`
	// Registrations are the sessions the member will attend.
	Registrations []SessionRegistration `json:"registrations,omitempty"`
	// Attended are the sessions an organizer recorded the member as
	// attending (an attendance list imported after the session).
	Attended []SessionAttendance `json:"attended,omitempty"`
	// Lang is the language the member last used with these features, for
	// the digest and reminders when they have no member record.
	Lang Lang `json:"lang,omitempty"`
	// DigestCursor: highlights published after it are new for the
	// member's next digest.
	DigestCursor time.Time `json:"digest_cursor,omitzero"`
	// LastDigest is the slot of the last digest sent.
	LastDigest time.Time `json:"last_digest,omitzero"`
	Updated    time.Time `json:"updated"`
}

// SessionRegistration is a member's registration for a session.
type SessionRegistration struct {
	Event   string `json:"event"`
	Session string `json:"session"`
	// Starts is when the session starts, as scheduled for the reminder
	// (a reload that moves the session moves the reminder too).
	Starts     time.Time `json:"starts"`
	Registered time.Time `json:"registered"`
}

// Empty reports whether the record holds nothing worth keeping.
func (s HighlightFollows) Empty() bool {
	return len(s.Topics) == 0 && len(s.Sessions) == 0 && len(s.Registrations) == 0 && len(s.Attended) == 0
}

// SessionAttendance records that a member attended a session.
type SessionAttendance struct {
	Event    string    `json:"event"`
	Session  string    `json:"session"`
	Recorded time.Time `json:"recorded"`
}

// PublishedHighlight is a highlight an organizer published from the chat.
// It names no member: who published it is not kept.
type PublishedHighlight struct {
	Event     string    `json:"event"`
	Session   string    `json:"session"`
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	Quote     string    `json:"quote,omitempty"`
	Author    string    `json:"author,omitempty"`
	Published time.Time `json:"published"`
}

// Key identifies the highlight in a store: "<len(event)>:<event><id>",
// unambiguous whatever the ids hold.
func (h PublishedHighlight) Key() string { return publishedKey(h.Event, h.ID) }

func publishedKey(event, id string) string { return strconv.Itoa(len(event)) + ":" + event + id }

// PublishedKey returns the store key of the highlight (event, id).
func PublishedKey(event, id string) string { return publishedKey(event, id) }

// Valid reports an error when a required field is missing.
func (h PublishedHighlight) Valid() error {
	switch {
	case h.Event == "" || h.Session == "" || h.ID == "":
		return errMissing("event, session and id")
	case h.Text == "":
		return errMissing("text")
	case h.Published.IsZero():
		return errMissing("publication time")
	}
	return nil
}

type errMissing string

func (e errMissing) Error() string { return "published highlight: missing " + string(e) }

// CompareHighlightFollows orders records as EachHighlightFollows yields them.
func CompareHighlightFollows(a, b HighlightFollows) int {
	return strings.Compare(a.Member.String(), b.Member.String())
}

// ComparePublished orders highlights as PublishedHighlights yields them.
func ComparePublished(a, b PublishedHighlight) int {
	return cmp.Or(a.Published.Compare(b.Published), strings.Compare(a.Event, b.Event), strings.Compare(a.ID, b.ID))
}

// YieldSorted sorts all (stably) with compare and calls fn on each in
// turn, stopping at and returning fn's first error: the listing loop that
// store implementations share.
func YieldSorted[T any](all []T, compare func(a, b T) int, fn func(T) error) error {
	slices.SortStableFunc(all, compare)
	for _, x := range all {
		if err := fn(x); err != nil {
			return err
		}
	}
	return nil
}
