package bottest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/introductions"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/schedule"
	"github.com/sndgct/maillage/internal/textnorm"
)

// fakeClock is a clock that moves only when a test says so.
type FakeClock = fakeclock.Clock

// recorder is a hand-written chat adapter that records what the core sends.
type Recorder struct {
	Mu   sync.Mutex
	Sent []Sent
}

type Sent struct {
	Conv  bot.Conversation
	Reply bot.Reply
}

func (r *Recorder) Platform() bot.Platform { return bot.PlatformTerminal }

func (r *Recorder) Run(ctx context.Context, h bot.Handler) error {
	<-ctx.Done()
	return nil
}

func (r *Recorder) Send(ctx context.Context, conv bot.Conversation, rep bot.Reply) (bot.SentMessage, error) {
	r.Mu.Lock()
	defer r.Mu.Unlock()
	r.Sent = append(r.Sent, Sent{conv, rep})
	return bot.SentMessage{Conversation: conv, ID: fmt.Sprint(len(r.Sent))}, nil
}

func (r *Recorder) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{}, bot.ErrGroupSize
}

// take returns and forgets what was sent.
func (r *Recorder) Take() []Sent {
	r.Mu.Lock()
	defer r.Mu.Unlock()
	out := r.Sent
	r.Sent = nil
	return out
}

type Harness struct {
	T     *testing.T
	Bot   *core.Bot
	Chat  *Recorder
	Store bot.Store
	Clock *FakeClock
}

func NewHarness(t *testing.T, s bot.Settings) *Harness {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return NewHarnessWith(t, s, store, clock)
}

func NewHarnessWith(t *testing.T, s bot.Settings, store bot.Store, clock *FakeClock) *Harness {
	t.Helper()
	chat := &Recorder{}
	if s.Admins == nil {
		s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}}
		s.Organizers = []bot.RoleRule{{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga"}}
	}
	s.Privacy = bot.Privacy{Controller: "SNDGCT", RetentionMonths: 24}
	b, err := New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &Harness{T: t, Bot: b, Chat: chat, Store: store, Clock: clock}
}

func User(id string) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: id}
}

func Dm(u bot.UserRef) bot.Conversation {
	return bot.Conversation{Platform: u.Platform, Workspace: u.Workspace, ID: "dm:" + u.User, Kind: bot.Direct}
}

// say sends text as u in their DM and returns the replies.
func (h *Harness) Say(u bot.UserRef, text string) []bot.Reply {
	h.T.Helper()
	h.Bot.Handle(context.Background(), bot.Message{From: u, Conversation: Dm(u), Text: text})
	return h.Replies()
}

func (h *Harness) Pick(u bot.UserRef, c bot.Choice) []bot.Reply {
	h.T.Helper()
	h.Bot.Handle(context.Background(), bot.Message{From: u, Conversation: Dm(u),
		Choice: &bot.ChoiceEvent{Action: c.Action, Value: c.Value}})
	return h.Replies()
}

func (h *Harness) Replies() []bot.Reply {
	var out []bot.Reply
	for _, s := range h.Chat.Take() {
		out = append(out, s.Reply)
	}
	return out
}

func Fr(key string, args ...string) string { return catalog.Default().T("fr", key, args...) }

func En(key string, args ...string) string { return catalog.Default().T("en", key, args...) }

func Only(t *testing.T, replies []bot.Reply) bot.Reply {
	t.Helper()
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1: %+v", len(replies), replies)
	}
	return replies[0]
}

// panicStore panics on Member, as a bug deep in a handler would.
type PanicStore struct{ bot.Store }

func (PanicStore) Member(context.Context, bot.UserRef) (bot.Member, error) { panic("boom") }

// downStore is unreachable.
type DownStore struct{ bot.Store }

func (DownStore) Member(context.Context, bot.UserRef) (bot.Member, error) {
	return bot.Member{}, fmt.Errorf("dial: %w", bot.ErrUnavailable)
}

// benchBot is a core over a bolt store in a temp dir, for benchmarks.
func BenchBot(b *testing.B) (*core.Bot, *Recorder) {
	b.Helper()
	store, err := bolt.Open(context.Background(), b.TempDir()+"/m.db", bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	chat := &Recorder{}
	bt, err := New(bot.Settings{}, store, []bot.ChatAdapter{chat}, core.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return bt, chat
}

// chatBot is one bot whose members and organizers all talk in the
// terminal (outbox: it can open direct conversations).
type ChatBot struct {
	T     *testing.T
	Bot   *core.Bot
	Chat  *Outbox
	Store bot.Store
	Clock *FakeClock
}

func NewChatBot(t *testing.T, threshold int) *ChatBot {
	t.Helper()
	// Thursday 26 November 2026, 10:00 in Paris: within working hours.
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, Paris))
	store := OpenBoltClock(t, clock)
	s := bot.Settings{
		Location:     Paris,
		WorkingHours: bot.WorkingHours{Days: Weekdays, Start: 9 * 60, End: 18 * 60, Location: Paris},
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga"},
			{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga2"}},
		MemberRoles: []bot.Label{{ID: "dgs", FR: "Directeur général des services", EN: "Chief executive", Aliases: []string{"DGS"}},
			{ID: "sgm", FR: "Secrétaire général de mairie", EN: "Town clerk"}},
		Broadcasts: bot.BroadcastSettings{ApprovalThreshold: threshold},
	}
	chat := &Outbox{}
	b, err := New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, Sleep: VirtualSleep(clock)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []bot.Member{
		{Ref: User("anne"), Name: "Anne Martin", Role: "dgs", Onboarded: clock.Now(),
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: "Quimper", Population: 63000, Departement: "29", Region: "53"}},
		{Ref: User("bob"), Name: "Bob Smith", Role: "dgs", Language: bot.English, Onboarded: clock.Now()},
		{Ref: User("chloe"), Role: "sgm", Onboarded: clock.Now()},
	} {
		SaveMember(t, store, m)
	}
	return &ChatBot{T: t, Bot: b, Chat: chat, Store: store, Clock: clock}
}

func (c *ChatBot) Say(u bot.UserRef, text string) string {
	c.T.Helper()
	c.Bot.Handle(context.Background(), bot.Message{From: u, Conversation: Dm(u), Text: text})
	return c.Texts()
}

func (c *ChatBot) Pick(u bot.UserRef, action, value string) string {
	c.T.Helper()
	c.Bot.Handle(context.Background(), bot.Message{From: u, Conversation: Dm(u), Choice: &bot.ChoiceEvent{Action: action, Value: value}})
	return c.Texts()
}

func (c *ChatBot) Texts() string { return TakeTexts(c.Chat) }

// takeTexts takes the messages o holds and joins their texts.
func TakeTexts(o *Outbox) string {
	var out []string
	for _, s := range o.Take() {
		out = append(out, s.Reply.Text)
	}
	return strings.Join(out, "\n---\n")
}

// tick runs the scheduler (and so the broadcasts) once.
func (c *ChatBot) Tick() {
	c.Bot.Tick(context.Background())
	c.Bot.WaitJobs()
}

