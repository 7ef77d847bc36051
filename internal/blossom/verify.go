package blossom

import (
	"fmt"
	"math/big"
)

// Bounds on what Verify accepts, so that no sum it makes overflows: duals
// up to 2^60 (and their sum over blossoms), weights and shift up to 2^57,
// Unit up to 8.
const (
	verifyBound  = 1 << 60
	weightBound  = 1 << 57
	maxUnitBound = 8
)

// Verify checks r against every pair independently of the solver (dual
// feasibility, complementary slackness, maximum cardinality, totals) and
// returns an error naming the first violation. It uses only r's exported
// data and calls weight once for every pair i < j.
func Verify(n int, weight Weigher, r Result) error {
	c := &r.Certificate
	if len(r.Mate) != n {
		return fmt.Errorf("matching has %d vertices, want %d", len(r.Mate), n)
	}
	if len(c.VertexDual) != n {
		return fmt.Errorf("certificate has %d vertex duals, want %d", len(c.VertexDual), n)
	}
	if c.Shift < 0 || c.Shift > weightBound {
		return fmt.Errorf("shift %d out of range [0, 2^57]", c.Shift)
	}
	if n > 0 && (c.Unit < 1 || c.Unit > maxUnitBound) {
		return fmt.Errorf("unit %d out of range [1, %d]", c.Unit, maxUnitBound)
	}
	// the matching, its totals
	pairs, total := 0, int64(0)
	for v, u := range r.Mate {
		if u == -1 {
			continue
		}
		if u < 0 || u >= n || u == v || r.Mate[u] != v {
			return fmt.Errorf("vertex %d: mate %d is not a partner in return", v, u)
		}
		if v > u {
			continue
		}
		w, ok := weight(v, u)
		if !ok {
			return fmt.Errorf("pair (%d, %d) is matched but forbidden", v, u)
		}
		if w > weightBound || w < -weightBound {
			return fmt.Errorf("pair (%d, %d): weight %d out of range", v, u, w)
		}
		pairs++
		total += w
	}
	if pairs != r.Pairs || total != r.Total {
		return fmt.Errorf("matching has %d pairs of total %d, result says %d pairs of total %d", pairs, total, r.Pairs, r.Total)
	}
	// duals: non-negative, zero on exposed vertices
	for v, y := range c.VertexDual {
		if y < 0 || y > verifyBound {
			return fmt.Errorf("vertex %d: dual %d out of range [0, 2^60]", v, y)
		}
		if y != 0 && r.Mate[v] == -1 {
			return fmt.Errorf("vertex %d is unmatched but its dual is %d, not 0", v, y)
		}
	}
	// blossoms: odd sets with positive duals, full, and who belongs where
	count := make([]int32, n+1)
	var zTotal int64
	for bi, b := range c.Blossoms {
		if len(b.Members) < 3 || len(b.Members)%2 == 0 {
			return fmt.Errorf("blossom %d has %d members, want an odd number >= 3", bi, len(b.Members))
		}
		if b.Dual < 0 || b.Dual > verifyBound {
			return fmt.Errorf("blossom %d: dual %d out of range [0, 2^60]", bi, b.Dual)
		}
		if zTotal += b.Dual; zTotal > verifyBound {
			return fmt.Errorf("blossom duals add up beyond 2^60")
		}
		inside := 0
		for t, v := range b.Members {
			if v < 0 || v >= n || t > 0 && v <= b.Members[t-1] {
				return fmt.Errorf("blossom %d: members not sorted distinct vertices in [0, %d)", bi, n)
			}
			count[v+1]++
		}
		for _, v := range b.Members {
			if u := r.Mate[v]; u != -1 && contains(b.Members, u) {
				inside++
			}
		}
		if b.Dual > 0 && inside != len(b.Members)-1 {
			return fmt.Errorf("blossom %d has a positive dual but %d of its %d members are matched inside it, want %d",
				bi, inside, len(b.Members), len(b.Members)-1)
		}
	}
	for v := 0; v < n; v++ {
		count[v+1] += count[v]
	}
	member := make([]int32, count[n]) // blossoms holding each vertex, increasing
	fill := append([]int32(nil), count[:n]...)
	for bi, b := range c.Blossoms {
		for _, v := range b.Members {
			member[fill[v]] = int32(bi)
			fill[v]++
		}
	}
	// every pair: feasibility, tightness of the matched ones, weight range
	var allowed int64
	var lo, hi int64
	for i := 0; i < n; i++ {
		yi := c.VertexDual[i]
		bi := member[count[i]:count[i+1]]
		for j := i + 1; j < n; j++ {
			w, ok := weight(i, j)
			if !ok {
				continue
			}
			if w > weightBound || w < -weightBound {
				return fmt.Errorf("pair (%d, %d): weight %d out of range", i, j, w)
			}
			if allowed == 0 || w < lo {
				lo = w
			}
			if allowed == 0 || w > hi {
				hi = w
			}
			allowed++
			slack := yi + c.VertexDual[j] - c.Unit*(w+c.Shift)
			if len(bi) > 0 && slack < 0 || r.Mate[i] == j {
				slack += shared(c.Blossoms, bi, member[count[j]:count[j+1]])
			}
			if slack < 0 {
				return fmt.Errorf("pair (%d, %d): dual constraint violated by %d", i, j, -slack)
			}
			if r.Mate[i] == j && slack != 0 {
				return fmt.Errorf("matched pair (%d, %d) is not tight: slack %d", i, j, slack)
			}
		}
	}
	// cardinality first: Shift > (k-1)·(hi-lo) - lo, k the most pairs possible
	if allowed > 0 {
		k := min(int64(n/2), allowed)
		need := new(big.Int).Mul(big.NewInt(k-1), big.NewInt(hi-lo))
		need.Sub(need, big.NewInt(lo))
		if big.NewInt(c.Shift).Cmp(need) <= 0 {
			return fmt.Errorf("shift %d too small to put cardinality first: weights in [%d, %d], up to %d pairs need more than %s",
				c.Shift, lo, hi, k, need)
		}
	}
	// the gap: dual objective minus Unit times the shifted weight
	gap := new(big.Int)
	for _, y := range c.VertexDual {
		gap.Add(gap, big.NewInt(y))
	}
	for _, b := range c.Blossoms {
		gap.Add(gap, new(big.Int).Mul(big.NewInt(b.Dual), big.NewInt(int64(len(b.Members)-1)/2)))
	}
	primal := new(big.Int).Mul(big.NewInt(int64(pairs)), big.NewInt(c.Shift))
	primal.Add(primal, big.NewInt(total))
	gap.Sub(gap, primal.Mul(primal, big.NewInt(c.Unit)))
	if gap.Sign() != 0 || !gap.IsInt64() || gap.Int64() != c.Gap {
		return fmt.Errorf("primal-dual gap is %s (certificate says %d), want 0", gap, c.Gap)
	}
	return nil
}

// shared sums the duals of the blossoms in both sorted lists.
func shared(bs []BlossomDual, a, b []int32) int64 {
	var z int64
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			a = a[1:]
		case a[0] > b[0]:
			b = b[1:]
		default:
			z += bs[a[0]].Dual
			a, b = a[1:], b[1:]
		}
	}
	return z
}

func contains(sorted []int, v int) bool {
	lo, hi := 0, len(sorted)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case sorted[m] == v:
			return true
		case sorted[m] < v:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}
