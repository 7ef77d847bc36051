package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
)

// loadTestEnv sets the number of members of the load test (default 1,000);
// the README's "Exploitation" section gives its figures.
const loadTestEnv = "MAILLAGE_LOAD_MEMBERS"

// loadQueueEnv sets the replicas' chat.slack.queue in the load test
// (default 2048; the product's default is 256).
const loadQueueEnv = "MAILLAGE_LOAD_QUEUE"

// Three replicas on one Redis receive 1,000 new members at once through
// the Events API of the fake Slack (each event signed, spread over the
// replicas as a load balancer would): every member says bonjour, then
// names their collectivity. The test reports the handling latency (from
// the event's delivery to the answer's arrival at Slack) at p50 and p99,
// and the memory used per 1,000 members, in Redis and in each replica.
func TestLoadThreeReplicasThousandMembers(t *testing.T) {
	url := os.Getenv("MAILLAGE_TEST_REDIS_URL")
	if url == "" {
		t.Skip("MAILLAGE_TEST_REDIS_URL is not set: the load test needs a real redis-server")
	}
	if testing.Short() {
		t.Skip("three replicas and a thousand members")
	}
	members := 1000
	if n, err := strconv.Atoi(os.Getenv(loadTestEnv)); err == nil && n > 1 {
		members = n
	}
	queue := 2048
	if n, err := strconv.Atoi(os.Getenv(loadQueueEnv)); err == nil && n > 0 {
		queue = n
	}
	bin := maillageBinary(t)
	fake := slacktest.New(time.Second)
	defer fake.Close()
	for i := range members {
		fake.AddUser(slacktest.User{ID: fmt.Sprintf("U%06d", i), Name: fmt.Sprintf("m%d", i), Locale: "fr-FR", TZ: "Europe/Paris"})
	}
	prefix := "maillage-load-" + rand.Text()[:8] + ":"
	t.Cleanup(func() { deleteKeys(t, url, prefix) })
	cfg := writeConfig(t, fmt.Sprintf(`store:
  backend: redis
  redis: {key_prefix: %q}
chat:
  adapters: [slack]
  slack: {workers: 8, queue: %d}
log: {level: warn, format: json}
schedules: []
`, prefix, queue))
	const replicas = 3
	addrs := make([]string, replicas)
	for i := range addrs {
		addrs[i] = freeAddr(t)
		cmd := exec.Command(bin, "--config", cfg, "--data-dir", t.TempDir())
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MAILLAGE_REDIS_URL=" + url,
			"MAILLAGE_SLACK_BOT_TOKEN=" + slacktest.BotToken, "MAILLAGE_SLACK_SIGNING_SECRET=" + e2eSigningSecret,
			"MAILLAGE_SLACK_API_URL=" + fake.URL(), "MAILLAGE_HTTP_LISTEN=" + addrs[i]}
		startLogged(t, cmd, fmt.Sprintf("%s replica %d", t.Name(), i))
	}
	for _, a := range addrs {
		waitStatus(t, "http://"+a+"/readyz", 200)
	}
	rdb := redisClient(t, url)
	defer rdb.Close()
	usedMemory := func() int64 {
		info, err := rdb.Info(context.Background(), "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`used_memory:(\d+)`).FindStringSubmatch(info)
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	heap := func(addr string) int64 {
		_, body := get(t, "http://"+addr+"/metrics")
		m := regexp.MustCompile(`(?m)^go_memstats_heap_inuse_bytes (\S+)$`).FindStringSubmatch(body)
		f, _ := strconv.ParseFloat(m[1], 64)
		return int64(f)
	}
	redisBefore := usedMemory()
	heapBefore := make([]int64, replicas)
	for i, a := range addrs {
		heapBefore[i] = heap(a)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	refused := 0
	var refusedMu sync.Mutex
	// step sends one message from every member at once and returns, per
	// member, when its event was delivered to a replica.
	step := func(name string, seq int, text func(i int) string) map[string]time.Time {
		sent := make(map[string]time.Time, members)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range members {
			wg.Go(func() {
				body := slacktest.MessageIM(fmt.Sprintf("Ev%s%06d", name, i), fmt.Sprintf("U%06d", i),
					fmt.Sprintf("D%06d", i), text(i), fmt.Sprintf("17%02d%06d.000100", seq, i))
				for attempt := 0; ; attempt++ {
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addrs[(i+attempt)%replicas]+"/slack/events", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					slacktest.Sign(req.Header, e2eSigningSecret, time.Now(), body)
					at := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						t.Errorf("delivering %s to member %d: %v", name, i, err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						mu.Lock()
						sent[fmt.Sprintf("D%06d", i)] = at
						mu.Unlock()
						return
					}
					// 503: the replica's queue is full; Slack retries (here
					// at once, on the next replica).
					refusedMu.Lock()
					refused++
					refusedMu.Unlock()
				}
			})
		}
		wg.Wait()
		return sent
	}
	// latencies waits for the first post in every member's DM after the
	// member's event and returns the sorted latencies.
	latencies := func(sent map[string]time.Time, after int) ([]time.Duration, int) {
		deadline := time.Now().Add(3 * time.Minute)
		for {
			posts := fake.Posts()[after:]
			first := map[string]time.Time{}
			for _, p := range posts {
				if at, ok := sent[p.Channel]; ok && !p.Received.Before(at) {
					if _, seen := first[p.Channel]; !seen {
						first[p.Channel] = p.Received
					}
				}
			}
			if len(first) == len(sent) || time.Now().After(deadline) {
				out := make([]time.Duration, 0, len(first))
				for ch, at := range first {
					out = append(out, at.Sub(sent[ch]))
				}
				slices.Sort(out)
				if len(first) < len(sent) {
					t.Errorf("%d of %d members answered within 3 minutes", len(first), len(sent))
				}
				return out, len(fake.Posts())
			}
			time.Sleep(50 * time.Millisecond) // polling the fake's record of posts
		}
	}
	pct := func(d []time.Duration, p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[min(len(d)-1, int(float64(len(d))*p))]
	}

	start := time.Now()
	sent := step("HELLO", 1, func(int) string { return "bonjour" })
	hello, posts := latencies(sent, 0)
	helloWall := time.Since(start)
	start = time.Now()
	sent = step("COLL", 2, func(int) string { return "je suis DGS de Saint-Pierre-du-Perray" })
	coll, _ := latencies(sent, posts)
	collWall := time.Since(start)

	redisPer1000 := float64(usedMemory()-redisBefore) / float64(members) * 1000
	t.Logf("%d members, %d replicas, %d events refused (queue full) and redelivered", members, replicas, refused)
	t.Logf("bonjour (greeting, onboarding starts): p50 %v, p99 %v, max %v; all answered in %v",
		pct(hello, .5).Round(time.Millisecond), pct(hello, .99).Round(time.Millisecond), pct(hello, 1).Round(time.Millisecond), helloWall.Round(time.Millisecond))
	t.Logf("collectivity (territory lookup, confirmation): p50 %v, p99 %v, max %v; all answered in %v",
		pct(coll, .5).Round(time.Millisecond), pct(coll, .99).Round(time.Millisecond), pct(coll, 1).Round(time.Millisecond), collWall.Round(time.Millisecond))
	t.Logf("Redis: %.0f KiB per 1,000 members", redisPer1000/1024)
	var heaps []string
	for i, a := range addrs {
		heaps = append(heaps, fmt.Sprintf("%.1f MiB (+%.1f)", float64(heap(a))/(1<<20), float64(heap(a)-heapBefore[i])/(1<<20)))
	}
	t.Logf("replicas' Go heap in use after the load: %s", strings.Join(heaps, ", "))
	if len(hello) != members || len(coll) != members {
		t.Errorf("answered %d then %d of %d members", len(hello), len(coll), members)
	}
}
