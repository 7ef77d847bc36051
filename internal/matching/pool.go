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
	pop     int32
	bracket uint8
	region  int16 // 0: unknown
	dep     int16
	role    int16
	coll    int32 // 0: unknown
	prefs   uint8
	// interests is a bitset of interest ids; wInterest the sum of their
	// weights in the pool's fixed point (Pool.iwFix).
	interests []uint64
	wInterest int64
	workshops []int32 // sorted
	// offers and needs are interest bitsets, like interests (nil when
	// the member stated none).
	offers, needs []uint64
	special       []special
	// sig has bit (other % 64) set for every special partner: most pairs
	// are rejected without scanning special.
	sig uint64
}

// hot is what scoring a pair reads of each member, all integers, packed
// in 64 bytes (a cache line): the solver weighs 50 million pairs at
// 10,000 members, and prices millions more at random. The rest (several
// words of interests or offers, workshops beyond 64, history) stays in
// prof.
type hot struct {
	// lq is the member's population as a quantized log10 (lqScale units,
	// see NewPool), unknownLQ when unknown: the size criterion is a
	// difference.
	lq  int64
	in0 uint64 // interests, first word
	// wsig has bit (workshop - 1) % 64 set for every workshop attended:
	// the exact set when the pool has 64 workshops or fewer.
	wsig uint64
	// offers and needs, first word
	off0, need0 uint64
	// coll: the collectivity, or -1-index when unknown (never the same)
	coll int32
	pop  int32
	// simLo..simLo+simSpan: the populations that satisfy the member's
	// « similar size » preference, their own bracket included (every
	// population when the member states none, or their own is unknown).
	simLo   int32
	simSpan uint32
	region  int16 // 0: unknown
	role    int16
	// bracket: the size bracket, nbrackets when the population is unknown
	bracket uint8
	prefs   uint8
	count   uint8 // interests in in0
	// cls is the member's part of the index into Pool.ptab, shifted
	// (clsReq... bits, times 16)
	cls uint8
}

// Bits of a member's class (hot.cls/16): what the région, preference and
// forbidden parts of a pair's score depend on, besides the pair's own
// relations (dynamic bits).
const (
	clsKnown    = 1 << iota // population known
	clsRegionNZ             // région known
	clsMember               // states a size or région preference
	clsReq                  // prefRegionKnown
)

// Dynamic bits of a pair (b's population against a's range and the
// converse, régions, collectivities), computed by Milli and MilliRow.
const (
	dynDiffRegion = 1 << iota
	dynSBA        // a's population outside b's « similar size » range
	dynSAB        // b's population outside a's range
	dynSameColl
)

// unknownLQ: the quantized log of an unknown population, far from any
// known one (whose lq is at most maxLQ): the size criterion is 0.
const (
	maxLQ     = 1 << 40
	unknownLQ = 1 << 50
)

// pairPart is the région, preferences and forbidden parts of a pair's
// score, for one pair class: score in milli-points, keep -1 (allowed) or
// 0 (forbidden).
type pairPart struct{ score, keep int64 }

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
	prefInterest // stated interests of a weight above 0
	// prefRegionKnown: prefRegion, and the member's région is known (the
	// preference can be judged).
	prefRegionKnown
)

const prefMember = prefSimilar | prefRegion

const (
	regionSame uint8 = iota + 1
	regionDifferent
)

