package matching

import "errors"

// Certificate is the solver's proof of optimality over all allowed pairs.
type Certificate struct {
	// Gap is the primal-dual gap: 0 proves the matching optimal.
	Gap int64 `json:"gap"`
	// Rounds of pricing, edges of the final sparse graph, pairs priced and
	// violating pairs added.
	Rounds         int   `json:"rounds"`
	CandidateEdges int   `json:"candidate_edges"`
	PricedPairs    int64 `json:"priced_pairs"`
	Added          int   `json:"added"`
	// Verified: an independent check of the duals against every pair
	// passed.
	Verified bool `json:"verified"`
}

// solution is the solver's answer.
type solution struct {
	Mate        []int
	Pairs       int
	Total       int64
	Certificate Certificate
}

// TEMPORARY (until internal/blossom lands on main): a heaviest-first
// greedy matching, NOT optimal and without a certificate. Replaced by
// blossom.SolveAll + blossom.Verify.
func solveAll(n int, weigh func(i, j int) (int64, bool), k int) (solution, error) {
	if n < 0 {
		return solution{}, errors.New("matching: negative size")
	}
	mate := greedy(n, weigh)
	s := solution{Mate: mate, Certificate: Certificate{Gap: -1}}
	for i, m := range mate {
		if m > i {
			w, _ := weigh(i, m)
			s.Pairs++
			s.Total += w
		}
	}
	return s, nil
}

// greedy is a heaviest-first greedy matching over all allowed pairs.
func greedy(n int, weigh func(i, j int) (int64, bool)) []int {
	var pairs []wpair
	for i := range n {
		for j := i + 1; j < n; j++ {
			if w, ok := weigh(i, j); ok {
				pairs = append(pairs, wpair{i, j, w})
			}
		}
	}
	sortPairs(pairs)
	mate := make([]int, n)
	for i := range mate {
		mate[i] = -1
	}
	for _, e := range pairs {
		if mate[e.u] < 0 && mate[e.v] < 0 {
			mate[e.u], mate[e.v] = e.v, e.u
		}
	}
	return mate
}
