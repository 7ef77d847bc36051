package blossom

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Edge is an undirected edge; 0 <= U, V < n, U != V. W may be negative or zero.
type Edge struct {
	U, V int
	W    int64
}

// Matching: Mate[v] is v's partner or -1. Pairs is the number of matched
// pairs, Total the sum of their weights.
type Matching struct {
	Mate  []int
	Pairs int
	Total int64
}

// ErrTooLarge reports weights too large for exact int64 arithmetic once
// shifted for maximum cardinality.
var ErrTooLarge = errors.New("weights too large for exact arithmetic")

// maxSafe bounds every quantity the solver computes (duals, slacks,
// totals), far from int64 overflow.
const maxSafe = 1 << 61

// Solve returns, exactly, among the matchings of maximum cardinality of the
// given graph, one of greatest total weight (Edmonds' blossom algorithm,
// primal-dual, O(n^3)). Parallel edges: the heaviest counts. Panics never;
// invalid edges (out of range, self loops) are reported by an error.
// Solve(n, edges) is NewProblem(n, edges) followed by its Solve.
func Solve(n int, edges []Edge) (Matching, error) {
	p, err := NewProblem(n, edges)
	if err != nil {
		return Matching{}, err
	}
	return p.Solve()
}

// Problem is a graph laid out for the solver: the edges checked,
// deduplicated, their weights shifted for maximum cardinality, and an
// adjacency array. It is what a LEMON graph and its weight map are to
// LEMON's MaxWeightedMatching: bench/gosolve times NewProblem and
// Problem.Solve apart, as bench/lemon.cpp times building the graph and
// running the solver apart.
type Problem struct {
	n        int
	shift    int64
	e        []sedge
	adjStart []int32
	adj      []half
}

// half is an edge seen from one end, as the adjacency lists it: the far
// end's vertex, its endpoint number p (edge p/2) and the edge's weight
// (shifted, doubled), so that a pass over a vertex's edges reads one
// array in order.
type half struct {
	to, p int32
	w     int64
}

// NewProblem checks and lays out the graph; see Solve.
func NewProblem(n int, edges []Edge) (*Problem, error) {
	if n < 0 {
		return nil, fmt.Errorf("negative vertex count %d", n)
	}
	sorted := true // U < V, and sorted on (U, V) without repeats
	for i, e := range edges {
		if e.U < 0 || e.U >= n || e.V < 0 || e.V >= n {
			return nil, fmt.Errorf("edge %d (%d, %d): vertex out of range [0, %d)", i, e.U, e.V, n)
		}
		if e.U == e.V {
			return nil, fmt.Errorf("edge %d: self loop on vertex %d", i, e.U)
		}
		if sorted && (e.U > e.V || i > 0 && (e.U < edges[i-1].U || e.U == edges[i-1].U && e.V <= edges[i-1].V)) {
			sorted = false
		}
	}
	// dedupe would return such a list as it is
	es := edges
	if !sorted {
		es = dedupe(edges)
	}
	lo, hi := weightRange(es)
	shift, err := shiftFor(n, len(es), lo, hi)
	if err != nil {
		return nil, err
	}
	p := &Problem{n: n, shift: shift}
	p.addEdges(es, false)
	return p, nil
}

// Solve computes the matching (see the package function Solve). The
// problem is not changed: Solve may be called again.
func (p *Problem) Solve() (Matching, error) {
	s := newSolverOn(p)
	s.greedyStart()
	if err := s.run(); err != nil {
		return Matching{}, err
	}
	return s.matching(), nil
}