func (c *ChatBot) Only(id string) bot.Broadcast {
	c.T.Helper()
	var all []bot.Broadcast
	_ = c.Store.Broadcasts(context.Background(), func(b bot.Broadcast) error { all = append(all, b); return nil })
	if len(all) != 1 {
		c.T.Fatalf("%d broadcasts stored, want 1", len(all))
	}
	return all[0]
}

var Organizer = User("orga")

func SlackUser(i int) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: fmt.Sprintf("U%05d", i)}
}

// slackPace and mattermostPace are the engine's pace set to the fake's
// limits.
var (
	SlackPace      = bot.Pace{PostsPerSecond: 5, PostBurst: 10, OpensPerMinute: 50, OpenBurst: 5}
	MattermostPace = bot.Pace{PostsPerSecond: 10, PostBurst: 100}
)

// fleet is bots sharing one store, one fake platform and one clock.
type Fleet struct {
	T     testing.TB
	Store bot.Store
	Clock *FakeClock
	Chat  *ChatPlatform
	Term  *Outbox
	S     bot.Settings
}

func NewFleet(t testing.TB, store bot.Store, clock *FakeClock, chat *ChatPlatform) *Fleet {
	s := bot.Settings{
		Location:   Paris,
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga"}, {Platform: bot.PlatformTerminal, Workspace: "local", User: "orga2"}},
		Broadcasts: bot.BroadcastSettings{ApprovalThreshold: 5000, Pace: map[bot.Platform]bot.Pace{
			bot.PlatformSlack: SlackPace, bot.PlatformMattermost: MattermostPace}},
		MemberRoles: []bot.Label{{ID: "dgs", FR: "DGS"}, {ID: "sgm", FR: "Secrétaire général de mairie"}},
	}
	return &Fleet{T: t, Store: store, Clock: clock, Chat: chat, Term: &Outbox{}, S: s}
}

// bot starts one replica. A chat adapter other than the fleet's may be
// given (to hide a capability).
func (f *Fleet) Bot(name string, chat ...bot.ChatAdapter) *core.Bot {
	f.T.Helper()
	if len(chat) == 0 {
		chat = []bot.ChatAdapter{f.Chat}
	}
	b, err := New(f.S, f.Store, append(chat, f.Term), core.Options{Clock: f.Clock, Replica: name, Sleep: VirtualSleep(f.Clock)})
	if err != nil {
		f.T.Fatal(err)
	}
	return b
}

func (f *Fleet) Members(n int, ref func(int) bot.UserRef) []bot.UserRef {
	f.T.Helper()
	ctx := context.Background()
	out := make([]bot.UserRef, n)
	for i := range n {
		out[i] = ref(i)
		m := bot.Member{Ref: out[i], Name: fmt.Sprintf("Prénom%d Nom", i), Role: "dgs", Onboarded: f.Clock.Now(),
			Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: fmt.Sprintf("Commune %d", i), Population: 1000 + i, Region: "53", Departement: "29"}}
		if err := f.Store.SaveMember(ctx, m); err != nil {
			f.T.Fatal(err)
		}
	}
	return out
}

func (f *Fleet) Submit(b *core.Bot, d broadcasts.BroadcastDraft) bot.Broadcast {
	f.T.Helper()
	if d.Text == nil {
		d.Text = map[bot.Lang]string{bot.French: "Bonjour {prenom}, rendez-vous au congrès ({collectivite})."}
	}
	if d.Origin == "" {
		d.Origin, d.Author, d.AuthorLang = "chat", Organizer, bot.French
	}
	bc, _, err := Broadcasts(b).SubmitBroadcast(context.Background(), d)
	if err != nil {
		f.T.Fatalf("SubmitBroadcast: %v", err)
	}
	return bc
}

// runUntilDone runs the replicas' work (concurrently) until the broadcast
// is done, advancing the clock between rounds like the scheduler's ticks.
func (f *Fleet) RunUntilDone(id string, bots ...*core.Bot) bot.Broadcast {
	f.T.Helper()
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		for _, b := range bots {
			wg.Go(func() {
				if err := Broadcasts(b).RunBroadcast(context.Background(), id); err != nil {
					f.T.Errorf("RunBroadcast: %v", err)
				}
			})
		}
		wg.Wait()
		bc, err := f.Store.Broadcast(context.Background(), id)
		if err != nil {
			f.T.Fatal(err)
		}
		if bc.State.Final() {
			return bc
		}
		f.Clock.Advance(time.Minute)
	}
	counts, _ := f.Store.RecipientCounts(context.Background(), id)
	f.T.Fatalf("broadcast %s not done after 20 rounds: %v", id, counts)
	return bot.Broadcast{}
}

// exactlyOnce checks that every ref's direct conversation got exactly one
// message.
func (f *Fleet) ExactlyOnce(refs []bot.UserRef) { f.T.Helper(); f.Exactly(refs, 1) }

// exactly checks that every ref's direct conversation got want messages.
func (f *Fleet) Exactly(refs []bot.UserRef, want int) {
	f.T.Helper()
	got := f.Chat.Received()
	bad := 0
	for _, r := range refs {
		if n := got["D-"+r.User]; n != want {
			if bad++; bad <= 5 {
				f.T.Errorf("%s received %d messages, want exactly %d", r.User, n, want)
			}
		}
	}
	if bad > 0 {
		f.T.Errorf("%d of %d members did not receive exactly %d messages", bad, len(refs), want)
	}
}

// slackFleet is a fleet on bbolt and a Slack-like fake platform, at a
// time, with a seed for the fake's randomness.
func SlackFleet(t testing.TB, at time.Time, seed uint64) (*Fleet, *ChatPlatform, bot.Store, *FakeClock) {
	clock := fakeclock.New(at)
	store := OpenBoltClock(t, clock)
	chat := NewChatPlatform(bot.PlatformSlack, clock, seed).SlackLike()
	return NewFleet(t, store, clock, chat), chat, store, clock
}

func OpenBoltClock(t testing.TB, clock *FakeClock) bot.Store {
	t.Helper()
	s, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stopBefore makes the fake cancel the caller as the nth post starts,
// before anything is stored.
func StopBefore(c *ChatPlatform, n int, kill context.CancelFunc) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.Before = func() error {
		if c.Seq == n {
			kill()
			return context.Canceled
		}
		return nil
	}
}

func LastTo(o *Outbox, u bot.UserRef) string {
	r := &o.Recorder
	r.Mu.Lock()
	defer r.Mu.Unlock()
	for i := len(r.Sent) - 1; i >= 0; i-- {
		if r.Sent[i].Conv.ID == "dm:"+u.User || r.Sent[i].Conv.ID == u.User {
			return r.Sent[i].Reply.Text
		}
	}
	return ""
}

// chatPlatform is a hand-written fake chat platform for the broadcast
// tests. It enforces rate limits like a real one (token buckets on the
// injected clock: one for posts, one for opening direct conversations, or
// one for every call when opens is nil), answers 429 with a Retry-After
// when a bucket is empty and, on a share of the calls chosen by a seeded
// source, at random. It can find the messages it holds (SentFinder), and
// can "crash" the caller: after the Nth post is stored, it cancels the
// caller's context and loses the answer (ErrUnknownOutcome).
type ChatPlatform struct {
	Plat   bot.Platform
	Clock  *FakeClock
	Finder bool // answer FindSent

	Mu          sync.Mutex
	Posts       *Bucket
	Opens       *Bucket // nil: opens draw from posts
	Random429   float64
	Rnd         *rand.Rand
	RetryAfter  time.Duration
	Msgs        map[string][]Stored // by conversation id
	Seq         int
	Calls       int
	Limited     int // 429 answered because a bucket was empty
	RandomLimit int // 429 answered at random
	CrashAt     int // post number after which to crash (0: never)
	Crash       context.CancelFunc
	Before      func() error  // called as a post starts (c.mu held)
	Next429     time.Duration // answer the next call 429 with this Retry-After
	CallTimes   []time.Time
}

