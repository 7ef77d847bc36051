package core_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/features"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/schedule"
)

func TestNewRefusesUnavailableKinds(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, bottest.Paris))
	s := bottest.SchedSettings(bot.Job{Name: "r", Kind: "lottery", Schedule: schedule.MustParse("@weekly", bottest.Paris)})
	_, err := bottest.New(s, bottest.OpenBolt(t, clock), []bot.ChatAdapter{&bottest.Outbox{}}, core.Options{Clock: clock})
	if err == nil || !strings.Contains(err.Error(), `kind "lottery" is not available`) {
		t.Errorf("New with a lottery job: %v, want it refused by name", err)
	}
	kinds, err := core.JobKinds(features.All())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(kinds, ","); got != "announcement,digest,followup,purge,round,summary" {
		t.Errorf("JobKinds() = %s, want announcement,digest,followup,purge,round,summary", got)
	}
}

// A daily 09:00 job: a new job waits for its next slot; downtime of 30
// minutes past the slot catches up once; of 6 hours skips it.
func TestCatchUpAndSkip(t *testing.T) {
	tests := []struct {
		name     string
		downtime time.Duration
		runs     int
	}{
		{"30 minutes late: runs once at start", 40 * time.Minute, 1},
		{"6 hours late: skipped", 6 * time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 8, 50, 0, 0, bottest.Paris)) // Thursday
			store := bottest.OpenBolt(t, clock)
			s := bottest.SchedSettings(bottest.ChannelJob("daily", "0 9 * * *"))
			r := bottest.NewReplica(t, s, store, clock, "a")
			r.Tick(t) // first sight: Wednesday's 09:00 is not run
			if got := len(r.Chat.Take()); got != 0 {
				t.Fatalf("a new job ran %d times at first sight, want 0", got)
			}
			// The replica stops; another starts after the downtime.
			clock.Advance(tt.downtime)
			r2 := bottest.NewReplica(t, s, store, clock, "b")
			r2.Tick(t)
			r2.Tick(t)
			if got := len(r2.Chat.Take()); got != tt.runs {
				t.Errorf("after %v of downtime the 09:00 slot ran %d times, want %d", tt.downtime, got, tt.runs)
			}
			last, err := store.LastSlot(t.Context(), "daily")
			if want := time.Date(2026, 11, 26, 9, 0, 0, 0, bottest.Paris); err != nil || !last.Equal(want) {
				t.Errorf("LastSlot = %v, %v; want %v (run or skipped, never again)", last, err, want)
			}
			// The next day's slot runs normally.
			bottest.At(clock, time.Date(2026, 11, 27, 9, 0, 5, 0, bottest.Paris))
			r2.Tick(t)
			if got := len(r2.Chat.Take()); got != 1 {
				t.Errorf("next day's slot ran %d times, want 1", got)
			}
		})
	}
}

// An hourly job after 6 hours of downtime runs its latest slot once (it is
// younger than the grace), never the five before: no burst replay.
func TestNoBurstAfterClockJump(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 8, 30, 0, 0, bottest.Paris))
	r := bottest.NewReplica(t, bottest.SchedSettings(bottest.ChannelJob("hourly", "@hourly")), bottest.OpenBolt(t, clock), clock, "a")
	r.Tick(t)
	clock.Advance(6 * time.Hour)
	r.Tick(t)
	r.Tick(t)
	if got := len(r.Chat.Take()); got != 1 {
		t.Errorf("after a 6-hour jump an hourly job ran %d times, want 1", got)
	}
	clock.Advance(-3 * time.Hour) // the clock goes back: nothing runs again
	r.Tick(t)
	if got := len(r.Chat.Take()); got != 0 {
		t.Errorf("after the clock went back the job ran %d times, want 0", got)
	}
}

// 02:30 Europe/Paris runs once on 29 March 2026 and once on 25 October
// 2026, with a replica ticking every minute through both nights.
func TestDSTNights(t *testing.T) {
	for _, day := range []int{29, 25} {
		month := time.March
		if day == 25 {
			month = time.October
		}
		clock := fakeclock.New(time.Date(2026, month, day-1, 23, 0, 0, 0, bottest.Paris))
		r := bottest.NewReplica(t, bottest.SchedSettings(bottest.ChannelJob("night", "30 2 * * *")), bottest.OpenBolt(t, clock), clock, "a")
		for range 6 * 60 {
			r.Tick(t)
			clock.Advance(time.Minute)
		}
		if got := len(r.Chat.Take()); got != 1 {
			t.Errorf("%d %s: the 02:30 job ran %d times, want 1", day, month, got)
		}
	}
}

