package broadcasts_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// outageStore answers ErrUnavailable, while armed, to the next member
// reads and broadcast reads (reads) and to the next batch writes of
// recipients (writes): a store whose primary fails over for a moment.
type outageStore struct {
	bot.Store
	reads, writes atomic.Int32
}

func unavailable(n *atomic.Int32) error {
	if n.Add(-1) >= 0 {
		return fmt.Errorf("primary failing over: %w", bot.ErrUnavailable)
	}
	n.Store(0)
	return nil
}

func (s *outageStore) Member(ctx context.Context, ref bot.UserRef) (bot.Member, error) {
	if err := unavailable(&s.reads); err != nil {
		return bot.Member{}, err
	}
	return s.Store.Member(ctx, ref)
}

func (s *outageStore) SetRecipients(ctx context.Context, id string, swaps []bot.RecipientSwap) ([]bool, error) {
	if err := unavailable(&s.writes); err != nil {
		return nil, err
	}
	return s.Store.(bot.RecipientBatchWriter).SetRecipients(ctx, id, swaps)
}

// A store out of reach for a moment while a group of recipients is being
// posted to (their « sending » marks written): the posts go on with the
// members as read when the group was prepared, the outcomes are written
// again until the store answers, and every member gets the message
// exactly once, recorded sent (none « unknown »).
func TestBroadcastStoreOutageMidGroup(t *testing.T) {
	for _, tt := range []struct {
		name          string
		reads, writes int32
	}{
		{"member reads fail", 3, 0},
		{"outcome writes fail", 0, 3},
		{"both", 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
			store := &outageStore{Store: bottest.OpenBoltClock(t, clock)}
			chat := bottest.NewChatPlatform(bot.PlatformMattermost, clock, 3).MattermostLike()
			f := bottest.NewFleet(t, store, clock, chat)
			refs := f.Members(120, func(i int) bot.UserRef {
				return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: "W1", User: fmt.Sprintf("u%03d", i)}
			})
			b := f.Bot("a")
			bc := f.Submit(b, broadcasts.BroadcastDraft{Urgent: true})
			armed := false
			chat.Mu.Lock()
			chat.Before = func() error {
				// Mid-way, inside a group of 16 (groups double from one:
				// 1, 2, 4, 8, then 16 from the 16th post).
				if chat.Seq == 40 && !armed {
					armed = true
					store.reads.Store(tt.reads)
					store.writes.Store(tt.writes)
				}
				return nil
			}
			chat.Mu.Unlock()
			done := f.RunUntilDone(bc.ID, b)
			if !armed {
				t.Fatal("the outage never started")
			}
			if r, w := store.reads.Load(), store.writes.Load(); r != 0 || w != 0 {
				t.Fatalf("the outage did not end: %d reads and %d writes still to fail", r, w)
			}
			f.ExactlyOnce(refs)
			counts, _ := store.RecipientCounts(context.Background(), bc.ID)
			if done.State != bot.BroadcastDone || counts[bot.RecipientSent] != len(refs) {
				t.Errorf("broadcast %s with %v, want done with %d sent", done.State, counts, len(refs))
			}
		})
	}
}
