package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// The broadcasts keep three more buckets, created on first write:
//
//	broadcasts      id -> JSON bot.Broadcast
//	bc_recipients   id -> bucket: 8-byte big-endian index -> bot.EncodeRecipient
//	bc_index        id -> bucket: ref.Key() -> 8-byte index (erasure, dedup)
var (
	bucketBroadcasts = []byte("broadcasts")
	bucketBcRecips   = []byte("bc_recipients")
	bucketBcIndex    = []byte("bc_index")
)

var _ bot.BroadcastStore = (*Store)(nil)

func indexKey(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }

// SaveBroadcast creates or replaces the broadcast.
func (s *Store) SaveBroadcast(ctx context.Context, b bot.Broadcast) (err error) {
	defer s.observe("SaveBroadcast", s.callStart(), &err)
	const op = "save broadcast"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := b.Valid(); err != nil {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return s.putJSON(op, bucketBroadcasts, []byte(b.ID), b)
}

// Broadcast returns the broadcast id.
func (s *Store) Broadcast(ctx context.Context, id string) (_ bot.Broadcast, err error) {
	defer s.observe("Broadcast", s.callStart(), &err)
	const op = "broadcast"
	var b bot.Broadcast
	if err := ctx.Err(); err != nil {
		return b, wrap(op, err)
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		var err error
		b, err = getBroadcast(tx, id)
		return err
	})
	if err != nil {
		return bot.Broadcast{}, wrap(op, err)
	}
	return b, nil
}

func getBroadcast(tx *bbolt.Tx, id string) (bot.Broadcast, error) {
	var b bot.Broadcast
	bk := tx.Bucket(bucketBroadcasts)
	if bk == nil || id == "" {
		return b, bot.ErrNotFound
	}
	v := bk.Get([]byte(id))
	if v == nil {
		return b, bot.ErrNotFound
	}
	return b, json.Unmarshal(v, &b)
}

// UpdateBroadcast applies fn to the broadcast within one transaction.
func (s *Store) UpdateBroadcast(ctx context.Context, id string, fn func(*bot.Broadcast) error) (_ bot.Broadcast, err error) {
	defer s.observe("UpdateBroadcast", s.callStart(), &err)
	const op = "update broadcast"
	var b bot.Broadcast
	if err := ctx.Err(); err != nil {
		return b, wrap(op, err)
	}
	var fnErr error
	err = s.db.Update(func(tx *bbolt.Tx) error {
		var err error
		if b, err = getBroadcast(tx, id); err != nil {
			return err
		}
		if fnErr = fn(&b); fnErr != nil {
			return fnErr
		}
		b.ID = id
		if err := b.Valid(); err != nil {
			return fmt.Errorf("%w: %w", bot.ErrInvalid, err)
		}
		v, err := json.Marshal(b)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketBroadcasts).Put([]byte(id), v)
	})
	switch {
	case fnErr != nil:
		return bot.Broadcast{}, fnErr
	case err != nil:
		return bot.Broadcast{}, wrap(op, err)
	}
	return b, nil
}

// Broadcasts calls fn for every broadcast, by creation time then id.
func (s *Store) Broadcasts(ctx context.Context, fn func(bot.Broadcast) error) (err error) {
	defer s.observe("Broadcasts", s.callStart(), &err)
	all, err := readAll[bot.Broadcast](ctx, s, "broadcasts", bucketBroadcasts)
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.CompareBroadcasts, fn)
}