// dedupe returns the edges with U < V, sorted, keeping the heaviest of
// parallel edges. The input is not modified. A counting sort on U, then a
// sort of each vertex's few edges on V: twice as fast as one sort of m
// edges on the sparse graphs of rounds.
func dedupe(edges []Edge) []Edge {
	n := 0
	for _, e := range edges {
		n = max(n, e.U+1, e.V+1)
	}
	start := make([]int32, n+1)
	for _, e := range edges {
		start[min(e.U, e.V)+1]++
	}
	for v := 0; v < n; v++ {
		start[v+1] += start[v]
	}
	es := make([]Edge, len(edges))
	fill := slices.Clone(start[:n])
	for _, e := range edges {
		if e.U > e.V {
			e.U, e.V = e.V, e.U
		}
		es[fill[e.U]] = e
		fill[e.U]++
	}
	out := es[:0]
	for u := 0; u < n; u++ {
		row := es[start[u]:start[u+1]]
		slices.SortFunc(row, func(a, b Edge) int {
			if a.V != b.V {
				return a.V - b.V
			}
			// heaviest first among parallel edges
			switch {
			case a.W > b.W:
				return -1
			case a.W < b.W:
				return 1
			}
			return 0
		})
		for i, e := range row {
			if i > 0 && e.V == row[i-1].V {
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

func weightRange(es []Edge) (lo, hi int64) {
	for i, e := range es {
		if i == 0 || e.W < lo {
			lo = e.W
		}
		if i == 0 || e.W > hi {
			hi = e.W
		}
	}
	return lo, hi
}

// shiftFor returns the constant added to every edge so that a maximum
// weight matching of the shifted graph is a maximum cardinality matching of
// greatest weight: with k = min(n/2, m) pairs at most, a matching with one
// more pair gains at least shift + lo - k*(hi-lo) > 0. Every shifted weight
// is positive. It refuses weights whose shifted sums could overflow.
func shiftFor(n, m int, lo, hi int64) (int64, error) {
	if m == 0 {
		return 0, nil
	}
	k := min(n/2, m)
	// float estimate first: no int64 arithmetic below can overflow
	fl, fh := float64(lo), float64(hi)
	est := float64(k)*(fh-fl) + math.Abs(fl) + math.Abs(fh) + 1
	if est*float64(n+4)*8 >= maxSafe {
		return 0, fmt.Errorf("%w: weights in [%d, %d] on %d vertices", ErrTooLarge, lo, hi, n)
	}
	shift := int64(k)*(hi-lo) - lo + 1
	if shift < 1 {
		shift = 1
	}
	return shift, nil
}

// solver is Edmonds' primal-dual blossom algorithm for a maximum weight
// matching, in the O(n^3) organisation of Galil ("Efficient algorithms for
// finding maximum matching in graphs", 1986) as written by van Rantwijk
// (mwmatching). Weights are integers, so every dual stays an integer: the
// vertex duals are stored doubled, the blossom duals not (the constraint of
// edge ij reads dual[i] + dual[j] + 2·(sum of the duals of the blossoms
// containing both) >= 2 w_ij) and the slack between two S-blossoms is
// always even.
//
// Endpoints: edge k has endpoints 2k (its U) and 2k+1 (its V); p^1 is the
// other end. Blossoms are numbered n..2n-1, vertices 0..n-1 are trivial
// blossoms.
type solver struct {
	// n, shift; e: edges, ends and shifted weights together (one cache
	// line); adjStart, adj: CSR adjacency, v's edges are
	// adj[adjStart[v]:adjStart[v+1]] (see half).
	Problem
	ownsGraph bool // the Problem's arrays are the solver's own: addEdges may reuse them

	mate      []int32 // mate[v]: remote endpoint of v's matched edge, or -1
	label     []int8  // 0 free, 1 S, 2 T, 5 S being scanned; -1 unused blossom
	labelEnd  []int32 // endpoint through which the label was reached, or -1
	inBlossom []int32 // top-level blossom containing vertex v
	parent    []int32 // immediate parent blossom, or -1
	childs    [][]int32
	base      []int32
	endps     [][]int32 // endps[b][i]: endpoint joining childs[b][i] to childs[b][i+1]
	bestEdge  []int32   // least-slack edge to a different S-blossom, or -1
	// bestKey[x] is the heap key bestEdge[x] was listed with: slack + tot
	// for a free vertex (h2), slack + 2·tot for an S-blossom (h3). It is a
	// lower bound of that key for every edge from x to an S-blossom, even
	// once bestEdge[x] has led into a released tree (its far end no longer
	// S: such keys stop holding, others keep theirs): a new edge is listed
	// only below it, and a stale bestEdge is recomputed only when its
	// entry reaches the top of its heap, not when a scan meets it.
	bestKey       []int64
	blossomBest   [][]int32 // for S-blossoms: least-slack edges to other S-blossoms
	unused        []int32
	dual          []int64
	allowed       []bool
	queue         []int32
	leafBuf       []int32
	hiB           int     // blossom numbers in use are below hiB
	dirty         []bool  // vertex whose dual decreased during run
	dirtyB        []bool  // blossom whose dual decreased during run
	inForest      []bool  // vertex listed in forest this stage
	forest        []int32 // vertices labelled or given a bestEdge this stage
	bestTo        []int32 // scratch for addBlossom, all -1 between uses
	bestToSlack   []int64 // scratch for addBlossom: the slack of bestTo
	touchedBestTo []int32
	// Lazy duals: the dual changes of a stage add up in tot; an S-vertex's
	// dual is dual[v] - (tot - vo[v]), a T-vertex's dual[v] + (tot - vo[v]),
	// an S-blossom's dual[b] + (tot - bo[b]), a T-blossom's dual[b] - (tot -
	// bo[b]); fix and fixB store the current value before a label changes.
	tot    int64
	vo, bo []int64
	// Heaps of the four kinds of dual change, with stale entries skipped
	// when they reach the top (see nextDelta).
	h1, h2, h3, h4 minHeap
	// sEpoch[v] counts the times v became an S-vertex; bestEpoch[x] is the
	// count of the far end of bestEdge[x] when it was chosen. A least-slack
	// edge whose far end stopped being S since (a released tree) no longer
	// bounds the vertex's other edges, even if that end is S again.
	sEpoch    []int32
	bestEpoch []int32
	root      []int32   // root vertex of the tree holding vertex v this stage, or -1
	members   [][]int32 // members[r]: the vertices given root r this stage
	freed     []int32   // scratch: vertices of the trees just released
}

// sedge is an edge of the solver: its ends and its shifted, doubled weight.
type sedge struct {
	u, v int32
	w    int64
}

func newSolver(n int, es []Edge, shift int64) *solver {
	p := &Problem{n: n, shift: shift}
	p.addEdges(es, false)
	s := newSolverOn(p)
	s.ownsGraph = true
	return s
}

// newSolverOn returns a solver on p's graph, which it shares (addEdges
// copies before growing it).
func newSolverOn(p *Problem) *solver {
	n := p.n
	s := &solver{Problem: *p}
	s.allowed = make([]bool, len(s.e))
	var maxw int64
	for _, e := range s.e {
		maxw = max(maxw, e.w)
	}
	s.mate = make([]int32, n)
	s.label = make([]int8, 2*n)
	s.labelEnd = make([]int32, 2*n)
	s.inBlossom = make([]int32, n)
	s.parent = make([]int32, 2*n)
	s.childs = make([][]int32, 2*n)
	s.base = make([]int32, 2*n)
	s.endps = make([][]int32, 2*n)
	s.bestEdge = make([]int32, 2*n)
	s.bestKey = make([]int64, 2*n)
	s.blossomBest = make([][]int32, 2*n)
	s.dual = make([]int64, 2*n)
	s.bestTo = make([]int32, 2*n)
	s.bestToSlack = make([]int64, 2*n)
	s.dirty = make([]bool, n)
	s.dirtyB = make([]bool, 2*n)
	s.inForest = make([]bool, n)
	s.root = make([]int32, n)
	s.vo = make([]int64, n)
	s.sEpoch = make([]int32, n)
	s.bestEpoch = make([]int32, 2*n)
	s.bo = make([]int64, 2*n)
	s.members = make([][]int32, n)
	// The heaps grow to about n entries, the free-edge heap to a fraction
	// of the edges: sized once rather than by doubling.
	s.h1, s.h2, s.h3 = make(minHeap, 0, n), make(minHeap, 0, max(2*n, len(s.e)/2)), make(minHeap, 0, n)
	for v := 0; v < n; v++ {
		s.root[v] = -1
		s.mate[v] = -1
		s.inBlossom[v] = int32(v)
		s.base[v] = int32(v)
		s.dual[v] = maxw
	}
	for b := 0; b < 2*n; b++ {
		s.parent[b] = -1
		s.labelEnd[b] = -1
		s.bestEdge[b] = -1
		s.bestTo[b] = -1
		if b >= n {
			s.base[b] = -1
		}
	}
	for b := 2*n - 1; b >= n; b-- {
		s.unused = append(s.unused, int32(b))
	}
	return s
}

// addEdges appends edges (original weights, shifted and doubled here) and
// rebuilds the adjacency; existing edge numbers are kept.
func (s *solver) addEdges(es []Edge) {
	s.Problem.addEdges(es, s.ownsGraph)
	s.allowed = append(s.allowed, make([]bool, len(es))...)
}

// addEdges appends edges to the layout; in new arrays unless reuse (a
// Problem's arrays may be shared by a solver).
func (s *Problem) addEdges(es []Edge, reuse bool) {
	if !reuse {
		s.e = slices.Clip(s.e)
		s.adjStart, s.adj = nil, nil
	}
	s.e = slices.Grow(s.e, len(es))
	for _, e := range es {
		s.e = append(s.e, sedge{u: int32(e.U), v: int32(e.V), w: 2 * (e.W + s.shift)})
	}
	n, m := s.n, len(s.e)
	s.adjStart = slices.Grow(s.adjStart[:0], n+1)[:n+1]
	clear(s.adjStart)
	for k := 0; k < m; k++ {
		s.adjStart[s.e[k].u+1]++
		s.adjStart[s.e[k].v+1]++
	}
	for v := 0; v < n; v++ {
		s.adjStart[v+1] += s.adjStart[v]
	}
	s.adj = slices.Grow(s.adj[:0], 2*m)[:2*m]
	fill := slices.Clone(s.adjStart[:n])
	for k, e := range s.e {
		s.adj[fill[e.u]] = half{to: e.v, p: int32(2*k + 1), w: e.w}
		fill[e.u]++
		s.adj[fill[e.v]] = half{to: e.u, p: int32(2 * k), w: e.w}
		fill[e.v]++
	}
}

func (s *solver) endpoint(p int32) int32 {
	if p&1 == 0 {
		return s.e[p>>1].u
	}
	return s.e[p>>1].v
}

func (s *solver) slack(k int32) int64 {
	return s.y(s.e[k].u) + s.y(s.e[k].v) - 2*s.e[k].w
}

// y is vertex v's dual now (see tot).
func (s *solver) y(v int32) int64 {
	return s.yIn(v, s.inBlossom[v])
}

// yIn is vertex v's dual now, b its top-level blossom.
func (s *solver) yIn(v, b int32) int64 {
	switch s.label[b] {
	case 1, 5:
		return s.dual[v] - (s.tot - s.vo[v])
	case 2:
		return s.dual[v] + (s.tot - s.vo[v])
	}
	return s.dual[v]
}

// fix stores v's current dual, before its blossom's label changes.
func (s *solver) fix(v int32) {
	y := s.y(v)
	if y < s.dual[v] {
		s.dirty[v] = true
	}
	s.dual[v], s.vo[v] = y, s.tot
}

// z is blossom b's dual now.
func (s *solver) z(b int32) int64 {
	if s.parent[b] == -1 {
		switch s.label[b] {
		case 1, 5:
			return s.dual[b] + (s.tot - s.bo[b])
		case 2:
			return s.dual[b] - (s.tot - s.bo[b])
		}
	}
	return s.dual[b]
}

// fixB stores b's current dual, before its label or its parent changes.
func (s *solver) fixB(b int32) {
	if int(b) < s.n {
		return
	}
	z := s.z(b)
	if z < s.dual[b] {
		s.dirtyB[b] = true
	}
	s.dual[b], s.bo[b] = z, s.tot
}

// leaves appends the vertices of blossom b to dst.
func (s *solver) leaves(b int32, dst []int32) []int32 {
	if int(b) < s.n {
		return append(dst, b)
	}
	for _, t := range s.childs[b] {
		if int(t) < s.n {
			dst = append(dst, t)
		} else {
			dst = s.leaves(t, dst)
		}
	}
	return dst
}

// enter lists vertex v in the forest of the current stage: the dual
// changes of run visit these vertices only, not all n.
func (s *solver) enter(v int32) {
	if !s.inForest[v] {
		s.inForest[v] = true
		s.forest = append(s.forest, v)
	}
}

func (s *solver) assignLabel(w int32, t int8, p int32) {
	r := w
	if p != -1 {
		r = s.root[s.endpoint(p)]
	}
	for {
		b := s.inBlossom[w]
		start := len(s.queue)
		s.queue = s.leaves(b, s.queue)
		for _, v := range s.queue[start:] {
			s.fix(v)
		}
		s.fixB(b)
		s.label[w], s.label[b] = t, t
		s.labelEnd[w], s.labelEnd[b] = p, p
		s.bestEdge[w], s.bestEdge[b] = -1, -1
		for _, v := range s.queue[start:] {
			s.enter(v)
			if s.root[v] != r {
				s.root[v] = r
				s.members[r] = append(s.members[r], v)
			}
			if t == 1 {
				s.sEpoch[v]++
				s.h1.push(s.dual[v]+s.tot, v, -1)
			}
		}
		if t == 1 {
			return
		}
		if int(b) >= s.n {
			s.h4.push(s.dual[b]+s.tot, b, -1)
		}
		s.queue = s.queue[:start] // T vertices are listed, not scanned
		// T: label the mate of the base S
		mb := s.mate[s.base[b]]
		w, t, p = s.endpoint(mb), 1, mb^1
	}
}

// scanBlossom traces back from v and w to find a new blossom's base, or -1
// when the two trees differ (an augmenting path).
func (s *solver) scanBlossom(v, w int32) int32 {
	path := s.leafBuf[:0]
	base := int32(-1)
	for v != -1 || w != -1 {
		b := s.inBlossom[v]
		if s.label[b]&4 != 0 {
			base = s.base[b]
			break
		}
		path = append(path, b)
		s.label[b] = 5
		if s.labelEnd[b] == -1 {
			v = -1
		} else {
			v = s.endpoint(s.labelEnd[b])
			b = s.inBlossom[v]
			v = s.endpoint(s.labelEnd[b])
		}
		if w != -1 {
			v, w = w, v
		}
	}
	for _, b := range path {
		s.label[b] = 1
	}
	s.leafBuf = path[:0]
	return base
}

func (s *solver) addBlossom(bs int32, k int32) {
	v, w := s.e[k].u, s.e[k].v
	bb := s.inBlossom[bs]
	bv := s.inBlossom[v]
	bw := s.inBlossom[w]
	b := s.unused[len(s.unused)-1]
	s.unused = s.unused[:len(s.unused)-1]
	s.hiB = max(s.hiB, int(b)+1)
	s.base[b] = bs
	s.parent[b] = -1
	s.parent[bb] = b
	path := s.childs[b][:0]
	endps := s.endps[b][:0]
	for bv != bb {
		s.parent[bv] = b
		path = append(path, bv)
		endps = append(endps, s.labelEnd[bv])
		v = s.endpoint(s.labelEnd[bv])
		bv = s.inBlossom[v]
	}
	path = append(path, bb)
	slices.Reverse(path)
	slices.Reverse(endps)
	endps = append(endps, 2*k)
	for bw != bb {
		s.parent[bw] = b
		path = append(path, bw)
		endps = append(endps, s.labelEnd[bw]^1)
		w = s.endpoint(s.labelEnd[bw])
		bw = s.inBlossom[w]
	}
	s.childs[b] = path
	s.endps[b] = endps
	leaves := s.leaves(b, s.leafBuf[:0])
	for _, v := range leaves {
		s.fix(v)
	}
	for _, c := range path {
		s.parent[c] = -1 // fixB reads the dual of a top-level blossom
		s.fixB(c)
		s.parent[c] = b
	}
	s.label[b] = 1
	s.labelEnd[b] = s.labelEnd[bb]
	s.dual[b], s.bo[b] = 0, s.tot
	for _, v := range leaves {
		if s.label[s.inBlossom[v]] == 2 {
			s.queue = append(s.queue, v)
			s.sEpoch[v]++
			s.h1.push(s.dual[v]+s.tot, v, -1)
		}
		s.inBlossom[v] = b
	}
	// least-slack edges from the new blossom to each other S-blossom
	touched := s.touchedBestTo[:0]
	// consider edge k, of slack sl, from the new blossom to vertex j
	consider := func(k, j int32, sl int64) {
		bj := s.inBlossom[j]
		if bj != b && s.label[bj] == 1 {
			if s.bestTo[bj] == -1 {
				touched = append(touched, bj)
				s.bestTo[bj], s.bestToSlack[bj] = k, sl
			} else if sl < s.bestToSlack[bj] {
				s.bestTo[bj], s.bestToSlack[bj] = k, sl
			}
		}
	}
	for _, cb := range path {
		if s.blossomBest[cb] == nil {
			leaves = s.leaves(cb, leaves[:0])
			for _, v := range leaves {
				// both ends S: an S-vertex j's dual is dual[j] - tot + vo[j]
				base := s.y(v) - s.tot
				for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
					j := h.to
					if bj := s.inBlossom[j]; bj != b && s.label[bj] == 1 {
						consider(h.p>>1, j, base+s.dual[j]+s.vo[j]-2*h.w)
					}
				}
			}
		} else {
			for _, k := range s.blossomBest[cb] {
				j := s.e[k].v
				if s.inBlossom[j] == b {
					j = s.e[k].u
				}
				consider(k, j, s.slack(k))
			}
		}
		s.blossomBest[cb] = nil
		s.bestEdge[cb] = -1
	}
	s.leafBuf = leaves[:0]
	best := s.blossomBest[b][:0]
	if best == nil {
		best = make([]int32, 0, len(touched))
	}
	s.bestEdge[b] = -1
	var bestSlack int64
	for _, bj := range touched {
		k, sl := s.bestTo[bj], s.bestToSlack[bj]
		s.bestTo[bj] = -1
		best = append(best, k)
		if s.bestEdge[b] == -1 || sl < bestSlack {
			bestSlack = sl
			s.setBest(b, k)
		}
	}
	s.blossomBest[b] = best
	s.touchedBestTo = touched[:0]
	s.pushBest(b)
}

func (s *solver) expandBlossom(b int32, endStage bool) {
	leaves := s.leaves(b, s.leafBuf[:0])
	for _, v := range leaves {
		s.fix(v)
	}
	s.leafBuf = leaves[:0]
	s.fixB(b)
	if s.dirtyB[b] {
		s.markDirty(b)
	}
	for _, c := range s.childs[b] {
		s.bo[c] = s.tot // frozen inside b: its stored dual is current
		s.parent[c] = -1
		switch {
		case int(c) < s.n:
			s.inBlossom[c] = c
		case endStage && s.dual[c] == 0:
			s.expandBlossom(c, endStage)
		default:
			leaves := s.leaves(c, s.leafBuf[:0])
			for _, v := range leaves {
				s.inBlossom[v] = c
			}
			s.leafBuf = leaves[:0]
		}
	}
	if !endStage && s.label[b] == 2 {
		childs, endps := s.childs[b], s.endps[b]
		nc := len(childs)
		at := func(j int) int32 { return childs[(j%nc+nc)%nc] }
		ep := func(j int) int32 { return endps[(j%nc+nc)%nc] }
		entry := s.inBlossom[s.endpoint(s.labelEnd[b]^1)]
		j, jstep, trick := evenWay(slices.Index(childs, entry), nc)
		p := s.labelEnd[b]
		for j != 0 {
			s.label[s.endpoint(p^1)] = 0
			s.label[s.endpoint(ep(j-int(trick))^trick^1)] = 0
			s.assignLabel(s.endpoint(p^1), 2, p)
			s.allowed[ep(j-int(trick))>>1] = true
			j += jstep
			p = ep(j-int(trick)) ^ trick
			s.allowed[p>>1] = true
			j += jstep
		}
		bv := at(j)
		s.label[s.endpoint(p^1)], s.label[bv] = 2, 2
		s.labelEnd[s.endpoint(p^1)], s.labelEnd[bv] = p, p
		s.bestEdge[bv] = -1
		if int(bv) >= s.n {
			s.h4.push(s.dual[bv]+s.tot, bv, -1)
		}
		j += jstep
		for at(j) != entry {
			bv := at(j)
			if s.label[bv] == 1 {
				j += jstep
				continue
			}
			leaves := s.leaves(bv, s.leafBuf[:0])
			found := int32(-1)
			for _, v := range leaves {
				if s.label[v] != 0 {
					found = v
					break
				}
			}
			s.leafBuf = leaves[:0]
			if found >= 0 {
				s.label[found] = 0
				s.label[s.endpoint(s.mate[s.base[bv]])] = 0
				s.assignLabel(found, 2, s.labelEnd[found])
			}
			j += jstep
		}
	}
	if !endStage {
		// children left free: their vertices' least-slack edges count now
		for _, c := range s.childs[b] {
			if s.label[c] != 0 {
				continue
			}
			leaves := s.leaves(c, s.leafBuf[:0])
			s.leafBuf = nil
			for _, v := range leaves {
				if s.bestEdge[v] != -1 {
					s.recomputeFree(v)
				}
			}
			s.leafBuf = leaves[:0]
		}
	}
	s.label[b], s.labelEnd[b] = -1, -1
	s.childs[b] = s.childs[b][:0]
	s.endps[b] = s.endps[b][:0]
	s.base[b] = -1
	s.blossomBest[b] = nil
	s.bestEdge[b] = -1
	s.unused = append(s.unused, b)
}

// markDirty records that the duals of b's leaves' pairs may have decreased.
func (s *solver) markDirty(b int32) {
	s.dirtyB[b] = false
	leaves := s.leaves(b, s.leafBuf[:0])
	for _, v := range leaves {
		s.dirty[v] = true
	}
	s.leafBuf = leaves[:0]
}

// evenWay chooses the direction round a blossom of nc children from child
// j back to its base (child 0) along an even number of steps: forwards
// from j-nc when j is odd, backwards otherwise. trick selects which end of
// the connecting endpoints to follow.
func evenWay(j, nc int) (start, step int, trick int32) {
	if j&1 != 0 {
		return j - nc, 1, 0
	}
	return j, -1, 1
}

// augmentBlossom swaps matched and unmatched edges along the even path
// from v to the base of b, and makes v the new base.
func (s *solver) augmentBlossom(b, v int32) {
	t := v
	for s.parent[t] != b {
		t = s.parent[t]
	}
	if int(t) >= s.n {
		s.augmentBlossom(t, v)
	}
	childs, endps := s.childs[b], s.endps[b]
	nc := len(childs)
	idx := func(j int) int { return (j%nc + nc) % nc }
	i := slices.Index(childs, t)
	j, jstep, trick := evenWay(i, nc)
	for j != 0 {
		j += jstep
		t = childs[idx(j)]
		p := endps[idx(j-int(trick))] ^ trick
		if int(t) >= s.n {
			s.augmentBlossom(t, s.endpoint(p))
		}
		j += jstep
		t = childs[idx(j)]
		if int(t) >= s.n {
			s.augmentBlossom(t, s.endpoint(p^1))
		}
		s.mate[s.endpoint(p)] = p ^ 1
		s.mate[s.endpoint(p^1)] = p
	}
	// rotate so that the child holding v comes first
	slices.Reverse(childs[:i])
	slices.Reverse(childs[i:])
	slices.Reverse(childs)
	slices.Reverse(endps[:i])
	slices.Reverse(endps[i:])
	slices.Reverse(endps)
	s.base[b] = s.base[childs[0]]
}

// augmentMatching augments along the path through edge k: each end is an
// S-vertex, whose alternating path to its tree's root is flipped, or an
// unlabelled exposed vertex (with a zero dual), which is simply matched.
func (s *solver) augmentMatching(k int32) {
	for side := 0; side < 2; side++ {
		var sv, p int32
		if side == 0 {
			sv, p = s.e[k].u, 2*k+1
		} else {
			sv, p = s.e[k].v, 2*k
		}
		if bs := s.inBlossom[sv]; s.label[bs] == 0 {
			if int(bs) >= s.n {
				s.augmentBlossom(bs, sv)
			}
			s.mate[sv] = p
			continue
		}
		s.flipToRoot(sv, p)
	}
}

// flipToRoot matches S-vertex sv through endpoint p (-1: leaves it exposed)
// and flips the alternating path from sv up to its tree's root, which ends
// matched.
func (s *solver) flipToRoot(sv, p int32) {
	for {
		bs := s.inBlossom[sv]
		if int(bs) >= s.n {
			s.augmentBlossom(bs, sv)
		}
		s.mate[sv] = p
		if s.labelEnd[bs] == -1 {
			return
		}
		t := s.endpoint(s.labelEnd[bs])
		bt := s.inBlossom[t]
		sv = s.endpoint(s.labelEnd[bt])
		j := s.endpoint(s.labelEnd[bt] ^ 1)
		if int(bt) >= s.n {
			s.augmentBlossom(bt, j)
		}
		s.mate[j] = s.labelEnd[bt]
		p = s.labelEnd[bt] ^ 1
	}
}

// greedyStart sets feasible duals and a matching of tight edges to start
// from: each vertex's dual is first its heaviest incident weight; then,
// heaviest first, each exposed vertex lowers its dual to the least feasible
// value and takes the best exposed neighbour its edge to is then tight.
// Exposed vertices keep different duals: run handles that.
func (s *solver) greedyStart() {
	n := s.n
	order := make([]int32, 0, n)
	for v := 0; v < n; v++ {
		var y int64
		for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
			y = max(y, h.w)
		}
		s.dual[v] = y
		order = append(order, int32(v))
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case s.dual[a] > s.dual[b]:
			return -1
		case s.dual[a] < s.dual[b]:
			return 1
		}
		return int(a - b)
	})
	for _, v := range order {
		if s.mate[v] != -1 {
			continue
		}
		adj := s.adj[s.adjStart[v]:s.adjStart[v+1]]
		var y int64
		for _, h := range adj {
			y = max(y, 2*h.w-s.dual[h.to])
		}
		s.dual[v] = y
		best := -1
		for i, h := range adj {
			u := h.to
			if s.mate[u] != -1 || y+s.dual[u] != 2*h.w {
				continue
			}
			if best == -1 || h.w > adj[best].w || h.w == adj[best].w && u < adj[best].to {
				best = i
			}
		}
		if best != -1 {
			h := adj[best]
			s.mate[v] = h.p
			s.mate[h.to] = h.p ^ 1
		}
	}
	// short augmenting paths of tight edges: v - u = u' - x, v and x exposed
	for _, v := range order {
		if s.mate[v] == -1 && s.dual[v] > 0 {
			s.augmentShort(v)
		}
	}
}

