package introductions

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/matching"
)

// Commands of the introductions: an administrator runs a round now (after
// a preview) or a dry run, and sends the follow-up now; organizers see the
// figures of the last rounds.

// dryRunShown bounds the groups a dry run lists in the chat.
const dryRunShown = 10

func (b *Feature) matchingCommands() []*core.Command {
	return []*core.Command{
		{ID: "match_stats", Role: bot.RoleOrganizer, Run: b.cmdMatchStats,
			Names: map[bot.Lang][]string{bot.French: {"bilan des mises en relation", "bilan mises en relation"},
				bot.English: {"match stats", "matching stats"}}},
		{ID: "match_dry", Role: bot.RoleAdmin, Run: b.cmdMatchDry,
			Names: map[bot.Lang][]string{bot.French: {"tour à blanc", "simuler un tour"}, bot.English: {"dry run", "round dry run"}}},
		{ID: "match_now", Role: bot.RoleAdmin, Run: b.cmdMatchNow,
			Names: map[bot.Lang][]string{bot.French: {"tour maintenant", "lancer un tour"}, bot.English: {"round now", "run a round"}}},
		{ID: "attendance_import", Role: bot.RoleOrganizer, Run: b.cmdAttendance,
			Names: map[bot.Lang][]string{bot.French: {"importer les présences", "importer présences"},
				bot.English: {"import attendance"}}},
		{ID: "match_mine", Role: bot.RoleMember, Run: b.cmdMine,
			Names: map[bot.Lang][]string{bot.French: {"mes mises en relation", "mes rencontres"},
				bot.English: {"my introductions", "my matches"}}},
		{ID: "match_followup", Role: bot.RoleAdmin, Run: b.cmdFollowupNow,
			Names: map[bot.Lang][]string{bot.French: {"relance maintenant", "relancer maintenant"}, bot.English: {"follow up now"}}},
	}
}

func (b *Feature) matchingChoices() map[string]core.ChoiceHandler {
	return map[string]core.ChoiceHandler{
		actionMatchAnswer: b.choiceMatchAnswer,
		"match.run":       b.choiceMatchRun,
	}
}

