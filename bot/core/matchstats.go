package core

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/matching"
)

// From matching_commands.go.

func Percent(lang bot.Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang == bot.French {
		return strings.Replace(s, ".", ",", 1) + "\u00a0%"
	}
	return s + "%"
}

// From matching_followup.go.

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
	per, err := b.roundStats(ctx, since, 0)
	if err != nil {
		return MatchStats{}, err
	}
	var s MatchStats
	for _, p := range per {
		s.Rounds++
		s.Introductions += p.Introductions
		s.Members += p.Members
		s.SatOut += p.SatOut
		s.Answered += p.Answered
		s.Met += p.Met
		s.NotNow += p.NotNow
		s.NotAgain += p.NotAgain
	}
	return s, nil
}

// From matching_send.go.

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

// From stats.go.

// matchRules are the configured matching rules (the defaults when none).
func (b *Bot) MatchRules() matching.Rules { return rulesOrDefault(b.Settings.Matching.Rules) }

// rulesOrDefault returns rules, or the default rules when none were set
// (the zero Rules, recognised by its empty SizeMode).
func rulesOrDefault(rules matching.Rules) matching.Rules {
	if rules.SizeMode != "" {
		return rules
	}
	return matching.DefaultRules()
}
