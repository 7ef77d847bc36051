package core_test

import (
	"context"
	"fmt"
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
	"github.com/sndgct/maillage/bot/features"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/schedule"
)

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// outbox is the recorder that can also open direct conversations; a hook
// lets a test make a send panic or block.
type outbox struct {
	recorder
	hook   sync.Mutex
	before func(ctx context.Context, conv bot.Conversation) error // may panic or block
}

func (o *outbox) Send(ctx context.Context, conv bot.Conversation, rep bot.Reply) (bot.SentMessage, error) {
	o.hook.Lock()
	before := o.before
	o.hook.Unlock()
	if before != nil {
		if err := before(ctx, conv); err != nil {
			return bot.SentMessage{}, err
		}
	}
	return o.recorder.Send(ctx, conv, rep)
}
func (o *outbox) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return dm(u), nil
}

// FindSent lets the core reconcile a post whose outcome was unknown.
func (o *outbox) FindSent(ctx context.Context, conv bot.Conversation, since time.Time, r bot.Reply) (bot.SentMessage, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.sent {
		if s.conv == conv && s.reply.Text == r.Text {
			return bot.SentMessage{Conversation: conv, ID: "found"}, true, nil
		}
	}
	return bot.SentMessage{}, false, nil
}

func (o *outbox) setBefore(fn func(context.Context, bot.Conversation) error) {
	o.hook.Lock()
	o.before = fn
	o.hook.Unlock()
}

// replica is one bot process over a shared store and clock.
type replica struct {
	bot  *core.Bot
	chat *outbox
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

func schedSettings(jobs ...bot.Job) bot.Settings {
	return bot.Settings{
		Location: paris,
		Jobs:     jobs,
		Grace:    time.Hour,
		WorkingHours: bot.WorkingHours{
			Days: weekdays, Start: 9 * 60, End: 18 * 60, Location: paris,
		},
	}
}

func newReplica(t *testing.T, s bot.Settings, store bot.Store, clock *fakeClock, name string) *replica {
	t.Helper()
	chat := &outbox{}
	b, err := bottest.New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, Replica: name})
	if err != nil {
		t.Fatal(err)
	}
	return &replica{bot: b, chat: chat}
}

func (r *replica) tick(t *testing.T) {
	t.Helper()
	r.bot.Tick(t.Context())
	r.bot.WaitJobs()
}

func openBolt(t *testing.T, clock *fakeClock) bot.Store {
	t.Helper()
	s, err := bolt.Open(t.Context(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func channelJob(name, spec string) bot.Job {
	return bot.Job{
		Name: name, Kind: "announcement", Schedule: schedule.MustParse(spec, paris),
		Announcement: &bot.Announcement{
			Channel: &bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "annonces", Kind: bot.Channel},
			Text:    map[bot.Lang]string{bot.French: "Annonce", bot.English: "Notice"},
		},
	}
}

func membersJob(name, spec string, urgent bool, f bot.MemberFilter) bot.Job {
	return bot.Job{
		Name: name, Kind: "announcement", Schedule: schedule.MustParse(spec, paris),
		Announcement: &bot.Announcement{
			Members: f, Urgent: urgent,
			Text: map[bot.Lang]string{bot.French: "Annonce", bot.English: "Notice"},
		},
	}
}

func at(clock *fakeClock, t time.Time) { clock.Set(t) }

func TestNewRefusesUnavailableKinds(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, paris))
	s := schedSettings(bot.Job{Name: "r", Kind: "lottery", Schedule: schedule.MustParse("@weekly", paris)})
	_, err := bottest.New(s, openBolt(t, clock), []bot.ChatAdapter{&outbox{}}, core.Options{Clock: clock})
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
			clock := fakeclock.New(time.Date(2026, 11, 26, 8, 50, 0, 0, paris)) // Thursday
			store := openBolt(t, clock)
			s := schedSettings(channelJob("daily", "0 9 * * *"))
			r := newReplica(t, s, store, clock, "a")
			r.tick(t) // first sight: Wednesday's 09:00 is not run
			if got := len(r.chat.take()); got != 0 {
				t.Fatalf("a new job ran %d times at first sight, want 0", got)
			}
			// The replica stops; another starts after the downtime.
			clock.Advance(tt.downtime)
			r2 := newReplica(t, s, store, clock, "b")
			r2.tick(t)
			r2.tick(t)
			if got := len(r2.chat.take()); got != tt.runs {
				t.Errorf("after %v of downtime the 09:00 slot ran %d times, want %d", tt.downtime, got, tt.runs)
			}
			last, err := store.LastSlot(t.Context(), "daily")
			if want := time.Date(2026, 11, 26, 9, 0, 0, 0, paris); err != nil || !last.Equal(want) {
				t.Errorf("LastSlot = %v, %v; want %v (run or skipped, never again)", last, err, want)
			}
			// The next day's slot runs normally.
			at(clock, time.Date(2026, 11, 27, 9, 0, 5, 0, paris))
			r2.tick(t)
			if got := len(r2.chat.take()); got != 1 {
				t.Errorf("next day's slot ran %d times, want 1", got)
			}
		})
	}
}

