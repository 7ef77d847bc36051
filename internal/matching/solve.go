package matching

import (
	"fmt"

	"github.com/sndgct/maillage/internal/blossom"
)

// Certificate is the solver's proof of optimality over all allowed pairs
// (blossom.SolveAll's, without the duals themselves).
type Certificate struct {
	// Gap is the primal-dual gap: 0 proves the matching optimal over
	// every allowed pair.
	Gap int64 `json:"gap"`
	// Rounds of pricing, edges of the final sparse graph, pairs priced,
	// pairs settled without pricing, and violating pairs added.
	Rounds         int   `json:"rounds"`
	CandidateEdges int   `json:"candidate_edges"`
	PricedPairs    int64 `json:"priced_pairs"`
	Skipped        int64 `json:"skipped_pairs"`
	Added          int   `json:"added"`
	// Verified: blossom.Verify checked the duals against every pair,
	// independently of the solver (done up to verifyLimit members).
	Verified bool `json:"verified"`
}

// solution is the solver's answer.
type solution struct {
	Mate        []int
	Pairs       int
	Total       int64
	Certificate Certificate
	// Greedy is the heaviest-first greedy matching, from the solver's
	// first pass.
	Greedy []int
}

// verifyLimit: up to this many members, every plan's certificate is also
// checked by blossom.Verify (one more pass over every pair).
const verifyLimit = 3000

// solveAll solves the round's matching problem over all allowed pairs:
// blossom.SolveAll (sparse candidates, pricing, certificate), checked by
// blossom.Verify for pools up to verifyLimit.
func solveAll(n int, weigh func(i, j int) (int64, bool), k int) (solution, error) {
	res, err := blossom.SolveAll(n, weigh, blossom.Options{K: k})
	if err != nil {
		return solution{}, fmt.Errorf("matching: %w", err)
	}
	c := res.Certificate
	cert := Certificate{Gap: c.Gap, Rounds: c.Rounds, CandidateEdges: c.CandidateEdges, PricedPairs: c.PricedPairs,
		Skipped: c.Skipped, Added: c.Added}
	if n <= verifyLimit {
		if err := blossom.Verify(n, weigh, res); err != nil {
			return solution{}, fmt.Errorf("matching: the solver's certificate does not check: %w", err)
		}
		cert.Verified = true
	}
	return solution{Mate: res.Mate, Pairs: res.Pairs, Total: res.Total, Certificate: cert, Greedy: res.Greedy.Mate}, nil
}

// greedy is a heaviest-first greedy matching over all allowed pairs.
func greedy(n int, weigh func(i, j int) (int64, bool)) []int {
	return blossom.Greedy(n, weigh).Mate
}
