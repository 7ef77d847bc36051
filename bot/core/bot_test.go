package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock = fakeclock.Clock

// recorder is a hand-written chat adapter that records what the core sends.
type recorder struct {
	mu   sync.Mutex
	sent []sent
}

type sent struct {
	conv  bot.Conversation
	reply bot.Reply
}

func (r *recorder) Platform() bot.Platform { return bot.PlatformTerminal }
func (r *recorder) Run(ctx context.Context, h bot.Handler) error {
	<-ctx.Done()
	return nil
}
func (r *recorder) Send(ctx context.Context, conv bot.Conversation, rep bot.Reply) (bot.SentMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, sent{conv, rep})
	return bot.SentMessage{Conversation: conv, ID: fmt.Sprint(len(r.sent))}, nil
}
func (r *recorder) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{}, bot.ErrGroupSize
}

// take returns and forgets what was sent.
func (r *recorder) take() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

type harness struct {
	t     *testing.T
	bot   *core.Bot
	chat  *recorder
	store bot.Store
	clock *fakeClock
}

func newHarness(t *testing.T, s bot.Settings) *harness {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newHarnessWith(t, s, store, clock)
}

func newHarnessWith(t *testing.T, s bot.Settings, store bot.Store, clock *fakeClock) *harness {
	t.Helper()
	chat := &recorder{}
	if s.Admins == nil {
		s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}}
		s.Organizers = []bot.RoleRule{{Platform: bot.PlatformTerminal, Workspace: "local", User: "orga"}}
	}
	s.Privacy = bot.Privacy{Controller: "SNDGCT", RetentionMonths: 24}
	b, err := bottest.New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, bot: b, chat: chat, store: store, clock: clock}
}

func user(id string) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: id}
}

func dm(u bot.UserRef) bot.Conversation {
	return bot.Conversation{Platform: u.Platform, Workspace: u.Workspace, ID: "dm:" + u.User, Kind: bot.Direct}
}

// say sends text as u in their DM and returns the replies.
func (h *harness) say(u bot.UserRef, text string) []bot.Reply {
	h.t.Helper()
	h.bot.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u), Text: text})
	return h.replies()
}

func (h *harness) pick(u bot.UserRef, c bot.Choice) []bot.Reply {
	h.t.Helper()
	h.bot.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u),
		Choice: &bot.ChoiceEvent{Action: c.Action, Value: c.Value}})
	return h.replies()
}

func (h *harness) replies() []bot.Reply {
	var out []bot.Reply
	for _, s := range h.chat.take() {
		out = append(out, s.reply)
	}
	return out
}

func fr(key string, args ...string) string { return catalog.Default().T("fr", key, args...) }
func en(key string, args ...string) string { return catalog.Default().T("en", key, args...) }

func only(t *testing.T, replies []bot.Reply) bot.Reply {
	t.Helper()
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1: %+v", len(replies), replies)
	}
	return replies[0]
}

func TestHelpIsCaseAndAccentInsensitiveAndBilingual(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	alice := user("alice")
	for _, in := range []string{"aide", "Aide", "AIDE", "help", " aide ", "?"} {
		got := only(t, h.say(alice, in)).Text
		if !strings.HasPrefix(got, fr("help.header")) {
			t.Errorf("%q: reply %q does not start with the help header", in, got)
		}
	}
}

func TestHelpListsOnlyWhatTheRoleMayDo(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	tests := []struct {
		who           string
		wantOrganizer bool
		wantAdmin     bool
	}{
		{"alice", false, false},
		{"orga", true, false},
		{"admin", true, true},
	}
	for _, tt := range tests {
		got := only(t, h.say(user(tt.who), "aide")).Text
		hasOrg := strings.Contains(got, fr("cmd.members.summary"))
		hasAdmin := strings.Contains(got, fr("cmd.status.summary"))
		if hasOrg != tt.wantOrganizer || hasAdmin != tt.wantAdmin {
			t.Errorf("%s: help shows organizer=%v admin=%v, want %v %v:\n%s", tt.who, hasOrg, hasAdmin,
				tt.wantOrganizer, tt.wantAdmin, got)
		}
		if !strings.Contains(got, fr("cmd.profile.summary")) {
			t.Errorf("%s: help lacks the member commands:\n%s", tt.who, got)
		}
	}
	// The organizer rule names the workspace: another workspace is a member.
	other := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "elsewhere", User: "orga"}
	if got := only(t, h.say(other, "aide")).Text; strings.Contains(got, fr("cmd.members.summary")) {
		t.Errorf("orga of another workspace sees organizer commands:\n%s", got)
	}
}

