package redis

import (
	"bufio"
	"context"
	"strings"
)

// checkPersistence warns when the server does not keep an append-only
// file: a restart of Redis would then lose what was written since the last
// snapshot (claims, held messages, dialogues), or everything when
// snapshots are off too. A server that refuses INFO is not judged.
func (s *Store) checkPersistence(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	info, err := s.rdb.Info(ctx, "persistence").Result()
	if err != nil {
		s.log.DebugContext(ctx, "redis persistence not checked", "err", err)
		return
	}
	aof, unsaved := persistence(info)
	if aof != "1" {
		s.log.WarnContext(ctx, "redis persistence (AOF) is off: a Redis restart loses the writes since the last snapshot; set appendonly yes on the server",
			"aof_enabled", aof, "rdb_changes_since_last_save", unsaved)
	}
}

// persistence reads aof_enabled and whether RDB snapshots have happened
// (rdb_last_save_time known) from INFO persistence.
func persistence(info string) (aof, unsaved string) {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		switch k {
		case "aof_enabled":
			aof = v
		case "rdb_changes_since_last_save":
			unsaved = v
		}
	}
	return aof, unsaved
}
