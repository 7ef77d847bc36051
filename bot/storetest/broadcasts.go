package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// broadcastTests are the subtests of bot.BroadcastStore.
func broadcastTests() []struct {
	name string
	fn   func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"BroadcastRoundTrip", testBroadcastRoundTrip},
		{"BroadcastUpdate", testBroadcastUpdate},
		{"BroadcastUpdateConcurrent", testBroadcastUpdateConcurrent},
		{"RecipientsAddAndRead", testRecipientsAddAndRead},
		{"RecipientsAddMany", testRecipientsAddMany},
		{"RecipientSwap", testRecipientSwap},
		{"RecipientSwapConcurrent", testRecipientSwapConcurrent},
		{"RecipientSwapBatch", testRecipientSwapBatch},
		{"RecipientSwapBatchConcurrent", testRecipientSwapBatchConcurrent},
		{"RecipientSwapValues", testRecipientSwapValues},
		{"SegmentMembers", testSegmentMembers},
		{"BroadcastErase", testBroadcastErase},
		{"BroadcastCanceledContext", testBroadcastCanceledContext},
	}
}

func broadcast(h Harness, id string) bot.Broadcast {
	return bot.Broadcast{
		ID: id, State: bot.BroadcastScheduled, Origin: "chat", Author: alice, AuthorLang: bot.French,
		Text:    map[bot.Lang]string{bot.French: "Bonjour {prenom}", bot.English: "Hello {prenom}"},
		Segment: bot.Segment{Roles: []string{"dgs"}, Regions: []string{"53"}, MinPopulation: 2000},
		Created: h.now().Truncate(time.Millisecond), Expected: 3,
	}
}

func mustSaveBroadcast(t *testing.T, s bot.Store, b bot.Broadcast) {
	t.Helper()
	if err := s.SaveBroadcast(t.Context(), b); err != nil {
		t.Fatalf("SaveBroadcast(%s): %v", b.ID, err)
	}
}

func testBroadcastRoundTrip(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	if _, err := s.Broadcast(ctx, "b1"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("Broadcast before save: err = %v, want ErrNotFound", err)
	}
	for _, bad := range []bot.Broadcast{{State: bot.BroadcastDone, Created: h.now()}, {ID: "x", Created: h.now()}, {ID: "x", State: bot.BroadcastDone}} {
		wantErrIs(t, fmt.Sprintf("SaveBroadcast(%+v)", bad), s.SaveBroadcast(ctx, bad), bot.ErrInvalid)
	}
	want := broadcast(h, "b2")
	mustSaveBroadcast(t, s, want)
	older := broadcast(h, "b1")
	older.Created = older.Created.Add(-time.Hour)
	mustSaveBroadcast(t, s, older)
	got, err := s.Broadcast(ctx, "b2")
	if err != nil {
		t.Fatalf("Broadcast: %v", err)
	}
	if got.Author != alice || got.Text[bot.English] != "Hello {prenom}" || got.Segment.Regions[0] != "53" ||
		got.Segment.MinPopulation != 2000 || !got.Created.Equal(want.Created) || got.Expected != 3 {
		t.Errorf("Broadcast = %+v, want %+v", got, want)
	}
	var ids []string
	if err := s.Broadcasts(ctx, func(b bot.Broadcast) error { ids = append(ids, b.ID); return nil }); err != nil {
		t.Fatalf("Broadcasts: %v", err)
	}
	if fmt.Sprint(ids) != "[b1 b2]" {
		t.Errorf("Broadcasts order = %v, want [b1 b2] (by creation)", ids)
	}
	if err := s.DeleteBroadcast(ctx, "b1"); err != nil {
		t.Fatalf("DeleteBroadcast: %v", err)
	}
	wantErrIs(t, "DeleteBroadcast again", s.DeleteBroadcast(ctx, "b1"), bot.ErrNotFound)
	if _, err := s.Broadcast(ctx, "b1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Broadcast after delete: err = %v, want ErrNotFound", err)
	}
}

