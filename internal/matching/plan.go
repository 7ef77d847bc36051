package matching

import (
	"math/rand/v2"
	"slices"

	"github.com/sndgct/maillage/internal/blossom"
)

// Group is one introduction: a pair, a trio (the odd member in OddTrio
// mode, or Rules.GroupSize 3), or four members (Rules.GroupSize 4).
type Group struct {
	// Members are profile indexes, ascending.
	Members []int
	// Score is the sum of the scores of the pairs within the group, in
	// milli-points.
	Score int64
}

// Plan is a round: its groups, who sits out, and the solver's proof.
type Plan struct {
	Groups []Group
	// SitOut are the members no group takes (odd pool in OddSitOut mode,
	// or members every partner of whom is forbidden).
	SitOut []int
	// Reasons say why each member of SitOut sits out (SitOut* reasons),
	// in the same order.
	Reasons []string
	// Total is the sum of the groups' scores (milli-points).
	Total int64
	// Pairs is the number of pairs of the optimal matching, and Matched
	// their total weight (milli-points), which the certificate proves
	// optimal among the matchings of maximum cardinality.
	Pairs       int
	Matched     int64
	Certificate Certificate
	// Mate is that optimal matching, before the odd policy: Mate[i] is
	// i's partner, or -1.
	Mate []int
	// Bound is the yardstick of groups larger than pairs: the pairs
	// within groups of g members form a (g-1)-regular graph, which weighs
	// at most g-1 times the heaviest fractional matching; the pair
	// optimum Matched stands for it (equal in dense pools, where the
	// optimum pairs everyone). For pairs it is Matched.
	Bound int64
	// greedy is the heaviest-first greedy matching of the same pool, from
	// the solver's first pass over the pairs (nil when the solver saw a
	// dummy vertex: Compare then computes it).
	greedy []int
}

// Plan computes the round: the optimal matching over all allowed pairs
// (maximum cardinality first, then maximum total score), then the odd
// policy for whoever is left.
func (p *Pool) Plan() (Plan, error) {
	n := len(p.p)
	dummy := -1
	weigh, row := p.Milli, blossom.RowWeigher(p.MilliRow)
	if bonus := p.priorityBonus(); bonus > 0 {
		// Among the matchings that introduce as many members as possible,
		// those that serve members who sat out last time come first.
		weigh = func(i, j int) (int64, bool) {
			w, ok := p.Milli(i, j)
			if p.priority(i) {
				w += bonus
			}
			if p.priority(j) {
				w += bonus
			}
			return w, ok
		}
		row = func(i, from, to int, w []int64, ok []bool) {
			p.MilliRow(i, from, to, w, ok)
			pi := p.priority(i)
			for t := range to - from {
				if pi {
					w[t] += bonus
				}
				if p.priority(from + t) {
					w[t] += bonus
				}
			}
		}
	}
	if p.rules.Odd == OddSitOut && n%2 == 1 {
		// A dummy vertex makes the pool even: the member the solver pairs
		// with it sits out, at no cost, and members served first (who sat
		// out last time) are not connected to it.
		dummy = n
		inner := weigh
		weigh = func(i, j int) (int64, bool) {
			if j == dummy {
				return 0, !p.priority(i)
			}
			return inner(i, j)
		}
		innerRow := row
		row = func(i, from, to int, w []int64, ok []bool) {
			if to > dummy {
				w[dummy-from], ok[dummy-from] = 0, !p.priority(i)
				to = dummy
			}
			if from < to {
				innerRow(i, from, to, w, ok)
			}
		}
		n++
	}
	if p.perPair {
		row = blossom.Rows(weigh)
	}
	sol, err := solveAll(n, weigh, row, p.rules.Candidates)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Certificate: sol.Certificate, Mate: make([]int, len(p.p))}
	if dummy < 0 {
		plan.greedy = sol.Greedy
	}
	var left []int
	odd := map[int]bool{}
	for i := range len(p.p) {
		m := sol.Mate[i]
		plan.Mate[i] = m
		if m == dummy {
			plan.Mate[i] = -1
		}
		switch {
		case m < 0 || m == dummy:
			left = append(left, i)
			odd[i] = dummy >= 0 && m == dummy
		case i < m:
			s, _ := p.Milli(i, m)
			plan.Groups = append(plan.Groups, Group{Members: []int{i, m}, Score: s})
			plan.Pairs++
			plan.Matched += s
		}
	}
	plan.Bound = plan.Matched
	if g := p.rules.GroupSize; g > 2 {
		var err error
		if plan.Groups, left, err = p.formGroups(plan.Groups, left, g); err != nil {
			return Plan{}, err
		}
		plan.Bound = int64(g-1) * plan.Matched
	}
	left = p.placeLeft(plan.Groups, left)
	plan.SitOut = left
	for _, i := range left {
		switch why := p.Alone(i); {
		case why != "":
			plan.Reasons = append(plan.Reasons, why)
		case odd[i]:
			plan.Reasons = append(plan.Reasons, SitOutOdd)
		default:
			plan.Reasons = append(plan.Reasons, SitOutTaken)
		}
	}
	for _, g := range plan.Groups {
		plan.Total += g.Score
	}
	return plan, nil
}

