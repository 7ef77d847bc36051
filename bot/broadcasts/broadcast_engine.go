package broadcasts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
)

// The broadcast delivery engine. A confirmed broadcast is a record in the
// store; every replica's scheduler tick looks for the broadcasts due or
// running and works on them:
//
//  1. one replica (a claim) lists the recipients, streaming the members
//     and appending them in chunks; a relisting after a crash adds only
//     who is missing; then the broadcast is running;
//  2. the recipients are cut into batches; each replica claims a batch at
//     a time (a lease it extends before each send) and, for each pending
//     recipient, writes "sending" with a compare and swap BEFORE posting,
//     then "sent" with the platform's message id, or "failed" with the
//     reason. The swap makes one replica, and only one, post to a
//     recipient, whatever the leases do;
//  3. a recipient found "sending" by the batch's next owner was being sent
//     when its replica died: the post happened or not. The adapter's
//     SentFinder (if any) tells; without it the recipient is "unknown",
//     reported to the organizer and never posted again blindly;
//  4. when no recipient is pending or sending, one replica (a swap of the
//     broadcast's state) marks it done and reports to its author.
//
// Pacing: token buckets per platform workspace (Settings.Broadcasts.Pace),
// shared among the replicas sending (each takes rate/n), and a pause
// shared through the store after any 429.

// broadcastState is the engine's state on this replica.
type broadcastState struct {
	mu     sync.Mutex
	active map[string]bool      // broadcasts a worker runs here
	held   map[string]time.Time // running broadcasts whose recipients all wait until then
	// observed: broadcasts whose progress this replica reported to the
	// observer and not yet ended.
	observed map[string]bool
}

// pass is what one pass over a broadcast's batches found.
type pass struct {
	// held is the earliest time a held recipient may be sent.
	held time.Time
	// busy: something was sent or tried, or a batch was another
	// replica's: the next tick looks again.
	busy bool
}

func (p *pass) hold(t time.Time) {
	if p.held.IsZero() || t.Before(p.held) {
		p.held = t
	}
}

// idle reports whether the running broadcast id only has recipients held
// beyond now (as this replica last saw), so that ticks do not reread it.
func (s *broadcastState) idle(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.held[id]
	return ok && now.Before(until)
}

func (s *broadcastState) setIdle(id string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]time.Time{}
	}
	s.held[id] = until
}

func (s *broadcastState) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, id)
}

// Engine tuning.
const (
	// listChunk: members appended to the recipients at a time.
	listChunk = 500
	// maxReasonBytes bounds a failure reason kept in the store.
	maxReasonBytes = 200
)

// tickBroadcasts starts a worker for each broadcast that is due or
// running and has none on this replica.
func (b *Feature) tickBroadcasts(ctx context.Context, now time.Time) {
	var due, ended []string
	err := b.store.Broadcasts(ctx, func(bc bot.Broadcast) error {
		switch {
		case bc.State == bot.BroadcastRunning:
			due = append(due, bc.ID)
		case bc.State == bot.BroadcastScheduled && !bc.At.After(now),
			bc.State == bot.BroadcastCancelled && bc.Finished.IsZero():
			b.bc.forget(bc.ID) // no longer held: at once
			due = append(due, bc.ID)
		default:
			b.bc.forget(bc.ID)
			if bc.State.Final() && b.bc.unobserve(bc.ID) {
				ended = append(ended, bc.ID)
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			b.Log.Error("listing broadcasts", "err", err)
		}
		return
	}
	for _, id := range ended {
		// Finished by another replica: this one's progress series end too.
		if counts, err := b.store.RecipientCounts(ctx, id); err == nil {
			b.Obs.Broadcast(id, countTotal(counts), counts[bot.RecipientSent], counts[bot.RecipientFailed]+counts[bot.RecipientUnknown], true)
		}
	}
	for _, id := range due {
		if b.bc.idle(id, now) || !b.bc.begin(id) {
			continue
		}
		b.Core.Go(func() {
			defer b.bc.end(id)
			if err := b.RunBroadcast(ctx, id); err != nil && ctx.Err() == nil {
				b.Log.Error("broadcast delivery", "broadcast", id, "err", err)
			}
		})
	}
}

// observeBroadcast reports the broadcast's progress to the observer:
// recipients in all, sent, and failed (failed or outcome unknown: not
// known to be delivered). Called after each batch and when the broadcast
// ends; the ids this replica reported are remembered, so that it ends
// their series when another replica finishes the broadcast.
func (b *Feature) observeBroadcast(id string, counts map[bot.RecipientStatus]int, done bool) {
	b.bc.mu.Lock()
	if b.bc.observed == nil {
		b.bc.observed = map[string]bool{}
	}
	if done {
		delete(b.bc.observed, id)
	} else {
		b.bc.observed[id] = true
	}
	b.bc.mu.Unlock()
	b.Obs.Broadcast(id, countTotal(counts), counts[bot.RecipientSent], counts[bot.RecipientFailed]+counts[bot.RecipientUnknown], done)
}

// unobserve reports whether this replica reported broadcast id's progress
// and forgets it.
func (s *broadcastState) unobserve(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := s.observed[id]
	delete(s.observed, id)
	return ok
}

func countTotal(counts map[bot.RecipientStatus]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func (s *broadcastState) begin(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = map[string]bool{}
	}
	if s.active[id] {
		return false
	}
	s.active[id] = true
	return true
}

func (s *broadcastState) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, id)
}

