package core_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// resendFleet is a broadcast to ten members on a platform that cannot
// tell whether a post went through, where the answer of the 3rd post is
// lost: done with 9 sent and 1 unknown.
func resendFleet(t *testing.T) (*fleet, *chatPlatform, *core.Bot, bot.Broadcast, []bot.UserRef) {
	t.Helper()
	f, chat, _, _ := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 3)
	chat.crashAt, chat.crash = 3, func() {}
	refs := f.members(10, slackUser)
	b := f.bot("a", noFinder{chat})
	bc := f.runUntilDone(f.submit(b, core.BroadcastDraft{}).ID, b)
	if counts, _ := f.store.RecipientCounts(context.Background(), bc.ID); counts[bot.RecipientUnknown] != 1 || counts[bot.RecipientSent] != 9 {
		t.Fatalf("counts = %v, want 9 sent and 1 unknown", counts)
	}
	if report := lastTo(f.term, organizer); !strings.Contains(report, fr("broadcasts.resend_hint", "id", bc.ID)) {
		t.Errorf("final report = %q, want the way to resend", report)
	}
	return f, chat, b, bc, refs
}

// say handles a message from u in their terminal DM and returns the
// bot's answers.
func (f *fleet) say(b *core.Bot, u bot.UserRef, text string) string {
	f.t.Helper()
	b.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u), Text: text})
	return f.answers()
}

func (f *fleet) pick(b *core.Bot, u bot.UserRef, action, value string) string {
	f.t.Helper()
	b.Handle(context.Background(), bot.Message{From: u, Conversation: dm(u), Choice: &bot.ChoiceEvent{Action: action, Value: value}})
	return f.answers()
}

func (f *fleet) answers() string { return takeTexts(f.term) }

// received groups the members by the number of messages they got.
func received(chat *chatPlatform, refs []bot.UserRef) map[int][]string {
	got := chat.received()
	out := map[int][]string{}
	for _, r := range refs {
		out[got["D-"+r.User]] = append(out[got["D-"+r.User]], r.User)
	}
	return out
}

// An organizer resends a finished broadcast to its recipient whose
// outcome is unknown: members may not; the question says how many and
// that they may receive it twice; the button confirms; that recipient,
// and no other, gets exactly one more message; the final report counts
// them as sent; a second click resends nothing; with none unknown left,
// nothing is asked. A second lost answer, and « oui » confirms in turn.
func TestBroadcastResendUnknownInChat(t *testing.T) {
	f, chat, b, bc, refs := resendFleet(t)
	f.answers()
	if got := f.say(b, user("anne"), "renvoyer diffusion "+bc.ID); got != fr("error.forbidden.organizer") {
		t.Errorf("a member asking for a resend got %q, want the organizer-only refusal", got)
	}
	if got := f.say(b, organizer, "renvoyer diffusion"); got != fr("broadcasts.resend_usage") {
		t.Errorf("no number: %q", got)
	}
	if got := f.say(b, organizer, "renvoyer diffusion 0000-nope"); got != fr("broadcasts.not_found", "id", "0000-nope") {
		t.Errorf("unknown number: %q", got)
	}
	if report := lastTo(f.term, organizer); report != "" {
		t.Errorf("unexpected message left: %q", report)
	}
	ask := f.say(b, organizer, "renvoyer diffusion "+bc.ID)
	if ask != fr("broadcasts.resend_ask", "id", bc.ID, "count", "1") {
		t.Fatalf("question = %q, want %q", ask, fr("broadcasts.resend_ask", "id", bc.ID, "count", "1"))
	}
	if got := f.say(b, organizer, "peut-être"); got != fr("broadcasts.resend_yes_no", "id", bc.ID) {
		t.Errorf("neither yes nor no: %q", got)
	}
	if n := received(chat, refs)[2]; len(n) != 0 {
		t.Fatalf("%v received twice before any confirmation", n)
	}
	if got := f.pick(b, organizer, "bc.resend", bc.ID+" 0"); got != fr("broadcasts.resend_done", "id", bc.ID, "count", "1") {
		t.Errorf("confirmation: %q", got)
	}
	if got := f.pick(b, organizer, "bc.resend", bc.ID+" 0"); got != fr("broadcasts.resend_stale", "id", bc.ID) {
		t.Errorf("second click: %q, want it refused as already done", got)
	}
	if cur, _ := f.store.Broadcast(context.Background(), bc.ID); cur.State != bot.BroadcastRunning || cur.Resends != 1 {
		t.Errorf("after the confirmation: state %s, resends %d; want running, 1", cur.State, cur.Resends)
	}
	f.runUntilDone(bc.ID, b)
	by := received(chat, refs)
	if len(by[1]) != 9 || len(by[2]) != 1 {
		t.Fatalf("messages per member: %v, want 9 members with 1 and 1 with 2", by)
	}
	counts, _ := f.store.RecipientCounts(context.Background(), bc.ID)
	if counts[bot.RecipientSent] != 10 || counts[bot.RecipientUnknown] != 0 {
		t.Errorf("counts after the resend = %v, want 10 sent", counts)
	}
	report := f.answers()
	if !strings.Contains(report, fr("broadcasts.report_sent", "count", "10")) || strings.Contains(report, fr("broadcasts.report_unknown", "count", "1")) {
		t.Errorf("final report after the resend = %q, want 10 sent and no unknown", report)
	}
	if got := f.say(b, organizer, "renvoyer diffusion "+bc.ID); got != fr("broadcasts.resend_none", "id", bc.ID) {
		t.Errorf("nothing unknown left: %q", got)
	}

	// Its resend's answer is lost in turn: asked again, « oui » confirms.
	twice := by[2][0]
	var ref bot.UserRef
	for _, r := range refs {
		if r.User == twice {
			ref = r
		}
	}
	recs, _ := f.store.Recipients(context.Background(), bc.ID, 0, 10)
	for _, r := range recs {
		if r.Ref != ref {
			continue
		}
		r.Status, r.Reason = bot.RecipientUnknown, "outcome_unknown"
		if ok, err := f.store.SetRecipient(context.Background(), bc.ID, bot.RecipientSent, r); !ok || err != nil {
			t.Fatalf("marking unknown: %v %v", ok, err)
		}
	}
	f.say(b, organizer, "renvoyer diffusion "+bc.ID)
	if got := f.say(b, organizer, "oui"); got != fr("broadcasts.resend_done", "id", bc.ID, "count", "1") {
		t.Errorf("« oui »: %q", got)
	}
	f.runUntilDone(bc.ID, b)
	if n := chat.received()["D-"+twice]; n != 3 {
		t.Errorf("%s received %d messages after two resends, want 3", twice, n)
	}
	if report := f.answers(); !strings.Contains(report, fr("broadcasts.report_sent", "count", "10")) {
		t.Errorf("second final report = %q", report)
	}
}

