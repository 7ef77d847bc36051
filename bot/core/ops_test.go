package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// countingStore counts Member reads: a flood that is rate limited must not
// reach the store.
type countingStore struct {
	bot.Store
	mu    sync.Mutex
	reads int
}

func (s *countingStore) Member(ctx context.Context, ref bot.UserRef) (bot.Member, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	return s.Store.Member(ctx, ref)
}

func TestRateLimitTellsOnceDropsTheFloodAndSparesOthers(t *testing.T) {
	base := newHarness(t, bot.Settings{})
	cs := &countingStore{Store: base.store}
	h := newHarnessWith(t, bot.Settings{RateLimit: bot.RateLimit{PerMinute: 30, Burst: 5}}, cs, base.clock)
	alice, bob := user("alice"), user("bob")

	var notices, answered int
	for range 1000 { // a thousand messages in the same instant
		for _, r := range h.say(alice, "aide") {
			if r.Text == fr("ops.rate_limited") {
				notices++
			} else {
				answered++
			}
		}
	}
	if answered != 5 || notices != 1 {
		t.Errorf("flood of 1000: %d answered, %d notices; want 5 (the burst) and 1", answered, notices)
	}
	if cs.reads > 5+2 {
		t.Errorf("the flood read the store %d times; dropped messages must cost no store call", cs.reads)
	}
	// Another member is served at once.
	if got := only(t, h.say(bob, "aide")).Text; got == fr("ops.rate_limited") {
		t.Error("bob was rate limited by alice's flood")
	}
	// Alice earns a token every 2 s (30 a minute): one message, then silence
	// again, without a second notice while she keeps flooding.
	h.clock.Advance(2 * time.Second)
	if got := only(t, h.say(alice, "aide")).Text; got == fr("ops.rate_limited") {
		t.Error("a refilled token did not let alice's message through")
	}
	if got := h.say(alice, "aide"); len(got) != 0 {
		t.Errorf("still flooding: got %+v, want silence (the notice was given once)", got)
	}
	// Calm for long enough to fill the bucket: a new flood is told again.
	h.clock.Advance(time.Minute)
	for range 5 {
		h.say(alice, "aide")
	}
	if got := only(t, h.say(alice, "aide")).Text; got != fr("ops.rate_limited") {
		t.Errorf("second flood: %q, want the notice again", got)
	}
}

func TestRateLimitIgnoresGroupChatterAndCanBeOff(t *testing.T) {
	h := newHarness(t, bot.Settings{RateLimit: bot.RateLimit{PerMinute: 1, Burst: 1}})
	alice := user("alice")
	group := bot.Conversation{Platform: alice.Platform, Workspace: alice.Workspace, ID: "g1", Kind: bot.Group}
	for range 50 { // members talking among themselves: not addressed to the bot
		h.bot.Handle(context.Background(), bot.Message{From: alice, Conversation: group, Text: "bonjour"})
	}
	if got := only(t, h.say(alice, "aide")).Text; got == fr("ops.rate_limited") {
		t.Error("group chatter counted against the member's limit")
	}

	off := newHarness(t, bot.Settings{}) // PerMinute 0: no limit
	for i := range 100 {
		if got := only(t, off.say(alice, "aide")).Text; got == fr("ops.rate_limited") {
			t.Fatalf("message %d rate limited with the limit off", i)
		}
	}
}

// recObserver records what the core reports.
type recObserver struct {
	mu       sync.Mutex
	in, out  int
	outErr   int
	handled  map[string]int
	errors   map[string]int
	fired    map[string]int
	skipped  map[string]int
	lastTime time.Duration
}

func newRecObserver() *recObserver {
	return &recObserver{handled: map[string]int{}, errors: map[string]int{}, fired: map[string]int{}, skipped: map[string]int{}}
}

