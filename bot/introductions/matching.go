package introductions

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/matching"
)

// Introductions ("mises en relation"): every round, each member who opted
// in, is not paused and is due by their cadence meets the peer most worth
// meeting. The scoring and the optimal plan are internal/matching's; this
// file turns members and their history into its input, and the plan into
// a MatchRound. matching_round.go runs rounds, matching_send.go posts the
// introductions, matching_followup.go asks whether members met.

// Cadences: the least time between two introductions of a member.
const (
	biweeklyGap = 12 * 24 * time.Hour
	monthlyGap  = 26 * 24 * time.Hour
	// autoPause is how long a member who ignored rounds is paused: until
	// they write « reprendre », within a year.
	autoPause = 365 * 24 * time.Hour
	// historyRounds is the fewest past rounds read for a plan (cadence,
	// sit-out priority, ignored rounds).
	historyRounds = 4
)

// erasedPlatform marks the place of a member who erased their data in the
// rounds other members keep.
const erasedPlatform bot.Platform = "erased"

func isErased(u bot.UserRef) bool { return u.Platform == erasedPlatform }

// Planner computes a round from the store: the members due, their
// history, and the rules. The bot's rounds and the command line's dry run
// share it.
type Planner struct {
	Store PlannerStore
	Rules matching.Rules
	// Members are the pool; nil means the store's matchable members who
	// are due by their cadence.
	Members []bot.Member
	// Questions are the conversation starters' bank, and Highlights those
	// of the current congress (both nil: no starter is chosen).
	Questions  []content.Question
	Highlights []HighlightStarter
}

// RoundPlan is a planned round, before anything is stored or sent.
type RoundPlan struct {
	Round bot.MatchRound
	// Members and Profiles are the pool, by index; Plan the groups by
	// index; Pool scores any pair.
	Members  []bot.Member
	Profiles []matching.Profile
	Plan     matching.Plan
	Pool     *matching.Pool
}

// Breakdown returns the score of members i and j of the pool.
func (p *RoundPlan) Breakdown(i, j int) (matching.Breakdown, bool) { return p.Pool.Score(i, j) }