// Pool is a set of profiles prepared for scoring under rules. It is
// immutable and safe for concurrent use.
//
// Scores are integers: every criterion is precomputed in milli-points
// (the solver's unit) when the pool is built, and a pair's score is their
// sum, so that Score, Milli and MilliRow agree to the milli-point by
// construction, with no floating point per pair. Each criterion is its
// exact value rounded to the milli-point (the size criterion within
// half a milli-point plus a thousandth, from quantized logarithms): a
// pair's score is within a milli-point or two of the exact sum.
type Pool struct {
	rules  Rules
	p      []prof
	h      []hot
	roleM  []int64 // the role criterion, milli-points, by role*nroles+role
	nroles int
	// iwFix: the interest weights by bit in fixed point, 2^32 for all the
	// pool's interests together.
	iwFix    []int64
	popcount bool // every interest weighs 1, in one word: the shared weight is a popcount
	words    int
	// exactWorkshops: at most 64 workshops, hot.wsig is the set
	exactWorkshops bool
	// sig[i] has bit (j % 64) set for every partner j with history: most
	// pairs are found without history by one test
	sig     []uint64
	bracket bool  // Rules.SizeMode == SizeBracket
	region  uint8 // Rules.RegionMode: regionSame, regionDifferent or 0 (ignore)
	// The criteria's points in milli-points; sizeQ and interestQ in
	// 1024ths of a milli-point (rounded once, at the end).
	sizeQ, interestQ                int64
	regionM, workshopM, complementM int64
	// prefM: the preferences criterion by the sum of the two members'
	// satisfactions (-2..2) plus 2.
	prefM [5]int64
	// sizeTab: in bracket mode, the size criterion by bracket*(nbrackets+1)
	// + bracket, 0 in the last row and column (unknown population).
	sizeTab   []int64
	nbrackets int
	// ptab: the région, preferences and forbidden parts by a's class,
	// b's class and the pair's dynamic bits (see partOf).
	ptab []pairPart
	// noHelp: nobody in the pool states offers or needs
	noHelp  bool
	penalty int64 // milli-points
	// hard is the mask of the member preferences that are constraints.
	hard uint8
	// itab: with popcount, the interest term in milli-points by
	// shared·itabStride + the two members' counts (zeros otherwise: the
	// criterion is computed apart).
	itab []int32
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
	iw := make([]float64, len(interests))
	for id, bit := range interests {
		w, ok := rules.InterestWeights[id]
		if !ok {
			w = 1
		}
		iw[bit] = w
	}
	pool.iwFix = make([]int64, len(interests))
	total := 0.0
	for _, w := range iw {
		total += w
	}
	if total > 0 {
		for bit, w := range iw {
			pool.iwFix[bit] = int64(math.Round(w * (1 << 32) / total))
		}
	}
	w := rules.Weights
	roleNames := make([]string, len(roles)+1)
	for name, id := range roles {
		roleNames[id] = name
	}
	pool.nroles = len(roleNames)
	pool.roleM = make([]int64, pool.nroles*pool.nroles)
	for a := range roleNames {
		for b := range roleNames {
			pool.roleM[a*pool.nroles+b] = ToMilli(w.Role * rules.Roles.Value(roleNames[a], roleNames[b]))
		}
	}
	uniform := !slices.ContainsFunc(iw, func(w float64) bool { return w != 1 })
	pool.popcount = uniform && pool.words <= 1
	pool.itab = make([]int32, 65*itabStride)
	if pool.popcount {
		for shared := 0; shared <= 64; shared++ {
			for both := shared; both < itabStride; both++ {
				if union := float64(both) - float64(shared); union > 0 {
					pool.itab[shared*itabStride+both] = int32(ToMilli(w.Interests * float64(shared) / union))
				}
			}
		}
	}
	pool.interestQ = int64(math.Round(w.Interests * 1000 * 1024))
	pool.sizeQ = int64(math.Round(w.Size * 1000 * 1024))
	// lqScale: a log10 distance of LogSpan is the whole size criterion
	lqScale := 0.0
	if rules.LogSpan > 0 {
		lqScale = w.Size * 1000 * 1024 / rules.LogSpan
	}
	pool.bracket = rules.SizeMode == SizeBracket
	pool.nbrackets = len(rules.Brackets) + 1 // at most MaxBrackets+1: with the unknown one, a byte
	if pool.bracket {
		nb := pool.nbrackets + 1
		pool.sizeTab = make([]int64, nb*nb)
		for x := range pool.nbrackets {
			for y := range pool.nbrackets {
				switch x - y {
				case 0:
					pool.sizeTab[x*nb+y] = ToMilli(w.Size)
				case 1, -1:
					pool.sizeTab[x*nb+y] = ToMilli(w.Size * 0.5)
				}
			}
		}
	}
	pool.regionM, pool.workshopM, pool.complementM = ToMilli(w.Region), ToMilli(w.Workshop), ToMilli(w.Complement)
	for s := -2; s <= 2; s++ {
		pool.prefM[s+2] = ToMilli(w.Preferences * float64(s) / 2)
	}
	// a hair above log10(SimilarRatio): a ratio of exactly SimilarRatio
	// satisfies
	logSimilar := math.Log10(rules.SimilarRatio) + 1e-9
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
	pool.h = make([]hot, n)
	for i, pr := range profiles {
		q := &pool.p[i]
		q.pop = int32(min(max(pr.Population, 0), math.MaxInt32))
		q.bracket = uint8(Bracket(rules.Brackets, pr.Population))
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
			q.wInterest += pool.iwFix[bit]
		}
		if q.wInterest > 0 {
			q.prefs |= prefInterest
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
		hq := &pool.h[i]
		hq.lq = unknownLQ
		if q.pop > 0 {
			hq.lq = int64(math.Round(min(math.Log10(float64(q.pop))*lqScale, maxLQ)))
		}
		hq.simLo, hq.simSpan = 0, math.MaxInt32
		if q.prefs&prefSimilar != 0 && q.pop > 0 {
			// the populations near enough, and those of the member's own
			// bracket (two intervals around q.pop: their union is one)
			lo, hi := similarBounds(q.pop, logSimilar)
			if k := int(q.bracket); k > 0 {
				lo = min(lo, int32(min(rules.Brackets[k-1], math.MaxInt32)))
			} else {
				lo = 0
			}
			if k := int(q.bracket); k < len(rules.Brackets) {
				hi = max(hi, int32(min(rules.Brackets[k]-1, math.MaxInt32)))
			} else {
				hi = math.MaxInt32
			}
			hq.simLo, hq.simSpan = lo, uint32(hi-lo)
		}
		if q.prefs&prefRegion != 0 && q.region != 0 {
			q.prefs |= prefRegionKnown
		}
		for _, w := range q.workshops {
			hq.wsig |= 1 << (uint(w-1) % 64)
		}
		if q.offers != nil {
			hq.off0 = q.offers[0]
		}
		if q.needs != nil {
			hq.need0 = q.needs[0]
		}
		if len(q.interests) > 0 {
			hq.in0 = q.interests[0]
			hq.count = uint8(bits.OnesCount64(hq.in0))
		}
	}
	pool.exactWorkshops = len(workshops) <= 64
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
	pool.sig = make([]uint64, n)
	pool.noHelp = true
	for i := range pool.p {
		q, hq := &pool.p[i], &pool.h[i]
		pool.sig[i] = q.sig
		hq.coll, hq.pop, hq.region, hq.role, hq.bracket, hq.prefs = q.coll, q.pop, q.region, q.role, q.bracket, q.prefs
		if q.coll == 0 {
			hq.coll = int32(-1 - i)
		}
		if q.pop == 0 {
			hq.bracket = uint8(pool.nbrackets)
		}
		hq.cls = uint8(memberClass(hq) * 16)
		if q.prefs&prefHelp != 0 {
			pool.noHelp = false
		}
	}
	pool.ptab = make([]pairPart, 16*16*16)
	for k := range pool.ptab {
		pool.ptab[k] = pool.partOf(k/256, k/16%16, k%16)
	}
	return pool, nil
}