// An hourly job after 6 hours of downtime runs its latest slot once (it is
// younger than the grace), never the five before: no burst replay.
func TestNoBurstAfterClockJump(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 8, 30, 0, 0, paris))
	r := newReplica(t, schedSettings(channelJob("hourly", "@hourly")), openBolt(t, clock), clock, "a")
	r.tick(t)
	clock.Advance(6 * time.Hour)
	r.tick(t)
	r.tick(t)
	if got := len(r.chat.take()); got != 1 {
		t.Errorf("after a 6-hour jump an hourly job ran %d times, want 1", got)
	}
	clock.Advance(-3 * time.Hour) // the clock goes back: nothing runs again
	r.tick(t)
	if got := len(r.chat.take()); got != 0 {
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
		clock := fakeclock.New(time.Date(2026, month, day-1, 23, 0, 0, 0, paris))
		r := newReplica(t, schedSettings(channelJob("night", "30 2 * * *")), openBolt(t, clock), clock, "a")
		for range 6 * 60 {
			r.tick(t)
			clock.Advance(time.Minute)
		}
		if got := len(r.chat.take()); got != 1 {
			t.Errorf("%d %s: the 02:30 job ran %d times, want 1", day, month, got)
		}
	}
}

// Two replicas on one store, ticking in turn and at once, fire each slot
// of an @every 2s job exactly once.
func TestTwoReplicasFireEachSlotOnce(t *testing.T) {
	stores := map[string]func(t *testing.T, clock *fakeClock) (bot.Store, bot.Store){
		"bolt": func(t *testing.T, clock *fakeClock) (bot.Store, bot.Store) {
			s := openBolt(t, clock)
			return s, s
		},
		"miniredis": func(t *testing.T, clock *fakeClock) (bot.Store, bot.Store) {
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
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 1, 0, paris))
			s1, s2 := open(t, clock)
			s := schedSettings(channelJob("every2s", "@every 2s"))
			a := newReplica(t, s, s1, clock, "a")
			b := newReplica(t, s, s2, clock, "b")
			a.tick(t) // first sight
			const slots = 20
			for i := range slots {
				clock.Advance(2 * time.Second)
				var wg sync.WaitGroup
				for _, r := range []*replica{a, b} {
					wg.Go(func() { r.bot.Tick(t.Context()) })
				}
				wg.Wait()
				a.bot.WaitJobs()
				b.bot.WaitJobs()
				if i%3 == 0 { // a late replica ticks again: nothing twice
					b.tick(t)
				}
			}
			na, nb := len(a.chat.take()), len(b.chat.take())
			if na+nb != slots {
				t.Errorf("%d slots delivered %d times (a %d, b %d), want exactly %d", slots, na+nb, na, nb, slots)
			}
		})
	}
}