// augmentShort looks for a tight path v - u = u' - x from exposed v to
// another exposed x through one matched edge, and flips it.
func (s *solver) augmentShort(v int32) {
	for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
		u := h.to
		if s.dual[v]+s.dual[u] != 2*h.w || s.mate[u] == -1 {
			continue
		}
		u2 := s.endpoint(s.mate[u])
		for _, g := range s.adj[s.adjStart[u2]:s.adjStart[u2+1]] {
			x := g.to
			if x == v || s.mate[x] != -1 || s.dual[u2]+s.dual[x] != 2*g.w {
				continue
			}
			s.mate[v], s.mate[u] = h.p, h.p^1
			s.mate[u2], s.mate[x] = g.p, g.p^1
			return
		}
	}
}

// run computes a maximum weight matching of the shifted graph, from the
// current duals and matching (feasible duals, matched edges tight).
//
// Unlike mwmatching, exposed vertices may start with different duals (a
// warm start). A stage grows alternating trees from every exposed vertex
// whose dual is positive, and ends with an augmentation or when an S-vertex
// dual reaches zero: that vertex is then made exposed by flipping the path
// to its root, which gets matched. Exposed vertices with a zero dual are
// optimal as they are but can still be reached: an S-vertex reaching one
// through a tight edge augments to it. Every stage removes at least one
// exposed vertex with a positive dual, and none is created, so the stages
// are at most n; at the end every exposed vertex has a zero dual.
//
// Parity: weights are doubled and the starting duals even, so all the roots
// of a stage share a parity, as does every tree vertex with its root (tree
// edges are tight): the slack between two S-blossoms is even.
func (s *solver) run() error {
	n := s.n
	for stage := 0; ; stage++ {
		if stage > n+1 {
			return fmt.Errorf("internal error: no progress after %d stages", stage)
		}
		// reset what the last stage labelled: its forest and the blossoms
		for _, v := range s.forest {
			s.label[v], s.bestEdge[v], s.inForest[v] = 0, -1, false
			s.root[v] = -1
			s.members[v] = s.members[v][:0]
		}
		s.forest = s.forest[:0]
		for b := n; b < s.hiB; b++ {
			s.label[b], s.bestEdge[b], s.blossomBest[b] = 0, -1, nil
		}
		clear(s.allowed)
		s.queue = s.queue[:0]
		s.h1, s.h2, s.h3, s.h4 = s.h1[:0], s.h2[:0], s.h3[:0], s.h4[:0]
		roots := 0
		for v := 0; v < n; v++ {
			if s.mate[v] == -1 && s.dual[v] > 0 && s.label[s.inBlossom[v]] == 0 {
				s.assignLabel(int32(v), 1, -1)
				roots++
			}
		}
		if roots == 0 {
			for b := n; b < 2*n; b++ {
				if s.dirtyB[b] {
					s.markDirty(int32(b))
				}
			}
			return nil
		}
		for {
			for len(s.queue) > 0 {
				v := s.queue[len(s.queue)-1]
				s.queue = s.queue[:len(s.queue)-1]
				if s.label[s.inBlossom[v]] != 1 {
					continue // its tree was released
				}
				released := false
				yv := s.y(v) // the same all along: tot does not move here
				for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
					p, w := h.p, h.to
					k := p >> 1
					bw := s.inBlossom[w]
					if s.inBlossom[v] == bw {
						continue
					}
					var kslack int64
					if !s.allowed[k] {
						kslack = yv + s.yIn(w, bw) - 2*h.w
						if kslack <= 0 {
							s.allowed[k] = true
						}
					}
					switch {
					case s.allowed[k]:
						switch {
						case s.label[bw] == 0 && s.mate[s.base[bw]] == -1:
							// an exposed vertex with a zero dual
							r := s.root[v]
							s.augmentMatching(k)
							s.release(r, -1)
							released = true
						case s.label[bw] == 0:
							s.assignLabel(w, 2, p^1)
						case s.label[bw] == 1:
							if base := s.scanBlossom(v, w); base >= 0 {
								s.addBlossom(base, k)
							} else {
								r1, r2 := s.root[v], s.root[w]
								s.augmentMatching(k)
								s.release(r1, r2)
								released = true
							}
						case s.label[w] == 0:
							s.label[w] = 2
							s.labelEnd[w] = p ^ 1
						}
					case s.label[bw] == 1:
						// keys: see solver.bestKey
						b := s.inBlossom[v]
						if key := kslack + 2*s.tot; s.bestEdge[b] == -1 || key < s.bestKey[b] {
							s.bestEdge[b], s.bestEpoch[b] = k, s.sEpoch[w] // as setBest
							s.bestKey[b] = key
							s.h3.push(key, b, k)
						}
					case s.label[w] == 0:
						if key := kslack + s.tot; s.bestEdge[w] == -1 || key < s.bestKey[w] {
							s.bestEdge[w], s.bestEpoch[w] = k, s.sEpoch[v] // as setBest
							s.bestKey[w] = key
							s.enter(w)
							s.h2.push(key, w, k)
						}
					}
					if released {
						break
					}
				}
			}
			// choose the dual change: an S-vertex dual reaching zero, an
			// edge becoming tight, a T-blossom dual reaching zero; each kind
			// from its heap
			deltaVertex, deltaEdge, deltaBlossom := s.minS(), int32(-1), int32(-1)
			if deltaVertex == -1 {
				break // every tree of the stage was released
			}
			deltaType, delta := 1, s.y(deltaVertex)
			if e2, d2 := s.minFreeEdge(); e2 != -1 && d2 < delta {
				deltaType, delta, deltaEdge = 2, d2, e2
			}
			if e3, d3 := s.minSEdge(); e3 != -1 {
				if d3&1 != 0 {
					return fmt.Errorf("internal error: odd slack %d between S-blossoms", d3)
				}
				if d3/2 < delta {
					deltaType, delta, deltaEdge = 3, d3/2, e3
				}
			}
			if b4, d4 := s.minT(); b4 != -1 && d4 < delta {
				deltaType, delta, deltaBlossom = 4, d4, b4
			}
			if delta < 0 {
				return fmt.Errorf("internal error: negative dual change %d", delta)
			}
			s.tot += delta
			switch deltaType {
			case 1:
				// an S-vertex is done: make it the exposed one
				r := s.root[deltaVertex]
				s.flipToRoot(deltaVertex, -1)
				s.release(r, -1)
			case 2:
				s.allowed[deltaEdge] = true
				i := s.e[deltaEdge].u
				if s.label[s.inBlossom[i]] == 0 {
					i = s.e[deltaEdge].v
				}
				s.queue = append(s.queue, i)
			case 3:
				s.allowed[deltaEdge] = true
				s.queue = append(s.queue, s.e[deltaEdge].u)
			case 4:
				s.expandBlossom(deltaBlossom, false)
			}
		}
		for b := n; b < s.hiB; b++ {
			if s.parent[b] == -1 && s.base[b] >= 0 && s.label[b] == 1 && s.dual[b] == 0 {
				s.expandBlossom(int32(b), true)
			}
		}
	}
}