// lookup returns the history of (i, j): found, and ago (0: not again).
func (p *Pool) lookup(i, j int) (int16, bool) {
	if p.sig[i]&(1<<(uint(j)&63)) == 0 {
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
// says why). Each criterion is a whole number of milli-points, and Total
// their sum: what Milli returns, divided by 1,000.
func (p *Pool) Score(i, j int) (Breakdown, bool) {
	var bd Breakdown
	a, b := &p.h[i], &p.h[j]
	if a.coll == b.coll {
		bd.Forbidden = ForbidSameCollectivity
		return bd, false
	}
	var repeat int64
	if ago, ok := p.lookup(i, j); ok {
		if ago == 0 {
			bd.Forbidden = ForbidNotAgain
			return bd, false
		}
		bd.MetAgo = int(ago)
		if p.rules.Repeat.Mode == RepeatForbid {
			bd.Forbidden = ForbidRecent
			return bd, false
		}
		repeat = -p.penalty
	}
	known := a.pop > 0 && b.pop > 0
	if (a.prefs|b.prefs)&p.hard != 0 && (breaks(a, b, p.hard, known) || breaks(b, a, p.hard, known)) {
		bd.Forbidden = ForbidPreference
		return bd, false
	}
	var size, interests, workshop, prefs, complement int64
	if known {
		size = p.size(a, b)
	}
	interests = p.interests(a, b, i, j)
	region := regionPoints(p.region, a.region, b.region, p.regionM)
	role := p.roleM[int(a.role)*p.nroles+int(b.role)]
	if p.workshop(a, b, i, j) {
		workshop = p.workshopM
	}
	if (a.prefs|b.prefs)&prefMember != 0 {
		prefs = p.prefM[2+prefSatisfaction(a, b, known)+prefSatisfaction(b, a, known)]
	}
	if p.complement(a, b, i, j) {
		complement = p.complementM
	}
	bd.Size, bd.Interests, bd.Region, bd.Role = points(size), points(interests), points(region), points(role)
	bd.Workshop, bd.Preferences, bd.Complement, bd.Repeat = points(workshop), points(prefs), points(complement), points(repeat)
	bd.Total = points(size + interests + region + role + workshop + prefs + complement + repeat)
	return bd, true
}

// points converts milli-points to points.
func points(m int64) float64 { return float64(m) / 1000 }

// Milli returns the score of (i, j) in milli-points, and false when the
// pair is forbidden: the solver's weigher, called for every pair it
// prices. It sums what Score sums, without building the breakdown, the
// région, preferences and forbidden parts read from the pool's table of
// pair classes, as MilliRow does.
func (p *Pool) Milli(i, j int) (int64, bool) {
	a, b := &p.h[i], &p.h[j]
	// the pair's dynamic bits (the same expression in MilliRow: as a
	// function, too long for the compiler to inline)
	d := b2i(a.region != b.region) | b2i(uint32(a.pop-b.simLo) > b.simSpan)<<1 |
		b2i(uint32(b.pop-a.simLo) > a.simSpan)<<2 | b2i(a.coll == b.coll)<<3
	part := p.ptab[int(a.cls)<<4|int(b.cls)|d]
	if part.keep == 0 {
		return 0, false
	}
	total := part.score
	if p.sig[i]&(1<<(uint(j)&63)) != 0 {
		if ago, ok := p.history(i, j); ok {
			if ago == 0 || p.rules.Repeat.Mode == RepeatForbid {
				return 0, false
			}
			total -= p.penalty
		}
	}
	if a.pop > 0 && b.pop > 0 {
		total += p.size(a, b)
	}
	if p.popcount {
		total += int64(p.itab[popcount(a.in0&b.in0)*itabStride+int(a.count)+int(b.count)])
	} else {
		total += p.interestsSlow(a, b, i, j)
	}
	total += p.roleM[int(a.role)*p.nroles+int(b.role)]
	if p.workshop(a, b, i, j) {
		total += p.workshopM
	}
	if a.off0|b.off0 != 0 || p.words > 1 {
		if p.complement(a, b, i, j) {
			total += p.complementM
		}
	}
	return total, true
}

// MilliRow scores member i against every member j in [from, to):
// w[j-from] and ok[j-from] are what Milli(i, j) returns (the same
// integer criteria): the solver's first pass and Verify weigh every pair
// of the pool through it (blossom.RowWeigher). The common criteria are
// computed in one loop without a call or a branch (which pairs have a
// preference, a région in common or a known size is too random for the
// processor to guess); history and the rare criteria (workshops beyond
// 64, interests with weights, offers beyond one word) are added after.
func (p *Pool) MilliRow(i, from, to int, w []int64, ok []bool) {
	a := p.h[i]
	hs := p.h[from:to]
	w, ok = w[:len(hs)], ok[:len(hs)]
	roles := p.roleM[int(a.role)*p.nroles : int(a.role+1)*p.nroles]
	sizeQ := p.sizeQ
	if a.pop == 0 {
		sizeQ = 0 // no size criterion
	}
	var sizes []int64
	if p.bracket {
		nb := p.nbrackets + 1
		sizes = p.sizeTab[int(a.bracket)*nb : int(a.bracket+1)*nb]
	}
	// the région, preferences and forbidden parts, by b's class and the
	// pair's dynamic bits
	parts := p.ptab[memberClass(&a)*256 : memberClass(&a)*256+256]
	// workshops and offers in the loop when their first word is all of
	// them; else apart
	var workshopM, complementM int64
	if p.exactWorkshops {
		workshopM = p.workshopM
	}
	if p.words <= 1 && !p.noHelp {
		complementM = p.complementM
	}
	// the interest term by [shared][count of a + count of b]
	itab := p.itab[int(a.count):]
	for t := range hs {
		b := &hs[t]
		// the pair's dynamic bits (the same expression in MilliRow: as a
		// function, too long for the compiler to inline)
		d := b2i(a.region != b.region) | b2i(uint32(a.pop-b.simLo) > b.simSpan)<<1 |
			b2i(uint32(b.pop-a.simLo) > a.simSpan)<<2 | b2i(a.coll == b.coll)<<3
		part := parts[(int(b.cls)|d)&255]
		var size int64
		if sizes != nil {
			size = sizes[b.bracket]
		} else {
			size = logSize(sizeQ, a.lq, b.lq)
		}
		total := part.score + size + int64(itab[popcount(a.in0&b.in0)*itabStride+int(b.count)]) + roles[b.role]
		total += workshopM & -int64(b2i(a.wsig&b.wsig != 0))
		if complementM != 0 {
			total += complementM & -int64(b2i(a.off0&b.need0|b.off0&a.need0 != 0))
		}
		w[t], ok[t] = total&part.keep, part.keep != 0
	}
	if !p.exactWorkshops && a.wsig != 0 {
		for t := range hs {
			if ok[t] && a.wsig&hs[t].wsig != 0 && sharesAny(p.p[i].workshops, p.p[from+t].workshops) {
				w[t] += p.workshopM
			}
		}
	}
	if p.words > 1 {
		for t := range hs {
			if ok[t] && p.complement(&a, &hs[t], i, from+t) {
				w[t] += p.complementM
			}
		}
	}
	if !p.popcount && a.prefs&prefInterest != 0 {
		for t := range hs {
			if ok[t] {
				w[t] += p.interestsSlow(&a, &hs[t], i, from+t)
			}
		}
	}
	// history: i's partners with history, sorted
	sp := p.p[i].special
	k, _ := slices.BinarySearchFunc(sp, from, func(s special, j int) int { return int(s.other) - j })
	for _, s := range sp[k:] {
		t := int(s.other) - from
		if t >= len(hs) {
			break
		}
		if s.ago == 0 || p.rules.Repeat.Mode == RepeatForbid {
			w[t], ok[t] = 0, false
		} else if ok[t] {
			w[t] -= p.penalty
		}
	}
}

// memberClass is a member's class (clsKnown...).
func memberClass(a *hot) int {
	c := 0
	if a.pop > 0 {
		c |= clsKnown
	}
	if a.region != 0 {
		c |= clsRegionNZ
	}
	if a.prefs&prefMember != 0 {
		c |= clsMember
	}
	if a.prefs&prefRegionKnown != 0 {
		c |= clsReq
	}
	return c
}

// partOf is the région, preferences and forbidden parts of a pair of
// members of classes ca and cb whose relations are dyn: what Milli
// computes for them, decided once per pool for every class of pair.
func (p *Pool) partOf(ca, cb, dyn int) pairPart {
	known := ca&cb&clsKnown != 0
	diffRegion := dyn&dynDiffRegion != 0
	sab, sba := known && dyn&dynSAB != 0, known && dyn&dynSBA != 0
	rab, rba := ca&clsReq != 0 && diffRegion, cb&clsReq != 0 && diffRegion
	if dyn&dynSameColl != 0 || p.hard&prefSimilar != 0 && (sab || sba) || p.hard&prefRegion != 0 && (rab || rba) {
		return pairPart{}
	}
	var part pairPart
	part.keep = -1
	switch {
	case p.region == regionSame && ca&clsRegionNZ != 0 && !diffRegion,
		p.region == regionDifferent && ca&cb&clsRegionNZ != 0 && diffRegion:
		part.score += p.regionM
	}
	sat := func(c int, broken bool) int {
		switch {
		case c&clsMember == 0:
			return 0
		case broken:
			return -1
		}
		return 1
	}
	part.score += p.prefM[2+sat(ca, sab || rab)+sat(cb, sba || rba)]
	return part
}

// popcount is bits.OnesCount64 without a call (the portable code, which
// the compiler inlines: MilliRow's loop keeps its registers).
func popcount(x uint64) int {
	x -= (x >> 1) & 0x5555555555555555
	x = (x>>2)&0x3333333333333333 + x&0x3333333333333333
	x = (x + x>>4) & 0x0f0f0f0f0f0f0f0f
	return int(x * 0x0101010101010101 >> 56)
}

// b2i is 1 for true, 0 for false (compiled without a branch).
func b2i(b bool) int {
	var x int
	if b {
		x = 1
	}
	return x
}

// regionPoints is the région criterion's points for members of régions
// ra and rb (0: unknown) under mode (regionSame, regionDifferent, or 0).
func regionPoints(mode uint8, ra, rb int16, weight int64) int64 {
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

// size is the size criterion of a and b, whose populations are known.
func (p *Pool) size(a, b *hot) int64 {
	if p.bracket {
		return p.sizeTab[int(a.bracket)*(p.nbrackets+1)+int(b.bracket)]
	}
	return logSize(p.sizeQ, a.lq, b.lq)
}

// logSize is the size criterion in log mode: the whole criterion (sizeQ,
// in 1024ths of a milli-point) less the quantized log distance, at least
// 0, rounded to the milli-point.
func logSize(sizeQ, lqa, lqb int64) int64 {
	d := lqa - lqb
	m := d >> 63
	return (max(sizeQ-(d^m-m), 0) + 512) >> 10
}

// interests is the interests criterion of a and b (i and j).
func (p *Pool) interests(a, b *hot, i, j int) int64 {
	if p.popcount {
		return int64(p.itab[bits.OnesCount64(a.in0&b.in0)*itabStride+bits.OnesCount64(a.in0)+bits.OnesCount64(b.in0)])
	}
	return p.interestsSlow(a, b, i, j)
}

// interestsSlow is the interests criterion when interests have weights or
// fill more than a word: the weight they share over the weight of their
// union, in fixed point.
func (p *Pool) interestsSlow(a, b *hot, i, j int) int64 {
	if (a.prefs & b.prefs & prefInterest) == 0 {
		return 0
	}
	shared := p.sharedWeight(a, b, i, j)
	union := p.p[i].wInterest + p.p[j].wInterest - shared
	if union <= 0 {
		return 0
	}
	return (p.interestQ*shared/union + 512) >> 10
}

// prefSatisfaction is +1 when a's preferences are met by b, -1 when one
// is not, 0 when a has none (or they cannot be judged).
func prefSatisfaction(a, b *hot, known bool) int {
	if a.prefs&prefMember == 0 {
		return 0
	}
	if known && sizeBroken(a, b) || regionBroken(a, b) {
		return -1
	}
	return 1
}

// breaks reports whether b breaks one of a's preferences within mask.
func breaks(a, b *hot, mask uint8, known bool) bool {
	m := a.prefs & mask
	return m&prefSimilar != 0 && known && sizeBroken(a, b) || m&prefRegion != 0 && regionBroken(a, b)
}

// sizeBroken reports whether b, of known population, is outside a's
// « similar size » preference: in another bracket, and too far (never
// when a states no such preference).
func sizeBroken(a, b *hot) bool { return uint32(b.pop-a.simLo) > a.simSpan }

// regionBroken reports whether b is outside a's « same région »
// preference (never when a states none).
func regionBroken(a, b *hot) bool { return a.prefs&prefRegionKnown != 0 && a.region != b.region }

// workshop reports whether a and b (i and j) attended a workshop
// together.
func (p *Pool) workshop(a, b *hot, i, j int) bool {
	return a.wsig&b.wsig != 0 && (p.exactWorkshops || sharesAny(p.p[i].workshops, p.p[j].workshops))
}

// complement reports whether one of a and b (i and j) can help on an
// interest the other looks for experience on.
func (p *Pool) complement(a, b *hot, i, j int) bool {
	if p.words <= 1 {
		return a.off0&b.need0|b.off0&a.need0 != 0
	}
	return (a.prefs|b.prefs)&prefHelp != 0 && p.complements(i, j)
}

// similarBounds returns the populations lo..hi whose log10 distance to
// pop is at most logSimilar (the same float comparison for every
// candidate, done here once per member rather than per pair).
func similarBounds(pop int32, logSimilar float64) (lo, hi int32) {
	if !(logSimilar >= 0) {
		return 0, math.MaxInt32
	}
	lp := math.Log10(float64(pop))
	within := func(q int64) bool { return math.Abs(lp-math.Log10(float64(q))) <= logSimilar }
	r := math.Pow(10, logSimilar)
	h := int64(min(float64(pop)*r, math.MaxInt32))
	for h < math.MaxInt32 && within(h+1) {
		h++
	}
	for h > int64(pop) && !within(h) {
		h--
	}
	l := int64(max(math.Ceil(float64(pop)/r), 1))
	for l > 1 && within(l-1) {
		l--
	}
	for l < int64(pop) && !within(l) {
		l++
	}
	return int32(l), int32(h)
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
		size := breaks(&a, b, mine&prefSimilar, known)
		region := breaks(&a, b, mine&prefRegion, known)
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
	if a.coll == b.coll {
		return false
	}
	if ago, ok := p.lookup(i, j); ok && (ago == 0 || p.rules.Repeat.Mode == RepeatForbid) {
		return false
	}
	return true
}

// sharedWeight sums the fixed-point weights of the interests a and b (i
// and j) share.
func (p *Pool) sharedWeight(a, b *hot, i, j int) int64 {
	var shared int64
	if p.words <= 1 {
		for x := a.in0 & b.in0; x != 0; x &= x - 1 {
			shared += p.iwFix[bits.TrailingZeros64(x)]
		}
		return shared
	}
	ai, bi := p.p[i].interests, p.p[j].interests
	for k := range ai {
		for x := ai[k] & bi[k]; x != 0; x &= x - 1 {
			shared += p.iwFix[k*64+bits.TrailingZeros64(x)]
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
