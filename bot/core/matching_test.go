package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/matching"
	"github.com/sndgct/maillage/internal/schedule"
)

// mtChat is a chat adapter of one platform that opens groups and direct
// conversations; its recorder keeps what is posted where.
type mtChat struct {
	recorder
	platform bot.Platform
}

func (c *mtChat) Platform() bot.Platform { return c.platform }
func (c *mtChat) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	var ids []string
	for _, m := range members {
		ids = append(ids, m.User)
	}
	slices.Sort(ids)
	return bot.Conversation{Platform: c.platform, Workspace: members[0].Workspace, ID: "group:" + strings.Join(ids, "+"), Kind: bot.Group}, nil
}
func (c *mtChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{Platform: u.Platform, Workspace: u.Workspace, ID: "dm:" + u.User, Kind: bot.Direct}, nil
}

type mtHarness struct {
	t     *testing.T
	bot   *core.Bot
	store bot.Store
	clock *fakeClock
	chats map[bot.Platform]*mtChat
}

// thursday10 is a working hour in Paris.
var thursday10 = time.Date(2026, 11, 26, 10, 0, 0, 0, paris)

func matchSettings(ms bot.MatchSettings) bot.Settings {
	s := schedSettings()
	s.Admins = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "admin"}}
	s.Organizers = []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}}
	s.Privacy = bot.Privacy{Controller: "SNDGCT", RetentionMonths: 24}
	s.MemberRoles = []bot.Label{{ID: "dgs", FR: "DGS", EN: "Chief executive"}, {ID: "dga", FR: "DGA", EN: "Deputy"}}
	s.Interests = []bot.Label{{ID: "ia", FR: "Intelligence artificielle", EN: "Artificial intelligence"},
		{ID: "rh", FR: "Ressources humaines", EN: "Human resources"}, {ID: "qvt", FR: "Qualité de vie au travail", EN: "Quality of working life"}}
	s.Matching = ms
	return s
}

func newMT(t *testing.T, s bot.Settings, store bot.Store, clock *fakeClock) *mtHarness {
	t.Helper()
	if clock == nil {
		clock = fakeclock.New(thursday10)
	}
	if store == nil {
		store = openBolt(t, clock)
	}
	h := &mtHarness{t: t, store: store, clock: clock, chats: map[bot.Platform]*mtChat{
		bot.PlatformTerminal: {platform: bot.PlatformTerminal},
		bot.PlatformSlack:    {platform: bot.PlatformSlack},
	}}
	b, err := bottest.New(s, store, []bot.ChatAdapter{h.chats[bot.PlatformTerminal], h.chats[bot.PlatformSlack]},
		core.Options{Clock: clock, Directory: newFakeDirectory()})
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	return h
}

func (h *mtHarness) take() []sent {
	return append(h.chats[bot.PlatformTerminal].take(), h.chats[bot.PlatformSlack].take()...)
}

