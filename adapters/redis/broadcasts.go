package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sndgct/maillage/bot"
)

// The broadcasts keep, per broadcast (one hash tag, so that a cluster
// holds them in one slot):
//
//	<prefix>bc:ids            set of broadcast ids
//	<prefix>bc:{<id>}         string: JSON bot.Broadcast
//	<prefix>bc:{<id>}:r       hash: index -> bot.EncodeRecipient
//	<prefix>bc:{<id>}:i       hash: ref.Key() -> index (erasure, dedup)

var _ bot.BroadcastStore = (*Store)(nil)

func (s *Store) bcIDsKey() string             { return s.prefix + "bc:ids" }
func (s *Store) bcKey(id string) string       { return s.prefix + "bc:{" + id + "}" }
func (s *Store) bcRecipsKey(id string) string { return s.bcKey(id) + ":r" }
func (s *Store) bcIndexKey(id string) string  { return s.bcKey(id) + ":i" }

// SaveBroadcast creates or replaces the broadcast.
func (s *Store) SaveBroadcast(ctx context.Context, b bot.Broadcast) (err error) {
	defer s.observe("SaveBroadcast", s.callStart(), &err)
	const op = "save broadcast"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := b.Valid(); err != nil {
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	_, err = s.rdb.TxPipelined(cctx, func(p goredis.Pipeliner) error {
		p.Set(cctx, s.bcKey(b.ID), data, 0)
		p.SAdd(cctx, s.bcIDsKey(), b.ID)
		return nil
	})
	if err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// Broadcast returns the broadcast id.
func (s *Store) Broadcast(ctx context.Context, id string) (_ bot.Broadcast, err error) {
	defer s.observe("Broadcast", s.callStart(), &err)
	const op = "broadcast"
	var b bot.Broadcast
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return b, err
	}
	defer cancel()
	if id == "" {
		return b, fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return s.getBroadcast(ctx, cctx, s.rdb, op, id)
}

func (s *Store) getBroadcast(ctx, cctx context.Context, c goredis.Cmdable, op, id string) (bot.Broadcast, error) {
	var b bot.Broadcast
	v, err := c.Get(cctx, s.bcKey(id)).Bytes()
	if err != nil {
		return b, fail(ctx, op, err)
	}
	if err := json.Unmarshal(v, &b); err != nil {
		return b, fmt.Errorf("redis store %s: decode: %w", op, err)
	}
	return b, nil
}

// UpdateBroadcast applies fn under WATCH, retrying when another update
// came between the read and the write.
func (s *Store) UpdateBroadcast(ctx context.Context, id string, fn func(*bot.Broadcast) error) (_ bot.Broadcast, err error) {
	defer s.observe("UpdateBroadcast", s.callStart(), &err)
	return s.updateBroadcast(ctx, id, fn)
}

// updateBroadcast is UpdateBroadcast, unobserved: for the store's own use.
func (s *Store) updateBroadcast(ctx context.Context, id string, fn func(*bot.Broadcast) error) (bot.Broadcast, error) {
	const op = "update broadcast"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return bot.Broadcast{}, err
	}
	defer cancel()
	if id == "" {
		return bot.Broadcast{}, fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	var out bot.Broadcast
	var fnErr error
	for range 50 {
		err = s.rdb.Watch(cctx, func(tx *goredis.Tx) error {
			b, err := s.getBroadcast(ctx, cctx, tx, op, id)
			if err != nil {
				return classified{err}
			}
			if fnErr = fn(&b); fnErr != nil {
				return fnErr
			}
			b.ID = id
			if err := b.Valid(); err != nil {
				return classified{fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)}
			}
			data, err := json.Marshal(b)
			if err != nil {
				return classified{fmt.Errorf("redis store %s: encode: %w", op, err)}
			}
			_, err = tx.TxPipelined(cctx, func(p goredis.Pipeliner) error {
				p.Set(cctx, s.bcKey(id), data, 0)
				return nil
			})
			out = b
			return err
		}, s.bcKey(id))
		if !errors.Is(err, goredis.TxFailedErr) {
			break
		}
	}
	if fnErr != nil {
		return bot.Broadcast{}, fnErr
	}
	if err != nil {
		return bot.Broadcast{}, classify(ctx, op, err)
	}
	return out, nil
}

// Broadcasts calls fn for every broadcast, by creation time then id.
func (s *Store) Broadcasts(ctx context.Context, fn func(bot.Broadcast) error) (err error) {
	defer s.observe("Broadcasts", s.callStart(), &err)
	all, err := s.allBroadcasts(ctx)
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.CompareBroadcasts, fn)
}

