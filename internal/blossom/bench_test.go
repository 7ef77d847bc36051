package blossom

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sndgct/maillage/internal/territory"
)

// synthetic is a pool of congress members drawn from real communes, scored
// like the matching: size similarity (distance of log10 populations),
// shared interests (Jaccard overlap of 24 themes), same région, a role
// matrix; forbidden: same commune, a "similar size only" member facing a
// collectivity more than 3 times bigger or smaller, and about 1% of the
// pairs as if met in recent rounds. Scores are milli-points.
type synthetic struct {
	n         int
	logPop    []int32 // 1000·log10(population)
	commune   []int32
	region    []int16
	role      []int8
	interests []uint32
	similar   []bool
	seed      uint64
}

var roleScore = [3][3]int64{ // DGS, DGA, secrétaire général
	{15000, 9000, 6000},
	{9000, 12000, 7000},
	{6000, 7000, 15000},
}

var (
	communesOnce sync.Once
	communes     []territory.Entry
	communesErr  error
)

// allCommunes lists the communes of the embedded territory data.
func allCommunes() ([]territory.Entry, error) {
	communesOnce.Do(func() {
		ix, err := territory.Default()
		if err != nil {
			communesErr = err
			return
		}
		for _, d := range ix.Departements() {
			width, count := 3, 1000
			if len(d.Code) == 3 {
				width, count = 2, 100
			}
			for k := 0; k < count; k++ {
				if e, ok := ix.ByCode(fmt.Sprintf("%s%0*d", d.Code, width, k)); ok && e.Kind == territory.Commune && e.Population > 0 {
					communes = append(communes, e)
				}
			}
		}
		if len(communes) < 30000 {
			communesErr = fmt.Errorf("only %d communes found", len(communes))
		}
	})
	return communes, communesErr
}

func newSynthetic(tb testing.TB, n int, seed uint64) *synthetic {
	tb.Helper()
	cs, err := allCommunes()
	if err != nil {
		tb.Fatal(err)
	}
	var big []int
	for i, c := range cs {
		if c.Population >= 3500 {
			big = append(big, i)
		}
	}
	r := rand.New(rand.NewPCG(seed, 99))
	s := &synthetic{n: n, seed: seed,
		logPop: make([]int32, n), commune: make([]int32, n), region: make([]int16, n),
		role: make([]int8, n), interests: make([]uint32, n), similar: make([]bool, n)}
	regions := map[string]int16{}
	for v := 0; v < n; v++ {
		// directors-general come more often from the larger communes
		ci := r.IntN(len(cs))
		if r.IntN(10) < 7 {
			ci = big[r.IntN(len(big))]
		}
		c := cs[ci]
		s.commune[v] = int32(ci)
		s.logPop[v] = int32(math.Round(1000 * math.Log10(float64(c.Population))))
		if _, ok := regions[c.Region]; !ok {
			regions[c.Region] = int16(len(regions))
		}
		s.region[v] = regions[c.Region]
		s.role[v] = int8(r.IntN(3))
		for k := 2 + r.IntN(4); k > 0; k-- {
			s.interests[v] |= 1 << r.IntN(24)
		}
		s.similar[v] = r.IntN(10) == 0
	}
	return s
}

func (s *synthetic) weight(i, j int) (int64, bool) {
	if s.commune[i] == s.commune[j] {
		return 0, false
	}
	// about 1% of pairs met recently
	if h := (uint64(i)*0x9E3779B97F4A7C15 ^ uint64(j)*0xC2B2AE3D27D4EB4F ^ s.seed) >> 40; h%100 == 0 {
		return 0, false
	}
	d := int64(s.logPop[i] - s.logPop[j])
	if d < 0 {
		d = -d
	}
	if d > 477 && (s.similar[i] || s.similar[j]) { // more than 3 times bigger
		return 0, false
	}
	score := 20 * max(0, 2000-d) // 40 points at equal size, 0 beyond a factor 100
	a, b := s.interests[i], s.interests[j]
	if inter := bits.OnesCount32(a & b); inter > 0 {
		score += int64(30000 * inter / bits.OnesCount32(a|b))
	}
	if s.region[i] == s.region[j] {
		score += 15000
	}
	score += roleScore[s.role[i]][s.role[j]]
	return score, true
}