// Two replicas on one store, ticking in turn and at once, fire each slot
// of an @every 2s job exactly once.
func TestTwoReplicasFireEachSlotOnce(t *testing.T) {
	stores := map[string]func(t *testing.T, clock *bottest.FakeClock) (bot.Store, bot.Store){
		"bolt": func(t *testing.T, clock *bottest.FakeClock) (bot.Store, bot.Store) {
			s := bottest.OpenBolt(t, clock)
			return s, s
		},
		"miniredis": func(t *testing.T, clock *bottest.FakeClock) (bot.Store, bot.Store) {
			srv := miniredis.RunT(t)
			open := func() bot.Store {
				s, err := redis.Open(t.Context(), "redis://"+srv.Addr()+"/0", redis.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			return open(), open()
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 1, 0, bottest.Paris))
			s1, s2 := open(t, clock)
			s := bottest.SchedSettings(bottest.ChannelJob("every2s", "@every 2s"))
			a := bottest.NewReplica(t, s, s1, clock, "a")
			b := bottest.NewReplica(t, s, s2, clock, "b")
			a.Tick(t) // first sight
			const slots = 20
			for i := range slots {
				clock.Advance(2 * time.Second)
				var wg sync.WaitGroup
				for _, r := range []*bottest.Replica{a, b} {
					wg.Go(func() { r.Bot.Tick(t.Context()) })
				}
				wg.Wait()
				a.Bot.WaitJobs()
				b.Bot.WaitJobs()
				if i%3 == 0 { // a late replica ticks again: nothing twice
					b.Tick(t)
				}
			}
			na, nb := len(a.Chat.Take()), len(b.Chat.Take())
			if na+nb != slots {
				t.Errorf("%d slots delivered %d times (a %d, b %d), want exactly %d", slots, na+nb, na, nb, slots)
			}
		})
	}
}

// A panic in a job is recovered and logged; the next slot runs.
func TestJobPanicRecovered(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, bottest.Paris))
	r := bottest.NewReplica(t, bottest.SchedSettings(bottest.ChannelJob("minute", "* * * * *")), bottest.OpenBolt(t, clock), clock, "a")
	r.Tick(t)
	r.Chat.SetBefore(func(context.Context, bot.Conversation) error { panic("adapter exploded") })
	clock.Advance(time.Minute)
	r.Tick(t) // panics inside the job
	r.Chat.SetBefore(nil)
	clock.Advance(time.Minute)
	r.Tick(t)
	if got := len(r.Chat.Take()); got != 1 {
		t.Errorf("after a panic the next slot sent %d messages, want 1", got)
	}
}

// A job still running when its next slot comes is not started again,
// neither here nor on another replica; the slot it overran is skipped.
func TestRunningJobNotStartedTwice(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, bottest.Paris))
	store := bottest.OpenBolt(t, clock)
	s := bottest.SchedSettings(bottest.ChannelJob("minute", "* * * * *"))
	a := bottest.NewReplica(t, s, store, clock, "a")
	b := bottest.NewReplica(t, s, store, clock, "b")
	a.Tick(t)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	a.Chat.SetBefore(func(context.Context, bot.Conversation) error {
		once.Do(func() { close(started) })
		<-release
		return nil
	})
	clock.Advance(time.Minute)
	a.Bot.Tick(t.Context())
	<-started
	clock.Advance(time.Minute) // the next slot comes while the job runs
	a.Bot.Tick(t.Context())
	b.Tick(t)
	close(release)
	a.Bot.WaitJobs()
	if na, nb := len(a.Chat.Take()), len(b.Chat.Take()); na != 1 || nb != 0 {
		t.Errorf("sent a %d, b %d; want the long run's message only (1, 0)", na, nb)
	}
	// The overrun slot (10:02) was skipped, not run late.
	b.Tick(t)
	a.Tick(t)
	if na, nb := len(a.Chat.Take()), len(b.Chat.Take()); na+nb != 0 {
		t.Errorf("after the long run: sent a %d, b %d; want nothing until 10:03", na, nb)
	}
	clock.Advance(time.Minute)
	b.Tick(t)
	if got := len(b.Chat.Take()); got != 1 {
		t.Errorf("10:03 slot sent %d, want 1", got)
	}
}

