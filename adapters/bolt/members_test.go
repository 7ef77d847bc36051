package bolt

import (
	"bytes"
	"context"
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
