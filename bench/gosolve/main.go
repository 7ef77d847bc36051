// Command gosolve solves a graph file of bench/gengraph with blossom.Solve
// and prints the median solve time in ms over the repetitions (the file read
// and parsed once, outside the timing), the pairs and the total weight.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
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
	var times []float64
	var res blossom.Matching
	for range max(reps, 1) {
		t := time.Now()
		res, err = blossom.Solve(n, edges)
		times = append(times, float64(time.Since(t).Microseconds())/1000)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	slices.Sort(times)
	fmt.Printf("%.3f %d %d\n", times[len(times)/2], res.Pairs, res.Total)
}