// towns are real collectivities of assorted sizes.
var towns = []bot.Collectivity{
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
func (h *mtHarness) seed(ref bot.UserRef, name string, coll bot.Collectivity, role string, interests ...string) bot.Member {
	h.t.Helper()
	now := h.clock.Now()
	c := coll
	m := bot.Member{Ref: ref, Name: name, Language: bot.French, Collectivity: &c, Role: role, Interests: interests,
		OptedIn: now.Add(-time.Hour), Onboarded: now.Add(-time.Hour), Created: now.Add(-time.Hour), Updated: now}
	if err := h.store.SaveMember(h.t.Context(), m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

func (h *mtHarness) round(id string) bot.MatchRound {
	h.t.Helper()
	r, err := h.bot.RunRound(h.t.Context(), id, "tour", h.clock.Now())
	if err != nil {
		h.t.Fatalf("RunRound(%s): %v", id, err)
	}
	return r
}

func groupPosts(ps []sent) []sent {
	return slices.DeleteFunc(slices.Clone(ps), func(s sent) bool { return s.conv.Kind != bot.Group })
}

func directTo(ps []sent, u bot.UserRef) []sent {
	return slices.DeleteFunc(slices.Clone(ps), func(s sent) bool {
		return s.conv.Kind != bot.Direct || s.conv.ID != "dm:"+u.User || s.conv.Platform != u.Platform
	})
}

func TestRoundIntroducesEachGroupOnceInAGroupConversation(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	h.seed(user("alice"), "Alice Martin", towns[0], "dgs", "ia", "rh")
	h.seed(user("bob"), "Bob Durand", towns[1], "dgs", "ia", "qvt")
	h.seed(user("carol"), "Carole Petit", towns[4], "dga", "rh")
	h.seed(user("dan"), "Daniel Roux", towns[5], "dga", "qvt")

	round := h.round("tour|1")
	if len(round.Groups) != 2 || len(round.SatOut) != 0 {
		t.Fatalf("round: %+v, want two pairs", round)
	}
	stored, err := h.store.Round(t.Context(), "tour|1")
	if err != nil || len(stored.Groups) != 2 {
		t.Fatalf("the round is not stored: %v", err)
	}
	posts := h.take()
	groups := groupPosts(posts)
	if len(groups) != 2 || len(posts) != 2 {
		t.Fatalf("posts: %+v, want one introduction in each of two groups", posts)
	}
	var ab *sent
	for i, g := range groups {
		if g.conv.ID == "group:alice+bob" {
			ab = &groups[i]
		}
	}
	if ab == nil {
		t.Fatalf("Alice and Bob (same size, same région, same role, a shared interest) were not paired: %+v", groups)
	}
	text := ab.reply.Text
	for _, want := range []string{
		fr("match.intro.header"), "*Alice Martin*, DGS — Évry-Courcouronnes", "*Bob Durand*, DGS — Créteil",
		"Essonne (91)", "66\u202f700 habitants", "Intelligence artificielle", "Pourquoi vous :",
		fr("match.why.region", "region", "Île-de-France"), fr("match.why.role_same", "role", "DGS"),
		fr("match.intro.ask"),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("introduction lacks %q:\n%s", want, text)
		}
	}
	var labels []string
	for _, c := range ab.reply.Choices {
		labels = append(labels, c.Label)
	}
	if want := []string{"Nous avons échangé", "Pas ce tour-ci", "Ne plus me proposer cette personne"}; !slices.Equal(labels, want) {
		t.Errorf("choices %q, want %q", labels, want)
	}

	// A second run of the same round (a retry, another replica) plans
	// nothing new and sends nothing again.
	other := newMT(t, matchSettings(bot.MatchSettings{}), h.store, h.clock)
	again, err := other.bot.RunRound(t.Context(), "tour|1", "tour", h.clock.Now())
	if err != nil || len(again.Groups) != 2 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	if posts := append(h.take(), other.take()...); len(posts) != 0 {
		t.Errorf("a second run sent again: %+v", posts)
	}
	t.Logf("introduction:\n%s", text)
}

func TestIntroductionsWaitForWorkingHours(t *testing.T) {
	saturday := time.Date(2026, 11, 28, 11, 0, 0, 0, paris)
	clock := fakeclock.New(saturday)
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, clock)
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	h.seed(user("bob"), "Bob", towns[1], "dgs", "ia")
	h.round("tour|1")
	if posts := h.take(); len(posts) != 0 {
		t.Fatalf("posted on a Saturday: %+v", posts)
	}
	h.clock.Set(time.Date(2026, 11, 30, 8, 59, 0, 0, paris))
	h.bot.Tick(t.Context())
	if posts := h.take(); len(posts) != 0 {
		t.Fatalf("posted before 9:00: %+v", posts)
	}
	h.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, paris))
	h.bot.Tick(t.Context())
	h.bot.Tick(t.Context())
	if posts := groupPosts(h.take()); len(posts) != 1 || posts[0].conv.ID != "group:alice+bob" {
		t.Fatalf("Monday 9:00: %+v, want the introduction once", posts)
	}
	pending, err := h.store.PendingFor(t.Context(), user("alice"))
	if err != nil || len(pending) != 0 {
		t.Errorf("pending after posting: %+v, %v", pending, err)
	}
}

