package blossom

import (
	"container/heap"
	"math"
	"slices"
	"sync/atomic"
)

// Weigher gives the weight of the pair (i, j), i < j, and false when the
// pair is forbidden. It must be pure and cheap: SolveAll calls it for every
// pair while pricing.
type Weigher func(i, j int) (int64, bool)

// better orders candidate partners: heavier first, then the lower index.
func better(w1 int64, j1 int32, w2 int64, j2 int32) bool {
	return w1 > w2 || w1 == w2 && j1 < j2
}

// topK holds, for every vertex, its k best allowed partners (heavier first,
// ties to the lower index), kept as a small heap whose root is the worst.
type topK struct {
	k   int
	w   []int64 // n*k
	j   []int32 // n*k
	cnt []int32
}

func newTopK(n, k int) *topK {
	return &topK{k: k, w: make([]int64, n*k), j: make([]int32, n*k), cnt: make([]int32, n)}
}

// offer proposes partner j with weight w to vertex v.
func (t *topK) offer(v int, j int32, w int64) {
	base := v * t.k
	hw, hj := t.w[base:base+t.k], t.j[base:base+t.k]
	c := int(t.cnt[v])
	if c < t.k {
		// sift up
		i := c
		for i > 0 {
			p := (i - 1) / 2
			if !better(hw[p], hj[p], w, j) {
				break
			}
			hw[i], hj[i] = hw[p], hj[p]
			i = p
		}
		hw[i], hj[i] = w, j
		t.cnt[v]++
		return
	}
	if !better(w, j, hw[0], hj[0]) {
		return
	}
	// replace the worst and sift down
	hw[0], hj[0] = w, j
	siftDown(hw, hj, 0, c)
}

// siftDown restores the heap (worst at the root) below i, in hw[:end].
func siftDown(hw []int64, hj []int32, i, end int) {
	for {
		l := 2*i + 1
		if l >= end {
			return
		}
		if r := l + 1; r < end && better(hw[l], hj[l], hw[r], hj[r]) {
			l = r
		}
		if !better(hw[i], hj[i], hw[l], hj[l]) {
			return
		}
		hw[i], hw[l] = hw[l], hw[i]
		hj[i], hj[l] = hj[l], hj[i]
		i = l
	}
}

// sorted returns v's partners, best first (the heap is consumed).
func (t *topK) sorted(v int, dstW []int64, dstJ []int32) ([]int64, []int32) {
	base := v * t.k
	c := int(t.cnt[v])
	hw, hj := t.w[base:base+c], t.j[base:base+c]
	// heap sort in place: moving the worst to the end leaves the best first
	for end := c - 1; end > 0; end-- {
		hw[0], hw[end] = hw[end], hw[0]
		hj[0], hj[end] = hj[end], hj[0]
		siftDown(hw, hj, 0, end)
	}
	return append(dstW, hw...), append(dstJ, hj...)
}

// scan is the result of one pass over every pair.
type scan struct {
	n       int
	allowed int64   // allowed pairs
	lo, hi  int64   // weight range of the allowed pairs
	maxW    []int64 // each vertex's heaviest allowed pair (math.MinInt64 when none)
	// k: the first k partners of each list are its candidates.
	k int
	// candW, candJ: each vertex's depth best partners, best first (the
	// candidates, then more for greedy and pricing). complete[v]: the list
	// holds every allowed partner of v.
	candW    [][]int64
	candJ    [][]int32
	complete []bool
	// lastW bounds the weight of every allowed pair of a vertex outside its
	// list: the weight of the list's last partner, or math.MinInt64 when
	// the list is complete.
	lastW []int64
}

// holds reports whether v's list holds partner j, whose pair weighs w: the
// list holds all of v's partners at least as good as its last one.
func (sc *scan) holds(v int, j int32, w int64) bool {
	l := len(sc.candJ[v])
	return sc.complete[v] || !better(sc.candW[v][l-1], sc.candJ[v][l-1], w, j)
}