func testBroadcastUpdate(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	if _, err := s.UpdateBroadcast(ctx, "none", func(*bot.Broadcast) error { return nil }); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("UpdateBroadcast(missing): err = %v, want ErrNotFound", err)
	}
	mustSaveBroadcast(t, s, broadcast(h, "b1"))
	refuse := errors.New("refused")
	if _, err := s.UpdateBroadcast(ctx, "b1", func(b *bot.Broadcast) error { b.State = bot.BroadcastDone; return refuse }); err != refuse {
		t.Fatalf("UpdateBroadcast(fn error): err = %v, want fn's error as is", err)
	}
	if b, _ := s.Broadcast(ctx, "b1"); b.State != bot.BroadcastScheduled {
		t.Errorf("state after a refused update = %s, want scheduled (nothing written)", b.State)
	}
	got, err := s.UpdateBroadcast(ctx, "b1", func(b *bot.Broadcast) error { b.State, b.Total = bot.BroadcastRunning, 7; return nil })
	if err != nil || got.State != bot.BroadcastRunning || got.Total != 7 {
		t.Fatalf("UpdateBroadcast = %+v, %v; want running, total 7", got, err)
	}
	if b, _ := s.Broadcast(ctx, "b1"); b.State != bot.BroadcastRunning || b.Total != 7 {
		t.Errorf("stored after update: %s %d, want running 7", b.State, b.Total)
	}
}

