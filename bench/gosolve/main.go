// Command gosolve solves a graph file of bench/gengraph with blossom.Solve
// and prints two times in ms, each the median over the repetitions (the
// file read and parsed once, outside the timing), then the pairs and the
// total weight:
//   - solve: Problem.Solve, from the graph laid out (edges deduplicated,
//     weights shifted, adjacency built) to the matching's array of mates;
//   - from the edge list: NewProblem then Problem.Solve, which is
//     blossom.Solve, from the []Edge in memory to the same array.
//
// bench/lemon.cpp times the same two stretches of LEMON.
// With CLOCK=cpu in the environment, the time is the process's CPU time
// (user and system, the garbage collector's included), which other
// processes on a busy machine disturb far less than the elapsed time.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/sndgct/maillage/internal/blossom"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gosolve FILE [reps]")
		os.Exit(2)
	}
	reps := 5
	if len(os.Args) > 2 {
		reps, _ = strconv.Atoi(os.Args[2])
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := bufio.NewReader(f)
	var n, m int
	if _, err := fmt.Fscan(r, &n, &m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	edges := make([]blossom.Edge, m)
	for i := range edges {
		if _, err := fmt.Fscan(r, &edges[i].U, &edges[i].V, &edges[i].W); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	now := func() float64 { return float64(time.Now().UnixNano()) / 1e6 }
	if os.Getenv("CLOCK") == "cpu" {
		now = func() float64 {
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
		}
	}
	var solve, whole []float64
	var res blossom.Matching
	for range max(reps, 1) {
		t0 := now()
		p, err := blossom.NewProblem(n, edges)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		t1 := now()
		res, err = p.Solve()
		t2 := now()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		solve = append(solve, t2-t1)
		whole = append(whole, t2-t0)
	}
	slices.Sort(solve)
	slices.Sort(whole)
	fmt.Printf("%.3f %.3f %d %d\n", solve[len(solve)/2], whole[len(whole)/2], res.Pairs, res.Total)
}