// An announcement's delivery stopped by a shutdown resumes at the next
// start: the members already served are not served twice, and the one
// whose message was in flight is served once, after reconciliation (the
// job itself only stores the slot's broadcast, and records its slot).
func TestInterruptedJobResumes(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, bottest.Paris))
	store := bottest.OpenBolt(t, clock)
	for _, id := range []string{"m0", "m1"} {
		bottest.SaveMember(t, store, bot.Member{Ref: bottest.User(id), OptedIn: clock.Now()})
	}
	// Once a day at 10:01: the restart a minute later must not meet a new
	// slot (an « every minute » job made this test depend on whether the
	// restarted replica took the 10:02 slot up before or after resuming).
	s := bottest.SchedSettings(bottest.MembersJob("minute", "1 10 * * *", true, bot.MemberFilter{}))
	a := bottest.NewReplica(t, s, store, clock, "a")
	a.Tick(t)
	// The recipients are listed in the order of their keyed hashes: the
	// first post goes through, the shutdown comes during the second.
	blocked := make(chan struct{})
	var first, second string
	a.Chat.SetBefore(func(ctx context.Context, conv bot.Conversation) error {
		if first == "" || first == conv.ID {
			first = conv.ID
			return nil
		}
		second = conv.ID
		close(blocked)
		<-ctx.Done() // the shutdown comes while sending to the second
		return ctx.Err()
	})
	clock.Advance(time.Minute)
	// The job stores the slot's broadcast; the engine starts it in the same
	// tick or the next one, depending on which goroutine runs first.
	ctx, stop := context.WithCancel(t.Context())
	a.Bot.Tick(ctx)
	idle := make(chan struct{})
	go func() { a.Bot.WaitJobs(); close(idle) }()
	select {
	case <-blocked: // started in the job's tick
	case <-idle:
		a.Bot.Tick(ctx)
		<-blocked
	}
	if last, _ := store.LastSlot(t.Context(), "minute"); !last.Equal(time.Date(2026, 11, 26, 10, 1, 0, 0, bottest.Paris)) {
		t.Errorf("LastSlot = %v, want the slot (the job is done once its broadcast is stored)", last)
	}
	stop()
	a.Bot.WaitJobs()
	if got := a.Chat.Take(); len(got) != 1 || got[0].Conv.ID != first || second == first {
		t.Fatalf("before the shutdown sent %+v, want %s only", got, first)
	}
	// Restarted, under the same name (a container's PID 1), once the post
	// in flight can no longer land.
	clock.Advance(time.Minute)
	b := bottest.NewReplica(t, s, store, clock, "a")
	b.Tick(t)
	if got := b.Chat.Take(); len(got) != 1 || got[0].Conv.ID != second {
		t.Errorf("the restarted replica sent %+v, want %s only", got, second)
	}
}

