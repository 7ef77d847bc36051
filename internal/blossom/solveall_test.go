package blossom

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// tableGraph is a complete graph with forbidden pairs, as a weigher.
type tableGraph struct {
	n       int
	w       []int64
	allowed []bool
}

func randomTable(r *rand.Rand, n int, forbidden float64, lo, hi int64) *tableGraph {
	g := &tableGraph{n: n, w: make([]int64, n*n), allowed: make([]bool, n*n)}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if r.Float64() < forbidden {
				continue
			}
			g.allowed[i*n+j] = true
			g.w[i*n+j] = lo + r.Int64N(hi-lo+1)
		}
	}
	return g
}

func (g *tableGraph) weight(i, j int) (int64, bool) {
	if i >= j {
		panic("weigher called with i >= j")
	}
	return g.w[i*g.n+j], g.allowed[i*g.n+j]
}

func (g *tableGraph) edges() []Edge {
	var es []Edge
	for i := 0; i < g.n; i++ {
		for j := i + 1; j < g.n; j++ {
			if g.allowed[i*g.n+j] {
				es = append(es, Edge{U: i, V: j, W: g.w[i*g.n+j]})
			}
		}
	}
	return es
}

// solveAllChecked runs SolveAll, Verify, and compares with Solve on the
// full edge list (and brute force when small).
func solveAllChecked(t *testing.T, g *tableGraph, k int) Result {
	t.Helper()
	d := NewDigest(g.n)
	res, err := SolveAll(g.n, g.weight, Options{K: k, Digest: d})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, g, k, res)
	if err := VerifyDigest(g.n, g.weight, d, res); err != nil {
		t.Fatalf("n=%d k=%d: VerifyDigest with SolveAll's digest: %v", g.n, k, err)
	}
	return res
}

// tee returns row, recording every row it weighs in d.
func (d *Digest) tee(row RowWeigher) RowWeigher {
	return func(i, from, to int, w []int64, ok []bool) {
		row(i, from, to, w, ok)
		d.add(i, from, w[:to-from], ok[:to-from])
	}
}

// digestOf fills a digest from a pass of its own over the pairs.
func digestOf(n int, weight Weigher) *Digest {
	d := NewDigest(n)
	row := d.tee(Rows(weight))
	w, ok := make([]int64, n), make([]bool, n)
	for i := 0; i < n-1; i++ {
		row(i, i+1, n, w[:n-i-1], ok[:n-i-1])
	}
	return d
}

// verifyBoth runs Verify and VerifyDigest (with a digest of its own) and
// fails when they disagree on whether r checks; it returns Verify's error.
func verifyBoth(t *testing.T, n int, weight Weigher, r Result) error {
	t.Helper()
	err := Verify(n, weight, r)
	errD := VerifyDigest(n, weight, digestOf(n, weight), r)
	if (err == nil) != (errD == nil) {
		t.Fatalf("n=%d: Verify says %v, VerifyDigest says %v", n, err, errD)
	}
	return err
}

// checkAll checks a SolveAll result on g: a valid matching, Verify, no
// gap, the same pairs and total as Solve on the full edge list (and brute
// force when small).
func checkAll(t *testing.T, g *tableGraph, k int, res Result) {
	t.Helper()
	es := g.edges()
	checkMatching(t, g.n, es, res.Matching)
	if err := verifyBoth(t, g.n, g.weight, res); err != nil {
		t.Fatalf("n=%d k=%d: Verify: %v", g.n, k, err)
	}
	if res.Certificate.Gap != 0 {
		t.Fatalf("gap %d", res.Certificate.Gap)
	}
	plain, err := Solve(g.n, es)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Pairs != res.Pairs || plain.Total != res.Total {
		t.Fatalf("n=%d k=%d: SolveAll %d pairs total %d, Solve %d pairs total %d",
			g.n, k, res.Pairs, res.Total, plain.Pairs, plain.Total)
	}
	if g.n <= 12 {
		bp, bt := bruteForce(g.n, es)
		if bp != res.Pairs || bt != res.Total {
			t.Fatalf("n=%d: SolveAll %d/%d, brute force %d/%d", g.n, res.Pairs, res.Total, bp, bt)
		}
	}
}

