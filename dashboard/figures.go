package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/matching"
)

// Store is the part of the store the dashboard reads.
type Store interface {
	bot.MemberRecords
	bot.MatchStore
	bot.HighlightStore
	bot.BroadcastStore
	SearchMisses(ctx context.Context, fn func(query string, n int) error) error
}

// Figures are the network's aggregates at a date: counts only, no
// reference to a member. They are computed in one pass over the members,
// the rounds, the answers and the follows (Compute), and shared by every
// page until they are older than the cache's age.
type Figures struct {
	At time.Time
	// Members: recorded, registered (onboarded), open to introductions,
	// paused (registered, opted in, not open now), of whom inactive
	// (paused automatically after silent rounds), invited but not
	// registered. The same counts as « statistiques » (core.MemberStats).
	Total, Inactive int
	Counts          core.MemberStats
	// Month counts the rounds since the first day of At's month, as
	// « statistiques » does.
	Month core.MatchStats
	// Rounds, newest first.
	Rounds []RoundFigures
	// ByRegion counts the registered members by région code ("" when
	// unknown), most first; ByBracket by size bracket.
	ByRegion  []Count
	ByBracket []int
	// Mixing[i][j] counts the pairs introduced between a member of
	// bracket i and one of bracket j (symmetric), over every round kept.
	Mixing [][]int
	// Interests chosen; Topics and Sessions followed (Sessions also
	// counts registrations in Registered); Misses the searches that found
	// nothing.
	Interests, Topics, Misses []Count
	Sessions                  []SessionCount
}

// Count is one line of a breakdown.
type Count struct {
	Key string
	N   int
}

// SessionCount is how many members follow a session and registered for it.
type SessionCount struct {
	Key                   string // "event/session"
	Followers, Registered int
}

// RoundFigures are the counts of one round.
type RoundFigures struct {
	ID      string
	Created time.Time
	core.MatchStats
	// MetGroups are the groups where at least one member said they met;
	// Repeats the groups that paired two members already introduced in
	// an earlier round kept.
	MetGroups, Repeats int
	// SatOutWhy counts the members left out by the reason stored with the
	// round, in the order of SitOutKinds (the last: rounds stored before
	// reasons were kept).
	SatOutWhy [len(SitOutKinds)]int
}

// SitOutKinds are the reasons a member sits out (internal/matching's
// SitOut*), in the order of the rounds table's columns; "" counts the
// members of rounds stored without reasons (or with a reason unknown to
// this version).
var SitOutKinds = [...]string{
	matching.SitOutOdd, matching.SitOutOwnSize, matching.SitOutOwnRegion, matching.SitOutOwnPrefs,
	matching.SitOutNoPartner, matching.SitOutTaken, "",
}

// sitOutKind is the index in SitOutKinds of the k-th sit-out of r.
func sitOutKind(r *bot.MatchRound, k int) int {
	if k < len(r.SatOutWhy) {
		for i, why := range SitOutKinds[:len(SitOutKinds)-1] {
			if r.SatOutWhy[k] == why {
				return i
			}
		}
	}
	return len(SitOutKinds) - 1
}

// MetRateGroups is the share of the groups where someone said they met.
func (r RoundFigures) MetRateGroups() float64 {
	if r.Introductions == 0 {
		return 0
	}
	return float64(r.MetGroups) / float64(r.Introductions)
}

// ResponseRate is the share of the members introduced who answered the
// follow-up.
func (r RoundFigures) ResponseRate() float64 {
	if r.Members == 0 {
		return 0
	}
	return float64(r.Answered) / float64(r.Members)
}

