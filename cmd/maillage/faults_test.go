package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	redisstore "github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
)

// startAOFRedis runs redis-server on port with its data in dir, every write
// appended to the AOF and fsynced before the answer, until the test ends
// (or the caller kills it), and waits until it answers PING.
func startAOFRedis(t *testing.T, bin string, port int, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	return startRedisCmd(t, cmd, port)
}

// seedTerminalMembers stores n onboarded members of the terminal adapter
// (m0000, m0001...) and returns their ids.
func seedTerminalMembers(t *testing.T, store bot.Store, n int) []string {
	t.Helper()
	ids := make([]string, n)
	now := time.Now()
	for i := range n {
		ids[i] = fmt.Sprintf("m%04d", i)
		m := bot.Member{Ref: bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: ids[i]},
			Name: fmt.Sprintf("Prénom%d Nom", i), Role: "dgs", Onboarded: now,
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: fmt.Sprintf("Commune %d", i), Population: 1000 + i, Departement: "29", Region: "53"}}
		if err := store.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// broadcastDeliveries counts, in a terminal adapter's output, the direct
// messages holding marker, per recipient: the adapter prints a header
// naming the recipient ("→ À m0001 :"), then the message.
func broadcastDeliveries(lines []string, marker string, into map[string]int) {
	head, tail, _ := strings.Cut(fr("terminal.header.direct", "user", "\x00"), "\x00")
	to := ""
	for _, l := range lines {
		if u, ok := strings.CutPrefix(l, head); ok && strings.HasSuffix(u, tail) {
			to = strings.TrimSuffix(u, tail)
			continue
		}
		if to != "" && strings.Contains(l, marker) {
			into[to]++
		}
		to = ""
	}
}

// delivered is the number of broadcast messages the processes printed.
func delivered(procs []*botProc, marker string) int {
	n := 0
	for _, p := range procs {
		n += p.count(marker)
	}
	return n
}

// waitFor polls cond until it holds, or fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond) // the processes run on real time: poll their output
	}
}

