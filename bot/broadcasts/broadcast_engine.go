package broadcasts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
//     a time (a lease it extends before each send) and, for its pending
//     recipients, by groups of up to 16 (sendGroup), writes "sending" with
//     a compare and swap BEFORE posting, then "sent" with the platform's
//     message id, or "failed" with the reason (one store write for the
//     group's marks, one for their outcomes). The swap makes one replica,
//     and only one, post to a recipient, whatever the leases do;
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
	// group is the size of the next group of recipients (see sendGroup).
	group atomic.Int32
}

// pass is what one pass over a broadcast's batches found.
type pass struct {
	// held is the earliest time a held recipient may be sent.
	held time.Time
	// busy: something was sent or tried, or a batch was another
	// replica's: the next tick looks again.
	busy bool
	// run and queue are reused from one batch to the next (sendBatch
	// keeps nothing of them once it returns).
	run   *batchRun
	queue []item
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
	// progressEvery: how often a replica sending counts a broadcast's
	// progress (see sendBatches).
	progressEvery = 15 * time.Second
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
	// The recipients are listed in the order of their direct
	// conversations' cache keys (Outbox.DirectOrder): a group's are then
	// cached under neighbouring keys (a few store pages written, not one
	// each).
	type listed struct {
		order  string
		ref    bot.UserRef
		reason string // why skipped; "" when pending
	}
	var all []listed
	each := b.store.Members
	if l, ok := b.store.(bot.SegmentMemberLister); ok {
		each = l.SegmentMembers // only what sel and excluded read
	}
	err = each(ctx, func(m bot.Member) error {
		if !sel.matches(m) {
			return nil
		}
		all = append(all, listed{order: b.Core.Outbox.DirectOrder(m.Ref), ref: m.Ref, reason: b.excluded(m, bc)})
		return nil
	})
	slices.SortStableFunc(all, func(a, b listed) int { return strings.Compare(a.order, b.order) })
	total := 0
	chunk := make([]bot.Recipient, 0, min(len(all), listChunk))
	for i := 0; err == nil && i < len(all); i += listChunk {
		chunk = chunk[:0]
		for _, l := range all[i:min(i+listChunk, len(all))] {
			r := bot.Recipient{Ref: l.ref, Status: bot.RecipientPending}
			if l.reason != "" {
				r.Status, r.Reason = bot.RecipientSkipped, l.reason
			}
			chunk = append(chunk, r)
		}
		if ok, cerr := b.store.Claim(ctx, claim, token, b.Settings.Broadcasts.Lease()); cerr != nil || !ok {
			err = fmt.Errorf("lost the claim to list the recipients: %w", cerr)
			break
		}
		if _, total, err = b.store.AddRecipients(ctx, bc.ID, chunk); err != nil {
			err = fmt.Errorf("listing recipients: %w", err)
		}
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
	// Progress (the author's quarters, the metrics) is counted after the
	// first batch worked on, then at most every progressEvery and after
	// the last: counting reads every recipient, and after each batch it
	// would cost the square of the broadcast's size.
	var reported time.Time
	unreported := false
	defer func() {
		if unreported && ctx.Err() == nil {
			b.reportProgress(ctx, bc.ID)
		}
	}()
	for i := range n {
		k := (start + i) % n
		stop, worked, err := b.sendBatch(ctx, bc, k, size, p)
		if err != nil || stop {
			return err
		}
		unreported = unreported || worked
		if now := b.Clock.Now(); unreported && (reported.IsZero() || now.Sub(reported) >= progressEvery) {
			b.reportProgress(ctx, bc.ID)
			reported, unreported = now, false
		}
	}
	return nil
}

// sendGroup: how many recipients, at most, are marked "sending" in one
// store write before their posts, their outcomes then written in one more
// (one transaction or MULTI each, where the store is a
// bot.RecipientBatchWriter). Groups start at one recipient and double
// after each group written without a store error, up to sendGroup; any
// store error brings them back to one. A replica killed part-way through
// a group leaves up to this many recipients "sending": the next owner of
// the batch reconciles them on the platform (Slack, Mattermost) or
// reports them "unknown". A replica stopped, or whose store fails for a
// moment, puts the recipients it did not post to back to pending while its
// lease holds (after, the batch's next owner may have marked them itself);
// one that lost its lease leaves them to the next owner.
const sendGroup = 16

// outcomeRetry: how long the outcomes of a group's posts are written again
// while the store cannot be reached.
const outcomeRetry = 10 * time.Second

// groupSize returns the size of the next group.
func (s *broadcastState) groupSize() int { return int(max(1, s.group.Load())) }

// grouped adapts the group size after a group: doubled when its writes
// went through, back to one after a store error.
func (s *broadcastState) grouped(err error) {
	if err != nil && errors.Is(err, bot.ErrUnavailable) {
		s.group.Store(1)
		return
	}
	if err == nil {
		s.group.Store(int32(min(2*s.groupSize(), sendGroup)))
	}
}

// item is a recipient on its way through a batch.
type item struct {
	r    bot.Recipient
	conv bot.Conversation
	// m is the member as read when the recipient was prepared.
	m *bot.Member
	// retried: to be sent in a conversation opened anew (the cached one
	// was gone).
	retried bool
	// tries counts the 429s met.
	tries int
	// cached is the direct conversation cached when the batch was read
	// (zero when none, or once it was found gone).
	cached bot.Conversation
	// pre is the member read with the others of their group
	// (prefetchMembers) when prefetched; a zero Ref when there was none.
	pre        bot.Member
	prefetched bool
}

// recipientWriter gathers the recipient swaps of one broadcast to write
// them together.
type recipientWriter struct {
	store Store
	id    string
	swaps []bot.RecipientSwap
}

// revert gathers the swap putting r, marked "sending" and not posted to,
// back to pending.
func (w *recipientWriter) revert(r bot.Recipient) {
	r.Status, r.Sending = bot.RecipientPending, time.Time{}
	w.add(bot.RecipientSending, r)
}

// backToPending reports whether sw puts back to pending a recipient
// marked "sending" (nothing was posted to them).
func backToPending(sw bot.RecipientSwap) bool {
	return sw.From == bot.RecipientSending && sw.Rec.Status == bot.RecipientPending
}

// add gathers a swap and returns its position in the next flush.
func (w *recipientWriter) add(from bot.RecipientStatus, r bot.Recipient) int {
	w.swaps = append(w.swaps, bot.RecipientSwap{From: from, Rec: r})
	return len(w.swaps) - 1
}

// flush writes the swaps gathered, in one call when the store can, and
// reports which took place.
func (w *recipientWriter) flush(ctx context.Context) ([]bool, error) {
	swaps := w.swaps
	w.swaps = w.swaps[:0] // the stores keep nothing of a call's slice
	if len(swaps) == 0 {
		return nil, nil
	}
	if bw, ok := w.store.(bot.RecipientBatchWriter); ok {
		return bw.SetRecipients(ctx, w.id, swaps)
	}
	done := make([]bool, len(swaps))
	for i, sw := range swaps {
		ok, err := w.store.SetRecipient(ctx, w.id, sw.From, sw.Rec)
		if err != nil {
			return done, err
		}
		done[i] = ok
	}
	return done, nil
}

// batchRun is one replica's work on one claimed batch.
type batchRun struct {
	claim, token string
	// members holds the members of the group being prepared, as read
	// (item.m points into it; a group has at most sendGroup items).
	members   [sendGroup]bot.Member
	lease     time.Duration
	cur       bot.Broadcast // as last read
	extended  time.Time     // when the lease was last extended
	read      time.Time     // when cur was read
	sinceRead int
	w         recipientWriter
	// storeErr is a store error met and got over during the group.
	storeErr error
	// lost: the lease was lost (another replica may own the batch now).
	lost bool
	// The direct conversations opened, to cache together.
	openedRefs  []bot.UserRef
	openedConvs []bot.Conversation
	// prefetchMembers' buffers, and settle's.
	preRefs   []bot.UserRef
	preAt     []int
	settleBuf []bot.RecipientSwap
}

// cacheOpened caches the direct conversations opened since the last call.
func (b *Feature) cacheOpened(ctx context.Context, s *batchRun) {
	if len(s.openedRefs) > 0 {
		b.Core.Outbox.CacheDirects(ctx, s.openedRefs, s.openedConvs)
		s.openedRefs, s.openedConvs = s.openedRefs[:0], s.openedConvs[:0]
	}
}

// flushMarks writes the swaps gathered while preparing a group (its
// marks), with the direct conversations opened for it in the same write
// when the store can (bot.RecipientValueWriter), else cached just before.
// Should the write fail, the conversations stay to be cached when the
// batch ends.
func (b *Feature) flushMarks(ctx context.Context, s *batchRun) ([]bool, error) {
	vw, ok := b.store.(bot.RecipientValueWriter)
	if !ok || len(s.openedRefs) == 0 || len(s.w.swaps) == 0 {
		b.cacheOpened(ctx, s)
		return s.w.flush(ctx)
	}
	kvs, ttl := b.Core.Outbox.DirectEntries(s.openedRefs, s.openedConvs)
	swaps := s.w.swaps
	s.w.swaps = s.w.swaps[:0] // the stores keep nothing of a call's slice
	done, err := vw.SetRecipientsValues(ctx, s.w.id, swaps, kvs, ttl)
	if err == nil {
		s.openedRefs, s.openedConvs = s.openedRefs[:0], s.openedConvs[:0]
	}
	return done, err
}

// keep extends the batch's lease when a quarter of it has passed; false
// when it is lost (the batch's new owner goes on).
func (b *Feature) keep(ctx context.Context, s *batchRun) (bool, error) {
	now := b.Clock.Now()
	if now.Sub(s.extended) < s.lease/4 {
		return true, nil
	}
	ok, err := b.store.Claim(ctx, s.claim, s.token, s.lease)
	if err != nil || !ok {
		s.lost = s.lost || err == nil
		return false, err
	}
	s.extended = now
	return true, nil
}

// running rereads the broadcast every second or every ten recipients, so
// that a cancellation stops it within a second's worth of messages, and
// reports whether it still runs.
func (b *Feature) running(ctx context.Context, s *batchRun) (bool, error) {
	now := b.Clock.Now()
	if now.Sub(s.read) >= time.Second || s.sinceRead >= 10 {
		cur, err := b.store.Broadcast(ctx, s.cur.ID)
		if err != nil {
			return false, fmt.Errorf("reading broadcast: %w", err)
		}
		s.cur, s.read, s.sinceRead = cur, now, 0
	}
	s.sinceRead++
	return s.cur.State == bot.BroadcastRunning, nil
}

// sendBatch sends to the pending recipients of batch k if this replica
// claims it; it reports stop when the broadcast was cancelled. The
// recipients go by groups (sendGroup): prepared (member read, working
// hours, conversation opened), marked "sending" together, posted one by
// one at the pace, and their outcomes written together.
func (b *Feature) sendBatch(ctx context.Context, bc bot.Broadcast, k, size int, p *pass) (stop, worked bool, err error) {
	if p.run == nil {
		p.run = &batchRun{w: recipientWriter{swaps: make([]bot.RecipientSwap, 0, 2*sendGroup)}}
	}
	s := p.run
	*s = batchRun{
		claim: "bc:batch:" + bc.ID + ":" + strconv.Itoa(k), token: b.Core.ClaimToken(),
		lease: b.Settings.Broadcasts.Lease(), cur: bc, extended: b.Clock.Now(),
		w:           recipientWriter{store: b.store, id: bc.ID, swaps: s.w.swaps[:0]},
		openedRefs:  s.openedRefs[:0],
		openedConvs: s.openedConvs[:0],
		preRefs:     s.preRefs[:0], preAt: s.preAt[:0], settleBuf: s.settleBuf[:0],
	}
	got, err := b.store.Claim(ctx, s.claim, s.token, s.lease)
	if err != nil || !got {
		p.busy = true
		return false, worked, err
	}
	defer func() {
		if err := b.store.ReleaseClaim(context.WithoutCancel(ctx), s.claim, s.token); err != nil {
			b.Log.Warn("releasing a batch claim", "broadcast", bc.ID, "err", err)
		}
	}()
	recs, err := b.store.Recipients(ctx, bc.ID, k*size, min((k+1)*size, bc.Total))
	if err != nil {
		return false, false, fmt.Errorf("reading recipients: %w", err)
	}
	recs = slices.DeleteFunc(recs, func(r bot.Recipient) bool { return r.Status.Final() })
	// The direct conversations cached, read at once (a cache: one gone
	// since is opened anew when the post finds it gone).
	cached := b.Core.Outbox.CachedDirects(ctx, recs)
	queue := p.queue[:0]
	for i, r := range recs {
		queue = append(queue, item{r: r, cached: cached[i]})
	}
	p.queue = queue[:0]
	defer b.cacheOpened(context.WithoutCancel(ctx), s)
	group := make([]item, 0, sendGroup)
	marks := make([]int, 0, sendGroup)
	for len(queue) > 0 {
		// Prepare a group (postGroup keeps nothing of the last one).
		size := b.bc.groupSize()
		group, marks = group[:0], marks[:0]
		b.prefetchMembers(ctx, s, queue, size)
		for len(queue) > 0 && len(group) < size {
			it := queue[0]
			queue = queue[1:]
			if it.r.Status == bot.RecipientPending && it.r.NotBefore.After(b.Clock.Now()) {
				p.hold(it.r.NotBefore) // waits for their working hours
				continue
			}
			if ctx.Err() != nil {
				return true, worked, nil // nothing marked yet: all stay as they are
			}
			p.busy = true
			if ok, err := b.keep(ctx, s); err != nil || !ok {
				return false, worked, err
			}
			if it.r.Status == bot.RecipientSending {
				// Left by a replica that died (or a post whose answer
				// was lost): settle it; if it was not posted, send it.
				if it.r, err = b.reconcile(ctx, s.cur, it.r); err != nil {
					return false, worked, err
				}
			}
			if it.r.Status != bot.RecipientPending {
				worked = true
				continue
			}
			ready, err := b.prepare(ctx, s, &it, &s.members[len(group)])
			if errors.Is(err, errRetry) {
				// A 429 opening the conversation: again once the
				// pause is over (pace waits for it), a few times at most.
				if it.tries++; it.tries < 5 {
					queue = append([]item{it}, queue...)
				}
				continue
			}
			if err != nil {
				return false, worked, err
			}
			worked = true
			if ready {
				group = append(group, it)
				marks = append(marks, s.w.add(bot.RecipientPending, it.r))
			}
		}
		// Mark the group "sending" (and write what preparing decided).
		done, err := b.flushMarks(ctx, s)
		if err != nil {
			b.bc.grouped(err)
			if errors.Is(err, bot.ErrUnavailable) {
				// Written or not (a failover may lose the answer, or
				// the replicas' acknowledgement): nothing was posted,
				// so pending again.
				for _, it := range group {
					s.w.revert(it.r)
				}
				if rerr := b.settle(ctx, s); rerr != nil {
					b.Log.Warn("putting broadcast recipients back to pending", "broadcast", bc.ID, "err", rerr)
				}
			}
			return false, worked, fmt.Errorf("recording recipients: %w", err)
		}
		mine := group[:0] // in place: group is not read again
		for i, it := range group {
			if done[marks[i]] {
				mine = append(mine, it) // else taken by another replica
			}
		}
		// Post to each, then write the outcomes.
		stop, requeue, err := b.postGroup(ctx, s, mine)
		ferr := b.settle(ctx, s)
		if err == nil && ferr != nil {
			// Left "sending": the batch's next owner reconciles them.
			err = fmt.Errorf("recording sent messages: %w", ferr)
		}
		b.bc.grouped(cmp.Or(ferr, s.storeErr, err))
		s.storeErr = nil
		if err != nil || stop {
			return stop, worked, err
		}
		if len(requeue) > 0 {
			queue = append(requeue, queue...)
		}
	}
	return false, worked, nil
}

// settle writes the swaps gathered after posts (outcomes, recipients put
// back to pending), trying again for a while when the store cannot be
// reached (a failover): until they are written the group's recipients
// stay "sending", and those not posted to would end "unknown". Putting a
// recipient back to pending is tried only while the lease holds (once it
// lapses, the batch's next owner may mark the recipient itself); the
// outcomes of posts, which only settle what happened, for up to
// outcomeRetry.
func (b *Feature) settle(ctx context.Context, s *batchRun) error {
	ctx = context.WithoutCancel(ctx)
	leaseEnd := s.extended.Add(s.lease / 2)
	if s.lost || !b.Clock.Now().Before(leaseEnd) {
		// Left "sending": the batch's next owner settles them.
		s.w.swaps = slices.DeleteFunc(s.w.swaps, backToPending)
	}
	swaps := append(s.settleBuf[:0], s.w.swaps...) // to write again
	s.settleBuf = swaps
	deadline := b.Clock.Now().Add(outcomeRetry)
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		_, err := s.w.flush(ctx)
		if err == nil || !errors.Is(err, bot.ErrUnavailable) {
			return err
		}
		next := b.Clock.Now().Add(wait)
		if next.After(leaseEnd) {
			// Left "sending": the batch's next owner settles them.
			swaps = slices.DeleteFunc(swaps, backToPending)
		}
		if len(swaps) == 0 || next.After(deadline) {
			return err
		}
		b.Log.Warn("recording broadcast recipients; trying again", "broadcast", s.cur.ID, "err", err)
		if err := b.Core.Outbox.Sleep(ctx, wait); err != nil {
			return err
		}
		s.w.swaps = append(s.w.swaps[:0], swaps...)
	}
}

