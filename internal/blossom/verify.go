package blossom

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
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
	weight := rowPair(row)
	v, err := newVerifier(n, weight, r)
	if err != nil {
		return err
	}
	y, mate, c := v.y, v.mate, v.c
	// every pair: feasibility, tightness of the matched ones, weight range
	var allowed int64
	var lo, hi int64
	active := make([]bool, n)
	rowW, rowOK := make([]int64, n), make([]bool, n)
	for i := 0; i < n-1; i++ {
		row(i, i+1, n, rowW[:n-i-1], rowOK[:n-i-1])
		for t, ok := range rowOK[:n-i-1] {
			if !ok {
				continue
			}
			j, w := i+1+t, rowW[t]
			active[i], active[j] = true, true
			if allowed == 0 {
				lo, hi = w, w
			}
			lo, hi = min(lo, w), max(hi, w)
			allowed++
			// most pairs: in range, not matched, feasible on the vertex
			// duals alone (blossom duals only add), as check would find
			if w <= weightBound && w >= -weightBound && mate[i] != j && y[i]+y[j]-c.Unit*(w+c.Shift) >= 0 {
				continue
			}
			if err := v.check(i, j, w); err != nil {
				return err
			}
		}
	}
	return v.finish(allowed, lo, hi, active)
}

// rowPair weighs one pair through a RowWeigher.
func rowPair(row RowWeigher) Weigher {
	var one [1]int64
	var oneOK [1]bool
	return func(i, j int) (int64, bool) {
		row(i, j, j+1, one[:], oneOK[:])
		return one[0], oneOK[0]
	}
}

// verifier holds what the checks share: the matching with the dummy's
// pair, the duals, the blossoms by vertex, the shifted weight of the
// matching.
type verifier struct {
	n, size       int
	c             *Certificate
	mate          []int
	y             []int64
	member, start []int32
	shifted       *big.Int // Σ over the pairs of (w + Shift), dummy pair included
}

