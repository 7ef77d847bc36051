package broadcasts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/textnorm"
	"github.com/sndgct/maillage/internal/when"
)

// The organizers' side of broadcasts: compose in the chat (text in French,
// optionally in English → audience → when → urgent? → preview with the
// count and the message as one recipient will read it → confirmation),
// approval by a second organizer above the threshold, list, cancel; and
// the members' opting out of announcements. The command line
// (cmd/maillage) goes through SubmitBroadcast with the same checks.

// dialogueBroadcast is the compose dialogue.
const dialogueBroadcast = "bc.compose"

// Steps of the compose dialogue.
const (
	bcStepFR      = "fr"
	bcStepEN      = "en"
	bcStepSegment = "segment"
	bcStepWhen    = "when"
	bcStepUrgent  = "urgent"
	bcStepConfirm = "confirm"
)

func (b chat) broadcastCommands() []*core.Command {
	return []*core.Command{
		{ID: "announcements", Role: bot.RoleMember, Run: b.cmdAnnouncements,
			Names: map[bot.Lang][]string{bot.French: {"annonces", "mes annonces"}, bot.English: {"announcements"}}},
		{ID: "broadcast", Role: bot.RoleOrganizer, Run: b.cmdBroadcast,
			Names: map[bot.Lang][]string{bot.French: {"diffusion", "nouvelle diffusion", "diffuser"}, bot.English: {"broadcast", "new broadcast"}}},
		{ID: "broadcasts", Role: bot.RoleOrganizer, Run: b.cmdBroadcasts,
			Names: map[bot.Lang][]string{bot.French: {"diffusions", "liste des diffusions"}, bot.English: {"broadcasts", "list broadcasts"}}},
		{ID: "broadcast_cancel", Role: bot.RoleOrganizer, Run: b.cmdBroadcastCancel,
			Names: map[bot.Lang][]string{bot.French: {"annuler diffusion", "annuler la diffusion", "arrêter la diffusion"}, bot.English: {"cancel broadcast", "stop broadcast"}}},
		{ID: "broadcast_approve", Role: bot.RoleOrganizer, Run: b.cmdBroadcastApprove,
			Names: map[bot.Lang][]string{bot.French: {"approuver diffusion", "approuver la diffusion", "approuver"}, bot.English: {"approve broadcast", "approve"}}},
		{ID: "broadcast_resend", Role: bot.RoleOrganizer, Run: b.cmdBroadcastResend, // broadcasts_resend.go
			Names: map[bot.Lang][]string{bot.French: {"renvoyer diffusion", "renvoyer la diffusion"}, bot.English: {"resend broadcast"}}},
	}
}

func (b chat) broadcastChoices() map[string]core.ChoiceHandler {
	return map[string]core.ChoiceHandler{
		"bc.en_skip": b.choiceBroadcastStep(bcStepEN, "non"),
		"bc.now":     b.choiceBroadcastStep(bcStepWhen, "maintenant"),
		"bc.urgent":  b.choiceBroadcastUrgent,
		"bc.confirm": b.choiceBroadcastConfirm,
		"bc.approve": func(ctx context.Context, r *core.Turn, v string) []bot.Reply {
			r.Args = v
			return b.cmdBroadcastApprove(ctx, r)
		},
		"bc.cancel": func(ctx context.Context, r *core.Turn, v string) []bot.Reply {
			r.Args = v
			return b.cmdBroadcastCancel(ctx, r)
		},
		"bc.optout": b.choiceAnnouncements,
		"bc.resend": b.choiceBroadcastResend,
	}
}

func (b chat) broadcastDialogues() map[string]core.DialogueHandler {
	return map[string]core.DialogueHandler{dialogueBroadcast: b.dialogueCompose, dialogueResend: b.dialogueResendConfirm}
}

// BroadcastDraft is a broadcast before it is stored.
type BroadcastDraft struct {
	Text    map[bot.Lang]string
	Segment bot.Segment
	// At is when to send; zero means now.
	At     time.Time
	Urgent bool
	// Origin: "chat" or "cli"; Author and AuthorLang for the chat,
	// Operator for the command line.
	Origin     string
	Author     bot.UserRef
	AuthorLang bot.Lang
	Operator   string
}

// ErrBroadcastPast is returned for a draft whose time has passed.
var ErrBroadcastPast = errors.New("the broadcast's time has passed")

// CheckDraft checks the texts (the default language's is required) and the
// time of a draft.
func (b *Feature) CheckDraft(d BroadcastDraft) error {
	if d.Text[b.Settings.DefaultLang] == "" {
		return &BroadcastTextError{Key: "missing_default", Args: []string{"language", string(b.Settings.DefaultLang)}}
	}
	for _, l := range bot.Languages {
		if t, ok := d.Text[l]; ok && t != "" {
			if err := CheckBroadcastText(t); err != nil {
				return err
			}
		}
	}
	for l := range d.Text {
		if _, ok := bot.ParseLang(string(l)); !ok {
			return &BroadcastTextError{Key: "language", Args: []string{"language", string(l)}}
		}
	}
	if !d.At.IsZero() && !d.At.After(b.Clock.Now()) {
		return ErrBroadcastPast
	}
	return nil
}

