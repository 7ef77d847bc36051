package core_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// The delivery engine against the fake chat platform: crash and restart,
// three replicas, unknown outcomes, 429s, pacing.

var organizer = user("orga")

func slackUser(i int) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: fmt.Sprintf("U%05d", i)}
}

// slackPace and mattermostPace are the engine's pace set to the fake's
// limits.
var (
	slackPace      = bot.Pace{PostsPerSecond: 5, PostBurst: 10, OpensPerMinute: 50, OpenBurst: 5}
	mattermostPace = bot.Pace{PostsPerSecond: 10, PostBurst: 100}
)

// fleet is bots sharing one store, one fake platform and one clock.
type fleet struct {
	t     testing.TB
	store bot.Store
	clock *fakeClock
	chat  *chatPlatform
	term  *outbox
	s     bot.Settings
}

func newFleet(t testing.TB, store bot.Store, clock *fakeClock, chat *chatPlatform) *fleet {
	s := bot.Settings{
		Location:   paris,
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga"}, {Platform: bot.PlatformTerminal, Workspace: "local", User: "orga2"}},
		Broadcasts: bot.BroadcastSettings{ApprovalThreshold: 5000, Pace: map[bot.Platform]bot.Pace{
			bot.PlatformSlack: slackPace, bot.PlatformMattermost: mattermostPace}},
		MemberRoles: []bot.Label{{ID: "dgs", FR: "DGS"}, {ID: "sgm", FR: "Secrétaire général de mairie"}},
	}
	return &fleet{t: t, store: store, clock: clock, chat: chat, term: &outbox{}, s: s}
}

// bot starts one replica. A chat adapter other than the fleet's may be
// given (to hide a capability).
func (f *fleet) bot(name string, chat ...bot.ChatAdapter) *core.Bot {
	f.t.Helper()
	if len(chat) == 0 {
		chat = []bot.ChatAdapter{f.chat}
	}
	b, err := bottest.New(f.s, f.store, append(chat, f.term), core.Options{Clock: f.clock, Replica: name, Sleep: virtualSleep(f.clock)})
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fleet) members(n int, ref func(int) bot.UserRef) []bot.UserRef {
	f.t.Helper()
	ctx := context.Background()
	out := make([]bot.UserRef, n)
	for i := range n {
		out[i] = ref(i)
		m := bot.Member{Ref: out[i], Name: fmt.Sprintf("Prénom%d Nom", i), Role: "dgs", Onboarded: f.clock.Now(),
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: fmt.Sprintf("Commune %d", i), Population: 1000 + i, Region: "53", Departement: "29"}}
		if err := f.store.SaveMember(ctx, m); err != nil {
			f.t.Fatal(err)
		}
	}
	return out
}

func (f *fleet) submit(b *core.Bot, d core.BroadcastDraft) bot.Broadcast {
	f.t.Helper()
	if d.Text == nil {
		d.Text = map[bot.Lang]string{bot.French: "Bonjour {prenom}, rendez-vous au congrès ({collectivite})."}
	}
	if d.Origin == "" {
		d.Origin, d.Author, d.AuthorLang = "chat", organizer, bot.French
	}
	bc, _, err := b.SubmitBroadcast(context.Background(), d)
	if err != nil {
		f.t.Fatalf("SubmitBroadcast: %v", err)
	}
	return bc
}

