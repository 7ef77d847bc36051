package broadcasts_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// The delivery engine against the fake chat platform: crash and restart,
// three replicas, unknown outcomes, 429s, pacing.

// A broadcast to 1,000 members; the process dies part-way (its context is
// cancelled in the middle of a post, whose answer is lost), and a new
// process over the same store finishes: every member has exactly one
// message. Both windows of a crash: after the post, and before it.
func TestBroadcastCrashAndRestartExactlyOnce(t *testing.T) {
	for _, tt := range []struct {
		name        string
		afterPost   bool
		wantSent    int
		wantUnknown int
	}{
		{"killed after the post, before its record", true, 399, 0},
		{"killed after the record, before the post", false, 400, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
			store := bottest.OpenBoltClock(t, clock)
			chat := bottest.NewChatPlatform(bot.PlatformSlack, clock, 7).SlackLike()
			f := bottest.NewFleet(t, store, clock, chat)
			refs := f.Members(1000, bottest.SlackUser)
			first := f.Bot("first")
			bc := f.Submit(first, broadcasts.BroadcastDraft{})

			ctx, kill := context.WithCancel(context.Background())
			chat.Mu.Lock()
			chat.CrashAt, chat.Crash = 400, kill
			chat.Mu.Unlock()
			if !tt.afterPost {
				// Die before posting the 401st: as the post starts.
				chat.Mu.Lock()
				chat.CrashAt = 0
				chat.Mu.Unlock()
				bottest.StopBefore(chat, 400, kill)
			}
			err := bottest.Broadcasts(first).RunBroadcast(ctx, bc.ID)
			if err == nil || !errors.Is(err, context.Canceled) {
				t.Fatalf("first process: RunBroadcast = %v, want the kill (context canceled)", err)
			}
			counts, _ := store.RecipientCounts(context.Background(), bc.ID)
			if counts[bot.RecipientSending] != 1 || counts[bot.RecipientSent] != tt.wantSent {
				t.Fatalf("after the kill: %v, want %d sent and 1 sending", counts, tt.wantSent)
			}
			chat.Mu.Lock()
			chat.CrashAt, chat.Crash, chat.Before = 0, nil, nil
			chat.Mu.Unlock()

			clock.Advance(3 * time.Minute) // the dead process's leases expire
			second := f.Bot("second")
			done := f.RunUntilDone(bc.ID, second)
			f.ExactlyOnce(refs)
			counts, _ = store.RecipientCounts(context.Background(), bc.ID)
			if done.State != bot.BroadcastDone || counts[bot.RecipientSent] != 1000 || counts[bot.RecipientUnknown] != tt.wantUnknown {
				t.Errorf("after the restart: %s %v, want done with 1000 sent", done.State, counts)
			}
			report := bottest.LastTo(f.Term, bottest.Organizer)
			if !strings.Contains(report, bottest.Fr("broadcasts.report_sent", "count", "1\u202f000")) {
				t.Errorf("final report = %q, want 1 000 sent", report)
			}
		})
	}
}

// Three replicas share one broadcast on one Redis (in-process, and the
// real one when MAILLAGE_TEST_REDIS_URL is set), with 5% of the calls
// answered 429 at random: nobody receives it twice, nobody is missed.
func TestBroadcastThreeReplicasNoDuplicate(t *testing.T) {
	stores := map[string]func(t *testing.T) bot.Store{
		"miniredis": func(t *testing.T) bot.Store {
			srv := miniredis.RunT(t)
			s, err := redis.Open(t.Context(), "redis://"+srv.Addr()+"/0", redis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"real redis": func(t *testing.T) bot.Store {
			url := os.Getenv("MAILLAGE_TEST_REDIS_URL")
			if url == "" {
				t.Skip("MAILLAGE_TEST_REDIS_URL not set")
			}
			s, err := redis.Open(t.Context(), url, redis.Options{KeyPrefix: fmt.Sprintf("bc-test-%d:", time.Now().UnixNano())})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
			chat := bottest.NewChatPlatform(bot.PlatformMattermost, clock, 11).MattermostLike()
			chat.Random429 = 0.05
			f := bottest.NewFleet(t, open(t), clock, chat)
			refs := f.Members(600, func(i int) bot.UserRef {
				return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: "mm", User: fmt.Sprintf("u%04d", i)}
			})
			a, b, c := f.Bot("a"), f.Bot("b"), f.Bot("c")
			bc := f.Submit(a, broadcasts.BroadcastDraft{})
			done := f.RunUntilDone(bc.ID, a, b, c)
			f.ExactlyOnce(refs)
			counts, _ := f.Store.RecipientCounts(context.Background(), bc.ID)
			if done.State != bot.BroadcastDone || counts[bot.RecipientSent] != 600 {
				t.Errorf("broadcast %s %v, want done with 600 sent", done.State, counts)
			}
			chat.Mu.Lock()
			t.Logf("%d calls, %d answered 429 at random, %d 429 for an empty bucket", chat.Calls, chat.RandomLimit, chat.Limited)
			if chat.RandomLimit == 0 {
				t.Errorf("no random 429 was answered: the test does not test their handling")
			}
			chat.Mu.Unlock()
		})
	}
}

