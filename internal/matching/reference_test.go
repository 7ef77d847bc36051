package matching

import (
	"math"
	"slices"
	"testing"
)

// floatScore is the definition of a pair's score before scores became
// integers (issue 18): every criterion in points as a float, from the
// profiles themselves, the sum rounded once to the milli-point. It is the
// reference the integer scorer must stay within two milli-points of, and
// agree with on which pairs are forbidden.
type floatScore struct {
	r        Rules
	ps       []Profile
	notAgain map[[2]int]bool
	met      map[[2]int]int // most recent round ago, within Repeat.Rounds
}

func newFloatScore(r Rules, ps []Profile, h History) *floatScore {
	if r.Brackets == nil {
		r.Brackets = DGCLBrackets
	}
	f := &floatScore{r: r, ps: ps, notAgain: map[[2]int]bool{}, met: map[[2]int]int{}}
	key := func(a, b int) [2]int { return [2]int{min(a, b), max(a, b)} }
	for _, pr := range h.NotAgain {
		f.notAgain[key(pr[0], pr[1])] = true
	}
	for _, m := range h.Met {
		if m.Ago < 1 || m.Ago > r.Repeat.Rounds {
			continue
		}
		if ago, ok := f.met[key(m.A, m.B)]; !ok || m.Ago < ago {
			f.met[key(m.A, m.B)] = m.Ago
		}
	}
	return f
}

func (f *floatScore) milli(i, j int) (int64, bool) {
	r, a, b := f.r, f.ps[i], f.ps[j]
	w := r.Weights
	if a.Collectivity != "" && a.Collectivity == b.Collectivity || f.notAgain[[2]int{min(i, j), max(i, j)}] {
		return 0, false
	}
	repeat := 0.0
	if _, ok := f.met[[2]int{min(i, j), max(i, j)}]; ok {
		if r.Repeat.Mode == RepeatForbid {
			return 0, false
		}
		repeat = -r.Repeat.Penalty
	}
	known := a.Population > 0 && b.Population > 0
	dist := math.Abs(math.Log10(float64(max(a.Population, 1))) - math.Log10(float64(max(b.Population, 1))))
	sameBracket := Bracket(r.Brackets, a.Population) == Bracket(r.Brackets, b.Population)
	similarBroken := func(x Profile) bool {
		return x.SimilarSizeOnly && known && !sameBracket && dist > math.Log10(r.SimilarRatio)+1e-9
	}
	regionBroken := func(x, y Profile) bool { return x.SameRegion && x.Region != "" && x.Region != y.Region }
	for _, x := range [][2]Profile{{a, b}, {b, a}} {
		if r.Hard.SimilarSize && similarBroken(x[0]) || r.Hard.SameRegion && regionBroken(x[0], x[1]) {
			return 0, false
		}
	}
	var size, interests, region, workshop, prefs, complement float64
	if known {
		if r.SizeMode == SizeBracket {
			switch d := Bracket(r.Brackets, a.Population) - Bracket(r.Brackets, b.Population); d {
			case 0:
				size = w.Size
			case 1, -1:
				size = w.Size * 0.5
			}
		} else {
			size = w.Size * max(0, 1-dist/r.LogSpan)
		}
	}
	weight := func(id string) float64 {
		if v, ok := r.InterestWeights[id]; ok {
			return v
		}
		return 1
	}
	sum := func(ids []string) float64 {
		s := 0.0
		for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			s += weight(id)
		}
		return s
	}
	if wa, wb := sum(a.Interests), sum(b.Interests); wa > 0 && wb > 0 {
		shared := sum(SharedInterests(a, b))
		if union := wa + wb - shared; union > 0 {
			interests = w.Interests * shared / union
		}
	}
	switch {
	case r.RegionMode == RegionPreferSame && a.Region != "" && a.Region == b.Region,
		r.RegionMode == RegionPreferDifferent && a.Region != "" && b.Region != "" && a.Region != b.Region:
		region = w.Region
	}
	role := w.Role * r.Roles.Value(a.Role, b.Role)
	if slices.ContainsFunc(a.Workshops, func(s string) bool { return slices.Contains(b.Workshops, s) }) {
		workshop = w.Workshop
	}
	satisfaction := func(x, y Profile) float64 {
		switch {
		case !x.SimilarSizeOnly && !x.SameRegion:
			return 0
		case similarBroken(x) || regionBroken(x, y):
			return -1
		}
		return 1
	}
	if a.SimilarSizeOnly || a.SameRegion || b.SimilarSizeOnly || b.SameRegion {
		prefs = w.Preferences * (satisfaction(a, b) + satisfaction(b, a)) / 2
	}
	helps := func(x, y Profile) bool {
		return slices.ContainsFunc(x.Offers, func(s string) bool { return slices.Contains(y.Needs, s) })
	}
	if helps(a, b) || helps(b, a) {
		complement = w.Complement
	}
	return ToMilli(size + interests + region + role + workshop + prefs + complement + repeat), true
}

