package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot/bottest"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func TestRateLimitTellsOnceDropsTheFloodAndSparesOthers(t *testing.T) {
	base := bottest.NewHarness(t, bot.Settings{})
	cs := &bottest.CountingStore{Store: base.Store}
	h := bottest.NewHarnessWith(t, bot.Settings{RateLimit: bot.RateLimit{PerMinute: 30, Burst: 5}}, cs, base.Clock)
	alice, bob := bottest.User("alice"), bottest.User("bob")

	var notices, answered int
	for range 1000 { // a thousand messages in the same instant
		for _, r := range h.Say(alice, "aide") {
			if r.Text == bottest.Fr("ops.rate_limited") {
				notices++
			} else {
				answered++
			}
		}
	}
	if answered != 5 || notices != 1 {
		t.Errorf("flood of 1000: %d answered, %d notices; want 5 (the burst) and 1", answered, notices)
	}
	if cs.Reads > 5+2 {
		t.Errorf("the flood read the store %d times; dropped messages must cost no store call", cs.Reads)
	}
	// Another member is served at once.
	if got := bottest.Only(t, h.Say(bob, "aide")).Text; got == bottest.Fr("ops.rate_limited") {
		t.Error("bob was rate limited by alice's flood")
	}
	// Alice earns a token every 2 s (30 a minute): one message, then silence
	// again, without a second notice while she keeps flooding.
	h.Clock.Advance(2 * time.Second)
	if got := bottest.Only(t, h.Say(alice, "aide")).Text; got == bottest.Fr("ops.rate_limited") {
		t.Error("a refilled token did not let alice's message through")
	}
	if got := h.Say(alice, "aide"); len(got) != 0 {
		t.Errorf("still flooding: got %+v, want silence (the notice was given once)", got)
	}
	// Calm for long enough to fill the bucket: a new flood is told again.
	h.Clock.Advance(time.Minute)
	for range 5 {
		h.Say(alice, "aide")
	}
	if got := bottest.Only(t, h.Say(alice, "aide")).Text; got != bottest.Fr("ops.rate_limited") {
		t.Errorf("second flood: %q, want the notice again", got)
	}
}

func TestRateLimitIgnoresGroupChatterAndCanBeOff(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{RateLimit: bot.RateLimit{PerMinute: 1, Burst: 1}})
	alice := bottest.User("alice")
	group := bot.Conversation{Platform: alice.Platform, Workspace: alice.Workspace, ID: "g1", Kind: bot.Group}
	for range 50 { // members talking among themselves: not addressed to the bot
		h.Bot.Handle(context.Background(), bot.Message{From: alice, Conversation: group, Text: "bonjour"})
	}
	if got := bottest.Only(t, h.Say(alice, "aide")).Text; got == bottest.Fr("ops.rate_limited") {
		t.Error("group chatter counted against the member's limit")
	}

	off := bottest.NewHarness(t, bot.Settings{}) // PerMinute 0: no limit
	for i := range 100 {
		if got := bottest.Only(t, off.Say(alice, "aide")).Text; got == bottest.Fr("ops.rate_limited") {
			t.Fatalf("message %d rate limited with the limit off", i)
		}
	}
}

func TestObserverSeesMessagesCommandsAndErrors(t *testing.T) {
	base := bottest.NewHarness(t, bot.Settings{})
	obs := bottest.NewRecObserver()
	chat := &bottest.Recorder{}
	b, err := bottest.New(bot.Settings{}, base.Store, []bot.ChatAdapter{chat},
		core.Options{Clock: bottest.SlowClock{FakeClock: base.Clock}, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	alice := bottest.User("alice")
	onboarded(t, base, alice) // « xyzzy » is then not understood, not the front door's first message
	b.Handle(context.Background(), bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "aide"})
	b.Handle(context.Background(), bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "xyzzy"})
	b.Handle(context.Background(), bot.Message{From: alice, Conversation: bottest.Dm(alice),
		Choice: &bot.ChoiceEvent{Action: "nope", Value: "1"}})

	down, err := bottest.New(bot.Settings{}, bottest.DownStore{Store: base.Store}, []bot.ChatAdapter{chat},
		core.Options{Clock: bottest.SlowClock{FakeClock: base.Clock}, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	down.Handle(context.Background(), bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "aide"})

	obs.Mu.Lock()
	defer obs.Mu.Unlock()
	if obs.In != 4 || obs.Out != 4 || obs.OutErr != 0 {
		t.Errorf("in %d, out %d (errors %d); want 4, 4, 0", obs.In, obs.Out, obs.OutErr)
	}
	want := map[string]int{"help": 1, "other": 2, "choice": 1}
	for k, n := range want {
		if obs.HandledCount[k] != n {
			t.Errorf("handled[%q] = %d, want %d (all: %v)", k, obs.HandledCount[k], n, obs.HandledCount)
		}
	}
	if obs.LastTime <= 0 {
		t.Errorf("handling time %v, want > 0", obs.LastTime)
	}
	if obs.Errors[bot.ErrorKindStoreUnavailable] != 1 {
		t.Errorf("errors %v, want one %s", obs.Errors, bot.ErrorKindStoreUnavailable)
	}
}

// The scheduler reports the slots it runs and those it skips.
func TestObserverSeesJobsFiredAndSkipped(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 8, 50, 0, 0, bottest.Paris)) // Thursday
	store := bottest.OpenBolt(t, clock)
	obs := bottest.NewRecObserver()
	s := bottest.SchedSettings(bottest.ChannelJob("hourly", "0 * * * *"), bottest.ChannelJob("daily", "0 9 * * *"))
	b, err := bottest.New(s, store, []bot.ChatAdapter{&bottest.Outbox{}}, core.Options{Clock: clock, Replica: "a", Observer: obs})
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

	obs.Mu.Lock()
	defer obs.Mu.Unlock()
	if obs.Fired["hourly/true"] != 2 || len(obs.Fired) != 1 {
		t.Errorf("fired %v, want hourly twice and nothing else", obs.Fired)
	}
	if obs.Skipped["hourly/missed"] != 4 || obs.Skipped["daily/late"] != 1 {
		t.Errorf("skipped %v, want hourly's 09:00, 10:00, 11:00 and 13:00 missed, daily's 09:00 late", obs.Skipped)
	}
}