// release ends the trees rooted at r1 and r2 (-1: none) after an
// augmentation or a root flip, without ending the stage: their vertices and
// blossoms become free (S-blossoms with a zero dual are expanded, as at the
// end of a stage) and the other trees go on growing with the same duals.
// Their edges are no longer known to be tight. The released vertices get
// their least-slack edges to the remaining S-blossoms; those of other free
// vertices and S-blossoms that pointed into the released trees are
// recomputed when their heap entries come up (see solver.bestKey), since
// their keys still bound the edges they stood for.
//
// This is what lets one stage serve every augmentation (LEMON and Blossom V
// keep their trees the same way): restarting the whole forest after each
// augmentation cost O(m) per exposed vertex.
func (s *solver) release(r1, r2 int32) {
	freed := s.freed[:0]
	for _, r := range [2]int32{r1, r2} {
		if r < 0 {
			continue
		}
		for _, v := range s.members[r] {
			if s.root[v] == r {
				s.root[v] = -1
				freed = append(freed, v)
			}
		}
		s.members[r] = s.members[r][:0]
	}
	for _, v := range freed {
		s.fix(v)
		s.fixB(s.inBlossom[v])
	}
	for _, v := range freed {
		if b := s.inBlossom[v]; int(b) >= s.n && s.label[b] == 1 && s.dual[b] == 0 {
			s.expandBlossom(b, true)
		}
	}
	for _, v := range freed {
		// every blossom holding v: one formed this stage keeps its
		// children's labels of the time, which an expansion would reuse
		for b := s.parent[v]; b != -1; b = s.parent[b] {
			s.label[b], s.labelEnd[b], s.bestEdge[b] = 0, -1, -1
			s.blossomBest[b] = nil
		}
		s.label[v], s.labelEnd[v], s.bestEdge[v] = 0, -1, -1
	}
	// One pass over the freed vertices' edges: forget the known tight
	// edges (they stay tight only between an S- and a T-vertex of one
	// tree), mend the marks inside T-blossoms of other trees (below), and
	// give each freed vertex its least-slack edge to the remaining
	// S-blossoms (as recomputeFree). Least-slack edges of other vertices
	// that led into the released trees are recomputed when they reach the
	// top of their heap (see bestKey).
	for _, v := range freed {
		best, bs := int32(-1), int64(0)
		base := s.dual[v] - s.tot // v is free; an S-vertex w's dual is dual[w] - tot + vo[w]
		for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
			p, w := h.p, h.to
			k := p >> 1
			s.allowed[k] = false
			bw := s.inBlossom[w]
			switch s.label[bw] {
			case 1:
				if sl := base + s.dual[w] + s.vo[w] - 2*h.w; best == -1 || sl < bs {
					best, bs = k, sl
				}
			case 2:
				// w inside a T-blossom of another tree: its mark (the
				// S-vertex to relabel it from when the blossom expands)
				// must not lead into a released tree.
				if bw != w && s.label[w] == 2 && s.labelEnd[w] == p^1 {
					s.label[w], s.labelEnd[w] = 0, -1
					s.remark(w)
				}
			}
		}
		s.setFreeBest(v, best, bs)
	}
	s.freed = freed[:0]
}