func testBroadcastUpdateConcurrent(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	mustSaveBroadcast(t, s, broadcast(h, "b1"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if _, err := s.UpdateBroadcast(ctx, "b1", func(b *bot.Broadcast) error { b.Progress++; return nil }); err != nil {
					t.Errorf("UpdateBroadcast: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if b, _ := s.Broadcast(ctx, "b1"); b.Progress != 40 {
		t.Errorf("Progress after 40 concurrent increments = %d, want 40 (an update was lost)", b.Progress)
	}
}

func recipientsOf(refs ...bot.UserRef) []bot.Recipient {
	out := make([]bot.Recipient, len(refs))
	for i, r := range refs {
		out[i] = bot.Recipient{Ref: r, Status: bot.RecipientPending, Index: 99}
	}
	return out
}

func testRecipientsAddAndRead(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	if _, _, err := s.AddRecipients(ctx, "none", recipientsOf(alice)); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("AddRecipients(missing broadcast): err = %v, want ErrNotFound", err)
	}
	mustSaveBroadcast(t, s, broadcast(h, "b1"))
	if _, _, err := s.AddRecipients(ctx, "b1", recipientsOf(bot.UserRef{})); !errors.Is(err, bot.ErrInvalid) {
		t.Fatalf("AddRecipients(invalid ref): err = %v, want ErrInvalid", err)
	}
	added, total, err := s.AddRecipients(ctx, "b1", recipientsOf(alice, bob))
	if err != nil || added != 2 || total != 2 {
		t.Fatalf("AddRecipients = %d, %d, %v; want 2, 2", added, total, err)
	}
	// A second listing (after a crash) adds only who is new.
	skipped := bot.Recipient{Ref: carol, Status: bot.RecipientSkipped, Reason: "opted_out"}
	added, total, err = s.AddRecipients(ctx, "b1", append(recipientsOf(bob, alice), skipped))
	if err != nil || added != 1 || total != 3 {
		t.Fatalf("AddRecipients again = %d, %d, %v; want 1, 3", added, total, err)
	}
	got, err := s.Recipients(ctx, "b1", 0, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("Recipients = %v, %v; want 3", got, err)
	}
	for i, want := range []bot.UserRef{alice, bob, carol} {
		if got[i].Index != i || got[i].Ref != want {
			t.Errorf("Recipients[%d] = %d %v, want %d %v", i, got[i].Index, got[i].Ref, i, want)
		}
	}
	if got[2].Status != bot.RecipientSkipped || got[2].Reason != "opted_out" {
		t.Errorf("Recipients[2] = %+v, want skipped opted_out", got[2])
	}
	if part, _ := s.Recipients(ctx, "b1", 1, 2); len(part) != 1 || part[0].Ref != bob {
		t.Errorf("Recipients(1, 2) = %v, want bob alone", part)
	}
	if none, err := s.Recipients(ctx, "other", 0, 10); err != nil || len(none) != 0 {
		t.Errorf("Recipients(unknown broadcast) = %v, %v; want none", none, err)
	}
	counts, err := s.RecipientCounts(ctx, "b1")
	if err != nil || counts[bot.RecipientPending] != 2 || counts[bot.RecipientSkipped] != 1 {
		t.Errorf("RecipientCounts = %v, %v; want 2 pending, 1 skipped", counts, err)
	}
	// Deleting the broadcast deletes its recipients.
	if err := s.DeleteBroadcast(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recipients(ctx, "b1", 0, 10); len(got) != 0 {
		t.Errorf("Recipients after DeleteBroadcast = %v, want none", got)
	}
}

// testRecipientsAddMany: a large chunk, with a member twice in it and
// members already listed, numbered in order without gaps.
func testRecipientsAddMany(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	mustSaveBroadcast(t, s, broadcast(h, "b1"))
	ref := func(i int) bot.UserRef {
		return bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: fmt.Sprintf("U%05d", i)}
	}
	if _, _, err := s.AddRecipients(ctx, "b1", recipientsOf(ref(3), ref(5))); err != nil {
		t.Fatal(err)
	}
	var refs []bot.UserRef
	for i := range 1200 {
		refs = append(refs, ref(i))
	}
	refs = append(refs, ref(7), ref(1300))
	added, total, err := s.AddRecipients(ctx, "b1", recipientsOf(refs...))
	if err != nil || added != 1199 || total != 1201 {
		t.Fatalf("AddRecipients(1,202 with 3 known) = %d, %d, %v; want 1199, 1201", added, total, err)
	}
	got, err := s.Recipients(ctx, "b1", 0, total)
	if err != nil || len(got) != total {
		t.Fatalf("Recipients = %d, %v; want %d", len(got), err, total)
	}
	want := []bot.UserRef{ref(3), ref(5)}
	for i := range 1200 {
		if i != 3 && i != 5 {
			want = append(want, ref(i))
		}
	}
	want = append(want, ref(1300))
	for i, r := range got {
		if r.Index != i || r.Ref != want[i] || r.Status != bot.RecipientPending {
			t.Fatalf("Recipients[%d] = %d %v %s, want %d %v pending", i, r.Index, r.Ref, r.Status, i, want[i])
		}
	}
}

func testRecipientSwap(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	mustSaveBroadcast(t, s, broadcast(h, "b1"))
	if _, _, err := s.AddRecipients(ctx, "b1", recipientsOf(alice)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRecipient(ctx, "b1", bot.RecipientPending, bot.Recipient{Index: 5, Status: bot.RecipientSending}); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SetRecipient(missing index): err = %v, want ErrNotFound", err)
	}
	at := h.now().Truncate(time.Millisecond)
	// The caller's Ref is ignored: the stored one stays.
	ok, err := s.SetRecipient(ctx, "b1", bot.RecipientPending, bot.Recipient{Index: 0, Ref: bob, Status: bot.RecipientSending, Sending: at, Conversation: "D1"})
	if err != nil || !ok {
		t.Fatalf("SetRecipient(pending→sending) = %v, %v; want true", ok, err)
	}
	ok, err = s.SetRecipient(ctx, "b1", bot.RecipientPending, bot.Recipient{Index: 0, Status: bot.RecipientSending})
	if err != nil || ok {
		t.Fatalf("SetRecipient(pending→sending) twice = %v, %v; want false", ok, err)
	}
	ok, err = s.SetRecipient(ctx, "b1", bot.RecipientSending, bot.Recipient{Index: 0, Status: bot.RecipientSent, Message: "1700000000.000100", Conversation: "D1"})
	if err != nil || !ok {
		t.Fatalf("SetRecipient(sending→sent) = %v, %v; want true", ok, err)
	}
	got, _ := s.Recipients(ctx, "b1", 0, 1)
	if len(got) != 1 || got[0].Ref != alice || got[0].Status != bot.RecipientSent || got[0].Message != "1700000000.000100" || got[0].Conversation != "D1" {
		t.Errorf("recipient after swaps = %+v, want alice sent 1700000000.000100", got)
	}
}

func testRecipientSwapConcurrent(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	mustSaveBroadcast(t, s, broadcast(h, "b1"))
	if _, _, err := s.AddRecipients(ctx, "b1", recipientsOf(alice)); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			ok, err := s.SetRecipient(ctx, "b1", bot.RecipientPending, bot.Recipient{Index: 0, Status: bot.RecipientSending})
			if err != nil {
				t.Errorf("SetRecipient: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d of 10 concurrent pending→sending swaps won, want exactly 1", n)
	}
}

// batchWriterWithThree returns the store as a bot.RecipientBatchWriter
// (or skips the test) with broadcast b1 listing alice, bob and carol.
func batchWriterWithThree(t *testing.T, h Harness) bot.RecipientBatchWriter {
	t.Helper()
	s, ok := h.Store.(bot.RecipientBatchWriter)
	if !ok {
		t.Skip("the store writes recipients one at a time")
	}
	mustSaveBroadcast(t, h.Store, broadcast(h, "b1"))
	if _, _, err := h.Store.AddRecipients(t.Context(), "b1", recipientsOf(alice, bob, carol)); err != nil {
		t.Fatal(err)
	}
	return s
}

// testRecipientSwapBatch checks the optional bot.RecipientBatchWriter: the
// swaps applied in order, all or none, each reported.
func testRecipientSwapBatch(t *testing.T, h Harness) {
	ctx := t.Context()
	s := batchWriterWithThree(t, h)
	at := h.now().Truncate(time.Millisecond)
	sending := func(i int, conv string) bot.RecipientSwap {
		return bot.RecipientSwap{From: bot.RecipientPending, Rec: bot.Recipient{Index: i, Status: bot.RecipientSending, Sending: at, Conversation: conv}}
	}
	// A missing recipient: nothing is written.
	if _, err := s.SetRecipients(ctx, "b1", []bot.RecipientSwap{sending(0, "D0"), sending(7, "D7")}); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SetRecipients(with a missing index): err = %v, want ErrNotFound", err)
	}
	if _, err := s.SetRecipients(ctx, "none", []bot.RecipientSwap{sending(0, "D0")}); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SetRecipients(missing broadcast): err = %v, want ErrNotFound", err)
	}
	wantErrIs(t, "SetRecipients(empty status)", func() error {
		_, err := s.SetRecipients(ctx, "b1", []bot.RecipientSwap{sending(0, "D0"), {From: bot.RecipientPending, Rec: bot.Recipient{Index: 1}}})
		return err
	}(), bot.ErrInvalid)
	if got, _ := h.Store.Recipients(ctx, "b1", 0, 3); len(got) != 3 || got[0].Status != bot.RecipientPending {
		t.Fatalf("recipients after failed batches = %+v, want all pending", got)
	}
	// In order: 0 becomes sending then sent; 1 sending; 2 is not sending,
	// so its swap from sending fails; the caller's Ref is ignored.
	done, err := s.SetRecipients(ctx, "b1", []bot.RecipientSwap{
		sending(0, "D0"),
		sending(1, "D1"),
		{From: bot.RecipientSending, Rec: bot.Recipient{Index: 0, Ref: carol, Status: bot.RecipientSent, Message: "m0", Conversation: "D0"}},
		{From: bot.RecipientSending, Rec: bot.Recipient{Index: 2, Status: bot.RecipientSent, Message: "m2"}},
		sending(1, "again"),
	})
	if err != nil || fmt.Sprint(done) != "[true true true false false]" {
		t.Fatalf("SetRecipients = %v, %v; want [true true true false false]", done, err)
	}
	got, err := h.Store.Recipients(ctx, "b1", 0, 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("Recipients = %v, %v", got, err)
	}
	if got[0].Ref != alice || got[0].Status != bot.RecipientSent || got[0].Message != "m0" || got[0].Conversation != "D0" {
		t.Errorf("recipient 0 = %+v, want alice sent m0 in D0", got[0])
	}
	if got[1].Ref != bob || got[1].Status != bot.RecipientSending || got[1].Conversation != "D1" || !got[1].Sending.Equal(at) {
		t.Errorf("recipient 1 = %+v, want bob sending in D1 at %v", got[1], at)
	}
	if got[2].Ref != carol || got[2].Status != bot.RecipientPending {
		t.Errorf("recipient 2 = %+v, want carol pending", got[2])
	}
	if done, err := s.SetRecipients(ctx, "b1", nil); err != nil || len(done) != 0 {
		t.Errorf("SetRecipients(none) = %v, %v", done, err)
	}
}

