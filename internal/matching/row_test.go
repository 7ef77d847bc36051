package matching

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"
)

// rowPool is a synthetic pool with history (met, not again, priority) and
// offers and needs, under rules varied by the caller.
func rowPool(t testing.TB, n int, seed uint64, r Rules) *Pool {
	ps, h := rowProfiles(t, n, seed)
	return mustPool(t, r, ps, h)
}

// rowProfiles are rowPool's profiles and history.
func rowProfiles(t testing.TB, n int, seed uint64) ([]Profile, History) {
	ps := synthetic(t, n, seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	for i := range ps {
		if rng.IntN(3) == 0 {
			ps[i].Offers = []string{benchInterests[rng.IntN(12)]}
			ps[i].Needs = []string{benchInterests[rng.IntN(12)]}
		}
		if rng.IntN(40) == 0 {
			ps[i].Population = 0 // unknown
		}
		if rng.IntN(40) == 0 {
			ps[i].Region = ""
		}
	}
	h := pastRounds(rng, n, n/20)
	h.Priority = []int{rng.IntN(n), rng.IntN(n)}
	return ps, h
}

// wideProfiles are synthetic profiles with more than 64 interests (90
// more), offers and needs among them, and more than 64 workshops (100).
func wideProfiles(t testing.TB, n int, seed uint64) []Profile {
	ps := synthetic(t, n, seed)
	for i := range ps {
		ps[i].Interests = append(ps[i].Interests, fmt.Sprintf("extra%d", i%90))
		ps[i].Workshops = append(ps[i].Workshops, fmt.Sprintf("w%d", i%100))
		if i%3 == 0 {
			ps[i].Offers = []string{fmt.Sprintf("extra%d", i%90)}
			ps[i].Needs = []string{fmt.Sprintf("extra%d", (i/3)%90), benchInterests[i%12]}
		}
	}
	return ps
}

// rowRules are the rule variants the row scorer must agree under: every
// branch of Milli (size modes, région modes, repeat modes, soft and hard
// preferences, weighted interests, more than 64 interests).
func rowRules() map[string]Rules {
	out := map[string]Rules{"default": DefaultRules()}
	r := DefaultRules()
	r.SizeMode = SizeBracket
	r.RegionMode = RegionPreferDifferent
	r.Repeat.Mode = RepeatForbid
	out["bracket, different région, repeat forbidden"] = r
	r = DefaultRules()
	r.Hard = HardPreferences{}
	r.RegionMode = RegionIgnore
	r.InterestWeights = map[string]float64{"ia": 2.5, "rh": 0.5}
	out["soft preferences, weighted interests"] = r
	r = DefaultRules()
	r.Hard = HardPreferences{SameRegion: true}
	r.Weights.Role = 3.3
	r.Repeat.Penalty = 7.77
	out["size soft, odd weights"] = r
	return out
}

// TestMilliRowEqualsMilli: the row scorer (the solver's first pass and
// Verify) gives, for every pair, exactly what Milli (the reference the
// breakdowns shown come from) gives.
func TestMilliRowEqualsMilli(t *testing.T) {
	const n = 700
	for name, r := range rowRules() {
		t.Run(name, func(t *testing.T) {
			p := rowPool(t, n, 3, r)
			if name == "soft preferences, weighted interests" {
				// more than 64 interests and workshops: the paths apart
				p = mustPool(t, r, wideProfiles(t, n, 5), History{})
				if p.words < 2 || p.exactWorkshops {
					t.Fatalf("%d words of interests, exact workshops %v: want 2 or more, false", p.words, p.exactWorkshops)
				}
			}
			rng := rand.New(rand.NewPCG(9, 10))
			w, ok := make([]int64, n), make([]bool, n)
			forbidden, checked := 0, 0
			for range 300 {
				i := rng.IntN(n - 1)
				from := i + 1 + rng.IntN(n-i-1)
				to := from + 1 + rng.IntN(n-from)
				p.MilliRow(i, from, to, w, ok)
				for j := from; j < to; j++ {
					want, wantOK := p.Milli(i, j)
					if got, gotOK := w[j-from], ok[j-from]; gotOK != wantOK || gotOK && got != want {
						t.Fatalf("MilliRow(%d)[%d] = %d, %v; Milli = %d, %v", i, j, got, gotOK, want, wantOK)
					}
					checked++
					if !wantOK {
						forbidden++
					}
				}
			}
			if forbidden == 0 || forbidden == checked {
				t.Fatalf("%d of %d pairs forbidden: the sample does not exercise both paths", forbidden, checked)
			}
		})
	}
}

// TestPlanRowsSamePairs: the plan computed with the row scorer is the
// one computed with the per-pair weigher Milli (same groups, same sit-outs,
// same certificate), in trio and sit-out modes, odd and even pools, with
// the priority bonus, and its certificate checks against every pair.
func TestPlanRowsSamePairs(t *testing.T) {
	for _, n := range []int{2, 3, 41, 400, 401} {
		for _, odd := range []string{OddTrio, OddSitOut} {
			r := DefaultRules()
			r.Odd = odd
			p := rowPool(t, n, uint64(n), r)
			plan, err := p.Plan()
			if err != nil {
				t.Fatal(err)
			}
			if !plan.Certificate.Verified || plan.Certificate.Gap != 0 {
				t.Fatalf("n=%d %s: certificate %+v", n, odd, plan.Certificate)
			}
			ref := *p
			ref.perPair = true
			want, err := ref.Plan()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan, want) {
				t.Fatalf("n=%d %s: the plan by rows differs from the plan per pair:\n%+v\n%+v", n, odd, plan, want)
			}
		}
	}
}

// TestHotFitsALine: what scoring reads of a member stays within a cache
// line (the first pass reads it 10,000 times a row).
func TestHotFitsALine(t *testing.T) {
	if s := unsafe.Sizeof(hot{}); s > 64 {
		t.Errorf("hot is %d bytes, want 64 at most", s)
	}
}

// TestMostBrackets: with MaxBrackets bounds, a member above the last one
// and a member of unknown population still score as the float
// definition says (a bracket is a byte, the unknown one included).
func TestMostBrackets(t *testing.T) {
	r := DefaultRules()
	r.SizeMode = SizeBracket
	r.Brackets = nil
	for b := range MaxBrackets {
		r.Brackets = append(r.Brackets, 1000*(b+1))
	}
	ps := []Profile{{Population: 999_999, Collectivity: "a"}, {Population: 253_000, Collectivity: "b"},
		{Population: 252_500, Collectivity: "c"}, {Population: 0, Collectivity: "d"}, {Population: 10, Collectivity: "e"}}
	p := mustPool(t, r, ps, History{})
	ref := newFloatScore(r, ps, History{})
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			got, ok := p.Milli(i, j)
			want, wantOK := ref.milli(i, j)
			if ok != wantOK || got != want {
				t.Errorf("(%d, %d): %d %v, the float definition %d %v", i, j, got, ok, want, wantOK)
			}
		}
	}
}