// TestPricingWithListedPairs: pricing reads the weights of the partners
// kept beyond the candidates and bounds every other pair by the last of
// them. Unsound skips would leave a violating pair, which Verify (an
// independent pass over every pair) and the comparison with Solve catch:
// with depth == k (no listed pair beyond the candidates, the bound of the
// K-th candidate) and with deeper lists, on graphs where pricing has work
// to do (tiny K, ties, forbidden pairs, negative weights, odd counts).
func TestPricingWithListedPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	var shallow, deep int64
	for g := 0; g < 300; g++ {
		n := 18 + r.IntN(100)
		tg := randomTable(r, n, []float64{0, 0.3, 0.8}[r.IntN(3)], []int64{-50, 0, -3}[r.IntN(3)], []int64{50, 3, 1000}[r.IntN(3)])
		k := 1 + r.IntN(3)
		for _, depth := range []int{k, k + 2, listDepth} {
			res, err := solveAll(n, tg.weight, nil, k, depth, firstPass{})
			if err != nil {
				t.Fatal(err)
			}
			checkAll(t, tg, k, res)
			switch depth {
			case k:
				shallow += res.Certificate.PricedPairs
			case listDepth:
				deep += res.Certificate.PricedPairs
			}
		}
	}
	// the lists must spare weigher calls, or this test checks nothing new
	if deep >= shallow {
		t.Fatalf("weigher calls in pricing: %d with lists of %d, %d without", deep, listDepth, shallow)
	}
	t.Logf("weigher calls in pricing: %d with lists of %d, %d without", deep, listDepth, shallow)
}

// TestSolveAllSmall: many small graphs with forbidden pairs and tiny K, so
// that the sparse graph often misses the optimum (even its cardinality)
// and pricing must add pairs.
func TestSolveAllSmall(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	added, rounds := 0, 0
	for g := 0; g < 1500; g++ {
		n := r.IntN(30)
		tg := randomTable(r, n, []float64{0, 0.3, 0.7, 0.9}[r.IntN(4)], []int64{-50, 0, -3}[r.IntN(3)], []int64{50, 3, 0}[r.IntN(3)])
		res := solveAllChecked(t, tg, 1+r.IntN(3))
		if g := Greedy(n, tg.weight); !slices.Equal(g.Mate, res.Greedy.Mate) || g.Pairs != res.Greedy.Pairs || g.Total != res.Greedy.Total {
			t.Fatalf("n=%d: Result.Greedy %+v, Greedy %+v", n, res.Greedy, g)
		}
		added += res.Certificate.Added
		if res.Certificate.Rounds > 1 {
			rounds++
		}
	}
	if added == 0 || rounds == 0 {
		t.Fatalf("pricing never added a pair (added %d, re-solved %d times): the test does not exercise it", added, rounds)
	}
	t.Logf("pricing added %d pairs, re-solved in %d graphs", added, rounds)
}

// TestSolveAllCardinalityTrap: each vertex's single best partner is the
// same hub, so the sparse graph alone pairs too few; pricing must find
// the negative pairs that pair everyone.
func TestSolveAllCardinalityTrap(t *testing.T) {
	const n = 8
	g := &tableGraph{n: n, w: make([]int64, n*n), allowed: make([]bool, n*n)}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			g.allowed[i*n+j] = true
			switch {
			case i == 0:
				g.w[i*n+j] = 100 - int64(j)
			default:
				g.w[i*n+j] = -1000 - int64(i+j)
			}
		}
	}
	res := solveAllChecked(t, g, 1)
	if res.Pairs != n/2 {
		t.Fatalf("%d pairs, want %d", res.Pairs, n/2)
	}
}

// TestSolveAllLargeVersusSolve: accelerated against plain on complete
// random graphs of 200 to 400 vertices.
func TestSolveAllLargeVersusSolve(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	sizes := []int{200, 301, 400}
	if testing.Short() {
		sizes = []int{200}
	}
	for _, n := range sizes {
		for _, spec := range []struct {
			forbidden float64
			lo, hi    int64
		}{{0, -1000, 1000}, {0.2, 0, 100000}, {0.05, -5, 5}} {
			tg := randomTable(r, n, spec.forbidden, spec.lo, spec.hi)
			res := solveAllChecked(t, tg, 10)
			c := res.Certificate
			t.Logf("n=%d forbidden=%.2f weights [%d, %d]: rounds %d, candidates %d, added %d, priced %d, skipped %d, blossoms %d",
				n, spec.forbidden, spec.lo, spec.hi, c.Rounds, c.CandidateEdges, c.Added, c.PricedPairs, c.Skipped, len(c.Blossoms))
		}
	}
}

