package blossom_test

import (
	"fmt"
	"strings"

	"github.com/sndgct/maillage/internal/blossom"
)

// SolveAll over five members whose scores come from a function; pair
// (0, 1) is forbidden (already met). Cardinality first: two pairs; the
// member left alone is the dummy's partner.
func ExampleSolveAll() {
	scores := [5][5]int64{
		{0, 90, 40, 10, 5},
		{0, 0, 30, 80, 20},
		{0, 0, 0, 60, 70},
		{0, 0, 0, 0, 50},
	}
	weight := func(i, j int) (int64, bool) {
		if i == 0 && j == 1 {
			return 0, false
		}
		return scores[i][j], true
	}
	res, err := blossom.SolveAll(5, weight, blossom.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Mate, res.Pairs, res.Total, res.Certificate.Gap)
	fmt.Println("left alone:", res.Certificate.Dummy.Mate)
	fmt.Println("verified:", blossom.Verify(5, weight, res) == nil)
	// Output:
	// [-1 3 4 1 2] 2 150 0
	// left alone: 0
	// verified: true
}

// Solve on an edge list read as "maillage match --edges" reads it.
func ExampleSolve() {
	g, err := blossom.ReadEdges(strings.NewReader("10\t20\t1.5\n20\t30\t-0.25\n30\t40\t2\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := blossom.Solve(g.N, g.Edges)
	if err != nil {
		fmt.Println(err)
		return
	}
	for v, u := range m.Mate {
		if u > v {
			fmt.Println(g.IDs[v], g.IDs[u])
		}
	}
	fmt.Println("total", blossom.FormatWeight(m.Total, g.Scale))
	// Output:
	// 10 20
	// 30 40
	// total 3.5
}
