package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// testMembersFeature checks the MemberStore contract: ScrubErased keeps
// every live record, forgets the deleted ones, may run at any time, and
// honours a canceled context.
func testMembersFeature(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Store
	if err := s.ScrubErased(ctx); err != nil {
		t.Fatalf("ScrubErased on an empty store: %v", err)
	}
	full := member(alice, bot.French)
	full.Name = "Alice Lenoir"
	full.Collectivity = &bot.Collectivity{Kind: bot.KindCommune, Code: "91573", Name: "Saint-Pierre-du-Perray",
		Population: 11993, Departement: "91", Region: "11"}
	full.Interests = []string{"ia", "rh"}
	full.OptedIn = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, m := range []bot.Member{full, member(bob, bot.English), member(carol, "")} {
		if err := s.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveDialogue(ctx, dialogue(h, bob, "onboarding", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMember(ctx, bob); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.ScrubErased(ctx); err != nil {
			t.Fatalf("ScrubErased: %v", err)
		}
	}
	if _, err := s.Member(ctx, bob); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("erased member: got err %v, want ErrNotFound", err)
	}
	if _, err := s.Dialogue(ctx, bob); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("erased member's dialogue: got err %v, want ErrNotFound", err)
	}
	got, err := s.Member(ctx, alice)
	if err != nil {
		t.Fatalf("a live member was lost by ScrubErased: %v", err)
	}
	if got.Name != full.Name || got.Collectivity == nil || *got.Collectivity != *full.Collectivity ||
		len(got.Interests) != 2 || !got.OptedIn.Equal(full.OptedIn) {
		t.Errorf("a live member changed through ScrubErased: %+v", got)
	}
	if n, err := s.CountMembers(ctx); err != nil || n != 2 {
		t.Errorf("CountMembers after scrub = %d, %v; want 2", n, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ScrubErased(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("ScrubErased with a canceled context: got %v, want context.Canceled", err)
	}
}
