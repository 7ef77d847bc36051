package broadcasts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
)

// The engine reports a broadcast's progress to the observer after each
// batch, and its end on every replica that reported it: on the replica
// that finishes it at once, on the others at their next scheduler tick.
// Replica b dies part-way; replica a finishes.
func TestBroadcastProgressObserved(t *testing.T) {
	f, chat, _, clock := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 3)
	refs := f.Members(230, bottest.SlackUser) // 5 batches of 50
	obs := map[string]*bottest.BroadcastObserver{"a": {}, "b": {}}
	bots := map[string]*core.Bot{}
	for name, o := range obs {
		b, err := bottest.New(f.S, f.Store, []bot.ChatAdapter{chat, f.Term}, core.Options{Clock: clock, Replica: name, Sleep: bottest.VirtualSleep(clock), Observer: o})
		if err != nil {
			t.Fatal(err)
		}
		bots[name] = b
	}
	bc := f.Submit(bots["a"], broadcasts.BroadcastDraft{})
	// Replica b sends about half and dies; replica a finishes.
	ctx, kill := context.WithCancel(context.Background())
	bottest.StopBefore(chat, 120, kill)
	if err := bottest.Broadcasts(bots["b"]).RunBroadcast(ctx, bc.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("replica b: RunBroadcast = %v, want the kill", err)
	}
	chat.Mu.Lock()
	chat.Before = nil
	chat.Mu.Unlock()
	clock.Advance(3 * time.Minute) // b's leases expire
	done := f.RunUntilDone(bc.ID, bots["a"])
	f.ExactlyOnce(refs)
	if done.State != bot.BroadcastDone {
		t.Fatalf("broadcast %s, want done", done.State)
	}
	if r := obs["b"].All(); len(r) == 0 || r[len(r)-1].Done {
		t.Fatalf("replica b's reports before a finished: %v, want progress, not the end", r)
	}
	// Replica b, which did not finish it, ends its series at its next
	// tick.
	for _, b := range bots {
		b.Tick(context.Background())
	}
	for name, o := range obs {
		reports := o.All()
		t.Logf("replica %s: %d reports", name, len(reports))
		if len(reports) < 2 {
			t.Fatalf("replica %s: %d reports, want progress then the end: %v", name, len(reports), reports)
		}
		midway := false
		for i, r := range reports {
			if r.Id != bc.ID || r.Total != len(refs) || r.Failed != 0 {
				t.Errorf("replica %s, report %d: %+v, want broadcast %s, %d in all, none failed", name, i, r, bc.ID, len(refs))
			}
			if i > 0 && r.Sent < reports[i-1].Sent {
				t.Errorf("replica %s: sent went back from %d to %d", name, reports[i-1].Sent, r.Sent)
			}
			if r.Done != (i == len(reports)-1) {
				t.Errorf("replica %s, report %d of %d: done %v; want done on the last report only", name, i, len(reports), r.Done)
			}
			midway = midway || (r.Sent > 0 && r.Sent < len(refs))
		}
		if last := reports[len(reports)-1]; last.Sent != len(refs) {
			t.Errorf("replica %s: final report %+v, want %d sent", name, last, len(refs))
		}
		if !midway {
			t.Errorf("replica %s: no report while the broadcast was under way: %v", name, reports)
		}
	}
	// A second tick reports nothing more: the series ended once.
	before := len(obs["a"].All()) + len(obs["b"].All())
	for _, b := range bots {
		b.Tick(context.Background())
	}
	if after := len(obs["a"].All()) + len(obs["b"].All()); after != before {
		t.Errorf("%d reports after the broadcast ended, want none", after-before)
	}
}