// runUntilDone runs the replicas' work (concurrently) until the broadcast
// is done, advancing the clock between rounds like the scheduler's ticks.
func (f *fleet) runUntilDone(id string, bots ...*core.Bot) bot.Broadcast {
	f.t.Helper()
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		for _, b := range bots {
			wg.Go(func() {
				if err := b.RunBroadcast(context.Background(), id); err != nil {
					f.t.Errorf("RunBroadcast: %v", err)
				}
			})
		}
		wg.Wait()
		bc, err := f.store.Broadcast(context.Background(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if bc.State.Final() {
			return bc
		}
		f.clock.Advance(time.Minute)
	}
	counts, _ := f.store.RecipientCounts(context.Background(), id)
	f.t.Fatalf("broadcast %s not done after 20 rounds: %v", id, counts)
	return bot.Broadcast{}
}

// exactlyOnce checks that every ref's direct conversation got exactly one
// message.
func (f *fleet) exactlyOnce(refs []bot.UserRef) { f.t.Helper(); f.exactly(refs, 1) }

// exactly checks that every ref's direct conversation got want messages.
func (f *fleet) exactly(refs []bot.UserRef, want int) {
	f.t.Helper()
	got := f.chat.received()
	bad := 0
	for _, r := range refs {
		if n := got["D-"+r.User]; n != want {
			if bad++; bad <= 5 {
				f.t.Errorf("%s received %d messages, want exactly %d", r.User, n, want)
			}
		}
	}
	if bad > 0 {
		f.t.Errorf("%d of %d members did not receive exactly %d messages", bad, len(refs), want)
	}
}

// slackFleet is a fleet on bbolt and a Slack-like fake platform, at a
// time, with a seed for the fake's randomness.
func slackFleet(t testing.TB, at time.Time, seed uint64) (*fleet, *chatPlatform, bot.Store, *fakeClock) {
	clock := fakeclock.New(at)
	store := openBoltClock(t, clock)
	chat := newChatPlatform(bot.PlatformSlack, clock, seed).slackLike()
	return newFleet(t, store, clock, chat), chat, store, clock
}

func openBoltClock(t testing.TB, clock *fakeClock) bot.Store {
	t.Helper()
	s, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

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
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
			store := openBoltClock(t, clock)
			chat := newChatPlatform(bot.PlatformSlack, clock, 7).slackLike()
			f := newFleet(t, store, clock, chat)
			refs := f.members(1000, slackUser)
			first := f.bot("first")
			bc := f.submit(first, core.BroadcastDraft{})

			ctx, kill := context.WithCancel(context.Background())
			chat.mu.Lock()
			chat.crashAt, chat.crash = 400, kill
			chat.mu.Unlock()
			if !tt.afterPost {
				// Die before posting the 401st: as the post starts.
				chat.mu.Lock()
				chat.crashAt = 0
				chat.mu.Unlock()
				stopBefore(chat, 400, kill)
			}
			err := first.RunBroadcast(ctx, bc.ID)
			if err == nil || !errors.Is(err, context.Canceled) {
				t.Fatalf("first process: RunBroadcast = %v, want the kill (context canceled)", err)
			}
			counts, _ := store.RecipientCounts(context.Background(), bc.ID)
			if counts[bot.RecipientSending] != 1 || counts[bot.RecipientSent] != tt.wantSent {
				t.Fatalf("after the kill: %v, want %d sent and 1 sending", counts, tt.wantSent)
			}
			chat.mu.Lock()
			chat.crashAt, chat.crash, chat.before = 0, nil, nil
			chat.mu.Unlock()

			clock.Advance(3 * time.Minute) // the dead process's leases expire
			second := f.bot("second")
			done := f.runUntilDone(bc.ID, second)
			f.exactlyOnce(refs)
			counts, _ = store.RecipientCounts(context.Background(), bc.ID)
			if done.State != bot.BroadcastDone || counts[bot.RecipientSent] != 1000 || counts[bot.RecipientUnknown] != tt.wantUnknown {
				t.Errorf("after the restart: %s %v, want done with 1000 sent", done.State, counts)
			}
			report := lastTo(f.term, organizer)
			if !strings.Contains(report, fr("broadcasts.report_sent", "count", "1\u202f000")) {
				t.Errorf("final report = %q, want 1 000 sent", report)
			}
		})
	}
}

// stopBefore makes the fake cancel the caller as the nth post starts,
// before anything is stored.
func stopBefore(c *chatPlatform, n int, kill context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.before = func() error {
		if c.seq == n {
			kill()
			return context.Canceled
		}
		return nil
	}
}

func lastTo(o *outbox, u bot.UserRef) string {
	r := &o.recorder
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sent) - 1; i >= 0; i-- {
		if r.sent[i].conv.ID == "dm:"+u.User || r.sent[i].conv.ID == u.User {
			return r.sent[i].reply.Text
		}
	}
	return ""
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
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
			chat := newChatPlatform(bot.PlatformMattermost, clock, 11).mattermostLike()
			chat.random429 = 0.05
			f := newFleet(t, open(t), clock, chat)
			refs := f.members(600, func(i int) bot.UserRef {
				return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: "mm", User: fmt.Sprintf("u%04d", i)}
			})
			a, b, c := f.bot("a"), f.bot("b"), f.bot("c")
			bc := f.submit(a, core.BroadcastDraft{})
			done := f.runUntilDone(bc.ID, a, b, c)
			f.exactlyOnce(refs)
			counts, _ := f.store.RecipientCounts(context.Background(), bc.ID)
			if done.State != bot.BroadcastDone || counts[bot.RecipientSent] != 600 {
				t.Errorf("broadcast %s %v, want done with 600 sent", done.State, counts)
			}
			chat.mu.Lock()
			t.Logf("%d calls, %d answered 429 at random, %d 429 for an empty bucket", chat.calls, chat.randomLimit, chat.limited)
			if chat.randomLimit == 0 {
				t.Errorf("no random 429 was answered: the test does not test their handling")
			}
			chat.mu.Unlock()
		})
	}
}

