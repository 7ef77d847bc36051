package broadcasts_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
)

// An organizer resends a finished broadcast to its recipient whose
// outcome is unknown: members may not; the question says how many and
// that they may receive it twice; the button confirms; that recipient,
// and no other, gets exactly one more message; the final report counts
// them as sent; a second click resends nothing; with none unknown left,
// nothing is asked. A second lost answer, and « oui » confirms in turn.
func TestBroadcastResendUnknownInChat(t *testing.T) {
	f, chat, b, bc, refs := bottest.ResendFleet(t)
	f.Answers()
	if got := f.Say(b, bottest.User("anne"), "renvoyer diffusion "+bc.ID); got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("a member asking for a resend got %q, want the organizer-only refusal", got)
	}
	if got := f.Say(b, bottest.Organizer, "renvoyer diffusion"); got != bottest.Fr("broadcasts.resend_usage") {
		t.Errorf("no number: %q", got)
	}
	if got := f.Say(b, bottest.Organizer, "renvoyer diffusion 0000-nope"); got != bottest.Fr("broadcasts.not_found", "id", "0000-nope") {
		t.Errorf("unknown number: %q", got)
	}
	if report := bottest.LastTo(f.Term, bottest.Organizer); report != "" {
		t.Errorf("unexpected message left: %q", report)
	}
	ask := f.Say(b, bottest.Organizer, "renvoyer diffusion "+bc.ID)
	if ask != bottest.Fr("broadcasts.resend_ask", "id", bc.ID, "count", "1") {
		t.Fatalf("question = %q, want %q", ask, bottest.Fr("broadcasts.resend_ask", "id", bc.ID, "count", "1"))
	}
	if got := f.Say(b, bottest.Organizer, "peut-être"); got != bottest.Fr("broadcasts.resend_yes_no", "id", bc.ID) {
		t.Errorf("neither yes nor no: %q", got)
	}
	if n := bottest.Received(chat, refs)[2]; len(n) != 0 {
		t.Fatalf("%v received twice before any confirmation", n)
	}
	if got := f.Pick(b, bottest.Organizer, "bc.resend", bc.ID+" 0"); got != bottest.Fr("broadcasts.resend_done", "id", bc.ID, "count", "1") {
		t.Errorf("confirmation: %q", got)
	}
	if got := f.Pick(b, bottest.Organizer, "bc.resend", bc.ID+" 0"); got != bottest.Fr("broadcasts.resend_stale", "id", bc.ID) {
		t.Errorf("second click: %q, want it refused as already done", got)
	}
	if cur, _ := f.Store.Broadcast(context.Background(), bc.ID); cur.State != bot.BroadcastRunning || cur.Resends != 1 {
		t.Errorf("after the confirmation: state %s, resends %d; want running, 1", cur.State, cur.Resends)
	}
	f.RunUntilDone(bc.ID, b)
	by := bottest.Received(chat, refs)
	if len(by[1]) != 9 || len(by[2]) != 1 {
		t.Fatalf("messages per member: %v, want 9 members with 1 and 1 with 2", by)
	}
	counts, _ := f.Store.RecipientCounts(context.Background(), bc.ID)
	if counts[bot.RecipientSent] != 10 || counts[bot.RecipientUnknown] != 0 {
		t.Errorf("counts after the resend = %v, want 10 sent", counts)
	}
	report := f.Answers()
	if !strings.Contains(report, bottest.Fr("broadcasts.report_sent", "count", "10")) || strings.Contains(report, bottest.Fr("broadcasts.report_unknown", "count", "1")) {
		t.Errorf("final report after the resend = %q, want 10 sent and no unknown", report)
	}
	if got := f.Say(b, bottest.Organizer, "renvoyer diffusion "+bc.ID); got != bottest.Fr("broadcasts.resend_none", "id", bc.ID) {
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
	recs, _ := f.Store.Recipients(context.Background(), bc.ID, 0, 10)
	for _, r := range recs {
		if r.Ref != ref {
			continue
		}
		r.Status, r.Reason = bot.RecipientUnknown, "outcome_unknown"
		if ok, err := f.Store.SetRecipient(context.Background(), bc.ID, bot.RecipientSent, r); !ok || err != nil {
			t.Fatalf("marking unknown: %v %v", ok, err)
		}
	}
	f.Say(b, bottest.Organizer, "renvoyer diffusion "+bc.ID)
	if got := f.Say(b, bottest.Organizer, "oui"); got != bottest.Fr("broadcasts.resend_done", "id", bc.ID, "count", "1") {
		t.Errorf("« oui »: %q", got)
	}
	f.RunUntilDone(bc.ID, b)
	if n := chat.Received()["D-"+twice]; n != 3 {
		t.Errorf("%s received %d messages after two resends, want 3", twice, n)
	}
	if report := f.Answers(); !strings.Contains(report, bottest.Fr("broadcasts.report_sent", "count", "10")) {
		t.Errorf("second final report = %q", report)
	}
}