type Stored struct {
	Id   string
	Text string
	At   time.Time
}

// bucket is a token bucket on the fake clock.
type Bucket struct {
	Rate   float64 // tokens per second
	Burst  float64
	Tokens float64
	Last   time.Time
}

func NewBucket(perSecond float64, burst int, now time.Time) *Bucket {
	return &Bucket{Rate: perSecond, Burst: float64(burst), Tokens: float64(burst), Last: now}
}

// take takes a token, or says how long until one is there.
func (b *Bucket) Take(now time.Time) (bool, time.Duration) {
	if now.After(b.Last) {
		b.Tokens = min(b.Burst, b.Tokens+now.Sub(b.Last).Seconds()*b.Rate)
		b.Last = now
	}
	if b.Tokens >= 1 {
		b.Tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.Tokens) / b.Rate * float64(time.Second))
}

func NewChatPlatform(p bot.Platform, clock *FakeClock, seed uint64) *ChatPlatform {
	return &ChatPlatform{Plat: p, Clock: clock, Finder: true, Msgs: map[string][]Stored{},
		Rnd: rand.New(rand.NewPCG(seed, seed+1)), RetryAfter: time.Second}
}

// slackLike: chat.postMessage about 5 per second per workspace (a burst of
// 10), conversations.open 50 per minute (a burst of 5).
func (c *ChatPlatform) SlackLike() *ChatPlatform {
	now := c.Clock.Now()
	c.Posts, c.Opens = NewBucket(5, 10, now), NewBucket(50.0/60, 5, now)
	return c
}

// mattermostLike: every API call 10 per second, a burst of 100 (the
// server's default when its rate limit is on).
func (c *ChatPlatform) MattermostLike() *ChatPlatform {
	c.Posts, c.Opens = NewBucket(10, 100, c.Clock.Now()), nil
	return c
}

func (c *ChatPlatform) Platform() bot.Platform { return c.Plat }

func (c *ChatPlatform) Run(ctx context.Context, h bot.Handler) error {
	<-ctx.Done()
	return nil
}

func (c *ChatPlatform) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{}, bot.ErrGroupSize
}

// limit applies the bucket and the random 429s; c.mu is held.
func (c *ChatPlatform) Limit(b *Bucket) error {
	c.Calls++
	now := c.Clock.Now()
	c.CallTimes = append(c.CallTimes, now)
	if d := c.Next429; d > 0 {
		c.Next429 = 0
		return fmt.Errorf("fake: %w", &bot.RateLimitError{RetryAfter: d})
	}
	if b != nil {
		if ok, wait := b.Take(now); !ok {
			c.Limited++
			return fmt.Errorf("fake: %w", &bot.RateLimitError{RetryAfter: wait})
		}
	}
	if c.Random429 > 0 && c.Rnd.Float64() < c.Random429 {
		c.RandomLimit++
		return fmt.Errorf("fake: %w", &bot.RateLimitError{RetryAfter: c.RetryAfter})
	}
	return nil
}

func (c *ChatPlatform) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	b := c.Opens
	if b == nil {
		b = c.Posts
	}
	if err := c.Limit(b); err != nil {
		return bot.Conversation{}, err
	}
	return bot.Conversation{Platform: c.Plat, Workspace: u.Workspace, ID: "D-" + u.User, Kind: bot.Direct}, nil
}

func (c *ChatPlatform) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	if err := ctx.Err(); err != nil {
		return bot.SentMessage{}, err
	}
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if err := c.Limit(c.Posts); err != nil {
		return bot.SentMessage{}, err
	}
	if c.Before != nil {
		if err := c.Before(); err != nil {
			return bot.SentMessage{}, err
		}
	}
	c.Seq++
	id := strconv.Itoa(c.Seq)
	c.Msgs[conv.ID] = append(c.Msgs[conv.ID], Stored{Id: id, Text: r.Text, At: c.Clock.Now()})
	if c.CrashAt > 0 && c.Seq == c.CrashAt && c.Crash != nil {
		c.Crash()
		return bot.SentMessage{}, fmt.Errorf("fake: connection lost: %w", bot.ErrUnknownOutcome)
	}
	return bot.SentMessage{Conversation: conv, ID: id}, nil
}

// FindSent finds a message with r's text posted to conv at or after since.
func (c *ChatPlatform) FindSent(ctx context.Context, conv bot.Conversation, since time.Time, r bot.Reply) (bot.SentMessage, bool, error) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	for _, m := range c.Msgs[conv.ID] {
		if m.Text == r.Text && !m.At.Before(since) {
			return bot.SentMessage{Conversation: conv, ID: m.Id}, true, nil
		}
	}
	return bot.SentMessage{}, false, nil
}

// received returns how many messages each user's direct conversation got.
func (c *ChatPlatform) Received() map[string]int {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	out := map[string]int{}
	for conv, ms := range c.Msgs {
		out[conv] = len(ms)
	}
	return out
}

// noFinder hides the SentFinder capability of a chatPlatform.
type NoFinder struct{ *ChatPlatform }

func (NoFinder) FindSent() {}

// virtualSleep advances the fake clock instead of sleeping.
func VirtualSleep(clock *FakeClock) func(ctx context.Context, d time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		clock.Advance(d)
		return nil
	}
}

// paceCase is one measured delivery: 1,600 members against the fake
// platform, on a virtual clock.
type PaceCase struct {
	Name      string
	Platform  bot.Platform
	Random429 float64
	Warm      bool // a second broadcast: direct conversations known
}

// floor is the shortest time the fake's limits allow for n recipients:
// each bucket's tokens beyond its burst at its rate.
func (pc PaceCase) Floor(n int) time.Duration {
	sec := func(calls, burst int, perSecond float64) float64 { return float64(max(0, calls-burst)) / perSecond }
	var s float64
	switch pc.Platform {
	case bot.PlatformSlack:
		s = sec(n, 10, 5)
		if !pc.Warm {
			s = max(s, sec(n, 5, 50.0/60))
		}
	default:
		calls := n
		if !pc.Warm {
			calls = 2 * n // open the direct channel, then post
		}
		s = sec(calls, 100, 10)
	}
	return time.Duration(s * float64(time.Second))
}

type PaceResult struct {
	Virtual, Floor, Real time.Duration
	Calls, Limited, Rnd  int
}

func (r PaceResult) Ratio() float64 { return r.Virtual.Seconds() / r.Floor.Seconds() }

