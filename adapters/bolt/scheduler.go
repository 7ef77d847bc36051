package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
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
//	slots       job name -> {"slot": time}
//	pending     pending key -> bot.Pending
//	pendingdue  due time (8 bytes, big-endian) + pending key -> empty
//	pendingto   ref.Key() + pending key -> empty
//
// The two indexes let the outbox's poll (every tick) read only the
// messages that are due, and a member's list only theirs: with 10,000
// invitations held overnight, scanning and decoding every pending message
// took 60-100 ms and 7.6 MB at every tick. ref.Key() is prefix-free (its
// parts are length-prefixed), so a member's entries are exactly those under
// their key. A file written before the indexes gets them at Open.
var (
	bucketSlots      = []byte("slots")
	bucketPending    = []byte("pending")
	bucketPendingDue = []byte("pendingdue")
	bucketPendingTo  = []byte("pendingto")
)

// dueIndexKey orders by due time, to the nanosecond, then by pending key
// (the order of comparePending). The sign bit is flipped so that the
// unsigned big-endian order is the signed one.
func dueIndexKey(due time.Time, key string) []byte {
	k := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(k, uint64(due.UnixNano())^(1<<63))
	return append(k, key...)
}

func toIndexKey(to bot.UserRef, key string) []byte {
	return append([]byte(to.Key()), key...)
}

// pendingBuckets returns the pending bucket and its indexes, created if
// need be.
func pendingBuckets(tx *bbolt.Tx) (pending, due, to *bbolt.Bucket, err error) {
	if pending, err = tx.CreateBucketIfNotExists(bucketPending); err != nil {
		return nil, nil, nil, err
	}
	if due, err = tx.CreateBucketIfNotExists(bucketPendingDue); err != nil {
		return nil, nil, nil, err
	}
	if to, err = tx.CreateBucketIfNotExists(bucketPendingTo); err != nil {
		return nil, nil, nil, err
	}
	return pending, due, to, nil
}

// indexPending builds the pending indexes of a file written before them:
// it does nothing when the pending bucket is absent or already indexed.
func indexPending(tx *bbolt.Tx) error {
	if tx.Bucket(bucketPending) == nil || tx.Bucket(bucketPendingDue) != nil {
		return nil
	}
	b, due, to, err := pendingBuckets(tx)
	if err != nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		var p bot.Pending
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("index pending: decode %q: %w", k, err)
		}
		if err := due.Put(dueIndexKey(p.Due, string(k)), nil); err != nil {
			return err
		}
		return to.Put(toIndexKey(p.To, string(k)), nil)
	})
}

// deletePending removes the pending message key and its index entries; it
// reports whether there was one.
func deletePending(tx *bbolt.Tx, key []byte) (bool, error) {
	b := tx.Bucket(bucketPending)
	if b == nil {
		return false, nil
	}
	v := b.Get(key)
	if v == nil {
		return false, nil
	}
	var p bot.Pending
	if err := json.Unmarshal(v, &p); err != nil {
		return false, fmt.Errorf("decode pending %q: %w", key, err)
	}
	if due := tx.Bucket(bucketPendingDue); due != nil {
		if err := due.Delete(dueIndexKey(p.Due, string(key))); err != nil {
			return false, err
		}
	}
	if to := tx.Bucket(bucketPendingTo); to != nil {
		if err := to.Delete(toIndexKey(p.To, string(key))); err != nil {
			return false, err
		}
	}
	return true, b.Delete(key)
}

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
		b, due, to, err := pendingBuckets(tx)
		if err != nil {
			return err
		}
		if b.Get([]byte(p.Key)) != nil {
			return nil
		}
		saved = true
		if err := due.Put(dueIndexKey(p.Due, p.Key), nil); err != nil {
			return err
		}
		if err := to.Put(toIndexKey(p.To, p.Key), nil); err != nil {
			return err
		}
		return b.Put([]byte(p.Key), v)
	})
	if err != nil {
		return false, wrap("save pending", err)
	}
	return saved, nil
}

// readPending decodes the pending messages of keys, in that order (a key
// without a record is skipped).
func readPending(b *bbolt.Bucket, keys [][]byte) ([]bot.Pending, error) {
	out := make([]bot.Pending, 0, len(keys))
	for _, k := range keys {
		v := b.Get(k)
		if v == nil {
			continue
		}
		var p bot.Pending
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, fmt.Errorf("decode pending %q: %w", k, err)
		}
		out = append(out, p)
	}
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
	var out []bot.Pending
	err = s.db.View(func(tx *bbolt.Tx) error {
		b, to := tx.Bucket(bucketPending), tx.Bucket(bucketPendingTo)
		if b == nil || to == nil {
			return nil
		}
		prefix := []byte(ref.Key())
		var keys [][]byte
		c := to.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, k[len(prefix):])
		}
		var err error
		out, err = readPending(b, keys)
		return err
	})
	if err != nil {
		return nil, wrap("pending for", err)
	}
	slices.SortFunc(out, comparePending)
	return out, nil
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
	var out []bot.Pending
	err = s.db.View(func(tx *bbolt.Tx) error {
		b, due := tx.Bucket(bucketPending), tx.Bucket(bucketPendingDue)
		if b == nil || due == nil {
			return nil
		}
		// Every key of a message due at or before now sorts before end.
		end := dueIndexKey(now.Add(time.Nanosecond), "")
		var keys [][]byte
		c := due.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0 && len(keys) < limit; k, _ = c.Next() {
			keys = append(keys, k[8:])
		}
		var err error
		out, err = readPending(b, keys)
		return err
	})
	if err != nil {
		return nil, wrap("due pending", err)
	}
	return out, nil
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
		found, err := deletePending(tx, []byte(key))
		if err == nil && !found {
			return bot.ErrNotFound
		}
		return err
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
		to := tx.Bucket(bucketPendingTo)
		if to == nil {
			return nil
		}
		prefix := []byte(ref.Key())
		var keys [][]byte
		c := to.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, slices.Clone(k[len(prefix):]))
		}
		for _, k := range keys {
			found, err := deletePending(tx, k)
			if err != nil {
				return err
			}
			if found {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrap("erase pending", err)
	}
	return n, nil
}
