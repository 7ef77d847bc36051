// Package blossom computes exact maximum-cardinality maximum-weight
// matchings in general graphs: among the matchings that pair as many
// vertices as possible, one of greatest total weight. Weights are int64
// and may be negative or zero. The package is pure (no I/O beyond parsing
// an io.Reader, no globals) and deterministic for a given input.
//
// # Algorithm
//
// Solve is Edmonds' blossom algorithm in its O(n³) primal-dual form, in
// the organisation of Galil (1986) followed by van Rantwijk's mwmatching:
// vertex duals, blossom duals, S/T labels grown from every exposed vertex,
// augmentation along alternating paths, shrinking of odd cycles into
// blossoms and their expansion when their dual falls to zero. Arithmetic
// is exact: vertex duals are stored doubled so that every dual stays an
// integer (the slack between two S-blossoms is always even).
//
// Maximum cardinality first: every edge weight is shifted by a constant
// C > (k−1)·(max−min) − min, with k the largest possible number of pairs,
// so that any matching with one more pair outweighs any with one fewer
// (it gains at least C + min − (k−1)·(max−min) > 0). A maximum-weight
// matching of the shifted graph is then exactly a maximum-cardinality
// matching of greatest original weight, and the problem stays a plain
// maximum-weight matching with its LP duality. Weights too large for this
// shift to stay exact in int64 are refused (ErrTooLarge).
//
// # Many vertices: SolveAll
//
// SolveAll works on the complete graph of allowed pairs, given by a
// Weigher, without ever storing it. One pass over every pair keeps each
// vertex's K best partners (ties to the lower index) and the weight range;
// the union of these lists and of the heaviest-first greedy matching is the
// sparse candidate graph, which Solve's algorithm matches exactly. Then
// every pair is priced against the final duals: its reduced cost is
// y_i + y_j + Σ z_B (blossoms B holding both) − 2·(w_ij + C). Pairs with a
// negative reduced cost are added to the candidate graph (the few most
// violated per vertex) and the sparse problem is solved again, until no
// pair violates. Pricing skips, without calling the weigher, the pairs
// whose vertex duals alone already cover the better of the two vertices'
// best weights: their reduced cost cannot be negative. The sparse graph may
// have a smaller maximum cardinality than the complete one; pricing catches
// that too, since cardinality is part of the shifted weights.
//
// # Certificate
//
// The Certificate holds the shift C, the vertex duals y (doubled) and the
// odd sets B with a positive dual z (doubled). Verify checks, against every
// pair and without any of the solver's code:
//
//   - feasibility: y ≥ 0, z ≥ 0, and for every allowed pair
//     y_i + y_j + Σ_{B ∋ i,j} z_B ≥ 2·(w_ij + C);
//   - complementary slackness: every matched pair is tight (equality),
//     every unmatched vertex has y = 0, every set with z > 0 is full
//     (all its members but one are matched inside it);
//   - the shift: C > (k−1)·(max−min) − min over the allowed pairs;
//   - the totals, and that the gap below is 0.
//
// Why this proves optimality: for any matching M of allowed pairs, summing
// the constraints of its pairs gives 2·Σ_M (w + C) ≤ Σ_v y_v + Σ_B z_B·|M ∩ B|
// ≤ Σ_v y_v + Σ_B z_B·(|B|−1)/2 = D, since a vertex lies in at most one pair
// and an odd set of |B| vertices holds at most (|B|−1)/2 pairs (weak LP
// duality; duals non-negative). The returned matching reaches D exactly
// (tight pairs, zero duals on unmatched vertices, full sets): the gap
// D − 2·Σ (w + C) is 0, so no matching has a greater shifted weight, and by
// the choice of C none pairs more vertices, nor as many with more weight.
package blossom