// RunBroadcast does this replica's share of broadcast id: it lists the
// recipients if need be, sends to every pending recipient of the batches
// it can claim (pausing for the pace), and finishes the broadcast when
// nothing is left. It returns when there is nothing more it can do now
// (recipients held until their working hours, batches claimed by other
// replicas); the next scheduler tick calls it again. Tests call it
// directly.
func (b *Feature) RunBroadcast(ctx context.Context, id string) error {
	defer b.Core.Outbox.ReleaseShares(context.WithoutCancel(ctx))
	bc, err := b.store.Broadcast(ctx, id)
	if err != nil {
		return fmt.Errorf("reading broadcast: %w", err)
	}
	if bc.State == bot.BroadcastScheduled {
		if bc, err = b.listRecipients(ctx, bc); err != nil {
			return err
		}
	}
	if bc.State == bot.BroadcastCancelled && bc.Finished.IsZero() {
		return b.finishCancelled(ctx, bc)
	}
	if bc.State != bot.BroadcastRunning {
		return nil
	}
	var p pass
	if err := b.sendBatches(ctx, bc, &p); err != nil {
		return err
	}
	if !p.busy && !p.held.IsZero() {
		b.bc.setIdle(bc.ID, p.held)
	}
	return b.finishBroadcast(ctx, bc.ID)
}

// listRecipients appends the members the broadcast's segment selects to
// its recipients (one replica at a time), then starts it.
func (b *Feature) listRecipients(ctx context.Context, bc bot.Broadcast) (bot.Broadcast, error) {
	claim := "bc:list:" + bc.ID
	token := b.Core.ClaimToken()
	got, err := b.store.Claim(ctx, claim, token, b.Settings.Broadcasts.Lease())
	if err != nil || !got {
		return bc, err // another replica lists them
	}
	defer func() {
		if err := b.store.ReleaseClaim(context.WithoutCancel(ctx), claim, token); err != nil {
			b.Log.Warn("releasing a broadcast claim", "broadcast", bc.ID, "err", err)
		}
	}()
	sel, err := b.newSelector(ctx, bc.Segment)
	if err != nil {
		return bc, err
	}
	var chunk []bot.Recipient
	total := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if ok, err := b.store.Claim(ctx, claim, token, b.Settings.Broadcasts.Lease()); err != nil || !ok {
			return fmt.Errorf("lost the claim to list the recipients: %w", err)
		}
		_, n, err := b.store.AddRecipients(ctx, bc.ID, chunk)
		if err != nil {
			return fmt.Errorf("listing recipients: %w", err)
		}
		total, chunk = n, chunk[:0]
		return nil
	}
	err = b.store.Members(ctx, func(m bot.Member) error {
		if !sel.matches(m) {
			return nil
		}
		r := bot.Recipient{Ref: m.Ref, Status: bot.RecipientPending}
		if reason := b.excluded(m, bc); reason != "" {
			r.Status, r.Reason = bot.RecipientSkipped, reason
		}
		chunk = append(chunk, r)
		if len(chunk) >= listChunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return bc, fmt.Errorf("listing the recipients of broadcast %s: %w", bc.ID, err)
	}
	if total == 0 {
		// Nobody matched: the broadcast is done at once.
		n, _, _ := b.store.AddRecipients(ctx, bc.ID, nil)
		total = n
	}
	now := b.Clock.Now()
	bc, err = b.store.UpdateBroadcast(ctx, bc.ID, func(x *bot.Broadcast) error {
		if x.State != bot.BroadcastScheduled {
			return errNotScheduled
		}
		x.State, x.Total, x.Started = bot.BroadcastRunning, total, now
		return nil
	})
	if errors.Is(err, errNotScheduled) {
		return b.store.Broadcast(ctx, bc.ID)
	}
	if err != nil {
		return bc, fmt.Errorf("starting broadcast: %w", err)
	}
	b.Log.Info("broadcast started", "broadcast", bc.ID, "recipients", total)
	return bc, nil
}

