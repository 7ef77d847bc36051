package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/sndgct/maillage/bot"
)

// The dashboard's keys, under a prefix of their own ("dash:"):
//
//	<prefix>dash:grants   hash: "<kind>|<key>" -> JSON bot.DashboardGrant
//	<prefix>dash:misses   hash: folded query -> count
//
// A grant's key is a keyed hash of its token, never the token. Each is one
// key, so that the layout suits Redis Cluster as is.
func (s *Store) dashGrantsKey() string { return s.prefix + "dash:grants" }
func (s *Store) dashMissesKey() string { return s.prefix + "dash:misses" }

func grantField(kind, key string) string { return kind + "|" + key }

func checkGrantKey(op, kind, key string) error {
	if kind == "" || key == "" {
		return fmt.Errorf("redis store %s: %w: empty kind or key", op, bot.ErrInvalid)
	}
	return nil
}

// SaveDashboardGrant stores g and drops the grants expired before it.
func (s *Store) SaveDashboardGrant(ctx context.Context, g bot.DashboardGrant) (err error) {
	defer s.observe("SaveDashboardGrant", s.callStart(), &err)
	const op = "save dashboard grant"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store %s: %w", op, err)
	}
	if err := g.Valid(); err != nil {
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	all, err := hscanAll[bot.DashboardGrant](ctx, s, op, s.dashGrantsKey())
	if err != nil {
		return err
	}
	var expired []string
	for _, old := range all {
		if old.Expires.Before(g.Created) {
			expired = append(expired, grantField(old.Kind, old.Key))
		}
	}
	if len(expired) > 0 {
		cctx, cancel, err := s.start(ctx, op)
		if err != nil {
			return err
		}
		err = s.rdb.HDel(cctx, s.dashGrantsKey(), expired...).Err()
		cancel()
		if err != nil {
			return fail(ctx, op, err)
		}
	}
	return s.hsetJSON(ctx, op, s.dashGrantsKey(), grantField(g.Kind, g.Key), g)
}

// DashboardGrant returns the grant (kind, key).
func (s *Store) DashboardGrant(ctx context.Context, kind, key string) (_ bot.DashboardGrant, err error) {
	defer s.observe("DashboardGrant", s.callStart(), &err)
	return s.dashboardGrant(ctx, "dashboard grant", kind, key, false)
}

// TakeDashboardGrant returns the grant and removes it: the caller whose
// HDEL removes the field is the one that gets it.
func (s *Store) TakeDashboardGrant(ctx context.Context, kind, key string) (_ bot.DashboardGrant, err error) {
	defer s.observe("TakeDashboardGrant", s.callStart(), &err)
	return s.dashboardGrant(ctx, "take dashboard grant", kind, key, true)
}

func (s *Store) dashboardGrant(ctx context.Context, op, kind, key string, take bool) (bot.DashboardGrant, error) {
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return bot.DashboardGrant{}, err
	}
	defer cancel()
	if err := checkGrantKey(op, kind, key); err != nil {
		return bot.DashboardGrant{}, err
	}
	field := grantField(kind, key)
	data, err := s.rdb.HGet(cctx, s.dashGrantsKey(), field).Bytes()
	if err != nil {
		return bot.DashboardGrant{}, fail(ctx, op, err)
	}
	var g bot.DashboardGrant
	if err := json.Unmarshal(data, &g); err != nil {
		return bot.DashboardGrant{}, fmt.Errorf("redis store %s: decode: %w", op, err)
	}
	if take {
		n, err := s.rdb.HDel(cctx, s.dashGrantsKey(), field).Result()
		if err != nil {
			return bot.DashboardGrant{}, fail(ctx, op, err)
		}
		if n == 0 {
			return bot.DashboardGrant{}, fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
		}
	}
	return g, nil
}

// DeleteDashboardGrant removes the grant (kind, key).
func (s *Store) DeleteDashboardGrant(ctx context.Context, kind, key string) (err error) {
	defer s.observe("DeleteDashboardGrant", s.callStart(), &err)
	const op = "delete dashboard grant"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkGrantKey(op, kind, key); err != nil {
		return err
	}
	if err := s.rdb.HDel(cctx, s.dashGrantsKey(), grantField(kind, key)).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// DashboardGrantsOf returns ref's grants.
func (s *Store) DashboardGrantsOf(ctx context.Context, ref bot.UserRef) (_ []bot.DashboardGrant, err error) {
	defer s.observe("DashboardGrantsOf", s.callStart(), &err)
	const op = "dashboard grants of"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redis store %s: %w", op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return nil, err
	}
	all, err := hscanAll[bot.DashboardGrant](ctx, s, op, s.dashGrantsKey())
	if err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(all, func(g bot.DashboardGrant) bool { return g.Member != ref })
	slices.SortFunc(out, bot.CompareDashboardGrants)
	return out, nil
}

// EraseDashboardGrants removes every grant of ref.
func (s *Store) EraseDashboardGrants(ctx context.Context, ref bot.UserRef) (_ int, err error) {
	defer s.observe("EraseDashboardGrants", s.callStart(), &err)
	const op = "erase dashboard grants"
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("redis store %s: %w", op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return 0, err
	}
	all, err := hscanAll[bot.DashboardGrant](ctx, s, op, s.dashGrantsKey())
	if err != nil {
		return 0, err
	}
	var gone []string
	for _, g := range all {
		if g.Member == ref {
			gone = append(gone, grantField(g.Kind, g.Key))
		}
	}
	if len(gone) == 0 {
		return 0, nil
	}
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := s.rdb.HDel(cctx, s.dashGrantsKey(), gone...).Result()
	if err != nil {
		return 0, fail(ctx, op, err)
	}
	return int(n), nil
}

// CountSearchMiss adds one to the count of query (HINCRBY), unless the
// hash already holds bot.MaxSearchMisses other queries.
func (s *Store) CountSearchMiss(ctx context.Context, query string) (err error) {
	defer s.observe("CountSearchMiss", s.callStart(), &err)
	const op = "count search miss"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if query == "" || len(query) > bot.MaxSearchMissLen {
		return fmt.Errorf("redis store %s: %w: a query of 1 to %d bytes is required", op, bot.ErrInvalid, bot.MaxSearchMissLen)
	}
	key := s.dashMissesKey()
	exists, err := s.rdb.HExists(cctx, key, query).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	if !exists {
		n, err := s.rdb.HLen(cctx, key).Result()
		if err != nil {
			return fail(ctx, op, err)
		}
		if n >= bot.MaxSearchMisses {
			return nil
		}
	}
	if err := s.rdb.HIncrBy(cctx, key, query, 1).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// SearchMisses calls fn for every query counted, ordered by query.
func (s *Store) SearchMisses(ctx context.Context, fn func(query string, n int) error) (err error) {
	defer s.observe("SearchMisses", s.callStart(), &err)
	const op = "search misses"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	all, err := s.rdb.HGetAll(cctx, s.dashMissesKey()).Result()
	cancel()
	if err != nil {
		return fail(ctx, op, err)
	}
	type miss struct {
		q string
		n int
	}
	out := make([]miss, 0, len(all))
	for q, v := range all {
		n, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		out = append(out, miss{q, n})
	}
	slices.SortFunc(out, func(a, b miss) int { return cmp.Compare(a.q, b.q) })
	for _, m := range out {
		if err := fn(m.q, m.n); err != nil {
			return err
		}
	}
	return nil
}
