package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// matchingTests are the subtests of bot.MatchStore.
func matchingTests() []struct {
	name string
	fn   func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"RoundCreatedOnce", testRoundCreatedOnce},
		{"RoundsNewestFirst", testRoundsNewestFirst},
		{"RoundSaveAndDelete", testRoundSaveAndDelete},
		{"RoundInvalid", testRoundInvalid},
		{"MatchRecords", testMatchRecords},
		{"MatchCanceled", testMatchCanceled},
	}
}

func round(id string, created time.Time) bot.MatchRound {
	return bot.MatchRound{
		ID: id, Job: "tour", Slot: created.Truncate(time.Minute), Created: created,
		Groups: []bot.MatchGroup{
			{Members: []bot.UserRef{alice, bob}, Score: 81250},
			{Members: []bot.UserRef{carol, {Platform: bot.PlatformTerminal, User: "dan"}, {Platform: bot.PlatformTerminal, User: "eve"}}, Score: -1500},
		},
		SatOut: []bot.UserRef{{Platform: bot.PlatformTerminal, User: "fay"}},
		Total:  79750,
	}
}

func wantRound(t *testing.T, what string, got, want bot.MatchRound) {
	t.Helper()
	if !got.Created.Equal(want.Created) || !got.Slot.Equal(want.Slot) || !got.FollowedUp.Equal(want.FollowedUp) {
		t.Errorf("%s: times %v %v %v, want %v %v %v", what, got.Created, got.Slot, got.FollowedUp, want.Created, want.Slot, want.FollowedUp)
	}
	got.Created, got.Slot, got.FollowedUp = want.Created, want.Slot, want.FollowedUp
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func roundIDs(t *testing.T, s bot.Store, limit int) []string {
	t.Helper()
	var ids []string
	if err := s.Rounds(t.Context(), limit, func(r bot.MatchRound) error {
		ids = append(ids, r.ID)
		return nil
	}); err != nil {
		t.Fatalf("Rounds(%d): %v", limit, err)
	}
	return ids
}

func testRoundCreatedOnce(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	now := time.Date(2026, 11, 23, 9, 30, 0, 123456789, cet)
	_, err := s.Round(ctx, "tour|1")
	wantErrIs(t, "Round(absent)", err, bot.ErrNotFound)
	r := round("tour|1", now)
	got, err := s.CreateRound(ctx, r)
	if err != nil || !got {
		t.Fatalf("CreateRound = %v, %v; want true", got, err)
	}
	other := round("tour|1", now.Add(time.Minute))
	other.Groups = other.Groups[:1]
	got, err = s.CreateRound(ctx, other)
	if err != nil || got {
		t.Fatalf("second CreateRound of the same id = %v, %v; want false", got, err)
	}
	stored, err := s.Round(ctx, "tour|1")
	if err != nil {
		t.Fatalf("Round: %v", err)
	}
	wantRound(t, "Round after two creations", stored, r)
	if ids := roundIDs(t, s, 0); !reflect.DeepEqual(ids, []string{"tour|1"}) {
		t.Errorf("Rounds = %q, want the round once", ids)
	}
}

func testRoundsNewestFirst(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	if ids := roundIDs(t, s, 0); len(ids) != 0 {
		t.Fatalf("Rounds on an empty store = %q", ids)
	}
	base := time.Date(2026, 9, 7, 9, 30, 0, 0, time.UTC)
	for i, id := range []string{"b", "d", "a", "c"} {
		// Created: b first, then d, a, c (ids out of order on purpose).
		if _, err := s.CreateRound(ctx, round(id, base.Add(time.Duration(i)*7*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if ids := roundIDs(t, s, 0); !reflect.DeepEqual(ids, []string{"c", "a", "d", "b"}) {
		t.Errorf("Rounds(0) = %q, want newest first c a d b", ids)
	}
	if ids := roundIDs(t, s, 2); !reflect.DeepEqual(ids, []string{"c", "a"}) {
		t.Errorf("Rounds(2) = %q, want c a", ids)
	}
	stop := errors.New("stop")
	n := 0
	err := s.Rounds(ctx, 0, func(bot.MatchRound) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Rounds early stop: err %v after %d calls, want stop after 1", err, n)
	}
}

func testRoundSaveAndDelete(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	r := round("tour|2", now)
	wantErrIs(t, "SaveRound(absent)", s.SaveRound(ctx, r), bot.ErrNotFound)
	wantErrIs(t, "DeleteRound(absent)", s.DeleteRound(ctx, r.ID), bot.ErrNotFound)
	if _, err := s.CreateRound(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRound(ctx, round("tour|1", now.Add(-14*24*time.Hour))); err != nil {
		t.Fatal(err)
	}
	r.FollowedUp = now.Add(7 * 24 * time.Hour)
	r.Groups[0].Members[1] = bot.UserRef{Platform: "erased", User: "1"}
	if err := s.SaveRound(ctx, r); err != nil {
		t.Fatalf("SaveRound: %v", err)
	}
	got, err := s.Round(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantRound(t, "Round after SaveRound", got, r)
	if ids := roundIDs(t, s, 0); !reflect.DeepEqual(ids, []string{"tour|2", "tour|1"}) {
		t.Errorf("Rounds after SaveRound = %q, want each once, newest first", ids)
	}
	if err := s.DeleteRound(ctx, "tour|1"); err != nil {
		t.Fatalf("DeleteRound: %v", err)
	}
	_, err = s.Round(ctx, "tour|1")
	wantErrIs(t, "Round(deleted)", err, bot.ErrNotFound)
	if ids := roundIDs(t, s, 0); !reflect.DeepEqual(ids, []string{"tour|2"}) {
		t.Errorf("Rounds after DeleteRound = %q", ids)
	}
}

func testRoundInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	bad := []bot.MatchRound{
		round("", now),
		round("x", time.Time{}),
		func() bot.MatchRound { r := round("y", now); r.Groups[0].Members[0] = bot.UserRef{User: "u"}; return r }(),
		func() bot.MatchRound { r := round("z", now); r.SatOut = []bot.UserRef{{}}; return r }(),
	}
	for i, r := range bad {
		_, err := h.Store.CreateRound(ctx, r)
		wantErrIs(t, "CreateRound(invalid "+string(rune('0'+i))+")", err, bot.ErrInvalid)
	}
	if ids := roundIDs(t, h.Store, 0); len(ids) != 0 {
		t.Errorf("invalid rounds were stored: %q", ids)
	}
	if _, err := h.Store.CreateRound(ctx, round("ok", now)); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, "SaveRound(invalid)", h.Store.SaveRound(ctx, bad[2]), bot.ErrInvalid)
}

func matchRecord(ref bot.UserRef) bot.MatchRecord {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	return bot.MatchRecord{
		Member:   ref,
		Answers:  []bot.MatchAnswer{{Round: "tour|1", Answer: bot.AnswerMet, At: at}, {Round: "tour|2", Answer: bot.AnswerNotAgain, At: at}},
		NotAgain: []bot.UserRef{carol},
		Paused:   at.Add(-time.Hour),
		Updated:  at,
	}
}

func wantRecord(t *testing.T, what string, got, want bot.MatchRecord) {
	t.Helper()
	if !got.Updated.Equal(want.Updated) || !got.Paused.Equal(want.Paused) || len(got.Answers) != len(want.Answers) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
	for i := range got.Answers {
		if !got.Answers[i].At.Equal(want.Answers[i].At) {
			t.Errorf("%s: answer %d at %v, want %v", what, i, got.Answers[i].At, want.Answers[i].At)
		}
		got.Answers[i].At = want.Answers[i].At
	}
	got.Updated, got.Paused = want.Updated, want.Paused
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testMatchRecords(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	_, err := s.MatchRecord(ctx, alice)
	wantErrIs(t, "MatchRecord(absent)", err, bot.ErrNotFound)
	for _, ref := range []bot.UserRef{carol, alice, bob} {
		if err := s.SaveMatchRecord(ctx, matchRecord(ref)); err != nil {
			t.Fatalf("SaveMatchRecord(%v): %v", ref, err)
		}
	}
	got, err := s.MatchRecord(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	wantRecord(t, "MatchRecord", got, matchRecord(alice))
	if a, ok := got.Answer("tour|2"); !ok || a.Answer != bot.AnswerNotAgain {
		t.Errorf("Answer(tour|2) = %+v, %v", a, ok)
	}
	var order []string
	if err := s.EachMatchRecord(ctx, func(r bot.MatchRecord) error {
		order = append(order, r.Member.User)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(order, []string{"carol", "U-alice", "U-bob"}) {
		t.Errorf("EachMatchRecord order = %q, want by Member.String() (mattermost/… before slack/…)", order)
	}
	if err := s.EraseMatchRecord(ctx, alice); err != nil {
		t.Fatalf("EraseMatchRecord: %v", err)
	}
	if err := s.EraseMatchRecord(ctx, alice); err != nil {
		t.Errorf("EraseMatchRecord twice: %v", err)
	}
	_, err = s.MatchRecord(ctx, alice)
	wantErrIs(t, "MatchRecord(erased)", err, bot.ErrNotFound)
	if _, err := s.MatchRecord(ctx, bob); err != nil {
		t.Errorf("erasing alice erased bob's record: %v", err)
	}
	bad := matchRecord(bob)
	bad.NotAgain = []bot.UserRef{{User: "x"}}
	wantErrIs(t, "SaveMatchRecord(invalid not-again)", s.SaveMatchRecord(ctx, bad), bot.ErrInvalid)
	wantErrIs(t, "SaveMatchRecord(invalid member)", s.SaveMatchRecord(ctx, matchRecord(bot.UserRef{})), bot.ErrInvalid)
	_, err = s.MatchRecord(ctx, bot.UserRef{User: "x"})
	wantErrIs(t, "MatchRecord(invalid)", err, bot.ErrInvalid)
	wantErrIs(t, "EraseMatchRecord(invalid)", s.EraseMatchRecord(ctx, bot.UserRef{}), bot.ErrInvalid)
}

func testMatchCanceled(t *testing.T, h Harness) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	if _, err := h.Store.CreateRound(t.Context(), round("r", now)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"CreateRound": func() error { _, err := h.Store.CreateRound(ctx, round("s", now)); return err },
		"SaveRound":   func() error { return h.Store.SaveRound(ctx, round("r", now)) },
		"Round":       func() error { _, err := h.Store.Round(ctx, "r"); return err },
		"Rounds":      func() error { return h.Store.Rounds(ctx, 0, func(bot.MatchRound) error { return nil }) },
		"DeleteRound": func() error { return h.Store.DeleteRound(ctx, "r") },
		"MatchRecord": func() error { _, err := h.Store.MatchRecord(ctx, alice); return err },
		"SaveMatchRecord": func() error {
			return h.Store.SaveMatchRecord(ctx, matchRecord(alice))
		},
		"EachMatchRecord":  func() error { return h.Store.EachMatchRecord(ctx, func(bot.MatchRecord) error { return nil }) },
		"EraseMatchRecord": func() error { return h.Store.EraseMatchRecord(ctx, alice) },
	}
	for name, call := range calls {
		wantErrIs(t, name+"(canceled context)", call(), context.Canceled)
	}
	if ids := roundIDs(t, h.Store, 0); !reflect.DeepEqual(ids, []string{"r"}) {
		t.Errorf("after canceled calls, rounds = %q", ids)
	}
	if _, err := h.Store.MatchRecord(t.Context(), alice); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a canceled SaveMatchRecord wrote: %v", err)
	}
}
