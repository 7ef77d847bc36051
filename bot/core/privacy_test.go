package core_test

import (
	"context"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
)

func TestPurgeRetention(t *testing.T) {
	h := bottest.NewMembers(t)
	ctx := context.Background()
	now := h.Clock.Now()
	old := now.AddDate(-2, -1, 0)
	for _, m := range []bot.Member{
		{Ref: bottest.User("stale"), Created: old, Updated: old},                                // never opted in: purged
		{Ref: bottest.User("left"), Created: old, Updated: old, Onboarded: old},                 // left matching: purged
		{Ref: bottest.User("active"), Created: old, Updated: old, Onboarded: old, OptedIn: old}, // takes part: kept
		{Ref: bottest.User("recent"), Created: now, Updated: now},                               // recent: kept
	} {
		if err := h.Store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	n, err := h.Bot.PurgeRetention(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("PurgeRetention = %d, %v; want 2", n, err)
	}
	for who, want := range map[string]bool{"stale": false, "left": false, "active": true, "recent": true} {
		_, err := h.Store.Member(ctx, bottest.User(who))
		if (err == nil) != want {
			t.Errorf("%s: kept=%v, want %v", who, err == nil, want)
		}
	}
	if n, err := h.Bot.PurgeRetention(ctx, now); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0", n, err)
	}
	// The scheduler's purge job enforces it, as of its slot.
	if err := h.Store.SaveMember(ctx, bot.Member{Ref: bottest.User("stale2"), Created: old, Updated: old}); err != nil {
		t.Fatal(err)
	}
	if err := h.Bot.JobPurge(ctx, bot.JobRun{Name: "purge", Slot: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Member(ctx, bottest.User("stale2")); err == nil {
		t.Error("the purge job kept a member beyond the retention period")
	}
}
