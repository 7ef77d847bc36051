package introductions

import (
	"context"
	"slices"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// « mes mises en relation »: a member's past introductions, newest first
// (date, the others, their answer), with « ne plus me proposer … » for
// each person still there.

// mineShown bounds the introductions listed; mineRounds the rounds read
// back (three years of monthly rounds).
const (
	mineShown  = 12
	mineRounds = 36
)

func (b *Feature) cmdMine(ctx context.Context, r *core.Turn) []bot.Reply {
	rec, err := b.store.MatchRecord(ctx, r.Msg.From)
	if err != nil && !core.IsNotFound(err) {
		b.Log.Error("reading a match record", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	lines := []string{r.T("match.mine.header")}
	var choices []bot.Choice
	offered := map[bot.UserRef]bool{}
	n := 0
	err = b.store.Rounds(ctx, mineRounds, func(round bot.MatchRound) error {
		gi, in := groupOf(round, r.Msg.From)
		if !in || n == mineShown {
			return nil
		}
		n++
		var who []string
		for _, ref := range round.Groups[gi].Members {
			if ref == r.Msg.From {
				continue
			}
			m, err := b.store.Member(ctx, ref)
			if isErased(ref) || err != nil {
				who = append(who, r.T("match.erased_member"))
				continue
			}
			who = append(who, memberName(m))
			if !offered[ref] && !slices.Contains(rec.NotAgain, ref) {
				offered[ref] = true
				choices = append(choices, bot.Choice{Action: actionMatchAnswer,
					Value: bot.AnswerNotAgain + ":" + round.ID + ":" + b.Core.Outbox.RefHash(ref)[:12],
					Label: r.T("match.choice.not_again_name", "name", memberName(m)), Style: "danger"})
			}
		}
		status := r.T("match.mine.no_answer")
		if a, ok := rec.Answer(round.ID); ok {
			status = r.T("match.mine." + a.Answer)
		}
		lines = append(lines, r.T("match.mine.line", "date", b.Core.FormatDate(r.Lang, round.Created),
			"names", strings.Join(who, ", "), "status", status))
		return nil
	})
	if err != nil {
		b.Log.Error("reading rounds", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if n == 0 {
		return []bot.Reply{r.Reply("match.mine.none")}
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n"), Choices: choices}}
}
