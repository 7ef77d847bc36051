package blossom

import (
	"fmt"
	"math"
	"slices"
)

// Options tune SolveAll; the zero value is sensible.
type Options struct {
	K int // candidate partners kept per vertex for the sparse graph (default 10 when 0)
	// Row, when not nil, weighs a vertex against a range of others at
	// once, and must agree with the Weigher on every pair: the first pass
	// over all pairs (the bulk of SolveAll's weigher calls) uses it, so a
	// caller can score a row in a tight loop without a call per pair.
	Row RowWeigher
	// Digest, when not nil, a fresh NewDigest(n), records the first pass
	// over the pairs for VerifyDigest, which then checks the certificate
	// without a second pass.
	Digest *Digest
	// Workers, above 1, is how many goroutines weigh the rows of the first
	// pass (the row weigher, or the Weigher, must then be safe for
	// concurrent use); the lists, the digest and everything after stay on
	// the caller's goroutine, in the same order: the result is the same.
	Workers int
}

// RowWeigher weighs vertex i against every j in [from, to) (i < from):
// w[j-from] and ok[j-from] are what the Weigher returns for (i, j). w and
// ok hold to-from entries.
type RowWeigher func(i, from, to int, w []int64, ok []bool)

// Rows turns a Weigher into a RowWeigher (one call per pair).
func Rows(weight Weigher) RowWeigher {
	return func(i, from, to int, w []int64, ok []bool) {
		for j := from; j < to; j++ {
			w[j-from], ok[j-from] = weight(i, j)
		}
	}
}

// Result is SolveAll's matching with its certificate of optimality.
type Result struct {
	Matching
	Certificate Certificate
	// Greedy is the heaviest-first greedy matching of the same pairs
	// (what Greedy returns), built on the way from the first pass over the
	// pairs: a comparison needs no second pass.
	Greedy Matching
}

// Certificate: the dual solution and what pricing did. Gap == 0 proves
// optimality over all allowed pairs.
//
// The duals are those of the maximum weight matching problem in which
// every allowed pair weighs w(i, j) + Shift, stored multiplied by Unit:
// for every allowed pair,
//
//	VertexDual[i] + VertexDual[j] + Σ Dual of the Blossoms holding i and j >= Unit·(w(i, j) + Shift)
//
// with every dual >= 0. See the package documentation for why this proves
// the matching optimal.
type Certificate struct {
	Gap            int64 // primal-dual gap, in 1/Unit of weight; 0 when proven optimal
	Rounds         int   // pricing rounds (1 when the first sparse solution was already optimal)
	CandidateEdges int   // edges in the final sparse graph
	PricedPairs    int64 // pairs priced in total: the weigher was called for them
	Added          int   // violating pairs added by pricing

	// Skipped counts, over the rounds, the pairs pricing settled without
	// calling the weigher: their weight was kept by the first pass over the
	// pairs (each vertex's best partners), or their duals cover the bound
	// on their weight given by those lists, or they were priced in an
	// earlier round and their reduced cost cannot have decreased since.
	Skipped int64

	// Dummy, when not nil, is a vertex numbered n joined to every vertex
	// that has an allowed pair, present because those vertices are odd in
	// number: the certificate is then that of this even problem.
	Dummy *Dummy

	Shift      int64         // added to every allowed pair so that cardinality comes first
	Unit       int64         // the duals are in 1/Unit of weight (keeps them integers)
	VertexDual []int64       // vertex duals, one per vertex
	Blossoms   []BlossomDual // odd sets with a positive dual
}

// Dummy is the extra vertex n of an odd problem. Every vertex with an
// allowed pair is joined to it by a pair of weight Weight; the vertex it is
// paired with (Mate, -1 if none) is the one the matching leaves alone.
//
// Why the odd problem's optimum follows: with an odd number of vertices
// that have pairs, every matching leaves one of them alone, so adding the
// dummy adds exactly one pair to every matching of greatest cardinality and
// Weight to its total, and every greatest matching of the even problem
// pairs the dummy (else the odd problem would have a matching with one more
// pair). Best matchings of the two problems correspond, dummy pair aside.
type Dummy struct {
	Weight int64
	Dual   int64
	Mate   int
}

