package bot

import "context"

// MemberStore is what the members feature needs from the store beyond the
// member records themselves (see Store).
type MemberStore interface {
	// ScrubErased makes the records deleted so far unrecoverable from the
	// store's own files: a member who erased their data must not be found
	// in a dump of the store. The embedded store overwrites the file pages
	// that held them; a store that keeps no freed data (Redis's keyspace)
	// does nothing. It is called after an erasure or a retention purge,
	// and is safe to call at any time.
	ScrubErased(ctx context.Context) error
}