// SubmitBroadcast checks the draft, counts its audience and stores it:
// waiting for a second organizer's approval above the threshold,
// scheduled otherwise (the scheduler sends it when due). It writes the
// audit line.
func (b *Feature) SubmitBroadcast(ctx context.Context, d BroadcastDraft) (bot.Broadcast, Audience, error) {
	if err := b.CheckDraft(d); err != nil {
		return bot.Broadcast{}, Audience{}, err
	}
	aud, err := b.CountAudience(ctx, d.Segment, d.Urgent)
	if err != nil {
		return bot.Broadcast{}, aud, err
	}
	now := b.Clock.Now()
	bc := bot.Broadcast{
		State: bot.BroadcastScheduled, Origin: d.Origin, Author: d.Author, AuthorLang: d.AuthorLang, Operator: d.Operator,
		Text: d.Text, Segment: d.Segment, Urgent: d.Urgent, At: d.At, Expected: aud.Recipients, Created: now,
	}
	if aud.Recipients > b.Settings.Broadcasts.Threshold() {
		bc.State = bot.BroadcastApproval
	}
	for ms := now.UnixMilli(); ; ms++ {
		bc.ID = broadcastID(now, ms)
		if _, err := b.store.Broadcast(ctx, bc.ID); errors.Is(err, bot.ErrNotFound) {
			break
		} else if err != nil {
			return bot.Broadcast{}, aud, fmt.Errorf("reading broadcasts: %w", err)
		}
	}
	if err := b.store.SaveBroadcast(ctx, bc); err != nil {
		return bot.Broadcast{}, aud, fmt.Errorf("saving the broadcast: %w", err)
	}
	b.auditBroadcast("broadcast submitted", bc, nil)
	if bc.State == bot.BroadcastApproval {
		b.chat().askApproval(ctx, bc)
	}
	return bc, aud, nil
}

// announceToMembers stores the broadcast of a scheduled announcement's
// slot, once (its id is the job's name and slot); the engine sends it.
func (b chat) announceToMembers(ctx context.Context, run bot.JobRun, a *bot.Announcement) error {
	id := "job-" + run.Name + "-" + strconv.FormatInt(run.Slot.UnixMilli(), 36)
	switch _, err := b.store.Broadcast(ctx, id); {
	case err == nil:
		return nil // this slot's broadcast exists already
	case !errors.Is(err, bot.ErrNotFound):
		return fmt.Errorf("reading broadcast: %w", err)
	}
	bc := bot.Broadcast{ID: id, State: bot.BroadcastScheduled, Origin: "job:" + run.Name, Text: a.Text, Urgent: a.Urgent,
		Segment: bot.Segment{Roles: a.Members.Roles, Regions: a.Members.Regions, Interests: a.Members.Interests},
		Created: b.Clock.Now()}
	if err := b.store.SaveBroadcast(ctx, bc); err != nil {
		return fmt.Errorf("saving the announcement's broadcast: %w", err)
	}
	b.auditBroadcast("broadcast submitted", bc, nil)
	return nil
}

// broadcastID is short, readable and ordered: "1126-k3x9a1" (month, day,
// then the instant in base 36).
func broadcastID(now time.Time, ms int64) string {
	s := strconv.FormatInt(ms, 36)
	if len(s) > 6 {
		s = s[len(s)-6:]
	}
	return now.UTC().Format("0102") + "-" + s
}

// askApproval writes to every organizer named by user id, but the author,
// asking for approval.
func (b chat) askApproval(ctx context.Context, bc bot.Broadcast) {
	for _, rr := range append(slices.Clone(b.Settings.Organizers), b.Settings.Admins...) {
		if rr.User == "" || rr.Workspace == "" && rr.Platform != bot.PlatformTerminal && rr.Platform != bot.PlatformMattermost {
			continue // no full reference to write to
		}
		to := bot.UserRef{Platform: rr.Platform, Workspace: rr.Workspace, User: rr.User}
		if to == bc.Author {
			continue
		}
		lang := b.Settings.DefaultLang
		if m, err := b.store.Member(ctx, to); err == nil {
			lang = b.Core.Outbox.MemberLang(m)
		}
		T := func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }
		text := T("broadcasts.approval_request", "id", bc.ID, "count", core.FormatInt(lang, bc.Expected),
			"audience", b.describeSegment(lang, bc.Segment), "threshold", core.FormatInt(lang, b.Settings.Broadcasts.Threshold())) +
			"\n\n" + bc.Text[b.Settings.DefaultLang]
		reply := bot.Reply{Text: text, Choices: []bot.Choice{
			{Action: "bc.approve", Value: bc.ID, Label: T("broadcasts.button_approve"), Style: "primary"},
			{Action: "bc.cancel", Value: bc.ID, Label: T("broadcasts.button_cancel_broadcast"), Style: "danger"},
		}}
		b.deliverReport(ctx, bc, outbox.Delivery{To: to, Reply: reply, Urgent: true, Key: "bc:" + bc.ID + ":approval:" + b.Core.Outbox.RefHash(to)})
	}
}

