package matching

import (
	"fmt"
	"runtime"

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
	// Verified: blossom.VerifyDigest checked the duals against every pair,
	// independently of the solver, at every size: from the digest of the
	// solver's first pass over the pairs (the pairs' count, weight range
	// and each member's 16 best partners), weighing again only the
	// matched pairs and the pairs whose duals do not cover that digest's
	// bound.
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

// solveAll solves the round's matching problem over all allowed pairs:
// blossom.SolveAll (sparse candidates, pricing, certificate), its first
// pass over the pairs made a row at a time, and the certificate checked
// by blossom.VerifyDigest against every pair, whatever the pool's size,
// from that same pass (score once).
func solveAll(n int, weigh func(i, j int) (int64, bool), row blossom.RowWeigher, k int) (solution, error) {
	digest := blossom.NewDigest(n)
	// the first pass's rows weighed on every core the process may use (a
	// Pool is safe for concurrent use); the result does not depend on it
	res, err := blossom.SolveAll(n, weigh, blossom.Options{K: k, Row: row, Digest: digest, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		return solution{}, fmt.Errorf("matching: %w", err)
	}
	c := res.Certificate
	cert := Certificate{Gap: c.Gap, Rounds: c.Rounds, CandidateEdges: c.CandidateEdges, PricedPairs: c.PricedPairs,
		Skipped: c.Skipped, Added: c.Added}
	if err := blossom.VerifyDigest(n, weigh, digest, res); err != nil {
		return solution{}, fmt.Errorf("matching: the solver's certificate does not check: %w", err)
	}
	cert.Verified = true
	return solution{Mate: res.Mate, Pairs: res.Pairs, Total: res.Total, Certificate: cert, Greedy: res.Greedy.Mate}, nil
}