// measurePace delivers one broadcast (two when warm: the first fills the
// direct conversation cache) to n members and returns the second's
// figures.
func MeasurePace(t testing.TB, pc PaceCase, n int) PaceResult {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, Paris))
	srv := miniredis.RunT(t)
	store, err := redis.Open(context.Background(), "redis://"+srv.Addr()+"/0", redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	chat := NewChatPlatform(pc.Platform, clock, 42)
	if pc.Platform == bot.PlatformSlack {
		chat.SlackLike()
	} else {
		chat.MattermostLike()
	}
	f := NewFleet(t, store, clock, chat)
	f.Members(n, func(i int) bot.UserRef {
		return bot.UserRef{Platform: pc.Platform, Workspace: "W1", User: fmt.Sprintf("u%05d", i)}
	})
	b := f.Bot("a")
	if pc.Warm {
		first := f.Submit(b, broadcasts.BroadcastDraft{})
		f.RunUntilDone(first.ID, b)
		clock.Advance(time.Hour) // the platform's buckets fill up again
	}
	chat.Mu.Lock()
	chat.Random429, chat.Calls, chat.Limited, chat.RandomLimit = pc.Random429, 0, 0, 0
	chat.Mu.Unlock()
	bc := f.Submit(b, broadcasts.BroadcastDraft{})
	start, realStart := clock.Now(), time.Now()
	f.RunUntilDone(bc.ID, b)
	res := PaceResult{Virtual: clock.Now().Sub(start), Real: time.Since(realStart), Floor: pc.Floor(n)}
	chat.Mu.Lock()
	res.Calls, res.Limited, res.Rnd = chat.Calls, chat.Limited, chat.RandomLimit
	chat.Mu.Unlock()
	want := 1
	if pc.Warm {
		want = 2
	}
	f.Exactly(f.RefsOf(n, pc.Platform), want)
	return res
}

func (f *Fleet) RefsOf(n int, p bot.Platform) []bot.UserRef {
	out := make([]bot.UserRef, n)
	for i := range out {
		out[i] = bot.UserRef{Platform: p, Workspace: "W1", User: fmt.Sprintf("u%05d", i)}
	}
	return out
}

// broadcastObserver records the broadcast progress reports of one replica.
type BroadcastObserver struct {
	bot.NopObserver
	Mu      sync.Mutex
	Reports []ProgressReport
}

type ProgressReport struct {
	Id                  string
	Total, Sent, Failed int
	Done                bool
}

func (o *BroadcastObserver) Broadcast(id string, total, sent, failed int, done bool) {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	o.Reports = append(o.Reports, ProgressReport{id, total, sent, failed, done})
}

func (o *BroadcastObserver) All() []ProgressReport {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	return append([]ProgressReport(nil), o.Reports...)
}

// resendFleet is a broadcast to ten members on a platform that cannot
// tell whether a post went through, where the answer of the 3rd post is
// lost: done with 9 sent and 1 unknown.
func ResendFleet(t *testing.T) (*Fleet, *ChatPlatform, *core.Bot, bot.Broadcast, []bot.UserRef) {
	t.Helper()
	f, chat, _, _ := SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, Paris), 3)
	chat.CrashAt, chat.Crash = 3, func() {}
	refs := f.Members(10, SlackUser)
	b := f.Bot("a", NoFinder{chat})
	bc := f.RunUntilDone(f.Submit(b, broadcasts.BroadcastDraft{}).ID, b)
	if counts, _ := f.Store.RecipientCounts(context.Background(), bc.ID); counts[bot.RecipientUnknown] != 1 || counts[bot.RecipientSent] != 9 {
		t.Fatalf("counts = %v, want 9 sent and 1 unknown", counts)
	}
	if report := LastTo(f.Term, Organizer); !strings.Contains(report, Fr("broadcasts.resend_hint", "id", bc.ID)) {
		t.Errorf("final report = %q, want the way to resend", report)
	}
	return f, chat, b, bc, refs
}

// say handles a message from u in their terminal DM and returns the
// bot's answers.
func (f *Fleet) Say(b *core.Bot, u bot.UserRef, text string) string {
	f.T.Helper()
	b.Handle(context.Background(), bot.Message{From: u, Conversation: Dm(u), Text: text})
	return f.Answers()
}

func (f *Fleet) Pick(b *core.Bot, u bot.UserRef, action, value string) string {
	f.T.Helper()
	b.Handle(context.Background(), bot.Message{From: u, Conversation: Dm(u), Choice: &bot.ChoiceEvent{Action: action, Value: value}})
	return f.Answers()
}

func (f *Fleet) Answers() string { return TakeTexts(f.Term) }

// received groups the members by the number of messages they got.
func Received(chat *ChatPlatform, refs []bot.UserRef) map[int][]string {
	got := chat.Received()
	out := map[int][]string{}
	for _, r := range refs {
		out[got["D-"+r.User]] = append(out[got["D-"+r.User]], r.User)
	}
	return out
}

// goneChat is the fake chat platform with an adapter's cache of direct
// conversations, as the Slack and Mattermost adapters keep in the store:
// a conversation can be removed on the platform (a database reset), after
// which posts to it are refused with bot.ErrConversationGone and opening
// the conversation again gives a new id.
type GoneChat struct {
	*ChatPlatform

	Mu      sync.Mutex
	Cache   map[string]string // user -> cached conversation id
	Removed map[string]bool   // conversation ids removed on the platform
	Refused map[string]int    // posts refused, by conversation id
	Forgot  int
}

func NewGoneChat(c *ChatPlatform) *GoneChat {
	return &GoneChat{ChatPlatform: c, Cache: map[string]string{}, Removed: map[string]bool{}, Refused: map[string]int{}}
}

var (
	_ bot.DirectCache     = (*GoneChat)(nil)
	_ bot.DirectForgetter = (*GoneChat)(nil)
)

func (g *GoneChat) CachedDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, bool) {
	g.Mu.Lock()
	defer g.Mu.Unlock()
	id, ok := g.Cache[u.User]
	return bot.Conversation{Platform: g.Plat, Workspace: u.Workspace, ID: id, Kind: bot.Direct}, ok
}

func (g *GoneChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	if c, ok := g.CachedDirect(ctx, u); ok {
		return c, nil
	}
	c, err := g.ChatPlatform.OpenDirect(ctx, u)
	if err != nil {
		return c, err
	}
	g.Mu.Lock()
	defer g.Mu.Unlock()
	if g.Removed[c.ID] { // a new id, removed too if the test says so
		c.ID += "+"
	}
	g.Cache[u.User] = c.ID
	return c, nil
}

func (g *GoneChat) ForgetDirect(ctx context.Context, u bot.UserRef) error {
	g.Mu.Lock()
	defer g.Mu.Unlock()
	delete(g.Cache, u.User)
	g.Forgot++
	return nil
}

func (g *GoneChat) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	g.Mu.Lock()
	gone := g.Removed[conv.ID]
	if gone {
		g.Refused[conv.ID]++
	}
	g.Mu.Unlock()
	if gone {
		return bot.SentMessage{}, fmt.Errorf("fake: channel_not_found: %w", bot.ErrConversationGone)
	}
	return g.ChatPlatform.Send(ctx, conv, r)
}

// remove caches id as the direct conversation with u, and removes it on
// the platform.
func (g *GoneChat) Remove(u bot.UserRef, id string) {
	g.Mu.Lock()
	defer g.Mu.Unlock()
	g.Cache[u.User] = id
	g.Removed[id] = true
}

