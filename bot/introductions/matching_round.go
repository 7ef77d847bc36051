package introductions

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/matching"
)

// Rounds: planned, written to the store, then introduced group by group,
// each step idempotent, so that a crash or a second replica repeats
// nothing and loses nothing.

// matchSettings returns the settings with their defaults.
func (b *Feature) matchSettings() bot.MatchSettings {
	s := b.Settings.Matching
	if s.FollowupAfter <= 0 {
		s.FollowupAfter = 7 * 24 * time.Hour
	}
	return s
}

func (b *Feature) planner(ctx context.Context) Planner {
	snap := b.Core.Congress.Content(ctx)
	return Planner{Store: b.store, Rules: b.Settings.Matching.Rules, Questions: snap.Set.Questions,
		Highlights: highlightStarters(b.Core.Congress.Current(snap))}
}

// jobRound runs the round of a scheduled slot.
func (b *Feature) jobRound(ctx context.Context, run bot.JobRun) error {
	_, err := b.RunRound(ctx, roundID(run.Name, run.Slot), run.Name, run.Slot)
	return err
}

// RunRound plans round id (or resumes it when it is stored already),
// stores it before anything is sent, then introduces its groups and tells
// who sits out why. Introductions outside a member's working hours wait
// for them. It returns the round.
func (b *Feature) RunRound(ctx context.Context, id, job string, slot time.Time) (bot.MatchRound, error) {
	now := b.Clock.Now()
	round, err := b.store.Round(ctx, id)
	switch {
	case err == nil:
		b.Log.Info("resuming a stored round", "round", id, "groups", len(round.Groups))
	case errors.Is(err, bot.ErrNotFound):
		if err := b.pauseIgnoring(ctx, id, now); err != nil {
			b.Log.Error("pausing members who ignore their introductions", "round", id, "err", err)
		}
		plan, err := b.planner(ctx).Plan(ctx, id, job, slot, now)
		if err != nil {
			return bot.MatchRound{}, err
		}
		round = plan.Round
		if len(round.Groups) == 0 && len(round.SatOut) == 0 {
			b.Log.Info("nobody to introduce this round", "round", id, "members", len(plan.Members))
			return round, nil
		}
		created, err := b.store.CreateRound(ctx, round)
		if err != nil {
			return bot.MatchRound{}, fmt.Errorf("storing round %s: %w", id, err)
		}
		if !created { // another replica planned it first: follow its plan
			if round, err = b.store.Round(ctx, id); err != nil {
				return bot.MatchRound{}, fmt.Errorf("reading round %s: %w", id, err)
			}
		}
		b.Log.Info("round planned", "round", id, "members", len(plan.Members), "groups", len(round.Groups),
			"sat_out", len(round.SatOut), "total_milli", round.Total, "gap", round.Gap,
			"rounds", plan.Plan.Certificate.Rounds, "priced", plan.Plan.Certificate.PricedPairs)
	default:
		return bot.MatchRound{}, fmt.Errorf("reading round %s: %w", id, err)
	}
	return round, b.introduceRound(ctx, round, now)
}

// introduceRound introduces every group and tells who sits out; each
// message once, whatever the number of attempts.
func (b *Feature) introduceRound(ctx context.Context, round bot.MatchRound, now time.Time) error {
	var errs []error
	for gi := range round.Groups {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := b.introduceOrHold(ctx, round, gi, now); err != nil {
			errs = append(errs, fmt.Errorf("group %d: %w", gi, err))
		}
	}
	told := b.toldBefore(ctx, round)
	for k, ref := range round.SatOut {
		key := b.sitOutKey(round, k)
		if prev, ok := told[ref]; isErased(ref) || (ok && prev == key) {
			continue
		}
		m, err := b.store.Member(ctx, ref)
		if err != nil {
			continue // erased meanwhile
		}
		r := b.memberPrinter(m)
		d := outbox.Delivery{To: ref, Reply: bot.Reply{Text: r.T("match." + key)}, Key: "match-sitout|" + round.ID + "|" + b.Core.Outbox.RefHash(ref)}
		if err := b.Core.Outbox.DeliverIn(ctx, d, b.Core.Outbox.MemberLocation(m)); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		b.Log.Error("some introductions failed", "round", round.ID, "failed", len(errs))
	}
	return errors.Join(errs...)
}

