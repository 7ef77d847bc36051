// Package bolt implements bot.Store over a single bbolt file: Maillage's
// embedded default store, which needs no service. One process at a time
// holds the file (bbolt takes an exclusive lock); run several replicas with
// adapters/redis instead.
//
// # Layout
//
// The file holds six buckets; every value is JSON.
//
//	meta       "schema" -> "1"
//	members    ref.Key() -> bot.Member
//	dialogues  ref.Key() -> bot.Dialogue (its Expires is the expiry)
//	seen       FirstSeen key -> {"expires": time}
//	claims     claim key -> {"owner": string, "expires": time}
//	values     ValueStore key -> {"value": bytes, "expires": time}
//
// bot.UserRef.Key encodes a reference without ambiguity, so that workspace
// "a:b" user "c" and workspace "a" user "b:c" never collide.
//
// # Expiry
//
// Dialogues, seen keys and claims carry their expiry time; reads treat an
// expired record as absent, using the injected clock. Expired records stay in
// the file until Purge deletes them: the caller runs Purge periodically (every
// few minutes is plenty) to keep the file small.
//
// # Context
//
// Every method checks ctx.Err() first and returns it wrapped, so a canceled
// context behaves as with the network stores. Once a transaction has started
// it runs to its end: bbolt transactions are local and short.
package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is wrapped by the error Open returns when another process (or
// another Store in this process) holds the file.
var ErrLocked = errors.New("store file locked")

// DefaultLockTimeout is how long Open waits for the file lock by default.
const DefaultLockTimeout = 2 * time.Second

const schemaVersion = "1"

var (
	bucketMeta      = []byte("meta")
	bucketMembers   = []byte("members")
	bucketDialogues = []byte("dialogues")
	bucketSeen      = []byte("seen")
	bucketClaims    = []byte("claims")

	keySchema = []byte("schema")
)

// Options tune Open. The zero value is usable.
type Options struct {
	// LockTimeout is how long Open waits for another process to release
	// the file before failing with ErrLocked. Zero or negative means
	// DefaultLockTimeout.
	LockTimeout time.Duration
	// Clock decides what has expired. Nil means bot.SystemClock{}.
	Clock bot.Clock
	// Logger receives the store's few log lines. Nil discards them.
	Logger *slog.Logger
	// Observer is told of every call of a bot.Store method and of Purge
	// (Close excepted): its name, duration and error. Nil means none.
	Observer bot.StoreObserver
}

// Store is a bot.Store over a bbolt file. It is safe for concurrent use.
type Store struct {
	db    *bbolt.DB
	path  string
	clock bot.Clock
	log   *slog.Logger
	obs   bot.StoreObserver // nil: none
}

var _ bot.Store = (*Store)(nil)

// Open opens the store file at path, creating it (mode 0600) and its parent
// directory (mode 0700) when missing. It fails with an error wrapping
// ErrLocked when another process holds the file for longer than
// opts.LockTimeout, and with an error naming the file when it is not a
// Maillage bbolt file.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	if path == "" {
		return nil, errors.New("open bolt store: empty file path")
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Clock == nil {
		opts.Clock = bot.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open bolt store: create directory: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.LockTimeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open bolt store: %s is already in use by another process (another maillage running?): %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open bolt store: %s is not a valid maillage store (corrupt file, or not a bbolt database): %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	if err := db.Update(initBuckets); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	s := &Store{
		db:    db,
		path:  path,
		clock: opts.Clock,
		log:   opts.Logger.With("component", "store.bolt"),
		obs:   opts.Observer,
	}
	if _, nop := s.obs.(bot.NopStoreObserver); nop {
		s.obs = nil
	}
	s.log.InfoContext(ctx, "bolt store opened", "path", path)
	return s, nil
}

// callStart is when an observed call starts: the zero time without an
// observer, so that the unobserved store never reads the clock.
func (s *Store) callStart() time.Time {
	if s.obs == nil {
		return time.Time{}
	}
	return time.Now()
}

// observe reports a call to the observer, if any; every method of
// bot.Store but Close, and Purge, begins with
//
//	defer s.observe("Name", s.callStart(), &err)
//
// so that the observer sees the error the method returns.
func (s *Store) observe(op string, start time.Time, err *error) {
	if s.obs != nil {
		s.obs.StoreCall(op, time.Since(start), *err)
	}
}

func initBuckets(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketMeta, err)
	}
	switch v := meta.Get(keySchema); {
	case v == nil:
		if err := meta.Put(keySchema, []byte(schemaVersion)); err != nil {
			return fmt.Errorf("write schema version: %w", err)
		}
	case string(v) != schemaVersion:
		return fmt.Errorf("unsupported schema version %q (want %q): file written by another maillage version", v, schemaVersion)
	}
	for _, name := range [][]byte{bucketMembers, bucketDialogues, bucketSeen, bucketClaims, bucketValues} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if err := indexPending(tx); err != nil {
		return fmt.Errorf("index the pending messages: %w", err)
	}
	return nil
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close bolt store %s: %w", s.path, err)
	}
	return nil
}

