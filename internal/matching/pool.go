package matching

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Profile is what scoring knows of one member.
type Profile struct {
	// Population of the member's collectivity (0: unknown).
	Population int
	// Kind of collectivity ("commune", "epci"...), and Collectivity a key
	// naming it (kind and code): two members of the same collectivity are
	// never introduced. Empty Collectivity: unknown, never the same.
	Kind         string
	Collectivity string
	Region       string
	Departement  string
	// Role is an id of the configured member roles.
	Role string
	// Interests are interest ids; Workshops the congress sessions the
	// member attended (or registered for).
	Interests []string
	Workshops []string
	// SimilarSizeOnly: the member asked for peers of similar size.
	SimilarSizeOnly bool
	// SameRegion: the member asked for peers of their own région.
	SameRegion bool
	// Offers are the interest ids on which the member can share their
	// experience; Needs those on which they look for it.
	Offers []string
	Needs  []string
}

// History is what past rounds and members' answers say about pairs, by
// index into the profiles.
type History struct {
	// Met lists pairs introduced in recent rounds: Ago is 1 for the last
	// round, 2 for the one before...
	Met []Met
	// NotAgain lists pairs one of whom asked never to meet the other.
	NotAgain [][2]int
	// Priority lists members to be served first (they sat the last round
	// out): in sit-out mode they do not sit out again.
	Priority []int
}

// Met is a pair introduced Ago rounds ago.
type Met struct {
	A, B int
	Ago  int
}

// Forbidden reasons.
const (
	ForbidSameCollectivity = "same_collectivity"
	ForbidNotAgain         = "not_again"
	ForbidRecent           = "recent"
	// ForbidPreference: the pair breaks a member's stated preference
	// that the rules make a constraint (Rules.Hard).
	ForbidPreference = "preference"
)

// Breakdown is a pair's score, criterion by criterion, in points.
type Breakdown struct {
	Size        float64 `json:"size"`
	Interests   float64 `json:"interests"`
	Region      float64 `json:"region"`
	Role        float64 `json:"role"`
	Workshop    float64 `json:"workshop"`
	Preferences float64 `json:"preferences"`
	Complement  float64 `json:"complement"`
	// Repeat is the penalty (negative) for a pair met recently.
	Repeat float64 `json:"repeat"`
	Total  float64 `json:"total"`
	// Forbidden names why the pair may not be introduced ("" if it may).
	Forbidden string `json:"forbidden,omitempty"`
	// MetAgo is how many rounds ago the pair was introduced (0: not in
	// the last Repeat.Rounds rounds).
	MetAgo int `json:"met_ago,omitempty"`
}

// itabStride: the interest table's row, one entry per sum of two counts
// of interests (each at most 64 in popcount mode).
const itabStride = 129

// prof is a profile prepared for fast scoring.
type prof struct {
	logPop    float64
	pop       int32
	bracket   int16
	region    int16 // 0: unknown
	dep       int16
	role      int16
	coll      int32 // 0: unknown
	prefs     uint8
	interests []uint64
	wInterest float64
	workshops []int32 // sorted
	// offers and needs are interest bitsets, like interests (nil when
	// the member stated none).
	offers, needs []uint64
	special       []special
	// sig has bit (other % 64) set for every special partner: most pairs
	// are rejected without scanning special.
	sig uint64
}

// hot is what scoring a pair reads of each member, packed in 48 bytes:
// the solver prices millions of pairs, and one member's row fits in a
// cache line. The rest (several words of interests, workshops, history)
// stays in prof.
type hot struct {
	logPop    float64
	in0       uint64 // interests, first word
	wInterest float64
	sig       uint64 // bit (other % 64) set for every partner with history
	coll      int32  // 0: unknown
	pop       int32
	region    int16 // 0: unknown
	role      int16
	bracket   int16
	prefs     uint8
	// wsig has bit (workshop % 64) set for every workshop attended: two
	// members without a common bit share none.
	wsig uint64
}

// special is a partner with history: met some rounds ago, or not again.
type special struct {
	other int32
	ago   int16 // 0: not again
}