// postGroup posts to the recipients marked "sending", gathering their
// outcomes in s.w; it returns the recipients to try again (a 429, a
// conversation gone), and stop when the broadcast was cancelled or the
// context ended. The recipients it did not post to are put back to
// pending.
func (b *Feature) postGroup(ctx context.Context, s *batchRun, group []item) (stop bool, requeue []item, err error) {
	for i := range group {
		it := &group[i]
		var goOn bool
		if ctx.Err() == nil {
			// The group is marked: a store out of reach for a moment (a
			// failover) does not stop the posts while the lease holds.
			goOn, err = b.running(ctx, s)
			if errors.Is(err, bot.ErrUnavailable) {
				s.storeErr, goOn, err = err, true, nil
			}
			if err == nil && goOn {
				goOn, err = b.keep(ctx, s)
				if errors.Is(err, bot.ErrUnavailable) && b.Clock.Now().Before(s.extended.Add(s.lease/2)) {
					s.storeErr, goOn, err = err, true, nil
				}
			}
			if err == nil && goOn {
				err = b.Core.Outbox.Pace(ctx, it.r.Ref, false)
			}
		}
		if ctx.Err() != nil || err != nil || !goOn {
			// Nothing posted to these: pending again.
			for _, rest := range group[i:] {
				s.w.revert(rest.r)
			}
			if ctx.Err() != nil {
				return true, nil, nil
			}
			return s.cur.State != bot.BroadcastRunning, nil, err
		}
		again, err := b.post(ctx, s, it)
		if err != nil {
			for _, rest := range group[i+1:] {
				s.w.revert(rest.r)
			}
			return false, nil, err
		}
		if again {
			requeue = append(requeue, *it)
		}
	}
	return false, requeue, nil
}