// BlossomDual is an odd set of vertices and its dual (in 1/Unit of weight).
type BlossomDual struct {
	Members []int // sorted vertex indices (n is the dummy), an odd number of them, at least 3
	Dual    int64
}

// solverUnit: the solver doubles the shifted weights and its vertex duals
// are doubled again (blossom duals are doubled when exported).
const solverUnit = 4

// coldRestart: when pricing finds more than n/coldRestart violating pairs,
// the solver starts again from a greedy start on the enlarged graph rather
// than warm. A warm restart leaves up to two exposed vertices per violator
// (at 10,000 members, 3,700 after the first pricing against 2,400 for a
// greedy start), and run's cost grows faster than the number of exposed
// vertices: every stage regrows the trees of all of them.
const coldRestart = 10

// violatorsPerVertex bounds the violating pairs added per vertex and round.
const violatorsPerVertex = 4

// SolveAll solves the same problem as Solve over the complete graph of
// allowed pairs on n vertices, through a sparse candidate graph (each
// vertex's K best partners, and the greedy matching), then pricing every
// pair against the final duals, adding violators and re-solving until none
// remain. The result is optimal over ALL pairs and carries its
// certificate.
func SolveAll(n int, weight Weigher, opt Options) (Result, error) {
	if n < 0 {
		return Result{}, fmt.Errorf("negative vertex count %d", n)
	}
	k := opt.K
	if k <= 0 {
		k = 10
	}
	fp := firstPass{workers: opt.Workers}
	if opt.Digest != nil {
		fp.sink = opt.Digest.add
	}
	return solveAll(n, weight, opt.Row, k, listDepth, fp)
}

// solveAll is SolveAll with k candidates per vertex among lists of depth
// partners (depth == k: no listed pair beyond the candidates, for tests).
func solveAll(n int, weight Weigher, row RowWeigher, k, depth int, fp firstPass) (Result, error) {
	if row == nil {
		row = Rows(weight)
	}
	sc := scanRowsWith(n, row, k, depth, fp)
	var edges []Edge
	for v := 0; v < n; v++ {
		for t, j := range sc.candJ[v][:min(sc.k, len(sc.candJ[v]))] {
			edges = append(edges, Edge{U: v, V: int(j), W: sc.candW[v][t]})
		}
	}
	g := greedy(n, weight, sc)
	for v, u := range g.Mate {
		if u > v {
			w, _ := weight(v, u)
			edges = append(edges, Edge{U: v, V: u, W: w})
		}
	}
	// an odd number of vertices with allowed pairs: a dummy vertex joined
	// to all of them makes the problem even (see Dummy)
	active := 0
	for _, w := range sc.maxW {
		if w != math.MinInt64 {
			active++
		}
	}
	size, pairs := n, sc.allowed
	bound := sc.lastW
	if active%2 == 1 {
		size, pairs = n+1, pairs+int64(active)
		bound = append(slices.Clone(sc.lastW), math.MinInt64) // dummy pairs are all in the graph: never priced
		for v := 0; v < n; v++ {
			if sc.maxW[v] != math.MinInt64 {
				edges = append(edges, Edge{U: v, V: n, W: sc.lo})
			}
		}
	}
	shift, err := shiftFor(size, int(min(pairs, math.MaxInt32)), sc.lo, sc.hi)
	if err != nil {
		return Result{}, err
	}
	edges = dedupe(edges)
	res := Result{Greedy: g}
	cert := &res.Certificate
	s := newSolver(size, edges, shift)
	s.greedyStart()
	var recheck []bool // nil: price every pair
	for {
		cert.Rounds++
		clear(s.dirty)
		if err := s.run(); err != nil {
			return Result{}, err
		}
		if recheck != nil {
			for v, d := range s.dirty {
				recheck[v] = recheck[v] || d
			}
		}
		viol, priced, next := s.price(weight, sc, bound, recheck)
		cert.PricedPairs += priced
		cert.Skipped += int64(n)*int64(n-1)/2 - priced
		if len(viol) == 0 {
			break
		}
		viol = dedupe(viol)
		cert.Added += len(viol)
		if len(viol) > n/coldRestart {
			s = s.restart(viol)
			recheck = nil
			continue
		}
		s.addViolators(viol)
		recheck = next
	}
	res.Matching = s.matching()
	cert.CandidateEdges = len(s.e)
	cert.Shift = shift
	cert.Unit = solverUnit
	cert.VertexDual = slices.Clone(s.dual[:n])
	for b := size; b < 2*size; b++ {
		if s.base[b] >= 0 && s.dual[b] > 0 {
			members := s.leaves(int32(b), nil)
			bd := BlossomDual{Members: make([]int, len(members)), Dual: 2 * s.dual[b]}
			for i, v := range members {
				bd.Members[i] = int(v)
			}
			slices.Sort(bd.Members)
			cert.Blossoms = append(cert.Blossoms, bd)
		}
	}
	dualSum := dualObjective(cert)
	primal := res.Total + int64(res.Pairs)*shift
	if size > n {
		cert.Dummy = &Dummy{Weight: sc.lo, Dual: s.dual[n], Mate: res.Mate[n]}
		dualSum += s.dual[n]
		res.Mate = res.Mate[:n]
		if d := cert.Dummy.Mate; d >= 0 {
			res.Mate[d] = -1
			res.Pairs--
			res.Total -= sc.lo
		}
	}
	cert.Gap = dualSum - solverUnit*primal
	return res, nil
}