var (
	errNotScheduled = errors.New("broadcast no longer scheduled")
	// errRetry: the recipient is pending again after a 429; try again.
	errRetry = errors.New("rate limited: try again")
)

// excluded returns why m does not receive bc ("" when they do).
func (b *Feature) excluded(m bot.Member, bc bot.Broadcast) string {
	switch {
	case m.Onboarded.IsZero() && m.OptedIn.IsZero():
		return "not_onboarded"
	case m.Prefs.NoAnnouncements && !bc.Urgent:
		return "opted_out"
	}
	return ""
}

// sendBatches claims the broadcast's batches in turn, starting at one that
// depends on the replica (so that replicas spread), and sends each.
func (b *Feature) sendBatches(ctx context.Context, bc bot.Broadcast, p *pass) error {
	size := b.Settings.Broadcasts.Batch()
	n := (bc.Total + size - 1) / size
	if n == 0 {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(b.Replica))
	start := int(h.Sum32() % uint32(n))
	for i := range n {
		k := (start + i) % n
		stop, err := b.sendBatch(ctx, bc, k, size, p)
		if err != nil {
			return err
		}
		if stop {
			return nil
		}
	}
	return nil
}

// sendBatch sends to the pending recipients of batch k if this replica
// claims it; it reports stop when the broadcast was cancelled.
func (b *Feature) sendBatch(ctx context.Context, bc bot.Broadcast, k, size int, p *pass) (stop bool, err error) {
	claim := "bc:batch:" + bc.ID + ":" + strconv.Itoa(k)
	token := b.Core.ClaimToken()
	lease := b.Settings.Broadcasts.Lease()
	got, err := b.store.Claim(ctx, claim, token, lease)
	if err != nil || !got {
		p.busy = true
		return false, err
	}
	defer func() {
		if err := b.store.ReleaseClaim(context.WithoutCancel(ctx), claim, token); err != nil {
			b.Log.Warn("releasing a batch claim", "broadcast", bc.ID, "err", err)
		}
	}()
	recs, err := b.store.Recipients(ctx, bc.ID, k*size, min((k+1)*size, bc.Total))
	if err != nil {
		return false, fmt.Errorf("reading recipients: %w", err)
	}
	worked := false
	cur := bc
	extended, read, sinceRead := b.Clock.Now(), time.Time{}, 0
	for _, r := range recs {
		if r.Status.Final() {
			continue
		}
		if r.Status == bot.RecipientPending && r.NotBefore.After(b.Clock.Now()) {
			p.hold(r.NotBefore) // waits for their working hours
			continue
		}
		if ctx.Err() != nil {
			return true, nil
		}
		p.busy = true
		// Cancelled meanwhile? Read every second or every ten
		// recipients: a cancellation stops the broadcast within a
		// second's worth of messages.
		now := b.Clock.Now()
		if now.Sub(read) >= time.Second || sinceRead >= 10 {
			if cur, err = b.store.Broadcast(ctx, bc.ID); err != nil {
				return false, fmt.Errorf("reading broadcast: %w", err)
			}
			read, sinceRead = now, 0
		}
		sinceRead++
		if cur.State != bot.BroadcastRunning {
			return true, nil
		}
		if now.Sub(extended) >= lease/4 {
			if ok, err := b.store.Claim(ctx, claim, token, lease); err != nil || !ok {
				return false, err // lease lost: the batch's new owner goes on
			}
			extended = now
		}
		if r.Status == bot.RecipientSending {
			// Left by a replica that died (or a post whose answer was
			// lost): settle it; if it was not posted, send it now.
			if r, err = b.reconcile(ctx, cur, r); err != nil {
				return false, err
			}
		}
		switch r.Status {
		case bot.RecipientPending:
			// A 429 puts the recipient back: try again once the pause
			// is over (pace waits for it), a few times at most.
			for range 5 {
				err := b.sendRecipient(ctx, cur, r)
				if !errors.Is(err, errRetry) {
					if err != nil {
						return false, err
					}
					break
				}
			}
		}
		worked = true
	}
	if worked {
		b.reportProgress(ctx, bc.ID)
	}
	return false, nil
}

