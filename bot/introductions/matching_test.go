package introductions_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/introductions"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/matching"
	"github.com/sndgct/maillage/internal/schedule"
)

func TestRoundIntroducesEachGroupOnceInAGroupConversation(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	h.Seed(bottest.User("alice"), "Alice Martin", bottest.Towns[0], "dgs", "ia", "rh")
	h.Seed(bottest.User("bob"), "Bob Durand", bottest.Towns[1], "dgs", "ia", "qvt")
	h.Seed(bottest.User("carol"), "Carole Petit", bottest.Towns[4], "dga", "rh")
	h.Seed(bottest.User("dan"), "Daniel Roux", bottest.Towns[5], "dga", "qvt")

	round := h.Round("tour|1")
	if len(round.Groups) != 2 || len(round.SatOut) != 0 {
		t.Fatalf("round: %+v, want two pairs", round)
	}
	stored, err := h.Store.Round(t.Context(), "tour|1")
	if err != nil || len(stored.Groups) != 2 {
		t.Fatalf("the round is not stored: %v", err)
	}
	posts := h.Take()
	groups := bottest.GroupPosts(posts)
	if len(groups) != 2 || len(posts) != 2 {
		t.Fatalf("posts: %+v, want one introduction in each of two groups", posts)
	}
	var ab *bottest.Sent
	for i, g := range groups {
		if g.Conv.ID == "group:alice+bob" {
			ab = &groups[i]
		}
	}
	if ab == nil {
		t.Fatalf("Alice and Bob (same size, same région, same role, a shared interest) were not paired: %+v", groups)
	}
	text := ab.Reply.Text
	for _, want := range []string{
		bottest.Fr("match.intro.header"), "*Alice Martin*, DGS — Évry-Courcouronnes", "*Bob Durand*, DGS — Créteil",
		"Essonne (91)", "66\u202f700 habitants", "Intelligence artificielle", "Pourquoi vous :",
		bottest.Fr("match.why.region", "region", "Île-de-France"), bottest.Fr("match.why.role_same", "role", "DGS"),
		bottest.Fr("match.intro.ask"),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("introduction lacks %q:\n%s", want, text)
		}
	}
	var labels []string
	for _, c := range ab.Reply.Choices {
		labels = append(labels, c.Label)
	}
	if want := []string{"Nous avons échangé", "Pas ce tour-ci", "Ne plus me proposer cette personne"}; !slices.Equal(labels, want) {
		t.Errorf("choices %q, want %q", labels, want)
	}

	// A second run of the same round (a retry, another replica) plans
	// nothing new and sends nothing again.
	other := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), h.Store, h.Clock)
	again, err := bottest.Of[*introductions.Feature](other.Bot).RunRound(t.Context(), "tour|1", "tour", h.Clock.Now())
	if err != nil || len(again.Groups) != 2 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	if posts := append(h.Take(), other.Take()...); len(posts) != 0 {
		t.Errorf("a second run sent again: %+v", posts)
	}
	t.Logf("introduction:\n%s", text)
}

func TestIntroductionsWaitForWorkingHours(t *testing.T) {
	saturday := time.Date(2026, 11, 28, 11, 0, 0, 0, bottest.Paris)
	clock := fakeclock.New(saturday)
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, clock)
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	h.Seed(bottest.User("bob"), "Bob", bottest.Towns[1], "dgs", "ia")
	h.Round("tour|1")
	if posts := h.Take(); len(posts) != 0 {
		t.Fatalf("posted on a Saturday: %+v", posts)
	}
	h.Clock.Set(time.Date(2026, 11, 30, 8, 59, 0, 0, bottest.Paris))
	h.Bot.Tick(t.Context())
	if posts := h.Take(); len(posts) != 0 {
		t.Fatalf("posted before 9:00: %+v", posts)
	}
	h.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, bottest.Paris))
	h.Bot.Tick(t.Context())
	h.Bot.Tick(t.Context())
	if posts := bottest.GroupPosts(h.Take()); len(posts) != 1 || posts[0].Conv.ID != "group:alice+bob" {
		t.Fatalf("Monday 9:00: %+v, want the introduction once", posts)
	}
	pending, err := h.Store.PendingFor(t.Context(), bottest.User("alice"))
	if err != nil || len(pending) != 0 {
		t.Errorf("pending after posting: %+v, %v", pending, err)
	}
}