// Path returns the store's file path.
func (s *Store) Path() string { return s.path }

// wrap annotates err from a bbolt call; a closed database is unavailable.
func wrap(op string, err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrUnavailable, err)
	}
	return fmt.Errorf("bolt store %s: %w", op, err)
}

func checkRef(op string, ref bot.UserRef) error {
	if err := ref.Valid(); err != nil {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return nil
}

func (s *Store) expired(expires time.Time) bool {
	return !s.clock.Now().Before(expires)
}

// Member returns the member with this reference.
func (s *Store) Member(ctx context.Context, ref bot.UserRef) (_ bot.Member, err error) {
	defer s.observe("Member", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return bot.Member{}, wrap("member", err)
	}
	if err := checkRef("member", ref); err != nil {
		return bot.Member{}, err
	}
	var m bot.Member
	err = s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketMembers).Get([]byte(ref.Key()))
		if v == nil {
			return bot.ErrNotFound
		}
		return json.Unmarshal(v, &m)
	})
	if err != nil {
		return bot.Member{}, wrap("member", err)
	}
	return m, nil
}

// SaveMember creates or replaces the member m.Ref.
func (s *Store) SaveMember(ctx context.Context, m bot.Member) (err error) {
	defer s.observe("SaveMember", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("save member", err)
	}
	if err := checkRef("save member", m.Ref); err != nil {
		return err
	}
	v, err := json.Marshal(m)
	if err != nil {
		return wrap("save member", err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMembers).Put([]byte(m.Ref.Key()), v)
	})
	if err != nil {
		return wrap("save member", err)
	}
	return nil
}

// DeleteMember erases the member and their dialogue.
func (s *Store) DeleteMember(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("DeleteMember", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("delete member", err)
	}
	if err := checkRef("delete member", ref); err != nil {
		return err
	}
	key := []byte(ref.Key())
	found := false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		found = members.Get(key) != nil
		if err := members.Delete(key); err != nil {
			return err
		}
		return tx.Bucket(bucketDialogues).Delete(key)
	})
	switch {
	case err != nil:
		return wrap("delete member", err)
	case !found:
		return wrap("delete member", bot.ErrNotFound)
	}
	return nil
}

// Members calls fn for every member, ordered by ref.String(). It reads all
// members first and calls fn outside the transaction, so fn may use the
// store.
func (s *Store) Members(ctx context.Context, fn func(bot.Member) error) (err error) {
	defer s.observe("Members", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("members", err)
	}
	type entry struct {
		key []byte
		m   bot.Member
	}
	var all []entry
	err = s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m bot.Member
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode member %q: %w", k, err)
			}
			all = append(all, entry{key: bytes.Clone(k), m: m})
			return nil
		})
	})
	if err != nil {
		return wrap("members", err)
	}
	// Distinct refs may share a String(): their keys break the tie.
	slices.SortFunc(all, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.m.Ref.String(), b.m.Ref.String()), bytes.Compare(a.key, b.key))
	})
	for _, e := range all {
		if err := fn(e.m); err != nil {
			return err
		}
	}
	return nil
}

// CountMembers returns the number of members.
func (s *Store) CountMembers(ctx context.Context) (_ int, err error) {
	defer s.observe("CountMembers", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return 0, wrap("count members", err)
	}
	var n int
	err = s.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketMembers).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, wrap("count members", err)
	}
	return n, nil
}

// Dialogue returns the member's dialogue in progress.
func (s *Store) Dialogue(ctx context.Context, ref bot.UserRef) (_ bot.Dialogue, err error) {
	defer s.observe("Dialogue", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return bot.Dialogue{}, wrap("dialogue", err)
	}
	if err := checkRef("dialogue", ref); err != nil {
		return bot.Dialogue{}, err
	}
	var d bot.Dialogue
	err = s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketDialogues).Get([]byte(ref.Key()))
		if v == nil {
			return bot.ErrNotFound
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		if s.expired(d.Expires) {
			return bot.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return bot.Dialogue{}, wrap("dialogue", err)
	}
	return d, nil
}