// ApproveBroadcast approves a broadcast waiting for approval. by is the
// approving organizer (zero for an operator, then operator names them);
// it may not be the author.
func (b *Feature) ApproveBroadcast(ctx context.Context, id string, by bot.UserRef, operator string) (bot.Broadcast, error) {
	now := b.Clock.Now()
	bc, err := b.store.UpdateBroadcast(ctx, id, func(x *bot.Broadcast) error {
		switch {
		case x.State != bot.BroadcastApproval:
			return errBroadcastState
		case (!by.IsZero() && by == x.Author) || (operator != "" && operator == x.Operator):
			return errSelfApproval
		}
		x.State, x.Approver, x.Approved = bot.BroadcastScheduled, by, now
		if operator != "" {
			x.Operator += " (approved by " + operator + ")"
		}
		return nil
	})
	if err != nil {
		return bc, err
	}
	b.auditBroadcast("broadcast approved", bc, nil)
	b.chat().tellAuthor(ctx, bc, "approved", "broadcasts.approved_author", "id", bc.ID)
	return bc, nil
}

// ErrBroadcastRefused: the broadcast's state, or who asks, does not allow
// the approval or cancellation asked for.
var ErrBroadcastRefused = errors.New("refused")

var (
	errBroadcastState = fmt.Errorf("%w: the broadcast is not in a state that allows this", ErrBroadcastRefused)
	errSelfApproval   = fmt.Errorf("%w: a broadcast cannot be approved by its author", ErrBroadcastRefused)
)

// CancelBroadcast stops a broadcast that is waiting or running; the
// recipients not sent yet are not sent. It reports to the author.
func (b *Feature) CancelBroadcast(ctx context.Context, id string, by bot.UserRef) (bot.Broadcast, error) {
	now := b.Clock.Now()
	bc, err := b.store.UpdateBroadcast(ctx, id, func(x *bot.Broadcast) error {
		if x.State.Final() {
			return errBroadcastState
		}
		x.State, x.Canceller, x.Cancelled = bot.BroadcastCancelled, by, now
		return nil
	})
	if err != nil {
		return bc, err
	}
	counts, _ := b.store.RecipientCounts(ctx, id)
	b.auditBroadcast("broadcast cancelled", bc, counts)
	if bc.Total == 0 {
		// Never started: nothing in flight, the report can go now.
		return bc, b.finishCancelled(ctx, bc)
	}
	return bc, nil // the engine reports once the posts in flight are settled
}

// tellAuthor sends the author a message about their broadcast, once per
// key (urgent: they asked for it).
func (b chat) tellAuthor(ctx context.Context, bc bot.Broadcast, key, msg string, args ...string) {
	if bc.Author.IsZero() {
		return
	}
	lang := bc.AuthorLang
	if lang == "" {
		lang = b.Settings.DefaultLang
	}
	b.deliverReport(ctx, bc, outbox.Delivery{To: bc.Author, Reply: bot.Reply{Text: b.Cat.T(string(lang), msg, args...)}, Urgent: true, Key: "bc:" + bc.ID + ":" + key})
}

// deliverReport sends a report to the author; if the platform refuses it
// now (a rate limit during a broadcast), it is kept and retried by the
// scheduler, under the same key.
func (b chat) deliverReport(ctx context.Context, bc bot.Broadcast, d outbox.Delivery) {
	ctx = context.WithoutCancel(ctx)
	err := b.Core.Outbox.Deliver(ctx, d)
	if err == nil {
		return
	}
	b.Log.Warn("reporting to a broadcast's author; will retry", "broadcast", bc.ID, "err", err)
	p := bot.Pending{Key: "held:" + d.Key, To: d.To, Kind: bot.PendingHeld, Due: b.Clock.Now().Add(time.Minute), Reply: d.Reply, Created: b.Clock.Now()}
	if _, err := b.store.SavePending(ctx, p); err != nil {
		b.Log.Error("keeping a broadcast report", "broadcast", bc.ID, "err", err)
	}
}

// BroadcastReport is the outcome of a broadcast, for its author and the
// command line.
func (b *Feature) BroadcastReport(ctx context.Context, lang bot.Lang, bc bot.Broadcast) (string, error) {
	counts, err := b.store.RecipientCounts(ctx, bc.ID)
	if err != nil {
		return "", err
	}
	return b.chat().reportText(ctx, lang, bc, counts), nil
}

func (b chat) reportFinal(ctx context.Context, bc bot.Broadcast, counts map[bot.RecipientStatus]int) {
	if bc.Author.IsZero() {
		return
	}
	lang := bc.AuthorLang
	if lang == "" {
		lang = b.Settings.DefaultLang
	}
	b.deliverReport(ctx, bc, outbox.Delivery{To: bc.Author, Reply: bot.Reply{Text: b.reportText(ctx, lang, bc, counts)}, Urgent: true, Key: finalKey(bc)})
}