func TestUnknownInputSuggestsTheNearestCommand(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	got := only(t, h.say(user("alice"), "profl")).Text
	want := "Je n'ai pas compris « profl ». Vouliez-vous dire « profil » ? Tapez « aide » pour la liste."
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = only(t, h.say(user("alice"), "quelle belle journée")).Text
	if want := fr("error.unknown", "input", "quelle belle journée"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// An admin command is neither suggested to nor run for a member.
	got = only(t, h.say(user("alice"), "statu")).Text
	if strings.Contains(got, "statut") {
		t.Errorf("member was offered an admin command: %q", got)
	}
	got = only(t, h.say(user("alice"), "statut")).Text
	if want := fr("error.forbidden.admin"); got != want {
		t.Errorf("member ran statut: got %q, want %q", got, want)
	}
}

func TestLanguageByChoiceIsStoredAndUsed(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	alice := user("alice")
	ask := only(t, h.say(alice, "langue"))
	if len(ask.Choices) != 2 {
		t.Fatalf("langue offers %d choices, want 2: %+v", len(ask.Choices), ask)
	}
	var english bot.Choice
	for _, c := range ask.Choices {
		if c.Value == "en" {
			english = c
		}
	}
	if english.Label != "English" {
		t.Fatalf("no English choice in %+v", ask.Choices)
	}
	if got, want := only(t, h.pick(alice, english)).Text, en("lang.set", "language", "English"); got != want {
		t.Errorf("after choosing English: %q, want %q", got, want)
	}
	m, err := h.store.Member(context.Background(), alice)
	if err != nil || m.Language != bot.English {
		t.Fatalf("stored member = %+v, %v; want language en", m, err)
	}
	if got := only(t, h.say(alice, "aide")).Text; !strings.HasPrefix(got, en("help.header")) {
		t.Errorf("help after switching to English: %q", got)
	}
	// The dialogue is over: "anglais" is no longer an answer.
	if _, err := h.store.Dialogue(context.Background(), alice); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("dialogue still open after the choice: %v", err)
	}
	// Back in French with a typed argument, in either language.
	if got, want := only(t, h.say(alice, "language FRENCH")).Text, fr("lang.set", "language", "français"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLanguageDialogueByTextAndCancel(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	bob := user("bob")
	only(t, h.say(bob, "langue"))
	// A command during the dialogue runs, and the dialogue stays open.
	if got := only(t, h.say(bob, "profil")).Text; !strings.Contains(got, fr("profile.header")) {
		t.Errorf("profil during the dialogue: %q", got)
	}
	// Nonsense gets the question again.
	rep := only(t, h.say(bob, "klingon"))
	if rep.Text != fr("lang.reprompt") || len(rep.Choices) != 2 {
		t.Errorf("nonsense in the dialogue: %+v", rep)
	}
	if got, want := only(t, h.say(bob, "Anglais")).Text, en("lang.set", "language", "English"); got != want {
		t.Errorf("typed answer: %q, want %q", got, want)
	}
	only(t, h.say(bob, "language"))
	if got, want := only(t, h.say(bob, "cancel")).Text, en("cancel.done"); got != want {
		t.Errorf("cancel: %q, want %q", got, want)
	}
	if got, want := only(t, h.say(bob, "annuler")).Text, en("cancel.nothing"); got != want {
		t.Errorf("second cancel: %q, want %q", got, want)
	}
}

func TestDialogueSurvivesARestartAndExpires(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	path := t.TempDir() + "/m.db"
	store, err := bolt.Open(context.Background(), path, bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, bot.Settings{DialogueTTL: time.Hour}, store, clock)
	carol := user("carol")
	only(t, h.say(carol, "langue"))
	store.Close()

	store, err = bolt.Open(context.Background(), path, bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h = newHarnessWith(t, bot.Settings{DialogueTTL: time.Hour}, store, clock)
	if got, want := only(t, h.say(carol, "english")).Text, en("lang.set", "language", "English"); got != want {
		t.Errorf("answer after restart: %q, want %q", got, want)
	}
	only(t, h.say(carol, "language"))
	clock.Advance(2 * time.Hour)
	if got := only(t, h.say(carol, "french")).Text; !strings.Contains(got, "“french”") {
		t.Errorf("answer after expiry should not be taken as a dialogue answer: %q", got)
	}
}

func TestProfileShowsWhatIsStored(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	dan := user("dan")
	if got := only(t, h.say(dan, "profil")).Text; !strings.Contains(got, fr("profile.nothing_stored")) {
		t.Errorf("profile of an unknown member: %q", got)
	}
	if n, _ := h.store.CountMembers(context.Background()); n != 0 {
		t.Errorf("reading the profile stored a member (%d members)", n)
	}
	only(t, h.say(dan, "langue français"))
	got := only(t, h.say(dan, "profil")).Text
	for _, want := range []string{"français", "membre", "26 novembre 2026"} {
		if !strings.Contains(got, want) {
			t.Errorf("profile %q lacks %q", got, want)
		}
	}
}

func TestDatesAreShownInTheConfiguredZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, bot.Settings{Location: paris})
	h.clock.Set(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)) // already 1 January in Paris
	only(t, h.say(user("fay"), "langue français"))
	if got := only(t, h.say(user("fay"), "profil")).Text; !strings.Contains(got, "1 janvier 2027") {
		t.Errorf("profile date not in Paris time: %q", got)
	}
}

