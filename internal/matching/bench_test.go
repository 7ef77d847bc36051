package matching

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sndgct/maillage/internal/territory"
)

// Realistic synthetic members, drawn from the real communes, départements
// and régions of internal/territory: most members are DGS or DGA of
// communes of 1,000 inhabitants or more; some are town hall
// secretaries-general of smaller ones; a few serve a département or a
// région. Interests follow an uneven popularity; some members ask for
// peers of their size or région; some attended congress workshops.

var (
	entriesOnce sync.Once
	bigTowns    []territory.Entry
	smallTowns  []territory.Entry
	upper       []territory.Entry
)

func loadEntries(tb testing.TB) {
	entriesOnce.Do(func() {
		ix, err := territory.Default()
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range ix.Departements() {
			upper = append(upper, d)
			for n := 1; n < 1000; n++ {
				code := fmt.Sprintf("%s%03d", d.Code, n)
				if len(d.Code) == 3 {
					code = fmt.Sprintf("%s%02d", d.Code, n%100)
				}
				e, ok := ix.ByCode(code)
				if !ok || e.Kind != territory.Commune {
					continue
				}
				if e.Population >= 1000 {
					bigTowns = append(bigTowns, e)
				} else {
					smallTowns = append(smallTowns, e)
				}
			}
		}
		for _, code := range []string{"11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"} {
			if r, ok := ix.Region(code); ok {
				upper = append(upper, r)
			}
		}
	})
	if len(bigTowns) < 1000 {
		tb.Fatalf("only %d communes of 1,000 inhabitants or more found", len(bigTowns))
	}
}

var benchInterests = []string{"ia", "management", "management_distance", "transition_ecologique", "finances", "rh",
	"numerique", "qvt", "deconnexion", "intercommunalite", "commande_publique", "relation_elus"}

func synthetic(tb testing.TB, n int, seed uint64) []Profile {
	loadEntries(tb)
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]Profile, n)
	for i := range out {
		var e territory.Entry
		role := []string{"dgs", "dgs", "dga", "directeur"}[rng.IntN(4)]
		switch x := rng.Float64(); {
		case x < 0.80:
			e = bigTowns[rng.IntN(len(bigTowns))]
		case x < 0.92:
			e, role = smallTowns[rng.IntN(len(smallTowns))], "sgm"
		default:
			e = upper[rng.IntN(len(upper))]
		}
		p := Profile{Population: e.Population, Kind: e.Kind.String(), Collectivity: e.Kind.String() + ":" + e.Code,
			Region: e.Region, Departement: e.Departement, Role: role,
			SimilarSizeOnly: rng.Float64() < 0.2, SameRegion: rng.Float64() < 0.1}
		for range 2 + rng.IntN(3) {
			// Uneven popularity: low indexes are chosen more often.
			p.Interests = append(p.Interests, benchInterests[min(rng.IntN(12), rng.IntN(12))])
		}
		if rng.Float64() < 0.3 {
			for range 1 + rng.IntN(3) {
				p.Workshops = append(p.Workshops, fmt.Sprintf("territorialis-2024/s%d", rng.IntN(40)))
			}
		}
		out[i] = p
	}
	return out
}