// A trio's introduction is held for the weekend and stored under its first
// member, who then erases their data: the two others are still introduced
// on Monday, without the erased member.
func TestHeldIntroductionSurvivesItsHoldersErasure(t *testing.T) {
	saturday := time.Date(2026, 11, 28, 11, 0, 0, 0, paris)
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, fakeclock.New(saturday))
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	h.seed(user("bob"), "Bob", towns[1], "dgs", "ia")
	h.seed(user("carol"), "Carol", towns[6], "dgs", "ia")
	r := h.round("tour|1")
	if len(r.Groups) != 1 || len(r.Groups[0].Members) != 3 {
		t.Fatalf("round: %+v, want one trio", r)
	}
	holder := r.Groups[0].Members[0]
	if held, err := h.store.PendingFor(t.Context(), holder); err != nil || len(held) != 1 {
		t.Fatalf("held under %s: %+v, %v", holder, held, err)
	}
	if err := h.bot.EraseMember(t.Context(), holder); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, paris))
	h.bot.Tick(t.Context())
	h.bot.Tick(t.Context())
	posts := groupPosts(h.take())
	if len(posts) != 1 {
		t.Fatalf("Monday 9:00: %d group introductions, want 1: %+v", len(posts), posts)
	}
	if strings.Contains(posts[0].conv.ID, holder.User) {
		t.Errorf("the introduction includes the erased member: %s", posts[0].conv.ID)
	}
	for _, m := range r.Groups[0].Members[1:] {
		if !strings.Contains(posts[0].conv.ID, m.User) {
			t.Errorf("the introduction leaves out %s: %s", m.User, posts[0].conv.ID)
		}
	}
}

func TestMembersOfDifferentPlatformsAreIntroducedByDirectMessage(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	bob := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U42"}
	m := h.seed(bob, "Bob", towns[1], "dgs", "ia")
	m.Language = bot.English
	if err := h.store.SaveMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	h.round("tour|1")
	posts := h.take()
	if len(groupPosts(posts)) != 0 {
		t.Errorf("a group was opened across platforms: %+v", posts)
	}
	toAlice, toBob := directTo(posts, user("alice")), directTo(posts, bob)
	if len(toAlice) != 1 || len(toBob) != 1 {
		t.Fatalf("direct introductions: alice %d, bob %d; want one each (%+v)", len(toAlice), len(toBob), posts)
	}
	a, b := toAlice[0].reply.Text, toBob[0].reply.Text
	if !strings.Contains(a, fr("match.intro.header_direct")) || !strings.Contains(a, "*Bob*") || strings.Contains(a, "*Alice*") ||
		!strings.Contains(a, "Bob reçoit ce même message sur Slack") {
		t.Errorf("Alice's introduction:\n%s", a)
	}
	if !strings.Contains(b, en("match.intro.header_direct")) || !strings.Contains(b, "*Alice*") ||
		!strings.Contains(b, "receives this same message on terminal") || len(toBob[0].reply.Choices) != 3 ||
		toBob[0].reply.Choices[0].Label != "We talked" {
		t.Errorf("Bob's introduction (English):\n%s\n%+v", b, toBob[0].reply.Choices)
	}
}

// pickIn has u pick c in conversation conv; it returns what was posted.
func (h *mtHarness) pickIn(u bot.UserRef, conv bot.Conversation, c bot.Choice) []sent {
	h.t.Helper()
	h.bot.Handle(h.t.Context(), bot.Message{From: u, Conversation: conv, Choice: &bot.ChoiceEvent{Action: c.Action, Value: c.Value}})
	return h.take()
}

// pairRound seeds Alice and Bob (named as given), runs round "tour|1" and
// returns them and the group introduction.
func (h *mtHarness) pairRound(nameA, nameB string) (alice, bob bot.UserRef, intro sent) {
	h.t.Helper()
	alice, bob = user("alice"), user("bob")
	h.seed(alice, nameA, towns[0], "dgs", "ia")
	h.seed(bob, nameB, towns[1], "dgs", "ia")
	h.round("tour|1")
	groups := groupPosts(h.take())
	if len(groups) != 1 {
		h.t.Fatalf("introductions: %+v, want one group", groups)
	}
	return alice, bob, groups[0]
}