const (
	prefSimilar uint8 = 1 << iota
	prefRegion
	prefPriority // served first: does not sit out
	prefHelp     // stated offers or needs
)

const prefMember = prefSimilar | prefRegion

const (
	regionSame uint8 = iota + 1
	regionDifferent
)

// Pool is a set of profiles prepared for scoring under rules. It is
// immutable and safe for concurrent use.
type Pool struct {
	rules    Rules
	p        []prof
	h        []hot
	roleW    []float64 // Weights.Role times the matrix value, by role*nroles+role
	nroles   int
	iw       []float64 // interest weights by bit
	uniform  bool      // every interest weighs 1
	popcount bool      // uniform, in one word: the shared weight is a popcount
	words    int
	invSpan  float64
	bracket  bool  // Rules.SizeMode == SizeBracket
	region   uint8 // Rules.RegionMode: regionSame, regionDifferent or 0 (ignore)
	// logSimilar is log10 of Rules.SimilarRatio (plus a hair, so that a
	// ratio of exactly SimilarRatio satisfies).
	logSimilar float64
	penalty    int64 // milli-points
	// hard is the mask of the member preferences that are constraints.
	hard uint8
	// itab: with popcount, the interest term (Weights.Interests · shared
	// / union) by shared·itabStride + the two members' counts.
	itab []float64
	// perPair: Plan weighs every pair through Milli, not MilliRow (the
	// reference, for tests).
	perPair bool
}

// Len returns the number of profiles.
func (p *Pool) Len() int { return len(p.p) }

// Rules returns the pool's rules.
func (p *Pool) Rules() Rules { return p.rules }