// priorityBonus is what serving a member who sat out last time adds to
// a pair's weight in the solver (one pair's most points), or 0 when
// nobody has priority.
func (p *Pool) priorityBonus() int64 {
	for i := range p.h {
		if p.priority(i) {
			return ToMilli(p.rules.MaxScore()) + 1
		}
	}
	return 0
}

// placeLeft has each member left over join the group where they add the
// most (every new pair allowed), one per group: first a group smaller
// than Rules.GroupSize, then, in OddTrio mode, one that is not above
// it (a pair becomes a trio; groups never exceed MaxGroupSize). It
// returns who is still left.
func (p *Pool) placeLeft(groups []Group, left []int) []int {
	size := max(p.rules.GroupSize, 2)
	limits := []int{size}
	if p.rules.Odd == OddTrio && size < MaxGroupSize {
		limits = append(limits, size+1)
	}
	for _, limit := range limits {
		var still []int
		for _, l := range left {
			best, bestGain := -1, int64(0)
			for gi, g := range groups {
				if len(g.Members) >= limit {
					continue
				}
				if gain, ok := p.gain(l, g.Members); ok && (best < 0 || gain > bestGain) {
					best, bestGain = gi, gain
				}
			}
			if best < 0 {
				still = append(still, l)
				continue
			}
			g := &groups[best]
			g.Members = append(g.Members, l)
			slices.Sort(g.Members)
			g.Score += bestGain
		}
		left = still
	}
	return left
}

// gain is what member l adds to a group (the scores of l with each
// member), and false when one of those pairs is not allowed.
func (p *Pool) gain(l int, members []int) (int64, bool) {
	var sum int64
	for _, m := range members {
		s, ok := p.Milli(l, m)
		if !ok {
			return 0, false
		}
		sum += s
	}
	return sum, true
}

func (p *Pool) priority(i int) bool { return p.h[i].prefs&prefPriority != 0 }

// Stats describe one matching of the quality comparison.
type Stats struct {
	Pairs int `json:"pairs"`
	// Total and Worst (the lowest pair score) are in milli-points.
	Total int64 `json:"total"`
	Worst int64 `json:"worst"`
	// Percent is Total as a percentage of the optimum's.
	Percent float64 `json:"percent"`
}

// Quality compares the optimum with greedy and random pairings on the
// same scores.
type Quality struct {
	Optimum Stats `json:"optimum"`
	Greedy  Stats `json:"greedy"`
	Random  Stats `json:"random"`
}

// Compare computes the quality figures of plan's optimal matching (its
// pairs, before any trio is formed) against a heaviest-first greedy
// matching and a random pairing (seeded) over the same pool. The greedy
// matching is the one the solver built from its first pass over the pairs
// (score once: a second pass was a quarter of a 10,000-member dry run),
// computed here only for a plan that lacks it.
func (p *Pool) Compare(plan Plan, seed uint64) Quality {
	n := len(p.p)
	g := plan.greedy
	if len(g) != n {
		g = blossom.GreedyRows(n, p.Milli, p.MilliRow).Mate
	}
	q := Quality{
		Optimum: p.stats(plan.Mate),
		Greedy:  p.stats(g),
		Random:  p.stats(p.randomPairing(seed)),
	}
	for _, s := range []*Stats{&q.Optimum, &q.Greedy, &q.Random} {
		if q.Optimum.Total != 0 {
			s.Percent = 100 * float64(s.Total) / float64(q.Optimum.Total)
		}
	}
	return q
}

func (p *Pool) stats(mate []int) Stats {
	var s Stats
	first := true
	for i, m := range mate {
		if m <= i {
			continue
		}
		w, _ := p.Milli(i, m)
		s.Pairs++
		s.Total += w
		if first || w < s.Worst {
			s.Worst, first = w, false
		}
	}
	return s
}

// randomPairing pairs members in a random order, each with the next one
// still free that it may meet: what a tool without scoring does.
func (p *Pool) randomPairing(seed uint64) []int {
	n := len(p.p)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	order := rng.Perm(n)
	mate := make([]int, n)
	for i := range mate {
		mate[i] = -1
	}
	for x, i := range order {
		if mate[i] >= 0 {
			continue
		}
		for _, j := range order[x+1:] {
			if mate[j] < 0 {
				if _, ok := p.Milli(i, j); ok {
					mate[i], mate[j] = j, i
					break
				}
			}
		}
	}
	return mate
}