func TestAnswersArePrivateAndNotAgainIsHonoured(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob, intro := h.pairRound("Alice", "Bob")
	notAgain := intro.reply.Choices[2]
	posts := h.pickIn(alice, intro.conv, notAgain)
	if len(posts) != 1 || posts[0].conv.ID != "dm:alice" || !strings.Contains(posts[0].reply.Text, fr("match.answer.not_again", "names", "Bob")) {
		t.Fatalf("answer acknowledged as %+v, want only in Alice's direct conversation", posts)
	}
	rec, err := h.store.MatchRecord(t.Context(), alice)
	if err != nil || !slices.Contains(rec.NotAgain, bob) {
		t.Fatalf("record %+v, %v", rec, err)
	}
	if a, ok := rec.Answer("tour|1"); !ok || a.Answer != bot.AnswerNotAgain {
		t.Errorf("answer %+v", a)
	}
	// Someone outside the round cannot answer for it.
	posts = h.pickIn(user("eve"), dm(user("eve")), intro.reply.Choices[0])
	if len(posts) != 1 || posts[0].reply.Text != fr("match.answer.not_yours") {
		t.Errorf("outsider: %+v", posts)
	}
	// A month later, Alice and Bob are not introduced again: nobody else,
	// so both wait.
	h.clock.Set(thursday10.AddDate(0, 0, 28))
	r := h.round("tour|2")
	if len(r.Groups) != 0 || len(r.SatOut) != 2 {
		t.Errorf("round after « not again »: %+v", r)
	}
	posts = h.take()
	if len(directTo(posts, alice)) != 1 || !strings.Contains(directTo(posts, alice)[0].reply.Text, fr("match.sitout")) {
		t.Errorf("Alice is not told why she waits: %+v", posts)
	}
}

func TestFollowUpAsksThoseWhoDidNotAnswerOnce(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{FollowupAfter: 7 * 24 * time.Hour}), nil, nil)
	alice, bob, intro := h.pairRound("Alice", "Bob")
	h.pickIn(alice, intro.conv, intro.reply.Choices[0]) // met

	h.clock.Set(thursday10.AddDate(0, 0, 6))
	if n, err := h.bot.FollowUp(t.Context()); err != nil || n != 0 {
		t.Fatalf("follow-up before the delay: %d, %v", n, err)
	}
	h.clock.Set(thursday10.AddDate(0, 0, 7))
	if n, err := h.bot.FollowUp(t.Context()); err != nil || n != 1 {
		t.Fatalf("follow-up: %d, %v", n, err)
	}
	posts := h.take()
	if len(posts) != 1 || posts[0].conv.ID != "dm:bob" {
		t.Fatalf("follow-up sent to %+v, want Bob only (Alice answered)", posts)
	}
	want := fr("match.followup", "date", "26 novembre 2026", "names", "Alice")
	if posts[0].reply.Text != want || len(posts[0].reply.Choices) != 3 {
		t.Errorf("follow-up %q %+v, want %q", posts[0].reply.Text, posts[0].reply.Choices, want)
	}
	if n, err := h.bot.FollowUp(t.Context()); err != nil || n != 0 || len(h.take()) != 0 {
		t.Errorf("a second follow-up: %d, %v", n, err)
	}
	// Bob answers from the follow-up, in his direct conversation.
	posts = h.pickIn(bob, dm(bob), posts[0].reply.Choices[0])
	if len(posts) != 1 || posts[0].reply.Text != fr("match.answer.met", "names", "Alice") {
		t.Errorf("Bob's answer: %+v", posts)
	}
	st, err := h.bot.MatchStats(t.Context(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rounds != 1 || st.Introductions != 1 || st.Members != 2 || st.Answered != 2 || st.Met != 2 || st.MetRate() != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestMembersIgnoringThreeRoundsArePausedAndTold(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{PauseAfterIgnored: 3}), nil, nil)
	alice, bob, carol, dan := user("alice"), user("bob"), user("carol"), user("dan")
	h.seed(alice, "Alice", towns[0], "dgs", "ia")
	h.seed(bob, "Bob", towns[1], "dgs", "ia")
	h.seed(carol, "Carole", towns[2], "dgs", "ia")
	h.seed(dan, "Daniel", towns[3], "dgs", "ia")
	day := thursday10
	for i := 1; i <= 3; i++ {
		r := h.round(fmt.Sprintf("tour|%d", i))
		// Everyone but Alice answers every round.
		for _, u := range []bot.UserRef{bob, carol, dan} {
			h.pickIn(u, dm(u), bot.Choice{Action: "match.answer", Value: bot.AnswerNotNow + ":" + r.ID})
		}
		h.clock.Set(day.AddDate(0, 0, 7))
		if _, err := h.bot.FollowUp(t.Context()); err != nil {
			t.Fatal(err)
		}
		day = day.AddDate(0, 0, 28)
		h.clock.Set(day)
		h.take()
	}
	r := h.round("tour|4")
	m, err := h.store.Member(t.Context(), alice)
	if err != nil || !m.PausedUntil.After(h.clock.Now()) {
		t.Fatalf("Alice is not paused: %+v, %v", m.PausedUntil, err)
	}
	for _, g := range r.Groups {
		if slices.Contains(g.Members, alice) {
			t.Errorf("Alice was introduced while paused")
		}
	}
	if len(r.Groups) != 1 {
		t.Errorf("round 4: %d groups, want Bob, Carole and Daniel in one trio", len(r.Groups))
	}
	told := directTo(h.take(), alice)
	if len(told) != 1 || told[0].reply.Text != fr("match.paused", "count", "3") {
		t.Errorf("Alice was told %+v", told)
	}
	for _, u := range []bot.UserRef{bob, carol, dan} {
		if m, _ := h.store.Member(t.Context(), u); !m.PausedUntil.IsZero() {
			t.Errorf("%s was paused though they answered", u.User)
		}
	}
	// After « reprendre », the old rounds do not pause her again.
	h.bot.Handle(t.Context(), bot.Message{From: alice, Conversation: dm(alice), Text: "reprendre"})
	h.take()
	h.clock.Set(day.AddDate(0, 0, 28))
	h.round("tour|5")
	if m, _ := h.store.Member(t.Context(), alice); m.PausedUntil.After(h.clock.Now()) {
		t.Errorf("Alice paused again right after resuming")
	}
}

