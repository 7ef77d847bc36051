package redis

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestPersistenceParsesInfo(t *testing.T) {
	info := "# Persistence\r\nloading:0\r\nrdb_changes_since_last_save:12\r\naof_enabled:0\r\n"
	aof, unsaved := persistence(info)
	if aof != "0" || unsaved != "12" {
		t.Errorf("persistence() = %q, %q; want \"0\", \"12\"", aof, unsaved)
	}
	if aof, _ := persistence("aof_enabled:1\r\n"); aof != "1" {
		t.Errorf("aof_enabled:1 read as %q", aof)
	}
}

// The real-server leg: Open warns exactly when the server keeps no
// append-only file (.ci/run starts redis-server with --appendonly no).
func TestOpenWarnsWhenAOFIsOff(t *testing.T) {
	rawURL := os.Getenv(realRedisEnv)
	if rawURL == "" {
		t.Skipf("%s is not set: this leg needs a real redis-server", realRedisEnv)
	}
	var logs bytes.Buffer
	s := openTest(t, rawURL, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	info, err := s.rdb.Info(t.Context(), "persistence").Result()
	if err != nil {
		t.Skipf("INFO refused: %v", err)
	}
	aof, _ := persistence(info)
	warned := strings.Contains(logs.String(), "redis persistence (AOF) is off")
	if warned != (aof != "1") {
		t.Errorf("aof_enabled %q: warned %v; logs:\n%s", aof, warned, logs.String())
	}
}
