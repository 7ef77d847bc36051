package redis

import (
	"context"
	"crypto/rand"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sndgct/maillage/bot/storetest"
)

// realClusterEnv names a disposable Redis Cluster (the cluster form of
// the URL: redis://127.0.0.1:7001?addr=127.0.0.1:7002&addr=127.0.0.1:7003),
// as .ci/run starts one: three primaries on the loopback.
const realClusterEnv = "MAILLAGE_TEST_REDIS_CLUSTER"

func clusterURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(realClusterEnv)
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set under CI: .ci/run must start a Redis Cluster for this leg", realClusterEnv)
	}
	if u == "" {
		t.Skipf("%s is not set: set it to a disposable Redis Cluster to run this leg", realClusterEnv)
	}
	return u
}

func TestParseClusterURL(t *testing.T) {
	tg, err := parseURL("redis://:pw@127.0.0.1:7001/0?addr=127.0.0.1:7002&addr=127.0.0.1:7003&dial_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	if tg.cluster == nil || tg.single != nil || tg.failover != nil || len(tg.cluster.Addrs) != 3 ||
		tg.cluster.Password != "pw" || !tg.cluster.ContextTimeoutEnabled {
		t.Errorf("parseURL gave %+v, want a cluster of three seeds", tg)
	}
	if tg, err := parseURL("redis://127.0.0.1:7001?cluster=true"); err != nil || tg.cluster == nil || len(tg.cluster.Addrs) != 1 {
		t.Errorf("cluster=true with one seed: %+v, %v", tg, err)
	}
	for _, bad := range []string{"redis://127.0.0.1:7001/3?cluster=true", "redis://127.0.0.1:7001?cluster=maybe"} {
		if _, err := parseURL(bad); err == nil {
			t.Errorf("parseURL(%q) accepted", bad)
		}
	}
	if got := clusterPrefix("maillage:"); got != "{maillage}:" {
		t.Errorf("clusterPrefix = %q", got)
	}
	if got := clusterPrefix("{dep}:x:"); got != "{dep}:x:" {
		t.Errorf("clusterPrefix kept no tag: %q", got)
	}
}

// The store's whole contract on a real three-primary Redis Cluster: every
// multi-key transaction and script of the store runs there (the
// deployment's keys share one hash tag).
func TestConformanceRedisCluster(t *testing.T) {
	rawURL := clusterURL(t)
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		prefix := "maillage-test-" + rand.Text()[:10] + ":"
		s := openTest(t, rawURL, Options{KeyPrefix: prefix})
		if _, ok := s.rdb.(*goredis.ClusterClient); !ok {
			t.Fatalf("%s did not open a cluster client", realClusterEnv)
		}
		t.Cleanup(func() { deleteClusterKeys(t, s) })
		return storetest.Harness{Store: s}
	})
}

// deleteClusterKeys deletes the store's keys on every primary.
func deleteClusterKeys(t *testing.T, s *Store) {
	ctx := context.Background()
	cc := s.rdb.(*goredis.ClusterClient)
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
		iter := c.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	})
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
}