// remark marks w, inside a T-blossom, as reached from an S-vertex through a
// tight edge, if there is one, as scanning that S-vertex would have.
func (s *solver) remark(w int32) {
	bw := s.inBlossom[w]
	for _, h := range s.adj[s.adjStart[w]:s.adjStart[w+1]] {
		bu := s.inBlossom[h.to]
		if bu != bw && s.label[bu] == 1 && s.slack(h.p>>1) <= 0 {
			s.label[w], s.labelEnd[w] = 2, h.p
			s.allowed[h.p>>1] = true
			return
		}
	}
}

// recomputeFree sets free vertex v's least-slack edge to an S-blossom.
// v's top-level blossom is free: its dual is the stored one, and no edge
// to an S-blossom stays inside it.
func (s *solver) recomputeFree(v int32) {
	best, bs := int32(-1), int64(0)
	// an S-vertex w's dual is dual[w] - tot + vo[w]
	base := s.dual[v] - s.tot
	for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
		w := h.to
		if s.label[s.inBlossom[w]] != 1 {
			continue
		}
		if sl := base + s.dual[w] + s.vo[w] - 2*h.w; best == -1 || sl < bs {
			best, bs = h.p>>1, sl
		}
	}
	s.setFreeBest(v, best, bs)
}

// setFreeBest makes k (or none: -1), of slack sl, free vertex v's
// least-slack edge to an S-blossom, and lists it in h2.
func (s *solver) setFreeBest(v, k int32, sl int64) {
	s.bestEdge[v] = k
	if k != -1 {
		s.setBest(v, k)
		s.bestKey[v] = sl + s.tot
		s.enter(v)
		s.h2.push(sl+s.tot, v, k)
	}
}