// Two replicas confirm the same question at once: one resends, the other
// is refused; the recipient gets one more message, not two. Erased
// members, and a cancelled broadcast, are never resent.
func TestBroadcastResendOnceAcrossReplicas(t *testing.T) {
	f, chat, b, bc, refs := resendFleet(t)
	b2 := f.bot("b", noFinder{chat})
	ctx := context.Background()
	q, err := b.AskResend(ctx, bc.ID)
	if err != nil || q.Unknown != 1 {
		t.Fatalf("AskResend = %+v, %v; want 1 unknown", q, err)
	}
	var wg sync.WaitGroup
	res := make([]int, 2)
	errs := make([]error, 2)
	for i, r := range []*core.Bot{b, b2} {
		wg.Go(func() { res[i], errs[i] = r.ResendUnknown(ctx, bc.ID, q.Generation, organizer, "") })
	}
	wg.Wait()
	stale := 0
	for i := range errs {
		if errors.Is(errs[i], core.ErrResendStale) {
			stale++
		} else if errs[i] != nil || res[i] != 1 {
			t.Errorf("replica %d: %d, %v", i, res[i], errs[i])
		}
	}
	if stale != 1 {
		t.Errorf("%d confirmations refused as stale, want 1 of 2 (%v)", stale, errs)
	}
	f.runUntilDone(bc.ID, b, b2)
	if by := received(chat, refs); len(by[2]) != 1 || len(by[1]) != 9 {
		t.Errorf("messages per member: %v, want one member with 2", by)
	}

	// A recipient unknown because erased is not resent; a cancelled
	// broadcast cannot be.
	recs, _ := f.store.Recipients(ctx, bc.ID, 0, 1)
	r := recs[0]
	r.Status, r.Reason, r.Ref = bot.RecipientUnknown, "erased", bot.UserRef{}
	if ok, err := f.store.SetRecipient(ctx, bc.ID, bot.RecipientSent, r); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if q, err := b.AskResend(ctx, bc.ID); err != nil || q.Unknown != 0 {
		t.Errorf("with only an erased unknown: %+v, %v; want 0", q, err)
	}
	other := f.submit(b, core.BroadcastDraft{At: f.clock.Now().Add(time.Hour)})
	if _, err := b.CancelBroadcast(ctx, other.ID, organizer); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AskResend(ctx, other.ID); !errors.Is(err, core.ErrBroadcastRefused) {
		t.Errorf("resend of a cancelled broadcast: %v, want refused", err)
	}
	if _, err := b.ResendUnknown(ctx, other.ID, 0, organizer, ""); !errors.Is(err, core.ErrBroadcastRefused) {
		t.Errorf("confirmed resend of a cancelled broadcast: %v, want refused", err)
	}
}
