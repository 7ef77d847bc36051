package main

import (
	"io"
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
func TestRedisDownThenBack(t *testing.T) {
	srv := miniredis.RunT(t)
	addr := freeAddr(t)
	feed, out, code := startInProcess(t, env("MAILLAGE_REDIS_URL", "redis://"+srv.Addr()+"/0",
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

	srv.Close()
	say("aide", fr("error.unavailable"))
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
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, base+"/readyz", 200)
	say("aide", fr("help.header"))
	if took := time.Since(back); took > 5*time.Second {
		t.Errorf("service back %v after Redis, want within 5 s", took)
	} else {
		t.Logf("service back %v after Redis", took.Round(time.Millisecond))
	}
}