func TestOrganizerAndAdminCommands(t *testing.T) {
	h := newHarness(t, bot.Settings{Version: "1.0.0", StoreName: "bolt"})
	only(t, h.say(user("a"), "langue anglais"))
	only(t, h.say(user("b"), "langue français"))
	got := only(t, h.say(user("orga"), "membres")).Text
	for _, want := range []string{fr("members.total", "count", "2"), "- en anglais : 1", "- en français : 1", "- sur terminal : 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("membres: %q lacks %q", got, want)
		}
	}
	h.clock.Advance(90 * time.Minute)
	got = only(t, h.say(user("admin"), "état")).Text
	for _, want := range []string{"1.0.0", "bolt, joignable", "Membres enregistrés : 2", "1 h 30 min", "terminal"} {
		if !strings.Contains(got, want) {
			t.Errorf("statut: %q lacks %q", got, want)
		}
	}
	if got := only(t, h.say(user("orga"), "statut")).Text; got != fr("error.forbidden.admin") {
		t.Errorf("organizer ran statut: %q", got)
	}
}

func TestBadInputNeverCrashes(t *testing.T) {
	h := newHarness(t, bot.Settings{MaxMessageRunes: 100})
	alice := user("alice")
	tests := []struct {
		name, in string
		want     string // "" = no reply
	}{
		{"empty", "", ""},
		{"spaces", "   \t ", ""},
		{"invisible only", "\u200B\u202E\uFEFF", ""},
		{"controls only", "\x00\x01\x1b", ""},
		{"too long", strings.Repeat("é", 101), fr("error.too_long", "max", "100")},
		{"100 KB", strings.Repeat("a", 100<<10), fr("error.too_long", "max", "100")},
		{"invalid utf-8", "ai\xffde", fr("error.unknown", "input", "ai\uFFFDde")},
		{"bidi inside a command", "ai\u202Ede", ""},
	}
	for _, tt := range tests {
		replies := h.say(alice, tt.in)
		switch {
		case tt.want == "" && tt.name == "bidi inside a command":
			if len(replies) != 1 || !strings.HasPrefix(replies[0].Text, fr("help.header")) {
				t.Errorf("%s: %+v, want the help", tt.name, replies)
			}
		case tt.want == "":
			if len(replies) != 0 {
				t.Errorf("%s: got %+v, want silence", tt.name, replies)
			}
		default:
			if len(replies) != 1 || replies[0].Text != tt.want {
				t.Errorf("%s: got %+v, want %q", tt.name, replies, tt.want)
			}
		}
	}
}

func TestGroupsAndChannelsOnlyAnswerMentions(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	alice := user("alice")
	group := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "group:alice+bob", Kind: bot.Group}
	h.bot.Handle(context.Background(), bot.Message{From: alice, Conversation: group, Text: "aide"})
	if got := h.chat.take(); len(got) != 0 {
		t.Errorf("answered an unaddressed group message: %+v", got)
	}
	h.bot.Handle(context.Background(), bot.Message{From: alice, Conversation: group, Text: "aide", Mention: true})
	got := h.chat.take()
	if len(got) != 1 || got[0].conv != group {
		t.Errorf("mention in a group: %+v, want one reply in the group", got)
	}
}

func TestUnknownChoiceAndInvalidSender(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	got := only(t, h.pick(user("alice"), bot.Choice{Action: "nothing.here", Value: "x"})).Text
	if got != fr("error.choice_unknown") {
		t.Errorf("unknown choice: %q", got)
	}
	h.bot.Handle(context.Background(), bot.Message{Text: "aide"})
	if got := h.chat.take(); len(got) != 0 {
		t.Errorf("answered a message without sender: %+v", got)
	}
}