// NewPool prepares profiles for scoring. History indexes must be within
// range and pairs of distinct members.
func NewPool(rules Rules, profiles []Profile, h History) (*Pool, error) {
	if err := rules.Check(); err != nil {
		return nil, err
	}
	if rules.Brackets == nil {
		rules.Brackets = DGCLBrackets
	}
	if rules.Candidates <= 0 {
		rules.Candidates = 4
	}
	n := len(profiles)
	pool := &Pool{rules: rules, p: make([]prof, n), penalty: int64(math.Round(rules.Repeat.Penalty * 1000))}
	intern := func(m map[string]int, s string) int {
		if s == "" {
			return 0
		}
		id, ok := m[s]
		if !ok {
			id = len(m) + 1
			m[s] = id
		}
		return id
	}
	regions, deps, roles, colls, workshops := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	interests := map[string]int{}
	for _, pr := range profiles {
		for _, id := range pr.Interests {
			if _, ok := interests[id]; !ok {
				interests[id] = len(interests)
			}
		}
		intern(roles, pr.Role)
	}
	for _, pr := range profiles {
		for _, ids := range [][]string{pr.Offers, pr.Needs} {
			for _, id := range ids {
				if _, ok := interests[id]; !ok {
					interests[id] = len(interests)
				}
			}
		}
	}
	pool.words = (len(interests) + 63) / 64
	pool.iw = make([]float64, len(interests))
	for id, bit := range interests {
		w, ok := rules.InterestWeights[id]
		if !ok {
			w = 1
		}
		pool.iw[bit] = w
	}
	roleNames := make([]string, len(roles)+1)
	for name, id := range roles {
		roleNames[id] = name
	}
	pool.nroles = len(roleNames)
	pool.roleW = make([]float64, pool.nroles*pool.nroles)
	for a := range roleNames {
		for b := range roleNames {
			pool.roleW[a*pool.nroles+b] = rules.Weights.Role * rules.Roles.Value(roleNames[a], roleNames[b])
		}
	}
	pool.uniform = !slices.ContainsFunc(pool.iw, func(w float64) bool { return w != 1 })
	pool.popcount = pool.uniform && pool.words <= 1
	if pool.popcount {
		pool.itab = make([]float64, 65*itabStride)
		for shared := 0; shared <= 64; shared++ {
			for both := shared; both < itabStride; both++ {
				if union := float64(both) - float64(shared); union > 0 {
					// the same operations as Milli's, on the same values
					pool.itab[shared*itabStride+both] = rules.Weights.Interests * float64(shared) / union
				}
			}
		}
	}
	if rules.LogSpan > 0 {
		pool.invSpan = 1 / rules.LogSpan
	}
	pool.logSimilar = math.Log10(rules.SimilarRatio) + 1e-9
	pool.bracket = rules.SizeMode == SizeBracket
	if rules.Hard.SimilarSize {
		pool.hard |= prefSimilar
	}
	if rules.Hard.SameRegion {
		pool.hard |= prefRegion
	}
	switch rules.RegionMode {
	case RegionPreferSame:
		pool.region = regionSame
	case RegionPreferDifferent:
		pool.region = regionDifferent
	}
	for i, pr := range profiles {
		q := &pool.p[i]
		q.pop = int32(min(max(pr.Population, 0), math.MaxInt32))
		q.logPop = math.Log10(float64(max(pr.Population, 1)))
		q.bracket = int16(Bracket(rules.Brackets, pr.Population))
		q.region = int16(intern(regions, pr.Region))
		q.dep = int16(intern(deps, pr.Departement))
		q.role = int16(intern(roles, pr.Role))
		if pr.Collectivity != "" {
			q.coll = int32(intern(colls, pr.Collectivity))
		}
		if pr.SimilarSizeOnly {
			q.prefs |= prefSimilar
		}
		if pr.SameRegion {
			q.prefs |= prefRegion
		}
		q.interests = make([]uint64, pool.words)
		for _, id := range slices.Compact(slices.Sorted(slices.Values(pr.Interests))) {
			bit := interests[id]
			q.interests[bit/64] |= 1 << (bit % 64)
			q.wInterest += pool.iw[bit]
		}
		bitset := func(ids []string) []uint64 {
			if len(ids) == 0 {
				return nil
			}
			out := make([]uint64, pool.words)
			for _, id := range ids {
				bit := interests[id]
				out[bit/64] |= 1 << (bit % 64)
			}
			return out
		}
		q.offers, q.needs = bitset(pr.Offers), bitset(pr.Needs)
		if q.offers != nil || q.needs != nil {
			q.prefs |= prefHelp
		}
		for _, w := range pr.Workshops {
			q.workshops = append(q.workshops, int32(intern(workshops, w)))
		}
		slices.Sort(q.workshops)
		q.workshops = slices.Compact(q.workshops)
	}
	if len(regions) > math.MaxInt16 || len(deps) > math.MaxInt16 || len(roles) > math.MaxInt16 {
		return nil, errors.New("matching: too many régions, départements or roles")
	}
	addSpecial := func(a, b int, ago int16) error {
		if a < 0 || b < 0 || a >= n || b >= n || a == b {
			return fmt.Errorf("matching: history pair (%d, %d) out of range", a, b)
		}
		pool.p[a].special = append(pool.p[a].special, special{other: int32(b), ago: ago})
		pool.p[b].special = append(pool.p[b].special, special{other: int32(a), ago: ago})
		return nil
	}
	for _, i := range h.Priority {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("matching: priority member %d out of range", i)
		}
		pool.p[i].prefs |= prefPriority
	}
	for _, pr := range h.NotAgain {
		if err := addSpecial(pr[0], pr[1], 0); err != nil {
			return nil, err
		}
	}
	for _, m := range h.Met {
		if m.Ago < 1 || m.Ago > rules.Repeat.Rounds {
			continue
		}
		if err := addSpecial(m.A, m.B, int16(min(m.Ago, math.MaxInt16))); err != nil {
			return nil, err
		}
	}
	for i := range pool.p {
		// Keep, per partner, "not again" first, then the most recent.
		s := pool.p[i].special
		slices.SortFunc(s, func(x, y special) int {
			if x.other != y.other {
				return int(x.other - y.other)
			}
			return int(x.ago - y.ago)
		})
		pool.p[i].special = slices.CompactFunc(s, func(x, y special) bool { return x.other == y.other })
		for _, sp := range pool.p[i].special {
			pool.p[i].sig |= 1 << (uint(sp.other) % 64)
		}
	}
	pool.h = make([]hot, n)
	for i := range pool.p {
		q := &pool.p[i]
		pool.h[i] = hot{logPop: q.logPop, wInterest: q.wInterest, sig: q.sig, coll: q.coll, pop: q.pop,
			region: q.region, role: q.role, bracket: q.bracket, prefs: q.prefs}
		for _, w := range q.workshops {
			pool.h[i].wsig |= 1 << (uint(w) % 64)
		}
		if len(q.interests) > 0 {
			pool.h[i].in0 = q.interests[0]
		}
	}
	return pool, nil
}