// DeleteBroadcast removes the broadcast and its recipients.
func (s *Store) DeleteBroadcast(ctx context.Context, id string) (err error) {
	defer s.observe("DeleteBroadcast", s.callStart(), &err)
	const op = "delete broadcast"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if _, err := getBroadcast(tx, id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBroadcasts).Delete([]byte(id)); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketBcRecips, bucketBcIndex} {
			if parent := tx.Bucket(name); parent != nil && parent.Bucket([]byte(id)) != nil {
				if err := parent.DeleteBucket([]byte(id)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// subBuckets returns (creating them) the recipients and index buckets of
// broadcast id.
func subBuckets(tx *bbolt.Tx, id string) (recips, index *bbolt.Bucket, err error) {
	for i, name := range [][]byte{bucketBcRecips, bucketBcIndex} {
		parent, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return nil, nil, err
		}
		b, err := parent.CreateBucketIfNotExists([]byte(id))
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			recips = b
		} else {
			index = b
		}
	}
	return recips, index, nil
}

// AddRecipients appends the recipients not in the broadcast yet.
func (s *Store) AddRecipients(ctx context.Context, id string, recs []bot.Recipient) (_ int, _ int, err error) {
	defer s.observe("AddRecipients", s.callStart(), &err)
	const op = "add recipients"
	if err := ctx.Err(); err != nil {
		return 0, 0, wrap(op, err)
	}
	for _, r := range recs {
		if err := checkRef(op, r.Ref); err != nil {
			return 0, 0, err
		}
		if r.Status == "" {
			return 0, 0, fmt.Errorf("bolt store %s: %w: empty status", op, bot.ErrInvalid)
		}
	}
	added, total := 0, 0
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if _, err := getBroadcast(tx, id); err != nil {
			return err
		}
		recips, index, err := subBuckets(tx, id)
		if err != nil {
			return err
		}
		total = recips.Stats().KeyN
		for _, r := range recs {
			key := []byte(r.Ref.Key())
			if index.Get(key) != nil {
				continue
			}
			r.Index = total
			if err := recips.Put(indexKey(total), bot.EncodeRecipient(r)); err != nil {
				return err
			}
			if err := index.Put(key, indexKey(total)); err != nil {
				return err
			}
			total++
			added++
		}
		return nil
	})
	if err != nil {
		return 0, 0, wrap(op, err)
	}
	return added, total, nil
}

// Recipients returns the recipients numbered first to before (excluded).
func (s *Store) Recipients(ctx context.Context, id string, first, before int) (_ []bot.Recipient, err error) {
	defer s.observe("Recipients", s.callStart(), &err)
	const op = "recipients"
	if err := ctx.Err(); err != nil {
		return nil, wrap(op, err)
	}
	var out []bot.Recipient
	err = s.db.View(func(tx *bbolt.Tx) error {
		parent := tx.Bucket(bucketBcRecips)
		if parent == nil {
			return nil
		}
		b := parent.Bucket([]byte(id))
		if b == nil {
			return nil
		}
		// Sized for the range asked (a batch), within reason.
		out = make([]bot.Recipient, 0, min(max(before-max(first, 0), 0), 1024))
		c := b.Cursor()
		end := indexKey(before)
		for k, v := c.Seek(indexKey(max(first, 0))); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
			r, err := bot.DecodeRecipient(int(binary.BigEndian.Uint64(k)), v)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// SetRecipient swaps the recipient's record if its status is from.
func (s *Store) SetRecipient(ctx context.Context, id string, from bot.RecipientStatus, rec bot.Recipient) (_ bool, err error) {
	defer s.observe("SetRecipient", s.callStart(), &err)
	const op = "set recipient"
	if err := ctx.Err(); err != nil {
		return false, wrap(op, err)
	}
	if from == "" || rec.Status == "" {
		return false, fmt.Errorf("bolt store %s: %w: empty status", op, bot.ErrInvalid)
	}
	done := false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		parent := tx.Bucket(bucketBcRecips)
		if parent == nil || parent.Bucket([]byte(id)) == nil {
			return bot.ErrNotFound
		}
		b := parent.Bucket([]byte(id))
		key := indexKey(rec.Index)
		v := b.Get(key)
		if v == nil || rec.Index < 0 {
			return bot.ErrNotFound
		}
		if !bytes.HasPrefix(v, []byte(bot.StatusPrefix(from))) {
			return nil
		}
		old, err := bot.DecodeRecipient(rec.Index, v)
		if err != nil {
			return err
		}
		rec.Ref = old.Ref
		done = true
		return b.Put(key, bot.EncodeRecipient(rec))
	})
	if err != nil {
		return false, wrap(op, err)
	}
	return done, nil
}

var _ bot.RecipientBatchWriter = (*Store)(nil)

// SetRecipients applies the swaps in order in one transaction (see
// bot.RecipientBatchWriter): one write, and one sync, for a group of
// recipients.
func (s *Store) SetRecipients(ctx context.Context, id string, swaps []bot.RecipientSwap) (_ []bool, err error) {
	defer s.observe("SetRecipients", s.callStart(), &err)
	return s.setRecipients(ctx, "set recipients", id, swaps, nil, 0)
}

var _ bot.RecipientValueWriter = (*Store)(nil)

// SetRecipientsValues is SetRecipients and PutValues in one transaction.
func (s *Store) SetRecipientsValues(ctx context.Context, id string, swaps []bot.RecipientSwap, kvs []bot.KeyValue, ttl time.Duration) (_ []bool, err error) {
	defer s.observe("SetRecipientsValues", s.callStart(), &err)
	return s.setRecipients(ctx, "set recipients and values", id, swaps, kvs, ttl)
}

func (s *Store) setRecipients(ctx context.Context, op, id string, swaps []bot.RecipientSwap, kvs []bot.KeyValue, ttl time.Duration) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap(op, err)
	}
	for _, sw := range swaps {
		if sw.From == "" || sw.Rec.Status == "" {
			return nil, fmt.Errorf("bolt store %s: %w: empty status", op, bot.ErrInvalid)
		}
	}
	var recs [][]byte
	if len(kvs) > 0 {
		var err error
		if recs, err = s.valueRecords(op, kvs, ttl); err != nil {
			return nil, err
		}
	}
	done := make([]bool, len(swaps))
	if len(swaps) == 0 && len(kvs) == 0 {
		return done, nil
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		clear(done)
		if len(swaps) > 0 {
			if err := setRecipientsTx(tx, id, swaps, done); err != nil {
				return err
			}
		}
		return putValueRecords(tx, kvs, recs)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return done, nil
}

