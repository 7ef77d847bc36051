package introductions

import (
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/blossom"
	"github.com/sndgct/maillage/internal/matching"
)

// The plan as the command line shows it (`maillage match --dry-run`):
// every group with each pair's score by criterion, the total and the
// certificate, as text or JSON.

// PlanJSON is a plan for --json. Scores are points written exactly
// ("81.25"); indexes number the pool as --scores-out does.
type PlanJSON struct {
	Members     int                  `json:"members"`
	Groups      []GroupJSON          `json:"groups"`
	SatOut      []MemberJSON         `json:"sat_out"`
	Total       string               `json:"total"`
	Certificate matching.Certificate `json:"certificate"`
	Quality     matching.Quality     `json:"quality"`
}

// MemberJSON describes one member of the pool.
type MemberJSON struct {
	Index        int    `json:"index"`
	Name         string `json:"name"`
	Collectivity string `json:"collectivity,omitempty"`
	Population   int    `json:"population,omitempty"`
	Departement  string `json:"departement,omitempty"`
	Region       string `json:"region,omitempty"`
	Role         string `json:"role,omitempty"`
	// Reason says why a member sits out (sat_out only).
	Reason string `json:"reason,omitempty"`
}

// GroupJSON is one group and the breakdown of each of its pairs.
type GroupJSON struct {
	Members []MemberJSON `json:"members"`
	Score   string       `json:"score"`
	Pairs   []PairJSON   `json:"pairs"`
}

// PairJSON is one pair's score by criterion.
type PairJSON struct {
	A         int                `json:"a"`
	B         int                `json:"b"`
	Breakdown matching.Breakdown `json:"breakdown"`
}

// FormatMilli writes milli-points as exact points: 81250 -> "81.25",
// -1500 -> "-1.5", 42000 -> "42".
func FormatMilli(m int64) string { return blossom.FormatWeight(m, 3) }

func (p *RoundPlan) memberJSON(i int) MemberJSON {
	m := p.Members[i]
	out := MemberJSON{Index: i, Name: memberName(m), Role: m.Role}
	if c := m.Collectivity; c != nil {
		out.Collectivity, out.Population, out.Departement, out.Region = c.Name, c.Population, c.Departement, c.Region
	}
	return out
}

// JSON returns the plan for --json, with the quality figures (random
// pairing seeded by seed).
func (p *RoundPlan) JSON(seed uint64) PlanJSON {
	out := PlanJSON{Members: len(p.Members), Groups: []GroupJSON{}, SatOut: []MemberJSON{},
		Total: FormatMilli(p.Plan.Total), Certificate: p.Plan.Certificate, Quality: p.Pool.Compare(p.Plan, seed)}
	for _, g := range p.Plan.Groups {
		gj := GroupJSON{Score: FormatMilli(g.Score)}
		for x, a := range g.Members {
			gj.Members = append(gj.Members, p.memberJSON(a))
			for _, b := range g.Members[x+1:] {
				bd, _ := p.Pool.Score(a, b)
				gj.Pairs = append(gj.Pairs, PairJSON{A: a, B: b, Breakdown: bd})
			}
		}
		out.Groups = append(out.Groups, gj)
	}
	for k, i := range p.Plan.SitOut {
		mj := p.memberJSON(i)
		mj.Reason = p.Plan.Reasons[k]
		out.SatOut = append(out.SatOut, mj)
	}
	return out
}

// PlanReport writes the plan as text in lang: the summary, the quality
// figures, then every group with each pair's breakdown.
func PlanReport(cat *catalog.Catalog, lang bot.Lang, p *RoundPlan) string {
	b := newFeature(&core.Bot{Cat: cat})
	r := b.Core.Printer(lang)
	lines := []string{b.planSummary(r, p, 0)}
	for gi, g := range p.Plan.Groups {
		var who []string
		for _, i := range g.Members {
			mj := p.memberJSON(i)
			who = append(who, "#"+strconv.Itoa(i)+" "+mj.Name+" ("+mj.Collectivity+")")
		}
		lines = append(lines, r.T("match.report.group", "number", strconv.Itoa(gi+1), "names", strings.Join(who, ", "),
			"score", points(lang, g.Score)))
		for x, a := range g.Members {
			for _, c := range g.Members[x+1:] {
				bd, _ := p.Pool.Score(a, c)
				lines = append(lines, r.T("match.report.pair", "a", strconv.Itoa(a), "b", strconv.Itoa(c),
					"breakdown", breakdownText(r, bd)))
			}
		}
	}
	for k, i := range p.Plan.SitOut {
		mj := p.memberJSON(i)
		lines = append(lines, r.T("match.report.sat_out", "name", "#"+strconv.Itoa(i)+" "+mj.Name,
			"reason", r.T("match.reason."+p.Plan.Reasons[k])))
	}
	return strings.Join(lines, "\n")
}
