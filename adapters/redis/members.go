package redis

import (
	"context"
	"fmt"
	goredis "github.com/redis/go-redis/v9"
	"strings"
)

// ScrubErased has Redis rewrite its append-only file (BGREWRITEAOF) when
// the server keeps one: a deleted key leaves nothing in the keyspace, but
// the AOF keeps the commands that wrote it until the next rewrite, which
// Redis otherwise does only as the file grows. The rewrite runs in the
// background; one already running or scheduled is enough (Redis then
// schedules this one after it). Without AOF it does nothing.
func (s *Store) ScrubErased(ctx context.Context) (err error) {
	defer s.observe("ScrubErased", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store scrub: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		// Each primary keeps its own AOF (the deployment's keys share one
		// slot, but which primary holds it changes with resharding).
		if err := cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			return s.rewriteAOF(ctx, c)
		}); err != nil {
			return fail(ctx, "scrub", err)
		}
		return nil
	}
	if err := s.rewriteAOF(ctx, s.rdb); err != nil {
		return fail(ctx, "scrub", err)
	}
	return nil
}

// rewriteAOF asks server c for a rewrite of its append-only file when it
// keeps one.
func (s *Store) rewriteAOF(ctx context.Context, c goredis.Cmdable) error {
	info, err := c.Info(ctx, "persistence").Result()
	if err != nil && transient(err) {
		return err
	}
	if err != nil { // a server that does not say (as miniredis): nothing to rewrite
		s.log.DebugContext(ctx, "redis persistence unknown: no rewrite after an erasure", "err", err)
		return nil
	}
	if aof, _ := persistence(info); aof != "1" {
		return nil
	}
	// "Background append only file rewriting started", or "scheduled"
	// when a snapshot or a rewrite runs: both are fine.
	if err := c.BgRewriteAOF(ctx).Err(); err != nil && !strings.Contains(err.Error(), "already in progress") {
		return err
	}
	s.log.InfoContext(ctx, "redis append-only file rewrite requested after an erasure")
	return nil
}