// lookup returns the history of (i, j), a being i's row: found, and ago
// (0: not again).
func (p *Pool) lookup(a *hot, i, j int) (int16, bool) {
	if a.sig&(1<<(uint(j)&63)) == 0 {
		return 0, false
	}
	return p.history(i, j)
}

// history looks (i, j) up in the shorter of the two members' sorted
// lists of partners with history.
func (p *Pool) history(i, j int) (int16, bool) {
	list, other := p.p[i].special, j
	if len(p.p[j].special) < len(list) {
		list, other = p.p[j].special, i
	}
	for _, s := range list {
		if int(s.other) == other {
			return s.ago, true
		}
	}
	return 0, false
}

// Score returns the score of introducing members i and j, criterion by
// criterion, and false when the pair is forbidden (Breakdown.Forbidden
// says why).
func (p *Pool) Score(i, j int) (Breakdown, bool) {
	var bd Breakdown
	a, b := &p.h[i], &p.h[j]
	r := &p.rules
	w := &r.Weights
	if a.coll != 0 && a.coll == b.coll {
		bd.Forbidden = ForbidSameCollectivity
		return bd, false
	}
	if ago, ok := p.lookup(a, i, j); ok {
		if ago == 0 {
			bd.Forbidden = ForbidNotAgain
			return bd, false
		}
		bd.MetAgo = int(ago)
		if r.Repeat.Mode == RepeatForbid {
			bd.Forbidden = ForbidRecent
			return bd, false
		}
		bd.Repeat = -r.Repeat.Penalty
	}
	known := a.pop > 0 && b.pop > 0
	dist := math.Abs(a.logPop - b.logPop)
	if (a.prefs|b.prefs)&p.hard != 0 && (p.breaks(a, b, p.hard, known, dist) || p.breaks(b, a, p.hard, known, dist)) {
		bd.Forbidden = ForbidPreference
		return bd, false
	}
	if known {
		bd.Size = w.Size * p.sizeSimilarity(a, b, dist)
	}
	if a.wInterest > 0 && b.wInterest > 0 {
		shared := p.sharedWeight(a, b, i, j)
		if union := a.wInterest + b.wInterest - shared; union > 0 {
			bd.Interests = w.Interests * shared / union
		}
	}
	bd.Region = regionPoints(p.region, a.region, b.region, w.Region)
	bd.Role = p.roleW[int(a.role)*p.nroles+int(b.role)]
	if a.wsig&b.wsig != 0 && sharesAny(p.p[i].workshops, p.p[j].workshops) {
		bd.Workshop = w.Workshop
	}
	if (a.prefs|b.prefs)&prefMember != 0 {
		bd.Preferences = w.Preferences * (p.prefSatisfaction(a, b, known, dist) + p.prefSatisfaction(b, a, known, dist)) / 2
	}
	if (a.prefs|b.prefs)&prefHelp != 0 && p.complements(i, j) {
		bd.Complement = w.Complement
	}
	bd.Total = bd.Size + bd.Interests + bd.Region + bd.Role + bd.Workshop + bd.Preferences + bd.Complement + bd.Repeat
	return bd, true
}