// dualObjective is Σ VertexDual + Σ Dual·(|B|-1)/2: Unit times an upper
// bound on the shifted weight of any matching.
func dualObjective(c *Certificate) int64 {
	var d int64
	for _, y := range c.VertexDual {
		d += y
	}
	for _, b := range c.Blossoms {
		d += b.Dual * int64((len(b.Members)-1)/2)
	}
	return d
}

// price checks pairs against the solver's final duals and returns the most
// violating pairs (at most violatorsPerVertex per vertex), the number of
// weigher calls made, and the vertices to price again next round (the ends
// of every violating pair). With recheck nil it prices every pair; else
// only the pairs with an end in recheck: the others were priced before and
// neither their vertex duals nor the duals of the blossoms holding them
// have decreased since.
//
// Pairs of the candidate graph never violate (the solver keeps them
// feasible). A pair (i, j) outside both vertices' lists (each one's
// listDepth best partners, weighed once by scanPairs) weighs at most
// min(bound_i, bound_j), the weight of the lists' last partners: it can
// only violate when y_i + y_j < Unit·(min(bound_i, bound_j) + shift). With
// vertices sorted by dual, each vertex's possible partners form a prefix,
// and the rest is never weighed. Pairs in a list beyond the candidates are
// priced from the weight the list holds, when the scan by dual skips them.
func (s *solver) price(weight Weigher, lists *scan, bound []int64, recheck []bool) ([]Edge, int64, []bool) {
	n := s.n
	nest := s.nesting()
	y := s.dual[:n]
	// vertices by increasing dual, with need = Unit·(bound + shift) - y:
	// a partner j of i must have y_j < need_i (and y_i < need_j)
	type cand struct {
		y, need int64
		v       int32
	}
	sorted := make([]cand, 0, n)
	for v := 0; v < n; v++ {
		if bound[v] != math.MinInt64 {
			sorted = append(sorted, cand{y: y[v], need: solverUnit*(bound[v]+s.shift) - y[v], v: int32(v)})
		}
	}
	slices.SortFunc(sorted, func(a, b cand) int {
		switch {
		case a.y < b.y:
			return -1
		case a.y > b.y:
			return 1
		}
		return int(a.v - b.v)
	})
	top := newTopK(n, violatorsPerVertex)
	next := make([]bool, n)
	var priced int64
	found := false
	// violates offers the pair (i, j) of weight w when it violates its
	// dual constraint (the blossoms' duals are only summed when the vertex
	// duals alone fall short)
	violates := func(i, j int, w int64) {
		red := y[i] + y[j] - solverUnit*(w+s.shift)
		if red >= 0 {
			return
		}
		if nest.zsum[i] > 0 {
			red += 2 * nest.common(int32(i), int32(j))
			if red >= 0 {
				return
			}
		}
		found = true
		next[i], next[j] = true, true
		top.offer(i, int32(j), -red)
		top.offer(j, int32(i), -red)
	}
	for pi, c := range sorted {
		i := int(c.v)
		from := pi + 1 // each pair once, from its end first in the order...
		if recheck != nil {
			if !recheck[i] {
				continue
			}
			from = 0 // ...or from its only end to price again
		}
		for t := from; t < len(sorted); t++ {
			o := sorted[t]
			if o.y >= c.need {
				break
			}
			if t == pi || c.y >= o.need || t < pi && recheck[o.v] {
				continue
			}
			j := int(o.v)
			priced++
			if w, ok := weight(min(i, j), max(i, j)); ok {
				violates(i, j, w)
			}
		}
	}
	// the listed pairs the scan above left out: the weight is known
	for v := range lists.candJ {
		for t := lists.k; t < len(lists.candJ[v]); t++ {
			j := int(lists.candJ[v][t])
			if recheck != nil && !recheck[v] && !recheck[j] {
				continue
			}
			if bound[v] != math.MinInt64 && bound[j] != math.MinInt64 &&
				y[v]+y[j] < solverUnit*(min(bound[v], bound[j])+s.shift) {
				continue // the scan by dual priced it
			}
			if j < v && lists.holds(j, int32(v), lists.candW[v][t]) {
				continue // in both lists: priced from j's
			}
			violates(v, j, lists.candW[v][t])
		}
	}
	if !found {
		return nil, priced, next
	}
	var viol []Edge
	for v := 0; v < n; v++ {
		base := v * top.k
		for t := 0; t < int(top.cnt[v]); t++ {
			j := int(top.j[base+t])
			w, _ := weigh(weight, v, j)
			viol = append(viol, Edge{U: min(v, j), V: max(v, j), W: w})
		}
	}
	return viol, priced, next
}