// A trio's introduction is held for the weekend and stored under its first
// member, who then erases their data: the two others are still introduced
// on Monday, without the erased member.
func TestHeldIntroductionSurvivesItsHoldersErasure(t *testing.T) {
	saturday := time.Date(2026, 11, 28, 11, 0, 0, 0, bottest.Paris)
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, fakeclock.New(saturday))
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	h.Seed(bottest.User("bob"), "Bob", bottest.Towns[1], "dgs", "ia")
	h.Seed(bottest.User("carol"), "Carol", bottest.Towns[6], "dgs", "ia")
	r := h.Round("tour|1")
	if len(r.Groups) != 1 || len(r.Groups[0].Members) != 3 {
		t.Fatalf("round: %+v, want one trio", r)
	}
	holder := r.Groups[0].Members[0]
	if held, err := h.Store.PendingFor(t.Context(), holder); err != nil || len(held) != 1 {
		t.Fatalf("held under %s: %+v, %v", holder, held, err)
	}
	if err := h.Bot.EraseMember(t.Context(), holder); err != nil {
		t.Fatal(err)
	}
	h.Take()
	h.Clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, bottest.Paris))
	h.Bot.Tick(t.Context())
	h.Bot.Tick(t.Context())
	posts := bottest.GroupPosts(h.Take())
	if len(posts) != 1 {
		t.Fatalf("Monday 9:00: %d group introductions, want 1: %+v", len(posts), posts)
	}
	if strings.Contains(posts[0].Conv.ID, holder.User) {
		t.Errorf("the introduction includes the erased member: %s", posts[0].Conv.ID)
	}
	for _, m := range r.Groups[0].Members[1:] {
		if !strings.Contains(posts[0].Conv.ID, m.User) {
			t.Errorf("the introduction leaves out %s: %s", m.User, posts[0].Conv.ID)
		}
	}
}

func TestMembersOfDifferentPlatformsAreIntroducedByDirectMessage(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	bob := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U42"}
	m := h.Seed(bob, "Bob", bottest.Towns[1], "dgs", "ia")
	m.Language = bot.English
	if err := h.Store.SaveMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	h.Round("tour|1")
	posts := h.Take()
	if len(bottest.GroupPosts(posts)) != 0 {
		t.Errorf("a group was opened across platforms: %+v", posts)
	}
	toAlice, toBob := bottest.DirectTo(posts, bottest.User("alice")), bottest.DirectTo(posts, bob)
	if len(toAlice) != 1 || len(toBob) != 1 {
		t.Fatalf("direct introductions: alice %d, bob %d; want one each (%+v)", len(toAlice), len(toBob), posts)
	}
	a, b := toAlice[0].Reply.Text, toBob[0].Reply.Text
	if !strings.Contains(a, bottest.Fr("match.intro.header_direct")) || !strings.Contains(a, "*Bob*") || strings.Contains(a, "*Alice*") ||
		!strings.Contains(a, "Bob reçoit ce même message sur Slack") {
		t.Errorf("Alice's introduction:\n%s", a)
	}
	if !strings.Contains(b, bottest.En("match.intro.header_direct")) || !strings.Contains(b, "*Alice*") ||
		!strings.Contains(b, "receives this same message on terminal") || len(toBob[0].Reply.Choices) != 3 ||
		toBob[0].Reply.Choices[0].Label != "We talked" {
		t.Errorf("Bob's introduction (English):\n%s\n%+v", b, toBob[0].Reply.Choices)
	}
}

