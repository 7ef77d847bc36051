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
// C > k·(max−min) − min, with k the largest possible number of pairs, so
// that any matching with one more pair outweighs any with one fewer. A
// maximum-weight matching of the shifted graph is then exactly a
// maximum-cardinality matching of greatest original weight, and the
// problem stays a plain maximum-weight matching with its LP duality.
// Weights too large for this shift to stay exact in int64 are refused
// (ErrTooLarge).
package blossom