func (s *Store) allBroadcasts(ctx context.Context) ([]bot.Broadcast, error) {
	const op = "broadcasts"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	ids, err := s.rdb.SMembers(cctx, s.bcIDsKey()).Result()
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	slices.Sort(ids)
	var all []bot.Broadcast
	for _, id := range ids {
		b, err := s.getBroadcast(ctx, cctx, s.rdb, op, id)
		if errors.Is(err, bot.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		all = append(all, b)
	}
	return all, nil
}

// DeleteBroadcast removes the broadcast and its recipients.
func (s *Store) DeleteBroadcast(ctx context.Context, id string) (err error) {
	defer s.observe("DeleteBroadcast", s.callStart(), &err)
	const op = "delete broadcast"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	n, err := s.rdb.Del(cctx, s.bcKey(id), s.bcRecipsKey(id), s.bcIndexKey(id)).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	if err := s.rdb.SRem(cctx, s.bcIDsKey(), id).Err(); err != nil {
		return fail(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return nil
}

// addRecipientsScript appends the recipients whose reference is not in
// the index yet. KEYS: broadcast, records, index; ARGV: (ref key, status,
// ref part, fields part)... The index is read with one HMGET and both
// hashes written with one HSET each (per thousand arguments), not one
// call per recipient.
var addRecipientsScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local total = redis.call('HLEN', KEYS[2])
local added = 0
local n = #ARGV / 4
local step = 1000
local refs, known = {}, {}
for i = 1, n do refs[i] = ARGV[4*i-3] end
for a = 1, n, step do
	local got = redis.call('HMGET', KEYS[3], unpack(refs, a, math.min(a + step - 1, n)))
	for j = 1, #got do
		if got[j] then known[refs[a+j-1]] = true end
	end
end
local idx, recs = {}, {}
for i = 1, n do
	local ref = refs[i]
	if not known[ref] then
		known[ref] = true
		idx[#idx+1] = ref
		idx[#idx+1] = tostring(total)
		recs[#recs+1] = tostring(total)
		recs[#recs+1] = ARGV[4*i-2] .. ' ' .. ARGV[4*i-1] .. '\n' .. ARGV[4*i]
		total = total + 1
		added = added + 1
	end
end
for a = 1, #idx, step do
	redis.call('HSET', KEYS[3], unpack(idx, a, math.min(a + step - 1, #idx)))
	redis.call('HSET', KEYS[2], unpack(recs, a, math.min(a + step - 1, #recs)))
end
return {added, total}
`)

// AddRecipients appends the recipients not in the broadcast yet.
func (s *Store) AddRecipients(ctx context.Context, id string, recs []bot.Recipient) (_ int, _ int, err error) {
	defer s.observe("AddRecipients", s.callStart(), &err)
	const op = "add recipients"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return 0, 0, err
	}
	defer cancel()
	args := make([]any, 0, 4*len(recs))
	for _, r := range recs {
		if err := checkRef(op, r.Ref); err != nil {
			return 0, 0, err
		}
		if r.Status == "" {
			return 0, 0, fmt.Errorf("redis store %s: %w: empty status", op, bot.ErrInvalid)
		}
		ref, rest := bot.EncodeRecipientParts(r)
		args = append(args, r.Ref.Key(), string(r.Status), ref, rest)
	}
	res, err := addRecipientsScript.Run(cctx, s.rdb, []string{s.bcKey(id), s.bcRecipsKey(id), s.bcIndexKey(id)}, args...).Int64Slice()
	if err != nil {
		return 0, 0, fail(ctx, op, err)
	}
	if len(res) != 2 || res[0] < 0 {
		return 0, 0, fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return int(res[0]), int(res[1]), nil
}

// Recipients returns the recipients numbered first to before (excluded).
func (s *Store) Recipients(ctx context.Context, id string, first, before int) (_ []bot.Recipient, err error) {
	defer s.observe("Recipients", s.callStart(), &err)
	const op = "recipients"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	first = max(first, 0)
	if before <= first {
		return nil, nil
	}
	fields := make([]string, 0, before-first)
	for i := first; i < before; i++ {
		fields = append(fields, strconv.Itoa(i))
	}
	vals, err := s.rdb.HMGet(cctx, s.bcRecipsKey(id), fields...).Result()
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	var out []bot.Recipient
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		r, err := bot.DecodeRecipient(first+i, readOnlyBytes(str))
		if err != nil {
			return nil, fmt.Errorf("redis store %s: %w", op, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// SetRecipient swaps the recipient's record if its status is from, under
// WATCH (a compare and swap without a script: the swaps come at the
// platform's pace, so a conflict, retried, is rare). The reference part of
// the stored record is kept.
func (s *Store) SetRecipient(ctx context.Context, id string, from bot.RecipientStatus, rec bot.Recipient) (_ bool, err error) {
	defer s.observe("SetRecipient", s.callStart(), &err)
	const op = "set recipient"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	if from == "" || rec.Status == "" {
		return false, fmt.Errorf("redis store %s: %w: empty status", op, bot.ErrInvalid)
	}
	_, rest := bot.EncodeRecipientParts(rec)
	key, field, prefix := s.bcRecipsKey(id), strconv.Itoa(rec.Index), bot.StatusPrefix(from)
	done := false
	for range 100 {
		err = s.rdb.Watch(cctx, func(tx *goredis.Tx) error {
			v, err := tx.HGet(cctx, key, field).Result()
			if err != nil {
				return classified{fail(ctx, op, err)}
			}
			if !strings.HasPrefix(v, prefix) {
				return nil
			}
			sp, nl := strings.IndexByte(v, ' '), strings.IndexByte(v, '\n')
			if sp < 0 || nl < sp {
				return classified{fmt.Errorf("redis store %s: malformed record %s", op, field)}
			}
			next := string(rec.Status) + " " + v[sp+1:nl] + "\n" + string(rest)
			_, err = tx.TxPipelined(cctx, func(p goredis.Pipeliner) error {
				p.HSet(cctx, key, field, next)
				return nil
			})
			if err != nil || rec.Status != bot.RecipientSending {
				done = err == nil
				return err
			}
			// A post follows: its record must survive a failover.
			if err := s.waitReplicas(ctx, cctx, tx, op); err != nil {
				return err
			}
			done = true
			return nil
		}, key)
		if !errors.Is(err, goredis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return false, classify(ctx, op, err)
	}
	return done, nil
}

var _ bot.RecipientBatchWriter = (*Store)(nil)

// SetRecipients applies the swaps in order (see bot.RecipientBatchWriter)
// under one WATCH: the records read with one HMGET, the new ones written
// with one MULTI, and one WAIT for the replicas when a swap makes a
// recipient "sending".
func (s *Store) SetRecipients(ctx context.Context, id string, swaps []bot.RecipientSwap) (_ []bool, err error) {
	defer s.observe("SetRecipients", s.callStart(), &err)
	const op = "set recipients"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	sending := false
	fields := make([]string, 0, len(swaps))
	seen := make(map[int]bool, len(swaps))
	for _, sw := range swaps {
		if sw.From == "" || sw.Rec.Status == "" {
			return nil, fmt.Errorf("redis store %s: %w: empty status", op, bot.ErrInvalid)
		}
		sending = sending || sw.Rec.Status == bot.RecipientSending
		if !seen[sw.Rec.Index] {
			seen[sw.Rec.Index] = true
			fields = append(fields, strconv.Itoa(sw.Rec.Index))
		}
	}
	done := make([]bool, len(swaps))
	if len(swaps) == 0 {
		return done, nil
	}
	key := s.bcRecipsKey(id)
	for range 100 {
		err = s.rdb.Watch(cctx, func(tx *goredis.Tx) error {
			clear(done)
			vals, err := tx.HMGet(cctx, key, fields...).Result()
			if err != nil {
				return classified{fail(ctx, op, err)}
			}
			cur := make(map[int]string, len(fields))
			for k, v := range vals {
				str, ok := v.(string)
				if !ok {
					return classified{fmt.Errorf("redis store %s: recipient %s: %w", op, fields[k], bot.ErrNotFound)}
				}
				n, _ := strconv.Atoi(fields[k])
				cur[n] = str
			}
			changed := map[int]bool{}
			for k, sw := range swaps {
				v := cur[sw.Rec.Index]
				if !strings.HasPrefix(v, bot.StatusPrefix(sw.From)) {
					continue
				}
				sp, nl := strings.IndexByte(v, ' '), strings.IndexByte(v, '\n')
				if sp < 0 || nl < sp {
					return classified{fmt.Errorf("redis store %s: malformed record %d", op, sw.Rec.Index)}
				}
				_, rest := bot.EncodeRecipientParts(sw.Rec)
				cur[sw.Rec.Index] = string(sw.Rec.Status) + " " + v[sp+1:nl] + "\n" + string(rest)
				changed[sw.Rec.Index], done[k] = true, true
			}
			if len(changed) == 0 {
				return nil
			}
			args := make([]any, 0, 2*len(changed))
			for _, f := range fields {
				if n, _ := strconv.Atoi(f); changed[n] {
					args = append(args, f, cur[n])
				}
			}
			_, err = tx.TxPipelined(cctx, func(p goredis.Pipeliner) error {
				p.HSet(cctx, key, args...)
				return nil
			})
			if err != nil || !sending {
				return err
			}
			// Posts follow: their records must survive a failover.
			return s.waitReplicas(ctx, cctx, tx, op)
		}, key)
		if !errors.Is(err, goredis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return nil, classify(ctx, op, err)
	}
	return done, nil
}

// waitReplicas waits until s.replicaAcks replicas have the writes made on
// tx's connection (Redis WAIT, up to a second or half the timeout), and
// answers bot.ErrUnavailable when fewer did: the primary may be about to
// lose them in a failover (a replica promoted, which no longer copies
// it). With Sentinel, it waits for no more replicas than the sentinels
// see up: after the primary died and its replica took over, nothing is
// left to promote, and waiting for a replica would slow every post by the
// WAIT's timeout until one comes back.
func (s *Store) waitReplicas(ctx, cctx context.Context, tx *goredis.Tx, op string) error {
	need := s.replicaAcks
	if need > 0 && s.healthyReplicas != nil {
		need = min(need, s.replicasUp(cctx, false))
	}
	if need == 0 {
		return nil
	}
	n, err := tx.Wait(cctx, need, min(time.Second, max(s.timeout/2, 100*time.Millisecond))).Result()
	if err != nil {
		return classified{fail(ctx, op, err)}
	}
	if int(n) < need && s.healthyReplicas != nil {
		// The sentinels' view may have changed meanwhile: ask again.
		need = min(need, s.replicasUp(cctx, true))
	}
	if int(n) < need {
		return classified{fmt.Errorf("redis store %s: %w: written on the primary but acknowledged by %d of %d replicas", op, bot.ErrUnavailable, n, need)}
	}
	return nil
}

// replicasUp returns how many replicas the sentinels see up, asking them
// at most once a second unless fresh; when none answers, it assumes
// replica_acks are up (the safe side).
func (s *Store) replicasUp(ctx context.Context, fresh bool) int {
	s.upMu.Lock()
	defer s.upMu.Unlock()
	if !fresh && time.Since(s.upRead) < time.Second {
		return s.up
	}
	up, err := s.healthyReplicas(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "asking the sentinels for the replicas", "err", err)
		up = s.replicaAcks
	}
	s.up, s.upRead = up, time.Now()
	return up
}

// countRecipientsScript counts the records of KEYS[1] by status (the
// part before the first space) on the server: the engine counts a
// broadcast's progress every 15 seconds while it sends, and reading every
// record into the replica each time cost it more than the sending (issue
// 18). It answers status, count, status, count...; the records are read
// with one HVALS (a few milliseconds of the server's time for ten
// thousand recipients).
var countRecipientsScript = goredis.NewScript(`
local counts, order = {}, {}
local vals = redis.call('HVALS', KEYS[1])
for i = 1, #vals do
	local v = vals[i]
	local sp = string.find(v, ' ', 1, true)
	local st = v
	if sp then st = string.sub(v, 1, sp - 1) end
	if not counts[st] then
		counts[st] = 0
		order[#order+1] = st
	end
	counts[st] = counts[st] + 1
end
local out = {}
for _, st in ipairs(order) do
	out[#out+1] = st
	out[#out+1] = counts[st]
end
return out
`)

// RecipientCounts counts the broadcast's recipients by status, on the
// server (countRecipientsScript).
func (s *Store) RecipientCounts(ctx context.Context, id string) (_ map[bot.RecipientStatus]int, err error) {
	defer s.observe("RecipientCounts", s.callStart(), &err)
	const op = "recipient counts"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	res, err := countRecipientsScript.Run(cctx, s.rdb, []string{s.bcRecipsKey(id)}).Slice()
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	counts := make(map[bot.RecipientStatus]int, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		st, ok := res[i].(string)
		n, ok2 := res[i+1].(int64)
		if !ok || !ok2 {
			return nil, fmt.Errorf("redis store %s: unexpected answer %v", op, res)
		}
		counts[bot.RecipientStatus(st)] += int(n)
	}
	return counts, nil
}

// memberRecord returns the member's record in broadcast id, if any.
func (s *Store) memberRecord(ctx, cctx context.Context, c goredis.Cmdable, op, id string, ref bot.UserRef) (*bot.Recipient, error) {
	idx, err := c.HGet(cctx, s.bcIndexKey(id), ref.Key()).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	v, err := c.HGet(cctx, s.bcRecipsKey(id), idx).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	i, _ := strconv.Atoi(idx)
	r, err := bot.DecodeRecipient(i, []byte(v))
	if err != nil {
		return nil, fmt.Errorf("redis store %s: %w", op, err)
	}
	return &r, nil
}

// BroadcastsOf returns the member's records and the broadcasts they wrote.
func (s *Store) BroadcastsOf(ctx context.Context, ref bot.UserRef) (_ map[string]bot.Recipient, _ []string, err error) {
	defer s.observe("BroadcastsOf", s.callStart(), &err)
	const op = "broadcasts of"
	if err := checkRef(op, ref); err != nil && ctx.Err() == nil {
		return nil, nil, err
	}
	all, err := s.allBroadcasts(ctx)
	if err != nil {
		return nil, nil, err
	}
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	recs := map[string]bot.Recipient{}
	var wrote []string
	for _, b := range all {
		r, err := s.memberRecord(ctx, cctx, s.rdb, op, b.ID, ref)
		if err != nil {
			return nil, nil, err
		}
		if r != nil {
			recs[b.ID] = *r
		}
		if b.Author == ref {
			wrote = append(wrote, b.ID)
		}
	}
	return recs, wrote, nil
}

// EraseBroadcastMember removes the member from every broadcast, each
// record under WATCH so that no concurrent swap brings the reference back.
func (s *Store) EraseBroadcastMember(ctx context.Context, ref bot.UserRef) (_ int, err error) {
	defer s.observe("EraseBroadcastMember", s.callStart(), &err)
	const op = "erase broadcast member"
	if err := checkRef(op, ref); err != nil && ctx.Err() == nil {
		return 0, err
	}
	all, err := s.allBroadcasts(ctx)
	if err != nil {
		return 0, err
	}
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	n := 0
	for _, b := range all {
		for range 50 {
			err = s.rdb.Watch(cctx, func(tx *goredis.Tx) error {
				r, err := s.memberRecord(ctx, cctx, tx, op, b.ID, ref)
				if err != nil {
					return classified{err}
				}
				if r == nil {
					return nil
				}
				_, err = tx.TxPipelined(cctx, func(p goredis.Pipeliner) error {
					p.HSet(cctx, s.bcRecipsKey(b.ID), strconv.Itoa(r.Index), bot.EncodeRecipient(bot.EraseRecipient(*r)))
					p.HDel(cctx, s.bcIndexKey(b.ID), ref.Key())
					return nil
				})
				if err == nil {
					n++
				}
				return err
			}, s.bcRecipsKey(b.ID), s.bcIndexKey(b.ID))
			if !errors.Is(err, goredis.TxFailedErr) {
				break
			}
		}
		if err != nil {
			return n, classify(ctx, op, err)
		}
		if b.Author == ref || b.Approver == ref || b.Canceller == ref {
			if _, err := s.updateBroadcast(ctx, b.ID, func(x *bot.Broadcast) error {
				bot.EraseAuthor(x, ref)
				return nil
			}); err != nil && !errors.Is(err, bot.ErrNotFound) {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// classified marks an error already classified (by fail or as invalid)
// inside a WATCH transaction, so that classify passes it through.
type classified struct{ error }

func (c classified) Unwrap() error { return c.error }

// classify returns a classified error as is, and classifies the others
// (server and network errors of the transaction) with fail.
func classify(ctx context.Context, op string, err error) error {
	var c classified
	if errors.As(err, &c) {
		return c.error
	}
	return fail(ctx, op, err)
}

// SegmentMembers calls fn with each member as bot.SegmentView leaves it,
// in the order of Members, decoding only those fields of the records.
func (s *Store) SegmentMembers(ctx context.Context, fn func(bot.Member) error) (err error) {
	defer s.observe("SegmentMembers", s.callStart(), &err)
	const op = "segment members"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store %s: %w", op, err)
	}
	type entry struct {
		order, field string // Ref.String(), then the field (as Members)
		r            bot.SegmentRecord
	}
	// HSCAN may return a field twice: the map keeps one.
	byField := make(map[string]*entry)
	err = s.hscan(ctx, op, s.membersKey(), func(field, value string) error {
		e := &entry{field: field}
		if err := e.r.Decode(readOnlyBytes(value)); err != nil {
			return fmt.Errorf("redis store %s: decode %q: %w", op, field, err)
		}
		e.order = e.r.Ref.String()
		byField[field] = e
		return nil
	})
	if err != nil {
		return err
	}
	all := make([]*entry, 0, len(byField))
	for _, e := range byField {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.field, b.field))
	})
	for _, e := range all {
		if err := fn(e.r.Member()); err != nil {
			return err
		}
	}
	return nil
}