// scanPairs calls weight once for every pair i < j and keeps each vertex's
// depth best partners, the first k of which are its candidates (depth >= k).
func scanPairs(n int, weight Weigher, k, depth int) *scan {
	return scanRows(n, Rows(weight), k, depth)
}

// scanRows is scanPairs weighing a row at a time.
func scanRows(n int, row RowWeigher, k, depth int) *scan {
	return scanRowsWith(n, row, k, depth, firstPass{})
}

// firstPass: how the first pass weighs its rows, and who else sees them.
type firstPass struct {
	// workers > 1: rows weighed by that many goroutines (the row weigher
	// must be safe for concurrent use); the caller's goroutine takes them
	// in order
	workers int
	// sink, when not nil, sees every row after it is weighed, in order
	// (i increasing), on the caller's goroutine
	sink func(i, from int, w []int64, ok []bool)
}

// scanRowsWith is scanRows with the rows weighed as fp says.
func scanRowsWith(n int, row RowWeigher, k, depth int, fp firstPass) *scan {
	k = max(1, min(k, n-1))
	depth = max(k, min(depth, n-1))
	sc := &scan{n: n, k: k, maxW: make([]int64, n), lastW: make([]int64, n), candW: make([][]int64, n),
		candJ: make([][]int32, n), complete: make([]bool, n)}
	for v := range sc.maxW {
		sc.maxW[v] = math.MinInt64
		sc.lastW[v] = math.MinInt64
		sc.complete[v] = true
	}
	if n < 2 {
		return sc
	}
	top := newTopK(n, depth)
	// root[v]: the weight of v's worst kept partner once v keeps depth of
	// them, else math.MinInt64: a pair lighter than both ends' roots
	// (most pairs) is rejected on this dense array, without touching the
	// lists.
	root := make([]int64, n)
	for v := range root {
		root[v] = math.MinInt64
	}
	offer := func(v, j int, w int64) {
		if top.cnt[v] < int32(depth) || better(w, int32(j), top.w[v*depth], top.j[v*depth]) {
			top.offer(v, int32(j), w)
			if top.cnt[v] == int32(depth) {
				root[v] = top.w[v*depth]
			}
		}
	}
	var allowed int64
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	consume := func(i int, ws []int64, oks []bool) {
		m := n - i - 1
		if fp.sink != nil {
			fp.sink(i, i+1, ws, oks)
		}
		ws, rs := ws[:m], root[i+1:n]
		// the counters in locals: the closure's own live in memory
		al, l, h, ri := allowed, lo, hi, root[i]
		// without a branch on whether the pair is allowed (it changes at
		// random along a row): a forbidden pair counts as the lightest
		// weight for the maximum and the heaviest for the minimum
		for t, ok := range oks[:m] {
			w, wl := ws[t], ws[t]
			if !ok {
				w, wl = math.MinInt64, math.MaxInt64
			}
			al += int64(b2i(ok))
			l, h = min(l, wl), max(h, w)
			if w >= ri && ok {
				offer(i, i+1+t, w)
				ri = root[i]
			}
			if w >= rs[t] && ok {
				offer(i+1+t, i, w)
			}
		}
		allowed, lo, hi = al, l, h
	}
	if fp.workers > 1 && n >= parallelRows {
		weighRows(n, row, fp.workers, consume)
	} else {
		rowW, rowOK := make([]int64, n), make([]bool, n)
		for i := 0; i < n-1; i++ {
			m := n - i - 1
			row(i, i+1, n, rowW[:m], rowOK[:m])
			consume(i, rowW[:m], rowOK[:m])
		}
	}
	if allowed > 0 {
		sc.allowed, sc.lo, sc.hi = allowed, lo, hi
	}
	wbuf := make([]int64, 0, n*depth)
	jbuf := make([]int32, 0, n*depth)
	for v := 0; v < n; v++ {
		start := len(wbuf)
		wbuf, jbuf = top.sorted(v, wbuf, jbuf)
		sc.candW[v] = wbuf[start:len(wbuf):len(wbuf)]
		sc.candJ[v] = jbuf[start:len(jbuf):len(jbuf)]
		if len(sc.candW[v]) > 0 {
			sc.maxW[v] = sc.candW[v][0] // the heaviest pair is never evicted
		}
		sc.complete[v] = len(sc.candW[v]) < depth
		if !sc.complete[v] {
			sc.lastW[v] = sc.candW[v][depth-1]
		}
	}
	return sc
}

