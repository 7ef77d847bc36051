// Command gosolve solves a graph file of bench/gengraph with blossom.Solve
// and prints the median solve time in ms over the repetitions (the file read
// and parsed once, outside the timing), the pairs and the total weight.
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
	var times []float64
	var res blossom.Matching
	for range max(reps, 1) {
		t := now()
		res, err = blossom.Solve(n, edges)
		times = append(times, now()-t)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	slices.Sort(times)
	fmt.Printf("%.3f %d %d\n", times[len(times)/2], res.Pairs, res.Total)
}