// recomputeBest sets S-blossom b's least-slack edge to another S-blossom,
// from the edges of all its vertices.
func (s *solver) recomputeBest(b int32) {
	best, bs := int32(-1), int64(0)
	leaves := s.leaves(b, s.leafBuf[:0])
	for _, v := range leaves {
		// both ends S: the slack is dual[v] + dual[w] - 2·(tot - vo) - 2w
		base := s.dual[v] + s.vo[v] - 2*s.tot
		for _, h := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
			w := h.to
			bw := s.inBlossom[w]
			if bw == b || s.label[bw] != 1 {
				continue
			}
			if sl := base + s.dual[w] + s.vo[w] - 2*h.w; best == -1 || sl < bs {
				best, bs = h.p>>1, sl
			}
		}
	}
	s.leafBuf = leaves[:0]
	s.bestEdge[b] = best
	if best != -1 {
		s.setBest(b, best)
	}
	s.pushBest(b)
}

// toS reports whether edge k, from vertex or blossom x, leads to an
// S-blossom other than x's. A least-slack edge that no longer does (it led
// into a released tree) is no baseline for a new edge: its slack stopped
// falling with the others', so the vertex's edges are looked at again.
func (s *solver) toS(x, k int32) bool {
	o := s.farEnd(x, k)
	bo := s.inBlossom[o]
	return bo != s.top(x) && s.label[bo] == 1 && s.sEpoch[o] == s.bestEpoch[x]
}