// uncertainGone answers every post with ErrConversationGone wrapped with
// another error that forbids a blind retry.
type UncertainGone struct {
	*GoneChat
	Also error
}

func (u UncertainGone) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	return bot.SentMessage{}, fmt.Errorf("fake: %w: %w", bot.ErrConversationGone, u.Also)
}

// panicCounter counts the panics the core recovered from.
type PanicCounter struct {
	slog.Handler
	N *atomic.Int32
}

func (h PanicCounter) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		h.N.Add(1)
	}
	return nil
}

func (h PanicCounter) Enabled(context.Context, slog.Level) bool { return true }

func (h PanicCounter) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h PanicCounter) WithGroup(string) slog.Handler { return h }

// bigEvent is an event of 250 sessions and 5,000 highlights.
func BigEvent(b *testing.B) *content.Set {
	b.Helper()
	words := strings.Fields(`intelligence artificielle management managers équipes agents télétravail déconnexion
		charge mentale recrutement attractivité compétences innovation décision coconstruction usagers proximité
		données souveraineté éthique budget élus confiance leadership chef leader autonomie équilibre`)
	ids := []string{"ia", "management", "management_distance", "rh", "qvt", "deconnexion", "numerique", "finances"}
	var sb strings.Builder
	sb.WriteString("id: grand\nname: Grand congrès\nstart: 2026-12-03\nend: 2026-12-04\nsessions:\n")
	n := 0
	for s := range 250 {
		fmt.Fprintf(&sb, "  - id: s%d\n    title: %s et %s\n    kind: atelier\n    topics: [%s, %s]\n    highlights:\n",
			s, words[s%len(words)], words[(s*7)%len(words)], ids[s%len(ids)], ids[(s+3)%len(ids)])
		for range 20 {
			var text []string
			for k := range 25 {
				text = append(text, words[(n*13+k*k)%len(words)])
			}
			fmt.Fprintf(&sb, "      - {id: h%d, text: %s.}\n", n, strings.Join(text, " "))
			n++
		}
	}
	e, err := content.Parse([]byte(sb.String()), "grand.yaml", TopicIDs())
	if err != nil {
		b.Fatal(err)
	}
	return &content.Set{Events: []*content.Event{e}}
}

// tickingClock moves one second forward at every reading, so that each
// step of a scripted session happens after the previous one.
type TickingClock struct {
	Mu sync.Mutex
	T  time.Time
}

func (c *TickingClock) Now() time.Time {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.T = c.T.Add(time.Second)
	return c.T
}

var Topics = []bot.HighlightTopic{
	{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence"},
	{ID: "management", FR: "Management", EN: "Management"},
	{ID: "management_distance", FR: "Management à distance", EN: "Remote management"},
	{ID: "finances", FR: "Finances locales", EN: "Local government finance"},
	{ID: "rh", FR: "Ressources humaines", EN: "Human resources"},
	{ID: "qvt", FR: "Qualité de vie au travail", EN: "Quality of working life"},
	{ID: "deconnexion", FR: "Droit à la déconnexion", EN: "Right to disconnect"},
	{ID: "numerique", FR: "Transformation numérique", EN: "Digital transformation"},
}

func TopicIDs() []string {
	var ids []string
	for _, t := range Topics {
		ids = append(ids, t.ID)
	}
	return ids
}

// dmRecorder is the recorder with direct conversations, so that the bot
// can write first.
type DmRecorder struct{ *Recorder }

func (d DmRecorder) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return Dm(u), nil
}

type HlHarness struct {
	*Harness
	Channel bot.Conversation
	Loads   int
}

// newHL builds a bot over the given content (the demo when nil), with a
// highlights channel and a loader that serves next.
func NewHL(t *testing.T, set *content.Set, next func() (*content.Set, error)) *HlHarness {
	t.Helper()
	if set == nil {
		demo, _, err := content.LoadDemo(TopicIDs())
		if err != nil {
			t.Fatal(err)
		}
		set = demo
	}
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	chat := &Recorder{}
	h := &HlHarness{Channel: bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "temps-forts", Kind: bot.Channel}}
	paris, _ := time.LoadLocation("Europe/Paris")
	s := bot.Settings{
		Admins:     []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}},
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}},
		Location:   paris,
		Highlights: bot.HighlightSettings{Topics: Topics, ReminderBefore: 15 * time.Minute, Channel: h.Channel},
	}
	opts := core.Options{Clock: clock, Content: set}
	if next != nil {
		opts.ReloadContent = func(ctx context.Context) (*content.Set, error) { h.Loads++; return next() }
	}
	b, err := New(s, store, []bot.ChatAdapter{DmRecorder{chat}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	h.Harness = &Harness{T: t, Bot: b, Chat: chat, Store: store, Clock: clock}
	return h
}

// EventYAML is the sample congress content file of the tests.
//
//go:embed testdata/congres-2026.yaml
var EventYAML []byte

// SampleEvent loads EventYAML.
func SampleEvent(t *testing.T) *content.Set {
	t.Helper()
	set, err := content.LoadDir(fstest.MapFS{"congres-2026.yaml": {Data: EventYAML}}, TopicIDs())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func Contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func Publish(t *testing.T, h *HlHarness, ev, session, id, text string) {
	t.Helper()
	err := h.Store.SaveHighlight(context.Background(), bot.PublishedHighlight{Event: ev, Session: session, ID: id,
		Text: text, Published: h.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

// failingDM fails to open direct conversations until told otherwise.
type FailingDM struct {
	*Recorder
	Fail bool
}

func (f *FailingDM) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	if f.Fail {
		return bot.Conversation{}, errors.New("platform down")
	}
	return Dm(u), nil
}

// mtChat is a chat adapter of one platform that opens groups and direct
// conversations; its recorder keeps what is posted where.
type MtChat struct {
	Recorder
	Plat bot.Platform
}

func (c *MtChat) Platform() bot.Platform { return c.Plat }

func (c *MtChat) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	var ids []string
	for _, m := range members {
		ids = append(ids, m.User)
	}
	slices.Sort(ids)
	return bot.Conversation{Platform: c.Plat, Workspace: members[0].Workspace, ID: "group:" + strings.Join(ids, "+"), Kind: bot.Group}, nil
}

func (c *MtChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{Platform: u.Platform, Workspace: u.Workspace, ID: "dm:" + u.User, Kind: bot.Direct}, nil
}

type MtHarness struct {
	T     *testing.T
	Bot   *core.Bot
	Store bot.Store
	Clock *FakeClock
	Chats map[bot.Platform]*MtChat
}

// thursday10 is a working hour in Paris.
var Thursday10 = time.Date(2026, 11, 26, 10, 0, 0, 0, Paris)

func MatchSettings(ms bot.MatchSettings) bot.Settings {
	s := SchedSettings()
	s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}}
	s.Organizers = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}}
	s.Privacy = bot.Privacy{Controller: "SNDGCT", RetentionMonths: 24}
	s.MemberRoles = []bot.Label{{ID: "dgs", FR: "DGS", EN: "Chief executive"}, {ID: "dga", FR: "DGA", EN: "Deputy"}}
	s.Interests = []bot.Label{{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence"},
		{ID: "rh", FR: "Ressources humaines", EN: "Human resources"}, {ID: "qvt", FR: "Qualité de vie au travail", EN: "Quality of working life"}}
	s.Matching = ms
	return s
}