// prepare readies a pending recipient for its post: reads the member,
// checks they still receive it and their working hours, opens the direct
// conversation (paced) if none is known. It reports ready when the
// recipient is to be marked "sending" (it.r is then the record to
// write); otherwise what it decided is gathered in s.w. Errors returned
// stop this replica's work (store failures, shutdown), and errRetry asks
// for another try after a 429. The member read is kept in slot (it.m
// points to it).
func (b *Feature) prepare(ctx context.Context, s *batchRun, it *item, slot *bot.Member) (ready bool, err error) {
	r, bc := it.r, s.cur
	now := b.Clock.Now()
	var m bot.Member
	switch {
	case it.prefetched && it.pre.Ref.IsZero():
		err = bot.ErrNotFound
	case it.prefetched:
		m = it.pre
	default:
		m, err = b.deliveryMember(ctx, r.Ref)
	}
	switch {
	case errors.Is(err, bot.ErrNotFound):
		b.skip(s, r, "erased")
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading a recipient: %w", err)
	}
	if reason := b.excluded(m, bc); reason != "" {
		b.skip(s, r, reason)
		return false, nil
	}
	*slot = m
	it.m = slot
	if !bc.Urgent {
		if open := b.Core.Outbox.NextWindow(ctx, r.Ref, b.Core.Outbox.MemberLocation(m), now); open.After(now) {
			r.NotBefore = open
			s.w.add(bot.RecipientPending, r)
			return false, nil
		}
	}
	a, ok := b.Adapters[r.Ref.Platform]
	if !ok {
		b.fail(s, r, bot.RecipientPending, "no_adapter")
		return false, nil
	}
	conv := it.cached // looked up with the batch
	if r.Conversation != "" {
		conv = b.Core.Outbox.CachedDirect(ctx, r) // the recipient's own
	}
	if conv.ID == "" {
		// The opening is paced now, the post when it comes.
		if err := b.Core.Outbox.PaceOpen(ctx, r.Ref); err != nil {
			return false, err
		}
		// Opening the conversation posts nothing: done before the
		// recipient is marked, and safe to repeat.
		opener, ok := a.(bot.DirectOpener)
		if !ok {
			b.fail(s, r, bot.RecipientPending, "no_direct_messages")
			return false, nil
		}
		c, err := opener.OpenDirect(ctx, r.Ref)
		if err != nil {
			return false, b.openFailed(ctx, s, r, err)
		}
		conv = c
		s.openedRefs, s.openedConvs = append(s.openedRefs, r.Ref), append(s.openedConvs, c)
	}
	it.conv = conv
	// Recorded before the post, with the conversation: a recipient found
	// "sending" may have been posted to, which only the platform can tell.
	r.Status, r.Sending, r.Conversation = bot.RecipientSending, b.Clock.Now(), conv.ID
	it.r = r
	return true, nil
}

