package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/sndgct/maillage/bot"
)

// The highlights feature keeps two hashes:
//
//	<prefix>hl:subs        ref.Key() -> JSON bot.HighlightFollows
//	<prefix>hl:published   "<len>:<event><id>" -> JSON bot.PublishedHighlight
//
// Each is walked with HSCAN and sorted in memory, like the members.

var _ bot.HighlightStore = (*Store)(nil)

func (s *Store) subscriptionsKey() string { return s.prefix + "hl:subs" }

func (s *Store) publishedKey() string { return s.prefix + "hl:published" }

// HighlightFollows returns the member's follows and registrations.
func (s *Store) HighlightFollows(ctx context.Context, ref bot.UserRef) (_ bot.HighlightFollows, err error) {
	defer s.observe("HighlightFollows", s.callStart(), &err)
	return recordOf[bot.HighlightFollows](ctx, s, "subscription", s.subscriptionsKey(), ref)
}

// SaveHighlightFollows creates or replaces sub.Member's record.
func (s *Store) SaveHighlightFollows(ctx context.Context, sub bot.HighlightFollows) (err error) {
	defer s.observe("SaveHighlightFollows", s.callStart(), &err)
	const op = "save subscription"
	if err := checkRef(op, sub.Member); err != nil && ctx.Err() == nil {
		return err
	}
	return s.hsetJSON(ctx, op, s.subscriptionsKey(), sub.Member.Key(), sub)
}

// EachHighlightFollows calls fn for every record, ordered by Member.String().
func (s *Store) EachHighlightFollows(ctx context.Context, fn func(bot.HighlightFollows) error) (err error) {
	defer s.observe("EachHighlightFollows", s.callStart(), &err)
	all, err := hscanAll[bot.HighlightFollows](ctx, s, "subscriptions", s.subscriptionsKey())
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.CompareHighlightFollows, fn)
}

// EraseHighlightFollows removes the member's record.
func (s *Store) EraseHighlightFollows(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("EraseHighlightFollows", s.callStart(), &err)
	return s.eraseRecord(ctx, "erase subscription", s.subscriptionsKey(), ref)
}

// SaveHighlight creates or replaces the published highlight (Event, ID).
func (s *Store) SaveHighlight(ctx context.Context, h bot.PublishedHighlight) (err error) {
	defer s.observe("SaveHighlight", s.callStart(), &err)
	const op = "save highlight"
	if err := h.Valid(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return s.hsetJSON(ctx, op, s.publishedKey(), h.Key(), h)
}

// DeleteHighlight removes the published highlight (event, id).
func (s *Store) DeleteHighlight(ctx context.Context, event, id string) (err error) {
	defer s.observe("DeleteHighlight", s.callStart(), &err)
	const op = "delete highlight"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	n, err := s.rdb.HDel(cctx, s.publishedKey(), bot.PublishedKey(event, id)).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return nil
}

// PublishedHighlights calls fn for every published highlight, by time,
// event and id.
func (s *Store) PublishedHighlights(ctx context.Context, fn func(bot.PublishedHighlight) error) (err error) {
	defer s.observe("PublishedHighlights", s.callStart(), &err)
	all, err := hscanAll[bot.PublishedHighlight](ctx, s, "published highlights", s.publishedKey())
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.ComparePublished, fn)
}

func (s *Store) hsetJSON(ctx context.Context, op, key, field string, v any) error {
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	if err := s.rdb.HSet(cctx, key, field, data).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// hscanAll decodes every value of a hash (HSCAN rounds, each under its own
// timeout; a field returned twice is kept once).
func hscanAll[T any](ctx context.Context, s *Store, op, key string) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redis store %s: %w", op, err)
	}
	byField := map[string]T{}
	var cursor uint64
	for {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		kvs, next, err := s.rdb.HScan(cctx, key, cursor, "", hscanCount).Result()
		cancel()
		if err != nil {
			return nil, fail(ctx, op, err)
		}
		for i := 0; i+1 < len(kvs); i += 2 {
			var x T
			if err := json.Unmarshal([]byte(kvs[i+1]), &x); err != nil {
				return nil, fmt.Errorf("redis store %s: decode: %w", op, err)
			}
			byField[kvs[i]] = x
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	fields := slices.Sorted(maps.Keys(byField))
	out := make([]T, 0, len(fields))
	for _, f := range fields {
		out = append(out, byField[f])
	}
	return out, nil
}