// Three replicas on one real redis-server (AOF fsynced at every write)
// share a broadcast to 600 members on the terminal adapter; one replica
// is killed (SIGKILL) part-way, then redis-server is killed and restarted
// on the same port and data. Nothing is lost, nothing is sent twice:
// every recipient recorded "sent" was printed exactly once across the
// replicas' outputs, a post whose outcome the crash made unknown is
// reported "unknown" and printed at most once, and the final audit
// (and `maillage broadcast status`) accounts for every recipient.
func TestBroadcastSurvivesReplicaKillAndRedisRestart(t *testing.T) {
	redisBin := redisServerBinary(t)
	bin := maillageBinary(t)
	t.Parallel() // its own servers and ports; the processes mostly wait
	const members = 600
	const marker = "Rencontre régionale des DGS"
	port := freePort(t)
	dataDir := t.TempDir()
	srv := startAOFRedis(t, redisBin, port, dataDir)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	prefix := "maillage-faults-" + rand.Text()[:8] + ":"
	store, err := redisstore.Open(context.Background(), url, redisstore.Options{KeyPrefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids := seedTerminalMembers(t, store, members)

	// 100 messages a second for the three replicas: about 6 s of sending.
	// Short leases and reconcile delay, so that the dead replica's batch
	// is taken over within seconds.
	addrs := make([]string, 3)
	cfgs := make([]string, 3)
	for i := range cfgs {
		addrs[i] = freeAddr(t)
		cfgs[i] = writeConfig(t, fmt.Sprintf(`store:
  backend: redis
  redis: {key_prefix: %q}
log: {level: info, format: json}
http: {listen: %q}
rate_limit: {per_minute: 0}
broadcasts:
  approval_threshold: 10000
  batch_size: 25
  batch_lease: 3s
  reconcile_after: 2s
  pace:
    terminal: {posts_per_minute: 6000, post_burst: 5}
`, prefix, addrs[i]))
	}
	redisEnv := []string{"MAILLAGE_REDIS_URL=" + url}
	procs := make([]*botProc, 3)
	for i := range procs {
		procs[i] = startBotProc(t, fmt.Sprintf("%s replica %d", t.Name(), i), bin, redisEnv,
			"--config", cfgs[i], "--data-dir", t.TempDir())
	}

	id := sendBroadcast(t, bin, cfgs[0], redisEnv, "Bonjour {prenom}. "+marker+" à Quimper le jeudi 3 décembre.\n")
	start := time.Now()

	// The survivors' /metrics, read all along, show the broadcast's
	// progress while it runs.
	gauge := regexp.MustCompile(`maillage_broadcast_recipients\{broadcast="` + regexp.QuoteMeta(id) + `",state="sent"\} (\d+)`)
	seen := make(chan int, 1)
	stopScrape := make(chan struct{})
	go func() {
		most := 0
		defer func() { seen <- most }()
		for {
			select {
			case <-stopScrape:
				return
			case <-time.After(50 * time.Millisecond): // a scraper's interval
			}
			for _, a := range addrs[1:] {
				if m := scrape("http://" + a + "/metrics"); gauge.MatchString(m) {
					n, _ := strconv.Atoi(gauge.FindStringSubmatch(m)[1])
					most = max(most, n)
				}
			}
		}
	}()

	// Replica 0 dies after about a quarter, once all three are sending.
	waitFor(t, 30*time.Second, "the three replicas did not reach 150 members", func() bool {
		return delivered(procs, marker) >= 150 && procs[0].count(marker) > 0 && procs[1].count(marker) > 0 && procs[2].count(marker) > 0
	})
	if err := procs[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = procs[0].cmd.Wait()
	procs[0].done.Wait()
	atKill := delivered(procs, marker)

	// redis-server dies at about half, and restarts on the same data.
	waitFor(t, 30*time.Second, "the broadcast did not reach 300 members", func() bool { return delivered(procs, marker) >= 300 })
	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	atRestart := delivered(procs, marker)
	down := time.Now()
	startAOFRedis(t, redisBin, port, dataDir)
	t.Logf("replica 0 killed at %d delivered, redis-server killed at %d and back in %v", atKill, atRestart, time.Since(down).Round(time.Millisecond))

	bc, counts := waitBroadcastDone(t, store, id, 60*time.Second)
	took := time.Since(start)
	close(stopScrape)
	if most := <-seen; most == 0 || most > members {
		t.Errorf("the survivors' /metrics showed at most %d sent while the broadcast ran, want a count between 1 and %d", most, members)
	} else {
		t.Logf("/metrics during the broadcast: up to %d sent", most)
	}
	// The survivors end their /metrics series: the counter of messages
	// sent reaches the store's count.
	wantOK := fmt.Sprintf(`maillage_broadcast_messages_total{result="ok"} %d`, counts[bot.RecipientSent])
	waitFor(t, 15*time.Second, "/metrics of replica 1 never showed "+wantOK, func() bool {
		_, m := get(t, "http://"+addrs[1]+"/metrics")
		return strings.Contains(m, wantOK) && !strings.Contains(m, fmt.Sprintf("broadcast=%q", id))
	})
	for i, p := range procs[1:] {
		if err := p.stop(); err != nil {
			t.Errorf("replica %d: %v", i+1, err)
		}
	}

	checkBroadcastOnce(t, store, bc, procs, marker, ids, counts)
	status := exec.Command(bin, "broadcast", "--config", cfgs[0], "status", id)
	status.Env = append([]string{"PATH=/usr/bin:/bin"}, redisEnv...)
	report, err := status.Output()
	if err != nil || !strings.Contains(string(report), fr("broadcasts.report_sent", "count", strconv.Itoa(counts[bot.RecipientSent]))) {
		t.Errorf("maillage broadcast status: %v\n%s", err, report)
	}
	t.Logf("%d members: %d sent (printed once each), %d unknown, in %v with one replica killed and redis-server restarted; per replica: %d, %d, %d printed",
		members, counts[bot.RecipientSent], counts[bot.RecipientUnknown], took.Round(100*time.Millisecond),
		procs[0].count(marker), procs[1].count(marker), procs[2].count(marker))
}

// checkBroadcastOnce checks a finished broadcast to (at least) the members
// ids against what the processes printed: each recipient recorded sent was
// printed exactly once, one whose outcome is unknown (a post caught by a
// crash) at most once, nobody twice; and the one final audit line gives
// the store's counts.
func checkBroadcastOnce(t *testing.T, store bot.Store, bc bot.Broadcast, procs []*botProc, marker string, ids []string, counts map[bot.RecipientStatus]int) {
	t.Helper()
	got := map[string]int{}
	for _, p := range procs {
		p.mu.Lock()
		broadcastDeliveries(p.out, marker, got)
		p.mu.Unlock()
	}
	recs, err := store.Recipients(context.Background(), bc.ID, 0, bc.Total)
	if err != nil {
		t.Fatal(err)
	}
	if bc.State != bot.BroadcastDone || len(recs) != bc.Total || bc.Total < len(ids) {
		t.Fatalf("broadcast %s with %d recipients (%d read), want done with %d at least", bc.State, bc.Total, len(recs), len(ids))
	}
	listed := map[string]bool{}
	for _, r := range recs {
		u := r.Ref.User
		listed[u] = true
		switch n := got[u]; r.Status {
		case bot.RecipientSent:
			if n != 1 {
				t.Errorf("%s recorded sent, printed %d times", u, n)
			}
		case bot.RecipientUnknown:
			if n > 1 {
				t.Errorf("%s of unknown outcome printed %d times", u, n)
			}
			t.Logf("%s: outcome unknown (%s), printed %d time(s)", u, r.Reason, n)
		case bot.RecipientSkipped: // not onboarded (met the bot in the test), opted out
			if n != 0 {
				t.Errorf("%s skipped (%s), printed %d times", u, r.Reason, n)
			}
		default:
			t.Errorf("%s: status %s (%s), printed %d times; want sent, or unknown after a crash", u, r.Status, r.Reason, n)
		}
	}
	for _, u := range ids {
		if !listed[u] {
			t.Errorf("member %s is not among the recipients", u)
		}
	}
	for u, n := range got {
		if !listed[u] || n > 1 {
			t.Errorf("%s printed %d times (recipient: %v)", u, n, listed[u])
		}
	}
	// The final audit, logged once by the replica that finished it.
	var audits []map[string]any
	for _, p := range procs {
		p.mu.Lock()
		audits = append(audits, p.finished...)
		p.mu.Unlock()
	}
	if len(audits) != 1 {
		t.Fatalf("%d final audit lines, want 1: %v", len(audits), audits)
	}
	for _, s := range []bot.RecipientStatus{bot.RecipientSent, bot.RecipientUnknown} {
		if v, _ := audits[0][string(s)].(float64); int(v) != counts[s] {
			t.Errorf("final audit: %s %v, want %d", s, audits[0][string(s)], counts[s])
		}
	}
	if counts[bot.RecipientSent]+counts[bot.RecipientUnknown]+counts[bot.RecipientSkipped] != bc.Total {
		t.Errorf("final counts %v do not account for the %d recipients", counts, bc.Total)
	}
}

// sendBroadcast stores a broadcast of text (urgent: at any hour) with
// `maillage broadcast --send`, as an operator does, and returns its id.
func sendBroadcast(t *testing.T, bin, cfg string, env []string, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "texte.txt")
	writeFile(t, file, text)
	send := exec.Command(bin, "broadcast", "--config", cfg, "--operator", "exploitation", "--text-fr", file, "--urgent", "--send")
	send.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	var errOut strings.Builder
	send.Stderr = &errOut
	out, err := send.Output() // the logs go to standard error
	id := regexp.MustCompile(`\d{4}-[0-9a-z]+`).FindString(string(out))
	if err != nil || id == "" {
		t.Fatalf("maillage broadcast --send: %v\n%s%s", err, out, errOut.String())
	}
	return id
}

// waitBroadcastDone polls the store until broadcast id is done or
// cancelled (the store may be unreachable for a while meanwhile), and
// returns it with its counts.
func waitBroadcastDone(t *testing.T, store bot.Store, id string, timeout time.Duration) (bot.Broadcast, map[bot.RecipientStatus]int) {
	t.Helper()
	var bc bot.Broadcast
	var err error
	deadline := time.Now().Add(timeout)
	for {
		bc, err = store.Broadcast(context.Background(), id)
		if err == nil && bc.State.Final() {
			break
		}
		if time.Now().After(deadline) {
			counts, cerr := store.RecipientCounts(context.Background(), id)
			t.Fatalf("after %v: broadcast %s %s (%v), recipients %v (%v)", timeout, id, bc.State, err, counts, cerr)
		}
		time.Sleep(20 * time.Millisecond) // the processes run on real time: poll the store
	}
	counts, err := store.RecipientCounts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return bc, counts
}

// scrape returns the body at url, or "" when it cannot be read (a
// scraper's view: a missed scrape is no error).
func scrape(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