// Milli returns the score of (i, j) in milli-points, and false when the
// pair is forbidden: the solver's weigher, called for every pair. It
// computes what Score computes, in the same order (so the totals are
// equal to the bit), without building the breakdown.
func (p *Pool) Milli(i, j int) (int64, bool) {
	a, b := &p.h[i], &p.h[j]
	r := &p.rules
	w := &r.Weights
	if a.coll != 0 && a.coll == b.coll {
		return 0, false
	}
	repeat := 0.0
	if ago, ok := p.lookup(a, i, j); ok {
		if ago == 0 || r.Repeat.Mode == RepeatForbid {
			return 0, false
		}
		repeat = -r.Repeat.Penalty
	}
	var size, interests, region, workshop, prefs, complement float64
	known := a.pop > 0 && b.pop > 0
	dist := math.Abs(a.logPop - b.logPop)
	if (a.prefs|b.prefs)&p.hard != 0 && (p.breaks(a, b, p.hard, known, dist) || p.breaks(b, a, p.hard, known, dist)) {
		return 0, false
	}
	if known {
		size = w.Size * p.sizeSimilarity(a, b, dist)
	}
	if a.wInterest > 0 && b.wInterest > 0 {
		shared := p.sharedWeight(a, b, i, j)
		if union := a.wInterest + b.wInterest - shared; union > 0 {
			interests = w.Interests * shared / union
		}
	}
	region = regionPoints(p.region, a.region, b.region, w.Region)
	role := p.roleW[int(a.role)*p.nroles+int(b.role)]
	if a.wsig&b.wsig != 0 && sharesAny(p.p[i].workshops, p.p[j].workshops) {
		workshop = w.Workshop
	}
	if (a.prefs|b.prefs)&prefMember != 0 {
		prefs = w.Preferences * (p.prefSatisfaction(a, b, known, dist) + p.prefSatisfaction(b, a, known, dist)) / 2
	}
	if (a.prefs|b.prefs)&prefHelp != 0 && p.complements(i, j) {
		complement = w.Complement
	}
	return ToMilli(size + interests + region + role + workshop + prefs + complement + repeat), true
}

// MilliRow scores member i against every member j in [from, to):
// w[j-from] and ok[j-from] are what Milli(i, j) returns, to the bit (the
// same operations in the same order), with i's fields read once and no
// call per pair for the common criteria: the solver's first pass and
// Verify weigh every pair of the pool through it (blossom.RowWeigher).
func (p *Pool) MilliRow(i, from, to int, w []int64, ok []bool) {
	a := p.h[i]
	hs := p.h[from:to]
	w, ok = w[:len(hs)], ok[:len(hs)]
	r := &p.rules
	wt := r.Weights
	forbidRecent := r.Repeat.Mode == RepeatForbid
	penalty := -r.Repeat.Penalty
	roles := p.roleW[int(a.role)*p.nroles : int(a.role+1)*p.nroles]
	popcount, bracket, regionMode, hard := p.popcount, p.bracket, p.region, p.hard
	invSpan := p.invSpan
	aKnown := a.pop > 0
	aInterest := a.wInterest > 0
	// i's partners with history, sorted: walked along the row, so that
	// finding a pair's history costs one comparison.
	sp := p.p[i].special
	k, _ := slices.BinarySearchFunc(sp, from, func(s special, j int) int { return int(s.other) - j })
	next := to
	if k < len(sp) {
		next = int(sp[k].other)
	}
	// the interest term by [shared][count of a + count of b], when it is
	// a popcount: Milli's division, done once per pool
	ca := bits.OnesCount64(a.in0)
	itab := p.itab
	for t := range hs {
		b := &hs[t]
		j := from + t
		repeat := 0.0
		if j == next {
			ago := sp[k].ago
			if k++; k < len(sp) {
				next = int(sp[k].other)
			}
			if ago == 0 || forbidRecent {
				w[t], ok[t] = 0, false
				continue
			}
			repeat = penalty
		}
		if a.coll != 0 && a.coll == b.coll {
			w[t], ok[t] = 0, false
			continue
		}
		var size, interests, region, workshop, prefs, complement float64
		known := aKnown && b.pop > 0
		dist := math.Abs(a.logPop - b.logPop)
		if (a.prefs|b.prefs)&hard != 0 && (p.breaks(&a, b, hard, known, dist) || p.breaks(b, &a, hard, known, dist)) {
			w[t], ok[t] = 0, false
			continue
		}
		if known {
			if bracket {
				size = wt.Size * p.sizeSimilarity(&a, b, dist)
			} else {
				size = wt.Size * max(0, 1-dist*invSpan)
			}
		}
		if aInterest && b.wInterest > 0 {
			if popcount {
				interests = itab[bits.OnesCount64(a.in0&b.in0)*itabStride+ca+bits.OnesCount64(b.in0)]
			} else {
				shared := p.sharedWeightSlow(&a, b, i, j)
				if union := a.wInterest + b.wInterest - shared; union > 0 {
					interests = wt.Interests * shared / union
				}
			}
		}
		region = regionPoints(regionMode, a.region, b.region, wt.Region)
		role := roles[b.role]
		if a.wsig&b.wsig != 0 && sharesAny(p.p[i].workshops, p.p[j].workshops) {
			workshop = wt.Workshop
		}
		if (a.prefs|b.prefs)&prefMember != 0 {
			prefs = wt.Preferences * (p.prefSatisfaction(&a, b, known, dist) + p.prefSatisfaction(b, &a, known, dist)) / 2
		}
		if (a.prefs|b.prefs)&prefHelp != 0 && p.complements(i, j) {
			complement = wt.Complement
		}
		w[t], ok[t] = ToMilli(size+interests+region+role+workshop+prefs+complement+repeat), true
	}
}

