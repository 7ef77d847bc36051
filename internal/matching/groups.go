package matching

import (
	"cmp"
	"slices"

	"github.com/sndgct/maillage/internal/blossom"
)

// Groups of three or four (Rules.GroupSize): the exact solver gives the
// optimal pairs over the acceptable pairs; groups are then built from
// them, each step itself an exact matching:
//
//   - four: the pairs are matched with each other, the weight of two pairs
//     being the four scores across them (every one of those pairs
//     allowed); a pair left over stays a pair.
//   - three: the best-scored third of the pairs are kept as seeds, the
//     others are split, and their members are assigned to the seeds (one
//     each), the weight being what the member adds to the seed.
//
// This is a heuristic (partitioning into groups of three or more is
// NP-hard); Plan.Bound, g-1 times the pair optimum, is its yardstick,
// and the benchmarks measure how close it comes (README « Mise en
// relation »). No group ever holds a pair that is not allowed.

// formGroups turns the optimal pairs into groups of size members; left
// are the members no pair holds. It returns the groups and who is still
// left.
func (p *Pool) formGroups(pairs []Group, left []int, size int) ([]Group, []int, error) {
	switch size {
	case 3:
		return p.formTriples(pairs, left)
	case 4:
		gs, err := p.formQuads(pairs)
		return gs, left, err
	}
	return pairs, left, nil
}

// formQuads matches pairs with pairs.
func (p *Pool) formQuads(pairs []Group) ([]Group, error) {
	n := len(pairs)
	if n < 2 {
		return pairs, nil
	}
	cross := func(x, y int) (int64, bool) {
		var sum int64
		for _, a := range pairs[x].Members {
			s, ok := p.gain(a, pairs[y].Members)
			if !ok {
				return 0, false
			}
			sum += s
		}
		return sum, true
	}
	res, err := blossom.SolveAll(n, cross, blossom.Options{K: p.rules.Candidates})
	if err != nil {
		return nil, err
	}
	var out []Group
	for x, y := range res.Mate {
		switch {
		case y < 0:
			out = append(out, pairs[x])
		case x < y:
			s, _ := cross(x, y)
			members := slices.Concat(pairs[x].Members, pairs[y].Members)
			slices.Sort(members)
			out = append(out, Group{Members: members, Score: pairs[x].Score + pairs[y].Score + s})
		}
	}
	return out, nil
}

// formTriples keeps the best third of the pairs as seeds and assigns the
// members of the other pairs (and those left) to them.
func (p *Pool) formTriples(pairs []Group, left []int) ([]Group, []int, error) {
	members := 2*len(pairs) + len(left)
	seeds := min(members/3, len(pairs))
	if seeds == 0 {
		return pairs, left, nil
	}
	order := slices.Clone(pairs)
	slices.SortStableFunc(order, func(a, b Group) int { return cmp.Compare(b.Score, a.Score) })
	kept := order[:seeds]
	singles := slices.Clone(left)
	for _, g := range order[seeds:] {
		singles = append(singles, g.Members...)
	}
	// Vertices: seeds first, then singles; only seed-single pairs.
	weigh := func(x, y int) (int64, bool) {
		if x > y {
			x, y = y, x
		}
		if x >= seeds || y < seeds {
			return 0, false
		}
		return p.gain(singles[y-seeds], kept[x].Members)
	}
	res, err := blossom.SolveAll(seeds+len(singles), weigh, blossom.Options{K: p.rules.Candidates})
	if err != nil {
		return nil, nil, err
	}
	out := make([]Group, 0, seeds+len(singles)/2)
	for x := range seeds {
		g := Group{Members: slices.Clone(kept[x].Members), Score: kept[x].Score}
		if y := res.Mate[x]; y >= 0 {
			s, _ := weigh(x, y)
			g.Members = append(g.Members, singles[y-seeds])
			slices.Sort(g.Members)
			g.Score += s
		}
		out = append(out, g)
	}
	// The singles no seed took pair up again where they can (their own
	// former partner first: that pair was allowed), else are left.
	var still []int
	for y := seeds; y < seeds+len(singles); y++ {
		if res.Mate[y] < 0 {
			still = append(still, singles[y-seeds])
		}
	}
	paired := map[int]bool{}
	var rest []int
	for x, a := range still {
		if paired[a] {
			continue
		}
		best, bestScore := -1, int64(0)
		for _, b := range still[x+1:] {
			if paired[b] {
				continue
			}
			if s, ok := p.Milli(a, b); ok && (best < 0 || s > bestScore) {
				best, bestScore = b, s
			}
		}
		if best < 0 {
			rest = append(rest, a)
			continue
		}
		paired[a], paired[best] = true, true
		out = append(out, Group{Members: []int{min(a, best), max(a, best)}, Score: bestScore})
	}
	return out, rest, nil
}