// testRecipientSwapBatchConcurrent: batches racing for the same
// recipients; each recipient is won by exactly one.
func testRecipientSwapBatchConcurrent(t *testing.T, h Harness) {
	ctx := t.Context()
	s := batchWriterWithThree(t, h)
	var wins [3]atomic.Int32
	var wg sync.WaitGroup
	for k := range 8 {
		wg.Go(func() {
			// Overlapping groups, in different orders.
			idx := []int{k % 3, (k + 1) % 3}
			var swaps []bot.RecipientSwap
			for _, i := range idx {
				swaps = append(swaps, bot.RecipientSwap{From: bot.RecipientPending, Rec: bot.Recipient{Index: i, Status: bot.RecipientSending}})
			}
			done, err := s.SetRecipients(ctx, "b1", swaps)
			if err != nil {
				t.Errorf("SetRecipients: %v", err)
				return
			}
			for j, ok := range done {
				if ok {
					wins[idx[j]].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("recipient %d: %d of the concurrent batches won it, want exactly 1", i, n)
		}
	}
}

func testBroadcastErase(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	b1 := broadcast(h, "b1") // written by alice
	mustSaveBroadcast(t, s, b1)
	b2 := broadcast(h, "b2")
	b2.Author, b2.Approver = bob, alice
	mustSaveBroadcast(t, s, b2)
	for _, id := range []string{"b1", "b2"} {
		if _, _, err := s.AddRecipients(ctx, id, recipientsOf(alice, bob)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetRecipient(ctx, "b2", bot.RecipientPending, bot.Recipient{Index: 1, Status: bot.RecipientSent, Message: "m1"}); err != nil {
		t.Fatal(err)
	}
	recs, wrote, err := s.BroadcastsOf(ctx, bob)
	if err != nil || len(recs) != 2 || recs["b2"].Status != bot.RecipientSent || len(wrote) != 1 || wrote[0] != "b2" {
		t.Fatalf("BroadcastsOf(bob) = %v, %v, %v; want two records (b2 sent) and b2 written", recs, wrote, err)
	}
	if _, err := s.EraseBroadcastMember(ctx, bot.UserRef{}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("EraseBroadcastMember(invalid): err = %v, want ErrInvalid", err)
	}
	n, err := s.EraseBroadcastMember(ctx, bob)
	if err != nil || n != 3 {
		t.Fatalf("EraseBroadcastMember(bob) = %d, %v; want 3 (two records, one authorship)", n, err)
	}
	recs, wrote, err = s.BroadcastsOf(ctx, bob)
	if err != nil || len(recs) != 0 || len(wrote) != 0 {
		t.Errorf("BroadcastsOf(bob) after erasure = %v, %v, %v; want nothing", recs, wrote, err)
	}
	got, _ := s.Recipients(ctx, "b1", 0, 2)
	if len(got) != 2 || got[1].Ref != (bot.UserRef{}) || got[1].Status != bot.RecipientSkipped || got[1].Reason != "erased" || got[0].Ref != alice {
		t.Errorf("b1 recipients after erasure = %+v, want alice kept, bob anonymous and skipped (erased)", got)
	}
	got, _ = s.Recipients(ctx, "b2", 1, 2)
	if len(got) != 1 || got[0].Ref != (bot.UserRef{}) || got[0].Status != bot.RecipientSent || got[0].Message != "m1" {
		t.Errorf("b2 recipient after erasure = %+v, want anonymous and still sent", got)
	}
	if b, _ := s.Broadcast(ctx, "b2"); b.Author != (bot.UserRef{}) || b.Approver != alice {
		t.Errorf("b2 after erasing bob: author %v approver %v, want none and alice", b.Author, b.Approver)
	}
	// A swap after the erasure does not bring the reference back.
	if _, err := s.SetRecipient(ctx, "b2", bot.RecipientSent, bot.Recipient{Index: 1, Status: bot.RecipientSent, Message: "m2"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recipients(ctx, "b2", 1, 2); len(got) != 1 || got[0].Ref != (bot.UserRef{}) {
		t.Errorf("after a swap, erased recipient = %+v, want no reference", got)
	}
	// Once erased, the member may be listed again as new (they came back).
	if added, _, err := s.AddRecipients(ctx, "b1", recipientsOf(bob)); err != nil || added != 1 {
		t.Errorf("AddRecipients(bob) after erasure = %d, %v; want 1", added, err)
	}
}

func testBroadcastCanceledContext(t *testing.T, h Harness) {
	mustSaveBroadcast(t, h.Store, broadcast(h, "b1"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s := h.Store
	calls := map[string]func() error{
		"SaveBroadcast": func() error { return s.SaveBroadcast(ctx, broadcast(h, "b2")) },
		"Broadcast":     func() error { _, err := s.Broadcast(ctx, "b1"); return err },
		"UpdateBroadcast": func() error {
			_, err := s.UpdateBroadcast(ctx, "b1", func(*bot.Broadcast) error { return nil })
			return err
		},
		"Broadcasts":      func() error { return s.Broadcasts(ctx, func(bot.Broadcast) error { return nil }) },
		"DeleteBroadcast": func() error { return s.DeleteBroadcast(ctx, "b1") },
		"AddRecipients":   func() error { _, _, err := s.AddRecipients(ctx, "b1", recipientsOf(alice)); return err },
		"Recipients":      func() error { _, err := s.Recipients(ctx, "b1", 0, 5); return err },
		"SetRecipient": func() error {
			_, err := s.SetRecipient(ctx, "b1", bot.RecipientPending, bot.Recipient{Status: bot.RecipientSent})
			return err
		},
		"RecipientCounts":      func() error { _, err := s.RecipientCounts(ctx, "b1"); return err },
		"BroadcastsOf":         func() error { _, _, err := s.BroadcastsOf(ctx, alice); return err },
		"EraseBroadcastMember": func() error { _, err := s.EraseBroadcastMember(ctx, alice); return err },
	}
	for name, call := range calls {
		wantErrIs(t, name+"(canceled context)", call(), context.Canceled)
	}
	if _, err := s.Broadcast(t.Context(), "b1"); err != nil {
		t.Errorf("broadcast after canceled calls: %v", err)
	}
}

// testSegmentMembers checks the optional bot.SegmentMemberLister: the same
// members as Members, in the same order, as bot.SegmentView leaves them.
func testSegmentMembers(t *testing.T, h Harness) {
	ctx := t.Context()
	l, ok := h.Store.(bot.SegmentMemberLister)
	if !ok {
		t.Skip("the store lists whole members only")
	}
	at := h.now().Truncate(time.Second)
	full := func(ref bot.UserRef, i int) bot.Member {
		return bot.Member{
			Ref: ref, Name: fmt.Sprintf("Camille \"%d\" Dupont\u00e9\n", i), Email: "c@example.org", Language: bot.English,
			TimeZone: "Europe/Paris", Role: "dga", Interests: []string{"rh", "finances", "é\"x"},
			Offers: []string{"rh"}, Needs: []string{"numerique"},
			Collectivity: &bot.Collectivity{Kind: bot.KindOther, Code: "cdg", Name: "Évry", Population: 1000 + i, Departement: "91", Region: "11"},
			Prefs:        bot.Preferences{Cadence: "monthly", SimilarSizeOnly: true, NoAnnouncements: i%2 == 0},
			OptedIn:      at.Add(time.Duration(i) * time.Minute), PausedUntil: at.Add(time.Hour), Onboarded: at,
			Imported: at, Invited: at, Created: at, Updated: at.Add(time.Second),
		}
	}
	ms := []bot.Member{
		full(bob, 1),
		{Ref: carol, Created: at, Updated: at}, // nothing given yet
		full(alice, 2),
		{Ref: bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U/x"}, Collectivity: &bot.Collectivity{Name: "Sans région"}, Created: at, Updated: at},
	}
	for _, m := range ms {
		if err := h.Store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var want, got []string
	enc := func(m bot.Member) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := h.Store.Members(ctx, func(m bot.Member) error { want = append(want, enc(bot.SegmentView(m))); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := l.SegmentMembers(ctx, func(m bot.Member) error { got = append(got, enc(m)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(ms) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SegmentMembers =\n%v\nwant (Members, SegmentView)\n%v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := l.SegmentMembers(ctx, func(bot.Member) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("SegmentMembers stopped by fn: err = %v after %d calls, want stop after 1", err, n)
	}
}

// testRecipientSwapValues checks the optional bot.RecipientValueWriter:
// the swaps applied as SetRecipients would and the values stored as
// PutValues would, in one write; when either fails, neither is written.
func testRecipientSwapValues(t *testing.T, h Harness) {
	ctx := t.Context()
	batchWriterWithThree(t, h)
	s, ok := h.Store.(bot.RecipientValueWriter)
	if !ok {
		t.Skip("the store writes recipients and values apart")
	}
	sending := func(i int) bot.RecipientSwap {
		return bot.RecipientSwap{From: bot.RecipientPending, Rec: bot.Recipient{Index: i, Status: bot.RecipientSending, Conversation: fmt.Sprint("D", i)}}
	}
	kvs := []bot.KeyValue{{Key: "dm:a", Value: []byte("conv a")}, {Key: "dm:b", Value: []byte{}}}
	noValues := func(what string) {
		t.Helper()
		for _, kv := range kvs {
			if v, err := h.Store.Value(ctx, kv.Key); !errors.Is(err, bot.ErrNotFound) {
				t.Errorf("after %s: Value(%s) = %q, %v; want ErrNotFound (nothing written)", what, kv.Key, v, err)
			}
		}
		if got, _ := h.Store.Recipients(ctx, "b1", 0, 3); len(got) != 3 || got[0].Status != bot.RecipientPending || got[1].Status != bot.RecipientPending {
			t.Errorf("after %s: recipients %+v, want all pending (nothing written)", what, got)
		}
	}
	if _, err := s.SetRecipientsValues(ctx, "b1", []bot.RecipientSwap{sending(0), sending(7)}, kvs, time.Hour); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SetRecipientsValues(a missing recipient): err = %v, want ErrNotFound", err)
	}
	noValues("a missing recipient")
	if _, err := s.SetRecipientsValues(ctx, "none", []bot.RecipientSwap{sending(0)}, kvs, time.Hour); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SetRecipientsValues(a missing broadcast): err = %v, want ErrNotFound", err)
	}
	noValues("a missing broadcast")
	_, err := s.SetRecipientsValues(ctx, "b1", []bot.RecipientSwap{sending(0)}, append(kvs, bot.KeyValue{Key: "", Value: []byte("x")}), time.Hour)
	wantErrIs(t, "SetRecipientsValues(an empty key)", err, bot.ErrInvalid)
	_, err = s.SetRecipientsValues(ctx, "b1", []bot.RecipientSwap{sending(0)}, kvs, 0)
	wantErrIs(t, "SetRecipientsValues(no ttl)", err, bot.ErrInvalid)
	_, err = s.SetRecipientsValues(ctx, "b1", []bot.RecipientSwap{sending(0), {From: bot.RecipientPending, Rec: bot.Recipient{Index: 1}}}, kvs, time.Hour)
	wantErrIs(t, "SetRecipientsValues(an empty status)", err, bot.ErrInvalid)
	noValues("invalid calls")
	done, err := s.SetRecipientsValues(ctx, "b1", []bot.RecipientSwap{sending(0), sending(1), sending(0)}, kvs, time.Hour)
	if err != nil || fmt.Sprint(done) != "[true true false]" {
		t.Fatalf("SetRecipientsValues = %v, %v; want [true true false]", done, err)
	}
	got, _ := h.Store.Recipients(ctx, "b1", 0, 3)
	if len(got) != 3 || got[0].Status != bot.RecipientSending || got[0].Conversation != "D0" || got[1].Status != bot.RecipientSending || got[2].Status != bot.RecipientPending {
		t.Errorf("recipients = %+v, want 0 and 1 sending, 2 pending", got)
	}
	for _, kv := range kvs {
		if v, err := h.Store.Value(ctx, kv.Key); err != nil || string(v) != string(kv.Value) {
			t.Errorf("Value(%s) = %q, %v; want %q", kv.Key, v, err, kv.Value)
		}
	}
	// Values alone, swaps alone.
	if done, err := s.SetRecipientsValues(ctx, "b1", nil, []bot.KeyValue{{Key: "dm:c", Value: []byte("c")}}, time.Hour); err != nil || len(done) != 0 {
		t.Errorf("SetRecipientsValues(values only) = %v, %v", done, err)
	}
	if v, err := h.Store.Value(ctx, "dm:c"); err != nil || string(v) != "c" {
		t.Errorf("Value(dm:c) = %q, %v", v, err)
	}
	if done, err := s.SetRecipientsValues(ctx, "b1", []bot.RecipientSwap{sending(2)}, nil, time.Hour); err != nil || fmt.Sprint(done) != "[true]" {
		t.Errorf("SetRecipientsValues(swaps only) = %v, %v", done, err)
	}
	if h.Advance != nil {
		h.Advance(2 * time.Hour)
		if _, err := h.Store.Value(ctx, "dm:a"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("Value(dm:a) after its ttl: err = %v, want ErrNotFound", err)
		}
	}
}
