package main

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
)

// deleteKeys removes what a test wrote under prefix.
func deleteKeys(t *testing.T, url, prefix string) {
	rdb := redisClient(t, url)
	if rdb == nil {
		return
	}
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleaning up %s*: %v", prefix, err)
	}
}

// redisClient connects to url, or reports an error and returns nil.
func redisClient(t *testing.T, url string) *goredis.Client {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return nil
	}
	return goredis.NewClient(opts)
}

// The same binary switches to Redis by configuration alone: the journey
// keeps the member's language across a restart, on an in-process Redis and,
// when MAILLAGE_TEST_REDIS_URL is set (as in CI), on a real redis-server.
func TestJourneyOnRedis(t *testing.T) {
	onRedis(t, "", func(t *testing.T, url, prefix, cfg string, e func(string) string) {
		r := runMain(t, "langue anglais\n/as admin\nstatut\n", e, "--config", cfg)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.errOut)
		}
		for _, want := range []string{en("lang.set", "language", "English"), "Stockage : redis, joignable", "Membres enregistrés : 1"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.out)
			}
		}
		r = runMain(t, "aide\n", e, "--config", cfg)
		if r.code != 0 || !strings.Contains(r.out, en("help.header")) {
			t.Errorf("after a restart on Redis the language was lost (exit %d):\n%s\n%s", r.code, r.out, r.errOut)
		}
		if _, err := os.Stat(filepath.Join(e("MAILLAGE_DATA_DIR"), "maillage.db")); err == nil {
			t.Error("an embedded store file was created although Redis is configured")
		}
	})
}

// onRedis runs f on an in-process Redis and, when MAILLAGE_TEST_REDIS_URL
// is set (as in CI), on a real redis-server, each time with a fresh key
// prefix (removed afterwards), a config file that sets it (followed by
// extraConfig) and an environment that selects Redis.
func onRedis(t *testing.T, extraConfig string, f func(t *testing.T, url, prefix, cfg string, e func(string) string)) {
	urls := map[string]string{"miniredis": "redis://" + miniredis.RunT(t).Addr() + "/0"}
	if u := os.Getenv("MAILLAGE_TEST_REDIS_URL"); u != "" {
		urls["redis-server"] = u
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "m.yaml")
			prefix := "maillage-e2e-" + rand.Text() + ":"
			writeFile(t, cfg, "store:\n  redis:\n    key_prefix: \""+prefix+"\"\n"+extraConfig)
			t.Cleanup(func() { deleteKeys(t, url, prefix) })
			f(t, url, prefix, cfg, env("MAILLAGE_REDIS_URL", url, "MAILLAGE_DATA_DIR", t.TempDir()))
		})
	}
}