// top is x's top-level blossom: x itself for a blossom number, the
// blossom holding it for a vertex.
func (s *solver) top(x int32) int32 {
	if int(x) < s.n {
		return s.inBlossom[x]
	}
	return x
}

// farEnd is the end of edge k outside x's top-level blossom.
func (s *solver) farEnd(x, k int32) int32 {
	if s.inBlossom[s.e[k].u] == s.top(x) {
		return s.e[k].v
	}
	return s.e[k].u
}

// setBest makes k the least-slack edge of x (a free vertex, or an
// S-blossom), noting the S-epoch of its far end.
func (s *solver) setBest(x, k int32) {
	s.bestEdge[x] = k
	s.bestEpoch[x] = s.sEpoch[s.farEnd(x, k)]
}

// pushBest lists S-blossom b's least-slack edge in h3.
func (s *solver) pushBest(b int32) {
	if k := s.bestEdge[b]; k != -1 {
		s.bestKey[b] = s.slack(k) + 2*s.tot
		s.h3.push(s.bestKey[b], b, k)
	}
}

// minS returns the S-vertex of least dual, or -1 when no tree is left.
func (s *solver) minS() int32 {
	for len(s.h1) > 0 {
		it := s.h1[0]
		v := it.a
		if l := s.label[s.inBlossom[v]]; l == 1 && s.dual[v]+s.vo[v] == it.key {
			return v
		}
		s.h1.pop()
	}
	return -1
}

