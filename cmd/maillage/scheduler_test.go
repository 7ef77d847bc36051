package main

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "maillage.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCheckSchedules(t *testing.T) {
	path := writeConfig(t, `schedules:
  - {name: purge, kind: purge, spec: "0 3 * * *"}
  - {name: lettre, kind: purge, spec: "0 25 * * *"}
`)
	r := runMain(t, "", env(), "config", "check", path)
	if r.code != 2 || !strings.Contains(r.errOut, path+":3: schedules[1].spec: \"0 25 * * *\"") {
		t.Errorf("bad spec: exit %d, stderr:\n%s", r.code, r.errOut)
	}
	path = writeConfig(t, `schedules:
  - {name: tours, kind: round, spec: "0 9 * * mon"}
`)
	r = runMain(t, "", env(), "config", "check", path)
	want := "schedules[0].kind: the round job is not available in this version of maillage (available: announcement, digest, purge)"
	if r.code != 2 || !strings.Contains(r.errOut, want) {
		t.Errorf("unavailable kind: exit %d, stderr:\n%s\nwant %q", r.code, r.errOut, want)
	}
	// The same refusal when running.
	r = runMain(t, "", env(), "--config", path, "--data-dir", t.TempDir())
	if r.code != 2 || !strings.Contains(r.errOut, want) {
		t.Errorf("run with an unavailable kind: exit %d, stderr:\n%s", r.code, r.errOut)
	}
}

// A member sets, lists and cancels reminders in the terminal; they are
// still there after a restart.
func TestTerminalReminders(t *testing.T) {
	dir := t.TempDir()
	r := runMain(t, "rappelle-moi dans 3 jours de relire la note\nrappelle-moi dans 4 jours : CODIR\nannuler rappel 1\n", env(), "--data-dir", dir)
	if r.code != 0 || strings.Count(r.out, "C'est noté") != 2 || !strings.Contains(r.out, "Le rappel n° 1") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.out, r.errOut)
	}
	r = runMain(t, "mes rappels\n", env(), "--data-dir", dir)
	if r.code != 0 || !strings.Contains(r.out, "n° 2") || !strings.Contains(r.out, "CODIR") || strings.Contains(r.out, "relire") {
		t.Errorf("after restart, list:\n%s", r.out)
	}
}

// Three maillage processes against one real redis-server run an
// announcement every 2 seconds for 20 seconds: each slot is delivered
// exactly once in total.
func TestThreeProcessesDeliverEachSlotOnce(t *testing.T) {
	url := os.Getenv("MAILLAGE_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MAILLAGE_TEST_REDIS_URL is not set: the three-process test needs a real redis-server in CI")
		}
		t.Skip("MAILLAGE_TEST_REDIS_URL not set: no real redis-server")
	}
	if testing.Short() {
		t.Skip("runs three processes for 20 seconds")
	}
	bin := filepath.Join(t.TempDir(), "maillage")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	prefix := "maillage-3p-" + rand.Text()[:8] + ":"
	t.Cleanup(func() { deleteKeys(t, url, prefix) })
	const text = "Annonce du créneau"
	cfg := writeConfig(t, fmt.Sprintf(`store:
  backend: redis
  redis: {key_prefix: %q}
log: {level: info, format: json}
schedules:
  - name: annonce
    kind: announcement
    spec: "@every 2s"
    target:
      channel: {platform: terminal, workspace: local, id: annonces}
    text: {fr: %q, en: "Slot announcement"}
`, prefix, text))

	type proc struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		lines int      // stdout lines carrying the announcement
		slots []string // slots it logged as sent
		done  sync.WaitGroup
	}
	procs := make([]*proc, 3)
	for i := range procs {
		p := &proc{cmd: exec.Command(bin, "--config", cfg, "--data-dir", t.TempDir())}
		p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MAILLAGE_REDIS_URL=" + url}
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
				if strings.Contains(sc.Text(), text) {
					p.lines++
				}
			}
		})
		p.done.Go(func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				e2eLogs.add(fmt.Sprintf("%s process %d", t.Name(), i), sc.Text())
				var rec struct {
					Msg  string `json:"msg"`
					Slot string `json:"slot"`
				}
				if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "announcement sent to a channel" {
					p.slots = append(p.slots, rec.Slot)
				} else if !strings.Contains(sc.Text(), `"level":"INFO"`) {
					t.Logf("process %d: %s", i, sc.Text())
				}
			}
		})
		procs[i] = p
	}
	// The test's duration, not a wait for a timer: the processes keep
	// their input open and work on their own clocks meanwhile.
	time.Sleep(20 * time.Second)
	for i, p := range procs {
		_ = p.stdin.Close() // end of input: the process stops cleanly
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
		p.done.Wait()
	}

	var all []string
	lines := 0
	for i, p := range procs {
		t.Logf("process %d delivered %d slots", i, len(p.slots))
		all = append(all, p.slots...)
		lines += p.lines
		if p.lines != len(p.slots) {
			t.Errorf("process %d printed %d announcements but logged %d", i, p.lines, len(p.slots))
		}
	}
	slices.Sort(all)
	if n := len(slices.Compact(slices.Clone(all))); n != len(all) {
		t.Errorf("%d deliveries for %d distinct slots: some slot was delivered twice: %v", len(all), n, all)
	}
	if len(all) < 8 || len(all) > 11 {
		t.Errorf("%d slots delivered in 20 s of an @every 2s job, want about 10: %v", len(all), all)
	}
	for i := 1; i < len(all); i++ {
		a, err1 := time.Parse(time.RFC3339, all[i-1])
		b, err2 := time.Parse(time.RFC3339, all[i])
		if err1 != nil || err2 != nil || b.Sub(a) != 2*time.Second {
			t.Errorf("slots %s and %s: want consecutive slots 2 s apart (none missed)", all[i-1], all[i])
		}
	}
	if lines != len(all) {
		t.Errorf("printed %d announcements in total, want %d", lines, len(all))
	}
}