// panicStore panics on Member, as a bug deep in a handler would.
type panicStore struct{ bot.Store }

func (panicStore) Member(context.Context, bot.UserRef) (bot.Member, error) { panic("boom") }

// downStore is unreachable.
type downStore struct{ bot.Store }

func (downStore) Member(context.Context, bot.UserRef) (bot.Member, error) {
	return bot.Member{}, fmt.Errorf("dial: %w", bot.ErrUnavailable)
}

func TestPanicIsRecoveredAndAnswered(t *testing.T) {
	base := newHarness(t, bot.Settings{})
	h := newHarnessWith(t, bot.Settings{}, panicStore{base.store}, base.clock)
	got := only(t, h.say(user("alice"), "aide")).Text
	if got != fr("error.internal") {
		t.Errorf("after a panic: %q, want %q", got, fr("error.internal"))
	}
	// The bot still works for the next message.
	h2 := newHarnessWith(t, bot.Settings{}, base.store, base.clock)
	if got := only(t, h2.say(user("alice"), "aide")).Text; !strings.HasPrefix(got, fr("help.header")) {
		t.Errorf("next message: %q", got)
	}
}

func TestStoreDownGetsAPoliteAnswer(t *testing.T) {
	base := newHarness(t, bot.Settings{})
	h := newHarnessWith(t, bot.Settings{}, downStore{base.store}, base.clock)
	if got := only(t, h.say(user("alice"), "aide")).Text; got != fr("error.unavailable") {
		t.Errorf("store down: %q", got)
	}
}

func TestLocaleGivesTheLanguageOfUnknownMembers(t *testing.T) {
	h := newHarness(t, bot.Settings{})
	eve := user("eve")
	h.bot.Handle(context.Background(), bot.Message{From: eve, Conversation: dm(eve), Text: "help", Locale: "en-GB"})
	if got := only(t, h.replies()).Text; !strings.HasPrefix(got, en("help.header")) {
		t.Errorf("en-GB locale: %q", got)
	}
	h2 := newHarness(t, bot.Settings{DefaultLang: bot.English})
	if got := only(t, h2.say(eve, "aide")).Text; !strings.HasPrefix(got, en("help.header")) {
		t.Errorf("English default: %q", got)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	base := newHarness(t, bot.Settings{})
	if _, err := bottest.New(bot.Settings{DefaultLang: "de"}, base.store, []bot.ChatAdapter{&recorder{}}, core.Options{}); err == nil {
		t.Error("New accepted an unsupported language")
	}
	if _, err := bottest.New(bot.Settings{}, base.store, nil, core.Options{}); err == nil {
		t.Error("New accepted no adapter")
	}
	if _, err := bottest.New(bot.Settings{}, base.store, []bot.ChatAdapter{&recorder{}, &recorder{}}, core.Options{}); err == nil {
		t.Error("New accepted two adapters for one platform")
	}
}

// benchBot is a core over a bolt store in a temp dir, for benchmarks.
func benchBot(b *testing.B) (*core.Bot, *recorder) {
	b.Helper()
	store, err := bolt.Open(context.Background(), b.TempDir()+"/m.db", bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	chat := &recorder{}
	bt, err := bottest.New(bot.Settings{}, store, []bot.ChatAdapter{chat}, core.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return bt, chat
}

// BenchmarkMessage measures one message through the router, the catalogue
// and the bolt store: a member asking for their profile.
func BenchmarkMessage(b *testing.B) {
	bt, chat := benchBot(b)
	ctx := context.Background()
	alice := user("alice")
	bt.Handle(ctx, bot.Message{From: alice, Conversation: dm(alice), Text: "langue français"})
	msg := bot.Message{From: alice, Conversation: dm(alice), Text: "Mon profil"}
	b.ReportAllocs()
	for b.Loop() {
		bt.Handle(ctx, msg)
		chat.take()
	}
}

// BenchmarkMessageWrite measures a message that writes: a language change,
// which saves the member (one bbolt transaction, synced to disk).
func BenchmarkMessageWrite(b *testing.B) {
	bt, chat := benchBot(b)
	ctx := context.Background()
	alice := user("alice")
	msgs := []bot.Message{
		{From: alice, Conversation: dm(alice), Text: "langue anglais"},
		{From: alice, Conversation: dm(alice), Text: "language french"},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bt.Handle(ctx, msgs[i%2])
		chat.take()
		i++
	}
}