func TestSolveAllEdgeCases(t *testing.T) {
	none := func(i, j int) (int64, bool) { return 0, false }
	for _, n := range []int{0, 1, 2, 7} {
		res, err := SolveAll(n, none, Options{})
		if err != nil || res.Pairs != 0 || len(res.Mate) != n {
			t.Fatalf("n=%d, nothing allowed: %+v, %v", n, res, err)
		}
		if err := Verify(n, none, res); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := SolveAll(-1, none, Options{}); err == nil {
		t.Fatal("negative n accepted")
	}
	// large weights just within the limits: solved, certified, accepted
	r := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{10, 11} {
		solveAllChecked(t, randomTable(r, n, 0.2, -1<<50, 1<<50), 2)
	}
	huge := func(i, j int) (int64, bool) { return int64(i-j) << 55, true }
	if _, err := SolveAll(10, huge, Options{}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("huge weights: %v", err)
	}
}

func TestSolveAllDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	tg := randomTable(r, 120, 0.1, 0, 3) // many ties
	a, _ := SolveAll(tg.n, tg.weight, Options{K: 3})
	b, _ := SolveAll(tg.n, tg.weight, Options{K: 3})
	if !slices.Equal(a.Mate, b.Mate) || a.Certificate.Gap != 0 {
		t.Fatal("two runs differ")
	}
}