// A post whose outcome is unknown, on a platform that cannot tell whether
// it went through, is marked and reported, never sent again.
func TestBroadcastUnknownOutcomeNotRetried(t *testing.T) {
	f, chat, store, _ := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 3)
	chat.crashAt, chat.crash = 3, func() {} // the answer of the 3rd post is lost
	refs := f.members(10, slackUser)
	b := f.bot("a", noFinder{chat})
	bc := f.submit(b, core.BroadcastDraft{})
	f.runUntilDone(bc.ID, b)
	got := chat.received()
	for _, r := range refs {
		if got["D-"+r.User] != 1 {
			t.Errorf("%s received %d, want 1 (the unknown one was posted once, never again)", r.User, got["D-"+r.User])
		}
	}
	counts, _ := store.RecipientCounts(context.Background(), bc.ID)
	if counts[bot.RecipientUnknown] != 1 || counts[bot.RecipientSent] != 9 {
		t.Errorf("counts = %v, want 9 sent, 1 unknown", counts)
	}
	if report := lastTo(f.term, organizer); !strings.Contains(report, fr("broadcasts.report_unknown", "count", "1")) {
		t.Errorf("report = %q, want the unknown outcome reported", report)
	}
}

// Members who declined announcements, erased members and members who
// never signed up are skipped, and the report says why; an urgent
// broadcast reaches those who declined.
func TestBroadcastSkipsAndReasons(t *testing.T) {
	f, chat, store, _ := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 5)
	refs := f.members(6, slackUser)
	ctx := context.Background()
	m, _ := store.Member(ctx, refs[0])
	m.Prefs.NoAnnouncements = true
	_ = store.SaveMember(ctx, m)
	m, _ = store.Member(ctx, refs[1])
	m.Onboarded = time.Time{} // imported, never talked with the bot
	_ = store.SaveMember(ctx, m)
	b := f.bot("a")
	bc := f.submit(b, core.BroadcastDraft{})
	if bc.Expected != 4 {
		t.Errorf("Expected = %d, want 4 (one declined, one not signed up)", bc.Expected)
	}
	if err := b.RunBroadcast(ctx, "missing"); err == nil {
		t.Errorf("RunBroadcast(missing) = nil, want an error")
	}
	// The last one is listed, then erases their data before their turn.
	chat.mu.Lock()
	chat.before = func() error {
		if chat.seq == 0 {
			if err := b.EraseMember(ctx, refs[5]); err != nil {
				t.Errorf("erasing: %v", err)
			}
		}
		return nil
	}
	chat.mu.Unlock()
	f.runUntilDone(bc.ID, b)
	chat.mu.Lock()
	chat.before = nil
	chat.mu.Unlock()
	counts, _ := store.RecipientCounts(ctx, bc.ID)
	if counts[bot.RecipientSent] != 3 || counts[bot.RecipientSkipped] != 3 {
		t.Errorf("counts = %v, want 3 sent, 3 skipped", counts)
	}
	recs, _ := store.Recipients(ctx, bc.ID, 5, 6)
	if len(recs) != 1 || !recs[0].Ref.IsZero() || recs[0].Reason != "erased" {
		t.Errorf("erased member's record = %+v, want anonymous, skipped as erased", recs)
	}
	report := lastTo(f.term, organizer)
	for _, want := range []string{fr("broadcasts.reason.opted_out") + " (1)", fr("broadcasts.reason.not_onboarded") + " (1)", fr("broadcasts.reason.erased") + " (1)"} {
		if !strings.Contains(report, want) {
			t.Errorf("report = %q, want %q", report, want)
		}
	}
	urgent := f.submit(b, core.BroadcastDraft{Urgent: true, Text: map[bot.Lang]string{bot.French: "Urgent : salle changée."}})
	f.runUntilDone(urgent.ID, b)
	if got := chat.received()["D-"+refs[0].User]; got != 1 {
		t.Errorf("the member who declined announcements got %d messages in all, want 1 (the urgent one)", got)
	}
}