// TestSyntheticQuality reports how greedy and random pairing compare with
// the optimum on the synthetic pool, and checks the optimum is certified.
func TestSyntheticQuality(t *testing.T) {
	n := 1600
	if testing.Short() {
		n = 400
	}
	s := newSynthetic(t, n, 1)
	res, err := SolveAll(n, s.weight, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(n, s.weight, res); err != nil {
		t.Fatal(err)
	}
	g := Greedy(n, s.weight)
	if g.Pairs > res.Pairs || g.Pairs == res.Pairs && g.Total > res.Total {
		t.Fatalf("greedy (%d pairs, %d) beats the optimum (%d pairs, %d)", g.Pairs, g.Total, res.Pairs, res.Total)
	}
	rnd := randomPairing(n, s.weight, rand.New(rand.NewPCG(2, 3)))
	worst := func(m Matching) int64 {
		w := int64(math.MaxInt64)
		for v, u := range m.Mate {
			if u > v {
				x, _ := s.weight(v, u)
				w = min(w, x)
			}
		}
		return w
	}
	c := res.Certificate
	t.Logf("n=%d optimum: %d pairs, total %d, worst pair %d; certificate: rounds %d, candidates %d, added %d, priced %d, skipped %d, blossoms %d",
		n, res.Pairs, res.Total, worst(res.Matching), c.Rounds, c.CandidateEdges, c.Added, c.PricedPairs, c.Skipped, len(c.Blossoms))
	t.Logf("greedy: %d pairs, total %d (%.2f%% of the optimum), worst pair %d",
		g.Pairs, g.Total, 100*float64(g.Total)/float64(res.Total), worst(g))
	t.Logf("random: %d pairs, total %d (%.2f%% of the optimum), worst pair %d",
		rnd.Pairs, rnd.Total, 100*float64(rnd.Total)/float64(res.Total), worst(rnd))
}

// randomPairing pairs vertices in a random order with the first allowed
// partner left.
func randomPairing(n int, weight Weigher, r *rand.Rand) Matching {
	m := Matching{Mate: make([]int, n)}
	for v := range m.Mate {
		m.Mate[v] = -1
	}
	order := r.Perm(n)
	for a, v := range order {
		if m.Mate[v] != -1 {
			continue
		}
		for _, u := range order[a+1:] {
			if m.Mate[u] != -1 {
				continue
			}
			if w, ok := weigh(weight, v, u); ok {
				m.Mate[v], m.Mate[u] = u, v
				m.Pairs++
				m.Total += w
				break
			}
		}
	}
	return m
}

func benchmarkSolveAll(b *testing.B, n int) {
	s := newSynthetic(b, n, 1)
	b.ReportAllocs()
	b.ResetTimer()
	var res Result
	for b.Loop() {
		var err error
		res, err = SolveAll(n, s.weight, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	c := res.Certificate
	b.ReportMetric(float64(c.Rounds), "rounds")
	b.ReportMetric(float64(c.PricedPairs)/float64(c.Rounds), "priced/round")
}

func BenchmarkSolveAll1600(b *testing.B)  { benchmarkSolveAll(b, 1600) }
func BenchmarkSolveAll1601(b *testing.B)  { benchmarkSolveAll(b, 1601) }
func BenchmarkSolveAll10000(b *testing.B) { benchmarkSolveAll(b, 10000) }

// BenchmarkWeigher is the cost of one pass over every pair of 1,600.
func BenchmarkWeigher1600(b *testing.B) {
	s := newSynthetic(b, 1600, 1)
	var sum int64
	for b.Loop() {
		for i := 0; i < s.n; i++ {
			for j := i + 1; j < s.n; j++ {
				w, _ := s.weight(i, j)
				sum += w
			}
		}
	}
	_ = sum
}

// BenchmarkSolveSparse1600: Solve alone on the 1,600-vertex candidate graph
// of each vertex's 10 best partners.
func BenchmarkSolveSparse1600(b *testing.B) {
	s := newSynthetic(b, 1600, 1)
	sc := scanPairs(s.n, s.weight, 10, 10)
	var edges []Edge
	for v := 0; v < s.n; v++ {
		for t, j := range sc.candJ[v] {
			edges = append(edges, Edge{U: v, V: int(j), W: sc.candW[v][t]})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Solve(s.n, edges); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify1600(b *testing.B) {
	s := newSynthetic(b, 1600, 1)
	res, err := SolveAll(s.n, s.weight, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Verify(s.n, s.weight, res); err != nil {
			b.Fatal(err)
		}
	}
}

// topKEdges is the union of each vertex's k best partners on the synthetic
// pool: the sparse graphs that rounds solve (bench/run.sh compares Solve
// with LEMON and NetworkX on the same graphs).
func topKEdges(s *synthetic, k int) []Edge {
	sc := scanPairs(s.n, s.weight, k, k)
	seen := map[[2]int]bool{}
	var edges []Edge
	for v := 0; v < s.n; v++ {
		for t, j := range sc.candJ[v] {
			key := [2]int{min(v, int(j)), max(v, int(j))}
			if !seen[key] {
				seen[key] = true
				edges = append(edges, Edge{U: key[0], V: key[1], W: sc.candW[v][t]})
			}
		}
	}
	return edges
}

func benchmarkSolveTop30(b *testing.B, n int) {
	s := newSynthetic(b, n, 1)
	edges := topKEdges(s, 30)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Solve(s.n, edges); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolveTop30_1000(b *testing.B)  { benchmarkSolveTop30(b, 1000) }
func BenchmarkSolveTop30_2000(b *testing.B)  { benchmarkSolveTop30(b, 2000) }
func BenchmarkSolveTop30_5000(b *testing.B)  { benchmarkSolveTop30(b, 5000) }
func BenchmarkSolveTop30_10000(b *testing.B) { benchmarkSolveTop30(b, 10000) }

// BenchmarkSolveDense200: Solve on every allowed pair of 200 members.
func BenchmarkSolveDense200(b *testing.B) {
	s := newSynthetic(b, 200, 1)
	var edges []Edge
	for i := 0; i < s.n; i++ {
		for j := i + 1; j < s.n; j++ {
			if w, ok := s.weight(i, j); ok {
				edges = append(edges, Edge{U: i, V: j, W: w})
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Solve(s.n, edges); err != nil {
			b.Fatal(err)
		}
	}
}