// boundaryProfiles are members around the « similar size » ratio (2 by
// default) in different brackets, who all ask for peers of similar size.
func boundaryProfiles() []Profile {
	var ps []Profile
	for _, pop := range []int{1, 2, 3, 4, 249, 250, 251, 499, 500, 501, 998, 999, 1000, 1001, 1002, 1750, 1999, 2000,
		2001, 2002, 3499, 3500, 6998, 6999, 7000, 7001, 49999, 50000, 100000, 100001, 150000, 199999, 200000, 200001,
		299999, 300000, 600000, 600001} {
		ps = append(ps, Profile{Population: pop, SimilarSizeOnly: true, Interests: []string{"ia"}})
	}
	return ps
}

// TestIntegerScoreNearFloat: the integer score (Milli, MilliRow, Score)
// is within two milli-points of the float definition, and forbids the
// same pairs, on every pair of random pools under every rule variant of
// the row tests, more than 64 interests, and populations around the
// « similar size » ratio.
func TestIntegerScoreNearFloat(t *testing.T) {
	const n = 400
	type pool struct {
		ps []Profile
		h  History
	}
	pools := map[string]pool{}
	ps, h := rowProfiles(t, n, 3)
	pools["synthetic"] = pool{ps, h}
	pools["more than 64 interests and workshops"] = pool{wideProfiles(t, n, 5), History{}}
	pools["similar-size boundary"] = pool{boundaryProfiles(), History{}}
	for name, r := range rowRules() {
		for pname, pl := range pools {
			t.Run(name+", "+pname, func(t *testing.T) {
				p := mustPool(t, r, pl.ps, pl.h)
				ref := newFloatScore(r, pl.ps, pl.h)
				worst, off, allowed := int64(0), 0, 0
				for i := range pl.ps {
					for j := i + 1; j < len(pl.ps); j++ {
						got, ok := p.Milli(i, j)
						want, wantOK := ref.milli(i, j)
						// Score, computed criterion by criterion, adds up
						// to the same
						if bd, sok := p.Score(i, j); sok != ok || ok && ToMilli(bd.Total) != got {
							t.Fatalf("(%d, %d): Milli %d %v, Score %+v %v", i, j, got, ok, bd, sok)
						}
						if ok != wantOK {
							t.Fatalf("(%d, %d): allowed %v, the float definition says %v (%+v, %+v)", i, j, ok, wantOK,
								pl.ps[i], pl.ps[j])
						}
						if !ok {
							continue
						}
						allowed++
						d := got - want
						if d < 0 {
							d = -d
						}
						if d > 2 {
							bd, _ := p.Score(i, j)
							t.Fatalf("(%d, %d): %d milli-points, the float definition %d (%+v)", i, j, got, want, bd)
						}
						if d != 0 {
							off++
						}
						worst = max(worst, d)
					}
				}
				if allowed == 0 {
					t.Fatal("no pair allowed: the pool does not exercise the scores")
				}
				t.Logf("%d allowed pairs, %d off by a milli-point or more, at most %d", allowed, off, worst)
			})
		}
	}
}