func BenchmarkScorePair(b *testing.B) {
	p, err := NewPool(DefaultRules(), synthetic(b, 1600, 1), History{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	pairs := make([][2]int, 4096)
	for k := range pairs {
		pairs[k] = [2]int{rng.IntN(1600), rng.IntN(1600)}
		if pairs[k][0] == pairs[k][1] {
			pairs[k][1] = (pairs[k][1] + 1) % 1600
		}
	}
	b.ResetTimer()
	var sink int64
	k := 0
	for b.Loop() {
		w, _ := p.Milli(pairs[k][0], pairs[k][1])
		sink += w
		k = (k + 1) % len(pairs)
	}
	_ = sink
}

func benchRound(b *testing.B, n int) {
	ps := synthetic(b, n, 1)
	// A realistic history: the pairs of three earlier rounds are
	// penalised, a few members asked never to meet someone again, and
	// one sat out.
	h := pastRounds(rand.New(rand.NewPCG(2, 3)), n, n/50)
	var plan Plan
	var pool *Pool
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		var err error
		pool, err = NewPool(DefaultRules(), ps, h)
		if err != nil {
			b.Fatal(err)
		}
		if plan, err = pool.Plan(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := processCPU() - cpu0; cpu > 0 {
		// the process's CPU time (user + system, every thread: the
		// garbage collector's too), steadier than ns/op on a loaded machine
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
	if plan.Certificate.Gap != 0 {
		b.Logf("no proof of optimality (gap %d)", plan.Certificate.Gap)
	}
	b.ReportMetric(float64(plan.Certificate.Gap), "gap")
	b.ReportMetric(float64(plan.Certificate.Rounds), "pricing-rounds")
	q := pool.Compare(plan, 1)
	b.ReportMetric(q.Greedy.Percent, "greedy-%")
	b.ReportMetric(q.Random.Percent, "random-%")
	b.ReportMetric(float64(q.Optimum.Worst)/1000, "worst-opt")
	b.ReportMetric(float64(q.Greedy.Worst)/1000, "worst-greedy")
	b.ReportMetric(float64(q.Random.Worst)/1000, "worst-random")
	b.Logf("n=%d groups=%d total=%s gap=%d cert=%+v\n optimum %+v\n greedy  %+v\n random  %+v",
		n, len(plan.Groups), fmt.Sprint(float64(plan.Total)/1000), plan.Certificate.Gap, plan.Certificate,
		q.Optimum, q.Greedy, q.Random)
}

// pastRounds is the history of three earlier rounds of n members (each
// pairing everyone at random) and of up to notAgain « not again » answers.
func pastRounds(rng *rand.Rand, n, notAgain int) History {
	var h History
	for ago := 1; ago <= 3; ago++ {
		perm := rng.Perm(n)
		for k := 0; k+1 < n; k += 2 {
			h.Met = append(h.Met, Met{A: perm[k], B: perm[k+1], Ago: ago})
		}
	}
	for range notAgain {
		if a, c := rng.IntN(n), rng.IntN(n); a != c {
			h.NotAgain = append(h.NotAgain, [2]int{a, c})
		}
	}
	return h
}

// A congress (Territorialis): 1,600 members. Target: 0.3 s.
func BenchmarkRound1600(b *testing.B) { benchRound(b, 1600) }

// The whole network: 10,000 members. Target: 3 s, 100 MB.
func BenchmarkRound10000(b *testing.B) { benchRound(b, 10000) }

// BenchmarkScoreRow prices one member against all others, as the
// solver's pricing does (10,000 members).
func BenchmarkScoreRow(b *testing.B) {
	p, err := NewPool(DefaultRules(), synthetic(b, 10000, 1), History{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var sink int64
	i := 0
	for b.Loop() {
		for j := range 10000 {
			if j != i {
				w, _ := p.Milli(i, j)
				sink += w
			}
		}
		i = (i + 7919) % 10000
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/9999, "ns/pair")
	_ = sink
}

// BenchmarkScoreRowFast is BenchmarkScoreRow through MilliRow, the
// row scorer the solver's first pass and Verify use.
func BenchmarkScoreRowFast(b *testing.B) {
	p, err := NewPool(DefaultRules(), synthetic(b, 10000, 1), History{})
	if err != nil {
		b.Fatal(err)
	}
	w, ok := make([]int64, 10000), make([]bool, 10000)
	b.ResetTimer()
	var sink int64
	i := 0
	for b.Loop() {
		p.MilliRow(i, 0, i, w, ok)
		p.MilliRow(i, i+1, 10000, w, ok)
		sink += w[0]
		i = (i + 7919) % 10000
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/9999, "ns/pair")
	_ = sink
}
