package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// schedulerTests check bot.SchedulerStore.
var schedulerTests = []struct {
	name string
	fn   func(t *testing.T, h Harness)
}{
	{"LastSlot", testLastSlot},
	{"LastSlotInvalid", testLastSlotInvalid},
	{"LastSlotConcurrent", testLastSlotConcurrent},
	{"PendingRoundTrip", testPendingRoundTrip},
	{"PendingOnce", testPendingOnce},
	{"PendingDue", testPendingDue},
	{"PendingDelete", testPendingDelete},
	{"PendingErase", testPendingErase},
	{"PendingInvalid", testPendingInvalid},
	{"PendingAwkwardRefs", testPendingAwkwardRefs},
	{"SchedulerCanceledContext", testSchedulerCanceledContext},
}

var slot0 = time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)

func lastSlot(t *testing.T, s bot.Store, job string) time.Time {
	t.Helper()
	got, err := s.LastSlot(t.Context(), job)
	if err != nil {
		t.Fatalf("LastSlot(%q) error: %v", job, err)
	}
	return got
}

func setLastSlot(t *testing.T, s bot.Store, job string, slot time.Time) {
	t.Helper()
	if err := s.SetLastSlot(t.Context(), job, slot); err != nil {
		t.Fatalf("SetLastSlot(%q, %v) error: %v", job, slot, err)
	}
}

func testLastSlot(t *testing.T, h Harness) {
	_, err := h.Store.LastSlot(t.Context(), "digest")
	wantErrIs(t, "LastSlot(never set)", err, bot.ErrNotFound)
	setLastSlot(t, h.Store, "digest", slot0.Add(1500*time.Millisecond))
	if got := lastSlot(t, h.Store, "digest"); !got.Equal(slot0.Add(1500 * time.Millisecond)) {
		t.Errorf("LastSlot = %v, want %v", got, slot0.Add(1500*time.Millisecond))
	}
	setLastSlot(t, h.Store, "digest", slot0) // earlier: ignored
	if got := lastSlot(t, h.Store, "digest"); !got.Equal(slot0.Add(1500 * time.Millisecond)) {
		t.Errorf("LastSlot after an earlier slot = %v, want it unchanged", got)
	}
	setLastSlot(t, h.Store, "digest", slot0.Add(time.Hour))
	if got := lastSlot(t, h.Store, "digest"); !got.Equal(slot0.Add(time.Hour)) {
		t.Errorf("LastSlot after a later slot = %v, want %v", got, slot0.Add(time.Hour))
	}
	setLastSlot(t, h.Store, "{purge}:*", slot0)
	if got := lastSlot(t, h.Store, "{purge}:*"); !got.Equal(slot0) {
		t.Errorf("LastSlot(awkward name) = %v, want %v", got, slot0)
	}
	if got := lastSlot(t, h.Store, "digest"); !got.Equal(slot0.Add(time.Hour)) {
		t.Errorf("LastSlot(digest) changed by another job: %v", got)
	}
}

func testLastSlotInvalid(t *testing.T, h Harness) {
	_, err := h.Store.LastSlot(t.Context(), "")
	wantErrIs(t, `LastSlot("")`, err, bot.ErrInvalid)
	wantErrIs(t, `SetLastSlot("")`, h.Store.SetLastSlot(t.Context(), "", slot0), bot.ErrInvalid)
	wantErrIs(t, `SetLastSlot(zero)`, h.Store.SetLastSlot(t.Context(), "a", time.Time{}), bot.ErrInvalid)
}

func testLastSlotConcurrent(t *testing.T, h Harness) {
	race(t, 20, func(i int) (bool, error) {
		return true, h.Store.SetLastSlot(t.Context(), "job", slot0.Add(time.Duration(i)*time.Minute))
	})
	if got := lastSlot(t, h.Store, "job"); !got.Equal(slot0.Add(19 * time.Minute)) {
		t.Errorf("LastSlot after 20 concurrent sets = %v, want the latest %v", got, slot0.Add(19*time.Minute))
	}
}

func pending(key string, to bot.UserRef, due time.Time) bot.Pending {
	return bot.Pending{
		Key:     key,
		To:      to,
		Kind:    bot.PendingHeld,
		Due:     due,
		Reply:   bot.Reply{Text: "Bonjour « Zoë » {x}", Choices: []bot.Choice{{Action: "a", Value: "v", Label: "Oui", Style: "primary"}}},
		Created: slot0.Add(-time.Hour),
	}
}

