package stats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/matching"
)

// Statistics is the organizers' picture of the network at a date: how many
// members, how many introductions this month and how many of them led to
// an exchange, where the members are and what they follow. It holds counts
// only, no personal data.
type Statistics struct {
	At      time.Time
	Members int
	counts  core.MemberStats
	// Month counts the rounds created since the first day of At's month
	// (in the bot's zone).
	Month core.MatchStats
	// ByRegion counts the registered members by région INSEE code, most
	// first; "" is for members without a collectivity (or a région).
	ByRegion []Count
	// ByBracket counts the registered members by size bracket of the
	// matching rules (index 0: below the first bound).
	ByBracket []int
	// Interests counts the interests the registered members chose, and
	// Topics the topics followed in the congress highlights, most first.
	Interests []Count
	Topics    []Count
}

// Count is one line of a breakdown.
type Count struct {
	Key string
	N   int
}

// statsTop is how many régions, interests and topics a summary lists.
const statsTop = 5

// Statistics counts the network as it is at now.
func (b *Feature) Statistics(ctx context.Context, now time.Time) (Statistics, error) {
	s := Statistics{At: now}
	bounds := b.Core.MatchRules().Brackets
	s.ByBracket = make([]int, len(bounds)+1)
	regions, interests, topics := map[string]int{}, map[string]int{}, map[string]int{}
	err := b.store.Members(ctx, func(m bot.Member) error {
		s.Members++
		s.counts.Count(m, now)
		if m.Onboarded.IsZero() {
			return nil // imported and invited: not yet in the network
		}
		region := ""
		if m.Collectivity != nil {
			region = m.Collectivity.Region
			s.ByBracket[matching.Bracket(bounds, m.Collectivity.Population)]++
		}
		regions[region]++
		for _, i := range m.Interests {
			interests[i]++
		}
		return nil
	})
	if err != nil {
		return Statistics{}, fmt.Errorf("statistics: members: %w", err)
	}
	err = b.store.EachHighlightFollows(ctx, func(f bot.HighlightFollows) error {
		for _, t := range f.Topics {
			topics[t]++
		}
		return nil
	})
	if err != nil {
		return Statistics{}, fmt.Errorf("statistics: follows: %w", err)
	}
	local := now.In(b.Settings.Location)
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, b.Settings.Location)
	if s.Month, err = b.Core.MatchStats(ctx, monthStart); err != nil {
		return Statistics{}, fmt.Errorf("statistics: rounds: %w", err)
	}
	s.ByRegion, s.Interests, s.Topics = ranked(regions), ranked(interests), ranked(topics)
	return s, nil
}

// jobSummary posts the week's statistics to the organizers' channel, in
// the default language, once per slot across replicas. A channel is not a
// member: the right to disconnect does not hold it back.
func (b *Feature) jobSummary(ctx context.Context, run bot.JobRun) error {
	if run.Job.Channel == nil {
		return errors.New("summary job without a channel")
	}
	s, err := b.Statistics(ctx, run.Slot)
	if err != nil {
		return err
	}
	r := b.Core.Printer(b.Settings.DefaultLang)
	text := b.statisticsText(r, s, "stats.weekly_header")
	return b.Core.AnnounceToChannel(ctx, run, *run.Job.Channel, text)
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

func (b *Feature) statsCommands() []*core.Command {
	return []*core.Command{
		{ID: "statistics", Role: bot.RoleOrganizer, Run: b.cmdStatistics,
			Names: map[bot.Lang][]string{bot.French: {"statistiques"}, bot.English: {"statistics", "stats"}}},
	}
}

func (b *Feature) cmdStatistics(ctx context.Context, r *core.Turn) []bot.Reply {
	s, err := b.Statistics(ctx, b.Clock.Now())
	if err != nil {
		b.Log.Error("statistics", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{{Text: b.statisticsText(r.Printer, s, "stats.header")}}
}

// statisticsText writes s for an organizer, in r's language, under the
// header of the catalogue key header.
func (b *Feature) statisticsText(r core.Printer, s Statistics, header string) string {
	lang := r.Lang
	n := func(v int) string { return core.FormatInt(lang, v) }
	lines := []string{r.T(header, "date", b.Core.FormatDate(lang, s.At)), ""}
	c := s.counts
	lines = append(lines, r.T("stats.members", "total", n(s.Members), "onboarded", n(c.Onboarded),
		"matchable", n(c.Matchable), "paused", n(c.Paused), "invited", n(c.Invited)))
	lines = append(lines, "")
	m := s.Month
	if m.Rounds == 0 {
		lines = append(lines, r.T("stats.month.none"))
	} else {
		lines = append(lines, r.T("stats.month", "rounds", n(m.Rounds), "groups", n(m.Introductions),
			"members", n(m.Members), "answered", n(m.Answered), "met", n(m.Met),
			"rate", core.Percent(lang, 100*m.MetRate())))
	}
	if c.Onboarded == 0 {
		return strings.Join(lines, "\n")
	}
	lines = append(lines, "", r.T("stats.by_region"))
	lines = append(lines, b.topLines(r, s.ByRegion, func(code string) string {
		if code == "" {
			return r.T("stats.region.none")
		}
		if reg, ok := b.Dir.Region(code); ok {
			return reg.Name
		}
		return code
	})...)
	lines = append(lines, "", r.T("stats.by_bracket"))
	bounds := b.Core.MatchRules().Brackets
	for i, v := range s.ByBracket {
		if v > 0 {
			lines = append(lines, r.T("stats.line", "label", core.BracketLabel(r, bounds, i), "count", n(v)))
		}
	}
	if len(s.Interests) > 0 {
		lines = append(lines, "", r.T("stats.interests"))
		lines = append(lines, b.topLines(r, s.Interests, func(id string) string {
			if l, ok := core.LabelByID(b.Settings.Interests, id); ok {
				return l.Text(lang)
			}
			return id // an interest since removed from the configuration
		})...)
	}
	if len(s.Topics) > 0 {
		lines = append(lines, "", r.T("stats.topics"))
		lines = append(lines, b.topLines(r, s.Topics, func(id string) string {
			if t := b.Core.Congress.Topic(id); t.FR != "" || t.EN != "" {
				return t.Label(lang)
			}
			if l, ok := core.LabelByID(b.Settings.Interests, id); ok {
				return l.Text(lang) // topics are interest ids
			}
			return id
		})...)
	}
	return strings.Join(lines, "\n")
}

// topLines writes the first statsTop counts, and the rest as one line.
func (b *Feature) topLines(r core.Printer, counts []Count, label func(string) string) []string {
	var out []string
	rest, others := 0, 0
	for i, c := range counts {
		if i < statsTop {
			out = append(out, r.T("stats.line", "label", label(c.Key), "count", core.FormatInt(r.Lang, c.N)))
			continue
		}
		rest += c.N
		others++
	}
	if others > 0 {
		out = append(out, r.T("stats.others", "groups", strconv.Itoa(others), "count", core.FormatInt(r.Lang, rest)))
	}
	return out
}