// reportText: sent, failed with reasons, unknown outcomes, skipped with
// reasons, not sent (cancelled).
func (b chat) reportText(ctx context.Context, lang bot.Lang, bc bot.Broadcast, counts map[bot.RecipientStatus]int) string {
	T := func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }
	n := func(s bot.RecipientStatus) string { return core.FormatInt(lang, counts[s]) }
	// One vocabulary for the states: the list's ("programmée", "en cours
	// d'envoi", "en attente d'approbation"...).
	lines := []string{T("broadcasts.report_head", "id", bc.ID, "state", T("broadcasts.state."+string(bc.State)),
		"audience", b.describeSegment(lang, bc.Segment)),
		T("broadcasts.report_sent", "count", n(bot.RecipientSent))}
	if counts[bot.RecipientFailed]+counts[bot.RecipientSkipped] > 0 {
		failed, skipped := b.reasons(ctx, bc.ID)
		if counts[bot.RecipientFailed] > 0 {
			lines = append(lines, T("broadcasts.report_failed", "count", n(bot.RecipientFailed), "reasons", reasonList(lang, failed, nil)))
		}
		if counts[bot.RecipientSkipped] > 0 {
			lines = append(lines, T("broadcasts.report_skipped", "count", n(bot.RecipientSkipped), "reasons", reasonList(lang, skipped, func(r string) string {
				return T("broadcasts.reason." + r)
			})))
		}
	}
	if counts[bot.RecipientUnknown] > 0 {
		lines = append(lines, T("broadcasts.report_unknown", "count", n(bot.RecipientUnknown)))
		if bc.State == bot.BroadcastDone {
			lines = append(lines, T("broadcasts.resend_hint", "id", bc.ID))
		}
	}
	if left := counts[bot.RecipientPending] + counts[bot.RecipientSending]; left > 0 {
		key := "broadcasts.report_pending"
		if bc.State == bot.BroadcastCancelled {
			key = "broadcasts.report_not_sent"
		}
		lines = append(lines, T(key, "count", core.FormatInt(lang, left)))
	}
	return strings.Join(lines, "\n")
}

// reasons counts the reasons of failed and skipped recipients.
func (b chat) reasons(ctx context.Context, id string) (failed, skipped map[string]int) {
	failed, skipped = map[string]int{}, map[string]int{}
	bc, err := b.store.Broadcast(ctx, id)
	if err != nil {
		return failed, skipped
	}
	const page = 500
	for first := 0; first < bc.Total; first += page {
		recs, err := b.store.Recipients(ctx, id, first, first+page)
		if err != nil {
			return failed, skipped
		}
		for _, r := range recs {
			switch r.Status {
			case bot.RecipientFailed:
				failed[r.Reason]++
			case bot.RecipientSkipped:
				skipped[r.Reason]++
			}
		}
	}
	return failed, skipped
}

// reasonList writes "reason (n), reason (m)", most frequent first.
func reasonList(lang bot.Lang, counts map[string]int, label func(string) string) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		name := k
		if label != nil {
			name = label(k)
		}
		parts = append(parts, name+" ("+core.FormatInt(lang, counts[k])+")")
	}
	return strings.Join(parts, ", ")
}

// Chat commands.

func (b chat) cmdBroadcast(ctx context.Context, r *core.Turn) []bot.Reply {
	now := b.Clock.Now()
	d := bot.Dialogue{Member: r.Msg.From, Kind: dialogueBroadcast, Step: bcStepFR, Data: map[string]string{}, Started: now}
	return b.saveCompose(ctx, r, d, r.Reply("broadcasts.ask_fr", "max", core.FormatInt(r.Lang, MaxBroadcastRunes)))
}

