package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func TestHelpIsCaseAndAccentInsensitiveAndBilingual(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	alice := bottest.User("alice")
	for _, in := range []string{"aide", "Aide", "AIDE", "help", " aide ", "?"} {
		got := bottest.Only(t, h.Say(alice, in)).Text
		if !strings.HasPrefix(got, bottest.Fr("help.header")) {
			t.Errorf("%q: reply %q does not start with the help header", in, got)
		}
	}
}

func TestHelpListsOnlyWhatTheRoleMayDo(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
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
		got := bottest.Only(t, h.Say(bottest.User(tt.who), "aide")).Text
		hasOrg := strings.Contains(got, bottest.Fr("cmd.members.summary"))
		hasAdmin := strings.Contains(got, bottest.Fr("cmd.status.summary"))
		if hasOrg != tt.wantOrganizer || hasAdmin != tt.wantAdmin {
			t.Errorf("%s: help shows organizer=%v admin=%v, want %v %v:\n%s", tt.who, hasOrg, hasAdmin,
				tt.wantOrganizer, tt.wantAdmin, got)
		}
		if !strings.Contains(got, bottest.Fr("cmd.profile.summary")) {
			t.Errorf("%s: help lacks the member commands:\n%s", tt.who, got)
		}
	}
	// The organizer rule names the workspace: another workspace is a member.
	other := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "elsewhere", User: "orga"}
	if got := bottest.Only(t, h.Say(other, "aide")).Text; strings.Contains(got, bottest.Fr("cmd.members.summary")) {
		t.Errorf("orga of another workspace sees organizer commands:\n%s", got)
	}
}