// TestVerifyRejectsTampering: Verify passes on a real result and fails on
// every kind of tampered one.
func TestVerifyRejectsTampering(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var tg *tableGraph
	var res Result
	// a graph whose certificate has blossoms, to tamper with them too
	for {
		tg = randomTable(r, 40, 0.5, -20, 20)
		var err error
		res, err = SolveAll(tg.n, tg.weight, Options{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Certificate.Blossoms) > 0 && res.Pairs >= 2 {
			break
		}
	}
	if err := Verify(tg.n, tg.weight, res); err != nil {
		t.Fatalf("real result rejected: %v", err)
	}
	clone := func() Result {
		c := res
		c.Mate = slices.Clone(res.Mate)
		c.Certificate.VertexDual = slices.Clone(res.Certificate.VertexDual)
		c.Certificate.Blossoms = slices.Clone(res.Certificate.Blossoms)
		return c
	}
	var a, b int = -1, -1 // two matched vertices of different pairs
	for v, u := range res.Mate {
		if u > v {
			if a == -1 {
				a = v
			} else if b == -1 {
				b = v
			}
		}
	}
	exposed := slices.Index(res.Mate, -1)
	cases := map[string]func(*Result){
		"flipped mates": func(x *Result) {
			ma, mb := x.Mate[a], x.Mate[b]
			x.Mate[a], x.Mate[mb] = mb, a
			x.Mate[b], x.Mate[ma] = ma, b
		},
		"asymmetric mate":   func(x *Result) { x.Mate[a] = x.Mate[b] },
		"dropped pair":      func(x *Result) { m := x.Mate[a]; x.Mate[a], x.Mate[m] = -1, -1 },
		"wrong total":       func(x *Result) { x.Total++ },
		"wrong pair count":  func(x *Result) { x.Pairs-- },
		"dual raised":       func(x *Result) { x.Certificate.VertexDual[a] += 2 },
		"dual lowered":      func(x *Result) { x.Certificate.VertexDual[a] -= 2; x.Certificate.VertexDual[x.Mate[a]] += 2 - 1 },
		"negative dual":     func(x *Result) { x.Certificate.VertexDual[a] = -1 },
		"blossom dropped":   func(x *Result) { x.Certificate.Blossoms = x.Certificate.Blossoms[1:] },
		"blossom even":      func(x *Result) { b0 := &x.Certificate.Blossoms[0]; b0.Members = b0.Members[1:] },
		"blossom dual":      func(x *Result) { x.Certificate.Blossoms[0].Dual += 2 },
		"shift":             func(x *Result) { x.Certificate.Shift-- },
		"unit":              func(x *Result) { x.Certificate.Unit *= 2 },
		"gap claimed wrong": func(x *Result) { x.Certificate.Gap = 1 },
		"too few duals":     func(x *Result) { x.Certificate.VertexDual = x.Certificate.VertexDual[1:] },
	}
	if exposed >= 0 {
		cases["exposed with a dual"] = func(x *Result) { x.Certificate.VertexDual[exposed] = 2 }
	}
	for name, tamper := range cases {
		x := clone()
		x.Certificate.Blossoms = slices.Clone(x.Certificate.Blossoms)
		for i := range x.Certificate.Blossoms {
			x.Certificate.Blossoms[i].Members = slices.Clone(x.Certificate.Blossoms[i].Members)
		}
		tamper(&x)
		if err := verifyBoth(t, tg.n, tg.weight, x); err == nil {
			t.Errorf("%s: Verify accepted a tampered result", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestVerifyRejectsNonMaximumCardinality: on the path 0-1-2-3 weighing
// -50, 100, -50, the lone middle pair is the maximum weight matching and
// has a valid dual certificate without shift, but pairing everyone comes
// first: Verify must refuse it.
func TestVerifyRejectsNonMaximumCardinality(t *testing.T) {
	w := map[[2]int]int64{{0, 1}: -50, {1, 2}: 100, {2, 3}: -50}
	weight := func(i, j int) (int64, bool) { x, ok := w[[2]int{i, j}]; return x, ok }
	bad := Result{
		Matching:    Matching{Mate: []int{-1, 2, 1, -1}, Pairs: 1, Total: 100},
		Certificate: Certificate{Unit: 2, VertexDual: []int64{0, 100, 100, 0}},
	}
	err := verifyBoth(t, 4, weight, bad)
	if err == nil || !strings.Contains(err.Error(), "cardinality") {
		t.Fatalf("Verify = %v, want a refusal for cardinality", err)
	}
	good, err := SolveAll(4, weight, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(4, weight, good); err != nil || good.Pairs != 2 || good.Total != -100 {
		t.Fatalf("SolveAll = %+v, Verify %v", good.Matching, err)
	}
}

// naiveGreedy sorts every allowed pair, heaviest first, ties to the lower
// indices, and takes what it can.
func naiveGreedy(g *tableGraph) Matching {
	es := g.edges()
	slices.SortStableFunc(es, func(a, b Edge) int {
		switch {
		case a.W > b.W:
			return -1
		case a.W < b.W:
			return 1
		}
		return 0 // edges() lists pairs in index order already
	})
	m := Matching{Mate: make([]int, g.n)}
	for v := range m.Mate {
		m.Mate[v] = -1
	}
	for _, e := range es {
		if m.Mate[e.U] == -1 && m.Mate[e.V] == -1 {
			m.Mate[e.U], m.Mate[e.V] = e.V, e.U
			m.Pairs++
			m.Total += e.W
		}
	}
	return m
}

func TestGreedyMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for g := 0; g < 500; g++ {
		n := r.IntN(40)
		tg := randomTable(r, n, []float64{0, 0.5, 0.9}[r.IntN(3)], -3, 3)
		want := naiveGreedy(tg)
		for _, k := range []int{1, 2, 10} {
			// depth k: few partners kept, so that refills are exercised
			got := greedy(n, tg.weight, scanPairs(n, tg.weight, k, k))
			if !slices.Equal(got.Mate, want.Mate) || got.Total != want.Total || got.Pairs != want.Pairs {
				t.Fatalf("n=%d k=%d: greedy %+v, naive %+v", n, k, got, want)
			}
		}
		if got := Greedy(n, tg.weight); !slices.Equal(got.Mate, want.Mate) {
			t.Fatalf("Greedy differs from naive")
		}
	}
}

// FuzzSolve: any small graph, Solve against brute force, and SolveAll on
// the same graph.
func FuzzSolve(f *testing.F) {
	f.Add([]byte{5, 0, 1, 10, 1, 2, 20, 2, 0, 30, 3, 4, 250})
	f.Add([]byte{12})
	f.Add([]byte{3, 0, 1, 0, 1, 2, 0, 0, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := int(data[0]) % 13
		if n == 0 {
			return
		}
		var edges []Edge
		for p := 1; p+2 < len(data) && len(edges) < 80; p += 3 {
			u, v := int(data[p])%n, int(data[p+1])%n
			if u == v {
				continue
			}
			edges = append(edges, Edge{U: u, V: v, W: int64(int8(data[p+2]))})
		}
		solveAgainstBruteForce(t, n, edges)
		tg := &tableGraph{n: n, w: make([]int64, n*n), allowed: make([]bool, n*n)}
		for _, e := range edges {
			i, j := min(e.U, e.V), max(e.U, e.V)
			if !tg.allowed[i*n+j] || e.W > tg.w[i*n+j] {
				tg.allowed[i*n+j], tg.w[i*n+j] = true, e.W
			}
		}
		solveAllChecked(t, tg, 1)
	})
}

// TestVerifyDummy: an odd problem is certified through a dummy vertex;
// Verify refuses a tampered dummy.
func TestVerifyDummy(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	tg := randomTable(r, 41, 0, -30, 30)
	res := solveAllChecked(t, tg, 4)
	d := res.Certificate.Dummy
	if d == nil || d.Mate < 0 || res.Mate[d.Mate] != -1 || res.Pairs != 20 {
		t.Fatalf("odd problem: dummy %+v, %d pairs", d, res.Pairs)
	}
	matched := slices.IndexFunc(res.Mate, func(u int) bool { return u != -1 })
	cases := map[string]func(*Result){
		"dummy dropped":        func(x *Result) { x.Certificate.Dummy = nil },
		"dummy weight":         func(x *Result) { x.Certificate.Dummy.Weight++ },
		"dummy dual":           func(x *Result) { x.Certificate.Dummy.Dual += 4 },
		"dummy mate matched":   func(x *Result) { x.Certificate.Dummy.Mate = matched },
		"dummy mate out":       func(x *Result) { x.Certificate.Dummy.Mate = 41 },
		"dummy mate forgotten": func(x *Result) { x.Certificate.Dummy.Mate = -1 },
	}
	for name, tamper := range cases {
		x := res
		dd := *res.Certificate.Dummy
		x.Certificate.Dummy = &dd
		tamper(&x)
		if err := verifyBoth(t, tg.n, tg.weight, x); err == nil {
			t.Errorf("%s: Verify accepted a tampered result", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// a dummy on an even problem proves nothing
	even := randomTable(r, 6, 0, 1, 1)
	bad := Result{Matching: Matching{Mate: []int{1, 0, 3, 2, -1, -1}, Pairs: 2, Total: 2}}
	bad.Certificate = Certificate{Unit: 4, Shift: 2, VertexDual: make([]int64, 6), Dummy: &Dummy{Weight: 1, Mate: 4}}
	if err := verifyBoth(t, even.n, even.weight, bad); err == nil {
		t.Error("a dummy on an even problem was accepted")
	}
}

// TestNestingCommon: the binary-lifting sum of the duals of the blossoms
// holding two vertices equals a plain walk up both chains of parents, on
// solver states with nested blossoms.
func TestNestingCommon(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	positive, deep := 0, 0
	for g := 0; g < 200; g++ {
		n := 10 + r.IntN(60)
		tg := randomTable(r, n, []float64{0.5, 0.8}[r.IntN(2)], 0, []int64{3, 100}[r.IntN(2)])
		es := tg.edges()
		lo, hi := weightRange(es)
		shift, err := shiftFor(n, len(es), lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		s := newSolver(n, es, shift)
		s.greedyStart()
		if err := s.run(); err != nil {
			t.Fatal(err)
		}
		nest := s.nesting()
		if len(nest.up) > 1 {
			deep++
		}
		for i := int32(0); i < int32(n); i++ {
			for j := int32(0); j < int32(n); j++ {
				if i == j {
					continue
				}
				var want int64
				for a := s.parent[i]; a != -1; a = s.parent[a] {
					for b := s.parent[j]; b != -1; b = s.parent[b] {
						if a == b {
							want += s.dual[a]
						}
					}
				}
				if got := nest.common(i, j); got != want {
					t.Fatalf("graph %d, vertices %d and %d: common %d, want %d", g, i, j, got, want)
				}
				if want > 0 {
					positive++
				}
			}
		}
	}
	if positive == 0 || deep == 0 {
		t.Fatalf("no pair shares a positive blossom (%d) or no nesting (%d): the test checks nothing", positive, deep)
	}
	t.Logf("%d pairs sharing positive blossoms, %d graphs with nested blossoms", positive, deep)
}

// TestSolveAllSyntheticSeeds: certified optima on congress pools of odd and
// even sizes and several seeds, where one stage grows hundreds of trees and
// releases them one augmentation at a time (see release); and Solve agrees
// with itself on the sparse top-5 graphs, where trees meet more often.
func TestSolveAllSyntheticSeeds(t *testing.T) {
	sizes := []int{401, 1000, 1601}
	if testing.Short() {
		sizes = []int{401}
	}
	for seed := uint64(1); seed <= 3; seed++ {
		for _, n := range sizes {
			s := newSynthetic(t, n, seed)
			d := NewDigest(n)
			res, err := SolveAll(n, s.weight, Options{Digest: d})
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(n, s.weight, res); err != nil {
				t.Fatalf("n=%d seed=%d: %v", n, seed, err)
			}
			if err := VerifyDigest(n, s.weight, d, res); err != nil {
				t.Fatalf("n=%d seed=%d: VerifyDigest: %v", n, seed, err)
			}
			edges := topKEdges(s, 5)
			m, err := Solve(n, edges)
			if err != nil {
				t.Fatal(err)
			}
			g := Graph{N: n, Edges: edges}
			if err := checkSparseOptimum(g, m); err != nil {
				t.Fatalf("n=%d seed=%d top-5: %v", n, seed, err)
			}
		}
	}
}

// checkSparseOptimum compares m with the certified optimum of SolveAll on
// the same graph (pairs not listed are forbidden).
func checkSparseOptimum(g Graph, m Matching) error {
	w := map[[2]int]int64{}
	for _, e := range g.Edges {
		w[[2]int{min(e.U, e.V), max(e.U, e.V)}] = e.W
	}
	weight := func(i, j int) (int64, bool) {
		x, ok := w[[2]int{min(i, j), max(i, j)}]
		return x, ok
	}
	res, err := SolveAll(g.N, weight, Options{})
	if err != nil {
		return err
	}
	if err := Verify(g.N, weight, res); err != nil {
		return err
	}
	if res.Pairs != m.Pairs || res.Total != m.Total {
		return fmt.Errorf("Solve: %d pairs, total %d; certified optimum: %d pairs, total %d", m.Pairs, m.Total, res.Pairs, res.Total)
	}
	return nil
}

// TestVerifyDigestRefuses: VerifyDigest weighs again only the pairs the
// duals do not plainly cover; it must still refuse a certificate that is
// wrong for the weights it is given, including on a pair it reads from
// no list (the walk by dual), and a digest that missed pairs.
func TestVerifyDigestRefuses(t *testing.T) {
	// a pool like a round's (on uniform random weights the duals cover
	// every pair outside the lists: nothing to walk)
	s := newSynthetic(t, 401, 2)
	tg := &tableGraph{n: s.n, w: make([]int64, s.n*s.n), allowed: make([]bool, s.n*s.n)}
	for i := 0; i < s.n; i++ {
		for j := i + 1; j < s.n; j++ {
			tg.w[i*s.n+j], tg.allowed[i*s.n+j] = s.weight(i, j)
		}
	}
	d := NewDigest(tg.n)
	res, err := SolveAll(tg.n, tg.weight, Options{K: 3, Digest: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDigest(tg.n, tg.weight, d, res); err != nil {
		t.Fatalf("real result rejected: %v", err)
	}
	v, err := newVerifier(tg.n, tg.weight, res)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Certificate
	// pairWhere: the first pair of two full lists, not matched together,
	// that pick accepts, given the lightest weight that would violate its
	// constraint
	pairWhere := func(what string, pick func(i, j int, violating int64) bool) (int, int, int64) {
		for i := 0; i < tg.n; i++ {
			for j := i + 1; j < tg.n; j++ {
				if d.cnt[i] != digestDepth || d.cnt[j] != digestDepth || res.Mate[i] == j {
					continue
				}
				z := shared(c.Blossoms, v.member[v.start[i]:v.start[i+1]], v.member[v.start[j]:v.start[j+1]])
				if w := (v.y[i]+v.y[j]+z)/c.Unit - c.Shift + 1; pick(i, j, w) {
					return i, j, w
				}
			}
		}
		t.Fatalf("no %s", what)
		return 0, 0, 0
	}
	lyingAbout := func(li, lj int, lw int64) Weigher {
		return func(i, j int) (int64, bool) {
			if i == li && j == lj {
				return lw, true
			}
			return tg.weight(i, j)
		}
	}
	// a pair in neither list whose duals fall short of the lists' bound:
	// a weight just above what its duals cover, still below both lists'
	// lightest, makes it violate without entering a list (the walk by
	// dual must weigh it)
	li, lj, lw := pairWhere("pair outside the lists with duals short of their bound", func(i, j int, w int64) bool {
		return w < min(d.root[i], d.root[j]) && w >= d.lo
	})
	lying := lyingAbout(li, lj, lw)
	want := fmt.Sprintf("pair (%d, %d): dual constraint violated", li, lj)
	for name, dg := range map[string]*Digest{"digest of the lying weights": digestOf(tg.n, lying),
		"digest of the true weights": digestOf(tg.n, tg.weight)} {
		if err := VerifyDigest(tg.n, lying, dg, res); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s, weigher lying on (%d, %d) = %d: VerifyDigest = %v, want %q", name, li, lj, lw, err, want)
		}
	}
	if err := Verify(tg.n, lying, res); err == nil {
		t.Error("Verify accepted the lying weigher")
	}
	// digests that did not see every pair, or of another graph
	missing := NewDigest(tg.n)
	row := missing.tee(Rows(tg.weight))
	w, ok := make([]int64, tg.n), make([]bool, tg.n)
	for i := 0; i < tg.n-1; i++ {
		if i != 7 {
			row(i, i+1, tg.n, w[:tg.n-i-1], ok[:tg.n-i-1])
		}
	}
	if err := VerifyDigest(tg.n, tg.weight, missing, res); err == nil || !strings.Contains(err.Error(), "missed pairs of vertex 7") {
		t.Errorf("a row missing: %v", err)
	}
	twice := digestOf(tg.n, tg.weight)
	twice.tee(Rows(tg.weight))(3, 4, tg.n, w[:tg.n-4], ok[:tg.n-4])
	if err := VerifyDigest(tg.n, tg.weight, twice, res); err == nil {
		t.Error("a row seen twice was accepted")
	}
	if err := VerifyDigest(tg.n, tg.weight, digestOf(tg.n-1, tg.weight), res); err == nil {
		t.Error("a digest of another size was accepted")
	}
	// a pair whose duals cover both lists' bounds (never walked), made
	// heavy enough to violate: it enters the lists, and is checked with
	// the weight they hold
	hi, hj, hw := pairWhere("pair covered by the lists' bounds", func(i, j int, w int64) bool {
		return v.y[i]+v.y[j] >= c.Unit*(max(d.root[i], d.root[j])+c.Shift) && w <= d.hi
	})
	heavy := lyingAbout(hi, hj, hw)
	want = fmt.Sprintf("pair (%d, %d): dual constraint violated", hi, hj)
	if err := VerifyDigest(tg.n, heavy, digestOf(tg.n, heavy), res); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a listed pair heavier than its duals cover: VerifyDigest = %v, want %q", err, want)
	}
}

// TestSolveAllWorkers: the first pass weighed by several goroutines gives
// the same result as on one (matching, greedy, certificate), and its
// digest checks it.
func TestSolveAllWorkers(t *testing.T) {
	for _, n := range []int{parallelRows + 1, 1200} {
		s := newSynthetic(t, n, 5)
		one, err := SolveAll(n, s.weight, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 3} {
			d := NewDigest(n)
			many, err := SolveAll(n, s.weight, Options{Workers: workers, Digest: d})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(one, many) {
				t.Fatalf("n=%d, %d workers: the result differs from one worker's", n, workers)
			}
			if err := VerifyDigest(n, s.weight, d, many); err != nil {
				t.Fatalf("n=%d, %d workers: %v", n, workers, err)
			}
		}
	}
}