// Announcements to members: filtered, each in their language, held
// outside working hours (in the member's own zone) and sent when the
// window opens, once across replicas; urgent ones go at once.
func TestAnnouncementHeldUntilWorkingHours(t *testing.T) {
	// Saturday 28 November 2026, 10:00 in Paris.
	clock := fakeclock.New(time.Date(2026, 11, 28, 9, 59, 0, 0, bottest.Paris))
	store := bottest.OpenBolt(t, clock)
	optedIn := clock.Now()
	dgs := bot.Member{Ref: bottest.User("dgs"), Role: "dgs", OptedIn: optedIn, Language: bot.English}
	reunion := bot.Member{Ref: bottest.User("reunion"), Role: "dgs", OptedIn: optedIn, TimeZone: "Indian/Reunion"}
	dga := bot.Member{Ref: bottest.User("dga"), Role: "dga", OptedIn: optedIn}
	out := bot.Member{Ref: bottest.User("out"), Role: "dgs"} // not opted in
	for _, m := range []bot.Member{dgs, reunion, dga, out} {
		bottest.SaveMember(t, store, m)
	}
	s := bottest.SchedSettings(
		bottest.MembersJob("weekly", "0 10 * * sat", false, bot.MemberFilter{Roles: []string{"dgs"}}),
		bottest.MembersJob("alert", "0 10 * * sat", true, bot.MemberFilter{Roles: []string{"dga"}}),
	)
	a := bottest.NewReplica(t, s, store, clock, "a")
	b := bottest.NewReplica(t, s, store, clock, "b")
	a.Tick(t)
	clock.Advance(2 * time.Minute)
	a.Tick(t)
	b.Tick(t)
	got := append(a.Chat.Take(), b.Chat.Take()...)
	if len(got) != 1 || got[0].Conv.ID != "dm:dga" {
		t.Fatalf("on Saturday sent %+v, want only the urgent one to dga", got)
	}
	// The announcement is a broadcast (bot/broadcasts): its
	// recipients wait for their working hours in their records.
	held := bottest.HeldUntil(t, store, "job:weekly")
	if len(held) != 2 || held[dgs.Ref].In(bottest.Paris).Format("Mon 15:04") != "Mon 09:00" {
		t.Fatalf("held = %+v, want dgs held until Monday 09:00 Paris", held)
	}
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, bottest.MustZone("Indian/Reunion")); !held[reunion.Ref].Equal(want) {
		t.Fatalf("held for reunion until %v, want Monday 09:00 in La Réunion (%v)", held[reunion.Ref], want)
	}
	// Monday 06:00 Paris = 09:00 in La Réunion.
	bottest.At(clock, time.Date(2026, 11, 30, 6, 0, 10, 0, bottest.Paris))
	a.Tick(t)
	b.Tick(t)
	got = append(a.Chat.Take(), b.Chat.Take()...)
	if len(got) != 1 || got[0].Conv.ID != "dm:reunion" || got[0].Reply.Text != "Annonce" {
		t.Fatalf("Monday 06:00 Paris sent %+v, want the French text to reunion only", got)
	}
	bottest.At(clock, time.Date(2026, 11, 30, 9, 0, 10, 0, bottest.Paris))
	var wg sync.WaitGroup
	for _, r := range []*bottest.Replica{a, b} {
		wg.Go(func() { r.Tick(t) })
	}
	wg.Wait()
	got = append(a.Chat.Take(), b.Chat.Take()...)
	if len(got) != 1 || got[0].Conv.ID != "dm:dgs" || got[0].Reply.Text != "Notice" {
		t.Fatalf("Monday 09:00 Paris sent %+v, want the English text to dgs once", got)
	}
	if left := bottest.HeldUntil(t, store, "job:weekly"); len(left) != 0 {
		t.Errorf("still held after delivery: %+v, want none", left)
	}
}

func TestMemberFilter(t *testing.T) {
	m := bot.Member{Role: "dgs", Interests: []string{"ia", "rh"}, Collectivity: &bot.Collectivity{Region: "84"}}
	tests := []struct {
		f    bot.MemberFilter
		want bool
	}{
		{bot.MemberFilter{}, true},
		{bot.MemberFilter{Roles: []string{"dga", "dgs"}}, true},
		{bot.MemberFilter{Roles: []string{"dga"}}, false},
		{bot.MemberFilter{Regions: []string{"84"}, Interests: []string{"finances", "rh"}}, true},
		{bot.MemberFilter{Regions: []string{"11"}}, false},
		{bot.MemberFilter{Interests: []string{"finances"}}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Matches(m); got != tt.want {
			t.Errorf("%+v.Matches = %v, want %v", tt.f, got, tt.want)
		}
	}
	if (bot.MemberFilter{Regions: []string{"84"}}).Matches(bot.Member{}) {
		t.Errorf("a region filter matched a member without a collectivity")
	}
}

// An announcement to 1,000 opted-in members within working hours, on an
// in-process Redis, through the broadcast engine: recipients listed in
// chunks, two compare-and-swaps and one send per member.
func BenchmarkAnnouncementFanOut(b *testing.B) {
	srv := miniredis.RunT(b)
	store, err := redis.Open(b.Context(), "redis://"+srv.Addr()+"/0", redis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, bottest.Paris))
	for i := range 1000 {
		m := bot.Member{Ref: bottest.User(fmt.Sprint("m", i)), Role: "dgs", OptedIn: clock.Now()}
		if err := store.SaveMember(b.Context(), m); err != nil {
			b.Fatal(err)
		}
	}
	chat := &bottest.Outbox{}
	bt, err := bottest.New(bottest.SchedSettings(bottest.MembersJob("minute", "* * * * *", false, bot.MemberFilter{})), store,
		[]bot.ChatAdapter{chat}, core.Options{Clock: clock, Replica: "a"})
	if err != nil {
		b.Fatal(err)
	}
	bt.Tick(b.Context())
	for b.Loop() {
		clock.Advance(time.Minute)
		bt.Tick(b.Context()) // the job stores the slot's broadcast
		bt.WaitJobs()
		bt.Tick(b.Context()) // the engine delivers it
		bt.WaitJobs()
		if n := len(chat.Take()); n != 1000 {
			b.Fatalf("sent %d, want 1000", n)
		}
	}
}