// A panic in a job is recovered and logged; the next slot runs.
func TestJobPanicRecovered(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, paris))
	r := newReplica(t, schedSettings(channelJob("minute", "* * * * *")), openBolt(t, clock), clock, "a")
	r.tick(t)
	r.chat.setBefore(func(context.Context, bot.Conversation) error { panic("adapter exploded") })
	clock.Advance(time.Minute)
	r.tick(t) // panics inside the job
	r.chat.setBefore(nil)
	clock.Advance(time.Minute)
	r.tick(t)
	if got := len(r.chat.take()); got != 1 {
		t.Errorf("after a panic the next slot sent %d messages, want 1", got)
	}
}

// A job still running when its next slot comes is not started again,
// neither here nor on another replica; the slot it overran is skipped.
func TestRunningJobNotStartedTwice(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, paris))
	store := openBolt(t, clock)
	s := schedSettings(channelJob("minute", "* * * * *"))
	a := newReplica(t, s, store, clock, "a")
	b := newReplica(t, s, store, clock, "b")
	a.tick(t)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	a.chat.setBefore(func(context.Context, bot.Conversation) error {
		once.Do(func() { close(started) })
		<-release
		return nil
	})
	clock.Advance(time.Minute)
	a.bot.Tick(t.Context())
	<-started
	clock.Advance(time.Minute) // the next slot comes while the job runs
	a.bot.Tick(t.Context())
	b.tick(t)
	close(release)
	a.bot.WaitJobs()
	if na, nb := len(a.chat.take()), len(b.chat.take()); na != 1 || nb != 0 {
		t.Errorf("sent a %d, b %d; want the long run's message only (1, 0)", na, nb)
	}
	// The overrun slot (10:02) was skipped, not run late.
	b.tick(t)
	a.tick(t)
	if na, nb := len(a.chat.take()), len(b.chat.take()); na+nb != 0 {
		t.Errorf("after the long run: sent a %d, b %d; want nothing until 10:03", na, nb)
	}
	clock.Advance(time.Minute)
	b.tick(t)
	if got := len(b.chat.take()); got != 1 {
		t.Errorf("10:03 slot sent %d, want 1", got)
	}
}

// An announcement's delivery stopped by a shutdown resumes at the next
// start: the members already served are not served twice, and the one
// whose message was in flight is served once, after reconciliation (the
// job itself only stores the slot's broadcast, and records its slot).
func TestInterruptedJobResumes(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, paris))
	store := openBolt(t, clock)
	for _, id := range []string{"m0", "m1"} {
		saveMember(t, store, bot.Member{Ref: user(id), OptedIn: clock.Now()})
	}
	s := schedSettings(membersJob("minute", "* * * * *", true, bot.MemberFilter{}))
	a := newReplica(t, s, store, clock, "a")
	a.tick(t)
	blocked := make(chan struct{})
	a.chat.setBefore(func(ctx context.Context, conv bot.Conversation) error {
		if conv.ID != "dm:m1" {
			return nil
		}
		close(blocked)
		<-ctx.Done() // the shutdown comes while sending to m1
		return ctx.Err()
	})
	clock.Advance(time.Minute)
	// The job stores the slot's broadcast; the engine starts it in the same
	// tick or the next one, depending on which goroutine runs first.
	ctx, stop := context.WithCancel(t.Context())
	a.bot.Tick(ctx)
	idle := make(chan struct{})
	go func() { a.bot.WaitJobs(); close(idle) }()
	select {
	case <-blocked: // started in the job's tick
	case <-idle:
		a.bot.Tick(ctx)
		<-blocked
	}
	if last, _ := store.LastSlot(t.Context(), "minute"); !last.Equal(time.Date(2026, 11, 26, 10, 1, 0, 0, paris)) {
		t.Errorf("LastSlot = %v, want the slot (the job is done once its broadcast is stored)", last)
	}
	stop()
	a.bot.WaitJobs()
	if got := a.chat.take(); len(got) != 1 || got[0].conv.ID != "dm:m0" {
		t.Fatalf("before the shutdown sent %+v, want m0 only", got)
	}
	// Restarted, under the same name (a container's PID 1), once the post
	// in flight can no longer land.
	clock.Advance(time.Minute)
	b := newReplica(t, s, store, clock, "a")
	b.tick(t)
	if got := b.chat.take(); len(got) != 1 || got[0].conv.ID != "dm:m1" {
		t.Errorf("the restarted replica sent %+v, want m1 only", got)
	}
}

