package bot

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"
)

// DashboardStore keeps what the organizers' web dashboard shares between
// replicas: the sign-in links and the sessions they open (grants), and the
// counts of the congress searches that found nothing. It is part of Store;
// see Store for the errors common to every method (invalid references,
// ended contexts, ErrUnavailable).
//
// A grant is stored under a keyed hash of its token, never the token
// itself: whoever reads the store cannot sign in with what they read.
// Stores keep grants no longer than needed, but the caller decides what has
// expired, with its own clock: DashboardGrant and TakeDashboardGrant may
// return a grant past its Expires.
type DashboardStore interface {
	// SaveDashboardGrant stores g under (g.Kind, g.Key), replacing any,
	// and drops the grants whose Expires is before g.Created. It returns
	// an error wrapping ErrInvalid when g.Kind or g.Key is empty, g.Member
	// is not valid, or g.Created or g.Expires is zero.
	SaveDashboardGrant(ctx context.Context, g DashboardGrant) error

	// DashboardGrant returns the grant (kind, key), or an error wrapping
	// ErrNotFound. ErrInvalid for an empty kind or key.
	DashboardGrant(ctx context.Context, kind, key string) (DashboardGrant, error)

	// TakeDashboardGrant returns the grant (kind, key) and removes it,
	// atomically: among concurrent callers, on every replica sharing the
	// store, exactly one gets it and the others get ErrNotFound (the
	// single use of a sign-in link). ErrInvalid for an empty kind or key.
	TakeDashboardGrant(ctx context.Context, kind, key string) (DashboardGrant, error)

	// DeleteDashboardGrant removes the grant (kind, key); no error when
	// there is none. ErrInvalid for an empty kind or key.
	DeleteDashboardGrant(ctx context.Context, kind, key string) error

	// DashboardGrantsOf returns the member's grants (the right of access),
	// ordered by Created then Kind then Key; empty when none.
	DashboardGrantsOf(ctx context.Context, ref UserRef) ([]DashboardGrant, error)

	// EraseDashboardGrants removes every grant of the member (erasure),
	// and returns how many.
	EraseDashboardGrants(ctx context.Context, ref UserRef) (int, error)

	// CountSearchMiss adds one to the count of a search that found
	// nothing. query is the search as normalised by the caller (folded,
	// short); it is kept with no trace of who searched. At most
	// MaxSearchMisses distinct queries are kept: a new query beyond that
	// is not counted (nil error). ErrInvalid for an empty query or one
	// longer than MaxSearchMissLen bytes.
	CountSearchMiss(ctx context.Context, query string) error

	// SearchMisses calls fn for every query counted, with its count,
	// ordered by query; it stops at, and returns, the first error of fn.
	SearchMisses(ctx context.Context, fn func(query string, n int) error) error
}

// Kinds of dashboard grant.
const (
	// GrantLink is a sign-in link sent in the chat: used once.
	GrantLink = "link"
	// GrantSession is a signed-in browser's session.
	GrantSession = "session"
)

// Bounds of the searches that found nothing.
const (
	MaxSearchMisses  = 2000
	MaxSearchMissLen = 100
)

// DashboardGrant is a sign-in link or a session of the dashboard, bound to
// one organizer.
type DashboardGrant struct {
	Kind string `json:"kind"`
	// Key is the keyed hash of the token (hex), never the token.
	Key    string  `json:"key"`
	Member UserRef `json:"member"`
	// Lang is the language the pages are shown in.
	Lang    Lang      `json:"lang,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// CompareDashboardGrants orders grants as DashboardGrantsOf returns them.
func CompareDashboardGrants(a, b DashboardGrant) int {
	return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Key, b.Key))
}

// Valid reports an error when the grant cannot be stored.
func (g DashboardGrant) Valid() error {
	switch {
	case g.Kind == "" || g.Key == "":
		return errors.New("dashboard grant: missing kind or key")
	case g.Created.IsZero() || g.Expires.IsZero():
		return errors.New("dashboard grant: missing creation or expiry time")
	}
	return g.Member.Valid()
}
