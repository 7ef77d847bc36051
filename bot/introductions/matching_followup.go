package introductions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/outbox"
)

// Follow-up and answers: some days after a round (Settings.Matching
// .FollowupAfter) the members who have not answered are asked whether they
// met; answers come from the introduction's buttons or the follow-up's.

// followupWindow bounds how late a missed follow-up is still sent.
const followupWindow = 14 * 24 * time.Hour

// jobFollowup follows up the rounds whose delay has passed.
func (b *Feature) jobFollowup(ctx context.Context, run bot.JobRun) error {
	_, err := b.FollowUp(ctx)
	return err
}

// FollowUp sends the follow-up of every round whose delay has passed and
// that was not followed up yet; it returns how many rounds it followed up.
func (b *Feature) FollowUp(ctx context.Context) (int, error) {
	now := b.Clock.Now()
	delay := b.matchSettings().FollowupAfter
	var due []bot.MatchRound
	err := b.store.Rounds(ctx, 20, func(r bot.MatchRound) error {
		age := now.Sub(r.Created)
		if r.FollowedUp.IsZero() && age >= delay && age < delay+followupWindow {
			due = append(due, r)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("follow-up: %w", err)
	}
	var errs []error
	n := 0
	for _, r := range due {
		if err := b.followUpRound(ctx, r, now); err != nil {
			errs = append(errs, fmt.Errorf("follow-up of round %s: %w", r.ID, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

func (b *Feature) followUpRound(ctx context.Context, round bot.MatchRound, now time.Time) error {
	answered := map[bot.UserRef]bool{}
	if err := b.store.EachMatchRecord(ctx, func(rec bot.MatchRecord) error {
		if _, ok := rec.Answer(round.ID); ok {
			answered[rec.Member] = true
		}
		return nil
	}); err != nil {
		return err
	}
	var errs []error
	asked := 0
	for gi := range round.Groups {
		members, err := b.groupMembers(ctx, round, gi)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, m := range members {
			if answered[m.Ref] || len(members) < 2 {
				continue
			}
			r := b.memberPrinter(m)
			others := slices.DeleteFunc(slices.Clone(members), func(o bot.Member) bool { return o.Ref == m.Ref })
			rep := bot.Reply{Text: r.T("match.followup", "names", names(others), "date", b.Core.FormatDateIn(r.Lang, round.Created, b.Core.Outbox.MemberLocation(m))),
				Choices: b.answerChoices(r, round.ID, members, &m)}
			d := outbox.Delivery{To: m.Ref, Reply: rep, Key: "match-followup|" + round.ID + "|" + b.Core.Outbox.RefHash(m.Ref), Consent: bot.ConsentIntroductions}
			if err := b.Core.Outbox.DeliverIn(ctx, d, b.Core.Outbox.MemberLocation(m)); err != nil {
				errs = append(errs, err)
				continue
			}
			asked++
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err // retried at the next run: sent messages are not sent again
	}
	fresh, err := b.store.Round(ctx, round.ID)
	if err != nil {
		return err
	}
	fresh.FollowedUp = now
	if err := b.store.SaveRound(ctx, fresh); err != nil {
		return err
	}
	b.Log.Info("round followed up", "round", round.ID, "asked", asked)
	return nil
}

// choiceMatchAnswer records a member's answer to an introduction: the
// value is "<answer>:<round id>[:<partner hash>]". The acknowledgement goes
// to the member's direct conversation: the others in the group do not see
// it.
func (b *Feature) choiceMatchAnswer(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	parts := strings.Split(value, ":")
	if len(parts) < 2 || !slices.Contains([]string{bot.AnswerMet, bot.AnswerNotNow, bot.AnswerNotAgain, answerWhich}, parts[0]) {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	answer, id := parts[0], parts[1]
	round, err := b.store.Round(ctx, id)
	switch {
	case core.IsNotFound(err):
		return b.privately(ctx, r, r.Reply("match.answer.gone"))
	case err != nil:
		b.Log.Error("reading a round", "round", id, "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	gi, in := groupOf(round, r.Msg.From)
	if !in {
		return b.privately(ctx, r, r.Reply("match.answer.not_yours"))
	}
	var partners []bot.UserRef
	for _, m := range round.Groups[gi].Members {
		if m == r.Msg.From || isErased(m) {
			continue
		}
		if len(parts) == 3 && !strings.HasPrefix(b.Core.Outbox.RefHash(m), parts[2]) {
			continue
		}
		partners = append(partners, m)
	}
	if answer == bot.AnswerNotAgain && len(partners) == 0 {
		return b.privately(ctx, r, r.Reply("match.answer.not_yourself"))
	}
	if answer == answerWhich {
		return b.privately(ctx, r, b.whichReply(ctx, r, round, gi))
	}
	rec, err := b.store.MatchRecord(ctx, r.Msg.From)
	if err != nil && !core.IsNotFound(err) {
		b.Log.Error("reading a match record", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	now := b.Clock.Now()
	rec.Member, rec.Updated = r.Msg.From, now
	rec.Answers = slices.DeleteFunc(rec.Answers, func(a bot.MatchAnswer) bool { return a.Round == id })
	rec.Answers = append(rec.Answers, bot.MatchAnswer{Round: id, Answer: answer, At: now})
	if answer == bot.AnswerNotAgain {
		for _, p := range partners {
			if !slices.Contains(rec.NotAgain, p) {
				rec.NotAgain = append(rec.NotAgain, p)
			}
		}
	}
	if err := b.store.SaveMatchRecord(ctx, rec); err != nil {
		b.Log.Error("saving a match answer", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Log.Info("introduction answered", "member", b.Core.Pseudonym(r.Msg.From), "round", id, "answer", answer)
	var who []bot.Member
	for _, p := range partners {
		if m, err := b.store.Member(ctx, p); err == nil {
			who = append(who, m)
		}
	}
	return b.privately(ctx, r, r.Reply("match.answer."+answer, "names", names(who)))
}

// privately answers in the member's direct conversation: an answer given
// in a group is nobody else's business. Without a direct conversation, a
// harmless answer is given in place.
func (b *Feature) privately(ctx context.Context, r *core.Turn, rep bot.Reply) []bot.Reply {
	if r.Msg.Conversation.Kind == bot.Direct {
		return []bot.Reply{rep}
	}
	if err := b.Core.Outbox.SendDirect(ctx, r.Msg.From, rep); err != nil {
		b.Log.Warn("answering privately", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
	}
	return nil
}

// whichReply asks the member which of the others of their group they do
// not wish to meet again: one button per other member, never their own.
func (b *Feature) whichReply(ctx context.Context, r *core.Turn, round bot.MatchRound, gi int) bot.Reply {
	members, err := b.groupMembers(ctx, round, gi)
	if err != nil {
		b.Log.Error("reading a group", "round", round.ID, "err", err)
		return r.Reply("error.unavailable")
	}
	var viewer *bot.Member
	for i := range members {
		if members[i].Ref == r.Msg.From {
			viewer = &members[i]
		}
	}
	if viewer == nil || len(members) < 2 {
		return r.Reply("match.answer.gone")
	}
	var cs []bot.Choice
	for _, c := range b.answerChoices(r.Printer, round.ID, members, viewer) {
		if strings.HasPrefix(c.Value, bot.AnswerNotAgain+":") {
			cs = append(cs, c)
		}
	}
	return bot.Reply{Text: r.T("match.answer.which"), Choices: cs}
}
