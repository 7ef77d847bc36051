package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// heldInvitations stores n held invitations due at 9:00 the next morning,
// as an import of n members outside working hours leaves them, and one
// reminder due now for member 0.
func heldInvitations(tb testing.TB, s *Store, n int, now time.Time) {
	tb.Helper()
	ctx := context.Background()
	s.db.NoSync = true // setup only: one synced transaction per message would take minutes
	defer func() { s.db.NoSync = false }()
	for i := range n {
		p := bot.Pending{
			Key:     fmt.Sprintf("invite|%05d", i),
			To:      bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: fmt.Sprintf("m%05d", i)},
			Kind:    bot.PendingHeld,
			Due:     now.Add(15 * time.Hour).Add(time.Duration(i) * time.Millisecond),
			Reply:   bot.Reply{Text: "Bonjour, les organisateurs du réseau des directeurs généraux ont créé votre inscription sur Maillage, qui vous met en relation avec des pairs de collectivités comparables. Rien ne se fera sans votre accord."},
			Created: now,
		}
		if _, err := s.SavePending(ctx, p); err != nil {
			tb.Fatal(err)
		}
	}
	r := bot.Pending{Key: "reminder|0", To: bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "m00000"},
		Kind: bot.PendingReminder, Due: now, Text: "appeler la préfecture", Number: 1, Created: now}
	if _, err := s.SavePending(ctx, r); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkDuePending10000: the outbox's poll (every tick, at most 5 s
// apart) with 10,000 held invitations not yet due and one reminder due;
// and a member's own list (« mes rappels ») among them.
func BenchmarkDuePending10000(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	s, err := Open(ctx, filepath.Join(b.TempDir(), "maillage.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	heldInvitations(b, s, 10000, now)
	b.Run("due", func(b *testing.B) {
		for b.Loop() {
			got, err := s.DuePending(ctx, now, 200)
			if err != nil || len(got) != 1 {
				b.Fatalf("DuePending = %d, %v; want the reminder", len(got), err)
			}
		}
	})
	b.Run("for", func(b *testing.B) {
		ref := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "m00000"}
		for b.Loop() {
			got, err := s.PendingFor(ctx, ref)
			if err != nil || len(got) != 2 {
				b.Fatalf("PendingFor = %d, %v; want the invitation and the reminder", len(got), err)
			}
		}
	})
}

// TestPendingIndexedAtOpen: a file written before the pending indexes
// (the pending bucket alone) gets them when opened, and its messages are
// found due, listed per member and erased as in a new file.
func TestPendingIndexedAtOpen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "maillage.db")
	now := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	heldInvitations(t, s, 50, now)
	// Back to the layout of a file written before the indexes.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bucketPendingDue); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketPendingTo)
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DuePending(ctx, now, 200); err != nil || len(got) != 0 {
		t.Fatalf("DuePending without the index = %d, %v; want none (the index is what it reads)", len(got), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, path, Options{})
	ref0 := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: "m00000"}
	due, err := s.DuePending(ctx, now, 200)
	if err != nil || len(due) != 1 || due[0].Key != "reminder|0" {
		t.Fatalf("DuePending after reopening = %v, %v; want the reminder", due, err)
	}
	due, err = s.DuePending(ctx, now.Add(15*time.Hour+10*time.Millisecond), 200)
	if err != nil || len(due) != 12 {
		t.Fatalf("DuePending the next morning = %d, %v; want the reminder and the 11 invitations due by then", len(due), err)
	}
	for i, p := range due[1:] {
		if want := fmt.Sprintf("invite|%05d", i); p.Key != want {
			t.Errorf("due[%d] = %q, want %q (by due time)", i+1, p.Key, want)
		}
	}
	mine, err := s.PendingFor(ctx, ref0)
	if err != nil || len(mine) != 2 || mine[0].Key != "reminder|0" || mine[1].Key != "invite|00000" {
		t.Fatalf("PendingFor(m00000) = %v, %v; want the reminder then the invitation", mine, err)
	}
	if n, err := s.ErasePending(ctx, ref0); err != nil || n != 2 {
		t.Fatalf("ErasePending(m00000) = %d, %v; want 2", n, err)
	}
	if err := s.DeletePending(ctx, "invite|00001"); err != nil {
		t.Fatal(err)
	}
	due, err = s.DuePending(ctx, now.Add(16*time.Hour), 200)
	if err != nil || len(due) != 48 {
		t.Fatalf("DuePending after erasing member 0 and sending 1 = %d, %v; want 48", len(due), err)
	}
	// No index entry outlives its message.
	if err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketPending, bucketPendingDue, bucketPendingTo} {
			if n := tx.Bucket(name).Stats().KeyN; n != 48 {
				t.Errorf("bucket %s holds %d keys, want 48", name, n)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
