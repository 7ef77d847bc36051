package bolt

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// The scheduler's buckets, created on first write (reads treat a missing
// bucket as empty):
//
//	slots    job name -> {"slot": time}
//	pending  pending key -> bot.Pending
var (
	bucketSlots   = []byte("slots")
	bucketPending = []byte("pending")
)

type slotRecord struct {
	Slot time.Time `json:"slot"`
}

// LastSlot returns the last slot recorded for job.
func (s *Store) LastSlot(ctx context.Context, job string) (_ time.Time, err error) {
	defer s.observe("LastSlot", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return time.Time{}, wrap("last slot", err)
	}
	if job == "" {
		return time.Time{}, fmt.Errorf("bolt store last slot: %w: empty job name", bot.ErrInvalid)
	}
	var r slotRecord
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSlots)
		if b == nil {
			return bot.ErrNotFound
		}
		v := b.Get([]byte(job))
		if v == nil {
			return bot.ErrNotFound
		}
		return json.Unmarshal(v, &r)
	})
	if err != nil {
		return time.Time{}, wrap(fmt.Sprintf("last slot %q", job), err)
	}
	return r.Slot, nil
}

// SetLastSlot records slot for job unless a later one is recorded.
func (s *Store) SetLastSlot(ctx context.Context, job string, slot time.Time) (err error) {
	defer s.observe("SetLastSlot", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("set last slot", err)
	}
	if job == "" || slot.IsZero() {
		return fmt.Errorf("bolt store set last slot %q: %w: job name and slot are required", job, bot.ErrInvalid)
	}
	slot = slot.Truncate(time.Millisecond)
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSlots)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(job)); v != nil {
			var r slotRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if !slot.After(r.Slot) {
				return nil
			}
		}
		v, err := json.Marshal(slotRecord{Slot: slot})
		if err != nil {
			return err
		}
		return b.Put([]byte(job), v)
	})
	if err != nil {
		return wrap(fmt.Sprintf("set last slot %q", job), err)
	}
	return nil
}

func checkPending(p bot.Pending) error {
	if err := p.To.Valid(); err != nil {
		return fmt.Errorf("bolt store save pending: %w: %w", bot.ErrInvalid, err)
	}
	if p.Key == "" || p.Kind == "" || p.Due.IsZero() {
		return fmt.Errorf("bolt store save pending: %w: key, kind and due time are required", bot.ErrInvalid)
	}
	return nil
}

// SavePending stores p unless its key exists.
func (s *Store) SavePending(ctx context.Context, p bot.Pending) (_ bool, err error) {
	defer s.observe("SavePending", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return false, wrap("save pending", err)
	}
	if err := checkPending(p); err != nil {
		return false, err
	}
	v, err := json.Marshal(p)
	if err != nil {
		return false, wrap("save pending", err)
	}
	saved := false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketPending)
		if err != nil {
			return err
		}
		if b.Get([]byte(p.Key)) != nil {
			return nil
		}
		saved = true
		return b.Put([]byte(p.Key), v)
	})
	if err != nil {
		return false, wrap("save pending", err)
	}
	return saved, nil
}

// scanPending returns the pending messages keep accepts, by due then key.
func (s *Store) scanPending(op string, keep func(bot.Pending) bool) ([]bot.Pending, error) {
	var out []bot.Pending
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPending)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var p bot.Pending
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode pending %q: %w", k, err)
			}
			if keep(p) {
				out = append(out, p)
			}
			return nil
		})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	slices.SortFunc(out, comparePending)
	return out, nil
}

func comparePending(a, b bot.Pending) int {
	return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.Key, b.Key))
}

// PendingFor returns the member's pending messages.
func (s *Store) PendingFor(ctx context.Context, ref bot.UserRef) (_ []bot.Pending, err error) {
	defer s.observe("PendingFor", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return nil, wrap("pending for", err)
	}
	if err := checkRef("pending for", ref); err != nil {
		return nil, err
	}
	return s.scanPending("pending for", func(p bot.Pending) bool { return p.To == ref })
}

// DuePending returns at most limit pending messages due at or before now.
func (s *Store) DuePending(ctx context.Context, now time.Time, limit int) (_ []bot.Pending, err error) {
	defer s.observe("DuePending", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return nil, wrap("due pending", err)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("bolt store due pending: %w: limit must be positive", bot.ErrInvalid)
	}
	out, err := s.scanPending("due pending", func(p bot.Pending) bool { return !p.Due.After(now) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// DeletePending removes the pending message with key.
func (s *Store) DeletePending(ctx context.Context, key string) (err error) {
	defer s.observe("DeletePending", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("delete pending", err)
	}
	if key == "" {
		return fmt.Errorf("bolt store delete pending: %w: empty key", bot.ErrInvalid)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPending)
		if b == nil || b.Get([]byte(key)) == nil {
			return bot.ErrNotFound
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return wrap("delete pending", err)
	}
	return nil
}

// ErasePending removes every pending message to the member.
func (s *Store) ErasePending(ctx context.Context, ref bot.UserRef) (_ int, err error) {
	defer s.observe("ErasePending", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return 0, wrap("erase pending", err)
	}
	if err := checkRef("erase pending", ref); err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPending)
		if b == nil {
			return nil
		}
		var keys [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var p bot.Pending
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode pending %q: %w", k, err)
			}
			if p.To == ref {
				keys = append(keys, slices.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, wrap("erase pending", err)
	}
	return n, nil
}