func (o *recObserver) MessageIn(bot.Platform) { o.mu.Lock(); o.in++; o.mu.Unlock() }
func (o *recObserver) MessageOut(_ bot.Platform, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.out++
	if err != nil {
		o.outErr++
	}
}
func (o *recObserver) Handled(_ bot.Platform, cmd string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.handled[cmd]++
	o.lastTime = d
}
func (o *recObserver) Error(kind string) { o.mu.Lock(); o.errors[kind]++; o.mu.Unlock() }
func (o *recObserver) JobFired(job string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fired[fmt.Sprintf("%s/%v", job, err == nil)]++
}
func (o *recObserver) JobSkipped(job, reason string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.skipped[job+"/"+reason] += n
}
func (o *recObserver) Broadcast(string, int, int, int, bool) {}

// slowClock advances a fake clock on every reading, so that durations
// measured by the core are not zero.
type slowClock struct{ *fakeClock }

func (c slowClock) Now() time.Time { c.fakeClock.Advance(time.Millisecond); return c.fakeClock.Now() }

func TestObserverSeesMessagesCommandsAndErrors(t *testing.T) {
	base := newHarness(t, bot.Settings{})
	obs := newRecObserver()
	chat := &recorder{}
	b, err := bottest.New(bot.Settings{}, base.store, []bot.ChatAdapter{chat},
		core.Options{Clock: slowClock{base.clock}, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	alice := user("alice")
	b.Handle(context.Background(), bot.Message{From: alice, Conversation: dm(alice), Text: "aide"})
	b.Handle(context.Background(), bot.Message{From: alice, Conversation: dm(alice), Text: "xyzzy"})
	b.Handle(context.Background(), bot.Message{From: alice, Conversation: dm(alice),
		Choice: &bot.ChoiceEvent{Action: "nope", Value: "1"}})

	down, err := bottest.New(bot.Settings{}, downStore{base.store}, []bot.ChatAdapter{chat},
		core.Options{Clock: slowClock{base.clock}, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	down.Handle(context.Background(), bot.Message{From: alice, Conversation: dm(alice), Text: "aide"})

	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.in != 4 || obs.out != 4 || obs.outErr != 0 {
		t.Errorf("in %d, out %d (errors %d); want 4, 4, 0", obs.in, obs.out, obs.outErr)
	}
	want := map[string]int{"help": 1, "other": 2, "choice": 1}
	for k, n := range want {
		if obs.handled[k] != n {
			t.Errorf("handled[%q] = %d, want %d (all: %v)", k, obs.handled[k], n, obs.handled)
		}
	}
	if obs.lastTime <= 0 {
		t.Errorf("handling time %v, want > 0", obs.lastTime)
	}
	if obs.errors[bot.ErrorKindStoreUnavailable] != 1 {
		t.Errorf("errors %v, want one %s", obs.errors, bot.ErrorKindStoreUnavailable)
	}
}

// The scheduler reports the slots it runs and those it skips.
func TestObserverSeesJobsFiredAndSkipped(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 8, 50, 0, 0, paris)) // Thursday
	store := openBolt(t, clock)
	obs := newRecObserver()
	s := schedSettings(channelJob("hourly", "0 * * * *"), channelJob("daily", "0 9 * * *"))
	b, err := bottest.New(s, store, []bot.ChatAdapter{&outbox{}}, core.Options{Clock: clock, Replica: "a", Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	b.Tick(t.Context()) // first sight: nothing runs
	b.WaitJobs()
	// 12:10: hourly missed 09:00 to 11:00 and runs 12:00; daily's 09:00 is
	// older than the hour of grace: skipped as late.
	clock.Advance(3*time.Hour + 20*time.Minute)
	b.Tick(t.Context())
	b.WaitJobs()
	clock.Advance(2 * time.Hour) // 14:10: hourly missed 13:00 and runs 14:00
	b.Tick(t.Context())
	b.WaitJobs()

	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.fired["hourly/true"] != 2 || len(obs.fired) != 1 {
		t.Errorf("fired %v, want hourly twice and nothing else", obs.fired)
	}
	if obs.skipped["hourly/missed"] != 4 || obs.skipped["daily/late"] != 1 {
		t.Errorf("skipped %v, want hourly's 09:00, 10:00, 11:00 and 13:00 missed, daily's 09:00 late", obs.skipped)
	}
}
