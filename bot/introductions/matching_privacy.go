package introductions

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Personal data of the introductions, for the export and erase registry
// (core.Registry.PersonalData): the member's record (answers, "not
// again" list) and their place in the rounds. After an erasure the rounds
// keep an anonymous placeholder, so that a partner's history says "a
// member who erased their data" and nothing more; other members' "not
// again" lists forget the erased member.

// MatchHistoryEntry is one round of a member's history, as exported.
type MatchHistoryEntry struct {
	Round string    `json:"round"`
	Date  time.Time `json:"date"`
	// With names the members met (their name and collectivity), or says
	// that one erased their data.
	With   []string `json:"with,omitempty"`
	SatOut bool     `json:"sat_out,omitempty"`
	Answer string   `json:"answer,omitempty"`
}

// MatchExport is the member's introductions data.
type MatchExport struct {
	History  []MatchHistoryEntry `json:"history,omitempty"`
	NotAgain []string            `json:"not_again,omitempty"`
	Paused   time.Time           `json:"paused_for_ignoring,omitzero"`
}

func (b *Feature) exportMatching(ctx context.Context, ref bot.UserRef) (any, error) {
	rec, err := b.store.MatchRecord(ctx, ref)
	if err != nil && !core.IsNotFound(err) {
		return nil, fmt.Errorf("export introductions: %w", err)
	}
	var ex MatchExport
	lang := b.Settings.DefaultLang
	if m, err := b.store.Member(ctx, ref); err == nil {
		lang = b.Core.Outbox.MemberLang(m)
	}
	describe := func(u bot.UserRef) string {
		if isErased(u) {
			return b.Cat.T(string(lang), "match.erased_member")
		}
		m, err := b.store.Member(ctx, u)
		if err != nil {
			return b.Cat.T(string(lang), "match.erased_member")
		}
		if m.Collectivity != nil {
			return memberName(m) + " (" + m.Collectivity.Name + ")"
		}
		return memberName(m)
	}
	err = b.store.Rounds(ctx, 0, func(r bot.MatchRound) error {
		e := MatchHistoryEntry{Round: r.ID, Date: r.Created.UTC()}
		if gi, in := groupOf(r, ref); in {
			for _, o := range r.Groups[gi].Members {
				if o != ref {
					e.With = append(e.With, describe(o))
				}
			}
		} else if slices.Contains(r.SatOut, ref) {
			e.SatOut = true
		} else {
			return nil
		}
		if a, ok := rec.Answer(r.ID); ok {
			e.Answer = a.Answer
		}
		ex.History = append(ex.History, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export introductions: %w", err)
	}
	for _, u := range rec.NotAgain {
		ex.NotAgain = append(ex.NotAgain, describe(u))
	}
	ex.Paused = rec.Paused
	if len(ex.History) == 0 && len(ex.NotAgain) == 0 && ex.Paused.IsZero() {
		return nil, nil
	}
	return ex, nil
}

// eraseMatching removes the member's record, replaces them in every round
// by a placeholder and removes them from others' "not again" lists.
func (b *Feature) eraseMatching(ctx context.Context, ref bot.UserRef) error {
	if err := b.store.EraseMatchRecord(ctx, ref); err != nil {
		return fmt.Errorf("erase introductions: %w", err)
	}
	var touched []bot.MatchRound
	if err := b.store.Rounds(ctx, 0, func(r bot.MatchRound) error {
		if anonymise(&r, ref) {
			touched = append(touched, r)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("erase introductions: %w", err)
	}
	for _, r := range touched {
		if err := b.store.SaveRound(ctx, r); err != nil && !core.IsNotFound(err) {
			return fmt.Errorf("erase introductions: %w", err)
		}
	}
	var others []bot.MatchRecord
	if err := b.store.EachMatchRecord(ctx, func(rec bot.MatchRecord) error {
		if slices.Contains(rec.NotAgain, ref) {
			rec.NotAgain = slices.DeleteFunc(rec.NotAgain, func(u bot.UserRef) bool { return u == ref })
			others = append(others, rec)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("erase introductions: %w", err)
	}
	for _, rec := range others {
		if err := b.store.SaveMatchRecord(ctx, rec); err != nil {
			return fmt.Errorf("erase introductions: %w", err)
		}
	}
	return nil
}

// anonymise replaces ref in r by placeholders ("erased" platform, a
// number unique in the round); it reports whether r changed.
func anonymise(r *bot.MatchRound, ref bot.UserRef) bool {
	changed := false
	n := 0 // placeholders already in the round
	for _, g := range r.Groups {
		for _, m := range g.Members {
			if isErased(m) {
				n++
			}
		}
	}
	place := func() bot.UserRef {
		n++
		return bot.UserRef{Platform: erasedPlatform, User: strconv.Itoa(n)}
	}
	for gi := range r.Groups {
		for mi, m := range r.Groups[gi].Members {
			if m == ref {
				r.Groups[gi].Members[mi] = place()
				changed = true
			}
		}
	}
	for i, m := range r.SatOut {
		if m == ref {
			r.SatOut[i] = place()
			changed = true
		}
	}
	return changed
}

// purgeMatching removes the rounds older than before, and the answers to
// them.
func (b *Feature) purgeMatching(ctx context.Context, before time.Time) (int, error) {
	var old []string
	if err := b.store.Rounds(ctx, 0, func(r bot.MatchRound) error {
		if r.Created.Before(before) {
			old = append(old, r.ID)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range old {
		if err := b.store.DeleteRound(ctx, id); err != nil && !core.IsNotFound(err) {
			return n, err
		}
		n++
	}
	var stale []bot.MatchRecord
	if err := b.store.EachMatchRecord(ctx, func(rec bot.MatchRecord) error {
		kept := slices.DeleteFunc(slices.Clone(rec.Answers), func(a bot.MatchAnswer) bool { return a.At.Before(before) })
		if len(kept) != len(rec.Answers) {
			rec.Answers = kept
			stale = append(stale, rec)
		}
		return nil
	}); err != nil {
		return n, err
	}
	for _, rec := range stale {
		if err := b.store.SaveMatchRecord(ctx, rec); err != nil {
			return n, err
		}
	}
	return n, nil
}