func TestJobsCommand(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, bottest.Paris))
	s := bottest.SchedSettings(bottest.ChannelJob("lettre", "0 10 1 * *"))
	s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}}
	r := bottest.NewReplica(t, s, bottest.OpenBolt(t, clock), clock, "a")
	r.Tick(t)
	got := r.Say(t, bottest.User("admin"), "tâches")
	want := bottest.Fr("jobs.header") + "\n" + bottest.Fr("jobs.line", "name", "lettre", "kind", "annonce programmée", "spec", "0 10 1 * *",
		"last", "dimanche 1er novembre 2026 à 10 h", "next", "mardi 1er décembre 2026 à 10 h")
	if got != want {
		t.Errorf("jobs:\n got %q\nwant %q", got, want)
	}
	// A job that never ran shows no last slot, and its kind in words.
	s2 := bottest.SchedSettings(bottest.ChannelJob("lettre", "0 10 1 * *"))
	s2.Admins = s.Admins
	fresh := bottest.NewReplica(t, s2, bottest.OpenBolt(t, clock), clock, "b")
	got = fresh.Say(t, bottest.User("admin"), "tâches")
	want = bottest.Fr("jobs.header") + "\n" + bottest.Fr("jobs.line_never_ran", "name", "lettre", "kind", "annonce programmée",
		"spec", "0 10 1 * *", "next", "mardi 1er décembre 2026 à 10 h")
	if got != want || strings.Contains(got, "announcement") || strings.Contains(got, "dernière") {
		t.Errorf("jobs before any run:\n got %q\nwant %q", got, want)
	}
	help := r.Say(t, bottest.User("admin"), "aide")
	if strings.Contains(help, "[help.") || strings.Index(help, "rappelle-moi") > strings.Index(help, bottest.Fr("help.section.organizer")) ||
		strings.Index(help, "tâches") < strings.Index(help, bottest.Fr("help.section.admin")) {
		t.Errorf("help does not list the commands by role:\n%s", help)
	}
	if got := r.Say(t, bottest.User("vous"), "tâches"); got != bottest.Fr("error.forbidden.admin") {
		t.Errorf("a member asking for the jobs: %q", got)
	}
}

// sendToMember holds a message written first outside working hours and
// sends it when the window opens; deliver sends a key once, ever.
func TestSendToMemberAndDeliver(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 20, 0, 0, 0, bottest.Paris)) // Thursday 20:00
	store := bottest.OpenBolt(t, clock)
	r := bottest.NewReplica(t, bottest.SchedSettings(), store, clock, "a")
	vous := bottest.User("vous")
	for _, text := range []string{"Première", "Seconde"} {
		if err := r.Bot.Outbox.SendToMember(t.Context(), vous, bot.Reply{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	r.Tick(t)
	if got := r.Chat.Take(); len(got) != 0 {
		t.Fatalf("at 20:00 sent %+v, want both held", got)
	}
	bottest.At(clock, time.Date(2026, 11, 27, 9, 0, 1, 0, bottest.Paris))
	r.Tick(t)
	if got := r.Chat.Take(); len(got) != 2 || got[0].Reply.Text == got[1].Reply.Text {
		t.Fatalf("at 09:00 sent %+v, want both messages", got)
	}
	// Within hours: at once, and once per key.
	d := outbox.Delivery{To: vous, Reply: bot.Reply{Text: "Une fois"}, Key: "test|1"}
	for range 3 {
		if err := r.Bot.Outbox.Deliver(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.Chat.Take(); len(got) != 1 {
		t.Errorf("delivered one key %d times, want 1", len(got))
	}
	if err := r.Bot.Outbox.Deliver(t.Context(), outbox.Delivery{To: vous, Reply: d.Reply}); err == nil {
		t.Errorf("Deliver without a key: nil error, want one")
	}
}
