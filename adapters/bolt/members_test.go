package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// A deleted member stays readable in the file's free pages until
// ScrubErased overwrites them; afterwards the file holds neither their id
// nor their name, and live members are intact.
func TestScrubErasedLeavesNoTraceInTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "maillage.db")
	s := openTest(t, path, Options{})
	gone := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T01", User: "U0ERASEME42"}
	kept := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T01", User: "U0KEEPME77"}
	now := time.Now()
	for _, m := range []bot.Member{
		{Ref: gone, Name: "Gwenaëlle Kervadec-Erasable", Created: now, Updated: now},
		{Ref: kept, Name: "Yves Restant", Created: now, Updated: now},
	} {
		if err := s.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveDialogue(ctx, bot.Dialogue{Member: gone, Kind: "onboarding", Started: now,
		Expires: now.Add(time.Hour), Data: map[string]string{"text": "Gwenaëlle Kervadec-Erasable"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMember(ctx, gone); err != nil {
		t.Fatal(err)
	}
	secrets := [][]byte{[]byte("U0ERASEME42"), []byte("Kervadec-Erasable")}
	dump := func() []byte {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if data := dump(); !bytes.Contains(data, secrets[0]) {
		t.Fatalf("the deleted id is not in the file before scrubbing: this test no longer shows anything")
	}
	if err := s.ScrubErased(ctx); err != nil {
		t.Fatal(err)
	}
	data := dump()
	for _, sec := range secrets {
		if bytes.Contains(data, sec) {
			t.Errorf("the file still holds %q after ScrubErased", sec)
		}
	}
	if !bytes.Contains(data, []byte("U0KEEPME77")) {
		t.Errorf("the live member's id is no longer in the file")
	}
	if m, err := s.Member(ctx, kept); err != nil || m.Name != "Yves Restant" {
		t.Errorf("live member after scrub: %+v, %v", m, err)
	}
	info, _ := os.Stat(path)
	t.Logf("file size after scrub: %d bytes", info.Size())
}

// SaveMembers writes a batch in one transaction: every member reads back
// as SaveMember would have stored it, a later batch replaces, and a batch
// with an invalid ref saves none of its members.
func TestSaveMembersBatch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "maillage.db"), Options{})
	now := time.Now().UTC().Truncate(time.Second)
	var batch []bot.Member
	for i := range 1200 {
		ref := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: fmt.Sprintf("m%04d", i)}
		batch = append(batch, bot.Member{Ref: ref, Name: fmt.Sprintf("Membre %d", i), Created: now, Updated: now})
	}
	if err := s.SaveMembers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountMembers(ctx); err != nil || n != 1200 {
		t.Fatalf("CountMembers = %d, %v; want 1200", n, err)
	}
	got, err := s.Member(ctx, batch[777].Ref)
	if err != nil || got.Name != "Membre 777" || !got.Created.Equal(now) {
		t.Fatalf("Member = %+v, %v", got, err)
	}
	batch[777].Name = "Renommé"
	bad := bot.Member{Name: "no ref"}
	if err := s.SaveMembers(ctx, []bot.Member{batch[777], bad}); !errors.Is(err, bot.ErrInvalid) {
		t.Fatalf("batch with an invalid ref: %v, want ErrInvalid", err)
	}
	if got, _ := s.Member(ctx, batch[777].Ref); got.Name != "Membre 777" {
		t.Errorf("a rejected batch saved %q", got.Name)
	}
	if err := s.SaveMembers(ctx, batch[777:778]); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Member(ctx, batch[777].Ref); got.Name != "Renommé" {
		t.Errorf("Member after a second batch = %q", got.Name)
	}
}

// BenchmarkImportWrites10000: the store's side of importing 10,000
// members, one SaveMember each (one synced transaction per member) or by
// SaveMembers batches of 500.
func BenchmarkImportWrites10000(b *testing.B) {
	ctx := context.Background()
	now := time.Now()
	members := make([]bot.Member, 10000)
	for i := range members {
		members[i] = bot.Member{Ref: bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: fmt.Sprintf("m%05d", i)},
			Name: fmt.Sprintf("Membre %d", i), Created: now, Updated: now}
	}
	for _, batch := range []int{1, 500} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s, err := Open(ctx, filepath.Join(b.TempDir(), "maillage.db"), Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i := 0; i < len(members); i += batch {
					var err error
					if batch == 1 {
						err = s.SaveMember(ctx, members[i])
					} else {
						err = s.SaveMembers(ctx, members[i:min(i+batch, len(members))])
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// appendRefKey writes what UserRef.Key returns, the key members are
// stored under.
func TestAppendRefKeyIsKey(t *testing.T) {
	for _, ref := range []bot.UserRef{
		{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"},
		{Platform: bot.PlatformMatrix, Workspace: "agent.tchap.gouv.fr", User: "@é:x|y:1:"},
		{Platform: "p", Workspace: "", User: "0123456789"},
	} {
		if got := string(appendRefKey([]byte("junk"), ref)); got != "junk"+ref.Key() {
			t.Errorf("appendRefKey(%+v) = %q, want %q", ref, got, "junk"+ref.Key())
		}
	}
}