// A post whose outcome is unknown, on a platform that cannot tell whether
// it went through, is marked and reported, never sent again.
func TestBroadcastUnknownOutcomeNotRetried(t *testing.T) {
	f, chat, store, _ := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 3)
	chat.CrashAt, chat.Crash = 3, func() {} // the answer of the 3rd post is lost
	refs := f.Members(10, bottest.SlackUser)
	b := f.Bot("a", bottest.NoFinder{ChatPlatform: chat})
	bc := f.Submit(b, broadcasts.BroadcastDraft{})
	f.RunUntilDone(bc.ID, b)
	got := chat.Received()
	for _, r := range refs {
		if got["D-"+r.User] != 1 {
			t.Errorf("%s received %d, want 1 (the unknown one was posted once, never again)", r.User, got["D-"+r.User])
		}
	}
	counts, _ := store.RecipientCounts(context.Background(), bc.ID)
	if counts[bot.RecipientUnknown] != 1 || counts[bot.RecipientSent] != 9 {
		t.Errorf("counts = %v, want 9 sent, 1 unknown", counts)
	}
	if report := bottest.LastTo(f.Term, bottest.Organizer); !strings.Contains(report, bottest.Fr("broadcasts.report_unknown", "count", "1")) {
		t.Errorf("report = %q, want the unknown outcome reported", report)
	}
}

// Members who declined announcements, erased members and members who
// never signed up are skipped, and the report says why; an urgent
// broadcast reaches those who declined.
func TestBroadcastSkipsAndReasons(t *testing.T) {
	f, chat, store, _ := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 5)
	refs := f.Members(6, bottest.SlackUser)
	ctx := context.Background()
	m, _ := store.Member(ctx, refs[0])
	m.Prefs.NoAnnouncements = true
	_ = store.SaveMember(ctx, m)
	m, _ = store.Member(ctx, refs[1])
	m.Onboarded = time.Time{} // imported, never talked with the bot
	_ = store.SaveMember(ctx, m)
	b := f.Bot("a")
	bc := f.Submit(b, broadcasts.BroadcastDraft{})
	if bc.Expected != 4 {
		t.Errorf("Expected = %d, want 4 (one declined, one not signed up)", bc.Expected)
	}
	if err := bottest.Broadcasts(b).RunBroadcast(ctx, "missing"); err == nil {
		t.Errorf("RunBroadcast(missing) = nil, want an error")
	}
	// The pending one listed last (the listing's order is the direct-
	// conversation cache's, not the members') erases their data before
	// their turn.
	erased := -1
	chat.Mu.Lock()
	chat.Before = func() error {
		if chat.Seq == 0 {
			recs, err := store.Recipients(ctx, bc.ID, 0, 6)
			for _, r := range recs {
				if r.Status == bot.RecipientPending {
					erased = r.Index
				}
			}
			if err != nil || erased < 0 {
				t.Errorf("the last pending recipient: %v, %v", recs, err)
				return nil
			}
			if err := b.EraseMember(ctx, recs[erased].Ref); err != nil {
				t.Errorf("erasing: %v", err)
			}
		}
		return nil
	}
	chat.Mu.Unlock()
	f.RunUntilDone(bc.ID, b)
	chat.Mu.Lock()
	chat.Before = nil
	chat.Mu.Unlock()
	counts, _ := store.RecipientCounts(ctx, bc.ID)
	if counts[bot.RecipientSent] != 3 || counts[bot.RecipientSkipped] != 3 {
		t.Errorf("counts = %v, want 3 sent, 3 skipped", counts)
	}
	recs, _ := store.Recipients(ctx, bc.ID, erased, erased+1)
	if len(recs) != 1 || !recs[0].Ref.IsZero() || recs[0].Reason != "erased" {
		t.Errorf("erased member's record = %+v, want anonymous, skipped as erased", recs)
	}
	report := bottest.LastTo(f.Term, bottest.Organizer)
	for _, want := range []string{bottest.Fr("broadcasts.reason.opted_out") + " (1)", bottest.Fr("broadcasts.reason.not_onboarded") + " (1)", bottest.Fr("broadcasts.reason.erased") + " (1)"} {
		if !strings.Contains(report, want) {
			t.Errorf("report = %q, want %q", report, want)
		}
	}
	urgent := f.Submit(b, broadcasts.BroadcastDraft{Urgent: true, Text: map[bot.Lang]string{bot.French: "Urgent : salle changée."}})
	f.RunUntilDone(urgent.ID, b)
	if got := chat.Received()["D-"+refs[0].User]; got != 1 {
		t.Errorf("the member who declined announcements got %d messages in all, want 1 (the urgent one)", got)
	}
}