func saveMember(t *testing.T, store bot.Store, m bot.Member) {
	t.Helper()
	if err := store.SaveMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

// Announcements to members: filtered, each in their language, held
// outside working hours (in the member's own zone) and sent when the
// window opens, once across replicas; urgent ones go at once.
func TestAnnouncementHeldUntilWorkingHours(t *testing.T) {
	// Saturday 28 November 2026, 10:00 in Paris.
	clock := fakeclock.New(time.Date(2026, 11, 28, 9, 59, 0, 0, paris))
	store := openBolt(t, clock)
	optedIn := clock.Now()
	dgs := bot.Member{Ref: user("dgs"), Role: "dgs", OptedIn: optedIn, Language: bot.English}
	reunion := bot.Member{Ref: user("reunion"), Role: "dgs", OptedIn: optedIn, TimeZone: "Indian/Reunion"}
	dga := bot.Member{Ref: user("dga"), Role: "dga", OptedIn: optedIn}
	out := bot.Member{Ref: user("out"), Role: "dgs"} // not opted in
	for _, m := range []bot.Member{dgs, reunion, dga, out} {
		saveMember(t, store, m)
	}
	s := schedSettings(
		membersJob("weekly", "0 10 * * sat", false, bot.MemberFilter{Roles: []string{"dgs"}}),
		membersJob("alert", "0 10 * * sat", true, bot.MemberFilter{Roles: []string{"dga"}}),
	)
	a := newReplica(t, s, store, clock, "a")
	b := newReplica(t, s, store, clock, "b")
	a.tick(t)
	clock.Advance(2 * time.Minute)
	a.tick(t)
	b.tick(t)
	got := append(a.chat.take(), b.chat.take()...)
	if len(got) != 1 || got[0].conv.ID != "dm:dga" {
		t.Fatalf("on Saturday sent %+v, want only the urgent one to dga", got)
	}
	// The announcement is a broadcast (broadcast_engine.go): its
	// recipients wait for their working hours in their records.
	held := heldUntil(t, store, "job:weekly")
	if len(held) != 2 || held[dgs.Ref].In(paris).Format("Mon 15:04") != "Mon 09:00" {
		t.Fatalf("held = %+v, want dgs held until Monday 09:00 Paris", held)
	}
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, mustZone("Indian/Reunion")); !held[reunion.Ref].Equal(want) {
		t.Fatalf("held for reunion until %v, want Monday 09:00 in La Réunion (%v)", held[reunion.Ref], want)
	}
	// Monday 06:00 Paris = 09:00 in La Réunion.
	at(clock, time.Date(2026, 11, 30, 6, 0, 10, 0, paris))
	a.tick(t)
	b.tick(t)
	got = append(a.chat.take(), b.chat.take()...)
	if len(got) != 1 || got[0].conv.ID != "dm:reunion" || got[0].reply.Text != "Annonce" {
		t.Fatalf("Monday 06:00 Paris sent %+v, want the French text to reunion only", got)
	}
	at(clock, time.Date(2026, 11, 30, 9, 0, 10, 0, paris))
	var wg sync.WaitGroup
	for _, r := range []*replica{a, b} {
		wg.Go(func() { r.tick(t) })
	}
	wg.Wait()
	got = append(a.chat.take(), b.chat.take()...)
	if len(got) != 1 || got[0].conv.ID != "dm:dgs" || got[0].reply.Text != "Notice" {
		t.Fatalf("Monday 09:00 Paris sent %+v, want the English text to dgs once", got)
	}
	if left := heldUntil(t, store, "job:weekly"); len(left) != 0 {
		t.Errorf("still held after delivery: %+v, want none", left)
	}
}