// sitOutReasons are the reasons a member who sits out is told about
// (match.sitout.<reason>).
var sitOutReasons = map[string]bool{
	matching.SitOutOwnSize: true, matching.SitOutOwnRegion: true, matching.SitOutOwnPrefs: true,
	matching.SitOutNoPartner: true, matching.SitOutOdd: true, matching.SitOutTaken: true,
}

// sitOutKey is the message (match.<key>) that tells the k-th member who
// sits out the round why.
func (b *Feature) sitOutKey(round bot.MatchRound, k int) string {
	switch {
	case k < len(round.SatOutWhy) && sitOutReasons[round.SatOutWhy[k]]:
		return "sitout." + round.SatOutWhy[k]
	case b.matchSettings().Rules.Odd == matching.OddSitOut:
		return "sitout_odd"
	}
	return "sitout"
}

// toldBefore returns who sat out the round before this one, with the
// message that told them why. A member who sits out again is told only
// when the reason differs: while it stays the same, once is enough. The
// previous round is where the last reason told is kept (a member told at
// each change was told that round's reason, or had been told the same
// one before), so no record of its own is needed, and it goes with the
// member's erasure as the rounds' references do.
func (b *Feature) toldBefore(ctx context.Context, round bot.MatchRound) map[bot.UserRef]string {
	told := map[bot.UserRef]string{}
	err := b.store.Rounds(ctx, 2, func(r bot.MatchRound) error {
		if r.ID != round.ID && r.Created.Before(round.Created) {
			for k, m := range r.SatOut {
				told[m] = b.sitOutKey(r, k)
			}
		}
		return nil
	})
	if err != nil {
		b.Log.Warn("reading the previous round", "err", err)
	}
	return told
}

// memberPrinter writes in the member's language what the bot writes
// first.
func (b *Feature) memberPrinter(m bot.Member) core.Printer {
	return b.Core.Printer(b.Core.Outbox.MemberLang(m))
}

// pauseIgnoring pauses the members who ignored their last introductions
// (Settings.Matching.PauseAfterIgnored rounds in a row, each followed up
// without an answer), and tells them how to resume.
func (b *Feature) pauseIgnoring(ctx context.Context, id string, now time.Time) error {
	k := b.matchSettings().PauseAfterIgnored
	if k <= 0 {
		return nil
	}
	var past []bot.MatchRound
	if err := b.store.Rounds(ctx, max(8*k, 26), func(r bot.MatchRound) error {
		past = append(past, r)
		return nil
	}); err != nil {
		return err
	}
	members, err := core.MatchableMembersOf(ctx, b.store, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range members {
		rec, err := b.store.MatchRecord(ctx, m.Ref)
		if err != nil && !core.IsNotFound(err) {
			errs = append(errs, err)
			continue
		}
		if ignoredInARow(past, rec, m.Ref) < k {
			continue
		}
		m.PausedUntil = now.Add(autoPause)
		m.Updated = now
		if err := b.store.SaveMember(ctx, m); err != nil {
			errs = append(errs, err)
			continue
		}
		rec.Member, rec.Paused, rec.Updated = m.Ref, now, now
		if err := b.store.SaveMatchRecord(ctx, rec); err != nil {
			errs = append(errs, err)
		}
		r := b.memberPrinter(m)
		d := outbox.Delivery{To: m.Ref, Reply: bot.Reply{Text: r.T("match.paused", "count", strconv.Itoa(k))},
			Key: "match-paused|" + id + "|" + b.Core.Outbox.RefHash(m.Ref)}
		if err := b.Core.Outbox.DeliverIn(ctx, d, b.Core.Outbox.MemberLocation(m)); err != nil {
			errs = append(errs, err)
		}
		b.Log.Info("member paused after ignored introductions", "member", b.Core.Pseudonym(m.Ref), "rounds", k)
	}
	return errors.Join(errs...)
}

// ignoredInARow counts the member's latest introductions, newest first,
// that were followed up and got no answer, since the member's last
// automatic pause.
func ignoredInARow(past []bot.MatchRound, rec bot.MatchRecord, ref bot.UserRef) int {
	n := 0
	for _, r := range past {
		if !rec.Paused.IsZero() && !r.Created.After(rec.Paused) {
			break
		}
		if _, in := groupOf(r, ref); !in || r.FollowedUp.IsZero() {
			continue
		}
		if _, answered := rec.Answer(r.ID); answered {
			break
		}
		n++
	}
	return n
}
