package matching

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// nearMilli: a criterion of Score is its exact value rounded to the
// milli-point (half a milli-point), the size criterion in log mode within
// 1.5/1024 of a milli-point more (quantized logarithms).
func nearMilli(got, exact float64) bool { return math.Abs(got-exact) <= 0.0005+0.0000015 }

func mustPool(t testing.TB, r Rules, ps []Profile, h History) *Pool {
	t.Helper()
	p, err := NewPool(r, ps, h)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	return p
}

func TestBracketDGCL(t *testing.T) {
	for _, tt := range []struct{ pop, want int }{
		{0, 0}, {499, 0}, {500, 1}, {1999, 1}, {2000, 2}, {3499, 2}, {3500, 3}, {4999, 3}, {5000, 4},
		{9999, 4}, {10000, 5}, {19999, 5}, {20000, 6}, {49999, 6}, {50000, 7}, {99999, 7}, {100000, 8},
		{299999, 8}, {300000, 9}, {2_200_000, 9},
	} {
		if got := Bracket(DGCLBrackets, tt.pop); got != tt.want {
			t.Errorf("Bracket(%d) = %d, want %d", tt.pop, got, tt.want)
		}
	}
}

func TestScoreTable(t *testing.T) {
	base := DefaultRules()
	w := base.Weights
	evry := Profile{Population: 53000, Kind: "commune", Collectivity: "commune:91228", Region: "11", Departement: "91",
		Role: "dgs", Interests: []string{"ia", "rh", "finances"}}
	tests := []struct {
		name  string
		rules func(*Rules)
		a, b  Profile
		h     History
		want  Breakdown
		ok    bool
	}{
		{
			name: "same size, same région, same role, two of four interests",
			a:    evry,
			b: Profile{Population: 53000, Collectivity: "commune:91377", Region: "11", Departement: "91", Role: "dgs",
				Interests: []string{"ia", "rh", "qvt"}},
			want: Breakdown{Size: w.Size, Interests: w.Interests * 2 / 4, Region: w.Region, Role: w.Role},
			ok:   true,
		},
		{
			name: "ten times bigger: half the size points (log span 2); other région",
			a:    evry,
			b:    Profile{Population: 530000, Collectivity: "commune:13055", Region: "93", Role: "dga"},
			want: Breakdown{Size: w.Size / 2, Role: w.Role * 0.7},
			ok:   true,
		},
		{
			name: "a hundred times bigger or more: no size points; unknown role scores Other",
			a:    Profile{Population: 500, Role: "dgs"},
			b:    Profile{Population: 2_000_000},
			want: Breakdown{Role: w.Role * 0.5},
			ok:   true,
		},
		{
			name:  "bracket mode: adjacent DGCL strata score half",
			rules: func(r *Rules) { r.SizeMode = SizeBracket },
			a:     Profile{Population: 4000, Role: "x"},
			b:     Profile{Population: 6000, Role: "x"},
			want:  Breakdown{Size: w.Size / 2, Role: w.Role},
			ok:    true,
		},
		{
			name:  "bracket mode: same stratum scores all",
			rules: func(r *Rules) { r.SizeMode = SizeBracket },
			a:     Profile{Population: 20000},
			b:     Profile{Population: 49000},
			want:  Breakdown{Size: w.Size, Role: w.Role * 0.5},
			ok:    true,
		},
		{
			name:  "région: prefer different",
			rules: func(r *Rules) { r.RegionMode = RegionPreferDifferent },
			a:     Profile{Region: "11"},
			b:     Profile{Region: "84"},
			want:  Breakdown{Region: w.Region, Role: w.Role * 0.5},
			ok:    true,
		},
		{
			name:  "région: ignore",
			rules: func(r *Rules) { r.RegionMode = RegionIgnore },
			a:     Profile{Region: "11"},
			b:     Profile{Region: "11"},
			want:  Breakdown{Role: w.Role * 0.5},
			ok:    true,
		},
		{
			name:  "weighted interests: a rare interest counts double",
			rules: func(r *Rules) { r.InterestWeights = map[string]float64{"ia": 2} },
			a:     Profile{Interests: []string{"ia", "rh"}},
			b:     Profile{Interests: []string{"ia", "qvt"}},
			want:  Breakdown{Interests: w.Interests * 2 / 4, Role: w.Role * 0.5},
			ok:    true,
		},
		{
			name: "same workshop attended",
			a:    Profile{Workshops: []string{"c/s1", "c/s4"}},
			b:    Profile{Workshops: []string{"c/s2", "c/s4"}},
			want: Breakdown{Workshop: w.Workshop, Role: w.Role * 0.5},
			ok:   true,
		},
		{
			name: "similar size only: satisfied within a ratio of 2",
			a:    Profile{Population: 3000, SimilarSizeOnly: true},
			b:    Profile{Population: 5900},
			want: Breakdown{Size: w.Size * (1 - math.Log10(5900.0/3000)/2), Role: w.Role * 0.5, Preferences: w.Preferences / 2},
			ok:   true,
		},
		{
			name:  "similar size only, soft: not satisfied, both ask",
			rules: func(r *Rules) { r.Hard = HardPreferences{} },
			a:     Profile{Population: 3000, SimilarSizeOnly: true},
			b:     Profile{Population: 300000, SimilarSizeOnly: true},
			want:  Breakdown{Role: w.Role * 0.5, Preferences: -w.Preferences},
			ok:    true,
		},
		{
			name: "same région asked and met, other asks nothing",
			a:    Profile{Region: "84", SameRegion: true},
			b:    Profile{Region: "84"},
			want: Breakdown{Region: w.Region, Role: w.Role * 0.5, Preferences: w.Preferences / 2},
			ok:   true,
		},
		{
			name: "same collectivity is forbidden",
			a:    Profile{Collectivity: "commune:91228"},
			b:    Profile{Collectivity: "commune:91228"},
			want: Breakdown{Forbidden: ForbidSameCollectivity},
		},
		{
			name: "not again is forbidden",
			a:    Profile{},
			b:    Profile{},
			h:    History{NotAgain: [][2]int{{1, 0}}},
			want: Breakdown{Forbidden: ForbidNotAgain},
		},
		{
			name: "met two rounds ago: penalised",
			a:    Profile{Role: "dgs"},
			b:    Profile{Role: "dgs"},
			h:    History{Met: []Met{{A: 0, B: 1, Ago: 2}}},
			want: Breakdown{Role: w.Role, Repeat: -1000, MetAgo: 2},
			ok:   true,
		},
		{
			name:  "met two rounds ago: forbidden",
			rules: func(r *Rules) { r.Repeat.Mode = RepeatForbid },
			h:     History{Met: []Met{{A: 0, B: 1, Ago: 2}}},
			want:  Breakdown{Forbidden: ForbidRecent, MetAgo: 2},
		},
		{
			name: "met longer ago than the repeat rounds: no penalty",
			h:    History{Met: []Met{{A: 0, B: 1, Ago: 13}}},
			want: Breakdown{Role: w.Role * 0.5},
			ok:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			if tt.rules != nil {
				tt.rules(&r)
			}
			p := mustPool(t, r, []Profile{tt.a, tt.b}, tt.h)
			got, ok := p.Score(0, 1)
			if ok != tt.ok {
				t.Fatalf("allowed = %v, want %v (%+v)", ok, tt.ok, got)
			}
			want := tt.want
			if ok {
				want.Total = want.Size + want.Interests + want.Region + want.Role + want.Workshop + want.Preferences + want.Repeat
			}
			// each criterion rounded to the milli-point, the total their sum
			sum := got.Size + got.Interests + got.Region + got.Role + got.Workshop + got.Preferences + got.Complement + got.Repeat
			if !nearMilli(got.Size, want.Size) || !nearMilli(got.Interests, want.Interests) || !nearMilli(got.Region, want.Region) ||
				!nearMilli(got.Role, want.Role) || !nearMilli(got.Workshop, want.Workshop) ||
				!nearMilli(got.Preferences, want.Preferences) || !nearMilli(got.Repeat, want.Repeat) || !near(got.Total, sum) ||
				math.Abs(got.Total-want.Total) > 0.002 || got.Forbidden != want.Forbidden || got.MetAgo != want.MetAgo {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			back, _ := p.Score(1, 0)
			if back != got {
				t.Errorf("not symmetric: Score(1,0) = %+v", back)
			}
			if m, mok := p.Milli(0, 1); mok != ok || (ok && m != ToMilli(got.Total)) {
				t.Errorf("Milli = %d, %v; want %d, %v", m, mok, ToMilli(got.Total), ok)
			}
		})
	}
}