func savePending(t *testing.T, s bot.Store, p bot.Pending) bool {
	t.Helper()
	ok, err := s.SavePending(t.Context(), p)
	if err != nil {
		t.Fatalf("SavePending(%q) error: %v", p.Key, err)
	}
	return ok
}

func keysOf(ps []bot.Pending) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key
	}
	return out
}

func pendingFor(t *testing.T, s bot.Store, ref bot.UserRef) []bot.Pending {
	t.Helper()
	got, err := s.PendingFor(t.Context(), ref)
	if err != nil {
		t.Fatalf("PendingFor(%s) error: %v", ref, err)
	}
	return got
}

func duePending(t *testing.T, s bot.Store, now time.Time, limit int) []string {
	t.Helper()
	got, err := s.DuePending(t.Context(), now, limit)
	if err != nil {
		t.Fatalf("DuePending(%v, %d) error: %v", now, limit, err)
	}
	return keysOf(got)
}

func testPendingRoundTrip(t *testing.T, h Harness) {
	want := pending("held:job:1:alice", alice, slot0)
	if !savePending(t, h.Store, want) {
		t.Fatalf("SavePending(new) = false, want true")
	}
	r := bot.Pending{Key: "reminder:alice:1", To: alice, Kind: bot.PendingReminder, Due: slot0.Add(time.Minute),
		Text: "appeler Véronique", Number: 1, Created: slot0}
	savePending(t, h.Store, r)
	got := pendingFor(t, h.Store, alice)
	if len(got) != 2 {
		t.Fatalf("PendingFor = %v, want 2", keysOf(got))
	}
	g := got[0]
	if g.Key != want.Key || g.To != want.To || g.Kind != want.Kind || !g.Due.Equal(want.Due) || !g.Created.Equal(want.Created) ||
		g.Reply.Text != want.Reply.Text || !slices.Equal(g.Reply.Choices, want.Reply.Choices) {
		t.Errorf("PendingFor[0] = %+v, want %+v", g, want)
	}
	if g := got[1]; g.Kind != bot.PendingReminder || g.Text != r.Text || g.Number != 1 || !g.Due.Equal(r.Due) {
		t.Errorf("PendingFor[1] = %+v, want %+v", g, r)
	}
	if got := pendingFor(t, h.Store, bob); len(got) != 0 {
		t.Errorf("PendingFor(bob) = %v, want none", keysOf(got))
	}
}

func testPendingOnce(t *testing.T, h Harness) {
	p := pending("k", alice, slot0)
	wins := race(t, 20, func(i int) (bool, error) {
		q := p
		q.Reply.Text = fmt.Sprint("version ", i)
		return h.Store.SavePending(t.Context(), q)
	})
	if wins != 1 {
		t.Errorf("SavePending(same key) from 20 callers: %d stored, want exactly 1", wins)
	}
	if got := pendingFor(t, h.Store, alice); len(got) != 1 {
		t.Errorf("PendingFor = %v, want one", keysOf(got))
	}
}

func testPendingDue(t *testing.T, h Harness) {
	savePending(t, h.Store, pending("c", alice, slot0.Add(2*time.Hour)))
	savePending(t, h.Store, pending("b", bob, slot0))
	savePending(t, h.Store, pending("a", carol, slot0))
	savePending(t, h.Store, pending("d", alice, slot0.Add(time.Hour)))
	if got := duePending(t, h.Store, slot0.Add(-time.Millisecond), 10); len(got) != 0 {
		t.Errorf("DuePending(before all) = %v, want none", got)
	}
	if got, want := duePending(t, h.Store, slot0, 10), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("DuePending(at the first due) = %v, want %v", got, want)
	}
	if got, want := duePending(t, h.Store, slot0.Add(time.Hour), 2), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("DuePending(limit 2) = %v, want %v", got, want)
	}
	if got, want := duePending(t, h.Store, slot0.Add(3*time.Hour), 10), []string{"a", "b", "d", "c"}; !slices.Equal(got, want) {
		t.Errorf("DuePending(after all) = %v, want %v", got, want)
	}
	if got, want := keysOf(pendingFor(t, h.Store, alice)), []string{"d", "c"}; !slices.Equal(got, want) {
		t.Errorf("PendingFor(alice) = %v, want %v (by due)", got, want)
	}
}