// Outside working hours a normal broadcast waits for each recipient's
// window (in their zone); an urgent one goes at once.
func TestBroadcastWorkingHours(t *testing.T) {
	// Saturday 28 November 2026, 10:00 in Paris.
	f, chat, store, clock := bottest.SlackFleet(t, time.Date(2026, 11, 28, 10, 0, 0, 0, bottest.Paris), 5)
	f.S.WorkingHours = bot.WorkingHours{Days: bottest.Weekdays, Start: 9 * 60, End: 18 * 60, Location: bottest.Paris}
	refs := f.Members(3, bottest.SlackUser)
	b := f.Bot("a")
	bc := f.Submit(b, broadcasts.BroadcastDraft{})
	if err := bottest.Broadcasts(b).RunBroadcast(context.Background(), bc.ID); err != nil {
		t.Fatal(err)
	}
	if got := chat.Received(); len(got) != 0 {
		t.Fatalf("on Saturday a normal broadcast sent %v, want nothing yet", got)
	}
	recs, _ := store.Recipients(context.Background(), bc.ID, 0, 3)
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, bottest.Paris); len(recs) != 3 || !recs[0].NotBefore.Equal(want) {
		t.Fatalf("held recipients = %+v, want pending until Monday 09:00", recs)
	}
	urgent := f.Submit(b, broadcasts.BroadcastDraft{Urgent: true, Text: map[bot.Lang]string{bot.French: "Alerte"}})
	f.RunUntilDone(urgent.ID, b)
	if got := chat.Received(); len(got) != 3 {
		t.Errorf("urgent broadcast reached %d, want 3 at once", len(got))
	}
	clock.Set(time.Date(2026, 11, 30, 9, 0, 1, 0, bottest.Paris))
	f.RunUntilDone(bc.ID, b)
	for _, r := range refs {
		if got := chat.Received()["D-"+r.User]; got != 2 {
			t.Errorf("%s got %d messages, want 2 (urgent, then Monday's)", r.User, got)
		}
	}
}

// Cancelling a running broadcast stops it: the recipients not reached yet
// are not, and the report says so.
func TestBroadcastCancelWhileRunning(t *testing.T) {
	f, chat, store, _ := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 5)
	f.Members(120, bottest.SlackUser)
	b := f.Bot("a")
	bc := f.Submit(b, broadcasts.BroadcastDraft{})
	chat.Mu.Lock()
	chat.Before = func() error {
		if chat.Seq == 30 {
			if _, err := bottest.Broadcasts(b).CancelBroadcast(context.Background(), bc.ID, bottest.User("orga2")); err != nil {
				t.Errorf("CancelBroadcast: %v", err)
			}
		}
		return nil
	}
	chat.Mu.Unlock()
	f.RunUntilDone(bc.ID, b)
	f.RunUntilDone(bc.ID, b) // the next run settles and reports
	done, _ := store.Broadcast(context.Background(), bc.ID)
	counts, _ := store.RecipientCounts(context.Background(), bc.ID)
	sent := counts[bot.RecipientSent]
	if done.State != bot.BroadcastCancelled || sent < 31 || sent > 41 || sent+counts[bot.RecipientPending] != 120 {
		t.Errorf("after cancelling at the 31st post: %s %v, want cancelled, 31 to 41 sent (within ten posts), the rest pending", done.State, counts)
	}
	left := strconv.Itoa(120 - sent)
	if report := bottest.LastTo(f.Term, bottest.Organizer); !strings.Contains(report, bottest.Fr("broadcasts.report_not_sent", "count", left)) {
		t.Errorf("report to the author = %q, want %s not sent", report, left)
	}
	if _, err := bottest.Broadcasts(b).CancelBroadcast(context.Background(), bc.ID, bottest.Organizer); err == nil {
		t.Errorf("cancelling twice succeeded")
	}
}