// newVerifier checks the matching (partners in return, allowed pairs,
// weights in range, the totals), the dummy, the ranges of the duals, zero
// duals on exposed vertices and the blossoms.
func newVerifier(n int, weight Weigher, r Result) (*verifier, error) {
	c := &r.Certificate
	if len(r.Mate) != n {
		return nil, fmt.Errorf("matching has %d vertices, want %d", len(r.Mate), n)
	}
	if len(c.VertexDual) != n {
		return nil, fmt.Errorf("certificate has %d vertex duals, want %d", len(c.VertexDual), n)
	}
	if c.Shift < 0 || c.Shift > weightBound {
		return nil, fmt.Errorf("shift %d out of range [0, 2^57]", c.Shift)
	}
	if n > 0 && (c.Unit < 1 || c.Unit > maxUnitBound) {
		return nil, fmt.Errorf("unit %d out of range [1, %d]", c.Unit, maxUnitBound)
	}
	// the matching, its totals
	pairs, total := 0, int64(0)
	var matched []Edge
	for v, u := range r.Mate {
		if u == -1 {
			continue
		}
		if u < 0 || u >= n || u == v || r.Mate[u] != v {
			return nil, fmt.Errorf("vertex %d: mate %d is not a partner in return", v, u)
		}
		if v > u {
			continue
		}
		w, ok := weight(v, u)
		if !ok {
			return nil, fmt.Errorf("pair (%d, %d) is matched but forbidden", v, u)
		}
		if w > weightBound || w < -weightBound {
			return nil, fmt.Errorf("pair (%d, %d): weight %d out of range", v, u, w)
		}
		pairs++
		total += w
		matched = append(matched, Edge{U: v, V: u, W: w})
	}
	if pairs != r.Pairs || total != r.Total {
		return nil, fmt.Errorf("matching has %d pairs of total %d, result says %d pairs of total %d", pairs, total, r.Pairs, r.Total)
	}
	// the problem checked: n vertices, plus the dummy numbered n if any
	v := &verifier{n: n, size: n, c: c, mate: append([]int(nil), r.Mate...), y: append([]int64(nil), c.VertexDual...),
		shifted: new(big.Int)}
	if d := c.Dummy; d != nil {
		if d.Weight > weightBound || d.Weight < -weightBound {
			return nil, fmt.Errorf("dummy weight %d out of range", d.Weight)
		}
		v.size = n + 1
		v.mate = append(v.mate, d.Mate)
		v.y = append(v.y, d.Dual)
		if d.Mate != -1 {
			if d.Mate < 0 || d.Mate >= n || r.Mate[d.Mate] != -1 {
				return nil, fmt.Errorf("dummy paired with %d, which is not a vertex left alone", d.Mate)
			}
			v.mate[d.Mate] = n
			v.shifted.SetInt64(d.Weight + c.Shift)
		}
	}
	v.shifted.Add(v.shifted, new(big.Int).Mul(big.NewInt(int64(pairs)), big.NewInt(c.Shift)))
	v.shifted.Add(v.shifted, big.NewInt(total))
	// duals: non-negative, zero on exposed vertices
	for u, yu := range v.y {
		if yu < 0 || yu > verifyBound {
			return nil, fmt.Errorf("vertex %d: dual %d out of range [0, 2^60]", u, yu)
		}
		if yu != 0 && v.mate[u] == -1 {
			return nil, fmt.Errorf("vertex %d is unmatched but its dual is %d, not 0", u, yu)
		}
	}
	var err error
	if v.member, v.start, err = blossomMembers(v.size, v.mate, c.Blossoms); err != nil {
		return nil, err
	}
	// the matched pairs are tight (and feasible) with the weights just read
	for _, e := range matched {
		if err := v.check(e.U, e.V, e.W); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// check checks the allowed pair (i, j) of weight w: weight in range, dual
// constraint met, tight when matched.
func (v *verifier) check(i, j int, w int64) error {
	if w > weightBound || w < -weightBound {
		return fmt.Errorf("pair (%d, %d): weight %d out of range", i, j, w)
	}
	c := v.c
	slack := v.y[i] + v.y[j] - c.Unit*(w+c.Shift)
	mi := v.member[v.start[i]:v.start[i+1]]
	if len(mi) > 0 && slack < 0 || v.mate[i] == j {
		slack += shared(c.Blossoms, mi, v.member[v.start[j]:v.start[j+1]])
	}
	if slack < 0 {
		return fmt.Errorf("pair (%d, %d): dual constraint violated by %d", i, j, -slack)
	}
	if v.mate[i] == j && slack != 0 {
		return fmt.Errorf("matched pair (%d, %d) is not tight: slack %d", i, j, slack)
	}
	return nil
}

// finish checks what needs every pair's weight, given as the number of
// allowed pairs, their weight range and the vertices with an allowed pair:
// the dummy's pairs, the shift, and the gap.
func (v *verifier) finish(allowed, lo, hi int64, active []bool) error {
	n, c := v.n, v.c
	if allowed > 0 && (lo < -weightBound || hi > weightBound) {
		return fmt.Errorf("weights in [%d, %d] out of range", lo, hi)
	}
	if d := c.Dummy; d != nil {
		count := 0
		for u := 0; u < n; u++ {
			if !active[u] {
				continue
			}
			count++
			if err := v.check(u, n, d.Weight); err != nil {
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
		k := min(int64(v.size/2), allowed)
		need := new(big.Int).Mul(big.NewInt(k-1), big.NewInt(hi-lo))
		need.Sub(need, big.NewInt(lo))
		if big.NewInt(c.Shift).Cmp(need) <= 0 {
			return fmt.Errorf("shift %d too small to put cardinality first: weights in [%d, %d], up to %d pairs need more than %s",
				c.Shift, lo, hi, k, need)
		}
	}
	// the gap: dual objective minus Unit times the shifted weight
	gap := new(big.Int)
	for _, yv := range v.y {
		gap.Add(gap, big.NewInt(yv))
	}
	for _, b := range c.Blossoms {
		gap.Add(gap, new(big.Int).Mul(big.NewInt(b.Dual), big.NewInt(int64(len(b.Members)-1)/2)))
	}
	gap.Sub(gap, v.shifted.Mul(v.shifted, big.NewInt(c.Unit)))
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

// digestDepth is how many heaviest partners a Digest keeps per vertex.
const digestDepth = 16

// Digest is what VerifyDigest keeps of a pass over every pair made for
// another purpose (SolveAll's first pass, through Options.Digest), so that
// checking a certificate needs no second pass over the pairs: the number
// of allowed pairs and their weight range, and for every vertex its
// digestDepth heaviest allowed partners with their weights. Every other
// pair of a vertex weighs at most the lightest of those, which bounds the
// pairs VerifyDigest need not weigh again. Its lists are its own (a heap
// per vertex), not the solver's; VerifyDigest refuses a digest that
// missed a pair or saw one twice.
type Digest struct {
	n       int
	next    []int // next[i]: the first j of row i not seen yet
	broken  bool  // a row given twice, or not from where row i stopped
	allowed int64
	lo, hi  int64
	cnt     []int32
	// root[v]: the weight of v's lightest kept partner once v keeps
	// digestDepth of them (math.MinInt64 before): a lighter or equal pair
	// cannot enter v's list.
	root []int64
	w    []int64 // n*digestDepth: per vertex a heap, lightest at the top
	j    []int32
}

// NewDigest returns an empty digest of the pairs of n vertices.
func NewDigest(n int) *Digest {
	d := &Digest{n: n, next: make([]int, n), cnt: make([]int32, n), root: make([]int64, n),
		w: make([]int64, n*digestDepth), j: make([]int32, n*digestDepth)}
	for i := range d.next {
		d.next[i] = i + 1
		d.root[i] = math.MinInt64
	}
	return d
}

// add records the pairs (i, from+t) of weight w[t], allowed when ok[t].
// Each pair must come once: a piece of row i must start where the last
// one stopped, else the digest is broken, and VerifyDigest refuses it (as
// one with pairs never given).
func (d *Digest) add(i, from int, w []int64, ok []bool) {
	if i < 0 || i >= d.n || from != d.next[i] || from+len(w) > d.n {
		d.broken = true
		return
	}
	d.next[i] = from + len(w)
	allowed, lo, hi := d.allowed, d.lo, d.hi
	if allowed == 0 {
		lo, hi = math.MaxInt64, math.MinInt64
	}
	rs, ri := d.root[from:from+len(w)], d.root[i]
	// without a branch on whether the pair is allowed: a forbidden one
	// counts as the lightest weight for the maximum (and never enters a
	// list) and the heaviest for the minimum
	for t, in := range ok[:len(w)] {
		wt, wl := w[t], w[t]
		if !in {
			wt, wl = math.MinInt64, math.MaxInt64
		}
		allowed += int64(b2i(in))
		lo, hi = min(lo, wl), max(hi, wt)
		if wt > ri {
			d.offer(i, from+t, wt)
			ri = d.root[i]
		}
		if wt > rs[t] {
			d.offer(from+t, i, wt)
		}
	}
	if allowed > 0 {
		d.allowed, d.lo, d.hi = allowed, lo, hi
	}
}

// offer keeps partner j of weight w in v's heap if it is among the
// heaviest (w > root[v]).
func (d *Digest) offer(v, j int, w int64) {
	base := v * digestDepth
	hw, hj := d.w[base:base+digestDepth], d.j[base:base+digestDepth]
	c := int(d.cnt[v])
	if c < digestDepth {
		i := c
		for i > 0 {
			p := (i - 1) / 2
			if hw[p] <= w {
				break
			}
			hw[i], hj[i] = hw[p], hj[p]
			i = p
		}
		hw[i], hj[i] = w, int32(j)
		if d.cnt[v]++; d.cnt[v] == digestDepth {
			d.root[v] = hw[0]
		}
		return
	}
	// replace the lightest, sift down
	i := 0
	for {
		l := 2*i + 1
		if l >= digestDepth {
			break
		}
		if r := l + 1; r < digestDepth && hw[r] < hw[l] {
			l = r
		}
		if w <= hw[l] {
			break
		}
		hw[i], hj[i] = hw[l], hj[l]
		i = l
	}
	hw[i], hj[i] = w, int32(j)
	d.root[v] = hw[0]
}

// VerifyDigest makes Verify's checks with the weights of a digest of
// every pair (see Digest), calling weight only for the matched pairs and
// for the pairs the duals do not plainly cover:
//
//   - a pair in the list of one of its ends is checked with the weight
//     the list holds;
//   - any other pair (i, j) weighs at most min(root_i, root_j), the
//     lightest weights of the two lists (both full: a list that is not
//     full holds every allowed partner of its vertex), so when
//     y_i + y_j ≥ Unit·(min(root_i, root_j) + Shift) its constraint holds
//     whatever the blossom duals (they are non-negative); the others are
//     weighed and checked. With the vertices sorted by dual, the pairs
//     to weigh of each vertex form a prefix of the order, and the rest is
//     never visited (as SolveAll's pricing does);
//   - the shift, the dummy's pairs and the cardinality use the digest's
//     count of allowed pairs, weight range and vertices with a pair.
//
// The digest must be of the same weights as weight's, for the n vertices
// of r (SolveAll fills it from its first pass when Options.Digest is set).
func VerifyDigest(n int, weight Weigher, d *Digest, r Result) error {
	if d == nil || d.n != n {
		return fmt.Errorf("no digest of the pairs of %d vertices", n)
	}
	if d.broken {
		return errors.New("the digest was given a pair twice, or a row not from where it stopped")
	}
	for i := 0; i < n-1; i++ {
		if d.next[i] != n {
			return fmt.Errorf("the digest missed pairs of vertex %d", i)
		}
	}
	v, err := newVerifier(n, weight, r)
	if err != nil {
		return err
	}
	// the listed pairs, with their weights
	for u := 0; u < n; u++ {
		base := u * digestDepth
		for t := 0; t < int(d.cnt[u]); t++ {
			j := int(d.j[base+t])
			if err := v.check(min(u, j), max(u, j), d.w[base+t]); err != nil {
				return err
			}
		}
	}
	// the other pairs: vertices with a full list, by increasing dual;
	// need = Unit·(root + Shift) - y: a partner j of i to weigh has
	// y_j < need_i and y_i < need_j
	c := v.c
	type cand struct {
		y, need int64
		v       int32
	}
	var sorted []cand
	for u := 0; u < n; u++ {
		if d.cnt[u] == digestDepth {
			if d.root[u] > weightBound || d.root[u] < -weightBound {
				return fmt.Errorf("vertex %d: weight %d out of range", u, d.root[u])
			}
			sorted = append(sorted, cand{y: v.y[u], need: c.Unit*(d.root[u]+c.Shift) - v.y[u], v: int32(u)})
		}
	}
	slices.SortFunc(sorted, func(a, b cand) int { return cmp.Compare(a.y, b.y) })
	for pi, a := range sorted {
		for _, b := range sorted[pi+1:] {
			if b.y >= a.need {
				break
			}
			if a.y >= b.need {
				continue
			}
			i, j := int(min(a.v, b.v)), int(max(a.v, b.v))
			if w, ok := weight(i, j); ok {
				if err := v.check(i, j, w); err != nil {
					return err
				}
			}
		}
	}
	active := make([]bool, n)
	for u := range active {
		active[u] = d.cnt[u] > 0
	}
	return v.finish(d.allowed, d.lo, d.hi, active)
}