func testPendingDelete(t *testing.T, h Harness) {
	savePending(t, h.Store, pending("a", alice, slot0))
	savePending(t, h.Store, pending("b", alice, slot0))
	if err := h.Store.DeletePending(t.Context(), "a"); err != nil {
		t.Fatalf("DeletePending(a) error: %v", err)
	}
	wantErrIs(t, "DeletePending(a) again", h.Store.DeletePending(t.Context(), "a"), bot.ErrNotFound)
	if got, want := duePending(t, h.Store, slot0, 10), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("DuePending after delete = %v, want %v", got, want)
	}
	if !savePending(t, h.Store, pending("a", alice, slot0)) {
		t.Errorf("SavePending(a) after delete = false, want true")
	}
}

func testPendingErase(t *testing.T, h Harness) {
	savePending(t, h.Store, pending("a", alice, slot0))
	savePending(t, h.Store, pending("b", bob, slot0))
	r := pending("c", alice, slot0.Add(time.Hour))
	r.Kind = bot.PendingReminder
	savePending(t, h.Store, r)
	n, err := h.Store.ErasePending(t.Context(), alice)
	if err != nil || n != 2 {
		t.Fatalf("ErasePending(alice) = %d, %v; want 2, nil", n, err)
	}
	if got := pendingFor(t, h.Store, alice); len(got) != 0 {
		t.Errorf("PendingFor(alice) after erase = %v, want none", keysOf(got))
	}
	if got, want := duePending(t, h.Store, slot0.Add(2*time.Hour), 10), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("DuePending after erase = %v, want %v", got, want)
	}
	if n, err := h.Store.ErasePending(t.Context(), alice); err != nil || n != 0 {
		t.Errorf("ErasePending(alice) again = %d, %v; want 0, nil", n, err)
	}
}

func testPendingInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	bad := []bot.Pending{
		pending("", alice, slot0),
		pending("k", bot.UserRef{Platform: bot.PlatformSlack}, slot0),
		pending("k", alice, time.Time{}),
		{Key: "k", To: alice, Due: slot0},
	}
	for i, p := range bad {
		_, err := h.Store.SavePending(ctx, p)
		wantErrIs(t, fmt.Sprintf("SavePending(bad #%d)", i), err, bot.ErrInvalid)
	}
	_, err := h.Store.PendingFor(ctx, bot.UserRef{})
	wantErrIs(t, "PendingFor(invalid ref)", err, bot.ErrInvalid)
	_, err = h.Store.ErasePending(ctx, bot.UserRef{})
	wantErrIs(t, "ErasePending(invalid ref)", err, bot.ErrInvalid)
	_, err = h.Store.DuePending(ctx, slot0, 0)
	wantErrIs(t, "DuePending(limit 0)", err, bot.ErrInvalid)
	wantErrIs(t, `DeletePending("")`, h.Store.DeletePending(ctx, ""), bot.ErrInvalid)
}

func testPendingAwkwardRefs(t *testing.T, h Harness) {
	refs := awkwardRefs()
	for i, ref := range refs {
		savePending(t, h.Store, pending(fmt.Sprint("k", i, ":", ref.Key()), ref, slot0))
	}
	for i, ref := range refs {
		got := pendingFor(t, h.Store, ref)
		if len(got) != 1 || got[0].To != ref {
			t.Errorf("PendingFor(awkward ref #%d) = %v, want its one message", i, keysOf(got))
		}
	}
}

func testSchedulerCanceledContext(t *testing.T, h Harness) {
	setLastSlot(t, h.Store, "job", slot0)
	savePending(t, h.Store, pending("a", alice, slot0))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"LastSlot":      func() error { _, err := h.Store.LastSlot(ctx, "job"); return err },
		"SetLastSlot":   func() error { return h.Store.SetLastSlot(ctx, "job", slot0.Add(time.Hour)) },
		"SavePending":   func() error { _, err := h.Store.SavePending(ctx, pending("b", alice, slot0)); return err },
		"PendingFor":    func() error { _, err := h.Store.PendingFor(ctx, alice); return err },
		"DuePending":    func() error { _, err := h.Store.DuePending(ctx, slot0, 10); return err },
		"DeletePending": func() error { return h.Store.DeletePending(ctx, "a") },
		"ErasePending":  func() error { _, err := h.Store.ErasePending(ctx, alice); return err },
	}
	for name, call := range calls {
		wantErrIs(t, name+"(canceled)", call(), context.Canceled)
	}
	if got := duePending(t, h.Store, slot0, 10); !slices.Equal(got, []string{"a"}) {
		t.Errorf("DuePending after canceled calls = %v, want [a]", got)
	}
}