// prefetchMembers reads at once (bot.DeliveryMemberReader) the members
// of the next n recipients of queue to prepare (pending, not held), so
// that preparing a group reads the store once rather than once a
// recipient. Consent is read again just before each post, so a change
// made while the group is prepared is still seen. Where the store cannot,
// or the read fails, each member is read when prepared.
func (b *Feature) prefetchMembers(ctx context.Context, s *batchRun, queue []item, n int) {
	dr, ok := b.store.(bot.DeliveryMemberReader)
	if !ok || n < 2 {
		return
	}
	now := b.Clock.Now()
	refs, at := s.preRefs[:0], s.preAt[:0]
	for i := 0; i < len(queue) && len(refs) < n; i++ {
		it := &queue[i]
		if it.prefetched || it.r.Status != bot.RecipientPending || it.r.NotBefore.After(now) {
			continue
		}
		refs, at = append(refs, it.r.Ref), append(at, i)
	}
	s.preRefs, s.preAt = refs, at
	if len(refs) < 2 {
		return
	}
	// Read into s.members (n is at most a group), copied into the items
	// before the group's preparation uses them as its slots.
	ms := s.members[:len(refs)]
	if err := dr.DeliveryMembers(ctx, refs, ms); err != nil {
		return
	}
	for j, i := range at {
		queue[i].pre, queue[i].prefetched = ms[j], true
	}
}