// cmdMatchDry plans a round as it would run now, without storing or
// sending anything.
func (b *Feature) cmdMatchDry(ctx context.Context, r *core.Turn) []bot.Reply {
	now := b.Clock.Now()
	plan, err := b.planner(ctx).Plan(ctx, "dry-run", "", now, now)
	if err != nil {
		b.Log.Error("dry run", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{{Text: b.planSummary(r.Printer, plan, dryRunShown)}}
}

// planSummary describes a plan: the figures and the proof; unless shown is
// negative, the quality against greedy and random pairings and the first
// shown groups in detail.
func (b *Feature) planSummary(r core.Printer, plan *RoundPlan, shown int) string {
	if len(plan.Members) < 2 {
		return r.T("match.dry.empty", "count", strconv.Itoa(len(plan.Members)))
	}
	p := plan.Plan
	trios, worst := 0, int64(0)
	for i, g := range p.Groups {
		if len(g.Members) == 3 {
			trios++
		}
		if i == 0 || g.Score < worst {
			worst = g.Score
		}
	}
	average := int64(0)
	if len(p.Groups) > 0 {
		average = p.Total / int64(len(p.Groups))
	}
	proof := r.T("match.dry.proof_missing", "gap", points(r.Lang, p.Certificate.Gap))
	switch n := len(plan.Members); {
	case p.Certificate.Gap == 0 && p.Certificate.Verified:
		// VerifyDigest checked the duals against every pair of members
		// (forbidden pairs included: the scorer says so), not only the
		// pairs priced.
		proof = r.T("match.dry.proof_verified", "pairs", core.FormatInt(r.Lang, n*(n-1)/2),
			"rounds", strconv.Itoa(p.Certificate.Rounds))
	case p.Certificate.Gap == 0:
		proof = r.T("match.dry.proof", "pairs", core.FormatInt(r.Lang, int(p.Certificate.PricedPairs)),
			"rounds", strconv.Itoa(p.Certificate.Rounds))
	}
	lines := []string{r.T("match.dry.summary", "members", core.FormatInt(r.Lang, len(plan.Members)),
		"groups", core.FormatInt(r.Lang, len(p.Groups)), "trios", strconv.Itoa(trios),
		"satout", strconv.Itoa(len(p.SitOut)), "total", points(r.Lang, p.Total),
		"average", points(r.Lang, average), "worst", points(r.Lang, worst), "proof", proof)}
	if shown >= 0 {
		q := plan.Pool.Compare(p, 1)
		lines = append(lines, r.T("match.dry.quality",
			"greedy", core.Percent(r.Lang, q.Greedy.Percent), "greedy_worst", points(r.Lang, q.Greedy.Worst),
			"random", core.Percent(r.Lang, q.Random.Percent), "random_worst", points(r.Lang, q.Random.Worst)))
		for i, g := range p.Groups {
			if i == shown {
				if shown > 0 {
					lines = append(lines, r.T("match.dry.more", "count", strconv.Itoa(len(p.Groups)-shown)))
				}
				break
			}
			var who []bot.Member
			for _, m := range g.Members {
				who = append(who, plan.Members[m])
			}
			bd, _ := plan.Breakdown(g.Members[0], g.Members[1])
			lines = append(lines, r.T("match.dry.group", "names", names(who), "score", points(r.Lang, g.Score),
				"breakdown", breakdownText(r, bd)))
		}
		for k, i := range p.SitOut {
			if shown == 0 {
				break // the report lists them itself
			}
			if k == shown {
				lines = append(lines, r.T("match.dry.more_sitout", "count", strconv.Itoa(len(p.SitOut)-shown)))
				break
			}
			lines = append(lines, r.T("match.dry.sitout", "name", memberName(plan.Members[i]),
				"reason", r.T("match.reason."+p.Reasons[k])))
		}
	}
	return strings.Join(lines, "\n")
}

// breakdownText writes a pair's score by criterion.
func breakdownText(r core.Printer, bd matching.Breakdown) string {
	f := func(v float64) string { return points(r.Lang, matching.ToMilli(v)) }
	s := r.T("match.dry.breakdown", "size", f(bd.Size), "interests", f(bd.Interests), "region", f(bd.Region),
		"role", f(bd.Role), "workshop", f(bd.Workshop), "preferences", f(bd.Preferences), "complement", f(bd.Complement))
	if bd.Repeat != 0 {
		s += ", " + r.T("match.dry.repeat", "penalty", f(bd.Repeat), "ago", strconv.Itoa(bd.MetAgo))
	}
	return s
}

// points writes milli-points as points with one decimal ("81,3").
func points(lang bot.Lang, milli int64) string {
	s := strconv.FormatFloat(float64(milli)/1000, 'f', 1, 64)
	if lang == bot.French {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// cmdMatchNow previews the round an administrator asked for, and asks to
// confirm: the round's id is the preview's time, so that a second click
// resumes the same round instead of running another.
func (b *Feature) cmdMatchNow(ctx context.Context, r *core.Turn) []bot.Reply {
	now := b.Clock.Now()
	plan, err := b.planner(ctx).Plan(ctx, "preview", "", now, now)
	if err != nil {
		b.Log.Error("round preview", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if len(plan.Plan.Groups) == 0 {
		return []bot.Reply{{Text: b.planSummary(r.Printer, plan, -1)}}
	}
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	return []bot.Reply{{Text: b.planSummary(r.Printer, plan, -1) + "\n\n" + r.T("match.now.confirm"), Choices: []bot.Choice{
		{Action: "match.run", Value: "go:" + ms, Label: r.T("match.now.go"), Style: "primary"},
		{Action: "match.run", Value: "cancel", Label: r.T("match.now.cancel")},
	}}}
}

func (b *Feature) choiceMatchRun(ctx context.Context, r *core.Turn, value string) []bot.Reply {
	if r.Role < bot.RoleAdmin {
		return []bot.Reply{r.Reply("error.forbidden.admin")}
	}
	ms, ok := strings.CutPrefix(value, "go:")
	if !ok {
		return []bot.Reply{r.Reply("match.now.cancelled")}
	}
	at, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	slot := time.UnixMilli(at)
	round, err := b.RunRound(ctx, roundID("manual", slot), "", slot)
	if err != nil && len(round.Groups) == 0 {
		b.Log.Error("manual round", "err", err)
		return []bot.Reply{r.Reply("match.now.failed")}
	}
	key := "match.now.done"
	if err != nil {
		key = "match.now.partial"
		b.Log.Error("manual round: some introductions failed", "err", err)
	}
	return []bot.Reply{r.Reply(key, "groups", strconv.Itoa(len(round.Groups)), "satout", strconv.Itoa(len(round.SatOut)))}
}

// cmdFollowupNow sends the follow-up of the latest round without waiting
// for the configured delay.
func (b *Feature) cmdFollowupNow(ctx context.Context, r *core.Turn) []bot.Reply {
	var last *bot.MatchRound
	if err := b.store.Rounds(ctx, 1, func(x bot.MatchRound) error { last = &x; return nil }); err != nil {
		b.Log.Error("reading rounds", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if last == nil {
		return []bot.Reply{r.Reply("match.stats.none")}
	}
	if !last.FollowedUp.IsZero() {
		return []bot.Reply{r.Reply("match.followup.already", "date", b.Core.FormatDate(r.Lang, last.FollowedUp))}
	}
	if err := b.followUpRound(ctx, *last, b.Clock.Now()); err != nil {
		b.Log.Error("follow-up", "round", last.ID, "err", err)
		return []bot.Reply{r.Reply("match.followup.failed")}
	}
	return []bot.Reply{r.Reply("match.followup.done", "date", b.Core.FormatDate(r.Lang, last.Created))}
}

// cmdMatchStats shows the figures of the last rounds.
func (b *Feature) cmdMatchStats(ctx context.Context, r *core.Turn) []bot.Reply {
	per, err := b.Core.RoundStats(ctx, time.Time{}, 6)
	if err != nil {
		b.Log.Error("match stats", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if len(per) == 0 {
		return []bot.Reply{r.Reply("match.stats.none")}
	}
	all, err := b.Core.MatchStats(ctx, time.Time{})
	if err != nil {
		b.Log.Error("match stats", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	lines := []string{r.T("match.stats.header")}
	for _, s := range per {
		lines = append(lines, b.statsLine(r, "match.stats.line", b.Core.FormatDate(r.Lang, s.Round.Created), s.MatchStats))
	}
	lines = append(lines, "", b.statsLine(r, "match.stats.total", strconv.Itoa(all.Rounds), all))
	return []bot.Reply{{Text: strings.Join(lines, "\n")}}
}

func (b *Feature) statsLine(r *core.Turn, key, first string, s core.MatchStats) string {
	return r.T(key, "date", first, "rounds", first, "groups", core.FormatInt(r.Lang, s.Introductions),
		"members", core.FormatInt(r.Lang, s.Members), "answered", core.FormatInt(r.Lang, s.Answered),
		"met", core.FormatInt(r.Lang, s.Met), "not_now", core.FormatInt(r.Lang, s.NotNow),
		"not_again", core.FormatInt(r.Lang, s.NotAgain), "rate", core.Percent(r.Lang, 100*s.MetRate()))
}
