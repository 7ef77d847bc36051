package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/storetest"
	"github.com/sndgct/maillage/internal/fakeclock"
	bbolt "go.etcd.io/bbolt"
)

// fakeClock is a bot.Clock that moves only when told.
type fakeClock = fakeclock.Clock

func newFakeClock() *fakeClock {
	return fakeclock.New(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
}

func openTest(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s) error: %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() error: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		clock := newFakeClock()
		s := openTest(t, filepath.Join(t.TempDir(), "maillage.db"), Options{Clock: clock})
		return storetest.Harness{Store: s, Now: clock.Now, Advance: clock.Advance}
	})
}

// Every call of a bot.Store method, and of Purge, reaches the observer.
func TestObserved(t *testing.T) {
	storetest.Observed(t, func(t *testing.T, obs bot.StoreObserver) bot.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "maillage.db"), Options{Clock: newFakeClock(), Observer: obs})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sub", "maillage.db")
	openTest(t, path, Options{})
	for _, tt := range []struct {
		path string
		want os.FileMode
	}{
		{filepath.Dir(path), 0o700},
		{path, 0o600},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatalf("Stat(%s) error: %v", tt.path, err)
		}
		// The umask may only remove bits.
		if got := fi.Mode().Perm(); got&^tt.want != 0 {
			t.Errorf("mode of %s = %v, want at most %v", tt.path, got, tt.want)
		}
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(t.Context(), "", Options{}); err == nil {
		t.Errorf("Open(\"\") error = nil, want an error")
	}
}

func TestOpenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Open(ctx, filepath.Join(t.TempDir(), "maillage.db"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open(canceled) error = %v, want context.Canceled", err)
	}
}

func TestOpenLockedInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillage.db")
	openTest(t, path, Options{})
	s, err := Open(t.Context(), path, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		_ = s.Close()
		t.Fatalf("second Open(%s) error = nil, want ErrLocked", path)
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second Open error = %v, want an error wrapping ErrLocked", err)
	}
	want := path + " is already in use by another process (another maillage running?)"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("second Open error = %q, want it to contain %q", err, want)
	}
}

// lockChildEnv names the file the child process tries to open.
const lockChildEnv = "MAILLAGE_BOLT_LOCK_CHILD"

// TestLockChild is the child side of TestOpenLockedAcrossProcesses; it does
// nothing unless started by it.
func TestLockChild(t *testing.T) {
	path := os.Getenv(lockChildEnv)
	if path == "" {
		t.Skip("only runs as the child process of TestOpenLockedAcrossProcesses")
	}
	s, err := Open(context.Background(), path, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		_ = s.Close()
		t.Fatalf("child: Open(%s) error = nil, want ErrLocked", path)
	}
	fmt.Printf("child open error: %v\n", err)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("child: Open error = %v, want an error wrapping ErrLocked", err)
	}
}

func TestOpenLockedAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillage.db")
	openTest(t, path, Options{})

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("child process failed: %v\n%s", err, out.String())
	}
	want := path + " is already in use by another process (another maillage running?)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("child output does not contain %q:\n%s", want, out.String())
	}
	if strings.Contains(out.String(), "SKIP") {
		t.Errorf("child skipped its test:\n%s", out.String())
	}
}

func TestOpenAfterCloseReleasesLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillage.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}
	openTest(t, path, Options{LockTimeout: 200 * time.Millisecond})
}

func TestOpenCorruptFile(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
	}{
		{"text", []byte("this is not a database\n")},
		{"zeros", make([]byte, 64<<10)},
		{"yaml", bytes.Repeat([]byte("store:\n  path: maillage.db\n"), 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "maillage.db")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(t.Context(), path, Options{LockTimeout: 200 * time.Millisecond})
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%s) error = nil, want an error", tt.name)
			}
			t.Logf("Open error: %v", err)
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Open error = %q, want it to name %s", err, path)
			}
			if errors.Is(err, ErrLocked) {
				t.Errorf("Open error = %v, want not ErrLocked", err)
			}
		})
	}
}

func TestOpenForeignBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillage.db")
	s := openTest(t, path, Options{})
	// Pretend a future version wrote the file.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("99"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path, Options{})
	if err == nil {
		_ = s2.Close()
		t.Fatalf("Open(schema 99) error = nil, want an error")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"99"`) {
		t.Errorf("Open(schema 99) error = %q, want it to name the file and the version", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "maillage.db")
	clock := newFakeClock()
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"}
	want := bot.Member{Ref: ref, Language: bot.English, Created: clock.Now(), Updated: clock.Now()}

	s, err := Open(ctx, path, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{
		s.SaveMember(ctx, want),
		s.SaveDialogue(ctx, bot.Dialogue{Member: ref, Kind: "lang", Expires: clock.Now().Add(time.Hour)}),
	}
	_, err = s.FirstSeen(ctx, "ev1", time.Hour)
	steps = append(steps, err)
	_, err = s.Claim(ctx, "job", "replica-1", time.Hour)
	steps = append(steps, err, s.Close())
	if err := errors.Join(steps...); err != nil {
		t.Fatalf("first session: %v", err)
	}

	s = openTest(t, path, Options{Clock: clock})
	got, err := s.Member(ctx, ref)
	if err != nil {
		t.Fatalf("Member after reopen error: %v", err)
	}
	if got.Ref != want.Ref || got.Language != want.Language || !got.Created.Equal(want.Created) {
		t.Errorf("Member after reopen = %+v, want %+v", got, want)
	}
	if _, err := s.Dialogue(ctx, ref); err != nil {
		t.Errorf("Dialogue after reopen error: %v", err)
	}
	if first, err := s.FirstSeen(ctx, "ev1", time.Hour); err != nil || first {
		t.Errorf("FirstSeen(ev1) after reopen = %v, %v; want false, nil", first, err)
	}
	if got, err := s.Claim(ctx, "job", "replica-2", time.Hour); err != nil || got {
		t.Errorf("Claim(job, replica-2) after reopen = %v, %v; want false, nil", got, err)
	}
}

func TestPurge(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock()
	s := openTest(t, filepath.Join(t.TempDir(), "maillage.db"), Options{Clock: clock})
	short := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "short"}
	long := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "long"}
	err := errors.Join(
		s.SaveMember(ctx, bot.Member{Ref: short}),
		s.SaveDialogue(ctx, bot.Dialogue{Member: short, Kind: "lang", Expires: clock.Now().Add(time.Minute)}),
		s.SaveDialogue(ctx, bot.Dialogue{Member: long, Kind: "lang", Expires: clock.Now().Add(time.Hour)}),
	)
	for _, key := range []string{"ev1", "ev2"} {
		_, e := s.FirstSeen(ctx, key, time.Minute)
		err = errors.Join(err, e)
	}
	_, e := s.FirstSeen(ctx, "ev3", time.Hour)
	err = errors.Join(err, e)
	_, e = s.Claim(ctx, "job1", "r1", time.Minute)
	err = errors.Join(err, e)
	_, e = s.Claim(ctx, "job2", "r1", time.Hour)
	err = errors.Join(err, e)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}

	tests := []struct {
		advance time.Duration
		want    int
	}{
		{0, 0},
		{30 * time.Second, 0},
		{31 * time.Second, 4}, // one dialogue, two seen keys, one claim
		{time.Minute, 0},
		{time.Hour, 3},
	}
	for _, tt := range tests {
		clock.Advance(tt.advance)
		got, err := s.Purge(ctx)
		if err != nil {
			t.Fatalf("Purge() error: %v", err)
		}
		if got != tt.want {
			t.Errorf("Purge() after +%v = %d, want %d", tt.advance, got, tt.want)
		}
	}
	if n, err := s.CountMembers(ctx); err != nil || n != 1 {
		t.Errorf("CountMembers() after Purge = %d, %v; want 1, nil (members never expire)", n, err)
	}
	for _, name := range [][]byte{bucketDialogues, bucketSeen, bucketClaims} {
		if err := s.db.View(func(tx *bbolt.Tx) error {
			if n := tx.Bucket(name).Stats().KeyN; n != 0 {
				return fmt.Errorf("bucket %s holds %d keys, want 0", name, n)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "maillage.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, bot.ErrUnavailable) {
		t.Errorf("Ping(closed) error = %v, want ErrUnavailable", err)
	}
	if _, err := s.CountMembers(t.Context()); !errors.Is(err, bot.ErrUnavailable) {
		t.Errorf("CountMembers(closed) error = %v, want ErrUnavailable", err)
	}
}