// A 429 seen by one replica holds every replica: the replica that got it
// dies during the wait; the next one calls the platform only once the
// Retry-After has passed.
func TestBroadcast429HoldsEveryReplica(t *testing.T) {
	f, chat, _, clock := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 9)
	refs := f.Members(3, bottest.SlackUser)
	a := f.Bot("a")
	bc := f.Submit(a, broadcasts.BroadcastDraft{})
	chat.Mu.Lock()
	chat.Next429 = 30 * time.Second
	chat.Mu.Unlock()
	limitedAt := clock.Now()
	ctx, kill := context.WithCancel(context.Background())
	b, err := bottest.New(f.S, f.Store, []bot.ChatAdapter{chat, f.Term}, core.Options{Clock: clock, Replica: "a",
		Sleep: func(ctx context.Context, d time.Duration) error { kill(); return context.Canceled }})
	if err != nil {
		t.Fatal(err)
	}
	if err := bottest.Broadcasts(b).RunBroadcast(ctx, bc.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("first replica: %v, want it to die while waiting", err)
	}
	chat.Mu.Lock()
	first := len(chat.CallTimes)
	chat.Mu.Unlock()
	f.RunUntilDone(bc.ID, f.Bot("b"))
	f.ExactlyOnce(refs)
	chat.Mu.Lock()
	defer chat.Mu.Unlock()
	for _, at := range chat.CallTimes[first:] {
		if at.Before(limitedAt.Add(30 * time.Second)) {
			t.Errorf("the second replica called the platform at +%s, within the 30 s another replica was told to wait", at.Sub(limitedAt))
		}
	}
}

// A member who erases their data, or declines announcements, after their
// group was marked "sending" (the member read when it was prepared) and
// before their post is skipped: consent is read again just before each
// post. On the embedded store and on Redis (miniredis), which both read it
// through bot.DeliveryMemberReader.
func TestBroadcastConsentReadJustBeforePost(t *testing.T) {
	for _, backend := range []string{"bolt", "miniredis"} {
		t.Run(backend, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
			store := bottest.OpenBoltClock(t, clock)
			if backend == "miniredis" {
				srv := miniredis.RunT(t)
				s, err := redis.Open(context.Background(), "redis://"+srv.Addr()+"/0", redis.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				store = s
			}
			chat := bottest.NewChatPlatform(bot.PlatformSlack, clock, 7).SlackLike()
			f := bottest.NewFleet(t, store, clock, chat)
			f.Members(7, bottest.SlackUser)
			b := f.Bot("a")
			bc := f.Submit(b, broadcasts.BroadcastDraft{})
			ctx := context.Background()
			// Groups of 1, 2, then 4: as the first post of a group starts,
			// the group's last recipient is marked "sending" and not yet
			// posted to. Posts 1 and 3 start groups of 2 and 4.
			changed := map[int]string{}
			chat.Mu.Lock()
			chat.Before = func() error {
				if chat.Seq != 1 && chat.Seq != 3 {
					return nil
				}
				recs, err := store.Recipients(ctx, bc.ID, 0, 7)
				last := -1
				for _, r := range recs {
					if r.Status == bot.RecipientSending {
						last = r.Index
					}
				}
				if err != nil || last < 0 {
					t.Errorf("post %d: no recipient sending (%v, %v)", chat.Seq, recs, err)
					return nil
				}
				if chat.Seq == 1 {
					changed[last] = "erased"
					if err := b.EraseMember(ctx, recs[last].Ref); err != nil {
						t.Errorf("erasing: %v", err)
					}
					return nil
				}
				changed[last] = "opted_out"
				m, err := store.Member(ctx, recs[last].Ref)
				m.Prefs.NoAnnouncements = true
				if err == nil {
					err = store.SaveMember(ctx, m)
				}
				if err != nil {
					t.Errorf("declining announcements: %v", err)
				}
				return nil
			}
			chat.Mu.Unlock()
			f.RunUntilDone(bc.ID, b)
			chat.Mu.Lock()
			chat.Before = nil
			chat.Mu.Unlock()
			if len(changed) != 2 {
				t.Fatalf("changed %v, want one erased and one declining", changed)
			}
			counts, _ := store.RecipientCounts(ctx, bc.ID)
			if counts[bot.RecipientSent] != 5 || counts[bot.RecipientSkipped] != 2 || chat.Seq != 5 {
				t.Errorf("counts = %v after %d posts, want 5 sent and 2 skipped", counts, chat.Seq)
			}
			for i, reason := range changed {
				recs, _ := store.Recipients(ctx, bc.ID, i, i+1)
				if len(recs) != 1 || recs[0].Status != bot.RecipientSkipped || recs[0].Reason != reason || recs[0].Message != "" {
					t.Errorf("recipient %d = %+v, want skipped as %s, no message", i, recs, reason)
				}
			}
		})
	}
}