func TestRulesCheck(t *testing.T) {
	bad := []func(*Rules){
		func(r *Rules) { r.Weights.Size = -1 },
		func(r *Rules) { r.SizeMode = "x" },
		func(r *Rules) { r.LogSpan = 0 },
		func(r *Rules) { r.Brackets = []int{10, 5} },
		func(r *Rules) {
			r.Brackets = nil
			for b := range MaxBrackets + 1 {
				r.Brackets = append(r.Brackets, 1000*(b+1))
			}
		},
		func(r *Rules) { r.RegionMode = "x" },
		func(r *Rules) { r.Repeat.Mode = "x" },
		func(r *Rules) { r.Odd = "x" },
		func(r *Rules) { r.SimilarRatio = 0.5 },
	}
	for i, f := range bad {
		r := DefaultRules()
		f(&r)
		if err := r.Check(); err == nil {
			t.Errorf("bad rules %d accepted", i)
		}
	}
	if err := DefaultRules().Check(); err != nil {
		t.Errorf("default rules: %v", err)
	}
	if _, err := NewPool(DefaultRules(), []Profile{{}}, History{Met: []Met{{A: 0, B: 3, Ago: 1}}}); err == nil {
		t.Error("history out of range accepted")
	}
}

// members builds n profiles of assorted sizes, régions and interests.
func members(n int) []Profile {
	interests := []string{"ia", "rh", "finances", "qvt", "numerique", "management"}
	roles := []string{"dgs", "dga", "sgm"}
	out := make([]Profile, n)
	for i := range out {
		out[i] = Profile{
			Population:   500 * (1 + i*i%97),
			Collectivity: fmt.Sprintf("commune:%05d", i),
			Region:       []string{"11", "84", "93"}[i%3],
			Role:         roles[i%len(roles)],
			Interests:    []string{interests[i%6], interests[(i*7+1)%6]},
		}
	}
	return out
}