// deliveryMember reads what the delivery reads of a member
// (bot.DeliveryView: consent, working hours, the message's rendering),
// decoding only that where the store can.
func (b *Feature) deliveryMember(ctx context.Context, ref bot.UserRef) (bot.Member, error) {
	if r, ok := b.store.(bot.DeliveryMemberReader); ok {
		return r.DeliveryMember(ctx, ref)
	}
	return b.store.Member(ctx, ref)
}

// memberConsent reads whether a member still receives broadcasts
// (bot.ConsentView is what excluded reads), decoding only that where the
// store can.
func (b *Feature) memberConsent(ctx context.Context, ref bot.UserRef) (bot.Member, error) {
	if r, ok := b.store.(bot.DeliveryMemberReader); ok {
		return r.MemberConsent(ctx, ref)
	}
	return b.store.Member(ctx, ref)
}

// post sends the broadcast to one recipient marked "sending" and gathers
// the outcome in s.w; again asks for another try (a 429, or the cached
// conversation was gone: once more in a conversation opened anew).
func (b *Feature) post(ctx context.Context, s *batchRun, it *item) (again bool, err error) {
	r := it.r
	// Consent read again just before the post: a member who erased their
	// data or declined announcements since the group was prepared is
	// skipped. The message is rendered from the member as read then.
	c, err := b.memberConsent(ctx, r.Ref)
	if errors.Is(err, bot.ErrUnavailable) {
		// The store is out of reach for a moment (a failover): the
		// recipient is marked, so the post is safe; the member as read
		// when the group was prepared will do.
		c, err = *it.m, nil
	}
	switch {
	case errors.Is(err, bot.ErrNotFound):
		r.Conversation = "" // as the erasure left it
		b.skipSending(s, r, "erased")
		return false, nil
	case err != nil:
		r.Status, r.Sending = bot.RecipientPending, time.Time{}
		s.w.add(bot.RecipientSending, r) // not posted
		return false, fmt.Errorf("reading a recipient: %w", err)
	}
	if reason := b.excluded(c, s.cur); reason != "" {
		b.skipSending(s, r, reason)
		return false, nil
	}
	a := b.Adapters[r.Ref.Platform]
	sent, err := a.Send(ctx, it.conv, b.broadcastReply(s.cur, *it.m))
	if err != nil && !it.retried && b.Core.Outbox.ForgetGoneDirect(ctx, a, r.Ref, sent, err) {
		// Nothing posted: pending again, without the gone conversation.
		r.Status, r.Sending, r.Conversation = bot.RecipientPending, time.Time{}, ""
		s.w.add(bot.RecipientSending, r)
		it.r, it.retried, it.cached = r, true, bot.Conversation{}
		return true, nil
	}
	if err != nil {
		return b.sendFailed(ctx, s, it, err)
	}
	r.Status, r.Message = bot.RecipientSent, sent.ID
	s.w.add(bot.RecipientSending, r)
	return false, nil
}

