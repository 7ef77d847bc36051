package introductions

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
)

// A real conversation starter: a question the members can answer, tied
// to what they share. When a highlight of the congress covers their
// shared interests, the introduction names its session and asks what
// they take from it; otherwise it asks a question of the bank (content
// questions*.yaml), chosen when the round is planned among those of the
// interests all members share (else those some of them share, else the
// general ones), never one asked before to a pair of the group.

// starterRounds is how many past rounds are read for the questions
// already asked (three years of monthly rounds).
const starterRounds = 36

// pairKey names a pair of members, in either order.
func pairKey(a, b bot.UserRef) string {
	x, y := a.String(), b.String()
	if x > y {
		x, y = y, x
	}
	return x + "\x00" + y
}

// askedBefore returns, per pair, the questions asked to groups holding
// it in past rounds.
func (pl Planner) askedBefore(ctx context.Context) (map[string][]string, error) {
	asked := map[string][]string{}
	if len(pl.Questions) == 0 {
		return asked, nil
	}
	err := pl.Store.Rounds(ctx, starterRounds, func(r bot.MatchRound) error {
		for _, g := range r.Groups {
			if g.Starter == "" {
				continue
			}
			for x, a := range g.Members {
				for _, c := range g.Members[x+1:] {
					k := pairKey(a, c)
					asked[k] = append(asked[k], g.Starter)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan: reading the questions asked: %w", err)
	}
	return asked, nil
}

// chooseQuestion picks the group's question (its key), or "".
func chooseQuestion(bank []content.Question, members []bot.Member, asked map[string][]string, round string) string {
	if len(bank) == 0 {
		return ""
	}
	used := func(q content.Question) bool {
		for x, a := range members {
			for _, c := range members[x+1:] {
				if slices.Contains(asked[pairKey(a.Ref, c.Ref)], q.Key()) {
					return true
				}
			}
		}
		return false
	}
	some := map[string]bool{}
	for x, a := range members {
		for _, c := range members[x+1:] {
			for _, id := range commonInterests([]bot.Member{a, c}) {
				some[id] = true
			}
		}
	}
	common := commonInterests(members)
	tiers := []func(content.Question) bool{
		func(q content.Question) bool { return slices.Contains(common, q.Interest) },
		func(q content.Question) bool { return some[q.Interest] },
		func(q content.Question) bool { return q.Interest == content.GeneralQuestions },
		func(content.Question) bool { return true },
	}
	h := fnv.New64a()
	h.Write([]byte(round))
	for _, m := range members {
		h.Write([]byte(m.Ref.String()))
	}
	seed := h.Sum64()
	for _, fits := range tiers {
		var cands []content.Question
		for _, q := range bank {
			if fits(q) && !used(q) {
				cands = append(cands, q)
			}
		}
		if len(cands) > 0 {
			return cands[seed%uint64(len(cands))].Key()
		}
	}
	return ""
}

// starter is the conversation starter of group gi of round, in r's
// language: a congress highlight of their shared interests, naming its
// session, else the question chosen with the round; "" when neither.
func (b *Feature) starter(ctx context.Context, r core.Printer, round bot.MatchRound, gi int, members []bot.Member) string {
	if common := commonInterests(members); len(common) > 0 {
		if st, ok := b.Core.Congress.ConversationStarter(ctx, common, r.Lang); ok {
			point := st.Highlight.Text
			if st.Highlight.Quote != "" {
				point = r.T("highlights.quote", "quote", st.Highlight.Quote, "author", st.Highlight.Author)
			}
			event := st.Event
			if ev, ok := b.Core.Congress.Content(ctx).Set.Event(st.Event); ok {
				event = ev.Name
			}
			return r.T("match.intro.starter_session", "title", st.SessionTitle, "event", event, "point", point)
		}
	}
	if gi < 0 || gi >= len(round.Groups) || round.Groups[gi].Starter == "" {
		return ""
	}
	key := round.Groups[gi].Starter
	for _, q := range b.Core.Congress.Content(ctx).Set.Questions {
		if q.Key() == key {
			return q.Text(string(r.Lang))
		}
	}
	return ""
}