func (b chat) saveCompose(ctx context.Context, r *core.Turn, d bot.Dialogue, rep bot.Reply) []bot.Reply {
	d.Expires = b.Clock.Now().Add(b.Settings.DialogueTTL)
	if err := b.store.SaveDialogue(ctx, d); err != nil {
		b.Log.Error("saving dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{rep}
}

// textProblem turns a text or segment error into the organizer's message.
func (b chat) textProblem(lang bot.Lang, err error) string {
	var te *BroadcastTextError
	var se *SegmentError
	switch {
	case errors.As(err, &te):
		return b.Cat.T(string(lang), "broadcasts.text_"+te.Key, te.Args...)
	case errors.As(err, &se):
		key := "broadcasts.segment_" + se.Key
		args := se.Args
		if len(args) < 4 && (se.Key == "unknown_role" || se.Key == "unknown_interet") {
			args = append(args, "choices", "")
		}
		return b.Cat.T(string(lang), key, args...)
	case errors.Is(err, ErrBroadcastPast):
		return b.Cat.T(string(lang), "broadcasts.when_past")
	}
	return b.Cat.T(string(lang), "error.unavailable")
}

// ExplainBroadcastError is textProblem for the command line.
func (b *Feature) ExplainBroadcastError(lang bot.Lang, err error) string {
	return b.chat().textProblem(lang, err)
}

func (b chat) dialogueCompose(ctx context.Context, r *core.Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if r.Role < bot.RoleOrganizer {
		_ = b.store.DeleteDialogue(ctx, r.Msg.From)
		return nil, false
	}
	if d.Data == nil {
		d.Data = map[string]string{} // stored without data yet
	}
	switch d.Step {
	case bcStepFR, bcStepEN:
		if d.Step == bcStepEN && core.IsNo(r.Text) {
			return b.composeStep(ctx, r, d, bcStepSegment), true
		}
		if err := CheckBroadcastText(r.Text); err != nil {
			return []bot.Reply{{Text: b.textProblem(r.Lang, err)}}, true
		}
		d.Data[d.Step] = r.Text
		if d.Step == bcStepFR {
			return b.composeStep(ctx, r, d, bcStepEN), true
		}
		return b.composeStep(ctx, r, d, bcStepSegment), true
	case bcStepSegment:
		seg, err := b.ParseSegment(ctx, r.Text)
		if err != nil {
			if commandFound {
				return nil, false
			}
			return []bot.Reply{{Text: b.textProblem(r.Lang, err) + "\n" + r.T("broadcasts.segment_help")}}, true
		}
		js, _ := json.Marshal(seg)
		d.Data["segment"] = string(js)
		return b.composeStep(ctx, r, d, bcStepWhen), true
	case bcStepWhen:
		return b.composeWhen(ctx, r, d, r.Text), true
	case bcStepUrgent:
		// Typed numbers name the buttons of urgentPrompt, in their order.
		switch f := textnorm.Fold(r.Text); {
		case core.IsYes(r.Text) || f == "urgent" || f == "urgente" || f == "2":
			d.Data["urgent"] = "1"
		case core.IsNo(r.Text) || f == "normal" || f == "normale" || f == "1":
			d.Data["urgent"] = ""
		case commandFound:
			return nil, false
		default:
			return []bot.Reply{b.urgentPrompt(r)}, true
		}
		return b.composePreview(ctx, r, d), true
	case bcStepConfirm:
		switch {
		case core.IsYes(r.Text) || textnorm.Fold(r.Text) == "envoyer" || textnorm.Fold(r.Text) == "send":
			return b.composeConfirmed(ctx, r, d), true
		case commandFound:
			return nil, false
		}
		return b.composePreview(ctx, r, d), true
	}
	return b.endCompose(ctx, r, "broadcasts.gone"), true
}

// composeStep moves the dialogue to step and asks its question.
func (b chat) composeStep(ctx context.Context, r *core.Turn, d bot.Dialogue, step string) []bot.Reply {
	d.Step = step
	var rep bot.Reply
	switch step {
	case bcStepEN:
		rep = bot.Reply{Text: r.T("broadcasts.ask_en"), Choices: []bot.Choice{{Action: "bc.en_skip", Label: r.T("broadcasts.button_no_english")}}}
	case bcStepSegment:
		rep = r.Reply("broadcasts.ask_segment")
		rep.Text += "\n" + r.T("broadcasts.segment_help")
	case bcStepWhen:
		rep = bot.Reply{Text: r.T("broadcasts.ask_when"), Choices: []bot.Choice{{Action: "bc.now", Label: r.T("broadcasts.button_now"), Style: "primary"}}}
	case bcStepUrgent:
		rep = b.urgentPrompt(r)
	}
	return b.saveCompose(ctx, r, d, rep)
}

func (b chat) urgentPrompt(r *core.Turn) bot.Reply {
	return bot.Reply{Text: r.T("broadcasts.ask_urgent"), Choices: []bot.Choice{
		{Action: "bc.urgent", Value: "no", Label: r.T("broadcasts.button_normal"), Style: "primary"},
		{Action: "bc.urgent", Value: "yes", Label: r.T("broadcasts.button_urgent"), Style: "danger"},
	}}
}

func (b chat) composeWhen(ctx context.Context, r *core.Turn, d bot.Dialogue, text string) []bot.Reply {
	switch textnorm.Fold(text) {
	case "maintenant", "tout de suite", "immediatement", "now", "right now", "immediately":
		d.Data["at"] = ""
		return b.composeStep(ctx, r, d, bcStepUrgent)
	}
	loc := b.Core.RequestLocation(r)
	res, err := when.Parse(text, string(r.Lang), b.Clock.Now().In(loc))
	var impossible *when.ImpossibleDateError
	switch {
	case errors.As(err, &impossible):
		return []bot.Reply{r.Reply("reminders.impossible", "date", impossible.Text, "max", strconv.Itoa(impossible.MaxDay))}
	case errors.Is(err, when.ErrPast):
		return []bot.Reply{r.Reply("broadcasts.when_past")}
	case err != nil && !errors.Is(err, when.ErrNoTask):
		return []bot.Reply{r.Reply("broadcasts.when_unknown", "input", core.ShortInput(text))}
	case !res.At.After(b.Clock.Now()):
		return []bot.Reply{r.Reply("broadcasts.when_past")}
	}
	d.Data["at"] = res.At.UTC().Format(time.RFC3339)
	return b.composeStep(ctx, r, d, bcStepUrgent)
}

func (b chat) choiceBroadcastStep(step, text string) core.ChoiceHandler {
	return func(ctx context.Context, r *core.Turn, _ string) []bot.Reply {
		d, ok := b.composeDialogue(ctx, r)
		if !ok || d.Step != step {
			return []bot.Reply{r.Reply("error.choice_unknown")}
		}
		r.Text = text
		replies, _ := b.dialogueCompose(ctx, r, d, false)
		return replies
	}
}

func (b chat) choiceBroadcastUrgent(ctx context.Context, r *core.Turn, v string) []bot.Reply {
	text := "non"
	if v == "yes" {
		text = "oui"
	}
	return b.choiceBroadcastStep(bcStepUrgent, text)(ctx, r, v)
}

func (b chat) choiceBroadcastConfirm(ctx context.Context, r *core.Turn, _ string) []bot.Reply {
	d, ok := b.composeDialogue(ctx, r)
	if !ok || d.Step != bcStepConfirm {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.composeConfirmed(ctx, r, d)
}

func (b chat) composeDialogue(ctx context.Context, r *core.Turn) (bot.Dialogue, bool) {
	if r.Role < bot.RoleOrganizer {
		return bot.Dialogue{}, false
	}
	d, err := b.store.Dialogue(ctx, r.Msg.From)
	if err != nil || d.Kind != dialogueBroadcast {
		return bot.Dialogue{}, false
	}
	return d, true
}

// composeDraft is the draft the dialogue has gathered.
func (b chat) composeDraft(r *core.Turn, d bot.Dialogue) BroadcastDraft {
	dr := BroadcastDraft{Text: map[bot.Lang]string{bot.French: d.Data[bcStepFR]}, Origin: "chat",
		Author: r.Msg.From, AuthorLang: r.Lang, Urgent: d.Data["urgent"] == "1"}
	if en := d.Data[bcStepEN]; en != "" {
		dr.Text[bot.English] = en
	}
	_ = json.Unmarshal([]byte(d.Data["segment"]), &dr.Segment)
	if at, err := time.Parse(time.RFC3339, d.Data["at"]); err == nil {
		dr.At = at
	}
	return dr
}

// composePreview shows the count and the message as one recipient will
// read it, and asks for confirmation.
func (b chat) composePreview(ctx context.Context, r *core.Turn, d bot.Dialogue) []bot.Reply {
	d.Step = bcStepConfirm
	dr := b.composeDraft(r, d)
	aud, err := b.CountAudience(ctx, dr.Segment, dr.Urgent)
	if err != nil {
		b.Log.Error("counting a broadcast's audience", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return b.saveCompose(ctx, r, d, b.previewText(r.Printer, b.Core.RequestLocation(r), dr, aud, "broadcasts.confirm_ask"))
}

// BroadcastPreview counts the draft's audience and writes the preview in
// lang, for the command line (closing with the sentence of last).
func (b *Feature) BroadcastPreview(ctx context.Context, lang bot.Lang, d BroadcastDraft, last string) (string, Audience, error) {
	if err := b.CheckDraft(d); err != nil {
		return "", Audience{}, err
	}
	aud, err := b.CountAudience(ctx, d.Segment, d.Urgent)
	if err != nil {
		return "", aud, err
	}
	r := b.Core.Printer(lang)
	return b.chat().previewText(r, b.Core.DefaultLocation(), d, aud, last).Text, aud, nil
}

func (b chat) previewText(r core.Printer, loc *time.Location, dr BroadcastDraft, aud Audience, last string) bot.Reply {
	lines := []string{r.T("broadcasts.preview_head", "count", core.FormatInt(r.Lang, aud.Recipients),
		"audience", b.describeSegment(r.Lang, dr.Segment))}
	if aud.OptedOut+aud.NotOnboarded > 0 {
		lines = append(lines, r.T("broadcasts.preview_excluded", "opted_out", core.FormatInt(r.Lang, aud.OptedOut),
			"not_onboarded", core.FormatInt(r.Lang, aud.NotOnboarded)))
	}
	switch {
	case dr.At.IsZero() && dr.Origin == "cli":
		// The command line sends nothing until run again with --send.
		lines = append(lines, r.T("broadcasts.cli_preview_now"))
	case dr.At.IsZero():
		lines = append(lines, r.T("broadcasts.preview_now"))
	default:
		lines = append(lines, r.T("broadcasts.preview_at", "date", b.Core.FormatDateTime(r.Lang, dr.At, loc)))
	}
	if dr.Urgent {
		lines = append(lines, r.T("broadcasts.preview_urgent"))
	} else {
		lines = append(lines, r.T("broadcasts.preview_working_hours"))
	}
	if aud.Recipients > b.Settings.Broadcasts.Threshold() {
		lines = append(lines, r.T("broadcasts.preview_approval", "threshold", core.FormatInt(r.Lang, b.Settings.Broadcasts.Threshold())))
	}
	if aud.Sample != nil {
		name := aud.Sample.Name
		if name == "" {
			name = r.T("broadcasts.sample_anonymous")
		}
		sample := b.broadcastReply(bot.Broadcast{Text: dr.Text}, *aud.Sample)
		lines = append(lines, "", r.T("broadcasts.preview_sample", "name", name), "", sample.Text)
	} else {
		lines = append(lines, "", r.T("broadcasts.preview_nobody"))
	}
	if last != "" {
		lines = append(lines, "", r.T(last))
	}
	return bot.Reply{Text: strings.Join(lines, "\n"), Choices: []bot.Choice{
		{Action: "bc.confirm", Label: r.T("broadcasts.button_send"), Style: "primary"},
	}}
}

func (b chat) composeConfirmed(ctx context.Context, r *core.Turn, d bot.Dialogue) []bot.Reply {
	dr := b.composeDraft(r, d)
	bc, _, err := b.SubmitBroadcast(ctx, dr)
	if err != nil {
		var te *BroadcastTextError
		if errors.As(err, &te) || errors.Is(err, ErrBroadcastPast) {
			return []bot.Reply{{Text: b.textProblem(r.Lang, err)}}
		}
		b.Log.Error("submitting a broadcast", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")} // the dialogue stays: confirm again
	}
	if err := b.store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		b.Log.Warn("ending dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
	}
	switch {
	case bc.State == bot.BroadcastApproval:
		return []bot.Reply{r.Reply("broadcasts.submitted_approval", "id", bc.ID, "count", core.FormatInt(r.Lang, bc.Expected))}
	case bc.At.IsZero():
		return []bot.Reply{r.Reply("broadcasts.submitted_now", "id", bc.ID, "count", core.FormatInt(r.Lang, bc.Expected))}
	}
	return []bot.Reply{r.Reply("broadcasts.submitted_at", "id", bc.ID, "count", core.FormatInt(r.Lang, bc.Expected),
		"date", b.Core.FormatDateTime(r.Lang, bc.At, b.Core.RequestLocation(r)))}
}

func (b chat) endCompose(ctx context.Context, r *core.Turn, key string) []bot.Reply {
	if err := b.store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		b.Log.Warn("ending dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
	}
	return []bot.Reply{r.Reply(key)}
}

// cmdBroadcasts lists the recent broadcasts, or shows one.
func (b chat) cmdBroadcasts(ctx context.Context, r *core.Turn) []bot.Reply {
	if id := strings.TrimSpace(r.Args); id != "" {
		bc, err := b.store.Broadcast(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			return []bot.Reply{r.Reply("broadcasts.not_found", "id", core.ShortInput(id))}
		}
		if err != nil {
			return []bot.Reply{r.Reply("error.unavailable")}
		}
		text, err := b.BroadcastReport(ctx, r.Lang, bc)
		if err != nil {
			return []bot.Reply{r.Reply("error.unavailable")}
		}
		return []bot.Reply{{Text: text}}
	}
	var all []bot.Broadcast
	if err := b.store.Broadcasts(ctx, func(bc bot.Broadcast) error { all = append(all, bc); return nil }); err != nil {
		b.Log.Error("listing broadcasts", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if len(all) == 0 {
		return []bot.Reply{r.Reply("broadcasts.none")}
	}
	lines := []string{r.T("broadcasts.list_head")}
	for _, bc := range all[max(0, len(all)-10):] {
		counts, err := b.store.RecipientCounts(ctx, bc.ID)
		if err != nil {
			return []bot.Reply{r.Reply("error.unavailable")}
		}
		lines = append(lines, r.T("broadcasts.list_line", "id", bc.ID, "state", r.T("broadcasts.state."+string(bc.State)),
			"date", b.Core.FormatDateTime(r.Lang, bc.Created, b.Core.RequestLocation(r)), "audience", b.describeSegment(r.Lang, bc.Segment),
			"sent", core.FormatInt(r.Lang, counts[bot.RecipientSent]), "total", core.FormatInt(r.Lang, max(bc.Total, bc.Expected))))
	}
	lines = append(lines, "", r.T("broadcasts.list_foot"))
	return []bot.Reply{{Text: strings.Join(lines, "\n")}}
}

func (b chat) cmdBroadcastCancel(ctx context.Context, r *core.Turn) []bot.Reply {
	id := strings.TrimSpace(r.Args)
	if id == "" {
		return []bot.Reply{r.Reply("broadcasts.cancel_usage")}
	}
	bc, err := b.CancelBroadcast(ctx, id, r.Msg.From)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return []bot.Reply{r.Reply("broadcasts.not_found", "id", core.ShortInput(id))}
	case errors.Is(err, errBroadcastState):
		cur, _ := b.store.Broadcast(ctx, id)
		return []bot.Reply{r.Reply("broadcasts.cancel_final", "id", id, "state", r.T("broadcasts.state."+string(cur.State)))}
	case err != nil:
		b.Log.Error("cancelling a broadcast", "broadcast", id, "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{{Text: b.CancelledText(ctx, r.Lang, bc)}}
}

// CancelledText says what a cancellation stopped: the messages already
// sent, and the recipients who will not receive it. A broadcast cancelled
// before its sending started has no recipient list yet: all the recipients
// counted when it was submitted are spared.
func (b *Feature) CancelledText(ctx context.Context, lang bot.Lang, bc bot.Broadcast) string {
	counts, _ := b.store.RecipientCounts(ctx, bc.ID)
	left := counts[bot.RecipientPending] + counts[bot.RecipientSending]
	if bc.Total == 0 {
		left = bc.Expected
	}
	return b.Cat.T(string(lang), "broadcasts.cancelled", "id", bc.ID, "sent", core.FormatInt(lang, counts[bot.RecipientSent]),
		"left", core.FormatInt(lang, left))
}

func (b chat) cmdBroadcastApprove(ctx context.Context, r *core.Turn) []bot.Reply {
	id := strings.TrimSpace(r.Args)
	if id == "" {
		return []bot.Reply{r.Reply("broadcasts.approve_usage")}
	}
	bc, err := b.ApproveBroadcast(ctx, id, r.Msg.From, "")
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return []bot.Reply{r.Reply("broadcasts.not_found", "id", core.ShortInput(id))}
	case errors.Is(err, errSelfApproval):
		return []bot.Reply{r.Reply("broadcasts.approve_self")}
	case errors.Is(err, errBroadcastState):
		cur, _ := b.store.Broadcast(ctx, id)
		return []bot.Reply{r.Reply("broadcasts.approve_state", "id", id, "state", r.T("broadcasts.state."+string(cur.State)))}
	case err != nil:
		b.Log.Error("approving a broadcast", "broadcast", id, "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("broadcasts.approved", "id", bc.ID, "count", core.FormatInt(r.Lang, bc.Expected))}
}

// cmdAnnouncements shows or sets the member's choice about announcements.
func (b chat) cmdAnnouncements(ctx context.Context, r *core.Turn) []bot.Reply {
	switch f := textnorm.Fold(r.Args); {
	case f == "":
	case core.IsNo(f) || f == "off" || f == "stop" || f == "desactiver":
		return b.setAnnouncements(ctx, r, false)
	case core.IsYes(f) || f == "on" || f == "activer":
		return b.setAnnouncements(ctx, r, true)
	}
	if !r.Known {
		return []bot.Reply{r.Reply("broadcasts.optout_unknown_member")}
	}
	key, choice := "broadcasts.optout_state_on", bot.Choice{Action: "bc.optout", Value: "off", Label: r.T("broadcasts.button_optout")}
	if r.Member.Prefs.NoAnnouncements {
		key, choice = "broadcasts.optout_state_off", bot.Choice{Action: "bc.optout", Value: "on", Label: r.T("broadcasts.button_optin")}
	}
	return []bot.Reply{{Text: r.T(key), Choices: []bot.Choice{choice}}}
}

func (b chat) choiceAnnouncements(ctx context.Context, r *core.Turn, v string) []bot.Reply {
	return b.setAnnouncements(ctx, r, v == "on")
}

func (b chat) setAnnouncements(ctx context.Context, r *core.Turn, on bool) []bot.Reply {
	if !r.Known {
		return []bot.Reply{r.Reply("broadcasts.optout_unknown_member")}
	}
	r.Member.Prefs.NoAnnouncements = !on
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Log.Info("announcements preference", "member", b.Core.Pseudonym(r.Msg.From), "receive", on)
	if on {
		return []bot.Reply{r.Reply("broadcasts.optout_on")}
	}
	return []bot.Reply{r.Reply("broadcasts.optout_off")}
}

// Personal data (core.Registry.PersonalData): the member's recipient records and the
// broadcasts they wrote; erasure removes their reference from all, and
// forgets the cached direct conversation.

func (b chat) exportBroadcasts(ctx context.Context, ref bot.UserRef) (any, error) {
	recs, wrote, err := b.store.BroadcastsOf(ctx, ref)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 && len(wrote) == 0 {
		return nil, nil
	}
	type received struct {
		Broadcast string              `json:"broadcast"`
		Status    bot.RecipientStatus `json:"status"`
		Reason    string              `json:"reason,omitempty"`
	}
	out := struct {
		Received []received `json:"received,omitempty"`
		Wrote    []string   `json:"wrote,omitempty"`
	}{Wrote: wrote}
	for id, r := range recs {
		out.Received = append(out.Received, received{Broadcast: id, Status: r.Status, Reason: r.Reason})
	}
	sort.Slice(out.Received, func(i, j int) bool { return out.Received[i].Broadcast < out.Received[j].Broadcast })
	return out, nil
}

func (b chat) eraseBroadcasts(ctx context.Context, ref bot.UserRef) error {
	if _, err := b.store.EraseBroadcastMember(ctx, ref); err != nil {
		return err
	}
	return b.Core.Outbox.ForgetCachedDirect(ctx, ref)
}

// purgeBroadcasts deletes, with their recipients' records, the broadcasts
// finished (done or cancelled) before the retention cutoff.
func (b chat) purgeBroadcasts(ctx context.Context, before time.Time) (int, error) {
	var old []string
	err := b.store.Broadcasts(ctx, func(bc bot.Broadcast) error {
		end := bc.Finished
		if end.IsZero() {
			end = bc.Cancelled
		}
		if bc.State.Final() && !end.IsZero() && end.Before(before) {
			old = append(old, bc.ID)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range old {
		if err := b.store.DeleteBroadcast(ctx, id); err != nil && !errors.Is(err, bot.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// jobAnnouncement sends an announcement to its channel, or hands it to the
// broadcast engine (broadcast_engine.go) for the members matching its
// filter: one broadcast per (job, slot), created once, delivered exactly
// once per recipient at the platform's pace, held outside their working
// hours unless urgent, not sent to those who declined announcements.
func (b chat) jobAnnouncement(ctx context.Context, run bot.JobRun) error {
	a := run.Job.Announcement
	if a == nil {
		return errors.New("announcement job without an announcement")
	}
	if a.Channel != nil {
		return b.Core.AnnounceToChannel(ctx, run, *a.Channel, a.Text[b.Settings.DefaultLang])
	}
	return b.announceToMembers(ctx, run, a) // broadcasts_chat.go
}

// chat is the broadcasts feature seen as its chat: the organizers' commands and dialogues.
type chat struct{ *Feature }

func (b *Feature) chat() chat { return chat{b} }