// openFailed records a failed open of the direct conversation, for a
// recipient still pending (nothing was posted).
func (b *Feature) openFailed(ctx context.Context, s *batchRun, r bot.Recipient, err error) error {
	if errors.Is(err, bot.ErrRateLimited) {
		b.Core.Outbox.PauseWorkspace(ctx, r.Ref, bot.RetryAfter(err))
		return errRetry
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.Attempts++
	b.Log.Warn("opening a direct conversation for a broadcast failed", "broadcast", s.cur.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
	if r.Attempts < b.Settings.Broadcasts.Attempts() && !permanent(err) {
		r.Reason = reasonOf(err)
		s.w.add(bot.RecipientPending, r)
		return nil
	}
	b.fail(s, r, bot.RecipientPending, reasonOf(err))
	return nil
}

// sendFailed records a failed post.
func (b *Feature) sendFailed(ctx context.Context, s *batchRun, it *item, err error) (again bool, _ error) {
	r := it.r
	switch {
	case errors.Is(err, bot.ErrRateLimited):
		// A 429: the call was not carried out. Pause every replica and
		// put the recipient back, to try again once the pause is over
		// (pace waits for it), a few times at most.
		b.Core.Outbox.PauseWorkspace(ctx, r.Ref, bot.RetryAfter(err))
		r.Status, r.Sending = bot.RecipientPending, time.Time{}
		s.w.add(bot.RecipientSending, r)
		it.r = r
		it.tries++
		return it.tries < 5, nil
	case errors.Is(err, bot.ErrUnknownOutcome) || ctx.Err() != nil:
		// Posted or not: never post again blindly.
		b.Log.Warn("broadcast post with an unknown outcome", "broadcast", s.cur.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
		if ctx.Err() != nil {
			return false, ctx.Err() // left "sending": reconciled at the next run
		}
		_, err := b.reconcile(context.WithoutCancel(ctx), s.cur, r)
		return false, err
	}
	r.Attempts++
	reason := reasonOf(err)
	if r.Attempts < b.Settings.Broadcasts.Attempts() && !permanent(err) {
		b.Log.Warn("broadcast send failed; will retry", "broadcast", s.cur.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
		r.Status, r.Reason = bot.RecipientPending, reason
		s.w.add(bot.RecipientSending, r)
		return false, nil
	}
	b.Log.Warn("broadcast send failed", "broadcast", s.cur.ID, "member", b.Core.Pseudonym(r.Ref), "err", err)
	b.fail(s, r, bot.RecipientSending, reason)
	return false, nil
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

// skipSending gathers the record of a recipient marked "sending" and
// skipped before the post.
func (b *Feature) skipSending(s *batchRun, r bot.Recipient, reason string) {
	r.Status, r.Reason, r.Sending = bot.RecipientSkipped, reason, time.Time{}
	s.w.add(bot.RecipientSending, r)
}

// fail gathers a failed recipient's record.
func (b *Feature) fail(s *batchRun, r bot.Recipient, from bot.RecipientStatus, reason string) {
	r.Status, r.Reason = bot.RecipientFailed, reason
	s.w.add(from, r)
}

// skip gathers a skipped recipient's record.
func (b *Feature) skip(s *batchRun, r bot.Recipient, reason string) {
	r.Status, r.Reason = bot.RecipientSkipped, reason
	s.w.add(bot.RecipientPending, r)
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
	m, err := b.deliveryMember(ctx, r.Ref)
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
