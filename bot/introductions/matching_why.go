package introductions

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/matching"
)

// Why you, concretely: the reasons an introduction gives are facts the
// members can check (the interests all of them share, or who shares
// what; their collectivities' sizes; the same département or région; a
// congress session all of them registered for; who can help whom), never
// a generic phrase when such a fact exists.

// commonInterests are the interests every member of the group has, in
// the first member's order.
func commonInterests(members []bot.Member) []string {
	if len(members) == 0 {
		return nil
	}
	var out []string
	for _, id := range members[0].Interests {
		all := true
		for _, m := range members[1:] {
			all = all && slices.Contains(m.Interests, id)
		}
		if all && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// sharedLines name the shared interests: those all members share, or,
// in a larger group where none is common to all, who shares what.
func (b *Feature) sharedLines(r core.Printer, members []bot.Member) []string {
	if common := commonInterests(members); len(common) > 0 {
		return []string{r.T("match.intro.shared", "interests", b.Core.InterestLabels(r.Lang, common))}
	}
	var pairs []string
	for x, a := range members {
		for _, c := range members[x+1:] {
			if ids := commonInterests([]bot.Member{a, c}); len(ids) > 0 {
				pairs = append(pairs, r.T("match.intro.shared_pair", "a", memberName(a), "b", memberName(c),
					"interests", b.Core.InterestLabels(r.Lang, ids)))
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	return []string{r.T("match.intro.shared_some", "pairs", strings.Join(pairs, r.T("match.intro.shared_sep")))}
}

// complementLines say who can share their experience with whom, on what.
func (b *Feature) complementLines(r core.Printer, members []bot.Member) []string {
	var out []string
	for _, a := range members {
		for _, c := range members {
			if a.Ref == c.Ref {
				continue
			}
			var ids []string
			for _, id := range a.Offers {
				if slices.Contains(c.Needs, id) {
					ids = append(ids, id)
				}
			}
			if len(ids) > 0 {
				out = append(out, r.T("match.intro.complement", "name", memberName(a), "other", memberName(c),
					"interests", lowerFirst(b.Core.InterestLabels(r.Lang, ids))))
			}
		}
	}
	return out
}

// lowerFirst lowers the first letter of a label, unless it starts an
// acronym (« IA », « RH »).
func lowerFirst(s string) string {
	first, n := utf8.DecodeRuneInString(s)
	second, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(second) {
		return s
	}
	return string(unicode.ToLower(first)) + s[n:]
}

// why says, in words, why the members were put together: the facts that
// hold for the whole group.
func (b *Feature) why(ctx context.Context, r core.Printer, members []bot.Member) string {
	rules := b.Core.MatchRules()
	var reasons []string
	if s := b.sizeReason(r, rules, members); s != "" {
		reasons = append(reasons, s)
	}
	if s := b.placeReason(r, rules, members); s != "" {
		reasons = append(reasons, s)
	}
	if sameRole(members) {
		reasons = append(reasons, r.T("match.why.role_same", "role", shortRole(b.Core.RoleLabel(r.Lang, members[0].Role))))
	}
	for _, title := range b.sharedSessions(ctx, members) {
		reasons = append(reasons, r.T("match.why.session", "title", title))
	}
	if len(reasons) == 0 {
		return r.T("match.why.balance")
	}
	return strings.Join(reasons, ", ")
}

func sameRole(members []bot.Member) bool {
	for _, m := range members {
		if m.Role == "" || m.Role != members[0].Role {
			return false
		}
	}
	return true
}

// sizeReason gives the collectivities' sizes when they are comparable
// for every pair of the group: « deux communes de 12 000 et 14 800
// habitants ».
func (b *Feature) sizeReason(r core.Printer, rules matching.Rules, members []bot.Member) string {
	if len(members) < 2 || len(members) > 4 {
		return ""
	}
	profiles := make([]matching.Profile, len(members))
	communes := true
	var pops []string
	for i, m := range members {
		profiles[i] = profileOf(m, nil)
		if m.Collectivity == nil || m.Collectivity.Population <= 0 {
			return ""
		}
		communes = communes && m.Collectivity.Kind == bot.KindCommune
		pops = append(pops, core.FormatInt(r.Lang, roundPopulation(m.Collectivity.Population)))
	}
	pool, err := matching.NewPool(rules, profiles, matching.History{})
	if err != nil {
		return ""
	}
	for i := range members {
		for j := i + 1; j < len(members); j++ {
			if bd, _ := pool.Score(i, j); bd.Size < rules.Weights.Size/2 || rules.Weights.Size <= 0 {
				return ""
			}
		}
	}
	kinds := "match.why.kind_collectivities"
	if communes {
		kinds = "match.why.kind_communes"
	}
	list := strings.Join(pops[:len(pops)-1], ", ") + r.T("match.why.and") + pops[len(pops)-1]
	return r.T("match.why.sizes", "count", r.T("match.why.count_"+strconv.Itoa(len(members))), "kinds", r.T(kinds),
		"populations", list)
}

// roundPopulation rounds to the hundred from 1,000 inhabitants on.
func roundPopulation(p int) int {
	if p < 1000 {
		return p
	}
	return (p + 50) / 100 * 100
}

// placeReason names the département, else the région, all members share
// (or says the régions differ when the rules prefer it).
func (b *Feature) placeReason(r core.Printer, rules matching.Rules, members []bot.Member) string {
	dep, reg := "", ""
	for i, m := range members {
		c := m.Collectivity
		if c == nil {
			return ""
		}
		if i == 0 {
			dep, reg = c.Departement, c.Region
			continue
		}
		if c.Departement != dep {
			dep = ""
		}
		if c.Region != reg {
			reg = ""
		}
	}
	if rules.RegionMode == matching.RegionPreferDifferent {
		if reg == "" {
			return r.T("match.why.region_different")
		}
		return ""
	}
	if dep != "" {
		if d, ok := b.Dir.Departement(dep); ok {
			return r.T("match.why.departement", "name", d.Name)
		}
	}
	if reg != "" {
		if g, ok := b.Dir.Region(reg); ok {
			return r.T("match.why.region", "region", g.Name)
		}
		return r.T("match.why.region_unnamed")
	}
	return ""
}

// sharedSessions are the titles of the congress sessions every member
// registered for (or was recorded as attending).
func (b *Feature) sharedSessions(ctx context.Context, members []bot.Member) []string {
	var common []string
	for i, m := range members {
		f, err := b.store.HighlightFollows(ctx, m.Ref)
		if err != nil {
			return nil
		}
		var keys []string
		for _, reg := range f.Registrations {
			keys = append(keys, reg.Event+"/"+reg.Session)
		}
		for _, at := range f.Attended {
			keys = append(keys, at.Event+"/"+at.Session)
		}
		if i == 0 {
			common = keys
			continue
		}
		common = slices.DeleteFunc(common, func(k string) bool { return !slices.Contains(keys, k) })
	}
	if len(common) == 0 {
		return nil
	}
	snap := b.Core.Congress.Content(ctx)
	var titles []string
	for _, k := range common {
		if _, s, ok := snap.SessionByKey(k); ok && !slices.Contains(titles, s.Title) {
			titles = append(titles, s.Title)
		}
	}
	return titles
}

// shortRole gives a role label's abbreviation when it ends with one
// (« Directeur général ou directrice générale des services (DGS) » gives
// « DGS »), so that the reason does not nest parentheses; else the label.
func shortRole(label string) string {
	if strings.HasSuffix(label, ")") {
		if i := strings.LastIndex(label, "("); i >= 0 && len(label)-i > 2 {
			return label[i+1 : len(label)-1]
		}
	}
	return label
}