// regionPoints is the région criterion's points for members of régions
// ra and rb (0: unknown) under mode (regionSame, regionDifferent, or 0).
func regionPoints(mode uint8, ra, rb int16, weight float64) float64 {
	switch {
	case mode == regionSame && ra != 0 && ra == rb,
		mode == regionDifferent && ra != 0 && rb != 0 && ra != rb:
		return weight
	}
	return 0
}

// ToMilli converts points to the solver's fixed-point milli-points,
// rounding half away from zero.
func ToMilli(points float64) int64 {
	if points < 0 {
		return -int64(-points*1000 + 0.5)
	}
	return int64(points*1000 + 0.5)
}

func (p *Pool) sizeSimilarity(a, b *hot, dist float64) float64 {
	if p.bracket {
		switch d := a.bracket - b.bracket; {
		case d == 0:
			return 1
		case d == 1 || d == -1:
			return 0.5
		}
		return 0
	}
	return max(0, 1-dist*p.invSpan)
}

// prefSatisfaction is +1 when a's preferences are met by b, -1 when one
// is not, 0 when a has none (or they cannot be judged).
func (p *Pool) prefSatisfaction(a, b *hot, known bool, dist float64) float64 {
	if a.prefs&prefMember == 0 {
		return 0
	}
	s := 1.0
	if a.prefs&prefSimilar != 0 && known && a.bracket != b.bracket && dist > p.logSimilar {
		s = -1
	}
	if a.prefs&prefRegion != 0 && a.region != 0 && a.region != b.region {
		s = -1
	}
	return s
}

// breaks reports whether b breaks one of a's preferences within mask.
func (p *Pool) breaks(a, b *hot, mask uint8, known bool, dist float64) bool {
	m := a.prefs & mask
	if m&prefSimilar != 0 && known && a.bracket != b.bracket && dist > p.logSimilar {
		return true
	}
	return m&prefRegion != 0 && a.region != 0 && a.region != b.region
}

// complements reports whether one of i and j can help on an interest the
// other looks for experience on.
func (p *Pool) complements(i, j int) bool {
	return intersects(p.p[i].offers, p.p[j].needs) || intersects(p.p[j].offers, p.p[i].needs)
}

func intersects(x, y []uint64) bool {
	for k := range min(len(x), len(y)) {
		if x[k]&y[k] != 0 {
			return true
		}
	}
	return false
}

