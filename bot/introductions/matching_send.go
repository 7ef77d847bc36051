package introductions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/outbox"
)

// PendingIntro is a group introduction waiting for the working hours of
// all its members (Pending.Text holds the round id, Number the group).
const PendingIntro bot.PendingKind = "intro"

// Choice actions of the introductions and the follow-up.
const actionMatchAnswer = "match.answer"

// answerWhich asks which member of a group not to meet again: the
// group's button, answered privately with one button per other member.
const answerWhich = "which"

// introduceOrHold introduces group gi of round now, or stores it to be
// posted when every member is within working hours. Members of one
// platform meet in a group conversation; members of different platforms
// each get the introduction in their direct conversation.
func (b *Feature) introduceOrHold(ctx context.Context, round bot.MatchRound, gi int, now time.Time) error {
	members, err := b.groupMembers(ctx, round, gi)
	if err != nil || len(members) < 2 {
		return err
	}
	if !samePlatform(members) {
		return b.introduceDirect(ctx, round, gi, members)
	}
	due := now
	for _, m := range members {
		if open := b.Core.Outbox.NextWindow(ctx, m.Ref, b.Core.Outbox.MemberLocation(m), now); open.After(due) {
			due = open
		}
	}
	if due.After(now) {
		_, err := b.store.SavePending(ctx, bot.Pending{Key: "match-group:" + round.ID + "|" + strconv.Itoa(gi),
			To: members[0].Ref, Kind: PendingIntro, Due: due, Text: round.ID, Number: gi, Created: now})
		if err != nil {
			return fmt.Errorf("holding an introduction: %w", err)
		}
		return nil
	}
	return b.introduceGroup(ctx, round, gi, members)
}

func samePlatform(members []bot.Member) bool {
	for _, m := range members[1:] {
		if m.Ref.Platform != members[0].Ref.Platform || m.Ref.Workspace != members[0].Ref.Workspace {
			return false
		}
	}
	return true
}

