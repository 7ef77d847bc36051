package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// botProc is a maillage process on the terminal adapter, fed through a
// pipe, whose output lines and announced slots the test reads.
type botProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   []string // stdout lines
	slots []string // slots of the announcements it logged as sent
	// skipped are the slots it logged as missed and skipped (first and
	// last of each run of them), after an outage of the store.
	skipped [][2]string
	// finished are the audit records of the broadcasts it finished (or
	// the final counts of those cancelled).
	finished []map[string]any
	done     sync.WaitGroup
}

// startBotProc starts bin with args and the environment env (PATH added);
// its JSON logs join e2eLogs under name, and lines other than INFO are
// shown in the test's log.
func startBotProc(t *testing.T, name, bin string, env []string, args ...string) *botProc {
	t.Helper()
	p := &botProc{cmd: exec.Command(bin, args...)}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	p.done.Go(func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out = append(p.out, sc.Text())
			p.mu.Unlock()
		}
	})
	p.done.Go(func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			e2eLogs.add(name, sc.Text())
			var rec struct {
				Msg   string `json:"msg"`
				Slot  string `json:"slot"`
				First string `json:"first"`
				Last  string `json:"last"`
			}
			ok := json.Unmarshal(sc.Bytes(), &rec) == nil
			if ok && rec.Msg == "missed slots skipped" {
				p.mu.Lock()
				p.skipped = append(p.skipped, [2]string{rec.First, rec.Last})
				p.mu.Unlock()
			}
			if ok && (rec.Msg == "broadcast finished" || rec.Msg == "broadcast cancelled, final counts") {
				var audit map[string]any
				if json.Unmarshal(sc.Bytes(), &audit) == nil {
					p.mu.Lock()
					p.finished = append(p.finished, audit)
					p.mu.Unlock()
				}
			}
			if ok && rec.Msg == "announcement sent to a channel" {
				p.mu.Lock()
				p.slots = append(p.slots, rec.Slot)
				p.mu.Unlock()
			} else if !strings.Contains(sc.Text(), `"level":"INFO"`) {
				t.Logf("%s: %s", name, sc.Text())
			}
		}
	})
	return p
}

// stop ends the input (the process then stops cleanly) and waits for it.
func (p *botProc) stop() error {
	_ = p.stdin.Close()
	err := p.cmd.Wait()
	p.done.Wait()
	return err
}

// count returns how many output lines contain s.
func (p *botProc) count(s string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.out {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// checkSlotsOnce checks that the slots (RFC 3339) delivered by all the
// processes are distinct and consecutive, every apart: each slot once,
// none missed.
func checkSlotsOnce(t *testing.T, all []string, every time.Duration) {
	t.Helper()
	checkSlotsAccounted(t, all, nil, every)
}

// checkSlotsAccounted is checkSlotsOnce where a gap between delivered slots
// is allowed when a process logged exactly those slots as missed and
// skipped (the scheduler's rule after an outage: only the newest missed
// slot runs): each slot once, and none lost silently.
func checkSlotsAccounted(t *testing.T, all []string, skipped [][2]string, every time.Duration) {
	t.Helper()
	all = slices.Sorted(slices.Values(all))
	if n := len(slices.Compact(slices.Clone(all))); n != len(all) {
		t.Errorf("%d deliveries for %d distinct slots: some slot was delivered twice: %v", len(all), n, all)
	}
	isSkipped := func(a, b time.Time) bool {
		for _, s := range skipped {
			first, err1 := time.Parse(time.RFC3339, s[0])
			last, err2 := time.Parse(time.RFC3339, s[1])
			if err1 == nil && err2 == nil && first.Equal(a.Add(every)) && last.Equal(b.Add(-every)) {
				return true
			}
		}
		return false
	}
	for i := 1; i < len(all); i++ {
		a, err1 := time.Parse(time.RFC3339, all[i-1])
		b, err2 := time.Parse(time.RFC3339, all[i])
		if err1 != nil || err2 != nil || (b.Sub(a) != every && !isSkipped(a, b)) {
			t.Errorf("slots %s and %s: want consecutive slots %v apart, or the slots between logged as skipped (none lost silently); skipped: %v", all[i-1], all[i], every, skipped)
		}
	}
}

// announcementConfig is the configuration of the multi-process tests: the
// Redis store under prefix, JSON logs, and an announcement to a terminal
// channel every period.
func announcementConfig(t *testing.T, prefix, extra, every, text string) string {
	return writeConfig(t, fmt.Sprintf(`store:
  backend: redis
  redis: {key_prefix: %q}
log: {level: info, format: json}
%sschedules:
  - name: annonce
    kind: announcement
    spec: "@every %s"
    target:
      channel: {platform: terminal, workspace: local, id: annonces}
    text: {fr: %q, en: "Slot announcement"}
`, prefix, extra, every, text))
}