func TestOddPoolSitOutIsToldAndServedFirst(t *testing.T) {
	rules := matching.DefaultRules()
	rules.Odd = matching.OddSitOut
	h := newMT(t, matchSettings(bot.MatchSettings{Rules: rules}), nil, nil)
	for i, id := range []string{"a", "b", "c"} {
		m := h.seed(user(id), strings.ToUpper(id), towns[i], "dgs", "ia")
		m.Prefs.Cadence = core.CadenceBiweekly
		if err := h.store.SaveMember(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	var sat []bot.UserRef
	for i := 1; i <= 3; i++ {
		r := h.round(fmt.Sprintf("tour|%d", i))
		if len(r.SatOut) != 1 || len(r.Groups) != 1 {
			t.Fatalf("round %d: %+v", i, r)
		}
		if slices.Contains(sat, r.SatOut[0]) {
			t.Errorf("round %d: %s sits out again before the others", i, r.SatOut[0].User)
		}
		told := directTo(h.take(), r.SatOut[0])
		if len(told) != 1 || told[0].reply.Text != fr("match.sitout_odd") {
			t.Errorf("round %d: sitter told %+v", i, told)
		}
		sat = append(sat, r.SatOut[0])
		h.clock.Set(h.clock.Now().AddDate(0, 0, 14))
	}
}

// Ten rounds, twelve members on the two-week pace: no pair twice.
func TestNoRepeatedPairOverTenRounds(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	for i, c := range towns {
		m := h.seed(user(fmt.Sprintf("m%02d", i)), fmt.Sprintf("Membre %d", i), c, []string{"dgs", "dga"}[i%2], []string{"ia", "rh", "qvt"}[i%3])
		m.Prefs.Cadence = core.CadenceBiweekly
		if err := h.store.SaveMember(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for i := 1; i <= 10; i++ {
		r := h.round(fmt.Sprintf("tour|%d", i))
		if len(r.Groups) != 6 {
			t.Fatalf("round %d: %d groups, want 6", i, len(r.Groups))
		}
		for _, g := range r.Groups {
			key := g.Members[0].User + "+" + g.Members[1].User
			if first, dup := seen[key]; dup {
				t.Errorf("round %d repeats %s of round %d", i, key, first)
			}
			seen[key] = i
		}
		h.take()
		h.clock.Set(h.clock.Now().AddDate(0, 0, 14))
	}
}

func TestErasureLeavesPartnersAPlaceholder(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob, intro := h.pairRound("Alice Martin", "Bob Durand")
	h.pickIn(bob, intro.conv, intro.reply.Choices[2]) // Bob: not Alice again
	h.pickIn(alice, intro.conv, intro.reply.Choices[0])

	ex, err := h.bot.ExportMember(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(ex.Data["matching"])
	if !strings.Contains(string(data), "Bob Durand (Créteil)") || !strings.Contains(string(data), `"answer":"met"`) {
		t.Errorf("Alice's export: %s", data)
	}
	if err := h.bot.EraseMember(t.Context(), alice); err != nil {
		t.Fatal(err)
	}
	r, err := h.store.Round(t.Context(), "tour|1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(r)
	if strings.Contains(string(raw), `"alice"`) {
		t.Errorf("the round still names Alice: %s", raw)
	}
	if _, err := h.store.MatchRecord(t.Context(), alice); err == nil {
		t.Error("Alice's record survived the erasure")
	}
	rec, _ := h.store.MatchRecord(t.Context(), bob)
	if slices.Contains(rec.NotAgain, alice) {
		t.Error("Bob's « not again » list still names Alice")
	}
	ex, err = h.bot.ExportMember(t.Context(), bob)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(ex.Data["matching"])
	if strings.Contains(string(data), "Alice") || strings.Contains(string(data), "alice") ||
		!strings.Contains(string(data), fr("match.erased_member")) {
		t.Errorf("Bob's export after Alice's erasure: %s", data)
	}
}

func TestMatchCommands(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	admin, orga := user("admin"), user("orga")
	for i, id := range []string{"alice", "bob", "carol", "dan", "eve"} {
		h.seed(user(id), strings.ToUpper(id[:1])+id[1:], towns[i], "dgs", "ia")
	}
	say := func(u bot.UserRef, text string) []sent {
		h.bot.Handle(t.Context(), bot.Message{From: u, Conversation: dm(u), Text: text})
		return h.take()
	}
	if got := say(user("alice"), "tour à blanc"); len(got) != 1 || got[0].reply.Text != fr("error.forbidden.admin") {
		t.Errorf("member ran a dry run: %+v", got)
	}
	dry := say(admin, "tour à blanc")
	if len(dry) != 1 || !strings.Contains(dry[0].reply.Text, "Membres retenus : 5") ||
		!strings.Contains(dry[0].reply.Text, "dont 1 trio") || !strings.Contains(dry[0].reply.Text, "appariement glouton") {
		t.Fatalf("dry run: %+v", dry)
	}
	if rs := roundCount(t, h.store); rs != 0 {
		t.Fatalf("a dry run stored %d rounds", rs)
	}
	preview := say(admin, "tour maintenant")
	if len(preview) != 1 || len(preview[0].reply.Choices) != 2 || !strings.Contains(preview[0].reply.Text, fr("match.now.confirm")) {
		t.Fatalf("preview: %+v", preview)
	}
	if got := h.pickIn(user("alice"), dm(user("alice")), preview[0].reply.Choices[0]); len(got) != 1 || got[0].reply.Text != fr("error.forbidden.admin") {
		t.Errorf("a member confirmed a round: %+v", got)
	}
	posts := h.pickIn(admin, dm(admin), preview[0].reply.Choices[0])
	if len(groupPosts(posts)) != 2 {
		t.Errorf("round now posted %d group introductions, want 2 (a pair and a trio)", len(groupPosts(posts)))
	}
	done := directTo(posts, admin)
	if len(done) != 1 || done[0].reply.Text != fr("match.now.done", "groups", "2", "satout", "0") {
		t.Errorf("admin told %+v", done)
	}
	// A second click resumes the same round: nothing new.
	posts = h.pickIn(admin, dm(admin), preview[0].reply.Choices[0])
	if len(groupPosts(posts)) != 0 || roundCount(t, h.store) != 1 {
		t.Errorf("a second click sent %d introductions", len(groupPosts(posts)))
	}
	stats := say(orga, "bilan des mises en relation")
	if len(stats) != 1 || !strings.Contains(stats[0].reply.Text, "2 mise(s) en relation (5 membres), 0 réponse(s)") {
		t.Errorf("stats: %+v", stats)
	}
	follow := say(admin, "relance maintenant")
	if len(follow) != 6 {
		t.Errorf("follow up now: %d messages, want 5 follow-ups and the admin's answer: %+v", len(follow), follow)
	}
}

func roundCount(t *testing.T, s bot.Store) int {
	n := 0
	if err := s.Rounds(t.Context(), 0, func(bot.MatchRound) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// The scheduled round and follow-up jobs run through the scheduler: each
// slot once.
func TestScheduledRoundAndFollowUp(t *testing.T) {
	monday := time.Date(2026, 11, 30, 9, 59, 0, 0, paris)
	clock := fakeclock.New(monday)
	s := matchSettings(bot.MatchSettings{FollowupAfter: 48 * time.Hour})
	s.Jobs = []bot.Job{
		{Name: "tour", Kind: "round", Schedule: schedule.MustParse("0 10 * * mon", paris)},
		{Name: "suivi", Kind: "followup", Schedule: schedule.MustParse("30 10 * * *", paris)},
	}
	h := newMT(t, s, nil, clock)
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	h.seed(user("bob"), "Bob", towns[1], "dgs", "ia")
	tick := func() {
		h.bot.Tick(t.Context())
		h.bot.WaitJobs()
	}
	tick() // the jobs are new: they wait for their next slot
	h.clock.Set(monday.Add(time.Minute))
	tick()
	tick()
	if posts := groupPosts(h.take()); len(posts) != 1 {
		t.Fatalf("Monday 10:00: %d introductions, want 1", len(posts))
	}
	id := "tour|" + fmt.Sprint(time.Date(2026, 11, 30, 10, 0, 0, 0, paris).UnixMilli())
	if _, err := h.store.Round(t.Context(), id); err != nil {
		t.Fatalf("round %s: %v", id, err)
	}
	h.clock.Set(time.Date(2026, 12, 2, 10, 30, 0, 0, paris)) // two days later
	tick()
	posts := h.take()
	if len(directTo(posts, user("alice"))) != 1 || len(directTo(posts, user("bob"))) != 1 {
		t.Errorf("Wednesday's follow-up: %+v", posts)
	}
}

// The retention purge removes the rounds older than the retention period,
// and the answers to them.
func TestRetentionPurgesOldRounds(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob := user("alice"), user("bob")
	h.seed(alice, "Alice", towns[0], "dgs", "ia")
	h.seed(bob, "Bob", towns[1], "dgs", "ia")
	old := h.round("tour|old")
	h.pickIn(alice, dm(alice), bot.Choice{Action: "match.answer", Value: bot.AnswerMet + ":" + old.ID})
	h.clock.Set(thursday10.AddDate(2, 1, 0))
	h.seed(alice, "Alice", towns[0], "dgs", "ia") // still taking part
	h.seed(bob, "Bob", towns[1], "dgs", "ia")
	h.round("tour|new")
	h.take()
	if _, err := h.bot.PurgeRetention(t.Context(), h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Round(t.Context(), "tour|old"); err == nil {
		t.Error("a round older than 24 months survived the purge")
	}
	if _, err := h.store.Round(t.Context(), "tour|new"); err != nil {
		t.Errorf("the recent round was purged: %v", err)
	}
	rec, err := h.store.MatchRecord(t.Context(), alice)
	if err != nil || len(rec.Answers) != 0 {
		t.Errorf("answers after the purge: %+v, %v", rec.Answers, err)
	}
}

// A round with nobody to introduce stores nothing and says nothing.
func TestEmptyRoundIsNotStored(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	if r := h.round("tour|1"); len(r.Groups) != 0 {
		t.Fatalf("round over nobody: %+v", r)
	}
	if n := roundCount(t, h.store); n != 0 {
		t.Errorf("%d rounds stored", n)
	}
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	h.round("tour|2") // one member alone: she waits, and is told
	if n := roundCount(t, h.store); n != 1 || len(directTo(h.take(), user("alice"))) != 1 {
		t.Errorf("a lone member: %d rounds stored", n)
	}
}

// A member who waits two rounds in a row is told once.
func TestSittingOutAgainIsNotRepeated(t *testing.T) {
	h := newMT(t, matchSettings(bot.MatchSettings{}), nil, nil)
	h.seed(user("alice"), "Alice", towns[0], "dgs", "ia")
	h.round("tour|1")
	h.take()
	h.clock.Set(thursday10.AddDate(0, 0, 7))
	h.round("tour|2")
	if posts := h.take(); len(posts) != 0 {
		t.Errorf("told again: %+v", posts)
	}
}
