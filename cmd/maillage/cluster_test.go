package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	redisstore "github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
)

// clusterURL is the cluster form of MAILLAGE_REDIS_URL for a disposable
// three-primary Redis Cluster (.ci/run starts one), or skips.
func clusterURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("MAILLAGE_TEST_REDIS_CLUSTER")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MAILLAGE_TEST_REDIS_CLUSTER is not set under CI: .ci/run must start a Redis Cluster")
		}
		t.Skip("MAILLAGE_TEST_REDIS_CLUSTER is not set: no Redis Cluster")
	}
	if testing.Short() {
		t.Skip("runs three processes on a Redis Cluster")
	}
	return u
}

// deleteClusterKeys deletes every key whose name starts with prefix on
// every primary of the cluster at url.
func deleteClusterKeys(t *testing.T, url, prefix string) {
	o, err := goredis.ParseClusterURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	cc := goredis.NewClusterClient(o)
	defer cc.Close()
	err = cc.ForEachMaster(context.Background(), func(ctx context.Context, c *goredis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		return iter.Err()
	})
	if err != nil {
		t.Errorf("cleaning up the cluster: %v", err)
	}
}

// Three replicas on a real three-primary Redis Cluster, configured by the
// cluster form of MAILLAGE_REDIS_URL, share a broadcast to 300 members
// (sent by `maillage broadcast --send` on the same cluster): every member
// gets it exactly once, and one audit line gives the counts.
func TestBroadcastOnRedisClusterThreeReplicas(t *testing.T) {
	url := clusterURL(t)
	bin := maillageBinary(t)
	const members = 300
	const marker = "Journée régionale des DGS"
	prefix := "maillage-cluster-" + rand.Text()[:8] + ":"
	t.Cleanup(func() { deleteClusterKeys(t, url, "{"+strings.TrimSuffix(prefix, ":")+"}:") })
	store, err := redisstore.Open(context.Background(), url, redisstore.Options{KeyPrefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids := seedTerminalMembers(t, store, members)
	cfg := writeConfig(t, fmt.Sprintf(`store:
  backend: redis
  redis: {key_prefix: %q}
log: {level: info, format: json}
rate_limit: {per_minute: 0}
broadcasts:
  approval_threshold: 10000
  batch_size: 25
  pace:
    terminal: {posts_per_minute: 6000, post_burst: 5}
`, prefix))
	env := []string{"MAILLAGE_REDIS_URL=" + url}
	procs := make([]*botProc, 3)
	for i := range procs {
		procs[i] = startBotProc(t, fmt.Sprintf("%s replica %d", t.Name(), i), bin, env, "--config", cfg, "--data-dir", t.TempDir())
	}
	start := time.Now()
	id := sendBroadcast(t, bin, cfg, env, "Bonjour {prenom}. "+marker+" le mardi 8 décembre.\n")
	bc, counts := waitBroadcastDone(t, store, id, 60*time.Second)
	took := time.Since(start)
	waitFor(t, 15*time.Second, "the replicas did not print every message", func() bool { return delivered(procs, marker) >= counts[bot.RecipientSent] })
	for i, p := range procs {
		if err := p.stop(); err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	checkBroadcastOnce(t, store, bc, procs, marker, ids, counts)
	if counts[bot.RecipientSent] != members {
		t.Errorf("%d sent, want %d", counts[bot.RecipientSent], members)
	}
	t.Logf("Redis Cluster (3 primaries): %d members, %d sent in %v; per replica %d, %d, %d printed",
		members, counts[bot.RecipientSent], took.Round(100*time.Millisecond),
		procs[0].count(marker), procs[1].count(marker), procs[2].count(marker))
}
