package core_test

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
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	orga := user("orga")
	say := func(u bot.UserRef, text string) string {
		h.t.Helper()
		h.bot.Handle(t.Context(), bot.Message{From: u, Conversation: dm(u), Text: text})
		posts := h.take()
		if len(posts) != 1 {
			t.Fatalf("%q: %d replies, want 1: %+v", text, len(posts), posts)
		}
		return posts[0].reply.Text
	}
	if got := say(user("nobody"), "statistiques"); got != fr("error.forbidden.organizer") {
		t.Errorf("a member saw the statistics: %q", got)
	}

	// Before anything: no members, no round.
	empty := say(orga, "statistiques")
	if !strings.Contains(empty, fr("stats.month.none")) || strings.Contains(empty, fr("stats.by_region")) {
		t.Errorf("empty network:\n%s", empty)
	}

	// A round last month does not count in this month's figures.
	h.clock.Set(thursday10.AddDate(0, -1, 0))
	alice, bob, intro := h.pairRound("Alice", "Bob")
	h.pickIn(alice, intro.conv, intro.reply.Choices[0]) // met
	h.clock.Set(thursday10)
	before := say(orga, "statistiques")
	if !strings.Contains(before, fr("stats.month.none")) {
		t.Errorf("last month's round counted this month:\n%s", before)
	}

	// This month: four members are introduced in two pairs; Carol says
	// they met.
	carol, dan := user("carol"), user("dan")
	h.seed(carol, "Carol", towns[2], "dga", "rh", "ia")
	h.seed(dan, "Dan", towns[3], "dgs", "rh")
	paused := h.seed(user("erin"), "Erin", towns[4], "dgs", "qvt")
	paused.PausedUntil = thursday10.AddDate(0, 1, 0)
	if err := h.store.SaveMember(t.Context(), paused); err != nil {
		t.Fatal(err)
	}
	invited := bot.Member{Ref: user("frank"), Name: "Frank", Imported: thursday10, Invited: thursday10, Created: thursday10, Updated: thursday10}
	if err := h.store.SaveMember(t.Context(), invited); err != nil {
		t.Fatal(err)
	}
	if err := h.store.SaveHighlightFollows(t.Context(), bot.HighlightFollows{Member: alice, Topics: []string{"ia"}, Updated: thursday10}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.SaveHighlightFollows(t.Context(), bot.HighlightFollows{Member: bob, Topics: []string{"ia", "rh"}, Updated: thursday10}); err != nil {
		t.Fatal(err)
	}
	r := h.round("tour|2")
	if len(r.Groups) != 2 {
		t.Fatalf("round: %+v, want two pairs (Erin is paused)", r)
	}
	for _, p := range groupPosts(h.take()) {
		h.pickIn(carol, p.conv, p.reply.Choices[0])
	}

	got := say(orga, "statistiques")
	for _, want := range []string{
		fr("stats.header", "date", "26 novembre 2026"),
		fr("stats.members", "total", "6", "onboarded", "5", "matchable", "4", "paused", "1", "invited", "1"),
		fr("stats.month", "rounds", "1", "groups", "2", "members", "4", "answered", "1", "met", "1", "rate", "25,0\u00a0%"),
		fr("stats.line", "label", "Île-de-France", "count", "2"),
		fr("stats.line", "label", "84", "count", "2"), // a région the directory does not know: its code
		fr("stats.line", "label", "de 100\u202f000 à 299\u202f999 habitants", "count", "2"),
		fr("stats.line", "label", "Intelligence artificielle", "count", "3"),
		fr("stats.line", "label", "Ressources humaines", "count", "2"),
		fr("stats.topics") + "\n" + fr("stats.line", "label", "Intelligence artificielle", "count", "2"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("statistics lack %q:\n%s", want, got)
		}
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
	monday := time.Date(2026, 11, 30, 7, 59, 0, 0, paris) // before working hours
	clock := fakeclock.New(monday)
	s := matchSettings(bot.MatchSettings{})
	channel := bot.Conversation{Platform: bot.PlatformTerminal, Workspace: "local", ID: "organisateurs", Kind: bot.Channel}
	s.Jobs = []bot.Job{{Name: "bilan", Kind: "summary", Schedule: schedule.MustParse("0 8 * * mon", paris), Channel: &channel}}
	h := newMT(t, s, nil, clock)
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	tick := func() {
		h.bot.Tick(t.Context())
		h.bot.WaitJobs()
	}
	tick() // new job: waits for its next slot
	if posts := h.take(); len(posts) != 0 {
		t.Fatalf("before the slot: %+v", posts)
	}
	h.clock.Set(monday.Add(time.Minute))
	tick()
	tick()
	posts := h.take()
	if len(posts) != 1 || posts[0].conv != channel {
		t.Fatalf("at the slot: %+v, want one post to the organizers' channel", posts)
	}
	text := posts[0].reply.Text
	for _, want := range []string{fr("stats.weekly_header", "date", "30 novembre 2026"), "Île-de-France"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Alice") {
		t.Errorf("summary names a member:\n%s", text)
	}
}

func TestSummaryJobNeedsAChannel(t *testing.T) {
	s := matchSettings(bot.MatchSettings{})
	s.Jobs = []bot.Job{{Name: "bilan", Kind: "summary", Schedule: schedule.MustParse("0 8 * * mon", paris)}}
	_, err := bottest.New(s, openBolt(t, fakeclock.New(thursday10)), []bot.ChatAdapter{&mtChat{platform: bot.PlatformTerminal}}, core.Options{})
	if err == nil || !strings.Contains(err.Error(), "a summary needs the organizers' channel") {
		t.Errorf("New with a summary job without channel: %v", err)
	}
}
