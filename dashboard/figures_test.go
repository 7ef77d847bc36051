package dashboard_test

import (
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/dashboard"
	"github.com/sndgct/maillage/internal/fakeclock"
	"github.com/sndgct/maillage/internal/matching"
)

// Compute on hand-made rounds: repeats (a pair met again in a later round,
// counted in the later round only), groups where someone met, the mixing of
// size brackets, sit-outs by their stored reason, inactive members.
func TestComputeOnKnownRounds(t *testing.T) {
	clock := fakeclock.New(bottest.Thursday10)
	store := bottest.OpenBolt(t, clock)
	ctx := t.Context()
	now := clock.Now()
	small := bot.Collectivity{Kind: bot.KindCommune, Name: "Petite", Population: 800, Region: "11"}
	big := bot.Collectivity{Kind: bot.KindCommune, Name: "Grande", Population: 150_000, Region: "84"}
	refs := map[string]bot.UserRef{}
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		ref := bottest.User(name)
		refs[name] = ref
		c := small
		if i >= 2 {
			c = big
		}
		m := bot.Member{Ref: ref, Collectivity: &c, Onboarded: now, OptedIn: now, Created: now, Updated: now}
		if name == "e" { // paused after ignoring introductions
			m.PausedUntil = now.AddDate(0, 1, 0)
		}
		if err := store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	pair := func(x, y string) bot.MatchGroup { return bot.MatchGroup{Members: []bot.UserRef{refs[x], refs[y]}} }
	rounds := []bot.MatchRound{
		{ID: "r1", Created: now.Add(-14 * 24 * time.Hour), Groups: []bot.MatchGroup{pair("a", "b"), pair("c", "d")}, SatOut: []bot.UserRef{refs["e"]}}, // stored before reasons
		{ID: "r2", Created: now.Add(-7 * 24 * time.Hour), Groups: []bot.MatchGroup{pair("a", "c"), pair("b", "d")},
			SatOut: []bot.UserRef{refs["e"], bottest.User("f"), bottest.User("g")}, SatOutWhy: []string{"own_region", "taken", "own_region"}},
		{ID: "r3", Created: now.Add(-time.Hour), Groups: []bot.MatchGroup{pair("a", "b"), pair("c", "e")}, // a-b again
			SatOut: []bot.UserRef{refs["d"]}, SatOutWhy: []string{"odd"}},
	}
	for _, r := range rounds {
		if _, err := store.CreateRound(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	answers := map[string][]bot.MatchAnswer{
		"a": {{Round: "r1", Answer: bot.AnswerMet}, {Round: "r3", Answer: bot.AnswerNotNow}},
		"b": {{Round: "r1", Answer: bot.AnswerMet}},
		"d": {{Round: "r2", Answer: bot.AnswerMet}},
	}
	for name, as := range answers {
		if err := store.SaveMatchRecord(ctx, bot.MatchRecord{Member: refs[name], Answers: as, Updated: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.SaveMatchRecord(ctx, bot.MatchRecord{Member: refs["e"], Paused: now.Add(-time.Hour), Updated: now}); err != nil {
		t.Fatal(err)
	}
	rules := matching.DefaultRules()
	rules.Odd = matching.OddSitOut
	s := bottest.MatchSettings(bot.MatchSettings{})
	f, err := dashboard.Compute(ctx, store.(dashboard.Store), &s, rules, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rounds) != 3 || f.Rounds[0].ID != "r3" {
		t.Fatalf("rounds: %+v", f.Rounds)
	}
	type want struct {
		repeats, metGroups, answered, met int
		why                               [len(dashboard.SitOutKinds)]int // odd, size, région, both, nobody, taken, unrecorded
	}
	for k, w := range []want{
		{1, 0, 1, 0, [7]int{1, 0, 0, 0, 0, 0, 0}},
		{0, 1, 1, 1, [7]int{0, 0, 2, 0, 0, 1, 0}},
		{0, 1, 2, 2, [7]int{0, 0, 0, 0, 0, 0, 1}},
	} { // r3, r2, r1
		r := f.Rounds[k]
		if got := (want{r.Repeats, r.MetGroups, r.Answered, r.Met, r.SatOutWhy}); got != w {
			t.Errorf("round %s: %+v, want %+v", r.ID, got, w)
		}
	}
	bs, bb := matching.Bracket(rules.Brackets, 800), matching.Bracket(rules.Brackets, 150_000)
	// Pairs: a-b twice (small-small), c-d, c-e (big-big), a-c, b-d (mixed).
	if f.Mixing[bs][bs] != 2 || f.Mixing[bb][bb] != 2 || f.Mixing[bs][bb] != 2 || f.Mixing[bb][bs] != 2 {
		t.Errorf("mixing: small-small %d, big-big %d, small-big %d / %d", f.Mixing[bs][bs], f.Mixing[bb][bb], f.Mixing[bs][bb], f.Mixing[bb][bs])
	}
	if f.Total != 5 || f.Counts.Paused != 1 || f.Inactive != 1 {
		t.Errorf("members: total %d, paused %d, inactive %d", f.Total, f.Counts.Paused, f.Inactive)
	}
}