func NewMT(t *testing.T, s bot.Settings, store bot.Store, clock *FakeClock) *MtHarness {
	t.Helper()
	if clock == nil {
		clock = fakeclock.New(Thursday10)
	}
	if store == nil {
		store = OpenBolt(t, clock)
	}
	h := &MtHarness{T: t, Store: store, Clock: clock, Chats: map[bot.Platform]*MtChat{
		bot.PlatformTerminal: {Plat: bot.PlatformTerminal},
		bot.PlatformSlack:    {Plat: bot.PlatformSlack},
	}}
	b, err := New(s, store, []bot.ChatAdapter{h.Chats[bot.PlatformTerminal], h.Chats[bot.PlatformSlack]},
		core.Options{Clock: clock, Directory: NewFakeDirectory()})
	if err != nil {
		t.Fatal(err)
	}
	h.Bot = b
	return h
}

func (h *MtHarness) Take() []Sent {
	return append(h.Chats[bot.PlatformTerminal].Take(), h.Chats[bot.PlatformSlack].Take()...)
}

// towns are real collectivities of assorted sizes.
var Towns = []bot.Collectivity{
	{Kind: bot.KindCommune, Code: "91228", Name: "Évry-Courcouronnes", Population: 66700, Departement: "91", Region: "11"},
	{Kind: bot.KindCommune, Code: "94028", Name: "Créteil", Population: 92600, Departement: "94", Region: "11"},
	{Kind: bot.KindCommune, Code: "69029", Name: "Bron", Population: 42100, Departement: "69", Region: "84"},
	{Kind: bot.KindCommune, Code: "38185", Name: "Grenoble", Population: 156600, Departement: "38", Region: "84"},
	{Kind: bot.KindCommune, Code: "35238", Name: "Rennes", Population: 225100, Departement: "35", Region: "53"},
	{Kind: bot.KindCommune, Code: "44109", Name: "Nantes", Population: 323200, Departement: "44", Region: "52"},
	{Kind: bot.KindCommune, Code: "91477", Name: "Palaiseau", Population: 36900, Departement: "91", Region: "11"},
	{Kind: bot.KindCommune, Code: "07186", Name: "Privas", Population: 8200, Departement: "07", Region: "84"},
	{Kind: bot.KindCommune, Code: "48095", Name: "Mende", Population: 11900, Departement: "48", Region: "76"},
	{Kind: bot.KindCommune, Code: "23096", Name: "Guéret", Population: 12900, Departement: "23", Region: "75"},
	{Kind: bot.KindCommune, Code: "04070", Name: "Digne-les-Bains", Population: 16200, Departement: "04", Region: "93"},
	{Kind: bot.KindCommune, Code: "15014", Name: "Aurillac", Population: 25400, Departement: "15", Region: "84"},
}

// seed stores an onboarded, opted-in member.
func (h *MtHarness) Seed(ref bot.UserRef, name string, coll bot.Collectivity, role string, interests ...string) bot.Member {
	h.T.Helper()
	now := h.Clock.Now()
	c := coll
	m := bot.Member{Ref: ref, Name: name, Language: bot.French, Collectivity: &c, Role: role, Interests: interests,
		OptedIn: now.Add(-time.Hour), Onboarded: now.Add(-time.Hour), Created: now.Add(-time.Hour), Updated: now}
	if err := h.Store.SaveMember(h.T.Context(), m); err != nil {
		h.T.Fatal(err)
	}
	return m
}

func (h *MtHarness) Round(id string) bot.MatchRound {
	h.T.Helper()
	r, err := Of[*introductions.Feature](h.Bot).RunRound(h.T.Context(), id, "tour", h.Clock.Now())
	if err != nil {
		h.T.Fatalf("RunRound(%s): %v", id, err)
	}
	return r
}

func GroupPosts(ps []Sent) []Sent {
	return slices.DeleteFunc(slices.Clone(ps), func(s Sent) bool { return s.Conv.Kind != bot.Group })
}

func DirectTo(ps []Sent, u bot.UserRef) []Sent {
	return slices.DeleteFunc(slices.Clone(ps), func(s Sent) bool {
		return s.Conv.Kind != bot.Direct || s.Conv.ID != "dm:"+u.User || s.Conv.Platform != u.Platform
	})
}

// pickIn has u pick c in conversation conv; it returns what was posted.
func (h *MtHarness) PickIn(u bot.UserRef, conv bot.Conversation, c bot.Choice) []Sent {
	h.T.Helper()
	h.Bot.Handle(h.T.Context(), bot.Message{From: u, Conversation: conv, Choice: &bot.ChoiceEvent{Action: c.Action, Value: c.Value}})
	return h.Take()
}

// pairRound seeds Alice and Bob (named as given), runs round "tour|1" and
// returns them and the group introduction.
func (h *MtHarness) PairRound(nameA, nameB string) (alice, bob bot.UserRef, intro Sent) {
	h.T.Helper()
	alice, bob = User("alice"), User("bob")
	h.Seed(alice, nameA, Towns[0], "dgs", "ia")
	h.Seed(bob, nameB, Towns[1], "dgs", "ia")
	h.Round("tour|1")
	groups := GroupPosts(h.Take())
	if len(groups) != 1 {
		h.T.Fatalf("introductions: %+v, want one group", groups)
	}
	return alice, bob, groups[0]
}

