package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// The dashboard's buckets, created on first write:
//
//	dash_grants  "<kind>|<key>" -> bot.DashboardGrant (key: keyed hash of the token)
//	dash_misses  folded query   -> count (8 bytes, big endian)
var (
	bucketDashGrants = []byte("dash_grants")
	bucketDashMisses = []byte("dash_misses")
)

func grantKey(kind, key string) []byte { return []byte(kind + "|" + key) }

func checkGrantKey(op, kind, key string) error {
	if kind == "" || key == "" {
		return fmt.Errorf("bolt store %s: %w: empty kind or key", op, bot.ErrInvalid)
	}
	return nil
}

// deleteGrants deletes the grants of b that match (and any it cannot
// read), after iterating (deleting under a cursor skips keys); it returns
// how many.
func deleteGrants(b *bbolt.Bucket, match func(bot.DashboardGrant) bool) (int, error) {
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var g bot.DashboardGrant
		if json.Unmarshal(v, &g) != nil || match(g) {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}

// SaveDashboardGrant stores g and drops the grants expired before it.
func (s *Store) SaveDashboardGrant(ctx context.Context, g bot.DashboardGrant) (err error) {
	defer s.observe("SaveDashboardGrant", s.callStart(), &err)
	const op = "save dashboard grant"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := g.Valid(); err != nil {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	data, err := json.Marshal(g)
	if err != nil {
		return wrap(op, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDashGrants)
		if err != nil {
			return err
		}
		if _, err := deleteGrants(b, func(old bot.DashboardGrant) bool { return old.Expires.Before(g.Created) }); err != nil {
			return err
		}
		return b.Put(grantKey(g.Kind, g.Key), data)
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// DashboardGrant returns the grant (kind, key).
func (s *Store) DashboardGrant(ctx context.Context, kind, key string) (_ bot.DashboardGrant, err error) {
	defer s.observe("DashboardGrant", s.callStart(), &err)
	return s.dashboardGrant(ctx, "dashboard grant", kind, key, false)
}

// TakeDashboardGrant returns the grant (kind, key) and removes it, in one
// transaction.
func (s *Store) TakeDashboardGrant(ctx context.Context, kind, key string) (_ bot.DashboardGrant, err error) {
	defer s.observe("TakeDashboardGrant", s.callStart(), &err)
	return s.dashboardGrant(ctx, "take dashboard grant", kind, key, true)
}

func (s *Store) dashboardGrant(ctx context.Context, op, kind, key string, take bool) (bot.DashboardGrant, error) {
	if err := ctx.Err(); err != nil {
		return bot.DashboardGrant{}, wrap(op, err)
	}
	if err := checkGrantKey(op, kind, key); err != nil {
		return bot.DashboardGrant{}, err
	}
	var g bot.DashboardGrant
	fn := func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDashGrants)
		if b == nil {
			return bot.ErrNotFound
		}
		v := b.Get(grantKey(kind, key))
		if v == nil {
			return bot.ErrNotFound
		}
		if err := json.Unmarshal(v, &g); err != nil {
			return fmt.Errorf("decode grant: %w", err)
		}
		if take {
			return b.Delete(grantKey(kind, key))
		}
		return nil
	}
	var err error
	if take {
		err = s.db.Update(fn)
	} else {
		err = s.db.View(fn)
	}
	if err != nil {
		return bot.DashboardGrant{}, wrap(op, err)
	}
	return g, nil
}

// DeleteDashboardGrant removes the grant (kind, key).
func (s *Store) DeleteDashboardGrant(ctx context.Context, kind, key string) (err error) {
	defer s.observe("DeleteDashboardGrant", s.callStart(), &err)
	const op = "delete dashboard grant"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := checkGrantKey(op, kind, key); err != nil {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDashGrants)
		if b == nil {
			return nil
		}
		return b.Delete(grantKey(kind, key))
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// DashboardGrantsOf returns ref's grants.
func (s *Store) DashboardGrantsOf(ctx context.Context, ref bot.UserRef) (_ []bot.DashboardGrant, err error) {
	defer s.observe("DashboardGrantsOf", s.callStart(), &err)
	const op = "dashboard grants of"
	if err := ctx.Err(); err != nil {
		return nil, wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return nil, err
	}
	var out []bot.DashboardGrant
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDashGrants)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var g bot.DashboardGrant
			if json.Unmarshal(v, &g) == nil && g.Member == ref {
				out = append(out, g)
			}
			return nil
		})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	slices.SortFunc(out, bot.CompareDashboardGrants)
	return out, nil
}

// EraseDashboardGrants removes every grant of ref.
func (s *Store) EraseDashboardGrants(ctx context.Context, ref bot.UserRef) (_ int, err error) {
	defer s.observe("EraseDashboardGrants", s.callStart(), &err)
	const op = "erase dashboard grants"
	if err := ctx.Err(); err != nil {
		return 0, wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDashGrants)
		if b == nil {
			return nil
		}
		var err error
		n, err = deleteGrants(b, func(g bot.DashboardGrant) bool { return g.Member == ref })
		return err
	})
	if err != nil {
		return 0, wrap(op, err)
	}
	return n, nil
}

// CountSearchMiss adds one to the count of query.
func (s *Store) CountSearchMiss(ctx context.Context, query string) (err error) {
	defer s.observe("CountSearchMiss", s.callStart(), &err)
	const op = "count search miss"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if query == "" || len(query) > bot.MaxSearchMissLen {
		return fmt.Errorf("bolt store %s: %w: a query of 1 to %d bytes is required", op, bot.ErrInvalid, bot.MaxSearchMissLen)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDashMisses)
		if err != nil {
			return err
		}
		var n uint64
		if v := b.Get([]byte(query)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		} else if b.Stats().KeyN >= bot.MaxSearchMisses {
			return nil
		}
		return b.Put([]byte(query), binary.BigEndian.AppendUint64(nil, n+1))
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// SearchMisses calls fn for every query counted, ordered by query.
func (s *Store) SearchMisses(ctx context.Context, fn func(query string, n int) error) (err error) {
	defer s.observe("SearchMisses", s.callStart(), &err)
	const op = "search misses"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	type miss struct {
		q string
		n int
	}
	var all []miss
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDashMisses)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				all = append(all, miss{string(k), int(binary.BigEndian.Uint64(v))})
			}
			return nil
		})
	})
	if err != nil {
		return wrap(op, err)
	}
	for _, m := range all {
		if err := fn(m.q, m.n); err != nil {
			return err
		}
	}
	return nil
}
