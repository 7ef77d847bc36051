// Command gengraph writes the graphs of the solver comparison (bench/run.sh):
// congress members drawn from real communes and scored as the bench tests of
// internal/blossom score them (size similarity, shared interests, same
// région, roles; some pairs forbidden), either every allowed pair (-k 0) or
// the union of each member's k best partners, as a round's candidate graph.
//
// Output: a line "n m", then m lines "u v w": u < v, sorted on (u, v); with
// -shuffle, in a random order and each edge's ends in a random order.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"slices"

	"github.com/sndgct/maillage/internal/territory"
)

type synthetic struct {
	logPop    []int32
	commune   []int32
	region    []int16
	role      []int8
	interests []uint32
	similar   []bool
	seed      uint64
}

var roleScore = [3][3]int64{{15000, 9000, 6000}, {9000, 12000, 7000}, {6000, 7000, 15000}}

func newSynthetic(n int, seed uint64) (*synthetic, error) {
	ix, err := territory.Default()
	if err != nil {
		return nil, err
	}
	var cs []territory.Entry
	for _, d := range ix.Departements() {
		width, count := 3, 1000
		if len(d.Code) == 3 {
			width, count = 2, 100
		}
		for k := 0; k < count; k++ {
			if e, ok := ix.ByCode(fmt.Sprintf("%s%0*d", d.Code, width, k)); ok && e.Kind == territory.Commune && e.Population > 0 {
				cs = append(cs, e)
			}
		}
	}
	var big []int
	for i, c := range cs {
		if c.Population >= 3500 {
			big = append(big, i)
		}
	}
	r := rand.New(rand.NewPCG(seed, 99))
	s := &synthetic{seed: seed, logPop: make([]int32, n), commune: make([]int32, n), region: make([]int16, n),
		role: make([]int8, n), interests: make([]uint32, n), similar: make([]bool, n)}
	regions := map[string]int16{}
	for v := 0; v < n; v++ {
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
	return s, nil
}

func (s *synthetic) weight(i, j int) (int64, bool) {
	if i > j {
		i, j = j, i
	}
	if s.commune[i] == s.commune[j] {
		return 0, false
	}
	if h := (uint64(i)*0x9E3779B97F4A7C15 ^ uint64(j)*0xC2B2AE3D27D4EB4F ^ s.seed) >> 40; h%100 == 0 {
		return 0, false
	}
	d := int64(s.logPop[i] - s.logPop[j])
	if d < 0 {
		d = -d
	}
	if d > 477 && (s.similar[i] || s.similar[j]) {
		return 0, false
	}
	score := 20 * max(0, 2000-d)
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

func main() {
	n := flag.Int("n", 1000, "vertices")
	k := flag.Int("k", 30, "best partners kept per vertex; 0: every allowed pair")
	seed := flag.Uint64("seed", 1, "seed")
	out := flag.String("out", "", "output file")
	shuffle := flag.Bool("shuffle", false, "edges in a random order, ends in a random order")
	flag.Parse()
	s, err := newSynthetic(*n, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	type edge struct {
		u, v int
		w    int64
	}
	var edges []edge
	if *k == 0 {
		for i := 0; i < *n; i++ {
			for j := i + 1; j < *n; j++ {
				if w, ok := s.weight(i, j); ok {
					edges = append(edges, edge{i, j, w})
				}
			}
		}
	} else {
		type cand struct {
			j int
			w int64
		}
		seen := map[[2]int]bool{}
		row := make([]cand, 0, *n)
		for i := 0; i < *n; i++ {
			row = row[:0]
			for j := 0; j < *n; j++ {
				if w, ok := s.weight(i, j); ok && j != i {
					row = append(row, cand{j, w})
				}
			}
			slices.SortFunc(row, func(a, b cand) int {
				if a.w != b.w {
					if a.w > b.w {
						return -1
					}
					return 1
				}
				return a.j - b.j
			})
			for _, c := range row[:min(*k, len(row))] {
				key := [2]int{min(i, c.j), max(i, c.j)}
				if !seen[key] {
					seen[key] = true
					edges = append(edges, edge{key[0], key[1], c.w})
				}
			}
		}
		slices.SortFunc(edges, func(a, b edge) int {
			if a.u != b.u {
				return a.u - b.u
			}
			return a.v - b.v
		})
	}
	if *shuffle {
		r := rand.New(rand.NewPCG(*seed, 7))
		r.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
		for i := range edges {
			if r.IntN(2) == 0 {
				edges[i].u, edges[i].v = edges[i].v, edges[i].u
			}
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "%d %d\n", *n, len(edges))
	for _, e := range edges {
		fmt.Fprintf(w, "%d %d %d\n", e.u, e.v, e.w)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