// Greedy: heaviest-first greedy matching on the same problem (for
// comparison and as a start): the heaviest allowed pair among unmatched
// vertices is taken, ties to the lowest indices, until no allowed pair is
// left, so the matching is maximal. Negative pairs are taken too: pairing
// comes first.
func Greedy(n int, weight Weigher) Matching {
	return greedy(n, weight, scanPairs(n, weight, 10, listDepth))
}

// GreedyRows is Greedy with the first pass over the pairs made a row at a
// time (row must agree with weight, which the rescans use).
func GreedyRows(n int, weight Weigher, row RowWeigher) Matching {
	return greedy(n, weight, scanRows(n, row, 10, listDepth))
}

// greedyItem is a vertex's best available pair in the greedy queue.
type greedyItem struct {
	w    int64
	a, b int32 // a < b
}

type greedyQueue []greedyItem

// before orders pairs: heavier first, then by lower indices.
func (a greedyItem) before(b greedyItem) bool {
	if a.w != b.w {
		return a.w > b.w
	}
	if a.a != b.a {
		return a.a < b.a
	}
	return a.b < b.b
}

func (q greedyQueue) Len() int           { return len(q) }
func (q greedyQueue) Less(x, y int) bool { return q[x].before(q[y]) }
func (q greedyQueue) Swap(x, y int)      { q[x], q[y] = q[y], q[x] }
func (q *greedyQueue) Push(x any)        { *q = append(*q, x.(greedyItem)) }
func (q *greedyQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// listDepth is how many best partners per vertex the first pass over the
// pairs keeps, the candidates first. Greedy starts from them (half the
// vertices of a large pool see their first five taken before their turn,
// and each rescan weighs every unmatched vertex), and pricing reads their
// weights instead of weighing them again and bounds every other pair by
// the last of them, a bound much tighter than the K-th candidate's.
const listDepth = 16

// greedyRefill is how many partners a vertex whose candidates are all
// taken keeps from its rescan: the next best unmatched ones, so that the
// following stale entries cost no new rescan.
const greedyRefill = 16

// greedy runs heaviest-first over the candidate lists of sc, rescanning a
// vertex's partners only when all its listed partners are taken. Each
// vertex has in the queue at most one entry, its best pair among the
// vertices unmatched when the entry was made; an entry whose partner has
// since been matched is refreshed when it comes out. Since entries only get
// worse, the first valid entry out of the queue is the heaviest pair left.
//
// A rescan keeps the greedyRefill best unmatched partners as the vertex's
// new list: matched vertices never become unmatched, so the first
// unmatched vertex of that list stays the best available one until the
// list runs out. Without this, a vertex late in the order rescans every
// time its best partner is taken (a third of SolveAll's time at 10,000).
func greedy(n int, weight Weigher, sc *scan) Matching {
	m := Matching{Mate: make([]int, n)}
	for v := range m.Mate {
		m.Mate[v] = -1
	}
	pos := make([]int, n) // next partner to look at in the vertex's list
	listW, listJ := slices.Clone(sc.candW), slices.Clone(sc.candJ)
	// complete: the list holds every allowed partner left
	complete := slices.Clone(sc.complete)
	refill := newTopK(1, greedyRefill)
	var q greedyQueue
	// best returns v's best pair among unmatched vertices, and false when
	// there is none.
	best := func(v int) (greedyItem, bool) {
		for {
			for pos[v] < len(listJ[v]) {
				j := listJ[v][pos[v]]
				if m.Mate[j] == -1 {
					return pair(v, int(j), listW[v][pos[v]]), true
				}
				pos[v]++
			}
			if complete[v] {
				return greedyItem{}, false
			}
			// list exhausted: rescan every unmatched vertex, keep the best
			refill.cnt[0] = 0
			for u := 0; u < n; u++ {
				if u == v || m.Mate[u] != -1 {
					continue
				}
				if w, ok := weigh(weight, v, u); ok {
					refill.offer(0, int32(u), w)
				}
			}
			complete[v] = int(refill.cnt[0]) < greedyRefill
			listW[v], listJ[v] = refill.sorted(0, nil, nil)
			pos[v] = 0
		}
	}
	for v := 0; v < n; v++ {
		if it, ok := best(v); ok {
			q = append(q, it)
		}
	}
	heap.Init(&q)
	for q.Len() > 0 {
		it := heap.Pop(&q).(greedyItem)
		a, b := int(it.a), int(it.b)
		if m.Mate[a] == -1 && m.Mate[b] == -1 {
			m.Mate[a], m.Mate[b] = b, a
			m.Pairs++
			m.Total += it.w
			continue
		}
		// stale: refresh the unmatched side
		for _, v := range [2]int{a, b} {
			if m.Mate[v] == -1 {
				if nit, ok := best(v); ok {
					heap.Push(&q, nit)
				}
			}
		}
	}
	return m
}

func pair(v, u int, w int64) greedyItem {
	if v > u {
		v, u = u, v
	}
	return greedyItem{w: w, a: int32(v), b: int32(u)}
}

// weigh calls weight with the lower index first.
func weigh(weight Weigher, i, j int) (int64, bool) {
	if i > j {
		i, j = j, i
	}
	return weight(i, j)
}

// b2i is 1 for true, 0 for false (compiled without a branch).
func b2i(b bool) int {
	var x int
	if b {
		x = 1
	}
	return x
}

// parallelRows: below this many vertices the first pass stays on one
// goroutine (the rows are too short to share).
const parallelRows = 512

// rowsPerChunk: rows weighed together by one worker (two rows of 10,000
// vertices are a tenth of a millisecond of work, and 180 KB).
const rowsPerChunk = 2

// weighRows weighs the rows i = 0..n-2 (pairs (i, j), j > i) with workers
// goroutines, a chunk of rows each at a time, and hands them to consume in
// order on the caller's goroutine. At most workers+1 chunks are in flight
// (about half a MB at 10,000 vertices).
func weighRows(n int, row RowWeigher, workers int, consume func(i int, w []int64, ok []bool)) {
	type chunk struct {
		idx int
		w   []int64
		ok  []bool
	}
	chunks := (n - 1 + rowsPerChunk - 1) / rowsPerChunk
	slots := workers + 1
	free := make(chan *chunk, slots)
	done := make(chan *chunk, slots)
	for range slots {
		free <- &chunk{w: make([]int64, rowsPerChunk*(n-1)), ok: make([]bool, rowsPerChunk*(n-1))}
	}
	var next atomic.Int64
	for range workers {
		go func() {
			for c := range free {
				c.idx = int(next.Add(1) - 1)
				if c.idx >= chunks {
					return
				}
				off := 0
				for i := c.idx * rowsPerChunk; i < min((c.idx+1)*rowsPerChunk, n-1); i++ {
					m := n - i - 1
					row(i, i+1, n, c.w[off:off+m], c.ok[off:off+m])
					off += m
				}
				done <- c
			}
		}()
	}
	// chunks come back in any order: consume them in order
	pending := map[int]*chunk{}
	for want := 0; want < chunks; {
		c := <-done
		pending[c.idx] = c
		for c, ok := pending[want]; ok; c, ok = pending[want] {
			delete(pending, want)
			off := 0
			for i := want * rowsPerChunk; i < min((want+1)*rowsPerChunk, n-1); i++ {
				m := n - i - 1
				consume(i, c.w[off:off+m], c.ok[off:off+m])
				off += m
			}
			free <- c
			want++
		}
	}
	close(free) // the workers waiting for a chunk stop
}