func groupsOf(plan Plan) [][]int {
	var out [][]int
	for _, g := range plan.Groups {
		out = append(out, g.Members)
	}
	return out
}

func checkPartition(t *testing.T, n int, plan Plan) {
	t.Helper()
	seen := make([]bool, n)
	for _, g := range plan.Groups {
		for _, m := range g.Members {
			if seen[m] {
				t.Fatalf("member %d in two groups: %v", m, groupsOf(plan))
			}
			seen[m] = true
		}
	}
	for _, m := range plan.SitOut {
		if seen[m] {
			t.Fatalf("member %d sits out and is in a group", m)
		}
		seen[m] = true
	}
	if i := slices.Index(seen, false); i >= 0 {
		t.Fatalf("member %d is neither in a group nor sitting out", i)
	}
}

func TestOddPoolTrio(t *testing.T) {
	ps := members(7)
	p := mustPool(t, DefaultRules(), ps, History{})
	plan, err := p.Plan()
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, 7, plan)
	if len(plan.SitOut) != 0 || len(plan.Groups) != 3 {
		t.Fatalf("groups %v, sit out %v: want two pairs and a trio", groupsOf(plan), plan.SitOut)
	}
	trios := 0
	var total int64
	for _, g := range plan.Groups {
		var s int64
		for x, a := range g.Members {
			for _, b := range g.Members[x+1:] {
				w, _ := p.Milli(a, b)
				s += w
			}
		}
		if s != g.Score {
			t.Errorf("group %v score %d, want the sum of its pairs %d", g.Members, g.Score, s)
		}
		total += s
		if len(g.Members) == 3 {
			trios++
		}
	}
	if trios != 1 || total != plan.Total {
		t.Errorf("trios %d, total %d (plan says %d)", trios, total, plan.Total)
	}
}

// Five members, sit-out mode: whoever sat out is served first, so that
// over five rounds each member sits out once.
func TestOddPoolSitOutRotates(t *testing.T) {
	ps := members(5)
	r := DefaultRules()
	r.Odd = OddSitOut
	var sat []int
	for round := range 5 {
		p := mustPool(t, r, ps, History{Priority: sat})
		plan, err := p.Plan()
		if err != nil {
			t.Fatal(err)
		}
		checkPartition(t, 5, plan)
		if len(plan.SitOut) != 1 || len(plan.Groups) != 2 {
			t.Fatalf("round %d: groups %v, sit out %v", round, groupsOf(plan), plan.SitOut)
		}
		if slices.Contains(sat, plan.SitOut[0]) {
			t.Fatalf("round %d: member %d sits out again before the others (%v)", round, plan.SitOut[0], sat)
		}
		sat = append(sat, plan.SitOut[0])
	}
	t.Logf("sat out in turn: %v", sat)
}

func TestForbiddenEverywhereSitsOut(t *testing.T) {
	ps := []Profile{{Collectivity: "a"}, {Collectivity: "a"}, {Collectivity: "b"}, {Collectivity: "c"}}
	h := History{NotAgain: [][2]int{{2, 3}}}
	p := mustPool(t, DefaultRules(), ps, h)
	plan, err := p.Plan()
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, 4, plan)
	for _, g := range plan.Groups {
		if _, ok := p.Milli(g.Members[0], g.Members[1]); !ok {
			t.Errorf("forbidden pair %v planned", g.Members)
		}
	}
	if len(plan.Groups) != 2 {
		t.Errorf("groups %v: want the two allowed pairs (0,2)/(1,3) or (0,3)/(1,2)", groupsOf(plan))
	}
}

