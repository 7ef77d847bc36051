package blossom

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// bruteForce returns the best (pairs, total) over all matchings of the
// graph, by dynamic programming over vertex subsets: the lowest vertex of
// a subset is either left alone or paired with one of its neighbours in
// the subset. Exhaustive, independent of the solver.
func bruteForce(n int, edges []Edge) (int, int64) {
	const none = math.MinInt64
	w := make([][]int64, n)
	for i := range w {
		w[i] = make([]int64, n)
		for j := range w[i] {
			w[i][j] = none
		}
	}
	for _, e := range edges {
		if e.W > w[e.U][e.V] {
			w[e.U][e.V], w[e.V][e.U] = e.W, e.W
		}
	}
	pairs := make([]int, 1<<n)
	total := make([]int64, 1<<n)
	for mask := 1; mask < 1<<n; mask++ {
		i := 0
		for mask&(1<<i) == 0 {
			i++
		}
		rest := mask &^ (1 << i)
		bp, bt := pairs[rest], total[rest]
		for j := i + 1; j < n; j++ {
			if rest&(1<<j) == 0 || w[i][j] == none {
				continue
			}
			sub := rest &^ (1 << j)
			p, t := pairs[sub]+1, total[sub]+w[i][j]
			if p > bp || p == bp && t > bt {
				bp, bt = p, t
			}
		}
		pairs[mask], total[mask] = bp, bt
	}
	return pairs[1<<n-1], total[1<<n-1]
}

// checkMatching fails unless m is a valid matching of the graph whose
// Pairs and Total are what it claims.
func checkMatching(t *testing.T, n int, edges []Edge, m Matching) {
	t.Helper()
	if len(m.Mate) != n {
		t.Fatalf("len(Mate) = %d, want %d", len(m.Mate), n)
	}
	best := map[[2]int]int64{}
	for _, e := range edges {
		k := [2]int{min(e.U, e.V), max(e.U, e.V)}
		if w, ok := best[k]; !ok || e.W > w {
			best[k] = e.W
		}
	}
	pairs, total := 0, int64(0)
	for v, u := range m.Mate {
		if u == -1 {
			continue
		}
		if u < 0 || u >= n || m.Mate[u] != v || u == v {
			t.Fatalf("Mate[%d] = %d is not symmetric", v, u)
		}
		w, ok := best[[2]int{min(u, v), max(u, v)}]
		if !ok {
			t.Fatalf("pair (%d, %d) is not an edge", v, u)
		}
		if v < u {
			pairs++
			total += w
		}
	}
	if pairs != m.Pairs || total != m.Total {
		t.Fatalf("matching has %d pairs, total %d; claims %d, %d", pairs, total, m.Pairs, m.Total)
	}
}

// randomGraph draws a graph on n vertices: each pair is an edge with
// probability density, weights in [lo, hi], and some parallel edges.
func randomGraph(r *rand.Rand, n int, density float64, lo, hi int64) []Edge {
	var edges []Edge
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if r.Float64() >= density {
				continue
			}
			e := Edge{U: i, V: j, W: lo + r.Int64N(hi-lo+1)}
			if r.IntN(2) == 0 {
				e.U, e.V = e.V, e.U
			}
			edges = append(edges, e)
			if r.IntN(10) == 0 { // a parallel edge
				edges = append(edges, Edge{U: j, V: i, W: lo + r.Int64N(hi-lo+1)})
			}
		}
	}
	r.Shuffle(len(edges), func(a, b int) { edges[a], edges[b] = edges[b], edges[a] })
	return edges
}

// solveAgainstBruteForce solves the graph and fails unless the result is
// a valid matching with the brute force's pairs and total.
func solveAgainstBruteForce(t *testing.T, n int, edges []Edge) Matching {
	t.Helper()
	m, err := Solve(n, edges)
	if err != nil {
		t.Fatal(err)
	}
	checkMatching(t, n, edges, m)
	if wp, wt := bruteForce(n, edges); m.Pairs != wp || m.Total != wt {
		t.Fatalf("n=%d %v: got %d pairs total %d, brute force %d pairs total %d", n, edges, m.Pairs, m.Total, wp, wt)
	}
	return m
}

func TestSolveMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ranges := [][2]int64{{0, 0}, {-5, 5}, {1, 3}, {-100, -1}, {-1000, 1000}, {0, 1}, {-1, 0}, {1000000, 1000010}}
	graphs := 4000
	if testing.Short() {
		graphs = 500
	}
	for g := 0; g < graphs; g++ {
		n := r.IntN(13)
		density := []float64{0.15, 0.3, 0.5, 0.8, 1}[r.IntN(5)]
		wr := ranges[r.IntN(len(ranges))]
		solveAgainstBruteForce(t, n, randomGraph(r, n, density, wr[0], wr[1]))
	}
}

// TestSolveCardinalityFirst: a heavy edge loses to two light ones, because
// more pairs come first.
func TestSolveCardinalityFirst(t *testing.T) {
	// path 0-1-2-3: middle edge 100, ends -50 each
	edges := []Edge{{0, 1, -50}, {1, 2, 100}, {2, 3, -50}}
	m, err := Solve(4, edges)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pairs != 2 || m.Total != -100 || m.Mate[0] != 1 || m.Mate[2] != 3 {
		t.Fatalf("got %+v, want pairs (0,1) (2,3), total -100", m)
	}
}

func TestSolveBlossomNeeded(t *testing.T) {
	// a triangle 0-1-2 with a tail 2-3 and 0-4: odd cycle forces a blossom
	edges := []Edge{{0, 1, 10}, {1, 2, 10}, {2, 0, 10}, {2, 3, 1}, {0, 4, 1}, {3, 5, 7}, {4, 6, 7}, {5, 6, 1}}
	solveAgainstBruteForce(t, 7, edges)
}

func TestSolveRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		n     int
		edges []Edge
		want  string
	}{
		{3, []Edge{{0, 3, 1}}, "out of range"},
		{3, []Edge{{-1, 1, 1}}, "out of range"},
		{3, []Edge{{1, 1, 1}}, "self loop"},
		{-1, nil, "negative"},
	} {
		if _, err := Solve(tc.n, tc.edges); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Solve(%d, %v) = %v, want an error containing %q", tc.n, tc.edges, err, tc.want)
		}
	}
	_, err := Solve(4, []Edge{{0, 1, math.MaxInt64 / 2}, {2, 3, -math.MaxInt64 / 2}})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge weights: err = %v, want ErrTooLarge", err)
	}
}

func TestSolveEmpty(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		m, err := Solve(n, nil)
		if err != nil || m.Pairs != 0 || m.Total != 0 || len(m.Mate) != n {
			t.Fatalf("Solve(%d, nil) = %+v, %v", n, m, err)
		}
	}
}

// TestSolveLargerAgainstBruteForce: a few graphs of 16 to 18 vertices,
// where deeper nested blossoms appear.
func TestSolveLargerAgainstBruteForce(t *testing.T) {
	if testing.Short() {
		t.Skip("brute force on 18 vertices")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for g := 0; g < 20; g++ {
		n := 16 + r.IntN(3)
		solveAgainstBruteForce(t, n, randomGraph(r, n, 0.3+0.5*r.Float64(), -20, 20))
	}
}

func TestSolveDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	edges := randomGraph(r, 60, 0.3, -10, 10)
	a, err := Solve(60, edges)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b, _ := Solve(60, edges)
		for v := range a.Mate {
			if a.Mate[v] != b.Mate[v] {
				t.Fatalf("run %d differs at vertex %d", i, v)
			}
		}
	}
}
