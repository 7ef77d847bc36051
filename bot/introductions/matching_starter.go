package introductions

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
)

// A real conversation starter: a question the members can answer, tied
// to what they share, chosen when the round is planned and kept with it.
// When a highlight of the current congress covers the interests all
// members share, the introduction names its session, asks what they take
// from it and gives the point (a statement rather than a quotation when
// there is one); otherwise it asks a question of the bank (content
// questions*.yaml) among those of the interests all members share (else
// those some of them share, else the general ones). Never one given
// before to a pair of the group.

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
	if len(pl.Questions) == 0 && len(pl.Highlights) == 0 {
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

// HighlightStarter is a highlight of the current event that may open a
// conversation: its key ("hl|event/session/highlight"), the interests
// its session covers, and whether it is a quotation (a statement of the
// point is preferred: it gives more to answer).
type HighlightStarter struct {
	Key    string
	Topics []string
	Quote  bool
}

// highlightKeyPrefix marks a starter drawn from a highlight.
const highlightKeyPrefix = "hl|"

// highlightStarters lists the highlights of the current event.
func highlightStarters(ev *content.Event) []HighlightStarter {
	if ev == nil {
		return nil
	}
	var out []HighlightStarter
	for _, s := range ev.Sessions {
		for _, h := range s.Highlights {
			out = append(out, HighlightStarter{Key: highlightKeyPrefix + ev.ID + "/" + s.ID + "/" + h.ID,
				Topics: s.Topics, Quote: h.Quote != ""})
		}
	}
	return out
}

// chooseHighlight picks, for a group sharing the interests common, the
// highlight whose session covers most of them, a statement before a
// quotation, never one given before to a pair of the group; "" if none.
func chooseHighlight(hls []HighlightStarter, common []string, used func(string) bool, seed uint64) string {
	type cand struct {
		key     string
		overlap int
		quote   bool
	}
	var best []cand
	for _, h := range hls {
		n := 0
		for _, t := range h.Topics {
			if slices.Contains(common, t) {
				n++
			}
		}
		if n == 0 || used(h.Key) {
			continue
		}
		c := cand{h.Key, n, h.Quote}
		switch {
		case len(best) == 0 || n > best[0].overlap || (n == best[0].overlap && !c.quote && best[0].quote):
			best = []cand{c}
		case n == best[0].overlap && c.quote == best[0].quote:
			best = append(best, c)
		}
	}
	if len(best) == 0 {
		return ""
	}
	return best[seed%uint64(len(best))].key
}

// chooseQuestion picks the group's conversation starter (its key): a
// highlight of their common interests, else a question of the bank; "".
func chooseQuestion(bank []content.Question, hls []HighlightStarter, members []bot.Member, asked map[string][]string, round string) string {
	if len(bank) == 0 && len(hls) == 0 {
		return ""
	}
	usedKey := func(key string) bool {
		for x, a := range members {
			for _, c := range members[x+1:] {
				if slices.Contains(asked[pairKey(a.Ref, c.Ref)], key) {
					return true
				}
			}
		}
		return false
	}
	used := func(q content.Question) bool { return usedKey(q.Key()) }
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
	if k := chooseHighlight(hls, common, usedKey, seed); k != "" {
		return k
	}
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
// language: the highlight or the question chosen with the round; for a
// round planned without one, a congress highlight of their common
// interests. "" when there is none.
func (b *Feature) starter(ctx context.Context, r core.Printer, round bot.MatchRound, gi int, members []bot.Member) string {
	snap := b.Core.Congress.Content(ctx)
	key := ""
	if gi >= 0 && gi < len(round.Groups) {
		key = round.Groups[gi].Starter
	}
	if rest, ok := strings.CutPrefix(key, highlightKeyPrefix); ok {
		parts := strings.Split(rest, "/")
		if len(parts) != 3 {
			return ""
		}
		ev, s, ok := snap.SessionByKey(parts[0] + "/" + parts[1])
		if !ok {
			return "" // the content changed since the round was planned
		}
		for _, h := range s.Highlights {
			if h.ID == parts[2] {
				return b.highlightStarterText(r, ev, s, h)
			}
		}
		return ""
	}
	if key != "" {
		for _, q := range snap.Set.Questions {
			if q.Key() == key {
				return lowerFirst(q.Text(string(r.Lang))) // it follows a colon
			}
		}
		return ""
	}
	if common := commonInterests(members); len(common) > 0 {
		if st, ok := b.Core.Congress.ConversationStarter(ctx, common, r.Lang); ok {
			if ev, s, ok := snap.SessionByKey(st.Event + "/" + st.Session); ok {
				return b.highlightStarterText(r, ev, s, &st.Highlight)
			}
		}
	}
	return ""
}

// highlightStarterText names the session first, asks what the members
// take from it, then gives the highlight.
func (b *Feature) highlightStarterText(r core.Printer, ev *content.Event, s *content.Session, h *content.Highlight) string {
	point := h.Text
	if h.Quote != "" {
		point = r.T("highlights.quote", "quote", h.Quote, "author", h.Author)
	}
	return r.T("match.intro.starter_session", "title", s.Title, "event", ev.Name, "point", point)
}