func RoundCount(t *testing.T, s bot.Store) int {
	n := 0
	if err := s.Rounds(t.Context(), 0, func(bot.MatchRound) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// fakeDirectory is a hand-written directory over a few collectivities.
type FakeDirectory struct{ All []bot.Collectivity }

var (
	Spp       = bot.Collectivity{Kind: bot.KindCommune, Code: "91573", Name: "Saint-Pierre-du-Perray", Population: 11993, Departement: "91", Region: "11"}
	Sdenis93  = bot.Collectivity{Kind: bot.KindCommune, Code: "93066", Name: "Saint-Denis", Population: 149077, Departement: "93", Region: "11"}
	Sdenis974 = bot.Collectivity{Kind: bot.KindCommune, Code: "97411", Name: "Saint-Denis", Population: 155634, Departement: "974", Region: "04"}
	Essonne   = bot.Collectivity{Kind: bot.KindDepartement, Code: "91", Name: "Essonne", Population: 1338485, Departement: "91", Region: "11"}
	SeineSD   = bot.Collectivity{Kind: bot.KindDepartement, Code: "93", Name: "Seine-Saint-Denis", Population: 1655422, Departement: "93", Region: "11"}
	Reunion   = bot.Collectivity{Kind: bot.KindDepartement, Code: "974", Name: "La Réunion", Population: 885700, Departement: "974", Region: "04"}
	Idf       = bot.Collectivity{Kind: bot.KindRegion, Code: "11", Name: "Île-de-France", Population: 12463067, Region: "11"}
	ReunionR  = bot.Collectivity{Kind: bot.KindRegion, Code: "04", Name: "La Réunion", Population: 885700, Region: "04"}
)

func NewFakeDirectory() *FakeDirectory {
	return &FakeDirectory{All: []bot.Collectivity{Sdenis974, Sdenis93, Spp, Essonne, SeineSD, Reunion, Idf, ReunionR}}
}

func Key(s string) string {
	s = strings.ReplaceAll(textnorm.Fold(s), " ", "")
	return strings.TrimPrefix(strings.TrimPrefix(s, "de"), "la")
}

func (d *FakeDirectory) Lookup(q string) []bot.Collectivity {
	var out []bot.Collectivity
	for _, c := range d.All {
		if Key(c.Name) == Key(q) || c.Code == q {
			out = append(out, c)
		}
	}
	return out
}

func (d *FakeDirectory) Suggest(q string, n int) []bot.Collectivity {
	var out []bot.Collectivity
	for _, c := range d.All {
		if len(Key(q)) >= 4 && strings.HasPrefix(Key(c.Name), Key(q)[:4]) && len(out) < n {
			out = append(out, c)
		}
	}
	return out
}

func (d *FakeDirectory) Find(kind bot.CollectivityKind, code string) (bot.Collectivity, bool) {
	for _, c := range d.All {
		if c.Kind == kind && c.Code == code {
			return c, true
		}
	}
	return bot.Collectivity{}, false
}

func (d *FakeDirectory) Departement(code string) (bot.Collectivity, bool) {
	return d.Find(bot.KindDepartement, code)
}

func (d *FakeDirectory) Region(code string) (bot.Collectivity, bool) {
	return d.Find(bot.KindRegion, code)
}

// profileChat is a recorder that can also write first and read profiles.
type ProfileChat struct {
	Recorder
	Mu       sync.Mutex
	Profiles map[string]bot.PlatformProfile
	Reads    int
}

func (c *ProfileChat) Profile(ctx context.Context, u bot.UserRef) (bot.PlatformProfile, error) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.Reads++
	return c.Profiles[u.User], nil
}

func (c *ProfileChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return Dm(u), nil
}

var MemberRoles = []bot.Label{
	{ID: "dgs", FR: "Directeur·rice général·e des services (DGS)", EN: "Chief executive (DGS)"},
	{ID: "dga", FR: "Directeur·rice général·e adjoint·e (DGA)", EN: "Deputy chief executive (DGA)"},
	{ID: "sgm", FR: "Secrétaire général·e de mairie", EN: "Town hall secretary-general",
		Aliases: []string{"secrétaire de mairie"}},
}

var Interests = []bot.Label{
	{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence", Aliases: []string{"AI"}},
	{ID: "management", FR: "Management", EN: "Management"},
	{ID: "finances", FR: "Finances locales", EN: "Local government finance"},
}

type MembersHarness struct {
	*Harness
	Chat *ProfileChat
	Path string
}

func NewMembers(t *testing.T, mutate ...func(*bot.Settings)) *MembersHarness {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	path := t.TempDir() + "/m.db"
	store, err := bolt.Open(context.Background(), path, bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return NewMembersOver(t, store, clock, path, mutate...)
}

func NewMembersOver(t *testing.T, store bot.Store, clock *FakeClock, path string, mutate ...func(*bot.Settings)) *MembersHarness {
	t.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	s := bot.Settings{
		Admins:      []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}},
		Organizers:  []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}},
		Privacy:     bot.Privacy{Controller: "SNDGCT", Contact: "dpo@example.org", RetentionMonths: 24},
		MemberRoles: MemberRoles,
		Interests:   Interests,
		Location:    paris,
	}
	for _, f := range mutate {
		f(&s)
	}
	chat := &ProfileChat{Profiles: map[string]bot.PlatformProfile{}}
	b, err := New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, Directory: NewFakeDirectory()})
	if err != nil {
		t.Fatal(err)
	}
	return &MembersHarness{Harness: &Harness{T: t, Bot: b, Chat: &chat.Recorder, Store: store, Clock: clock},
		Chat: chat, Path: path}
}

// choice returns the choice of the reply whose label contains label.
func Choice(t *testing.T, rep bot.Reply, label string) bot.Choice {
	t.Helper()
	for _, c := range rep.Choices {
		if strings.Contains(c.Label, label) {
			return c
		}
	}
	t.Fatalf("no choice labelled %q in %+v", label, rep.Choices)
	return bot.Choice{}
}

func Last(t *testing.T, reps []bot.Reply) bot.Reply {
	t.Helper()
	if len(reps) == 0 {
		t.Fatal("no reply")
	}
	return reps[len(reps)-1]
}

func (h *MembersHarness) Member(u bot.UserRef) bot.Member {
	h.T.Helper()
	m, err := h.Store.Member(context.Background(), u)
	if err != nil {
		h.T.Fatalf("member %s: %v", u.User, err)
	}
	return m
}

// onboard takes u from the first sentence to opted in, and returns the
// number of messages the member sent.
func (h *MembersHarness) Onboard(u bot.UserRef) int {
	t := h.T
	t.Helper()
	rep := Last(t, h.Say(u, "Je suis DGS de Saint-Pierre-du-Perray"))
	if !strings.Contains(rep.Text, "Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants)") {
		t.Fatalf("confirmation lacks the population and département:\n%s", rep.Text)
	}
	if !strings.Contains(rep.Text, "DGS") {
		t.Errorf("the role from the same sentence is not acknowledged:\n%s", rep.Text)
	}
	rep = Last(t, h.Pick(u, Choice(t, rep, Fr("members.yes"))))
	if !strings.Contains(rep.Text, Fr("members.interests.ask")) {
		t.Fatalf("after the confirmation, want the interests (the role is known):\n%s", rep.Text)
	}
	rep = Last(t, h.Say(u, "1 et finances"))
	if !strings.Contains(rep.Text, Fr("members.prefs.ask")) {
		t.Fatalf("after typed interests, want the preferences:\n%s", rep.Text)
	}
	rep = Last(t, h.Pick(u, Choice(t, rep, Fr("members.prefs.ok_button"))))
	if !strings.Contains(rep.Text, "Intelligence artificielle, Finances locales") {
		t.Errorf("the recap lacks the interests:\n%s", rep.Text)
	}
	rep = Last(t, h.Pick(u, Choice(t, rep, Fr("members.optin.yes_button"))))
	if rep.Text != Fr("members.optin.done") {
		t.Fatalf("last reply %q, want the end of onboarding", rep.Text)
	}
	return 5
}

// countingStore counts Member reads: a flood that is rate limited must not
// reach the store.
type CountingStore struct {
	bot.Store
	Mu    sync.Mutex
	Reads int
}

func (s *CountingStore) Member(ctx context.Context, ref bot.UserRef) (bot.Member, error) {
	s.Mu.Lock()
	s.Reads++
	s.Mu.Unlock()
	return s.Store.Member(ctx, ref)
}

// recObserver records what the core reports.
type RecObserver struct {
	Mu           sync.Mutex
	In, Out      int
	OutErr       int
	HandledCount map[string]int
	Errors       map[string]int
	Fired        map[string]int
	Skipped      map[string]int
	LastTime     time.Duration
}

func NewRecObserver() *RecObserver {
	return &RecObserver{HandledCount: map[string]int{}, Errors: map[string]int{}, Fired: map[string]int{}, Skipped: map[string]int{}}
}