// sendRecipient sends the broadcast to one pending recipient. Errors
// returned stop this replica's work (store failures, shutdown); what
// concerns the recipient alone is recorded in their state.
func (b *Feature) sendRecipient(ctx context.Context, bc bot.Broadcast, r bot.Recipient) error {
	now := b.Clock.Now()
	if r.NotBefore.After(now) {
		return nil // held until their working hours
	}
	m, err := b.store.Member(ctx, r.Ref)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return b.skip(ctx, bc, r, "erased")
	case err != nil:
		return fmt.Errorf("reading a recipient: %w", err)
	}
	if reason := b.excluded(m, bc); reason != "" {
		return b.skip(ctx, bc, r, reason)
	}
	if !bc.Urgent {
		if open := b.Core.Outbox.NextWindow(ctx, r.Ref, b.Core.Outbox.MemberLocation(m), now); open.After(now) {
			r.NotBefore = open
			_, err := b.store.SetRecipient(ctx, bc.ID, bot.RecipientPending, r)
			return err
		}
	}
	a, ok := b.Adapters[r.Ref.Platform]
	if !ok {
		return b.fail(ctx, bc, r, bot.RecipientPending, "no_adapter")
	}
	reply := b.broadcastReply(bc, m)
	// Once more, in a conversation opened again, when the cached one
	// turns out to be gone.
	for retried := false; ; retried = true {
		conv := b.Core.Outbox.CachedDirect(ctx, r)
		if err := b.Core.Outbox.Pace(ctx, r.Ref, conv.ID == ""); err != nil {
			return err
		}
		if conv.ID == "" {
			// Opening the conversation posts nothing: done before the
			// recipient is marked, and safe to repeat.
			opener, ok := a.(bot.DirectOpener)
			if !ok {
				return b.fail(ctx, bc, r, bot.RecipientPending, "no_direct_messages")
			}
			c, err := opener.OpenDirect(ctx, r.Ref)
			if err != nil {
				return b.openFailed(ctx, bc, r, err)
			}
			conv = c
			b.Core.Outbox.CacheDirect(ctx, r.Ref, c)
		}
		// Recorded before the post, with the conversation: a recipient found
		// "sending" may have been posted to, which only the platform can tell.
		r.Status, r.Sending, r.Conversation = bot.RecipientSending, b.Clock.Now(), conv.ID
		if ok, err := b.store.SetRecipient(ctx, bc.ID, bot.RecipientPending, r); err != nil || !ok {
			return err // taken by another replica
		}
		sent, err := a.Send(ctx, conv, reply)
		if err != nil && !retried && b.Core.Outbox.ForgetGoneDirect(ctx, a, r.Ref, sent, err) {
			// Nothing posted: pending again, without the gone conversation.
			r.Status, r.Sending, r.Conversation = bot.RecipientPending, time.Time{}, ""
			if ok, serr := b.store.SetRecipient(context.WithoutCancel(ctx), bc.ID, bot.RecipientSending, r); serr != nil || !ok {
				return serr
			}
			continue
		}
		if err != nil {
			return b.sendFailed(ctx, bc, r, err)
		}
		r.Status, r.Message = bot.RecipientSent, sent.ID
		if _, err := b.store.SetRecipient(context.WithoutCancel(ctx), bc.ID, bot.RecipientSending, r); err != nil {
			// Left "sending": the batch's next owner reconciles it.
			return fmt.Errorf("recording a sent message: %w", err)
		}
		return nil
	}
}

