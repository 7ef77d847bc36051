package core_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot/bottest"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func TestPlatformDataExportedAndErased(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(t.Context(), filepath.Join(t.TempDir(), "m.db"), bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	alice, bob := bottest.User("alice"), bottest.User("bob")
	k := &bottest.Keeper{Kept: map[bot.UserRef]string{alice: "D0ALICE", bob: "D0BOB"}}
	b, err := bottest.New(bot.Settings{Privacy: bot.Privacy{Controller: "SNDGCT", RetentionMonths: 24}}, store, []bot.ChatAdapter{k}, core.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := b.ExportMember(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ex.Data["platform"], map[string]string{"cached": "D0ALICE"}; !reflect.DeepEqual(got, want) {
		t.Errorf("export platform = %v, want %v", got, want)
	}
	if err := b.EraseMember(t.Context(), alice); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Kept[alice]; ok {
		t.Errorf("the adapter still keeps alice's data after erasure")
	}
	if _, ok := k.Kept[bob]; !ok {
		t.Errorf("erasing alice erased bob's data")
	}
}
