package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	// Every kind the configuration knows is available in this version:
	// rounds and follow-ups included.
	path = writeConfig(t, `schedules:
  - {name: tours, kind: round, spec: "0 9 * * mon"}
  - {name: suivi, kind: followup, spec: "0 10 * * *"}
`)
	r = runMain(t, "", env(), "config", "check", path)
	if r.code != 0 {
		t.Errorf("round and followup jobs: exit %d, stderr:\n%s", r.code, r.errOut)
	}
	path = writeConfig(t, `schedules:
  - {name: loterie, kind: lottery, spec: "0 9 * * mon"}
`)
	r = runMain(t, "", env(), "config", "check", path)
	want := `schedules[0].kind: must be one of announcement, purge, digest, round, followup, summary, got "lottery"`
	if r.code != 2 || !strings.Contains(r.errOut, want) {
		t.Errorf("unknown kind: exit %d, stderr:\n%s\nwant %q", r.code, r.errOut, want)
	}
	// The same refusal when running.
	r = runMain(t, "", env(), "--config", path, "--data-dir", t.TempDir())
	if r.code != 2 || !strings.Contains(r.errOut, want) {
		t.Errorf("run with an unknown kind: exit %d, stderr:\n%s", r.code, r.errOut)
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
	cfg := announcementConfig(t, prefix, "", "2s", text)

	procs := make([]*botProc, 3)
	for i := range procs {
		procs[i] = startBotProc(t, fmt.Sprintf("%s process %d", t.Name(), i), bin,
			[]string{"MAILLAGE_REDIS_URL=" + url}, "--config", cfg, "--data-dir", t.TempDir())
	}
	// The test's duration, not a wait for a timer: the processes keep
	// their input open and work on their own clocks meanwhile.
	time.Sleep(20 * time.Second)
	for i, p := range procs {
		if err := p.stop(); err != nil { // end of input: the process stops cleanly
			t.Errorf("process %d: %v", i, err)
		}
	}

	var all []string
	lines := 0
	for i, p := range procs {
		t.Logf("process %d delivered %d slots", i, len(p.slots))
		all = append(all, p.slots...)
		printed := p.count(text)
		lines += printed
		if printed != len(p.slots) {
			t.Errorf("process %d printed %d announcements but logged %d", i, printed, len(p.slots))
		}
	}
	checkSlotsOnce(t, all, 2*time.Second)
	if len(all) < 8 || len(all) > 11 {
		t.Errorf("%d slots delivered in 20 s of an @every 2s job, want about 10: %v", len(all), all)
	}
	if lines != len(all) {
		t.Errorf("printed %d announcements in total, want %d", lines, len(all))
	}
}
