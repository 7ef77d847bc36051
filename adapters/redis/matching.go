package redis

import (
	"context"
	"encoding/json"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sndgct/maillage/bot"
)

// The matching feature keeps:
//
//	<prefix>match:rounds       hash: round id -> JSON bot.MatchRound
//	<prefix>match:round-order  sorted set: round id, scored by Created (ms)
//	<prefix>match:records      hash: ref.Key() -> JSON bot.MatchRecord

var _ bot.MatchStore = (*Store)(nil)

func (s *Store) roundsKey() string     { return s.prefix + "match:rounds" }
func (s *Store) roundOrderKey() string { return s.prefix + "match:round-order" }
func (s *Store) recordsKey() string    { return s.prefix + "match:records" }

func checkRound(op string, r bot.MatchRound) error {
	if err := r.Valid(); err != nil {
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return nil
}

// CreateRound stores r unless a round with its id exists (HSETNX).
func (s *Store) CreateRound(ctx context.Context, r bot.MatchRound) (_ bool, err error) {
	defer s.observe("CreateRound", s.callStart(), &err)
	const op = "create round"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	if err := checkRound(op, r); err != nil {
		return false, err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	created, err := s.rdb.HSetNX(cctx, s.roundsKey(), r.ID, data).Result()
	if err != nil {
		return false, fail(ctx, op, err)
	}
	// Always (NX): a creator that failed between the two commands is
	// completed by the next attempt.
	if err := s.rdb.ZAddNX(cctx, s.roundOrderKey(), goredis.Z{Score: float64(r.Created.UnixMilli()), Member: r.ID}).Err(); err != nil {
		return created, fail(ctx, op, err)
	}
	return created, nil
}

// SaveRound replaces the stored round r.ID.
func (s *Store) SaveRound(ctx context.Context, r bot.MatchRound) (err error) {
	defer s.observe("SaveRound", s.callStart(), &err)
	const op = "save round"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkRound(op, r); err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	ok, err := s.rdb.HExists(cctx, s.roundsKey(), r.ID).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	if !ok {
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	_, err = s.rdb.TxPipelined(cctx, func(p goredis.Pipeliner) error {
		p.HSet(cctx, s.roundsKey(), r.ID, data)
		p.ZAdd(cctx, s.roundOrderKey(), goredis.Z{Score: float64(r.Created.UnixMilli()), Member: r.ID})
		return nil
	})
	if err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// Round returns the round with this id.
func (s *Store) Round(ctx context.Context, id string) (_ bot.MatchRound, err error) {
	defer s.observe("Round", s.callStart(), &err)
	return hgetJSON[bot.MatchRound](ctx, s, "round", s.roundsKey(), id)
}

// Rounds calls fn for the rounds, newest first, at most limit of them.
func (s *Store) Rounds(ctx context.Context, limit int, fn func(bot.MatchRound) error) (err error) {
	defer s.observe("Rounds", s.callStart(), &err)
	const op = "rounds"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit) - 1
	}
	ids, err := s.rdb.ZRevRange(cctx, s.roundOrderKey(), 0, stop).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	if len(ids) == 0 {
		return nil
	}
	vals, err := s.rdb.HMGet(cctx, s.roundsKey(), ids...).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	all := make([]bot.MatchRound, 0, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted meanwhile
		}
		var r bot.MatchRound
		if err := json.Unmarshal([]byte(str), &r); err != nil {
			return fmt.Errorf("redis store %s: decode round %q: %w", op, ids[i], err)
		}
		all = append(all, r)
	}
	cancel()
	return bot.YieldSorted(all, bot.CompareRounds, fn)
}

// DeleteRound removes a round.
func (s *Store) DeleteRound(ctx context.Context, id string) (err error) {
	defer s.observe("DeleteRound", s.callStart(), &err)
	const op = "delete round"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	var del *goredis.IntCmd
	_, err = s.rdb.TxPipelined(cctx, func(p goredis.Pipeliner) error {
		del = p.HDel(cctx, s.roundsKey(), id)
		p.ZRem(cctx, s.roundOrderKey(), id)
		return nil
	})
	if err != nil {
		return fail(ctx, op, err)
	}
	if del.Val() == 0 {
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return nil
}

// MatchRecord returns the member's answers and "not again" list.
func (s *Store) MatchRecord(ctx context.Context, ref bot.UserRef) (_ bot.MatchRecord, err error) {
	defer s.observe("MatchRecord", s.callStart(), &err)
	return recordOf[bot.MatchRecord](ctx, s, "match record", s.recordsKey(), ref)
}

// SaveMatchRecord creates or replaces rec.Member's record.
func (s *Store) SaveMatchRecord(ctx context.Context, rec bot.MatchRecord) (err error) {
	defer s.observe("SaveMatchRecord", s.callStart(), &err)
	const op = "save match record"
	if err := rec.Valid(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return s.hsetJSON(ctx, op, s.recordsKey(), rec.Member.Key(), rec)
}

// EachMatchRecord calls fn for every record, ordered by Member.String().
func (s *Store) EachMatchRecord(ctx context.Context, fn func(bot.MatchRecord) error) (err error) {
	defer s.observe("EachMatchRecord", s.callStart(), &err)
	all, err := hscanAll[bot.MatchRecord](ctx, s, "match records", s.recordsKey())
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.CompareMatchRecords, fn)
}

// EraseMatchRecord removes the member's record.
func (s *Store) EraseMatchRecord(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("EraseMatchRecord", s.callStart(), &err)
	return s.eraseRecord(ctx, "erase match record", s.recordsKey(), ref)
}