// Ten rounds over 12 members: a pair is introduced again only when no
// round without repeats exists. Every pair is allowed (penalise mode), so
// the fewest repeats a round can have is the number of pairs missing from
// a maximum matching of the pairs not met yet (the forbid mode's).
func TestNoRepeatOverTenRoundsWhenAvoidable(t *testing.T) {
	ps := members(12)
	var met []Met
	total := 0
	for round := 1; round <= 10; round++ {
		var h History
		for _, m := range met {
			h.Met = append(h.Met, Met{A: m.A, B: m.B, Ago: round - m.Ago})
		}
		p := mustPool(t, DefaultRules(), ps, h)
		plan, err := p.Plan()
		if err != nil {
			t.Fatal(err)
		}
		checkPartition(t, 12, plan)
		repeats := 0
		for _, g := range plan.Groups {
			if bd, _ := p.Score(g.Members[0], g.Members[1]); bd.MetAgo > 0 {
				repeats++
			}
			met = append(met, Met{A: g.Members[0], B: g.Members[1], Ago: round}) // Ago holds the round here
		}
		strict := DefaultRules()
		strict.Repeat.Mode = RepeatForbid
		fresh, err := mustPool(t, strict, ps, h).Plan()
		if err != nil {
			t.Fatal(err)
		}
		if least := 6 - fresh.Pairs; repeats != least {
			t.Errorf("round %d: %d repeated pairs, but %d are unavoidable", round, repeats, least)
		}
		total += repeats
	}
	t.Logf("repeated pairs over ten rounds: %d (each unavoidable)", total)
}

// Over the first rounds of a large enough pool, no pair is repeated at all.
func TestNoRepeatOverTenRoundsOfALargePool(t *testing.T) {
	ps := members(40)
	var met []Met
	seen := map[[2]int]int{}
	for round := 1; round <= 10; round++ {
		var h History
		for _, m := range met {
			h.Met = append(h.Met, Met{A: m.A, B: m.B, Ago: round - m.Ago})
		}
		plan, err := mustPool(t, DefaultRules(), ps, h).Plan()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range plan.Groups {
			key := [2]int{g.Members[0], g.Members[1]}
			if r, dup := seen[key]; dup {
				t.Errorf("round %d repeats pair %v of round %d", round, key, r)
			}
			seen[key] = round
			met = append(met, Met{A: key[0], B: key[1], Ago: round})
		}
	}
}

func TestCompare(t *testing.T) {
	ps := members(40)
	p := mustPool(t, DefaultRules(), ps, History{})
	plan, err := p.Plan()
	if err != nil {
		t.Fatal(err)
	}
	q := p.Compare(plan, 1)
	if q.Optimum.Pairs != 20 || q.Greedy.Pairs == 0 || q.Random.Pairs == 0 {
		t.Fatalf("pairs: %+v", q)
	}
	if !near(q.Optimum.Percent, 100) {
		t.Errorf("optimum percent %v", q.Optimum.Percent)
	}
	if q.Random.Total > q.Optimum.Total {
		t.Errorf("random %d beats the optimum %d", q.Random.Total, q.Optimum.Total)
	}
	t.Logf("optimum %+v greedy %+v random %+v", q.Optimum, q.Greedy, q.Random)
	// The greedy matching reused from the solver's first pass is the one
	// a pass of its own computes.
	if plan.greedy == nil {
		t.Fatal("the plan did not keep the solver's greedy matching")
	}
	fresh := plan
	fresh.greedy = nil
	if q2 := p.Compare(fresh, 1); q2 != q {
		t.Errorf("Compare with the solver's greedy %+v, with a greedy of its own %+v", q, q2)
	}
}

// Milli, the solver's fast path, agrees to the milli-point with Score on
// every pair of a realistic pool with history.
func TestMilliAgreesWithScore(t *testing.T) {
	ps := synthetic(t, 300, 9)
	h := History{NotAgain: [][2]int{{1, 2}, {5, 9}}, Met: []Met{{A: 3, B: 4, Ago: 1}, {A: 7, B: 8, Ago: 5}}}
	for _, mode := range []string{RepeatPenalise, RepeatForbid} {
		r := DefaultRules()
		r.Repeat.Mode = mode
		r.InterestWeights = map[string]float64{"ia": 2.5}
		p := mustPool(t, r, ps, h)
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				bd, ok := p.Score(i, j)
				m, mok := p.Milli(i, j)
				if ok != mok || (ok && m != ToMilli(bd.Total)) {
					t.Fatalf("%s (%d, %d): Milli %d %v, Score %+v %v", mode, i, j, m, mok, bd, ok)
				}
			}
		}
	}
}