// Sit-out reasons (Plan.Reasons).
const (
	// SitOutOwnSize, SitOutOwnRegion, SitOutOwnPrefs: the member's own
	// hard preference (similar size, same région, or both together)
	// leaves them nobody in this round's pool.
	SitOutOwnSize   = "own_size"
	SitOutOwnRegion = "own_region"
	SitOutOwnPrefs  = "own_prefs"
	// SitOutNoPartner: nobody may meet the member this round (the others'
	// preferences, their own collectivity, « not again » answers, recent
	// rounds).
	SitOutNoPartner = "no_partner"
	// SitOutOdd: an odd pool in sit-out mode, by rotation.
	SitOutOdd = "odd"
	// SitOutTaken: the member had possible partners, but every one of
	// them was better placed elsewhere.
	SitOutTaken = "taken"
)

// Alone says why member i has nobody to meet in the pool (a SitOut
// reason), or "" when some partner is acceptable. When i's own hard
// preference rules out every possible partner (whatever theirs), it is
// named: widening it is what i can do.
func (p *Pool) Alone(i int) string {
	a := p.h[i]
	mine := a.prefs & p.hard
	// sizeOnly, regionOnly: partners only the one preference rules out.
	possible, sizeOnly, regionOnly, byOwn := 0, 0, 0, 0
	for j := range p.p {
		if j == i {
			continue
		}
		if _, ok := p.Milli(i, j); ok {
			return ""
		}
		if !p.allowedBut(i, j) {
			continue
		}
		possible++
		if mine == 0 {
			continue
		}
		b := &p.h[j]
		known := a.pop > 0 && b.pop > 0
		dist := math.Abs(a.logPop - b.logPop)
		size := p.breaks(&a, b, mine&prefSimilar, known, dist)
		region := p.breaks(&a, b, mine&prefRegion, known, dist)
		switch {
		case size && !region:
			sizeOnly++
		case region && !size:
			regionOnly++
		}
		if size || region {
			byOwn++
		}
	}
	switch {
	case possible == 0 || byOwn < possible:
		return SitOutNoPartner
	case sizeOnly > 0 && regionOnly == 0:
		return SitOutOwnSize
	case regionOnly > 0 && sizeOnly == 0:
		return SitOutOwnRegion
	}
	return SitOutOwnPrefs
}

// allowedBut reports whether (i, j) is allowed by everything but the
// members' preferences: another collectivity, no « not again », not
// forbidden as recent.
func (p *Pool) allowedBut(i, j int) bool {
	a, b := &p.h[i], &p.h[j]
	if a.coll != 0 && a.coll == b.coll {
		return false
	}
	if ago, ok := p.lookup(a, i, j); ok && (ago == 0 || p.rules.Repeat.Mode == RepeatForbid) {
		return false
	}
	return true
}

func (p *Pool) sharedWeight(a, b *hot, i, j int) float64 {
	if p.popcount {
		return float64(bits.OnesCount64(a.in0 & b.in0))
	}
	return p.sharedWeightSlow(a, b, i, j)
}

// sharedWeightSlow sums the weights of the shared interests.
func (p *Pool) sharedWeightSlow(a, b *hot, i, j int) float64 {
	if p.words <= 1 {
		x := a.in0 & b.in0
		if p.uniform {
			return float64(bits.OnesCount64(x))
		}
		shared := 0.0
		for x != 0 {
			shared += p.iw[bits.TrailingZeros64(x)]
			x &= x - 1
		}
		return shared
	}
	ai, bi := p.p[i].interests, p.p[j].interests
	shared := 0.0
	for k := range ai {
		x := ai[k] & bi[k]
		for x != 0 {
			shared += p.iw[k*64+bits.TrailingZeros64(x)]
			x &= x - 1
		}
	}
	return shared
}

// SharedInterests returns the interest ids a shares with b, in a's order.
func SharedInterests(a, b Profile) []string {
	var out []string
	for _, id := range a.Interests {
		if slices.Contains(b.Interests, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func sharesAny(x, y []int32) bool {
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			return true
		case x[i] < y[j]:
			i++
		default:
			j++
		}
	}
	return false
}
