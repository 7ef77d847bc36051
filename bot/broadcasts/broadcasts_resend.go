package broadcasts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Resending a broadcast to the recipients whose post's outcome is unknown
// (status unknown, reason "outcome_unknown"): the engine never posts to
// them again on its own, since some may have received the message. An
// organizer may decide to, knowing that those would receive it twice:
// « renvoyer diffusion ID » in the chat, or `maillage broadcast resend ID`.
// The question carries the broadcast's resend generation (Resends): a
// confirmation given twice, by two clicks or on two replicas, finds the
// generation moved on and resends nothing more.

// dialogueResend waits for the organizer's « oui » to a resend question.
const dialogueResend = "bc.resend"

// reasonOutcomeUnknown is the reason of a recipient whose post's outcome
// could not be found out; only those are resent.
const reasonOutcomeUnknown = "outcome_unknown"

// ErrResendStale: the resend was confirmed already (the question's
// generation is past); nothing more is done.
var ErrResendStale = fmt.Errorf("%w: this resend was already confirmed", ErrBroadcastRefused)

// ResendQuestion is what an organizer is asked before a resend.
type ResendQuestion struct {
	Broadcast bot.Broadcast
	// Unknown is the number of recipients that would be sent again.
	Unknown int
	// Generation is the broadcast's Resends when asked; the confirmation
	// passes it back.
	Generation int
}

// AskResend checks that the broadcast id may be resent to (done or
// running) and counts its recipients whose outcome is unknown. Errors:
// ErrNotFound, or errBroadcastState (wrapping ErrBroadcastRefused).
func (b *Feature) AskResend(ctx context.Context, id string) (ResendQuestion, error) {
	bc, err := b.store.Broadcast(ctx, id)
	if err != nil {
		return ResendQuestion{}, err
	}
	q := ResendQuestion{Broadcast: bc, Generation: bc.Resends}
	if bc.State != bot.BroadcastDone && bc.State != bot.BroadcastRunning {
		return q, errBroadcastState
	}
	err = b.eachRecipient(ctx, bc, func(r bot.Recipient) error {
		if resendable(r) {
			q.Unknown++
		}
		return nil
	})
	return q, err
}

func resendable(r bot.Recipient) bool {
	return r.Status == bot.RecipientUnknown && r.Reason == reasonOutcomeUnknown && !r.Ref.IsZero()
}