// onboarded stores u as a member who has finished the onboarding: what
// they type is no longer the answer to the front door's first question.
func onboarded(t *testing.T, h *bottest.Harness, u bot.UserRef) {
	t.Helper()
	now := h.Clock.Now()
	if err := h.Store.SaveMember(context.Background(), bot.Member{Ref: u, Created: now, Updated: now, Onboarded: now}); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownInputSuggestsTheNearestCommand(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	onboarded(t, h, bottest.User("alice"))
	got := bottest.Only(t, h.Say(bottest.User("alice"), "profl")).Text
	want := "Je n'ai pas compris « profl ». Vouliez-vous dire « profil » ? Tapez « aide » pour la liste."
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = bottest.Only(t, h.Say(bottest.User("alice"), "quelle belle journée")).Text
	if want := bottest.Fr("error.unknown", "input", "quelle belle journée"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// An admin command is neither suggested to nor run for a member.
	got = bottest.Only(t, h.Say(bottest.User("alice"), "statu")).Text
	if strings.Contains(got, "statut") {
		t.Errorf("member was offered an admin command: %q", got)
	}
	got = bottest.Only(t, h.Say(bottest.User("alice"), "statut")).Text
	if want := bottest.Fr("error.forbidden.admin"); got != want {
		t.Errorf("member ran statut: got %q, want %q", got, want)
	}
}

func TestLanguageByChoiceIsStoredAndUsed(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	alice := bottest.User("alice")
	ask := bottest.Only(t, h.Say(alice, "langue"))
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
	if got, want := bottest.Only(t, h.Pick(alice, english)).Text, bottest.En("lang.set", "language", "English"); got != want {
		t.Errorf("after choosing English: %q, want %q", got, want)
	}
	m, err := h.Store.Member(context.Background(), alice)
	if err != nil || m.Language != bot.English {
		t.Fatalf("stored member = %+v, %v; want language en", m, err)
	}
	if got := bottest.Only(t, h.Say(alice, "aide")).Text; !strings.HasPrefix(got, bottest.En("help.header")) {
		t.Errorf("help after switching to English: %q", got)
	}
	// The dialogue is over: "anglais" is no longer an answer.
	if _, err := h.Store.Dialogue(context.Background(), alice); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("dialogue still open after the choice: %v", err)
	}
	// Back in French with a typed argument, in either language.
	if got, want := bottest.Only(t, h.Say(alice, "language FRENCH")).Text, bottest.Fr("lang.set", "language", "français"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLanguageDialogueByTextAndCancel(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	bob := bottest.User("bob")
	bottest.Only(t, h.Say(bob, "langue"))
	// A command during the dialogue runs, and the dialogue stays open.
	if got := bottest.Only(t, h.Say(bob, "profil")).Text; !strings.Contains(got, bottest.Fr("profile.header")) {
		t.Errorf("profil during the dialogue: %q", got)
	}
	// Nonsense gets the question again.
	rep := bottest.Only(t, h.Say(bob, "klingon"))
	if rep.Text != bottest.Fr("lang.reprompt") || len(rep.Choices) != 2 {
		t.Errorf("nonsense in the dialogue: %+v", rep)
	}
	if got, want := bottest.Only(t, h.Say(bob, "Anglais")).Text, bottest.En("lang.set", "language", "English"); got != want {
		t.Errorf("typed answer: %q, want %q", got, want)
	}
	bottest.Only(t, h.Say(bob, "language"))
	if got, want := bottest.Only(t, h.Say(bob, "cancel")).Text, bottest.En("cancel.done"); got != want {
		t.Errorf("cancel: %q, want %q", got, want)
	}
	if got, want := bottest.Only(t, h.Say(bob, "annuler")).Text, bottest.En("cancel.nothing"); got != want {
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
	h := bottest.NewHarnessWith(t, bot.Settings{DialogueTTL: time.Hour}, store, clock)
	carol := bottest.User("carol")
	bottest.Only(t, h.Say(carol, "langue"))
	store.Close()

	store, err = bolt.Open(context.Background(), path, bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h = bottest.NewHarnessWith(t, bot.Settings{DialogueTTL: time.Hour}, store, clock)
	if got, want := bottest.Only(t, h.Say(carol, "english")).Text, bottest.En("lang.set", "language", "English"); got != want {
		t.Errorf("answer after restart: %q, want %q", got, want)
	}
	bottest.Only(t, h.Say(carol, "language"))
	clock.Advance(2 * time.Hour)
	m, err := store.Member(context.Background(), carol)
	if err != nil {
		t.Fatal(err)
	}
	m.Onboarded = clock.Now() // else « french » would open the onboarding (the front door)
	if err := store.SaveMember(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := bottest.Only(t, h.Say(carol, "french")).Text; !strings.Contains(got, "“french”") {
		t.Errorf("answer after expiry should not be taken as a dialogue answer: %q", got)
	}
}

func TestProfileShowsWhatIsStored(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	dan := bottest.User("dan")
	if got := bottest.Only(t, h.Say(dan, "profil")).Text; !strings.Contains(got, bottest.Fr("profile.nothing_stored")) {
		t.Errorf("profile of an unknown member: %q", got)
	}
	if n, _ := h.Store.CountMembers(context.Background()); n != 0 {
		t.Errorf("reading the profile stored a member (%d members)", n)
	}
	bottest.Only(t, h.Say(dan, "langue français"))
	got := bottest.Only(t, h.Say(dan, "profil")).Text
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
	h := bottest.NewHarness(t, bot.Settings{Location: paris})
	h.Clock.Set(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)) // already 1 January in Paris
	bottest.Only(t, h.Say(bottest.User("fay"), "langue français"))
	if got := bottest.Only(t, h.Say(bottest.User("fay"), "profil")).Text; !strings.Contains(got, "1 janvier 2027") {
		t.Errorf("profile date not in Paris time: %q", got)
	}
}

func TestOrganizerAndAdminCommands(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{Version: "1.0.0", StoreName: "bolt"})
	bottest.Only(t, h.Say(bottest.User("a"), "langue anglais"))
	bottest.Only(t, h.Say(bottest.User("b"), "langue français"))
	got := bottest.Only(t, h.Say(bottest.User("orga"), "membres")).Text
	for _, want := range []string{bottest.Fr("members.total", "count", "2"), "- en anglais : 1", "- en français : 1", "- sur terminal : 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("membres: %q lacks %q", got, want)
		}
	}
	h.Clock.Advance(90 * time.Minute)
	got = bottest.Only(t, h.Say(bottest.User("admin"), "état")).Text
	for _, want := range []string{"1.0.0", "bolt, joignable", "Membres enregistrés : 2", "1 h 30 min", "terminal"} {
		if !strings.Contains(got, want) {
			t.Errorf("statut: %q lacks %q", got, want)
		}
	}
	if got := bottest.Only(t, h.Say(bottest.User("orga"), "statut")).Text; got != bottest.Fr("error.forbidden.admin") {
		t.Errorf("organizer ran statut: %q", got)
	}
}

func TestBadInputNeverCrashes(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{MaxMessageRunes: 100})
	alice := bottest.User("alice")
	onboarded(t, h, alice)
	tests := []struct {
		name, in string
		want     string // "" = no reply
	}{
		{"empty", "", ""},
		{"spaces", "   \t ", ""},
		{"invisible only", "\u200B\u202E\uFEFF", ""},
		{"controls only", "\x00\x01\x1b", ""},
		{"too long", strings.Repeat("é", 101), bottest.Fr("error.too_long", "max", "100")},
		{"100 KB", strings.Repeat("a", 100<<10), bottest.Fr("error.too_long", "max", "100")},
		{"invalid utf-8", "ai\xffde", bottest.Fr("error.unknown", "input", "ai\uFFFDde")},
		{"bidi inside a command", "ai\u202Ede", ""},
	}
	for _, tt := range tests {
		replies := h.Say(alice, tt.in)
		switch {
		case tt.want == "" && tt.name == "bidi inside a command":
			if len(replies) != 1 || !strings.HasPrefix(replies[0].Text, bottest.Fr("help.header")) {
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
	h := bottest.NewHarness(t, bot.Settings{})
	alice := bottest.User("alice")
	group := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "group:alice+bob", Kind: bot.Group}
	h.Bot.Handle(context.Background(), bot.Message{From: alice, Conversation: group, Text: "aide"})
	if got := h.Chat.Take(); len(got) != 0 {
		t.Errorf("answered an unaddressed group message: %+v", got)
	}
	h.Bot.Handle(context.Background(), bot.Message{From: alice, Conversation: group, Text: "aide", Mention: true})
	got := h.Chat.Take()
	if len(got) != 1 || got[0].Conv != group {
		t.Errorf("mention in a group: %+v, want one reply in the group", got)
	}
}

func TestUnknownChoiceAndInvalidSender(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	got := bottest.Only(t, h.Pick(bottest.User("alice"), bot.Choice{Action: "nothing.here", Value: "x"})).Text
	if got != bottest.Fr("error.choice_unknown") {
		t.Errorf("unknown choice: %q", got)
	}
	h.Bot.Handle(context.Background(), bot.Message{Text: "aide"})
	if got := h.Chat.Take(); len(got) != 0 {
		t.Errorf("answered a message without sender: %+v", got)
	}
}

func TestPanicIsRecoveredAndAnswered(t *testing.T) {
	base := bottest.NewHarness(t, bot.Settings{})
	h := bottest.NewHarnessWith(t, bot.Settings{}, bottest.PanicStore{Store: base.Store}, base.Clock)
	got := bottest.Only(t, h.Say(bottest.User("alice"), "aide")).Text
	if got != bottest.Fr("error.internal") {
		t.Errorf("after a panic: %q, want %q", got, bottest.Fr("error.internal"))
	}
	// The bot still works for the next message.
	h2 := bottest.NewHarnessWith(t, bot.Settings{}, base.Store, base.Clock)
	if got := bottest.Only(t, h2.Say(bottest.User("alice"), "aide")).Text; !strings.HasPrefix(got, bottest.Fr("help.header")) {
		t.Errorf("next message: %q", got)
	}
}

func TestStoreDownGetsAPoliteAnswer(t *testing.T) {
	base := bottest.NewHarness(t, bot.Settings{})
	h := bottest.NewHarnessWith(t, bot.Settings{}, bottest.DownStore{Store: base.Store}, base.Clock)
	if got := bottest.Only(t, h.Say(bottest.User("alice"), "aide")).Text; got != bottest.Fr("error.unavailable") {
		t.Errorf("store down: %q", got)
	}
}

func TestLocaleGivesTheLanguageOfUnknownMembers(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	eve := bottest.User("eve")
	h.Bot.Handle(context.Background(), bot.Message{From: eve, Conversation: bottest.Dm(eve), Text: "help", Locale: "en-GB"})
	if got := bottest.Only(t, h.Replies()).Text; !strings.HasPrefix(got, bottest.En("help.header")) {
		t.Errorf("en-GB locale: %q", got)
	}
	h2 := bottest.NewHarness(t, bot.Settings{DefaultLang: bot.English})
	if got := bottest.Only(t, h2.Say(eve, "aide")).Text; !strings.HasPrefix(got, bottest.En("help.header")) {
		t.Errorf("English default: %q", got)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	base := bottest.NewHarness(t, bot.Settings{})
	if _, err := bottest.New(bot.Settings{DefaultLang: "de"}, base.Store, []bot.ChatAdapter{&bottest.Recorder{}}, core.Options{}); err == nil {
		t.Error("New accepted an unsupported language")
	}
	if _, err := bottest.New(bot.Settings{}, base.Store, nil, core.Options{}); err == nil {
		t.Error("New accepted no adapter")
	}
	if _, err := bottest.New(bot.Settings{}, base.Store, []bot.ChatAdapter{&bottest.Recorder{}, &bottest.Recorder{}}, core.Options{}); err == nil {
		t.Error("New accepted two adapters for one platform")
	}
}

// BenchmarkMessage measures one message through the router, the catalogue
// and the bolt store: a member asking for their profile.
func BenchmarkMessage(b *testing.B) {
	bt, chat := bottest.BenchBot(b)
	ctx := context.Background()
	alice := bottest.User("alice")
	bt.Handle(ctx, bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "langue français"})
	msg := bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "Mon profil"}
	b.ReportAllocs()
	for b.Loop() {
		bt.Handle(ctx, msg)
		chat.Take()
	}
}

// BenchmarkMessageWrite measures a message that writes: a language change,
// which saves the member (one bbolt transaction, synced to disk).
func BenchmarkMessageWrite(b *testing.B) {
	bt, chat := bottest.BenchBot(b)
	ctx := context.Background()
	alice := bottest.User("alice")
	msgs := []bot.Message{
		{From: alice, Conversation: bottest.Dm(alice), Text: "langue anglais"},
		{From: alice, Conversation: bottest.Dm(alice), Text: "language french"},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bt.Handle(ctx, msgs[i%2])
		chat.Take()
		i++
	}
}