// Two replicas confirm the same question at once: one resends, the other
// is refused; the recipient gets one more message, not two. Erased
// members, and a cancelled broadcast, are never resent.
func TestBroadcastResendOnceAcrossReplicas(t *testing.T) {
	f, chat, b, bc, refs := bottest.ResendFleet(t)
	b2 := f.Bot("b", bottest.NoFinder{ChatPlatform: chat})
	ctx := context.Background()
	q, err := bottest.Broadcasts(b).AskResend(ctx, bc.ID)
	if err != nil || q.Unknown != 1 {
		t.Fatalf("AskResend = %+v, %v; want 1 unknown", q, err)
	}
	var wg sync.WaitGroup
	res := make([]int, 2)
	errs := make([]error, 2)
	for i, r := range []*core.Bot{b, b2} {
		wg.Go(func() {
			res[i], errs[i] = bottest.Broadcasts(r).ResendUnknown(ctx, bc.ID, q.Generation, bottest.Organizer, "")
		})
	}
	wg.Wait()
	stale := 0
	for i := range errs {
		if errors.Is(errs[i], broadcasts.ErrResendStale) {
			stale++
		} else if errs[i] != nil || res[i] != 1 {
			t.Errorf("replica %d: %d, %v", i, res[i], errs[i])
		}
	}
	if stale != 1 {
		t.Errorf("%d confirmations refused as stale, want 1 of 2 (%v)", stale, errs)
	}
	f.RunUntilDone(bc.ID, b, b2)
	if by := bottest.Received(chat, refs); len(by[2]) != 1 || len(by[1]) != 9 {
		t.Errorf("messages per member: %v, want one member with 2", by)
	}

	// A recipient unknown because erased is not resent; a cancelled
	// broadcast cannot be.
	recs, _ := f.Store.Recipients(ctx, bc.ID, 0, 1)
	r := recs[0]
	r.Status, r.Reason, r.Ref = bot.RecipientUnknown, "erased", bot.UserRef{}
	if ok, err := f.Store.SetRecipient(ctx, bc.ID, bot.RecipientSent, r); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if q, err := bottest.Broadcasts(b).AskResend(ctx, bc.ID); err != nil || q.Unknown != 0 {
		t.Errorf("with only an erased unknown: %+v, %v; want 0", q, err)
	}
	other := f.Submit(b, broadcasts.BroadcastDraft{At: f.Clock.Now().Add(time.Hour)})
	if _, err := bottest.Broadcasts(b).CancelBroadcast(ctx, other.ID, bottest.Organizer); err != nil {
		t.Fatal(err)
	}
	if _, err := bottest.Broadcasts(b).AskResend(ctx, other.ID); !errors.Is(err, broadcasts.ErrBroadcastRefused) {
		t.Errorf("resend of a cancelled broadcast: %v, want refused", err)
	}
	if _, err := bottest.Broadcasts(b).ResendUnknown(ctx, other.ID, 0, bottest.Organizer, ""); !errors.Is(err, broadcasts.ErrBroadcastRefused) {
		t.Errorf("confirmed resend of a cancelled broadcast: %v, want refused", err)
	}
}
