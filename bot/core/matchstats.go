package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/matching"
)

func Percent(lang bot.Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang == bot.French {
		return strings.Replace(s, ".", ",", 1) + "\u00a0%"
	}
	return s + "%"
}

// MatchStats are counts over the rounds since a date, for the organizers.
type MatchStats struct {
	Rounds int
	// Introductions are the groups introduced; Members the places in
	// them (a member introduced in two rounds counts twice).
	Introductions int
	Members       int
	SatOut        int
	// Answered counts the answers; Met, NotNow and NotAgain each kind.
	Answered int
	Met      int
	NotNow   int
	NotAgain int
}

// MetRate is the share of the members introduced who said they met.
func (s MatchStats) MetRate() float64 {
	if s.Members == 0 {
		return 0
	}
	return float64(s.Met) / float64(s.Members)
}

// RoundStats are the counts of one round.
type RoundStats struct {
	Round bot.MatchRound
	MatchStats
}

// MatchStats counts the introductions of the rounds created at or after
// since, and the answers to them.
func (b *Bot) MatchStats(ctx context.Context, since time.Time) (MatchStats, error) {
	per, err := b.RoundStats(ctx, since, 0)
	if err != nil {
		return MatchStats{}, err
	}
	var s MatchStats
	for _, p := range per {
		s.Add(p.MatchStats)
	}
	return s, nil
}

// Add counts one round's figures in s (Rounds counts one more).
func (s *MatchStats) Add(round MatchStats) {
	s.Rounds++
	s.Introductions += round.Introductions
	s.Members += round.Members
	s.SatOut += round.SatOut
	s.Answered += round.Answered
	s.Met += round.Met
	s.NotNow += round.NotNow
	s.NotAgain += round.NotAgain
}

// bracketLabel writes size bracket i: "de 10 000 à 19 999 habitants".
func BracketLabel(r Printer, bounds []int, i int) string {
	switch {
	case len(bounds) == 0:
		return r.T("match.bracket.all")
	case i == 0:
		return r.T("match.bracket.first", "max", FormatInt(r.Lang, bounds[0]))
	case i >= len(bounds):
		return r.T("match.bracket.last", "min", FormatInt(r.Lang, bounds[len(bounds)-1]))
	}
	return r.T("match.bracket.mid", "min", FormatInt(r.Lang, bounds[i-1]), "max", FormatInt(r.Lang, bounds[i]-1))
}

// matchRules are the configured matching rules (the defaults when none).
func (b *Bot) MatchRules() matching.Rules { return RulesOrDefault(b.Settings.Matching.Rules) }

// rulesOrDefault returns rules, or the default rules when none were set
// (the zero Rules, recognised by its empty SizeMode).
func RulesOrDefault(rules matching.Rules) matching.Rules {
	if rules.SizeMode != "" {
		return rules
	}
	return matching.DefaultRules()
}

// roundStats counts each round created at or after since, newest first
// (at most limit rounds; 0: all).
func (b *Bot) RoundStats(ctx context.Context, since time.Time, limit int) ([]RoundStats, error) {
	var out []RoundStats
	at := map[string]int{}
	err := b.Store.Rounds(ctx, limit, func(r bot.MatchRound) error {
		if r.Created.Before(since) {
			return nil
		}
		st := RoundStats{Round: r}
		st.Introductions = len(r.Groups)
		for _, g := range r.Groups {
			st.Members += len(g.Members)
		}
		st.SatOut = len(r.SatOut)
		at[r.ID] = len(out)
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("match stats: %w", err)
	}
	err = b.Store.EachMatchRecord(ctx, func(rec bot.MatchRecord) error {
		for _, a := range rec.Answers {
			i, ok := at[a.Round]
			if !ok {
				continue
			}
			st := &out[i]
			st.Answered++
			switch a.Answer {
			case bot.AnswerMet:
				st.Met++
			case bot.AnswerNotNow:
				st.NotNow++
			case bot.AnswerNotAgain:
				st.NotAgain++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("match stats: %w", err)
	}
	return out, nil
}