// setRecipientsTx applies the swaps in tx, reporting in done which took
// place. One cursor finds the records, and the new records share one
// buffer (bbolt keeps the values written until the commit).
func setRecipientsTx(tx *bbolt.Tx, id string, swaps []bot.RecipientSwap, done []bool) error {
	parent := tx.Bucket(bucketBcRecips)
	if parent == nil || parent.Bucket([]byte(id)) == nil {
		return bot.ErrNotFound
	}
	b := parent.Bucket([]byte(id))
	c := b.Cursor()
	var buf []byte
	for i, sw := range swaps {
		if sw.Rec.Index < 0 {
			return bot.ErrNotFound
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], uint64(sw.Rec.Index))
		k, v := c.Seek(key[:])
		if v == nil || !bytes.Equal(k, key[:]) {
			return bot.ErrNotFound
		}
		if !bytes.HasPrefix(v, []byte(bot.StatusPrefix(sw.From))) {
			continue
		}
		// The stored reference part is kept as is.
		_, tail, _ := bytes.Cut(v, []byte{' '})
		ref, _, ok := bytes.Cut(tail, []byte{'\n'})
		if !ok {
			return fmt.Errorf("recipient %d: malformed record", sw.Rec.Index)
		}
		_, rest := bot.EncodeRecipientParts(sw.Rec)
		n := len(sw.Rec.Status) + len(ref) + len(rest) + 2
		if cap(buf)-len(buf) < n {
			buf = make([]byte, 0, max(n, (len(swaps)-i)*(n+16)))
		}
		start := len(buf)
		buf = append(buf, sw.Rec.Status...)
		buf = append(buf, ' ')
		buf = append(buf, ref...)
		buf = append(buf, '\n')
		buf = append(buf, rest...)
		rec := buf[start:len(buf):len(buf)]
		if err := b.Put(key[:], rec); err != nil {
			return err
		}
		done[i] = true
	}
	return nil
}