// openFailed records a failed open of the direct conversation, for a
// recipient still pending (nothing was posted).
func (b *Feature) openFailed(ctx context.Context, bc bot.Broadcast, r bot.Recipient, err error) error {
	if errors.Is(err, bot.ErrRateLimited) {
		b.Core.Outbox.PauseWorkspace(ctx, r.Ref, bot.RetryAfter(err))
		return errRetry
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.Attempts++
	b.Log.Warn("opening a direct conversation for a broadcast failed", "broadcast", bc.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
	if r.Attempts < b.Settings.Broadcasts.Attempts() && !permanent(err) {
		r.Reason = reasonOf(err)
		_, serr := b.store.SetRecipient(context.WithoutCancel(ctx), bc.ID, bot.RecipientPending, r)
		return serr
	}
	return b.fail(context.WithoutCancel(ctx), bc, r, bot.RecipientPending, reasonOf(err))
}

// sendFailed records a failed post.
func (b *Feature) sendFailed(ctx context.Context, bc bot.Broadcast, r bot.Recipient, err error) error {
	sctx := context.WithoutCancel(ctx)
	switch {
	case errors.Is(err, bot.ErrRateLimited):
		// A 429: the call was not carried out. Pause every replica and
		// put the recipient back.
		b.Core.Outbox.PauseWorkspace(ctx, r.Ref, bot.RetryAfter(err))
		r.Status, r.Sending = bot.RecipientPending, time.Time{}
		if _, serr := b.store.SetRecipient(sctx, bc.ID, bot.RecipientSending, r); serr != nil {
			return serr
		}
		return errRetry
	case errors.Is(err, bot.ErrUnknownOutcome) || ctx.Err() != nil:
		// Posted or not: never post again blindly.
		b.Log.Warn("broadcast post with an unknown outcome", "broadcast", bc.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
		if ctx.Err() != nil {
			return ctx.Err() // left "sending": reconciled at the next run
		}
		_, err := b.reconcile(sctx, bc, r)
		return err
	}
	r.Attempts++
	reason := reasonOf(err)
	if r.Attempts < b.Settings.Broadcasts.Attempts() && !permanent(err) {
		b.Log.Warn("broadcast send failed; will retry", "broadcast", bc.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
		r.Status, r.Reason = bot.RecipientPending, reason
		_, serr := b.store.SetRecipient(sctx, bc.ID, bot.RecipientSending, r)
		return serr
	}
	b.Log.Warn("broadcast send failed", "broadcast", bc.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
	return b.fail(sctx, bc, r, bot.RecipientSending, reason)
}

// permanent reports errors that another attempt would not fix.
func permanent(err error) bool {
	s := err.Error()
	for _, p := range []string{"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "channel_not_found", "not_in_channel", "is_archived", "no_permission", "invalid", "status 403", "status 404"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// reasonOf keeps the end of an error (the platform's answer), bounded.
func reasonOf(err error) string {
	s := err.Error()
	if len(s) > maxReasonBytes {
		s = s[len(s)-maxReasonBytes:]
		for !utf8.ValidString(s) {
			s = s[1:]
		}
	}
	return s
}

func (b *Feature) fail(ctx context.Context, bc bot.Broadcast, r bot.Recipient, from bot.RecipientStatus, reason string) error {
	r.Status, r.Reason = bot.RecipientFailed, reason
	_, err := b.store.SetRecipient(ctx, bc.ID, from, r)
	return err
}

func (b *Feature) skip(ctx context.Context, bc bot.Broadcast, r bot.Recipient, reason string) error {
	r.Status, r.Reason = bot.RecipientSkipped, reason
	_, err := b.store.SetRecipient(ctx, bc.ID, bot.RecipientPending, r)
	return err
}

// reconcile settles a recipient left "sending": the adapter's SentFinder
// tells whether the post exists (sent) or not (pending again, once the
// post can no longer be in flight); without one the recipient is
// "unknown" and never posted again without an organizer's decision.
func (b *Feature) reconcile(ctx context.Context, bc bot.Broadcast, r bot.Recipient) (bot.Recipient, error) {
	now := b.Clock.Now()
	settle := func(to bot.Recipient) (bot.Recipient, error) {
		ok, err := b.store.SetRecipient(ctx, bc.ID, bot.RecipientSending, to)
		if err != nil || !ok {
			return bot.Recipient{Status: bot.RecipientSending}, err // changed meanwhile: leave it
		}
		return to, nil
	}
	young := now.Sub(r.Sending) < b.Settings.Broadcasts.ReconcileDelay()
	finder, ok := b.Adapters[r.Ref.Platform].(bot.SentFinder)
	switch {
	case r.Ref.IsZero():
		r.Status, r.Reason = bot.RecipientUnknown, "erased"
		return settle(r)
	case r.Conversation == "" && young:
		return r, nil
	case r.Conversation == "":
		// Never got a conversation: nothing was posted.
		r.Status = bot.RecipientPending
		return settle(r)
	case !ok:
		r.Status, r.Reason = bot.RecipientUnknown, "outcome_unknown"
		return settle(r)
	}
	m, err := b.store.Member(ctx, r.Ref)
	if errors.Is(err, bot.ErrNotFound) {
		r.Status, r.Reason = bot.RecipientUnknown, "erased"
		return settle(r)
	}
	if err != nil {
		return r, err
	}
	conv := bot.Conversation{Platform: r.Ref.Platform, Workspace: r.Ref.Workspace, ID: r.Conversation, Kind: bot.Direct}
	msg, found, err := finder.FindSent(ctx, conv, r.Sending.Add(-time.Second), b.broadcastReply(bc, m))
	switch {
	case err != nil:
		b.Log.Warn("reconciling a broadcast post", "broadcast", bc.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
		return r, nil // tried again at the next run
	case found:
		r.Status, r.Message = bot.RecipientSent, msg.ID
	case young:
		return r, nil // may still be in flight
	default:
		r.Status, r.Sending = bot.RecipientPending, time.Time{}
	}
	b.Log.Info("broadcast post reconciled", "broadcast", bc.ID, "member", b.Core.Pseudonym(r.Ref), "posted", found)
	return settle(r)
}

// reportProgress tells the author each quarter crossed (once, whichever
// replica crosses it).
func (b *Feature) reportProgress(ctx context.Context, id string) {
	counts, err := b.store.RecipientCounts(ctx, id)
	if err != nil {
		b.Log.Warn("counting broadcast recipients", "broadcast", id, "err", err)
		return
	}
	total, done := 0, 0
	for s, n := range counts {
		total += n
		if s.Final() {
			done += n
		}
	}
	b.observeBroadcast(id, counts, false)
	if total == 0 || done == total {
		return // the final report says it all
	}
	q := done * 4 / total
	crossed := false
	bc, err := b.store.UpdateBroadcast(ctx, id, func(x *bot.Broadcast) error {
		if q <= x.Progress || x.State != bot.BroadcastRunning {
			return errNoProgress
		}
		x.Progress = q
		return nil
	})
	switch {
	case errors.Is(err, errNoProgress):
	case err != nil:
		b.Log.Warn("recording broadcast progress", "broadcast", id, "err", err)
	default:
		crossed = true
	}
	if !crossed {
		return
	}
	b.Log.Info("broadcast progress", "broadcast", id, "done", done, "total", total)
	b.chat().tellAuthor(ctx, bc, "progress:"+strconv.Itoa(q), "broadcasts.progress",
		"id", bc.ID, "done", strconv.Itoa(done), "total", strconv.Itoa(total),
		"sent", strconv.Itoa(counts[bot.RecipientSent]), "percent", strconv.Itoa(q*25))
}

var errNoProgress = errors.New("no new quarter")

// finishBroadcast marks the broadcast done when no recipient is pending or
// sending, and reports to its author (once: the state swap decides).
func (b *Feature) finishBroadcast(ctx context.Context, id string) error {
	counts, err := b.store.RecipientCounts(ctx, id)
	if err != nil {
		return fmt.Errorf("counting recipients: %w", err)
	}
	if counts[bot.RecipientPending]+counts[bot.RecipientSending] > 0 {
		return nil
	}
	now := b.Clock.Now()
	bc, err := b.store.UpdateBroadcast(ctx, id, func(x *bot.Broadcast) error {
		if x.State != bot.BroadcastRunning {
			return errNotScheduled
		}
		x.State, x.Finished = bot.BroadcastDone, now
		return nil
	})
	if errors.Is(err, errNotScheduled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("finishing broadcast: %w", err)
	}
	b.observeBroadcast(id, counts, true)
	b.auditBroadcast("broadcast finished", bc, counts)
	b.chat().reportFinal(ctx, bc, counts)
	return nil
}

// finishCancelled settles the posts in flight when the broadcast was
// cancelled, then reports to the author once (Finished records it).
func (b *Feature) finishCancelled(ctx context.Context, bc bot.Broadcast) error {
	err := b.eachRecipient(ctx, bc, func(r bot.Recipient) error {
		if r.Status != bot.RecipientSending {
			return nil
		}
		_, err := b.reconcile(ctx, bc, r)
		return err
	})
	if err != nil {
		return err
	}
	counts, err := b.store.RecipientCounts(ctx, bc.ID)
	if err != nil {
		return fmt.Errorf("counting recipients: %w", err)
	}
	if counts[bot.RecipientSending] > 0 {
		return nil // in flight still: at the next run
	}
	now := b.Clock.Now()
	bc, err = b.store.UpdateBroadcast(ctx, bc.ID, func(x *bot.Broadcast) error {
		if x.State != bot.BroadcastCancelled || !x.Finished.IsZero() {
			return errNotScheduled
		}
		x.Finished = now
		return nil
	})
	if errors.Is(err, errNotScheduled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("finishing broadcast: %w", err)
	}
	b.observeBroadcast(bc.ID, counts, true)
	b.auditBroadcast("broadcast cancelled, final counts", bc, counts)
	b.chat().reportFinal(ctx, bc, counts)
	return nil
}

// auditBroadcast writes the audit line of a broadcast: who (pseudonym),
// when, the audience, the counts.
func (b *Feature) auditBroadcast(msg string, bc bot.Broadcast, counts map[bot.RecipientStatus]int) {
	args := []any{"audit", true, "broadcast", bc.ID, "origin", bc.Origin, "created", bc.Created,
		"segment", segmentSummary(bc.Segment), "urgent", bc.Urgent, "expected", bc.Expected, "total", bc.Total}
	if !bc.Author.IsZero() {
		args = append(args, "author", b.Core.Pseudonym(bc.Author))
	}
	if bc.Operator != "" {
		args = append(args, "operator", bc.Operator)
	}
	if !bc.Approver.IsZero() {
		args = append(args, "approver", b.Core.Pseudonym(bc.Approver))
	}
	if !bc.Canceller.IsZero() {
		args = append(args, "canceller", b.Core.Pseudonym(bc.Canceller))
	}
	for _, s := range bot.RecipientStatuses {
		if counts[s] > 0 {
			args = append(args, string(s), counts[s])
		}
	}
	b.Log.Info(msg, args...)
}

// segmentSummary describes a segment for logs: criteria and counts of
// values, no free text.
func segmentSummary(s bot.Segment) string {
	if s.IsZero() {
		return "everyone"
	}
	js, _ := json.Marshal(s)
	return string(js)
}