// groupMembers returns the members of group gi still stored (a member who
// erased their data is left out).
func (b *Feature) groupMembers(ctx context.Context, round bot.MatchRound, gi int) ([]bot.Member, error) {
	var out []bot.Member
	for _, ref := range round.Groups[gi].Members {
		if isErased(ref) {
			continue
		}
		m, err := b.store.Member(ctx, ref)
		switch {
		case core.IsNotFound(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("reading a member: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// introduceGroup posts the introduction in a group conversation of the
// members, once (a claim per round and group), in each of their
// languages. When the platform cannot open the group, each member gets it
// in their direct conversation instead.
func (b *Feature) introduceGroup(ctx context.Context, round bot.MatchRound, gi int, members []bot.Member) error {
	a, ok := b.Adapters[members[0].Ref.Platform]
	if !ok {
		return fmt.Errorf("no %s adapter for an introduction", members[0].Ref.Platform)
	}
	claim := "delivery:match-group|" + round.ID + "|" + strconv.Itoa(gi)
	token := b.Core.ClaimToken()
	got, err := b.store.Claim(ctx, claim, token, outbox.DeliveryMemory)
	if err != nil || !got {
		return err // already introduced (or being introduced elsewhere)
	}
	refs := make([]bot.UserRef, len(members))
	for i, m := range members {
		refs[i] = m.Ref
	}
	conv, err := a.OpenGroup(ctx, refs)
	if err != nil {
		if rerr := b.store.ReleaseClaim(context.WithoutCancel(ctx), claim, token); rerr != nil {
			b.Log.Warn("releasing an introduction claim", "err", rerr)
		}
		b.Log.Warn("cannot open a group conversation; introducing by direct messages", "round", round.ID,
			"platform", string(members[0].Ref.Platform), "err", err)
		return b.introduceDirect(ctx, round, gi, members)
	}
	var langs []bot.Lang
	for _, m := range members {
		if l := b.Core.Outbox.MemberLang(m); !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	sent := 0
	for _, l := range langs {
		rep := b.introReply(ctx, l, round, gi, members, nil)
		if _, err := a.Send(ctx, conv, rep); err != nil {
			if sent == 0 {
				if rerr := b.store.ReleaseClaim(context.WithoutCancel(ctx), claim, token); rerr != nil {
					b.Log.Warn("releasing an introduction claim", "err", rerr)
				}
			}
			return fmt.Errorf("posting an introduction: %w", err)
		}
		sent++
	}
	b.Log.Info("group introduced", "round", round.ID, "group", gi, "members", len(members))
	return nil
}

// introduceDirect sends each member the introduction in their direct
// conversation, within their working hours, once each.
func (b *Feature) introduceDirect(ctx context.Context, round bot.MatchRound, gi int, members []bot.Member) error {
	var errs []error
	for i := range members {
		m := members[i]
		rep := b.introReply(ctx, b.Core.Outbox.MemberLang(m), round, gi, members, &m)
		d := outbox.Delivery{To: m.Ref, Reply: rep, Key: "match-intro|" + round.ID + "|" + b.Core.Outbox.RefHash(m.Ref), Consent: bot.ConsentIntroductions}
		if err := b.Core.Outbox.DeliverIn(ctx, d, b.Core.Outbox.MemberLocation(m)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rehomeHeldIntros hands the held group introductions stored under ref
// (a member erasing their data) to another member of the group, so that
// the others are still introduced when their working hours come. A group
// left with fewer than two members has nobody to introduce: its held
// introduction goes with ref's other pending messages.
func (b *Feature) rehomeHeldIntros(ctx context.Context, ref bot.UserRef) error {
	held, err := b.store.PendingFor(ctx, ref)
	if err != nil && !core.IsNotFound(err) {
		return fmt.Errorf("reading held introductions: %w", err)
	}
	for _, p := range held {
		if p.Kind != PendingIntro {
			continue
		}
		round, err := b.store.Round(ctx, p.Text)
		if core.IsNotFound(err) {
			continue
		} else if err != nil {
			return fmt.Errorf("reading the round of a held introduction: %w", err)
		}
		if p.Number < 0 || p.Number >= len(round.Groups) {
			continue
		}
		var others []bot.UserRef
		for _, m := range round.Groups[p.Number].Members {
			if m != ref && m.Platform != erasedPlatform {
				others = append(others, m)
			}
		}
		if len(others) < 2 {
			continue
		}
		if err := b.store.DeletePending(ctx, p.Key); err != nil && !core.IsNotFound(err) {
			return fmt.Errorf("handing over a held introduction: %w", err)
		}
		p.To = others[0]
		if _, err := b.store.SavePending(ctx, p); err != nil {
			return fmt.Errorf("handing over a held introduction: %w", err)
		}
	}
	return nil
}

// sendPendingIntro posts a held group introduction whose time has come.
func (b *Feature) sendPendingIntro(ctx context.Context, p bot.Pending, now time.Time) {
	err := func() error {
		round, err := b.store.Round(ctx, p.Text)
		if err != nil {
			if core.IsNotFound(err) {
				return nil // purged: nothing to introduce
			}
			return err
		}
		if p.Number < 0 || p.Number >= len(round.Groups) {
			return nil
		}
		members, err := b.groupMembers(ctx, round, p.Number)
		if err != nil || len(members) < 2 {
			return err
		}
		return b.introduceGroup(ctx, round, p.Number, members)
	}()
	if err != nil && now.Sub(p.Due) < outbox.PendingGiveUp {
		b.Log.Warn("posting a held introduction; will retry", "round", p.Text, "err", err)
		return
	}
	if err != nil {
		b.Log.Error("giving up an introduction undeliverable for a day", "round", p.Text, "err", err)
	}
	if err := b.store.DeletePending(ctx, p.Key); err != nil && !core.IsNotFound(err) {
		b.Log.Error("deleting a posted introduction", "round", p.Text, "err", err)
	}
}

// memberName is how a member is named to others.
func memberName(m bot.Member) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Ref.User
}

func names(ms []bot.Member) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = memberName(m)
	}
	return strings.Join(out, ", ")
}

// introReply is the introduction in lang: for the group (viewer nil), or
// for one member's direct conversation.
func (b *Feature) introReply(ctx context.Context, lang bot.Lang, round bot.MatchRound, gi int, members []bot.Member, viewer *bot.Member) bot.Reply {
	r := b.Core.Printer(lang)
	var lines []string
	others := members
	if viewer == nil {
		key := "match.intro.header"
		if len(members) > 2 {
			key = "match.intro.header_trio"
		}
		lines = append(lines, r.T(key))
	} else {
		others = slices.DeleteFunc(slices.Clone(members), func(m bot.Member) bool { return m.Ref == viewer.Ref })
		lines = append(lines, r.T("match.intro.header_direct"))
	}
	for _, m := range others {
		lines = append(lines, b.introLine(lang, m))
	}
	if viewer != nil {
		for _, m := range others {
			if m.Ref.Platform != viewer.Ref.Platform || m.Ref.Workspace != viewer.Ref.Workspace {
				lines = append(lines, r.T("match.intro.elsewhere", "name", memberName(m), "platform", platformName(m.Ref.Platform)))
			}
		}
	}
	shared := b.sharedLines(r, members)
	if len(shared) > 0 {
		lines = append(append(lines, ""), shared...)
	}
	lines = append(lines, r.T("match.intro.why", "reasons", b.why(ctx, r, members)))
	lines = append(lines, b.complementLines(r, members)...)
	if st := b.starter(ctx, r, round, gi, members); st != "" {
		lines = append(lines, "", r.T("match.intro.starter", "starter", st))
	}
	lines = append(lines, "", r.T("match.intro.ask"))
	return bot.Reply{Text: strings.Join(lines, "\n"), Choices: b.answerChoices(r, round.ID, members, viewer)}
}

func platformName(p bot.Platform) string {
	switch p {
	case bot.PlatformSlack:
		return "Slack"
	case bot.PlatformMattermost:
		return "Mattermost"
	}
	return string(p)
}

// introLine presents a member: name, role, collectivity with its
// population, département and région.
func (b *Feature) introLine(lang bot.Lang, m bot.Member) string {
	coll := "—"
	if m.Collectivity != nil {
		coll = b.Core.DescribeColl(lang, *m.Collectivity)
	}
	if m.Role == "" {
		return b.Cat.T(string(lang), "match.intro.member_no_role", "name", memberName(m), "collectivity", coll)
	}
	return b.Cat.T(string(lang), "match.intro.member", "name", memberName(m), "role", b.Core.RoleLabel(lang, m.Role),
		"collectivity", coll)
}

// answerChoices are the three answers: met, not this round, never again
// (per person in a trio). viewer, when set, is the one member who sees
// them (a direct message): their own name is left out.
func (b *Feature) answerChoices(r core.Printer, round string, members []bot.Member, viewer *bot.Member) []bot.Choice {
	cs := []bot.Choice{
		{Action: actionMatchAnswer, Value: bot.AnswerMet + ":" + round, Label: r.T("match.choice.met"), Style: "primary"},
		{Action: actionMatchAnswer, Value: bot.AnswerNotNow + ":" + round, Label: r.T("match.choice.not_now")},
	}
	others := members
	if viewer != nil {
		others = slices.DeleteFunc(slices.Clone(members), func(m bot.Member) bool { return m.Ref == viewer.Ref })
	}
	if len(members) <= 2 || len(others) <= 1 {
		return append(cs, bot.Choice{Action: actionMatchAnswer, Value: bot.AnswerNotAgain + ":" + round,
			Label: r.T("match.choice.not_again"), Style: "danger"})
	}
	if viewer == nil {
		// In the group, nobody gets a button naming themselves: the
		// member who clicks is asked, privately, which of the others.
		return append(cs, bot.Choice{Action: actionMatchAnswer, Value: answerWhich + ":" + round,
			Label: r.T("match.choice.not_again_which"), Style: "danger"})
	}
	for _, m := range others {
		cs = append(cs, bot.Choice{Action: actionMatchAnswer, Value: bot.AnswerNotAgain + ":" + round + ":" + b.Core.Outbox.RefHash(m.Ref)[:12],
			Label: r.T("match.choice.not_again_name", "name", memberName(m)), Style: "danger"})
	}
	return cs
}