func TestAnswersArePrivateAndNotAgainIsHonoured(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob, intro := h.PairRound("Alice", "Bob")
	notAgain := intro.Reply.Choices[2]
	posts := h.PickIn(alice, intro.Conv, notAgain)
	if len(posts) != 1 || posts[0].Conv.ID != "dm:alice" || !strings.Contains(posts[0].Reply.Text, bottest.Fr("match.answer.not_again", "names", "Bob")) {
		t.Fatalf("answer acknowledged as %+v, want only in Alice's direct conversation", posts)
	}
	rec, err := h.Store.MatchRecord(t.Context(), alice)
	if err != nil || !slices.Contains(rec.NotAgain, bob) {
		t.Fatalf("record %+v, %v", rec, err)
	}
	if a, ok := rec.Answer("tour|1"); !ok || a.Answer != bot.AnswerNotAgain {
		t.Errorf("answer %+v", a)
	}
	// Someone outside the round cannot answer for it.
	posts = h.PickIn(bottest.User("eve"), bottest.Dm(bottest.User("eve")), intro.Reply.Choices[0])
	if len(posts) != 1 || posts[0].Reply.Text != bottest.Fr("match.answer.not_yours") {
		t.Errorf("outsider: %+v", posts)
	}
	// A month later, Alice and Bob are not introduced again: nobody else,
	// so both wait.
	h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 28))
	r := h.Round("tour|2")
	if len(r.Groups) != 0 || len(r.SatOut) != 2 {
		t.Errorf("round after « not again »: %+v", r)
	}
	posts = h.Take()
	if len(bottest.DirectTo(posts, alice)) != 1 || bottest.DirectTo(posts, alice)[0].Reply.Text != bottest.Fr("match.sitout.no_partner") {
		t.Errorf("Alice is not told why she waits: %+v", posts)
	}
}

func TestFollowUpAsksThoseWhoDidNotAnswerOnce(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{FollowupAfter: 7 * 24 * time.Hour}), nil, nil)
	alice, bob, intro := h.PairRound("Alice", "Bob")
	h.PickIn(alice, intro.Conv, intro.Reply.Choices[0]) // met

	h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 6))
	if n, err := bottest.Of[*introductions.Feature](h.Bot).FollowUp(t.Context()); err != nil || n != 0 {
		t.Fatalf("follow-up before the delay: %d, %v", n, err)
	}
	h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 7))
	if n, err := bottest.Of[*introductions.Feature](h.Bot).FollowUp(t.Context()); err != nil || n != 1 {
		t.Fatalf("follow-up: %d, %v", n, err)
	}
	posts := h.Take()
	if len(posts) != 1 || posts[0].Conv.ID != "dm:bob" {
		t.Fatalf("follow-up sent to %+v, want Bob only (Alice answered)", posts)
	}
	want := bottest.Fr("match.followup", "date", "26 novembre 2026", "names", "Alice")
	if posts[0].Reply.Text != want || len(posts[0].Reply.Choices) != 3 {
		t.Errorf("follow-up %q %+v, want %q", posts[0].Reply.Text, posts[0].Reply.Choices, want)
	}
	if n, err := bottest.Of[*introductions.Feature](h.Bot).FollowUp(t.Context()); err != nil || n != 0 || len(h.Take()) != 0 {
		t.Errorf("a second follow-up: %d, %v", n, err)
	}
	// Bob answers from the follow-up, in his direct conversation.
	posts = h.PickIn(bob, bottest.Dm(bob), posts[0].Reply.Choices[0])
	if len(posts) != 1 || posts[0].Reply.Text != bottest.Fr("match.answer.met", "names", "Alice") {
		t.Errorf("Bob's answer: %+v", posts)
	}
	st, err := h.Bot.MatchStats(t.Context(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rounds != 1 || st.Introductions != 1 || st.Members != 2 || st.Answered != 2 || st.Met != 2 || st.MetRate() != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestMembersIgnoringThreeRoundsArePausedAndTold(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{PauseAfterIgnored: 3}), nil, nil)
	alice, bob, carol, dan := bottest.User("alice"), bottest.User("bob"), bottest.User("carol"), bottest.User("dan")
	h.Seed(alice, "Alice", bottest.Towns[0], "dgs", "ia")
	h.Seed(bob, "Bob", bottest.Towns[1], "dgs", "ia")
	h.Seed(carol, "Carole", bottest.Towns[2], "dgs", "ia")
	h.Seed(dan, "Daniel", bottest.Towns[3], "dgs", "ia")
	day := bottest.Thursday10
	for i := 1; i <= 3; i++ {
		r := h.Round(fmt.Sprintf("tour|%d", i))
		// Everyone but Alice answers every round.
		for _, u := range []bot.UserRef{bob, carol, dan} {
			h.PickIn(u, bottest.Dm(u), bot.Choice{Action: "match.answer", Value: bot.AnswerNotNow + ":" + r.ID})
		}
		h.Clock.Set(day.AddDate(0, 0, 7))
		if _, err := bottest.Of[*introductions.Feature](h.Bot).FollowUp(t.Context()); err != nil {
			t.Fatal(err)
		}
		day = day.AddDate(0, 0, 28)
		h.Clock.Set(day)
		h.Take()
	}
	r := h.Round("tour|4")
	m, err := h.Store.Member(t.Context(), alice)
	if err != nil || !m.PausedUntil.After(h.Clock.Now()) {
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
	told := bottest.DirectTo(h.Take(), alice)
	if len(told) != 1 || told[0].Reply.Text != bottest.Fr("match.paused", "count", "3") {
		t.Errorf("Alice was told %+v", told)
	}
	for _, u := range []bot.UserRef{bob, carol, dan} {
		if m, _ := h.Store.Member(t.Context(), u); !m.PausedUntil.IsZero() {
			t.Errorf("%s was paused though they answered", u.User)
		}
	}
	// After « reprendre », the old rounds do not pause her again.
	h.Bot.Handle(t.Context(), bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "reprendre"})
	h.Take()
	h.Clock.Set(day.AddDate(0, 0, 28))
	h.Round("tour|5")
	if m, _ := h.Store.Member(t.Context(), alice); m.PausedUntil.After(h.Clock.Now()) {
		t.Errorf("Alice paused again right after resuming")
	}
}