// nesting is the forest of blossoms (vertices are its leaves), for the sum
// of the duals of the blossoms holding two vertices: zsum at their deepest
// common ancestor, found by binary lifting in O(log depth). Blossoms can
// nest a thousand deep; a list of each vertex's blossoms would take
// n × depth memory (hundreds of MB at 10,000 vertices), this n × log depth.
type nesting struct {
	depth []int32
	zsum  []int64   // duals of the node (if a blossom) and of its ancestors
	up    [][]int32 // up[k][x]: x's 2^k-th ancestor, or -1
}

func (s *solver) nesting() *nesting {
	m := 2 * s.n
	t := &nesting{depth: make([]int32, m), zsum: make([]int64, m)}
	done := make([]bool, m)
	var path []int32
	maxDepth := int32(0)
	for x := int32(0); x < int32(m); x++ {
		// climb to a node already done (or above a root), then come down
		path = path[:0]
		for y := x; y != -1 && !done[y]; y = s.parent[y] {
			path = append(path, y)
		}
		for k := len(path) - 1; k >= 0; k-- {
			y := path[k]
			if p := s.parent[y]; p != -1 {
				t.depth[y], t.zsum[y] = t.depth[p]+1, t.zsum[p]
			}
			if int(y) >= s.n && s.base[y] >= 0 {
				t.zsum[y] += s.dual[y]
			}
			done[y] = true
			maxDepth = max(maxDepth, t.depth[y])
		}
	}
	t.up = [][]int32{slices.Clone(s.parent[:m])}
	for k := 1; 1<<k <= maxDepth; k++ {
		prev, cur := t.up[k-1], make([]int32, m)
		for x, a := range prev {
			cur[x] = a
			if a != -1 {
				cur[x] = prev[a]
			}
		}
		t.up = append(t.up, cur)
	}
	return t
}

// common is the sum of the duals of the blossoms holding both i and j.
func (t *nesting) common(i, j int32) int64 {
	if t.depth[i] < t.depth[j] {
		i, j = j, i
	}
	for k, d := 0, t.depth[i]-t.depth[j]; d > 0; k, d = k+1, d>>1 {
		if d&1 != 0 {
			i = t.up[k][i]
		}
	}
	if i == j {
		return t.zsum[i]
	}
	for k := len(t.up) - 1; k >= 0; k-- {
		if t.up[k][i] != t.up[k][j] {
			i, j = t.up[k][i], t.up[k][j]
		}
	}
	if p := t.up[0][i]; p != -1 {
		return t.zsum[p]
	}
	return 0
}
