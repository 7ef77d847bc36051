package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// The matching feature keeps three buckets, created on first write:
//
//	match_rounds        round id -> bot.MatchRound
//	match_round_order   created (8 bytes, big-endian ns) + id -> id
//	match_records       ref.Key() -> bot.MatchRecord
var (
	bucketRounds      = []byte("match_rounds")
	bucketRoundOrder  = []byte("match_round_order")
	bucketMatchRecord = []byte("match_records")
)

var _ bot.MatchStore = (*Store)(nil)

func roundOrderKey(r bot.MatchRound) []byte {
	k := make([]byte, 8, 8+len(r.ID))
	binary.BigEndian.PutUint64(k, uint64(r.Created.UnixNano())^(1<<63))
	return append(k, r.ID...)
}

func checkRound(op string, r bot.MatchRound) error {
	if err := r.Valid(); err != nil {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return nil
}

// CreateRound stores r unless a round with its id exists.
func (s *Store) CreateRound(ctx context.Context, r bot.MatchRound) (_ bool, err error) {
	defer s.observe("CreateRound", s.callStart(), &err)
	const op = "create round"
	if err := ctx.Err(); err != nil {
		return false, wrap(op, err)
	}
	if err := checkRound(op, r); err != nil {
		return false, err
	}
	created := false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketRounds)
		if err != nil {
			return err
		}
		if b.Get([]byte(r.ID)) != nil {
			return nil
		}
		created = true
		return putRound(tx, b, r)
	})
	if err != nil {
		return false, wrap(op, err)
	}
	return created, nil
}

func putRound(tx *bbolt.Tx, b *bbolt.Bucket, r bot.MatchRound) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	order, err := tx.CreateBucketIfNotExists(bucketRoundOrder)
	if err != nil {
		return err
	}
	if err := order.Put(roundOrderKey(r), []byte(r.ID)); err != nil {
		return err
	}
	return b.Put([]byte(r.ID), data)
}

// SaveRound replaces the stored round r.ID.
func (s *Store) SaveRound(ctx context.Context, r bot.MatchRound) (err error) {
	defer s.observe("SaveRound", s.callStart(), &err)
	const op = "save round"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := checkRound(op, r); err != nil {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRounds)
		if b == nil {
			return bot.ErrNotFound
		}
		old := b.Get([]byte(r.ID))
		if old == nil {
			return bot.ErrNotFound
		}
		var prev bot.MatchRound
		if err := json.Unmarshal(old, &prev); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRoundOrder).Delete(roundOrderKey(prev)); err != nil {
			return err
		}
		return putRound(tx, b, r)
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// Round returns the round with this id.
func (s *Store) Round(ctx context.Context, id string) (_ bot.MatchRound, err error) {
	defer s.observe("Round", s.callStart(), &err)
	const op = "round"
	if err := ctx.Err(); err != nil {
		return bot.MatchRound{}, wrap(op, err)
	}
	r, err := getJSON[bot.MatchRound](s, bucketRounds, []byte(id))
	if err != nil {
		return bot.MatchRound{}, wrap(op, err)
	}
	return r, nil
}

// Rounds calls fn for the rounds, newest first, at most limit of them;
// they are read in one transaction and fn runs outside it.
func (s *Store) Rounds(ctx context.Context, limit int, fn func(bot.MatchRound) error) (err error) {
	defer s.observe("Rounds", s.callStart(), &err)
	const op = "rounds"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	var all []bot.MatchRound
	err = s.db.View(func(tx *bbolt.Tx) error {
		order, b := tx.Bucket(bucketRoundOrder), tx.Bucket(bucketRounds)
		if order == nil || b == nil {
			return nil
		}
		c := order.Cursor()
		for k, id := c.Last(); k != nil && (limit <= 0 || len(all) < limit); k, id = c.Prev() {
			var r bot.MatchRound
			if err := json.Unmarshal(b.Get(id), &r); err != nil {
				return fmt.Errorf("decode round %q: %w", id, err)
			}
			all = append(all, r)
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	return bot.YieldSorted(all, bot.CompareRounds, fn)
}

// DeleteRound removes a round.
func (s *Store) DeleteRound(ctx context.Context, id string) (err error) {
	defer s.observe("DeleteRound", s.callStart(), &err)
	const op = "delete round"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRounds)
		if b == nil {
			return bot.ErrNotFound
		}
		v := b.Get([]byte(id))
		if v == nil {
			return bot.ErrNotFound
		}
		var r bot.MatchRound
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRoundOrder).Delete(roundOrderKey(r)); err != nil {
			return err
		}
		return b.Delete([]byte(id))
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// MatchRecord returns the member's answers and "not again" list.
func (s *Store) MatchRecord(ctx context.Context, ref bot.UserRef) (_ bot.MatchRecord, err error) {
	defer s.observe("MatchRecord", s.callStart(), &err)
	return recordOf[bot.MatchRecord](ctx, s, "match record", bucketMatchRecord, ref)
}

// SaveMatchRecord creates or replaces rec.Member's record.
func (s *Store) SaveMatchRecord(ctx context.Context, rec bot.MatchRecord) (err error) {
	defer s.observe("SaveMatchRecord", s.callStart(), &err)
	const op = "save match record"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := rec.Valid(); err != nil {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return s.putJSON(op, bucketMatchRecord, []byte(rec.Member.Key()), rec)
}

// EachMatchRecord calls fn for every record, ordered by Member.String().
func (s *Store) EachMatchRecord(ctx context.Context, fn func(bot.MatchRecord) error) (err error) {
	defer s.observe("EachMatchRecord", s.callStart(), &err)
	all, err := readAll[bot.MatchRecord](ctx, s, "match records", bucketMatchRecord)
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.CompareMatchRecords, fn)
}

// EraseMatchRecord removes the member's record.
func (s *Store) EraseMatchRecord(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("EraseMatchRecord", s.callStart(), &err)
	return s.eraseRecord(ctx, "erase match record", bucketMatchRecord, ref)
}
