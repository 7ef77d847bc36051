package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// storeCalls sums the store calls the metrics have counted.
func storeCalls(t *testing.T, metricsURL string) int {
	t.Helper()
	_, body := get(t, metricsURL)
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^maillage_store_seconds_count\{[^}]*\} (\d+)$`).FindAllStringSubmatch(body, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

// cpuTime is the CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Redis goes away while the bot runs: members get the polite "unavailable"
// answer, /readyz turns red, the bot neither crashes nor spins; when Redis
// comes back, everything works again within 5 s.
// The terminal member is told once per outage, however many messages
// they send. It runs on miniredis and, when MAILLAGE_TEST_REDIS_SERVER
// names one (as in CI), on a real redis-server killed and restarted.
func TestRedisDownThenBack(t *testing.T) {
	t.Run("miniredis", func(t *testing.T) {
		srv := miniredis.RunT(t)
		redisDownThenBack(t, srv.Addr(), srv.Close, func() error { return srv.Restart() })
	})
	t.Run("redis-server", func(t *testing.T) {
		bin := os.Getenv(redisServerEnv)
		if bin == "" {
			t.Skipf("%s is not set", redisServerEnv)
		}
		port, dir := freePort(t), t.TempDir()
		srv := startAOFRedis(t, bin, port, dir)
		redisDownThenBack(t, fmt.Sprintf("127.0.0.1:%d", port), func() {
			_ = srv.Process.Kill()
			_ = srv.Wait()
		}, func() error {
			startAOFRedis(t, bin, port, dir)
			return nil
		})
	})
}

func redisDownThenBack(t *testing.T, redisAddr string, stop func(), restart func() error) {
	addr := freeAddr(t)
	feed, out, code := startInProcess(t, env("MAILLAGE_REDIS_URL", "redis://"+redisAddr+"/0",
		"MAILLAGE_HTTP_LISTEN", addr, "MAILLAGE_LOG_LEVEL", "info"), "--data-dir", t.TempDir())
	base := "http://" + addr
	waitStatus(t, base+"/readyz", 200)
	say := func(text, want string) {
		t.Helper()
		before := strings.Count(out.String(), want)
		if _, err := io.WriteString(feed, text+"\n"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), want) == before {
			if time.Now().After(deadline) {
				t.Fatalf("no %q after %q; output:\n%s", want, text, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	say("aide", fr("help.header"))

	stop()
	say("aide", fr("error.unavailable"))
	// A second message in the same outage brings no second notice: its
	// answer would come before the help below.
	if _, err := io.WriteString(feed, "profil\n"); err != nil {
		t.Fatal(err)
	}
	body := waitStatus(t, base+"/readyz", 503)
	if !strings.Contains(body, "store:") {
		t.Errorf("/readyz while Redis is down: %q, want the store named", body)
	}

	// Idle with Redis down: a bounded number of store calls (the scheduler
	// wakes every 5 s at most) and little CPU. This observes the bot for
	// three seconds; it waits for no timer of its own.
	calls, cpu := storeCalls(t, base+"/metrics"), cpuTime(t)
	time.Sleep(3 * time.Second)
	calls, cpu = storeCalls(t, base+"/metrics")-calls, cpuTime(t)-cpu
	t.Logf("Redis down, 3 s idle: %d store calls, %v CPU", calls, cpu)
	if calls > 20 {
		t.Errorf("%d store calls in 3 s with Redis down: the bot retries without backing off", calls)
	}
	if cpu > time.Second {
		t.Errorf("%v of CPU in 3 s with Redis down: something spins", cpu)
	}
	select {
	case c := <-code:
		t.Fatalf("the bot exited (%d) while Redis was down", c)
	default:
	}

	back := time.Now()
	if err := restart(); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, base+"/readyz", 200)
	say("aide", fr("help.header"))
	if n := strings.Count(out.String(), fr("error.unavailable")); n != 1 {
		t.Errorf("told %d times that the service is unavailable during one outage, want once", n)
	}
	if took := time.Since(back); took > 5*time.Second {
		t.Errorf("service back %v after Redis, want within 5 s", took)
	} else {
		t.Logf("service back %v after Redis", took.Round(time.Millisecond))
	}
}
