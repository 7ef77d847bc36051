package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	redisstore "github.com/sndgct/maillage/adapters/redis"
)

// redisServerEnv points to a redis-server binary; the Sentinel tests start
// their own servers with it (.ci/run sets it).
const redisServerEnv = "MAILLAGE_TEST_REDIS_SERVER"

// redisServerBinary returns the redis-server binary, or skips the test.
func redisServerBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv(redisServerEnv)
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI: .ci/run must point it to redis-server", redisServerEnv)
		}
		t.Skipf("%s is not set: point it to a redis-server binary to run the Sentinel test", redisServerEnv)
	}
	if testing.Short() {
		t.Skip("starts five redis-server processes and two bots")
	}
	return bin
}

// freePort returns a port free on the loopback now.
func freePort(t *testing.T) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(freeAddr(t))
	var n int
	fmt.Sscan(port, &n)
	return n
}

// startRedisProcess runs redis-server with the configuration text (a
// sentinel when sentinel is true) until the test ends, and waits until it
// answers PING.
func startRedisProcess(t *testing.T, bin string, port int, conf string, sentinel bool) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	conf = fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsave \"\"\nappendonly no\n%s", port, dir, conf)
	if sentinel {
		conf = fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n%s", port, dir, conf[strings.Index(conf, "appendonly no\n")+len("appendonly no\n"):])
	}
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{path}
	if sentinel {
		args = append(args, "--sentinel")
	}
	return startRedisCmd(t, exec.Command(bin, args...), port)
}

// startRedisCmd starts cmd, a redis-server listening on port, until the
// test ends, and waits until it answers PING.
func startRedisCmd(t *testing.T, cmd *exec.Cmd, port int) *exec.Cmd {
	t.Helper()
	out := startLogged(t, cmd, "")
	rdb := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %d did not start:\n%s", port, out.String())
		}
		time.Sleep(20 * time.Millisecond) // the server is starting: poll
	}
	return cmd
}

// sentinelSetup is one primary, one replica and three sentinels on the
// loopback.
type sentinelSetup struct {
	primary, replica int
	primaryCmd       *exec.Cmd
	sentinels        [3]int
}

func startSentinelSetup(t *testing.T, bin string) sentinelSetup {
	t.Helper()
	s := sentinelSetup{primary: freePort(t), replica: freePort(t)}
	s.primaryCmd = startRedisProcess(t, bin, s.primary, "", false)
	startRedisProcess(t, bin, s.replica, fmt.Sprintf("replicaof 127.0.0.1 %d\n", s.primary), false)
	for i := range s.sentinels {
		s.sentinels[i] = freePort(t)
	}
	for i := range s.sentinels {
		// known-replica spares the sentinels their 10 s discovery.
		startRedisProcess(t, bin, s.sentinels[i], fmt.Sprintf(
			"sentinel monitor mymaster 127.0.0.1 %d 2\nsentinel down-after-milliseconds mymaster 1000\n"+
				"sentinel failover-timeout mymaster 10000\nsentinel parallel-syncs mymaster 1\n"+
				"sentinel known-replica mymaster 127.0.0.1 %d\n", s.primary, s.replica), true)
	}
	// Wait until the sentinels see the replica, so that a failover can
	// promote it.
	deadline := time.Now().Add(20 * time.Second)
	for !s.ready(t) {
		if time.Now().After(deadline) {
			t.Fatal("the sentinels did not discover the replica")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

func (s sentinelSetup) sentinel(i int) *goredis.SentinelClient {
	return goredis.NewSentinelClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.sentinels[i])})
}

func (s sentinelSetup) ready(t *testing.T) bool {
	for i := range s.sentinels {
		sc := s.sentinel(i)
		replicas, err := sc.Replicas(context.Background(), "mymaster").Result()
		sc.Close()
		if err != nil || len(replicas) == 0 {
			return false
		}
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.replica)})
	defer rdb.Close()
	info, err := rdb.Info(context.Background(), "replication").Result()
	return err == nil && strings.Contains(info, "master_link_status:up")
}

// primaryPort asks sentinel 0 which port the primary listens on.
func (s sentinelSetup) primaryPort(t *testing.T) string {
	sc := s.sentinel(0)
	defer sc.Close()
	addr, err := sc.GetMasterAddrByName(context.Background(), "mymaster").Result()
	if err != nil || len(addr) != 2 {
		return ""
	}
	return addr[1]
}

// URL is the Sentinel form of MAILLAGE_REDIS_URL.
func (s sentinelSetup) URL() string {
	return fmt.Sprintf("redis://127.0.0.1:%d/0?master_name=mymaster&addr=127.0.0.1:%d&addr=127.0.0.1:%d",
		s.sentinels[0], s.sentinels[1], s.sentinels[2])
}