// heldUntil returns the recipients still pending in the broadcast of
// origin, and until when each waits.
func heldUntil(t *testing.T, store bot.Store, origin string) map[bot.UserRef]time.Time {
	t.Helper()
	out := map[bot.UserRef]time.Time{}
	err := store.Broadcasts(t.Context(), func(bc bot.Broadcast) error {
		if bc.Origin != origin {
			return nil
		}
		recs, err := store.Recipients(t.Context(), bc.ID, 0, bc.Total)
		for _, r := range recs {
			if r.Status == bot.RecipientPending {
				out[r.Ref] = r.NotBefore
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
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
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, paris))
	for i := range 1000 {
		m := bot.Member{Ref: user(fmt.Sprint("m", i)), Role: "dgs", OptedIn: clock.Now()}
		if err := store.SaveMember(b.Context(), m); err != nil {
			b.Fatal(err)
		}
	}
	chat := &outbox{}
	bt, err := bottest.New(schedSettings(membersJob("minute", "* * * * *", false, bot.MemberFilter{})), store,
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
		if n := len(chat.take()); n != 1000 {
			b.Fatalf("sent %d, want 1000", n)
		}
	}
}

func TestJobsCommand(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 30, 0, paris))
	s := schedSettings(channelJob("lettre", "0 10 1 * *"))
	s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}}
	r := newReplica(t, s, openBolt(t, clock), clock, "a")
	r.tick(t)
	got := r.say(t, user("admin"), "tâches")
	want := fr("jobs.header") + "\n" + fr("jobs.line", "name", "lettre", "kind", "announcement", "spec", "0 10 1 * *",
		"last", "dimanche 1er novembre 2026 à 10 h", "next", "mardi 1er décembre 2026 à 10 h")
	if got != want {
		t.Errorf("jobs:\n got %q\nwant %q", got, want)
	}
	help := r.say(t, user("admin"), "aide")
	if strings.Contains(help, "[help.") || strings.Index(help, "rappelle-moi") > strings.Index(help, fr("help.section.organizer")) ||
		strings.Index(help, "tâches") < strings.Index(help, fr("help.section.admin")) {
		t.Errorf("help does not list the commands by role:\n%s", help)
	}
	if got := r.say(t, user("vous"), "tâches"); got != fr("error.forbidden.admin") {
		t.Errorf("a member asking for the jobs: %q", got)
	}
}

// sendToMember holds a message written first outside working hours and
// sends it when the window opens; deliver sends a key once, ever.
func TestSendToMemberAndDeliver(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 20, 0, 0, 0, paris)) // Thursday 20:00
	store := openBolt(t, clock)
	r := newReplica(t, schedSettings(), store, clock, "a")
	vous := user("vous")
	for _, text := range []string{"Première", "Seconde"} {
		if err := r.bot.SendToMember(t.Context(), vous, bot.Reply{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	r.tick(t)
	if got := r.chat.take(); len(got) != 0 {
		t.Fatalf("at 20:00 sent %+v, want both held", got)
	}
	at(clock, time.Date(2026, 11, 27, 9, 0, 1, 0, paris))
	r.tick(t)
	if got := r.chat.take(); len(got) != 2 || got[0].reply.Text == got[1].reply.Text {
		t.Fatalf("at 09:00 sent %+v, want both messages", got)
	}
	// Within hours: at once, and once per key.
	d := core.Delivery{To: vous, Reply: bot.Reply{Text: "Une fois"}, Key: "test|1"}
	for range 3 {
		if err := r.bot.Deliver(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.chat.take(); len(got) != 1 {
		t.Errorf("delivered one key %d times, want 1", len(got))
	}
	if err := r.bot.Deliver(t.Context(), core.Delivery{To: vous, Reply: d.Reply}); err == nil {
		t.Errorf("Deliver without a key: nil error, want one")
	}
}