// Plan plans the round id at now.
func (pl Planner) Plan(ctx context.Context, id, job string, slot, now time.Time) (*RoundPlan, error) {
	rules := core.RulesOrDefault(pl.Rules)
	var past []bot.MatchRound
	err := pl.Store.Rounds(ctx, max(rules.Repeat.Rounds, historyRounds), func(r bot.MatchRound) error {
		if r.ID != id && r.Created.Before(now) {
			past = append(past, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan: reading past rounds: %w", err)
	}
	members := pl.Members
	if members == nil {
		all, err := core.MatchableMembersOf(ctx, pl.Store, now)
		if err != nil {
			return nil, err
		}
		last := lastIntroduced(past)
		for _, m := range all {
			if dueByCadence(m, last[m.Ref], now) {
				members = append(members, m)
			}
		}
	}
	index := make(map[bot.UserRef]int, len(members))
	for i, m := range members {
		index[m.Ref] = i
	}
	workshops, err := attended(ctx, pl.Store, index)
	if err != nil {
		return nil, err
	}
	profiles := make([]matching.Profile, len(members))
	for i, m := range members {
		profiles[i] = profileOf(m, workshops[i])
	}
	hist, err := history(ctx, pl.Store, past, index, rules.Repeat.Rounds)
	if err != nil {
		return nil, err
	}
	pool, err := matching.NewPool(rules, profiles, hist)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	plan, err := pool.Plan()
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	round := bot.MatchRound{ID: id, Job: job, Slot: slot, Created: now, Total: plan.Total, Gap: plan.Certificate.Gap}
	asked, err := pl.askedBefore(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range plan.Groups {
		mg := bot.MatchGroup{Score: g.Score}
		var ms []bot.Member
		for _, i := range g.Members {
			mg.Members = append(mg.Members, members[i].Ref)
			ms = append(ms, members[i])
		}
		mg.Starter = chooseQuestion(pl.Questions, pl.Highlights, ms, asked, id)
		round.Groups = append(round.Groups, mg)
	}
	for k, i := range plan.SitOut {
		round.SatOut = append(round.SatOut, members[i].Ref)
		round.SatOutWhy = append(round.SatOutWhy, plan.Reasons[k])
	}
	return &RoundPlan{Round: round, Members: members, Profiles: profiles, Plan: plan, Pool: pool}, nil
}

// lastIntroduced returns when each member was last introduced (or sat
// out: they are then due at once).
func lastIntroduced(past []bot.MatchRound) map[bot.UserRef]time.Time {
	last := map[bot.UserRef]time.Time{}
	for _, r := range past {
		for _, g := range r.Groups {
			for _, m := range g.Members {
				if t, ok := last[m]; !ok || r.Created.After(t) {
					last[m] = r.Created
				}
			}
		}
	}
	return last
}

// dueByCadence: a member who asked for an introduction every two weeks
// (or every month, the default) is not introduced again sooner.
func dueByCadence(m bot.Member, last, now time.Time) bool {
	if last.IsZero() {
		return true
	}
	gap := monthlyGap
	if m.Prefs.Cadence == bot.CadenceBiweekly {
		gap = biweeklyGap
	}
	return now.Sub(last) >= gap
}

// attended returns, by pool index, the sessions each member registered
// for or was recorded as attending: the workshops they share.
func attended(ctx context.Context, s PlannerStore, index map[bot.UserRef]int) (map[int][]string, error) {
	out := map[int][]string{}
	err := s.EachHighlightFollows(ctx, func(f bot.HighlightFollows) error {
		i, ok := index[f.Member]
		if !ok {
			return nil
		}
		for _, reg := range f.Registrations {
			out[i] = append(out[i], reg.Event+"/"+reg.Session)
		}
		for _, at := range f.Attended {
			out[i] = append(out[i], at.Event+"/"+at.Session)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan: reading registrations: %w", err)
	}
	return out, nil
}

// profileOf is what scoring knows of a member.
func profileOf(m bot.Member, workshops []string) matching.Profile {
	p := matching.Profile{
		Role:            m.Role,
		Interests:       m.Interests,
		Workshops:       workshops,
		SimilarSizeOnly: m.Prefs.SimilarSizeOnly,
		SameRegion:      m.Prefs.Region == bot.RegionSame,
		Offers:          m.Offers,
		Needs:           m.Needs,
	}
	if c := m.Collectivity; c != nil {
		p.Population, p.Kind, p.Region, p.Departement = c.Population, string(c.Kind), c.Region, c.Departement
		switch {
		case c.Kind != bot.KindOther && c.Code != "":
			p.Collectivity = string(c.Kind) + ":" + c.Code
		case c.Name != "":
			p.Collectivity = string(c.Kind) + ":" + strings.ToLower(c.Name)
		}
	}
	return p
}

// history gathers, for the pool, the pairs met in the last rounds, the
// "not again" lists and who sat the last round out.
func history(ctx context.Context, s PlannerStore, past []bot.MatchRound, index map[bot.UserRef]int, rounds int) (matching.History, error) {
	var h matching.History
	for ago, r := range past {
		if ago >= rounds {
			break
		}
		for _, g := range r.Groups {
			for x, a := range g.Members {
				for _, b := range g.Members[x+1:] {
					i, oki := index[a]
					j, okj := index[b]
					if oki && okj {
						h.Met = append(h.Met, matching.Met{A: i, B: j, Ago: ago + 1})
					}
				}
			}
		}
	}
	// Who sat out in the recent rounds is served first, so that everyone
	// takes their turn.
	for ago, r := range past {
		if ago >= max(rounds, 1) {
			break
		}
		for _, m := range r.SatOut {
			if i, ok := index[m]; ok && !slices.Contains(h.Priority, i) {
				h.Priority = append(h.Priority, i)
			}
		}
	}
	err := s.EachMatchRecord(ctx, func(rec bot.MatchRecord) error {
		i, ok := index[rec.Member]
		if !ok {
			return nil
		}
		for _, other := range rec.NotAgain {
			if j, ok := index[other]; ok && j != i {
				h.NotAgain = append(h.NotAgain, [2]int{i, j})
			}
		}
		return nil
	})
	if err != nil {
		return h, fmt.Errorf("plan: reading answers: %w", err)
	}
	return h, nil
}

// roundID names a round: "<job>|<slot in ms>".
func roundID(job string, slot time.Time) string {
	return job + "|" + strconv.FormatInt(slot.UnixMilli(), 10)
}

// groupOf returns the index of the group of round r that holds ref.
func groupOf(r bot.MatchRound, ref bot.UserRef) (int, bool) {
	for gi, g := range r.Groups {
		if slices.Contains(g.Members, ref) {
			return gi, true
		}
	}
	return 0, false
}

// PlannerStore is what the planner reads: the members, past rounds and
// answers, and the congress registrations (the same workshop).
type PlannerStore interface {
	bot.MemberRecords
	bot.MatchStore
	bot.HighlightStore
}