// Outside working hours a normal broadcast waits for each recipient's
// window (in their zone); an urgent one goes at once.
func TestBroadcastWorkingHours(t *testing.T) {
	// Saturday 28 November 2026, 10:00 in Paris.
	f, chat, store, clock := slackFleet(t, time.Date(2026, 11, 28, 10, 0, 0, 0, paris), 5)
	f.s.WorkingHours = bot.WorkingHours{Days: weekdays, Start: 9 * 60, End: 18 * 60, Location: paris}
	refs := f.members(3, slackUser)
	b := f.bot("a")
	bc := f.submit(b, core.BroadcastDraft{})
	if err := b.RunBroadcast(context.Background(), bc.ID); err != nil {
		t.Fatal(err)
	}
	if got := chat.received(); len(got) != 0 {
		t.Fatalf("on Saturday a normal broadcast sent %v, want nothing yet", got)
	}
	recs, _ := store.Recipients(context.Background(), bc.ID, 0, 3)
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, paris); len(recs) != 3 || !recs[0].NotBefore.Equal(want) {
		t.Fatalf("held recipients = %+v, want pending until Monday 09:00", recs)
	}
	urgent := f.submit(b, core.BroadcastDraft{Urgent: true, Text: map[bot.Lang]string{bot.French: "Alerte"}})
	f.runUntilDone(urgent.ID, b)
	if got := chat.received(); len(got) != 3 {
		t.Errorf("urgent broadcast reached %d, want 3 at once", len(got))
	}
	clock.Set(time.Date(2026, 11, 30, 9, 0, 1, 0, paris))
	f.runUntilDone(bc.ID, b)
	for _, r := range refs {
		if got := chat.received()["D-"+r.User]; got != 2 {
			t.Errorf("%s got %d messages, want 2 (urgent, then Monday's)", r.User, got)
		}
	}
}

// Cancelling a running broadcast stops it: the recipients not reached yet
// are not, and the report says so.
func TestBroadcastCancelWhileRunning(t *testing.T) {
	f, chat, store, _ := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 5)
	f.members(120, slackUser)
	b := f.bot("a")
	bc := f.submit(b, core.BroadcastDraft{})
	chat.mu.Lock()
	chat.before = func() error {
		if chat.seq == 30 {
			if _, err := b.CancelBroadcast(context.Background(), bc.ID, user("orga2")); err != nil {
				t.Errorf("CancelBroadcast: %v", err)
			}
		}
		return nil
	}
	chat.mu.Unlock()
	f.runUntilDone(bc.ID, b)
	f.runUntilDone(bc.ID, b) // the next run settles and reports
	done, _ := store.Broadcast(context.Background(), bc.ID)
	counts, _ := store.RecipientCounts(context.Background(), bc.ID)
	sent := counts[bot.RecipientSent]
	if done.State != bot.BroadcastCancelled || sent < 31 || sent > 41 || sent+counts[bot.RecipientPending] != 120 {
		t.Errorf("after cancelling at the 31st post: %s %v, want cancelled, 31 to 41 sent (within ten posts), the rest pending", done.State, counts)
	}
	left := strconv.Itoa(120 - sent)
	if report := lastTo(f.term, organizer); !strings.Contains(report, fr("broadcasts.report_not_sent", "count", left)) {
		t.Errorf("report to the author = %q, want %s not sent", report, left)
	}
	if _, err := b.CancelBroadcast(context.Background(), bc.ID, organizer); err == nil {
		t.Errorf("cancelling twice succeeded")
	}
}

// A 429 seen by one replica holds every replica: the replica that got it
// dies during the wait; the next one calls the platform only once the
// Retry-After has passed.
func TestBroadcast429HoldsEveryReplica(t *testing.T) {
	f, chat, _, clock := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 9)
	refs := f.members(3, slackUser)
	a := f.bot("a")
	bc := f.submit(a, core.BroadcastDraft{})
	chat.mu.Lock()
	chat.next429 = 30 * time.Second
	chat.mu.Unlock()
	limitedAt := clock.Now()
	ctx, kill := context.WithCancel(context.Background())
	b, err := bottest.New(f.s, f.store, []bot.ChatAdapter{chat, f.term}, core.Options{Clock: clock, Replica: "a",
		Sleep: func(ctx context.Context, d time.Duration) error { kill(); return context.Canceled }})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.RunBroadcast(ctx, bc.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("first replica: %v, want it to die while waiting", err)
	}
	chat.mu.Lock()
	first := len(chat.callTimes)
	chat.mu.Unlock()
	f.runUntilDone(bc.ID, f.bot("b"))
	f.exactlyOnce(refs)
	chat.mu.Lock()
	defer chat.mu.Unlock()
	for _, at := range chat.callTimes[first:] {
		if at.Before(limitedAt.Add(30 * time.Second)) {
			t.Errorf("the second replica called the platform at +%s, within the 30 s another replica was told to wait", at.Sub(limitedAt))
		}
	}
}