// RecipientCounts counts the broadcast's recipients by status.
func (s *Store) RecipientCounts(ctx context.Context, id string) (_ map[bot.RecipientStatus]int, err error) {
	defer s.observe("RecipientCounts", s.callStart(), &err)
	const op = "recipient counts"
	if err := ctx.Err(); err != nil {
		return nil, wrap(op, err)
	}
	counts := map[bot.RecipientStatus]int{}
	err = s.db.View(func(tx *bbolt.Tx) error {
		parent := tx.Bucket(bucketBcRecips)
		if parent == nil || parent.Bucket([]byte(id)) == nil {
			return nil
		}
		return parent.Bucket([]byte(id)).ForEach(func(_, v []byte) error {
			status, _, _ := bytes.Cut(v, []byte{' '})
			counts[bot.RecipientStatus(status)]++
			return nil
		})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return counts, nil
}

// BroadcastsOf returns the member's records and the broadcasts they wrote.
func (s *Store) BroadcastsOf(ctx context.Context, ref bot.UserRef) (_ map[string]bot.Recipient, _ []string, err error) {
	defer s.observe("BroadcastsOf", s.callStart(), &err)
	const op = "broadcasts of"
	if err := ctx.Err(); err != nil {
		return nil, nil, wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return nil, nil, err
	}
	recs := map[string]bot.Recipient{}
	var wrote []string
	err = s.db.View(func(tx *bbolt.Tx) error {
		return eachBroadcastOf(tx, ref, func(b bot.Broadcast, r *bot.Recipient) error {
			if r != nil {
				recs[b.ID] = *r
			}
			if b.Author == ref {
				wrote = append(wrote, b.ID)
			}
			return nil
		})
	})
	if err != nil {
		return nil, nil, wrap(op, err)
	}
	return recs, wrote, nil
}

// eachBroadcastOf calls fn for every broadcast with the member's record
// in it (nil when they are not a recipient).
func eachBroadcastOf(tx *bbolt.Tx, ref bot.UserRef, fn func(bot.Broadcast, *bot.Recipient) error) error {
	bk := tx.Bucket(bucketBroadcasts)
	if bk == nil {
		return nil
	}
	type item struct {
		b bot.Broadcast
		r *bot.Recipient
	}
	var items []item
	err := bk.ForEach(func(k, v []byte) error {
		var b bot.Broadcast
		if err := json.Unmarshal(v, &b); err != nil {
			return err
		}
		it := item{b: b}
		if idx := tx.Bucket(bucketBcIndex); idx != nil && idx.Bucket(k) != nil {
			if ik := idx.Bucket(k).Get([]byte(ref.Key())); ik != nil {
				i := int(binary.BigEndian.Uint64(ik))
				if v := tx.Bucket(bucketBcRecips).Bucket(k).Get(ik); v != nil {
					r, err := bot.DecodeRecipient(i, v)
					if err != nil {
						return err
					}
					it.r = &r
				}
			}
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := fn(it.b, it.r); err != nil {
			return err
		}
	}
	return nil
}

// EraseBroadcastMember removes the member from every broadcast.
func (s *Store) EraseBroadcastMember(ctx context.Context, ref bot.UserRef) (_ int, err error) {
	defer s.observe("EraseBroadcastMember", s.callStart(), &err)
	const op = "erase broadcast member"
	if err := ctx.Err(); err != nil {
		return 0, wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return eachBroadcastOf(tx, ref, func(b bot.Broadcast, r *bot.Recipient) error {
			id := []byte(b.ID)
			if r != nil {
				if err := tx.Bucket(bucketBcRecips).Bucket(id).Put(indexKey(r.Index), bot.EncodeRecipient(bot.EraseRecipient(*r))); err != nil {
					return err
				}
				if err := tx.Bucket(bucketBcIndex).Bucket(id).Delete([]byte(ref.Key())); err != nil {
					return err
				}
				n++
			}
			if bot.EraseAuthor(&b, ref) {
				v, err := json.Marshal(b)
				if err != nil {
					return err
				}
				if err := tx.Bucket(bucketBroadcasts).Put(id, v); err != nil {
					return err
				}
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, wrap(op, err)
	}
	return n, nil
}

// SegmentMembers calls fn with each member as bot.SegmentView leaves it,
// in the order of Members, decoding only those fields of the records.
func (s *Store) SegmentMembers(ctx context.Context, fn func(bot.Member) error) (err error) {
	defer s.observe("SegmentMembers", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("segment members", err)
	}
	type entry struct {
		order, key string // Ref.String(), then the key (as Members)
		r          bot.SegmentRecord
	}
	var all []entry
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		all = make([]entry, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			all = append(all, entry{})
			e := &all[len(all)-1]
			if err := e.r.Decode(v); err != nil {
				return fmt.Errorf("decode member %q: %w", k, err)
			}
			e.order, e.key = e.r.Ref.String(), string(k)
			return nil
		})
	})
	if err != nil {
		return wrap("segment members", err)
	}
	slices.SortFunc(all, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.key, b.key))
	})
	for i := range all {
		if err := fn(all[i].r.Member()); err != nil {
			return err
		}
	}
	return nil
}