func TestOddPoolSitOutIsToldAndServedFirst(t *testing.T) {
	rules := matching.DefaultRules()
	rules.Odd = matching.OddSitOut
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{Rules: rules}), nil, nil)
	for i, id := range []string{"a", "b", "c"} {
		m := h.Seed(bottest.User(id), strings.ToUpper(id), bottest.Towns[i], "dgs", "ia")
		m.Prefs.Cadence = bot.CadenceBiweekly
		if err := h.Store.SaveMember(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	var sat []bot.UserRef
	for i := 1; i <= 3; i++ {
		r := h.Round(fmt.Sprintf("tour|%d", i))
		if len(r.SatOut) != 1 || len(r.Groups) != 1 {
			t.Fatalf("round %d: %+v", i, r)
		}
		if slices.Contains(sat, r.SatOut[0]) {
			t.Errorf("round %d: %s sits out again before the others", i, r.SatOut[0].User)
		}
		told := bottest.DirectTo(h.Take(), r.SatOut[0])
		if len(told) != 1 || told[0].Reply.Text != bottest.Fr("match.sitout_odd") {
			t.Errorf("round %d: sitter told %+v", i, told)
		}
		sat = append(sat, r.SatOut[0])
		h.Clock.Set(h.Clock.Now().AddDate(0, 0, 14))
	}
}

// Ten rounds, twelve members on the two-week pace: no pair twice.
func TestNoRepeatedPairOverTenRounds(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	for i, c := range bottest.Towns {
		m := h.Seed(bottest.User(fmt.Sprintf("m%02d", i)), fmt.Sprintf("Membre %d", i), c, []string{"dgs", "dga"}[i%2], []string{"ia", "rh", "qvt"}[i%3])
		m.Prefs.Cadence = bot.CadenceBiweekly
		if err := h.Store.SaveMember(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for i := 1; i <= 10; i++ {
		r := h.Round(fmt.Sprintf("tour|%d", i))
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
		h.Take()
		h.Clock.Set(h.Clock.Now().AddDate(0, 0, 14))
	}
}

func TestErasureLeavesPartnersAPlaceholder(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob, intro := h.PairRound("Alice Martin", "Bob Durand")
	h.PickIn(bob, intro.Conv, intro.Reply.Choices[2]) // Bob: not Alice again
	h.PickIn(alice, intro.Conv, intro.Reply.Choices[0])

	ex, err := h.Bot.ExportMember(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(ex.Data["matching"])
	if !strings.Contains(string(data), "Bob Durand (Créteil)") || !strings.Contains(string(data), `"answer":"met"`) {
		t.Errorf("Alice's export: %s", data)
	}
	if err := h.Bot.EraseMember(t.Context(), alice); err != nil {
		t.Fatal(err)
	}
	r, err := h.Store.Round(t.Context(), "tour|1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(r)
	if strings.Contains(string(raw), `"alice"`) {
		t.Errorf("the round still names Alice: %s", raw)
	}
	if _, err := h.Store.MatchRecord(t.Context(), alice); err == nil {
		t.Error("Alice's record survived the erasure")
	}
	rec, _ := h.Store.MatchRecord(t.Context(), bob)
	if slices.Contains(rec.NotAgain, alice) {
		t.Error("Bob's « not again » list still names Alice")
	}
	ex, err = h.Bot.ExportMember(t.Context(), bob)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(ex.Data["matching"])
	if strings.Contains(string(data), "Alice") || strings.Contains(string(data), "alice") ||
		!strings.Contains(string(data), bottest.Fr("match.erased_member")) {
		t.Errorf("Bob's export after Alice's erasure: %s", data)
	}
}

func TestMatchCommands(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	admin, orga := bottest.User("admin"), bottest.User("orga")
	for i, id := range []string{"alice", "bob", "carol", "dan", "eve"} {
		h.Seed(bottest.User(id), strings.ToUpper(id[:1])+id[1:], bottest.Towns[i], "dgs", "ia")
	}
	say := func(u bot.UserRef, text string) []bottest.Sent {
		h.Bot.Handle(t.Context(), bot.Message{From: u, Conversation: bottest.Dm(u), Text: text})
		return h.Take()
	}
	if got := say(bottest.User("alice"), "tour à blanc"); len(got) != 1 || got[0].Reply.Text != bottest.Fr("error.forbidden.admin") {
		t.Errorf("member ran a dry run: %+v", got)
	}
	dry := say(admin, "tour à blanc")
	if len(dry) != 1 || !strings.Contains(dry[0].Reply.Text, "Membres retenus : 5") ||
		!strings.Contains(dry[0].Reply.Text, "dont 1 trio") || !strings.Contains(dry[0].Reply.Text, "appariement glouton") {
		t.Fatalf("dry run: %+v", dry)
	}
	// Five members: the certificate is checked against all ten pairs of
	// them, whatever the pricing had to weigh.
	if !strings.Contains(dry[0].Reply.Text, "Optimalité : prouvée (écart nul, en ") ||
		!strings.Contains(dry[0].Reply.Text, " ; certificat vérifié sur les 10 paires de membres)") {
		t.Errorf("dry run's proof: %q", dry[0].Reply.Text)
	}
	if rs := bottest.RoundCount(t, h.Store); rs != 0 {
		t.Fatalf("a dry run stored %d rounds", rs)
	}
	preview := say(admin, "tour maintenant")
	if len(preview) != 1 || len(preview[0].Reply.Choices) != 2 || !strings.Contains(preview[0].Reply.Text, bottest.Fr("match.now.confirm")) {
		t.Fatalf("preview: %+v", preview)
	}
	if got := h.PickIn(bottest.User("alice"), bottest.Dm(bottest.User("alice")), preview[0].Reply.Choices[0]); len(got) != 1 || got[0].Reply.Text != bottest.Fr("error.forbidden.admin") {
		t.Errorf("a member confirmed a round: %+v", got)
	}
	posts := h.PickIn(admin, bottest.Dm(admin), preview[0].Reply.Choices[0])
	if len(bottest.GroupPosts(posts)) != 2 {
		t.Errorf("round now posted %d group introductions, want 2 (a pair and a trio)", len(bottest.GroupPosts(posts)))
	}
	done := bottest.DirectTo(posts, admin)
	if len(done) != 1 || done[0].Reply.Text != bottest.Fr("match.now.done", "groups", "2", "satout", "0") {
		t.Errorf("admin told %+v", done)
	}
	// A second click resumes the same round: nothing new.
	posts = h.PickIn(admin, bottest.Dm(admin), preview[0].Reply.Choices[0])
	if len(bottest.GroupPosts(posts)) != 0 || bottest.RoundCount(t, h.Store) != 1 {
		t.Errorf("a second click sent %d introductions", len(bottest.GroupPosts(posts)))
	}
	stats := say(orga, "bilan des mises en relation")
	if len(stats) != 1 || !strings.Contains(stats[0].Reply.Text, "2 mise(s) en relation (5 membres), 0 réponse(s)") {
		t.Errorf("stats: %+v", stats)
	}
	follow := say(admin, "relance maintenant")
	if len(follow) != 6 {
		t.Errorf("follow up now: %d messages, want 5 follow-ups and the admin's answer: %+v", len(follow), follow)
	}
}

// The scheduled round and follow-up jobs run through the scheduler: each
// slot once.
func TestScheduledRoundAndFollowUp(t *testing.T) {
	monday := time.Date(2026, 11, 30, 9, 59, 0, 0, bottest.Paris)
	clock := fakeclock.New(monday)
	s := bottest.MatchSettings(bot.MatchSettings{FollowupAfter: 48 * time.Hour})
	s.Jobs = []bot.Job{
		{Name: "tour", Kind: "round", Schedule: schedule.MustParse("0 10 * * mon", bottest.Paris)},
		{Name: "suivi", Kind: "followup", Schedule: schedule.MustParse("30 10 * * *", bottest.Paris)},
	}
	h := bottest.NewMT(t, s, nil, clock)
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	h.Seed(bottest.User("bob"), "Bob", bottest.Towns[1], "dgs", "ia")
	tick := func() {
		h.Bot.Tick(t.Context())
		h.Bot.WaitJobs()
	}
	tick() // the jobs are new: they wait for their next slot
	h.Clock.Set(monday.Add(time.Minute))
	tick()
	tick()
	if posts := bottest.GroupPosts(h.Take()); len(posts) != 1 {
		t.Fatalf("Monday 10:00: %d introductions, want 1", len(posts))
	}
	id := "tour|" + fmt.Sprint(time.Date(2026, 11, 30, 10, 0, 0, 0, bottest.Paris).UnixMilli())
	if _, err := h.Store.Round(t.Context(), id); err != nil {
		t.Fatalf("round %s: %v", id, err)
	}
	h.Clock.Set(time.Date(2026, 12, 2, 10, 30, 0, 0, bottest.Paris)) // two days later
	tick()
	posts := h.Take()
	if len(bottest.DirectTo(posts, bottest.User("alice"))) != 1 || len(bottest.DirectTo(posts, bottest.User("bob"))) != 1 {
		t.Errorf("Wednesday's follow-up: %+v", posts)
	}
}

// The retention purge removes the rounds older than the retention period,
// and the answers to them.
func TestRetentionPurgesOldRounds(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob := bottest.User("alice"), bottest.User("bob")
	h.Seed(alice, "Alice", bottest.Towns[0], "dgs", "ia")
	h.Seed(bob, "Bob", bottest.Towns[1], "dgs", "ia")
	old := h.Round("tour|old")
	h.PickIn(alice, bottest.Dm(alice), bot.Choice{Action: "match.answer", Value: bot.AnswerMet + ":" + old.ID})
	h.Clock.Set(bottest.Thursday10.AddDate(2, 1, 0))
	h.Seed(alice, "Alice", bottest.Towns[0], "dgs", "ia") // still taking part
	h.Seed(bob, "Bob", bottest.Towns[1], "dgs", "ia")
	h.Round("tour|new")
	h.Take()
	if _, err := h.Bot.PurgeRetention(t.Context(), h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Round(t.Context(), "tour|old"); err == nil {
		t.Error("a round older than 24 months survived the purge")
	}
	if _, err := h.Store.Round(t.Context(), "tour|new"); err != nil {
		t.Errorf("the recent round was purged: %v", err)
	}
	rec, err := h.Store.MatchRecord(t.Context(), alice)
	if err != nil || len(rec.Answers) != 0 {
		t.Errorf("answers after the purge: %+v, %v", rec.Answers, err)
	}
}

// A round with nobody to introduce stores nothing and says nothing.
func TestEmptyRoundIsNotStored(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	if r := h.Round("tour|1"); len(r.Groups) != 0 {
		t.Fatalf("round over nobody: %+v", r)
	}
	if n := bottest.RoundCount(t, h.Store); n != 0 {
		t.Errorf("%d rounds stored", n)
	}
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	h.Round("tour|2") // one member alone: she waits, and is told
	if n := bottest.RoundCount(t, h.Store); n != 1 || len(bottest.DirectTo(h.Take(), bottest.User("alice"))) != 1 {
		t.Errorf("a lone member: %d rounds stored", n)
	}
}

// A member who waits two rounds in a row is told once.
func TestSittingOutAgainIsNotRepeated(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	h.Round("tour|1")
	h.Take()
	h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 7))
	h.Round("tour|2")
	if posts := h.Take(); len(posts) != 0 {
		t.Errorf("told again: %+v", posts)
	}
}

// « mes mises en relation »: the member's past introductions, newest
// first, with their answer; a member who erased their data is named as
// such; « ne plus me proposer » is offered for the others still there,
// and works from there.
func TestMyIntroductions(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	alice, bob, intro := h.PairRound("Alice", "Bob")
	h.PickIn(alice, intro.Conv, intro.Reply.Choices[0]) // « Nous avons échangé »
	if err := h.Bot.EraseMember(t.Context(), bob); err != nil {
		t.Fatal(err)
	}
	carol := bottest.User("carol")
	h.Seed(carol, "Carol", bottest.Towns[6], "dgs", "ia")
	h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 28))
	h.Round("tour|2")
	h.Take()

	h.Bot.Handle(t.Context(), bot.Message{From: alice, Conversation: bottest.Dm(alice), Text: "mes mises en relation"})
	posts := bottest.DirectTo(h.Take(), alice)
	if len(posts) != 1 {
		t.Fatalf("replies: %+v", posts)
	}
	text := posts[0].Reply.Text
	lines := strings.Split(text, "\n")
	if len(lines) != 3 || lines[0] != bottest.Fr("match.mine.header") ||
		!strings.Contains(lines[1], "Carol — "+bottest.Fr("match.mine.no_answer")) ||
		!strings.Contains(lines[2], bottest.Fr("match.erased_member")+" — "+bottest.Fr("match.mine.met")) {
		t.Errorf("list:\n%s", text)
	}
	cs := posts[0].Reply.Choices
	if len(cs) != 1 || cs[0].Label != bottest.Fr("match.choice.not_again_name", "name", "Carol") {
		t.Fatalf("choices %+v, want one for Carol", cs)
	}
	h.Bot.Handle(t.Context(), bot.Message{From: alice, Conversation: bottest.Dm(alice),
		Choice: &bot.ChoiceEvent{Action: cs[0].Action, Value: cs[0].Value}})
	if got := bottest.DirectTo(h.Take(), alice); len(got) != 1 || got[0].Reply.Text != bottest.Fr("match.answer.not_again", "names", "Carol") {
		t.Errorf("not again from the list: %+v", got)
	}
	// Someone never introduced is told so.
	dan := bottest.User("dan")
	h.Seed(dan, "Dan", bottest.Towns[2], "dgs", "ia")
	h.Bot.Handle(t.Context(), bot.Message{From: dan, Conversation: bottest.Dm(dan), Text: "my introductions"})
	if got := bottest.DirectTo(h.Take(), dan); len(got) != 1 || got[0].Reply.Text != bottest.Fr("match.mine.none") {
		t.Errorf("nobody yet: %+v", got)
	}
}

// A stated preference is a promise: the member it leaves alone sits out,
// is told why and how to widen it, is listed with the reason in the dry
// run, and comes first the next round.
func TestPreferenceKeptSitOutToldAndServedFirst(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	admin := bottest.User("admin")
	h.Seed(bottest.User("alice"), "Alice", bottest.Towns[0], "dgs", "ia")
	h.Seed(bottest.User("bob"), "Bob", bottest.Towns[6], "dgs", "ia")
	village := bot.Collectivity{Kind: bot.KindCommune, Code: "33103", Name: "Castelmoron-d'Albret", Population: 50, Departement: "33", Region: "75"}
	vera := bottest.User("vera")
	m := h.Seed(vera, "Vera", village, "sgm", "ia")
	m.Prefs.SimilarSizeOnly = true
	if err := h.Store.SaveMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	h.Bot.Handle(t.Context(), bot.Message{From: admin, Conversation: bottest.Dm(admin), Text: "tour à blanc"})
	dry := h.Take()
	wantLine := bottest.Fr("match.dry.sitout", "name", "Vera", "reason", bottest.Fr("match.reason.own_size"))
	if len(dry) != 1 || !strings.Contains(dry[0].Reply.Text, wantLine) || !strings.Contains(dry[0].Reply.Text, "dont 0 trio") {
		t.Fatalf("dry run lacks %q: %+v", wantLine, dry)
	}
	r := h.Round("tour|1")
	if len(r.Groups) != 1 || len(r.SatOut) != 1 || r.SatOut[0] != vera || r.SatOutWhy[0] != "own_size" {
		t.Fatalf("round %+v", r)
	}
	told := bottest.DirectTo(h.Take(), vera)
	if len(told) != 1 || told[0].Reply.Text != bottest.Fr("match.sitout.own_size") {
		t.Errorf("Vera is told %+v", told)
	}
	// Next month, a village of her size joins and Alice's commune is
	// matched elsewhere: Vera comes first and meets the village.
	h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 28))
	small := bot.Collectivity{Kind: bot.KindCommune, Code: "01311", Name: "Prémillieu", Population: 49, Departement: "01", Region: "84"}
	h.Seed(bottest.User("paul"), "Paul", small, "sgm", "rh")
	r = h.Round("tour|2")
	if len(r.SatOut) != 0 {
		t.Errorf("round 2: %v sit out (%v)", r.SatOut, r.SatOutWhy)
	}
	if gi, ok := groupOfTest(r, vera); !ok || !slices.Contains(r.Groups[gi].Members, bottest.User("paul")) {
		t.Errorf("round 2: Vera not with Paul: %+v", r.Groups)
	}
}