// Two bots share a Sentinel-managed Redis, run a job every 2 s, answer
// their members and send a broadcast to 100 members (20 a second); the
// primary fails over in the middle. Nothing is lost (every slot runs,
// every message is answered, politely when the store could not be
// reached; every broadcast recipient is sent, or reported of unknown
// outcome) and nothing happens twice (no slot, no answer, no broadcast
// message).
func TestSentinelFailoverLosesNothing(t *testing.T) {
	redisBin := redisServerBinary(t)
	bin := maillageBinary(t)
	t.Parallel() // alongside the broadcast fault test: both mostly wait
	// Both ways a primary goes: asked to hand over (a planned switch), or
	// killed (the sentinels notice after down-after-milliseconds, 1 s).
	// A planned switch loses no slot; a killed primary may leave slots
	// missed while no primary answers, which the scheduler skips (only the
	// newest runs) and logs: those are accounted for, not lost silently.
	type failoverCase struct {
		run        func(t *testing.T, s sentinelSetup)
		mayMissAny bool
	}
	failovers := map[string]failoverCase{
		"sentinel failover": {run: func(t *testing.T, s sentinelSetup) {
			sc := s.sentinel(0)
			defer sc.Close()
			if err := sc.Failover(context.Background(), "mymaster").Err(); err != nil {
				t.Fatalf("SENTINEL FAILOVER: %v", err)
			}
		}},
		"primary killed": {mayMissAny: true, run: func(t *testing.T, s sentinelSetup) {
			if err := s.primaryCmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for name, c := range failovers {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // two topologies on free ports; the bots mostly wait
			sentinelFailover(t, redisBin, bin, c.run, c.mayMissAny)
		})
	}
}

func sentinelFailover(t *testing.T, redisBin, bin string, failover func(*testing.T, sentinelSetup), mayMiss bool) {
	setup := startSentinelSetup(t, redisBin)
	url := setup.URL()
	prefix := "maillage-sentinel-" + rand.Text()[:8] + ":"
	const text = "Annonce du créneau"
	const marker = "Webinaire des secrétaires généraux"
	store, err := redisstore.Open(context.Background(), url, redisstore.Options{KeyPrefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids := seedTerminalMembers(t, store, 100)
	cfg := announcementConfig(t, prefix, `rate_limit: {per_minute: 0}
broadcasts:
  batch_size: 20
  batch_lease: 3s
  reconcile_after: 2s
  pace:
    terminal: {posts_per_minute: 1200, post_burst: 2}
`, "2s", text)
	redisEnv := []string{"MAILLAGE_REDIS_URL=" + url}
	procs := make([]*botProc, 2)
	for i := range procs {
		procs[i] = startBotProc(t, fmt.Sprintf("%s process %d", t.Name(), i), bin,
			redisEnv, "--config", cfg, "--data-dir", t.TempDir())
	}
	id := sendBroadcast(t, bin, cfg, redisEnv, marker+" : inscriptions ouvertes.\n")

	// Each process's member changes language every 250 ms (a read and a
	// write each time) for 10 s; the primary fails over after 3 s.
	lines := []string{"langue anglais", "langue français"}
	fed := make([]int, len(procs))
	oldPrimary := setup.primaryPort(t)
	var failedOver time.Time
	atFailover := 0 // broadcast messages printed when the primary went
	start := time.Now()
	for k := 0; time.Since(start) < 10*time.Second; k++ {
		for i, p := range procs {
			if _, err := io.WriteString(p.stdin, fmt.Sprintf("/as membre%d\n%s\n", i, lines[k%2])); err != nil {
				t.Fatalf("process %d: %v", i, err)
			}
			fed[i]++
		}
		if failedOver.IsZero() && time.Since(start) > 3*time.Second {
			atFailover = delivered(procs, marker)
			failover(t, setup)
			failedOver = time.Now()
		}
		time.Sleep(250 * time.Millisecond) // the members' pace
	}
	bc, counts := waitBroadcastDone(t, store, id, 40*time.Second)
	newPrimary := setup.primaryPort(t)
	if newPrimary == oldPrimary || newPrimary == "" {
		t.Fatalf("the primary did not change (%s before, %s after)", oldPrimary, newPrimary)
	}
	t.Logf("failover from port %s to %s; broadcast: %d printed before the failover, then %v", oldPrimary, newPrimary, atFailover, counts)
	for i, p := range procs {
		if err := p.stop(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}

	// Every message answered exactly once: the language confirmed, or the
	// polite "unavailable" while the primary changed.
	var all []string
	var skipped [][2]string
	for i, p := range procs {
		var replies []string
		for _, l := range p.out {
			if r, ok := strings.CutPrefix(l, "Maillage › "); ok && !strings.Contains(r, text) && !strings.Contains(r, marker) {
				replies = append(replies, r)
			}
		}
		unavailable := 0
		for _, r := range replies {
			switch r {
			case fr("error.unavailable"), en("error.unavailable"):
				unavailable++
			case en("lang.set", "language", "English"), fr("lang.set", "language", "français"):
			default:
				t.Errorf("process %d: unexpected reply %q", i, r)
			}
		}
		t.Logf("process %d: %d messages, %d answers (%d « unavailable »), %d slots delivered", i, fed[i], len(replies), unavailable, len(p.slots))
		if len(replies) != fed[i] {
			t.Errorf("process %d: %d answers to %d messages: some were lost or answered twice", i, len(replies), fed[i])
		}
		if unavailable > fed[i]/4 {
			t.Errorf("process %d: %d « unavailable » answers of %d: the failover took too long", i, unavailable, fed[i])
		}
		// The last messages, well after the failover, were served.
		if n := len(replies); n > 0 && (replies[n-1] == fr("error.unavailable") || replies[n-1] == en("error.unavailable")) {
			t.Errorf("process %d: still unavailable at the end", i)
		}
		if printed := p.count(text); printed != len(p.slots) {
			t.Errorf("process %d printed %d announcements but logged %d", i, printed, len(p.slots))
		}
		all = append(all, p.slots...)
		skipped = append(skipped, p.skipped...)
	}
	// Every slot once, none missed (or, when the primary was killed, none
	// missed without being logged as skipped).
	if !mayMiss {
		skipped = nil
	}
	checkSlotsAccounted(t, all, skipped, 2*time.Second)
	checkBroadcastOnce(t, store, bc, procs, marker, ids, counts)
	if len(all) < 3 {
		t.Errorf("%d slots delivered in 10 s of an @every 2s job: %v", len(all), all)
	}
}