// eachRecipient calls fn for every recipient of bc, in order.
func (b *Feature) eachRecipient(ctx context.Context, bc bot.Broadcast, fn func(bot.Recipient) error) error {
	const page = 500
	for first := 0; first < bc.Total; first += page {
		recs, err := b.store.Recipients(ctx, bc.ID, first, first+page)
		if err != nil {
			return fmt.Errorf("reading recipients: %w", err)
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// ResendUnknown puts the recipients of broadcast id whose outcome is
// unknown back to pending, and the broadcast back to running if it was
// done: the engine sends to them once more and reports again at the end.
// generation is the ResendQuestion's: a second confirmation of the same
// question returns ErrResendStale and changes nothing. by is the
// organizer (zero for the command line, then operator names them). It
// returns how many recipients will be sent again.
func (b *Feature) ResendUnknown(ctx context.Context, id string, generation int, by bot.UserRef, operator string) (int, error) {
	bc, err := b.store.UpdateBroadcast(ctx, id, func(x *bot.Broadcast) error {
		switch {
		case x.State != bot.BroadcastDone && x.State != bot.BroadcastRunning:
			return errBroadcastState
		case x.Resends != generation:
			return ErrResendStale
		}
		x.Resends++
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	err = b.eachRecipient(ctx, bc, func(r bot.Recipient) error {
		if !resendable(r) {
			return nil
		}
		r.Status, r.Reason, r.Sending, r.Message = bot.RecipientPending, "", time.Time{}, ""
		// The swap: a recipient changed meanwhile is left as it is.
		ok, err := b.store.SetRecipient(ctx, bc.ID, bot.RecipientUnknown, r)
		if ok {
			n++
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("putting recipients back to pending: %w", err)
	}
	counts, err := b.store.RecipientCounts(ctx, id)
	if err != nil {
		return n, fmt.Errorf("counting recipients: %w", err)
	}
	// Resumed whenever some are pending (also those put back by an
	// earlier resend that failed half-way).
	if counts[bot.RecipientPending] > 0 {
		_, err = b.store.UpdateBroadcast(ctx, id, func(x *bot.Broadcast) error {
			if x.State != bot.BroadcastDone {
				return errNotScheduled // running: the engine goes on; cancelled: they are reported not sent
			}
			x.State, x.Finished = bot.BroadcastRunning, time.Time{}
			return nil
		})
		if err != nil && !errors.Is(err, errNotScheduled) {
			return n, fmt.Errorf("resuming the broadcast: %w", err)
		}
		b.bc.forget(id)
	}
	args := []any{"audit", true, "broadcast", id, "resent", n, "resend", generation + 1}
	if !by.IsZero() {
		args = append(args, "by", b.Core.Pseudonym(by))
	}
	if operator != "" {
		args = append(args, "operator", operator)
	}
	for _, s := range bot.RecipientStatuses {
		if counts[s] > 0 {
			args = append(args, string(s), counts[s])
		}
	}
	b.Log.Info("broadcast resent to unknown outcomes", args...)
	return n, nil
}

// finalKey is the delivery key of the final report: one per resend, so
// that the report after a resend is sent too.
func finalKey(bc bot.Broadcast) string {
	if bc.Resends == 0 {
		return "bc:" + bc.ID + ":final"
	}
	return "bc:" + bc.ID + ":final:" + strconv.Itoa(bc.Resends)
}

// Chat: « renvoyer diffusion ID » asks, a button or « oui » confirms.

func (b *Feature) cmdBroadcastResend(ctx context.Context, r *core.Turn) []bot.Reply {
	id := strings.TrimSpace(r.Args)
	if id == "" {
		return []bot.Reply{r.Reply("broadcasts.resend_usage")}
	}
	q, err := b.AskResend(ctx, id)
	if rep, done := b.resendRefused(ctx, r, id, err); done {
		return rep
	}
	if q.Unknown == 0 {
		return []bot.Reply{r.Reply("broadcasts.resend_none", "id", id)}
	}
	gen := strconv.Itoa(q.Generation)
	d := bot.Dialogue{Member: r.Msg.From, Kind: dialogueResend, Data: map[string]string{"id": id, "gen": gen}, Started: b.Clock.Now()}
	return b.chat().saveCompose(ctx, r, d, bot.Reply{Text: r.T("broadcasts.resend_ask", "id", id, "count", core.FormatInt(r.Lang, q.Unknown)),
		Choices: []bot.Choice{{Action: "bc.resend", Value: id + " " + gen, Label: r.T("broadcasts.button_resend"), Style: "danger"}}})
}

// resendRefused answers an error of AskResend or ResendUnknown; done is
// false when there is none.
func (b *Feature) resendRefused(ctx context.Context, r *core.Turn, id string, err error) ([]bot.Reply, bool) {
	switch {
	case err == nil:
		return nil, false
	case errors.Is(err, bot.ErrNotFound):
		return []bot.Reply{r.Reply("broadcasts.not_found", "id", core.ShortInput(id))}, true
	case errors.Is(err, ErrResendStale):
		return []bot.Reply{r.Reply("broadcasts.resend_stale", "id", id)}, true
	case errors.Is(err, errBroadcastState):
		cur, _ := b.store.Broadcast(ctx, id)
		return []bot.Reply{r.Reply("broadcasts.resend_state", "id", id, "state", r.T("broadcasts.state."+string(cur.State)))}, true
	}
	b.Log.Error("resending a broadcast", "broadcast", id, "err", err)
	return []bot.Reply{r.Reply("error.unavailable")}, true
}

// choiceBroadcastResend confirms by the button ("ID generation").
func (b *Feature) choiceBroadcastResend(ctx context.Context, r *core.Turn, v string) []bot.Reply {
	if r.Role < bot.RoleOrganizer {
		return []bot.Reply{r.Reply("error.forbidden.organizer")}
	}
	id, gen, _ := strings.Cut(v, " ")
	if d, err := b.store.Dialogue(ctx, r.Msg.From); err == nil && d.Kind == dialogueResend && d.Data["id"] == id {
		_ = b.store.DeleteDialogue(ctx, r.Msg.From)
	}
	return b.confirmResend(ctx, r, id, gen)
}

func (b *Feature) confirmResend(ctx context.Context, r *core.Turn, id, gen string) []bot.Reply {
	g, err := strconv.Atoi(gen)
	if err != nil {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	n, err := b.ResendUnknown(ctx, id, g, r.Msg.From, "")
	if rep, done := b.resendRefused(ctx, r, id, err); done {
		return rep
	}
	return []bot.Reply{r.Reply("broadcasts.resend_done", "id", id, "count", core.FormatInt(r.Lang, n))}
}

// dialogueResendConfirm reads the answer to the resend question.
func (b *Feature) dialogueResendConfirm(ctx context.Context, r *core.Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if r.Role < bot.RoleOrganizer {
		_ = b.store.DeleteDialogue(ctx, r.Msg.From)
		return nil, false
	}
	switch {
	case core.IsYes(r.Text) || textnorm.Fold(r.Text) == "renvoyer" || textnorm.Fold(r.Text) == "resend":
		_ = b.store.DeleteDialogue(ctx, r.Msg.From)
		return b.confirmResend(ctx, r, d.Data["id"], d.Data["gen"]), true
	case core.IsNo(r.Text) || textnorm.Fold(r.Text) == "annuler" || textnorm.Fold(r.Text) == "cancel":
		return b.chat().endCompose(ctx, r, "broadcasts.resend_abandoned"), true
	case commandFound:
		_ = b.store.DeleteDialogue(ctx, r.Msg.From)
		return nil, false
	}
	return []bot.Reply{r.Reply("broadcasts.resend_yes_no", "id", d.Data["id"])}, true
}