// A member who sits out round after round is told once while the reason
// stays the same, and again as soon as it changes (here: her size
// preference, then her région preference once she drops the first).
func TestSitOutToldAgainWhenTheReasonChanges(t *testing.T) {
	h := bottest.NewMT(t, bottest.MatchSettings(bot.MatchSettings{}), nil, nil)
	for i, name := range []string{"alice", "bob", "carol", "dan"} {
		h.Seed(bottest.User(name), name, bottest.Towns[i], "dgs", "ia")
	}
	village := bot.Collectivity{Kind: bot.KindCommune, Code: "33103", Name: "Castelmoron-d'Albret", Population: 50, Departement: "33", Region: "75"}
	vera := bottest.User("vera")
	m := h.Seed(vera, "Vera", village, "sgm", "ia")
	m.Prefs.SimilarSizeOnly = true
	if err := h.Store.SaveMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	for k, step := range []struct {
		prefs bot.Preferences // before the round
		why   string
		told  bool
	}{
		{bot.Preferences{SimilarSizeOnly: true}, "own_size", true},
		{bot.Preferences{SimilarSizeOnly: true}, "own_size", false},
		{bot.Preferences{Region: "same"}, "own_region", true},
		{bot.Preferences{Region: "same"}, "own_region", false},
		{bot.Preferences{SimilarSizeOnly: true}, "own_size", true},
	} {
		h.Clock.Set(bottest.Thursday10.AddDate(0, 0, 28*k))
		m, err := h.Store.Member(t.Context(), vera)
		if err != nil {
			t.Fatal(err)
		}
		m.Prefs = step.prefs
		if err := h.Store.SaveMember(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		r := h.Round(fmt.Sprintf("tour|%d", k+1))
		i := slices.Index(r.SatOut, vera)
		if i < 0 || r.SatOutWhy[i] != step.why {
			t.Fatalf("round %d: sat out %v (%v), want Vera for %s", k+1, r.SatOut, r.SatOutWhy, step.why)
		}
		told := bottest.DirectTo(h.Take(), vera)
		if step.told && (len(told) != 1 || told[0].Reply.Text != bottest.Fr("match.sitout."+step.why)) {
			t.Errorf("round %d: Vera is told %+v, want the reason %s", k+1, told, step.why)
		}
		if !step.told && len(told) != 0 {
			t.Errorf("round %d: Vera is told the same reason again: %+v", k+1, told)
		}
	}
}

func groupOfTest(r bot.MatchRound, ref bot.UserRef) (int, bool) {
	for gi, g := range r.Groups {
		if slices.Contains(g.Members, ref) {
			return gi, true
		}
	}
	return 0, false
}