// minFreeEdge returns the least-slack edge between a free vertex and an
// S-vertex, and its slack.
func (s *solver) minFreeEdge() (int32, int64) {
	for len(s.h2) > 0 {
		it := s.h2[0]
		v, k := it.a, it.b
		if s.label[s.inBlossom[v]] == 0 && s.bestEdge[v] == k {
			if sl := s.slack(k); s.toS(v, k) && sl+s.tot == it.key {
				return k, sl
			}
			s.h2.pop()
			s.recomputeFree(v)
			continue
		}
		s.h2.pop()
	}
	return -1, 0
}

// minSEdge returns the least-slack edge between two S-blossoms, and its
// slack.
func (s *solver) minSEdge() (int32, int64) {
	for len(s.h3) > 0 {
		it := s.h3[0]
		b, k := it.a, it.b
		top := int(b) < s.n && s.inBlossom[b] == b || int(b) >= s.n && s.parent[b] == -1 && s.base[b] >= 0
		if top && s.label[b] == 1 && s.bestEdge[b] == k {
			if s.toS(b, k) {
				if sl := s.slack(k); sl+2*s.tot == it.key {
					return k, sl
				}
			}
			s.h3.pop()
			s.recomputeBest(b)
			continue
		}
		s.h3.pop()
	}
	return -1, 0
}

// minT returns the top-level T-blossom of least dual, and that dual.
func (s *solver) minT() (int32, int64) {
	for len(s.h4) > 0 {
		it := s.h4[0]
		b := it.a
		if s.parent[b] == -1 && s.base[b] >= 0 && s.label[b] == 2 && s.dual[b]+s.bo[b] == it.key {
			return b, it.key - s.tot
		}
		s.h4.pop()
	}
	return -1, 0
}

// minHeap is a binary heap of (key, a, b), least key first.
type minHeap []heapItem

type heapItem struct {
	key  int64
	a, b int32
}

func (h *minHeap) push(key int64, a, b int32) {
	*h = append(*h, heapItem{key, a, b})
	q := *h
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if q[p].key <= q[i].key {
			break
		}
		q[p], q[i] = q[i], q[p]
		i = p
	}
}

func (h *minHeap) pop() {
	q := *h
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	*h = q
	i := 0
	for {
		l := 2*i + 1
		if l >= len(q) {
			return
		}
		if r := l + 1; r < len(q) && q[r].key < q[l].key {
			l = r
		}
		if q[i].key <= q[l].key {
			return
		}
		q[i], q[l] = q[l], q[i]
		i = l
	}
}

// matching converts the solver's state to a Matching in original weights.
func (s *solver) matching() Matching {
	m := Matching{Mate: make([]int, s.n)}
	for v := 0; v < s.n; v++ {
		m.Mate[v] = -1
		if p := s.mate[v]; p >= 0 {
			u := int(s.endpoint(p))
			m.Mate[v] = u
			if v < u {
				m.Pairs++
				m.Total += s.e[p>>1].w/2 - s.shift
			}
		}
	}
	return m
}