// SaveDialogue creates or replaces the dialogue of d.Member until d.Expires.
func (s *Store) SaveDialogue(ctx context.Context, d bot.Dialogue) (err error) {
	defer s.observe("SaveDialogue", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("save dialogue", err)
	}
	if err := checkRef("save dialogue", d.Member); err != nil {
		return err
	}
	if d.Kind == "" || d.Expires.IsZero() {
		return fmt.Errorf("bolt store save dialogue: %w: kind and expiry are required", bot.ErrInvalid)
	}
	v, err := json.Marshal(d)
	if err != nil {
		return wrap("save dialogue", err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDialogues).Put([]byte(d.Member.Key()), v)
	})
	if err != nil {
		return wrap("save dialogue", err)
	}
	return nil
}

// DeleteDialogue ends the member's dialogue, if any.
func (s *Store) DeleteDialogue(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("DeleteDialogue", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("delete dialogue", err)
	}
	if err := checkRef("delete dialogue", ref); err != nil {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDialogues).Delete([]byte(ref.Key()))
	})
	if err != nil {
		return wrap("delete dialogue", err)
	}
	return nil
}

type seenRecord struct {
	Expires time.Time `json:"expires"`
}

type claimRecord struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
}

// FirstSeen records key for ttl and reports whether it was not already
// recorded (or had expired).
func (s *Store) FirstSeen(ctx context.Context, key string, ttl time.Duration) (_ bool, err error) {
	defer s.observe("FirstSeen", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return false, wrap("first seen", err)
	}
	if key == "" || ttl <= 0 {
		return false, fmt.Errorf("bolt store first seen %q: %w: key and a positive ttl are required", key, bot.ErrInvalid)
	}
	first := false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		if v := b.Get([]byte(key)); v != nil {
			var r seenRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if !s.expired(r.Expires) {
				return nil
			}
		}
		v, err := json.Marshal(seenRecord{Expires: s.clock.Now().Add(ttl)})
		if err != nil {
			return err
		}
		first = true
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return false, wrap(fmt.Sprintf("first seen %q", key), err)
	}
	return first, nil
}

// Claim takes the named claim for owner for ttl, and reports whether it got
// it (free, expired, or already held by owner, which extends it).
func (s *Store) Claim(ctx context.Context, key, owner string, ttl time.Duration) (_ bool, err error) {
	defer s.observe("Claim", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return false, wrap("claim", err)
	}
	if key == "" || owner == "" || ttl <= 0 {
		return false, fmt.Errorf("bolt store claim %q for %q: %w: key, owner and a positive ttl are required", key, owner, bot.ErrInvalid)
	}
	got := false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		if v := b.Get([]byte(key)); v != nil {
			var r claimRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Owner != owner && !s.expired(r.Expires) {
				return nil
			}
		}
		v, err := json.Marshal(claimRecord{Owner: owner, Expires: s.clock.Now().Add(ttl)})
		if err != nil {
			return err
		}
		got = true
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return false, wrap(fmt.Sprintf("claim %q for %q", key, owner), err)
	}
	return got, nil
}

// ReleaseClaim frees the claim if owner holds it; otherwise it does nothing.
func (s *Store) ReleaseClaim(ctx context.Context, key, owner string) (err error) {
	defer s.observe("ReleaseClaim", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("release claim", err)
	}
	if key == "" || owner == "" {
		return fmt.Errorf("bolt store release claim %q for %q: %w: key and owner are required", key, owner, bot.ErrInvalid)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		var r claimRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Owner != owner {
			return nil
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return wrap(fmt.Sprintf("release claim %q for %q", key, owner), err)
	}
	return nil
}

// Ping checks that the file is open.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer s.observe("Ping", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("ping", err)
	}
	if err := s.db.View(func(*bbolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("bolt store ping: %w: %w", bot.ErrUnavailable, err)
	}
	return nil
}

// Purge deletes the expired dialogues, seen keys and claims, and returns
// how many it deleted. Reads already ignore expired records: Purge only
// reclaims space, and the caller runs it periodically.
func (s *Store) Purge(ctx context.Context) (_ int, err error) {
	defer s.observe("Purge", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return 0, wrap("purge", err)
	}
	n := 0
	err = s.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketDialogues, bucketSeen, bucketClaims, bucketValues} {
			b := tx.Bucket(name)
			var expired [][]byte
			err := b.ForEach(func(k, v []byte) error {
				var r struct {
					Expires time.Time `json:"expires"`
				}
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("decode %s %q: %w", name, k, err)
				}
				if s.expired(r.Expires) {
					expired = append(expired, bytes.Clone(k))
				}
				return nil
			})
			if err != nil {
				return err
			}
			// Delete after iterating: deleting under a cursor skips keys.
			for _, k := range expired {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(expired)
		}
		return nil
	})
	if err != nil {
		return 0, wrap("purge", err)
	}
	s.log.DebugContext(ctx, "bolt store purged expired records", "deleted", n)
	return n, nil
}
