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
	return VerifyRows(n, Rows(weight), r)
}

// VerifyRows is Verify weighing a row of pairs at a time: the same checks,
// with every pair weighed by row.
func VerifyRows(n int, row RowWeigher, r Result) error {
	var one [1]int64
	var oneOK [1]bool
	weight := func(i, j int) (int64, bool) {
		row(i, j, j+1, one[:], oneOK[:])
		return one[0], oneOK[0]
	}
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
	// the problem checked: n vertices, plus the dummy numbered n if any
	size := n
	mate := append([]int(nil), r.Mate...)
	y := append([]int64(nil), c.VertexDual...)
	shifted := new(big.Int) // Σ over the pairs of (w + Shift), dummy pair included
	if d := c.Dummy; d != nil {
		if d.Weight > weightBound || d.Weight < -weightBound {
			return fmt.Errorf("dummy weight %d out of range", d.Weight)
		}
		size = n + 1
		mate = append(mate, d.Mate)
		y = append(y, d.Dual)
		if d.Mate != -1 {
			if d.Mate < 0 || d.Mate >= n || r.Mate[d.Mate] != -1 {
				return fmt.Errorf("dummy paired with %d, which is not a vertex left alone", d.Mate)
			}
			mate[d.Mate] = n
			shifted.SetInt64(d.Weight + c.Shift)
		}
	}
	shifted.Add(shifted, new(big.Int).Mul(big.NewInt(int64(pairs)), big.NewInt(c.Shift)))
	shifted.Add(shifted, big.NewInt(total))
	// duals: non-negative, zero on exposed vertices
	for v, yv := range y {
		if yv < 0 || yv > verifyBound {
			return fmt.Errorf("vertex %d: dual %d out of range [0, 2^60]", v, yv)
		}
		if yv != 0 && mate[v] == -1 {
			return fmt.Errorf("vertex %d is unmatched but its dual is %d, not 0", v, yv)
		}
	}
	member, start, err := blossomMembers(size, mate, c.Blossoms)
	if err != nil {
		return err
	}
	// every pair: feasibility, tightness of the matched ones, weight range
	var allowed int64
	var lo, hi int64
	active := make([]bool, n)
	check := func(i, j int, w int64) error {
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
		slack := y[i] + y[j] - c.Unit*(w+c.Shift)
		mi := member[start[i]:start[i+1]]
		if len(mi) > 0 && slack < 0 || mate[i] == j {
			slack += shared(c.Blossoms, mi, member[start[j]:start[j+1]])
		}
		if slack < 0 {
			return fmt.Errorf("pair (%d, %d): dual constraint violated by %d", i, j, -slack)
		}
		if mate[i] == j && slack != 0 {
			return fmt.Errorf("matched pair (%d, %d) is not tight: slack %d", i, j, slack)
		}
		return nil
	}
	rowW, rowOK := make([]int64, n), make([]bool, n)
	for i := 0; i < n-1; i++ {
		row(i, i+1, n, rowW[:n-i-1], rowOK[:n-i-1])
		for t, ok := range rowOK[:n-i-1] {
			if !ok {
				continue
			}
			j := i + 1 + t
			active[i], active[j] = true, true
			// most pairs: in range, not matched, feasible on the vertex
			// duals alone (blossom duals only add), as check would find
			if w := rowW[t]; w <= weightBound && w >= -weightBound && allowed > 0 && mate[i] != j &&
				y[i]+y[j]-c.Unit*(w+c.Shift) >= 0 {
				lo, hi = min(lo, w), max(hi, w)
				allowed++
				continue
			}
			if err := check(i, j, rowW[t]); err != nil {
				return err
			}
		}
	}
	if d := c.Dummy; d != nil {
		count := 0
		for v := 0; v < n; v++ {
			if !active[v] {
				continue
			}
			count++
			if err := check(v, n, d.Weight); err != nil {
				return fmt.Errorf("dummy %w", err)
			}
		}
		if count%2 == 0 {
			return fmt.Errorf("a dummy vertex, but %d vertices have allowed pairs, an even number", count)
		}
		if d.Mate != -1 && !active[d.Mate] {
			return fmt.Errorf("dummy paired with %d, which has no allowed pair", d.Mate)
		}
	}
	// cardinality first: Shift > (k-1)·(hi-lo) - lo, k the most pairs possible
	if allowed > 0 {
		k := min(int64(size/2), allowed)
		need := new(big.Int).Mul(big.NewInt(k-1), big.NewInt(hi-lo))
		need.Sub(need, big.NewInt(lo))
		if big.NewInt(c.Shift).Cmp(need) <= 0 {
			return fmt.Errorf("shift %d too small to put cardinality first: weights in [%d, %d], up to %d pairs need more than %s",
				c.Shift, lo, hi, k, need)
		}
	}
	// the gap: dual objective minus Unit times the shifted weight
	gap := new(big.Int)
	for _, yv := range y {
		gap.Add(gap, big.NewInt(yv))
	}
	for _, b := range c.Blossoms {
		gap.Add(gap, new(big.Int).Mul(big.NewInt(b.Dual), big.NewInt(int64(len(b.Members)-1)/2)))
	}
	gap.Sub(gap, shifted.Mul(shifted, big.NewInt(c.Unit)))
	if gap.Sign() != 0 || !gap.IsInt64() || gap.Int64() != c.Gap {
		return fmt.Errorf("primal-dual gap is %s (certificate says %d), want 0", gap, c.Gap)
	}
	return nil
}

// blossomMembers checks the odd sets (odd size >= 3, sorted distinct
// members, dual in range, full when positive) and lists for every vertex
// the sets holding it, in increasing order: member[start[v]:start[v+1]].
func blossomMembers(size int, mate []int, bs []BlossomDual) ([]int32, []int32, error) {
	start := make([]int32, size+1)
	var zTotal int64
	for bi, b := range bs {
		if len(b.Members) < 3 || len(b.Members)%2 == 0 {
			return nil, nil, fmt.Errorf("blossom %d has %d members, want an odd number >= 3", bi, len(b.Members))
		}
		if b.Dual < 0 || b.Dual > verifyBound {
			return nil, nil, fmt.Errorf("blossom %d: dual %d out of range [0, 2^60]", bi, b.Dual)
		}
		if zTotal += b.Dual; zTotal > verifyBound {
			return nil, nil, fmt.Errorf("blossom duals add up beyond 2^60")
		}
		for t, v := range b.Members {
			if v < 0 || v >= size || t > 0 && v <= b.Members[t-1] {
				return nil, nil, fmt.Errorf("blossom %d: members not sorted distinct vertices in [0, %d)", bi, size)
			}
			start[v+1]++
		}
		inside := 0
		for _, v := range b.Members {
			if u := mate[v]; u != -1 && contains(b.Members, u) {
				inside++
			}
		}
		if b.Dual > 0 && inside != len(b.Members)-1 {
			return nil, nil, fmt.Errorf("blossom %d has a positive dual but %d of its %d members are matched inside it, want %d",
				bi, inside, len(b.Members), len(b.Members)-1)
		}
	}
	for v := 0; v < size; v++ {
		start[v+1] += start[v]
	}
	member := make([]int32, start[size])
	fill := append([]int32(nil), start[:size]...)
	for bi, b := range bs {
		for _, v := range b.Members {
			member[fill[v]] = int32(bi)
			fill[v]++
		}
	}
	return member, start, nil
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