// More than 64 interests take the several-word path; the overlap is the
// same.
func TestManyInterests(t *testing.T) {
	var a, b Profile
	for k := range 70 {
		id := fmt.Sprintf("i%02d", k)
		if k%2 == 0 || k >= 66 {
			a.Interests = append(a.Interests, id)
		}
		if k%3 == 0 || k >= 66 {
			b.Interests = append(b.Interests, id)
		}
	}
	shared := len(SharedInterests(a, b))
	union := len(a.Interests) + len(b.Interests) - shared
	for _, weights := range []map[string]float64{nil, {"i66": 1}} {
		r := DefaultRules()
		r.InterestWeights = weights
		p := mustPool(t, r, []Profile{a, b}, History{})
		bd, _ := p.Score(0, 1)
		if want := r.Weights.Interests * float64(shared) / float64(union); !nearMilli(bd.Interests, want) {
			t.Errorf("interests %v, want %v (shared %d of %d)", bd.Interests, want, shared, union)
		}
		if m, _ := p.Milli(0, 1); m != ToMilli(bd.Total) {
			t.Errorf("Milli %d, Score %v", m, bd.Total)
		}
	}
}

// With an odd pool, the comparison is made on the optimal matching's pairs,
// before the trio: the optimum is never beaten by a matching of as many
// pairs.
func TestCompareOddPool(t *testing.T) {
	soft := DefaultRules()
	soft.Hard = HardPreferences{}
	for _, n := range []int{5, 21, 41} {
		p := mustPool(t, soft, synthetic(t, n, uint64(n)), History{})
		plan, err := p.Plan()
		if err != nil {
			t.Fatal(err)
		}
		q := p.Compare(plan, 3)
		if q.Optimum.Pairs != n/2 {
			t.Errorf("n=%d: optimum has %d pairs", n, q.Optimum.Pairs)
		}
		for name, s := range map[string]Stats{"greedy": q.Greedy, "random": q.Random} {
			if s.Pairs == q.Optimum.Pairs && s.Total > q.Optimum.Total {
				t.Errorf("n=%d: %s %+v beats the optimum %+v", n, name, s, q.Optimum)
			}
		}
	}
}

// bruteForce returns the best (pairs, total) of all matchings of the
// allowed pairs of p: maximum cardinality first, then weight.
func bruteForce(p *Pool, free []int) (int, int64) {
	if len(free) < 2 {
		return 0, 0
	}
	first, rest := free[0], free[1:]
	bestPairs, bestTotal := bruteForce(p, rest) // first stays unmatched
	for k, j := range rest {
		w, ok := p.Milli(first, j)
		if !ok {
			continue
		}
		others := append(slices.Clone(rest[:k]), rest[k+1:]...)
		pairs, total := bruteForce(p, others)
		pairs, total = pairs+1, total+w
		if pairs > bestPairs || (pairs == bestPairs && total > bestTotal) {
			bestPairs, bestTotal = pairs, total
		}
	}
	return bestPairs, bestTotal
}

// The plan's matching is the optimum of an exhaustive search, on small
// realistic pools with history (repeats penalised, "not again" and same
// collectivity forbidden), and its certificate is verified.
func TestPlanIsOptimalAgainstBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		n := 4 + int(seed%7)
		ps := synthetic(t, n, seed)
		if seed%5 == 0 {
			ps[1].Collectivity = ps[0].Collectivity
		}
		h := History{NotAgain: [][2]int{{0, 2}}, Met: []Met{{A: 1, B: 3, Ago: 1}}}
		p := mustPool(t, DefaultRules(), ps, h)
		plan, err := p.Plan()
		if err != nil {
			t.Fatal(err)
		}
		if plan.Certificate.Gap != 0 || !plan.Certificate.Verified {
			t.Errorf("seed %d: certificate %+v", seed, plan.Certificate)
		}
		free := make([]int, n)
		for i := range free {
			free[i] = i
		}
		pairs, total := bruteForce(p, free)
		if plan.Pairs != pairs || plan.Matched != total {
			t.Errorf("seed %d (n=%d): plan has %d pairs weighing %d, brute force %d weighing %d", seed, n, plan.Pairs, plan.Matched, pairs, total)
		}
	}
}
