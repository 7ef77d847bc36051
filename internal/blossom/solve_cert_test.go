package blossom

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// checkSolverOptimal fails unless the solver's final state is an
// optimality certificate of its matching on its own edges (shifted
// weights): duals non-negative, every edge's reduced cost non-negative,
// matched edges tight, exposed vertices at zero, every blossom with a
// positive dual full. It reads the duals and blossoms, not the heaps or
// labels the run used, so it checks the run's bookkeeping from outside.
func checkSolverOptimal(t *testing.T, s *solver) {
	t.Helper()
	for v := 0; v < s.n; v++ {
		if s.dual[v] < 0 {
			t.Fatalf("vertex %d: dual %d < 0", v, s.dual[v])
		}
		if p := s.mate[v]; p == -1 {
			if s.dual[v] != 0 {
				t.Fatalf("exposed vertex %d has dual %d", v, s.dual[v])
			}
		} else if u := s.endpoint(p); s.endpoint(s.mate[u]) != int32(v) {
			t.Fatalf("mates of %d and %d disagree", v, u)
		}
	}
	for k := range s.e {
		r := s.reduced(int32(k))
		if r < 0 {
			t.Fatalf("edge %d (%d, %d): reduced cost %d < 0", k, s.e[k].u, s.e[k].v, r)
		}
		if m := s.mate[s.e[k].u]; m>>1 == int32(k) && r != 0 {
			t.Fatalf("matched edge %d (%d, %d) not tight: %d", k, s.e[k].u, s.e[k].v, r)
		}
	}
	for b := s.n; b < 2*s.n; b++ {
		if s.base[b] < 0 {
			continue
		}
		if s.dual[b] < 0 {
			t.Fatalf("blossom %d: dual %d < 0", b, s.dual[b])
		}
		if s.dual[b] == 0 {
			continue
		}
		leaves := s.leaves(int32(b), nil)
		in := map[int32]bool{}
		for _, v := range leaves {
			in[v] = true
		}
		inside := 0
		for _, v := range leaves {
			if p := s.mate[v]; p != -1 && in[s.endpoint(p)] {
				inside++
			}
		}
		if inside != len(leaves)-1 {
			t.Fatalf("blossom %d with dual %d: %d of its %d vertices matched inside", b, s.dual[b], inside, len(leaves))
		}
	}
}

// TestSolveCertificateRandom: the run's final duals certify its matching
// on many sparse and dense random graphs where trees grow, meet, are
// released and grow again (ties make many edges tight at once, so blossoms
// form and expand), and the result agrees with brute force on the small
// ones.
func TestSolveCertificateRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	graphs := 400
	if testing.Short() {
		graphs = 80
	}
	for g := 0; g < graphs; g++ {
		n := 2 + r.IntN(300)
		if g%4 == 0 {
			n = 2 + r.IntN(15)
		}
		deg := 1 + r.IntN(12)
		lo, hi := []int64{0, -50, 0, -1000000}[r.IntN(4)], []int64{3, 50, 10, 1000000}[r.IntN(4)]
		var edges []Edge
		for v := 0; v < n; v++ {
			for d := 0; d < deg; d++ {
				u := r.IntN(n)
				if u == v {
					continue
				}
				edges = append(edges, Edge{U: v, V: u, W: lo + r.Int64N(hi-lo+1)})
			}
		}
		p, err := NewProblem(n, edges)
		if err != nil {
			t.Fatal(err)
		}
		s := newSolverOn(p)
		s.greedyStart()
		if err := s.run(); err != nil {
			t.Fatalf("graph %d: %v", g, err)
		}
		checkSolverOptimal(t, s)
		m := s.matching()
		checkMatching(t, n, edges, m)
		if n <= 16 {
			if bp, bt := bruteForce(n, edges); bp != m.Pairs || bt != m.Total {
				t.Fatalf("graph %d (n=%d): %d pairs total %d, brute force %d, %d", g, n, m.Pairs, m.Total, bp, bt)
			}
		}
	}
}

// TestSolveSortedInput: edges already sorted on (U, V) with U < V and no
// repeats skip the deduplication, and give the very matching the same
// edges give in any order, reversed or repeated.
func TestSolveSortedInput(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for g := 0; g < 50; g++ {
		n := 2 + r.IntN(200)
		var sorted []Edge
		for u := 0; u < n; u++ {
			for v := u + 1; v < n; v++ {
				if r.IntN(n) < 8 {
					sorted = append(sorted, Edge{U: u, V: v, W: r.Int64N(20) - 5})
				}
			}
		}
		mixed := make([]Edge, 0, 2*len(sorted))
		for _, e := range sorted {
			if r.IntN(2) == 0 {
				e.U, e.V = e.V, e.U
			}
			mixed = append(mixed, e)
			if r.IntN(4) == 0 { // a lighter parallel edge
				mixed = append(mixed, Edge{U: e.U, V: e.V, W: e.W - 1 - r.Int64N(5)})
			}
		}
		r.Shuffle(len(mixed), func(i, j int) { mixed[i], mixed[j] = mixed[j], mixed[i] })
		a, err := Solve(n, sorted)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Solve(n, mixed)
		if err != nil {
			t.Fatal(err)
		}
		if a.Pairs != b.Pairs || a.Total != b.Total {
			t.Fatalf("graph %d: sorted %d pairs %d, mixed %d pairs %d", g, a.Pairs, a.Total, b.Pairs, b.Total)
		}
		for v := range a.Mate {
			if a.Mate[v] != b.Mate[v] {
				t.Fatalf("graph %d: vertex %d matched to %d from sorted edges, %d from mixed", g, v, a.Mate[v], b.Mate[v])
			}
		}
		// a Problem solved twice gives the same matching: Solve leaves it as it was
		p, err := NewProblem(n, mixed)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			c, err := p.Solve()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Mate, b.Mate) || c.Total != b.Total {
				t.Fatalf("graph %d: Problem.Solve differs from Solve", g)
			}
		}
	}
}