// Compute counts the figures at now.
func Compute(ctx context.Context, s Store, settings *bot.Settings, rules matching.Rules, now time.Time) (*Figures, error) {
	f := &Figures{At: now}
	bounds := rules.Brackets
	f.ByBracket = make([]int, len(bounds)+1)
	f.Mixing = make([][]int, len(bounds)+1)
	for i := range f.Mixing {
		f.Mixing[i] = make([]int, len(bounds)+1)
	}
	// Members: an index for the rounds, their bracket, who is paused.
	index := map[bot.UserRef]int32{}
	var brackets []int8 // by member index; -1: no collectivity
	var paused []bool   // by member index: registered, opted in, paused now
	regions, interests := map[string]int{}, map[string]int{}
	err := s.Members(ctx, func(m bot.Member) error {
		f.Total++
		f.Counts.Count(m, now)
		i := int32(len(brackets))
		index[m.Ref] = i
		br := int8(-1)
		if m.Collectivity != nil {
			br = int8(matching.Bracket(bounds, m.Collectivity.Population))
		}
		brackets = append(brackets, br)
		paused = append(paused, !m.Onboarded.IsZero() && !m.OptedIn.IsZero() && !m.Matchable(now))
		if m.Onboarded.IsZero() {
			return nil
		}
		region := ""
		if m.Collectivity != nil {
			region = m.Collectivity.Region
			f.ByBracket[br]++
		}
		regions[region]++
		for _, id := range m.Interests {
			interests[id]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard figures: members: %w", err)
	}

	// Rounds, newest first as the store gives them, each read once and
	// dropped: only counts and, per round, each member's group are kept.
	// A group is a repeat when one of its pairs is found again in an older
	// round: newest maps each pair to its newest group met so far.
	at := map[string]int{}
	var groupOf [][]int32 // by round, by member index: the group, or -1
	var metGroup, repeatGroup [][]bool
	newest := map[uint64]uint64{} // pair -> round<<32 | group
	err = s.Rounds(ctx, 0, func(r bot.MatchRound) error {
		k := len(f.Rounds)
		rf := RoundFigures{ID: r.ID, Created: r.Created}
		rf.Introductions = len(r.Groups)
		rf.SatOut = len(r.SatOut)
		for k := range r.SatOut {
			rf.SatOutWhy[sitOutKind(&r, k)]++
		}
		at[r.ID] = k
		g := make([]int32, len(brackets))
		for i := range g {
			g[i] = -1
		}
		repeats := make([]bool, len(r.Groups))
		for gi, grp := range r.Groups {
			rf.Members += len(grp.Members)
			for a, ref := range grp.Members {
				ia, okA := index[ref]
				if !okA {
					continue // erased since: anonymous
				}
				g[ia] = int32(gi)
				for _, other := range grp.Members[a+1:] {
					ib, okB := index[other]
					if !okB {
						continue
					}
					key := uint64(min(ia, ib))<<32 | uint64(max(ia, ib))
					if prev, ok := newest[key]; ok {
						repeatGroup[prev>>32][uint32(prev)] = true
					}
					newest[key] = uint64(k)<<32 | uint64(gi)
					if ba, bb := brackets[ia], brackets[ib]; ba >= 0 && bb >= 0 {
						f.Mixing[ba][bb]++
						if ba != bb {
							f.Mixing[bb][ba]++
						}
					}
				}
			}
		}
		groupOf = append(groupOf, g)
		metGroup = append(metGroup, make([]bool, len(r.Groups)))
		repeatGroup = append(repeatGroup, repeats)
		f.Rounds = append(f.Rounds, rf)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard figures: rounds: %w", err)
	}
	// Answers, and who was paused for their silence.
	err = s.EachMatchRecord(ctx, func(rec bot.MatchRecord) error {
		mi, known := index[rec.Member]
		if known && !rec.Paused.IsZero() && paused[mi] {
			f.Inactive++
		}
		for _, a := range rec.Answers {
			k, ok := at[a.Round]
			if !ok {
				continue
			}
			rf := &f.Rounds[k]
			rf.Answered++
			switch a.Answer {
			case bot.AnswerMet:
				rf.Met++
				if known {
					if g := groupOf[k][mi]; g >= 0 {
						metGroup[k][g] = true
					}
				}
			case bot.AnswerNotNow:
				rf.NotNow++
			case bot.AnswerNotAgain:
				rf.NotAgain++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard figures: answers: %w", err)
	}
	local := now.In(loc(settings))
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc(settings))
	for k := range f.Rounds {
		for _, met := range metGroup[k] {
			if met {
				f.Rounds[k].MetGroups++
			}
		}
		for _, rep := range repeatGroup[k] {
			if rep {
				f.Rounds[k].Repeats++
			}
		}
		if rf := f.Rounds[k]; !rf.Created.Before(monthStart) {
			f.Month.Add(rf.MatchStats) // as « statistiques » counts the month (core.MatchStats)
		}
	}

	// Follows and registrations.
	topics, sessions := map[string]int{}, map[string]*SessionCount{}
	session := func(key string) *SessionCount {
		sc, ok := sessions[key]
		if !ok {
			sc = &SessionCount{Key: key}
			sessions[key] = sc
		}
		return sc
	}
	err = s.EachHighlightFollows(ctx, func(hf bot.HighlightFollows) error {
		for _, t := range hf.Topics {
			topics[t]++
		}
		for _, k := range hf.Sessions {
			session(k).Followers++
		}
		for _, r := range hf.Registrations {
			session(r.Event+"/"+r.Session).Registered++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard figures: follows: %w", err)
	}
	misses := map[string]int{}
	if err := s.SearchMisses(ctx, func(q string, n int) error { misses[q] = n; return nil }); err != nil {
		return nil, fmt.Errorf("dashboard figures: searches: %w", err)
	}
	f.ByRegion, f.Interests, f.Topics, f.Misses = ranked(regions), ranked(interests), ranked(topics), ranked(misses)
	for _, sc := range sessions {
		f.Sessions = append(f.Sessions, *sc)
	}
	slices.SortFunc(f.Sessions, func(a, b SessionCount) int {
		return cmp.Or(cmp.Compare(b.Followers+b.Registered, a.Followers+a.Registered), cmp.Compare(a.Key, b.Key))
	})
	return f, nil
}

func loc(s *bot.Settings) *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// ranked sorts the counts, most first, then by key.
func ranked(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// cache keeps the last figures for maxAge, and recomputes them in the
// background when a page asks for older ones: pages read the figures
// already counted (a few milliseconds), never wait for a count but the
// very first.
type cache struct {
	compute func(ctx context.Context, now time.Time) (*Figures, error)
	maxAge  time.Duration
	clock   bot.Clock

	mu      sync.Mutex
	last    *Figures
	running bool
	done    chan struct{} // closed when the running count ends
	err     error
}

// get returns figures no older than maxAge when it can: fresh ones, or
// stale ones while a new count runs; it waits only when there are none.
func (c *cache) get(ctx context.Context) (*Figures, error) {
	now := c.clock.Now()
	c.mu.Lock()
	last := c.last
	if last != nil && now.Sub(last.At) < c.maxAge {
		c.mu.Unlock()
		return last, nil
	}
	if !c.running {
		c.running = true
		c.done = make(chan struct{})
		go c.refresh(context.WithoutCancel(ctx), now, c.done)
	}
	done := c.done
	c.mu.Unlock()
	if last != nil {
		return last, nil
	}
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return nil, c.err
	}
	return c.last, nil
}

func (c *cache) refresh(ctx context.Context, now time.Time, done chan struct{}) {
	f, err := c.compute(ctx, now)
	c.mu.Lock()
	if err == nil {
		c.last = f
	}
	c.err, c.running = err, false
	c.mu.Unlock()
	close(done)
}

// prefetch starts a count unless the figures are fresh or one runs: a
// sign-in link was just asked for or opened, pages will follow.
func (c *cache) prefetch(ctx context.Context) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || (c.last != nil && now.Sub(c.last.At) < c.maxAge) {
		return
	}
	c.running = true
	c.done = make(chan struct{})
	go c.refresh(context.WithoutCancel(ctx), now, c.done)
}
