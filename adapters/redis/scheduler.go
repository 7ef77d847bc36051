package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sndgct/maillage/bot"
)

// The scheduler's keys:
//
//	<prefix>slots         hash: job name -> last slot, Unix milliseconds
//	<prefix>pending       hash: pending key -> JSON bot.Pending
//	<prefix>pending:due   sorted set: pending key, scored by its Due (ms)
//
// The two pending keys change together in Lua scripts. PendingFor and
// ErasePending walk the hash (HSCAN), which suits the few thousand pending
// messages of a deployment.

func (s *Store) slotsKey() string      { return s.prefix + "slots" }
func (s *Store) pendingKey() string    { return s.prefix + "pending" }
func (s *Store) pendingDueKey() string { return s.prefix + "pending:due" }

// setSlotScript sets field ARGV[1] of hash KEYS[1] to ARGV[2] unless it
// holds a larger number already. Milliseconds are exact in Lua's doubles.
var setSlotScript = goredis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == false or tonumber(cur) < tonumber(ARGV[2]) then
	redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
	return 1
end
return 0
`)

// savePendingScript stores ARGV[1] -> ARGV[2] in hash KEYS[1] and scores it
// ARGV[3] in sorted set KEYS[2], unless the hash has it.
var savePendingScript = goredis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
	return 0
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`)

// deletePendingScript removes ARGV[...] from hash KEYS[1] and sorted set
// KEYS[2]; it returns how many the hash held.
var deletePendingScript = goredis.NewScript(`
redis.call('ZREM', KEYS[2], unpack(ARGV))
return redis.call('HDEL', KEYS[1], unpack(ARGV))
`)

// LastSlot returns the last slot recorded for job.
func (s *Store) LastSlot(ctx context.Context, job string) (_ time.Time, err error) {
	defer s.observe("LastSlot", s.callStart(), &err)
	op := "last slot"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return time.Time{}, err
	}
	defer cancel()
	if job == "" {
		return time.Time{}, fmt.Errorf("redis store %s: %w: empty job name", op, bot.ErrInvalid)
	}
	op = fmt.Sprintf("%s %q", op, job)
	ms, err := s.rdb.HGet(cctx, s.slotsKey(), job).Int64()
	if err != nil {
		return time.Time{}, fail(ctx, op, err)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// SetLastSlot records slot for job unless a later one is recorded.
func (s *Store) SetLastSlot(ctx context.Context, job string, slot time.Time) (err error) {
	defer s.observe("SetLastSlot", s.callStart(), &err)
	op := "set last slot"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if job == "" || slot.IsZero() {
		return fmt.Errorf("redis store %s %q: %w: job name and slot are required", op, job, bot.ErrInvalid)
	}
	op = fmt.Sprintf("%s %q", op, job)
	if err := setSlotScript.Run(cctx, s.rdb, []string{s.slotsKey()}, job, slot.UnixMilli()).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// SavePending stores p unless its key exists.
func (s *Store) SavePending(ctx context.Context, p bot.Pending) (_ bool, err error) {
	defer s.observe("SavePending", s.callStart(), &err)
	op := "save pending"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	if err := checkRef(op, p.To); err != nil {
		return false, err
	}
	if p.Key == "" || p.Kind == "" || p.Due.IsZero() {
		return false, fmt.Errorf("redis store %s: %w: key, kind and due time are required", op, bot.ErrInvalid)
	}
	v, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	n, err := savePendingScript.Run(cctx, s.rdb, []string{s.pendingKey(), s.pendingDueKey()},
		p.Key, v, p.Due.UnixMilli()).Int()
	if err != nil {
		return false, fail(ctx, op, err)
	}
	return n == 1, nil
}

// scanPending walks the pending hash and returns what keep accepts, by due
// then key.
func (s *Store) scanPending(ctx context.Context, op string, keep func(bot.Pending) bool) ([]bot.Pending, error) {
	byKey := map[string]bot.Pending{}
	err := s.hscan(ctx, op, s.pendingKey(), func(field, value string) error {
		var p bot.Pending
		if err := json.Unmarshal([]byte(value), &p); err != nil {
			return fmt.Errorf("redis store %s: decode: %w", op, err)
		}
		if keep(p) {
			byKey[field] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]bot.Pending, 0, len(byKey))
	for _, p := range byKey {
		out = append(out, p)
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
	return s.pendingFor(ctx, ref)
}

// pendingFor is PendingFor, unobserved: for the store's own use.
func (s *Store) pendingFor(ctx context.Context, ref bot.UserRef) ([]bot.Pending, error) {
	const op = "pending for"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redis store %s: %w", op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return nil, err
	}
	return s.scanPending(ctx, op, func(p bot.Pending) bool { return p.To == ref })
}

// DuePending returns at most limit pending messages due at or before now.
func (s *Store) DuePending(ctx context.Context, now time.Time, limit int) (_ []bot.Pending, err error) {
	defer s.observe("DuePending", s.callStart(), &err)
	op := "due pending"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if limit <= 0 {
		return nil, fmt.Errorf("redis store %s: %w: limit must be positive", op, bot.ErrInvalid)
	}
	keys, err := s.rdb.ZRangeByScore(cctx, s.pendingDueKey(), &goredis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(cctx, s.pendingKey(), keys...).Result()
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	out := make([]bot.Pending, 0, len(vals))
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted meanwhile
		}
		var p bot.Pending
		if err := json.Unmarshal([]byte(str), &p); err != nil {
			return nil, fmt.Errorf("redis store %s: decode: %w", op, err)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, comparePending) // equal scores come by key already; keep it explicit
	return out, nil
}

// DeletePending removes the pending message with key.
func (s *Store) DeletePending(ctx context.Context, key string) (err error) {
	defer s.observe("DeletePending", s.callStart(), &err)
	op := "delete pending"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if key == "" {
		return fmt.Errorf("redis store %s: %w: empty key", op, bot.ErrInvalid)
	}
	n, err := deletePendingScript.Run(cctx, s.rdb, []string{s.pendingKey(), s.pendingDueKey()}, key).Int()
	if err != nil {
		return fail(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return nil
}

// ErasePending removes every pending message to the member.
func (s *Store) ErasePending(ctx context.Context, ref bot.UserRef) (_ int, err error) {
	defer s.observe("ErasePending", s.callStart(), &err)
	const op = "erase pending"
	list, err := s.pendingFor(ctx, ref)
	if err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, nil
	}
	args := make([]any, len(list))
	for i, p := range list {
		args[i] = p.Key
	}
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := deletePendingScript.Run(cctx, s.rdb, []string{s.pendingKey(), s.pendingDueKey()}, args...).Int()
	if err != nil {
		return 0, fail(ctx, op, err)
	}
	return n, nil
}