func (o *RecObserver) MessageIn(bot.Platform) { o.Mu.Lock(); o.In++; o.Mu.Unlock() }

func (o *RecObserver) MessageOut(_ bot.Platform, err error) {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	o.Out++
	if err != nil {
		o.OutErr++
	}
}

func (o *RecObserver) Handled(_ bot.Platform, cmd string, d time.Duration) {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	o.HandledCount[cmd]++
	o.LastTime = d
}

func (o *RecObserver) Error(kind string) { o.Mu.Lock(); o.Errors[kind]++; o.Mu.Unlock() }

func (o *RecObserver) JobFired(job string, err error) {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	o.Fired[fmt.Sprintf("%s/%v", job, err == nil)]++
}

func (o *RecObserver) JobSkipped(job, reason string, n int) {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	o.Skipped[job+"/"+reason] += n
}

func (o *RecObserver) Broadcast(string, int, int, int, bool) {}

// slowClock advances a fake clock on every reading, so that durations
// measured by the core are not zero.
type SlowClock struct{ *FakeClock }

func (c SlowClock) Now() time.Time { c.FakeClock.Advance(time.Millisecond); return c.FakeClock.Now() }

// keeper is a chat adapter that keeps something about its users.
type Keeper struct {
	Recorder
	Kept map[bot.UserRef]string
}

func (k *Keeper) ExportUser(_ context.Context, u bot.UserRef) (any, error) {
	if v, ok := k.Kept[u]; ok {
		return map[string]string{"cached": v}, nil
	}
	return nil, nil
}

func (k *Keeper) ForgetUser(_ context.Context, u bot.UserRef) error {
	delete(k.Kept, u)
	return nil
}

func (r *Replica) Say(t *testing.T, u bot.UserRef, text string) string {
	t.Helper()
	r.Bot.Handle(t.Context(), bot.Message{From: u, Conversation: Dm(u), Text: text})
	var out []string
	for _, s := range r.Chat.Take() {
		out = append(out, s.Reply.Text)
	}
	if len(out) != 1 {
		t.Fatalf("%q: got %d replies %q, want 1", text, len(out), out)
	}
	return out[0]
}

var Paris = MustZone("Europe/Paris")

func MustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// outbox is the recorder that can also open direct conversations; a hook
// lets a test make a send panic or block.
type Outbox struct {
	Recorder
	Hook   sync.Mutex
	Before func(ctx context.Context, conv bot.Conversation) error // may panic or block
}

func (o *Outbox) Send(ctx context.Context, conv bot.Conversation, rep bot.Reply) (bot.SentMessage, error) {
	o.Hook.Lock()
	before := o.Before
	o.Hook.Unlock()
	if before != nil {
		if err := before(ctx, conv); err != nil {
			return bot.SentMessage{}, err
		}
	}
	return o.Recorder.Send(ctx, conv, rep)
}

func (o *Outbox) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return Dm(u), nil
}

// FindSent lets the core reconcile a post whose outcome was unknown.
func (o *Outbox) FindSent(ctx context.Context, conv bot.Conversation, since time.Time, r bot.Reply) (bot.SentMessage, bool, error) {
	o.Mu.Lock()
	defer o.Mu.Unlock()
	for _, s := range o.Sent {
		if s.Conv == conv && s.Reply.Text == r.Text {
			return bot.SentMessage{Conversation: conv, ID: "found"}, true, nil
		}
	}
	return bot.SentMessage{}, false, nil
}

func (o *Outbox) SetBefore(fn func(context.Context, bot.Conversation) error) {
	o.Hook.Lock()
	o.Before = fn
	o.Hook.Unlock()
}

// replica is one bot process over a shared store and clock.
type Replica struct {
	Bot  *core.Bot
	Chat *Outbox
}

var Weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

func SchedSettings(jobs ...bot.Job) bot.Settings {
	return bot.Settings{
		Location: Paris,
		Jobs:     jobs,
		Grace:    time.Hour,
		WorkingHours: bot.WorkingHours{
			Days: Weekdays, Start: 9 * 60, End: 18 * 60, Location: Paris,
		},
	}
}

func NewReplica(t *testing.T, s bot.Settings, store bot.Store, clock *FakeClock, name string) *Replica {
	t.Helper()
	chat := &Outbox{}
	b, err := New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, Replica: name})
	if err != nil {
		t.Fatal(err)
	}
	return &Replica{Bot: b, Chat: chat}
}

func (r *Replica) Tick(t *testing.T) {
	t.Helper()
	r.Bot.Tick(t.Context())
	r.Bot.WaitJobs()
}

func OpenBolt(t *testing.T, clock *FakeClock) bot.Store {
	t.Helper()
	s, err := bolt.Open(t.Context(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ChannelJob(name, spec string) bot.Job {
	return bot.Job{
		Name: name, Kind: "announcement", Schedule: schedule.MustParse(spec, Paris),
		Announcement: &bot.Announcement{
			Channel: &bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "annonces", Kind: bot.Channel},
			Text:    map[bot.Lang]string{bot.French: "Annonce", bot.English: "Notice"},
		},
	}
}

func MembersJob(name, spec string, urgent bool, f bot.MemberFilter) bot.Job {
	return bot.Job{
		Name: name, Kind: "announcement", Schedule: schedule.MustParse(spec, Paris),
		Announcement: &bot.Announcement{
			Members: f, Urgent: urgent,
			Text: map[bot.Lang]string{bot.French: "Annonce", bot.English: "Notice"},
		},
	}
}

func At(clock *FakeClock, t time.Time) { clock.Set(t) }

func SaveMember(t *testing.T, store bot.Store, m bot.Member) {
	t.Helper()
	if err := store.SaveMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

// heldUntil returns the recipients still pending in the broadcast of
// origin, and until when each waits.
func HeldUntil(t *testing.T, store bot.Store, origin string) map[bot.UserRef]time.Time {
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

// OutageStore is a store that cannot be reached while Down is set: the
// member reads, the deduplication and the values the core and the
// adapters use on every message fail with ErrUnavailable.
type OutageStore struct {
	bot.Store
	Down *atomic.Bool
}

func (s OutageStore) unavailable() error { return fmt.Errorf("dial tcp: %w", bot.ErrUnavailable) }

func (s OutageStore) Member(ctx context.Context, ref bot.UserRef) (bot.Member, error) {
	if s.Down.Load() {
		return bot.Member{}, s.unavailable()
	}
	return s.Store.Member(ctx, ref)
}

func (s OutageStore) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.Down.Load() {
		return false, s.unavailable()
	}
	return s.Store.FirstSeen(ctx, key, ttl)
}

func (s OutageStore) Value(ctx context.Context, key string) ([]byte, error) {
	if s.Down.Load() {
		return nil, s.unavailable()
	}
	return s.Store.Value(ctx, key)
}

func (s OutageStore) PutValue(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if s.Down.Load() {
		return s.unavailable()
	}
	return s.Store.PutValue(ctx, key, v, ttl)
}

func (s OutageStore) DeleteValue(ctx context.Context, key string) error {
	if s.Down.Load() {
		return s.unavailable()
	}
	return s.Store.DeleteValue(ctx, key)
}
