package core_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
)

// broadcastObserver records the broadcast progress reports of one replica.
type broadcastObserver struct {
	bot.NopObserver
	mu      sync.Mutex
	reports []progressReport
}

type progressReport struct {
	id                  string
	total, sent, failed int
	done                bool
}

func (o *broadcastObserver) Broadcast(id string, total, sent, failed int, done bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reports = append(o.reports, progressReport{id, total, sent, failed, done})
}

func (o *broadcastObserver) all() []progressReport {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]progressReport(nil), o.reports...)
}

// The engine reports a broadcast's progress to the observer after each
// batch, and its end on every replica that reported it: on the replica
// that finishes it at once, on the others at their next scheduler tick.
// Replica b dies part-way; replica a finishes.
func TestBroadcastProgressObserved(t *testing.T) {
	f, chat, _, clock := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 3)
	refs := f.members(230, slackUser) // 5 batches of 50
	obs := map[string]*broadcastObserver{"a": {}, "b": {}}
	bots := map[string]*core.Bot{}
	for name, o := range obs {
		b, err := bottest.New(f.s, f.store, []bot.ChatAdapter{chat, f.term}, core.Options{Clock: clock, Replica: name, Sleep: virtualSleep(clock), Observer: o})
		if err != nil {
			t.Fatal(err)
		}
		bots[name] = b
	}
	bc := f.submit(bots["a"], core.BroadcastDraft{})
	// Replica b sends about half and dies; replica a finishes.
	ctx, kill := context.WithCancel(context.Background())
	stopBefore(chat, 120, kill)
	if err := bots["b"].RunBroadcast(ctx, bc.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("replica b: RunBroadcast = %v, want the kill", err)
	}
	chat.mu.Lock()
	chat.before = nil
	chat.mu.Unlock()
	clock.Advance(3 * time.Minute) // b's leases expire
	done := f.runUntilDone(bc.ID, bots["a"])
	f.exactlyOnce(refs)
	if done.State != bot.BroadcastDone {
		t.Fatalf("broadcast %s, want done", done.State)
	}
	if r := obs["b"].all(); len(r) == 0 || r[len(r)-1].done {
		t.Fatalf("replica b's reports before a finished: %v, want progress, not the end", r)
	}
	// Replica b, which did not finish it, ends its series at its next
	// tick.
	for _, b := range bots {
		b.Tick(context.Background())
	}
	for name, o := range obs {
		reports := o.all()
		t.Logf("replica %s: %d reports", name, len(reports))
		if len(reports) < 2 {
			t.Fatalf("replica %s: %d reports, want progress then the end: %v", name, len(reports), reports)
		}
		midway := false
		for i, r := range reports {
			if r.id != bc.ID || r.total != len(refs) || r.failed != 0 {
				t.Errorf("replica %s, report %d: %+v, want broadcast %s, %d in all, none failed", name, i, r, bc.ID, len(refs))
			}
			if i > 0 && r.sent < reports[i-1].sent {
				t.Errorf("replica %s: sent went back from %d to %d", name, reports[i-1].sent, r.sent)
			}
			if r.done != (i == len(reports)-1) {
				t.Errorf("replica %s, report %d of %d: done %v; want done on the last report only", name, i, len(reports), r.done)
			}
			midway = midway || (r.sent > 0 && r.sent < len(refs))
		}
		if last := reports[len(reports)-1]; last.sent != len(refs) {
			t.Errorf("replica %s: final report %+v, want %d sent", name, last, len(refs))
		}
		if !midway {
			t.Errorf("replica %s: no report while the broadcast was under way: %v", name, reports)
		}
	}
	// A second tick reports nothing more: the series ended once.
	before := len(obs["a"].all()) + len(obs["b"].all())
	for _, b := range bots {
		b.Tick(context.Background())
	}
	if after := len(obs["a"].all()) + len(obs["b"].all()); after != before {
		t.Errorf("%d reports after the broadcast ended, want none", after-before)
	}
}
