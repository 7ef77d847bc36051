// Package blossom computes exact maximum-cardinality maximum-weight
// matchings in general graphs: among the matchings that pair as many
// vertices as possible, one of greatest total weight. Weights are int64
// and may be negative or zero. The package is pure (no I/O beyond parsing
// an io.Reader, no globals) and deterministic for a given input.
//
// # Algorithm
//
// Solve is Edmonds' blossom algorithm in its primal-dual form, in the
// organisation of Galil (1986) followed by van Rantwijk's mwmatching:
// vertex duals, blossom duals, S/T labels grown from every exposed vertex,
// augmentation along alternating paths, shrinking of odd cycles into
// blossoms and their expansion when their dual falls to zero. Arithmetic
// is exact: integers only, the weights doubled so that every dual stays an
// integer.
//
// Two departures from mwmatching, devices LEMON's MaxWeightedMatching uses
// too, and two devices of its own make it faster than LEMON: on the sparse
// graphs of rounds (each member's 30 best partners) 0.31 to 0.44 times
// LEMON's CPU time from 1,000 to 10,000 vertices for the solve alone, 0.35
// to 0.47 from the edge list to the matching (LEMON's graph built, and
// Maillage's layout: NewProblem), 0.24 and 0.31 on every pair of 200
// members (CLOCK=cpu REPS=21 bench/run.sh; the README has the table):
//
//   - One stage serves every augmentation. After an augmentation (or a root
//     flip, below) only the one or two trees involved are released: their
//     vertices and blossoms become free, and the other trees grow on with
//     the same duals. mwmatching starts a new stage instead, regrowing the
//     whole forest: O(m) per augmentation, and with a greedy start leaving
//     a few hundred exposed vertices that was most of the time. Least-slack
//     edges that led into a released tree are recomputed later (third
//     point; a per-vertex S-epoch tells them apart even when their far end
//     has become S again in another tree).
//   - Dual changes are lazy. The changes of a stage add up in one total; a
//     labelled vertex's or blossom's dual is its stored value plus or minus
//     the total since its label was set, and is stored again before any
//     label change. The four kinds of change (an S-vertex dual reaching
//     zero, a free vertex's least-slack edge to an S-vertex, an edge between
//     two S-blossoms, a T-blossom dual reaching zero) come from binary heaps
//     whose stale entries are dropped at the top. A change no longer visits
//     every vertex of the forest.
//   - A least-slack edge that led into a released tree is not recomputed
//     when a scan meets it, only when its heap entry comes up: the key it
//     was listed with (slack plus the total of dual changes, which stays
//     constant while both ends keep their labels) still bounds the keys of
//     the edges it stood for, so a scan compares a new edge with that one
//     number. Recomputing on the spot (8,400 recomputes over 37 edges each
//     at 1,000 vertices, for 2,560 scans) had cost a third of the solve at
//     1,000 vertices and half at 10,000.
//   - The adjacency lists each edge end with its far vertex and weight: a
//     pass over a vertex's edges reads one array in order. Edges given
//     sorted on (U, V), U < V, without repeats (the bench's files, and any
//     caller that keeps them so) skip the sort of the deduplication, which
//     is checked in O(m).
//
// The greedy start (below) leaves 15 % of the vertices exposed (148 at
// 1,000 vertices, 1,452 at 10,000) for less than a tenth of the solve;
// LEMON's fractional start leaves far fewer odd cycles (22 and 148) but
// costs it 42 to 51 % of its solve. A 4-ary heap was no faster than the
// binary one.
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
// # Warm start
//
// The primal-dual loop does not need every exposed vertex to share one
// dual, as mwmatching does: a stage grows alternating trees from the
// exposed vertices whose dual is positive; when an S-vertex dual reaches
// zero, the path to its root is flipped so that it becomes the exposed
// one, and an S-vertex that reaches an exposed vertex of zero dual augments
// to it. So the solver starts from greedy duals (each vertex's heaviest
// weight; then, heaviest first, each exposed vertex lowered to its least
// feasible dual and matched along the edge this makes tight, plus short
// augmenting paths of tight edges) and only grows trees from the vertices
// this leaves exposed. Weights are doubled inside so that all roots share
// a parity and the slack between two S-blossoms stays even.
//
// # Many vertices: SolveAll
//
// SolveAll works on the complete graph of allowed pairs, given by a
// Weigher, without ever storing it. One pass over every pair keeps each
// vertex's K best partners (ties to the lower index; more are kept, see
// below) and the weight range; the union of these lists and of the heaviest-first greedy matching is the
// sparse candidate graph, which is solved exactly as above. Then every pair
// is priced against the final duals: its reduced cost is
// y_i + y_j + Σ z_B (blossoms B holding both) − Unit·(w_ij + C). Pairs with
// a negative reduced cost are added (the few most violated per vertex) and
// the solver resumes from where it stood: one end of each new pair is
// raised by its deficit, after dissolving the blossoms holding it and
// unmatching the edges no longer tight, and trees grow again from the few
// vertices left exposed. Later rounds price again only the pairs touching
// a vertex whose dual, or the dual of a blossom holding it, went down, or
// an end of the last violators: no other reduced cost can have decreased.
// When pricing finds many violators (more than n/10, typically after the
// first round), the warm restart would leave more vertices exposed than a
// greedy start on the enlarged graph, so the solver starts again from one
// and prices every pair again.
// The loop ends when a round finds no violator.
//
// Pricing calls the weigher sparingly. The first pass keeps each vertex's
// 16 best partners with their weights (the first K are its candidates):
// those pairs are priced from the kept weights, and any other pair weighs
// at most the lighter of the two vertices' 16th partners, so a pair whose
// vertex duals already cover that bound cannot violate and is skipped;
// vertices sorted by dual make these skips a matter of stopping
// early. The sparse graph may have a smaller maximum cardinality than the
// complete one; pricing catches that too, since cardinality is part of the
// shifted weights.
//
// With an odd number of vertices having allowed pairs, the optimum leaves
// one of them alone, which forces deep nested blossoms into the duals and
// defeats the skips. A dummy vertex joined to all of them at the lowest
// weight makes the problem even; its partner is the vertex left alone (see
// Dummy for why the optima correspond).
//
// # Certificate
//
// The Certificate holds the shift C, the scale Unit of the duals (4), the
// vertex duals y, the odd sets B with a positive dual z and, for an odd
// problem, the dummy vertex. Verify checks, against every pair and without
// any of the solver's code:
//
//   - feasibility: y ≥ 0, z ≥ 0, and for every allowed pair
//     y_i + y_j + Σ_{B ∋ i,j} z_B ≥ Unit·(w_ij + C);
//   - complementary slackness: every matched pair is tight (equality),
//     every unmatched vertex has y = 0, every set with z > 0 is full
//     (all its members but one are matched inside it);
//   - the shift: C > (k−1)·(max−min) − min over the allowed pairs;
//   - the totals, and that the gap below is 0.
//
// Why this proves optimality: for any matching M of allowed pairs, summing
// the constraints of its pairs gives Unit·Σ_M (w + C) ≤ Σ_v y_v + Σ_B z_B·|M ∩ B|
// ≤ Σ_v y_v + Σ_B z_B·(|B|−1)/2 = D, since a vertex lies in at most one pair
// and an odd set of |B| vertices holds at most (|B|−1)/2 pairs (weak LP
// duality; duals non-negative). The returned matching reaches D exactly
// (tight pairs, zero duals on unmatched vertices, full sets): the gap
// D − Unit·Σ (w + C) is 0, so no matching has a greater shifted weight, and by
// the choice of C none pairs more vertices, nor as many with more weight.
//
// # Checking without a second pass: VerifyDigest
//
// Verify weighs every pair again: at 10,000 vertices, 50 million calls,
// as many as SolveAll's first pass. VerifyDigest makes the same checks
// from a Digest of that first pass (Options.Digest): the rows the pass
// weighs go, in order, to the digest's own code, which counts the allowed
// pairs, keeps their weight range and, for every vertex, its 16 heaviest
// allowed partners with their weights (a heap of its own, not the
// solver's lists). It refuses a digest that missed a pair or saw one
// twice. Then:
//
//   - the matched pairs are weighed again (totals, tightness);
//   - a pair in the list of one of its ends is checked with the weight
//     the list holds;
//   - any other pair (i, j) weighs at most min(r_i, r_j), r_v the lightest
//     weight of v's list (both lists full: a list that is not full holds
//     every allowed partner of its vertex). Its constraint therefore holds
//     whenever y_i + y_j ≥ Unit·(min(r_i, r_j) + C), blossom duals being
//     non-negative; only the pairs below that are weighed and checked.
//     Vertices sorted by dual make them a prefix of the order for each
//     vertex, and no other pair is visited;
//   - the shift, the dummy's pairs (the vertices with a pair are those
//     whose list is not empty) and the gap use the digest's figures.
//
// Every allowed pair is thus checked against its weight, read in the
// first pass or weighed again: the check is as strong as Verify's, given
// a weigher that answers the same for the same pair (the Weigher's
// contract). A bound derived from the rules alone (the greatest score a
// pair can reach) would not do: at 10,000 members of a round the duals
// cover it for fewer than half the pairs, even with each member's own
// greatest score (28 million of the 50 million pairs uncovered), while the lists'
// bound leaves 640,000 to weigh.
// TestVerifyDigestRefuses has a weigher lie about one pair that the duals
// do not cover (read from no list, then from both) and digests that
// missed a row or saw one twice, and VerifyDigest refuse each; every
// tampering Verify refuses, VerifyDigest refuses too.
package blossom
