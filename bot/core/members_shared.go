package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
)

// matchableMembers are the members who may be introduced at now: they
// finished the onboarding, opted in, are not paused and have a
// collectivity.
func MatchableMembersOf(ctx context.Context, s bot.MemberRecords, now time.Time) ([]bot.Member, error) {
	var out []bot.Member
	err := s.Members(ctx, func(m bot.Member) error {
		if m.Matchable(now) && !m.Onboarded.IsZero() && m.Collectivity != nil {
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("matchable members: %w", err)
	}
	return out, nil
}

func (b *Bot) RoleLabel(lang bot.Lang, id string) string {
	if l, ok := LabelByID(b.Settings.MemberRoles, id); ok {
		return l.Text(lang)
	}
	return id
}

func (b *Bot) InterestLabels(lang bot.Lang, ids []string) string {
	var out []string
	for _, id := range ids {
		if l, ok := LabelByID(b.Settings.Interests, id); ok {
			out = append(out, l.Text(lang))
		}
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}

// describeColl writes a collectivity in full: "Saint-Pierre-du-Perray
// (commune, Essonne (91), Île-de-France, 11 993 habitants)".
func (b *Bot) DescribeColl(lang bot.Lang, c bot.Collectivity) string {
	T := func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }
	var parts []string
	if c.Kind != bot.KindOther {
		parts = append(parts, T("members.kind."+string(c.Kind)))
	}
	if c.Departement != "" && c.Kind != bot.KindDepartement && c.Kind != bot.KindRegion {
		if dep, ok := b.Dir.Departement(c.Departement); ok {
			parts = append(parts, T("members.coll.departement", "name", dep.Name, "code", dep.Code))
		}
	}
	if c.Region != "" && c.Kind != bot.KindRegion {
		if reg, ok := b.Dir.Region(c.Region); ok {
			parts = append(parts, reg.Name)
		}
	}
	pop := FormatInt(lang, c.Population)
	if c.Kind == bot.KindOther {
		parts = append(parts, T("members.coll.population_about", "population", pop))
		return T("members.other.type."+c.Code) + " (" + strings.Join(parts, ", ") + ")"
	}
	parts = append(parts, T("members.coll.population", "population", pop))
	return c.Name + " (" + strings.Join(parts, ", ") + ")"
}

// MatchableMembers returns the members who may be introduced at now: they
// finished the onboarding, opted in, are not paused and have a
// collectivity. Each carries its collectivity (kind, code, population,
// département, région), role, interests and preferences. The matching
// rounds start from it.
func (b *Bot) MatchableMembers(ctx context.Context, now time.Time) ([]bot.Member, error) {
	return MatchableMembersOf(ctx, b.Store, now)
}

// memberStats counts where members stand, for the organizers' "membres".
type MemberStats struct{ Onboarded, Matchable, Paused, Invited int }

func (st *MemberStats) Count(m bot.Member, now time.Time) {
	switch {
	case !m.Onboarded.IsZero():
		st.Onboarded++
		if m.Matchable(now) {
			st.Matchable++
		} else if !m.OptedIn.IsZero() {
			st.Paused++
		}
	case !m.Imported.IsZero():
		st.Invited++
	}
}

func (st MemberStats) Lines(r *Turn) []string {
	return []string{r.T("members.stats", "onboarded", strconv.Itoa(st.Onboarded),
		"matchable", strconv.Itoa(st.Matchable), "paused", strconv.Itoa(st.Paused),
		"invited", strconv.Itoa(st.Invited))}
}

// onboarded reports whether the member finished the onboarding.
func (r *Turn) Onboarded() bool { return r.Known && !r.Member.Onboarded.IsZero() }
