package stats_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/schedule"
)

func TestStatisticsForOrganizers(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	orga := bottest.User("orga")
	say := func(u bot.UserRef, text string) string {
		h.T.Helper()
		h.Bot.Handle(t.Context(), bot.Message{From: u, Conversation: bottest.Dm(u), Text: text})
		posts := h.Take()
		if len(posts) != 1 {
			t.Fatalf("%q: %d replies, want 1: %+v", text, len(posts), posts)
		}
		return posts[0].Reply.Text
	}
	if got := say(bottest.User("nobody"), "statistiques"); got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("a member saw the statistics: %q", got)
	}

	// Before anything: no members, no round.
	empty := say(orga, "statistiques")
	if !strings.Contains(empty, bottest.Fr("stats.month.none")) || strings.Contains(empty, bottest.Fr("stats.by_region")) {
		t.Errorf("empty network:\n%s", empty)
	}

	// A round last month does not count in this month's figures.
	h.Clock.Set(bottest.Thursday10.AddDate(0, -1, 0))
	alice, bob, intro := h.PairRound("Alice", "Bob")
	h.PickIn(alice, intro.Conv, intro.Reply.Choices[0]) // met
	h.Clock.Set(bottest.Thursday10)
	before := say(orga, "statistiques")
	if !strings.Contains(before, bottest.Fr("stats.month.none")) {
		t.Errorf("last month's round counted this month:\n%s", before)
	}

	// This month: four members are introduced in two pairs; Carol says
	// they met.
	carol, dan := bottest.User("carol"), bottest.User("dan")
	h.Seed(carol, "Carol", bottest.Towns[2], "dga", "rh", "ia")
	h.Seed(dan, "Dan", bottest.Towns[3], "dgs", "rh")
	paused := h.Seed(bottest.User("erin"), "Erin", bottest.Towns[4], "dgs", "qvt")
	paused.PausedUntil = bottest.Thursday10.AddDate(0, 1, 0)
	if err := h.Store.SaveMember(t.Context(), paused); err != nil {
		t.Fatal(err)
	}
	invited := bot.Member{Ref: bottest.User("frank"), Name: "Frank", Imported: bottest.Thursday10, Invited: bottest.Thursday10, Created: bottest.Thursday10, Updated: bottest.Thursday10}
	if err := h.Store.SaveMember(t.Context(), invited); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SaveHighlightFollows(t.Context(), bot.HighlightFollows{Member: alice, Topics: []string{"ia"}, Updated: bottest.Thursday10}); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SaveHighlightFollows(t.Context(), bot.HighlightFollows{Member: bob, Topics: []string{"ia", "rh"}, Updated: bottest.Thursday10}); err != nil {
		t.Fatal(err)
	}
	r := h.Round("tour|2")
	if len(r.Groups) != 2 {
		t.Fatalf("round: %+v, want two pairs (Erin is paused)", r)
	}
	for _, p := range bottest.GroupPosts(h.Take()) {
		h.PickIn(carol, p.Conv, p.Reply.Choices[0])
	}

	got := say(orga, "statistiques")
	for _, want := range []string{
		bottest.Fr("stats.header", "date", "26 novembre 2026"),
		bottest.Fr("stats.members", "total", "6", "onboarded", "5", "matchable", "4", "paused", "1", "invited", "1"),
		bottest.Fr("stats.month", "rounds", "1", "groups", "2", "members", "4", "answered", "1", "met", "1", "rate", "25,0\u00a0%"),
		bottest.Fr("stats.line", "label", "Île-de-France", "count", "2"),
		bottest.Fr("stats.line", "label", "84", "count", "2"), // a région the directory does not know: its code
		bottest.Fr("stats.line", "label", "de 100\u202f000 à 299\u202f999 habitants", "count", "2"),
		bottest.Fr("stats.line", "label", "Intelligence artificielle", "count", "3"),
		bottest.Fr("stats.line", "label", "Ressources humaines", "count", "2"),
		bottest.Fr("stats.topics") + "\n" + bottest.Fr("stats.line", "label", "Intelligence artificielle", "count", "2"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("statistics lack %q:\n%s", want, got)
		}
	}
	// Members open to introductions are not said "mis en relation", and
	// the met rate names what it counts: members (4 introduced, 1 said
	// they met), not pairs or groups.
	for _, want := range []string{"ouverts aux mises en relation : 4", "membres présentés : 4",
		"membres ayant confirmé un échange : 1, soit 25,0\u00a0% des membres présentés"} {
		if !strings.Contains(got, want) {
			t.Errorf("statistics lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "échanges confirmés") {
		t.Errorf("statistics count exchanges but the figure is members:\n%s", got)
	}
	if strings.Contains(got, "Alice") || strings.Contains(got, "Carol") || strings.Contains(got, "Évry") {
		t.Errorf("statistics show personal data:\n%s", got)
	}
	// Régions are listed most first.
	if i, j := strings.Index(got, "Île-de-France"), strings.Index(got, "- 53"); i < 0 || j < 0 || i > j {
		t.Errorf("régions not ranked:\n%s", got)
	}
}

// The weekly summary goes to the organizers' channel once per slot, in the
// default language, even outside members' working hours.
func TestWeeklySummaryToTheOrganizersChannel(t *testing.T) {
	monday := time.Date(2026, 11, 30, 7, 59, 0, 0, bottest.Paris) // before working hours
	clock := fakeclock.New(monday)
	s := bottest.MatchSettings(bot.MatchSettings{})
	channel := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "organisateurs", Kind: bot.Channel}
	s.Jobs = []bot.Job{{Name: "bilan", Kind: "summary", Schedule: schedule.MustParse("0 8 * * mon", bottest.Paris), Channel: &channel}}
	h := bottest.NewMT(t, s, nil, clock)
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	tick := func() {
		h.Bot.Tick(t.Context())
		h.Bot.WaitJobs()
	}
	tick() // new job: waits for its next slot
	if posts := h.Take(); len(posts) != 0 {
		t.Fatalf("before the slot: %+v", posts)
	}
	h.Clock.Set(monday.Add(time.Minute))
	tick()
	tick()
	posts := h.Take()
	if len(posts) != 1 || posts[0].Conv != channel {
		t.Fatalf("at the slot: %+v, want one post to the organizers' channel", posts)
	}
	text := posts[0].Reply.Text
	for _, want := range []string{bottest.Fr("stats.weekly_header", "date", "30 novembre 2026"), "Île-de-France"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Alice") {
		t.Errorf("summary names a member:\n%s", text)
	}
}

func TestSummaryJobNeedsAChannel(t *testing.T) {
	s := bottest.MatchSettings(bot.MatchSettings{})
	s.Jobs = []bot.Job{{Name: "bilan", Kind: "summary", Schedule: schedule.MustParse("0 8 * * mon", bottest.Paris)}}
	_, err := bottest.New(s, bottest.OpenBolt(t, fakeclock.New(bottest.Thursday10)), []bot.ChatAdapter{&bottest.MtChat{Plat: bot.PlatformTerminal}}, core.Options{})
	if err == nil || !strings.Contains(err.Error(), "a summary needs the organizers' channel") {
		t.Errorf("New with a summary job without channel: %v", err)
	}
}
