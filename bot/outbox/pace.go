package outbox

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
	"golang.org/x/time/rate"
)

// pacer is the token buckets of one platform workspace on this replica.
// Its rates are the configured ones divided by the number of replicas
// sending to the workspace, which each counts through the store.
type pacer struct {
	mu          sync.Mutex
	pace        bot.Pace
	post, open  *rate.Limiter // nil: no limit
	share       int
	refreshed   time.Time
	slot        int
	pausedUntil time.Time
	pauseRead   time.Time
}

// Pacing tuning.
const (
	// paceSlots bounds the replicas counted as sharing a workspace.
	paceSlots = 16
	// paceSlotTTL: a replica that stops sending leaves its share after it.
	paceSlotTTL = 45 * time.Second
	// paceRefresh: how often a replica renews its share and counts.
	paceRefresh = 15 * time.Second
	// pauseRead: how often the shared 429 pause is read from the store.
	pauseReadEvery = time.Second
)

func newPacer(p bot.Pace, now time.Time) *pacer {
	pc := &pacer{pace: p, share: 1, slot: -1}
	if p.PostsPerSecond > 0 {
		pc.post = rate.NewLimiter(rate.Limit(p.PostsPerSecond), max(1, p.PostBurst))
		pc.post.SetBurstAt(now, max(1, p.PostBurst))
	}
	if p.OpensPerMinute > 0 {
		pc.open = rate.NewLimiter(rate.Limit(p.OpensPerMinute/60), max(1, p.OpenBurst))
	}
	return pc
}

// setShare divides the rates among n replicas.
func (pc *pacer) setShare(now time.Time, n int) {
	n = max(1, n)
	if n == pc.share {
		return
	}
	pc.share = n
	if pc.post != nil {
		pc.post.SetLimitAt(now, rate.Limit(pc.pace.PostsPerSecond/float64(n)))
		pc.post.SetBurstAt(now, max(1, pc.pace.PostBurst/n))
	}
	if pc.open != nil {
		pc.open.SetLimitAt(now, rate.Limit(pc.pace.OpensPerMinute/60/float64(n)))
		pc.open.SetBurstAt(now, max(1, pc.pace.OpenBurst/n))
	}
}

// workspaceKey names a platform workspace in store keys, without any user
// id.
func workspaceKey(p bot.Platform, workspace string) string {
	return string(p) + ":" + strconv.Itoa(len(workspace)) + ":" + workspace
}

// pacerFor returns this replica's pacer for the workspace of to.
func (b *Outbox) pacerFor(to bot.UserRef) (*pacer, string) {
	key := workspaceKey(to.Platform, to.Workspace)
	b.pacing.mu.Lock()
	defer b.pacing.mu.Unlock()
	if b.pacing.pacers == nil {
		b.pacing.pacers = map[string]*pacer{}
	}
	pc, ok := b.pacing.pacers[key]
	if !ok {
		pc = newPacer(b.Settings.Broadcasts.Pace[to.Platform], b.Clock.Now())
		b.pacing.pacers[key] = pc
	}
	return pc, key
}

// pace waits until this replica may open a conversation (when open) and
// post one message to the workspace of to: the shared pause after a 429
// first, then the token buckets.
func (b *Outbox) Pace(ctx context.Context, to bot.UserRef, open bool) error {
	return b.pace(ctx, to, open, true)
}

// PaceOpen waits until this replica may open a conversation with to, the
// opening alone: the post that follows, later, is paced by Pace(ctx, to,
// false) when it comes (the broadcast engine opens a group's
// conversations, then posts).
func (b *Outbox) PaceOpen(ctx context.Context, to bot.UserRef) error {
	return b.pace(ctx, to, true, false)
}

func (b *Outbox) pace(ctx context.Context, to bot.UserRef, open, post bool) error {
	pc, key := b.pacerFor(to)
	b.refreshShare(ctx, pc, key)
	for {
		until := b.pausedUntil(ctx, pc, key)
		now := b.Clock.Now()
		if !until.After(now) {
			break
		}
		if err := b.sleep(ctx, until.Sub(now)); err != nil {
			return err
		}
	}
	var lims []*rate.Limiter
	pc.mu.Lock()
	switch {
	case open && pc.open != nil:
		lims = append(lims, pc.open)
	case open:
		lims = append(lims, pc.post) // the opening is a call like a post
	}
	if post {
		lims = append(lims, pc.post)
	}
	var wait time.Duration
	now := b.Clock.Now()
	for _, l := range lims {
		if l == nil {
			continue
		}
		// Reservations are taken at once and waited for together: the
		// buckets keep running while this replica sleeps.
		wait = max(wait, l.ReserveN(now, 1).DelayFrom(now))
	}
	pc.mu.Unlock()
	if wait > 0 {
		return b.sleep(ctx, wait)
	}
	return nil
}

// pausedUntil returns until when the workspace is paused after a 429 seen
// by any replica (read from the store at most every second).
func (b *Outbox) pausedUntil(ctx context.Context, pc *pacer, key string) time.Time {
	now := b.Clock.Now()
	pc.mu.Lock()
	if now.Sub(pc.pauseRead) < pauseReadEvery && !pc.pauseRead.IsZero() {
		defer pc.mu.Unlock()
		return pc.pausedUntil
	}
	pc.mu.Unlock()
	until := time.Time{}
	if v, err := b.Store.Value(ctx, "bc:pause:"+key); err == nil {
		if ms, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			until = time.UnixMilli(ms)
		}
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.pauseRead = now
	if until.After(pc.pausedUntil) {
		pc.pausedUntil = until
	}
	return pc.pausedUntil
}

// pauseWorkspace records a 429's Retry-After for every replica.
func (b *Outbox) PauseWorkspace(ctx context.Context, to bot.UserRef, wait time.Duration) {
	wait = max(wait, time.Second)
	pc, key := b.pacerFor(to)
	until := b.Clock.Now().Add(wait)
	pc.mu.Lock()
	if until.After(pc.pausedUntil) {
		pc.pausedUntil = until
	}
	pc.mu.Unlock()
	v := []byte(strconv.FormatInt(until.UnixMilli(), 10))
	if err := b.Store.PutValue(context.WithoutCancel(ctx), "bc:pause:"+key, v, wait+time.Second); err != nil {
		b.Log.Warn("broadcast pause not shared with the other replicas", "platform", string(to.Platform), "err", err)
	}
	b.Log.Warn("broadcast paused by the platform's rate limit", "platform", string(to.Platform), "retry_after", wait)
}

// refreshShare renews this replica's share of the workspace's rate and
// counts the replicas sending to it, every paceRefresh.
func (b *Outbox) refreshShare(ctx context.Context, pc *pacer, key string) {
	now := b.Clock.Now()
	pc.mu.Lock()
	if !pc.refreshed.IsZero() && now.Sub(pc.refreshed) < paceRefresh {
		pc.mu.Unlock()
		return
	}
	pc.refreshed = now
	slot := pc.slot
	pc.mu.Unlock()
	slotKey := func(i int) string { return "bc:pace:" + key + ":" + strconv.Itoa(i) }
	if slot >= 0 {
		if ok, err := b.Store.Claim(ctx, slotKey(slot), b.Replica, paceSlotTTL); err != nil || !ok {
			slot = -1
		}
	}
	for i := 0; slot < 0 && i < paceSlots; i++ {
		if ok, err := b.Store.Claim(ctx, slotKey(i), b.Replica, paceSlotTTL); err == nil && ok {
			slot = i
		}
	}
	n := 1
	if slot >= 0 {
		_ = b.Store.PutValue(ctx, slotKey(slot), []byte(b.Replica), paceSlotTTL)
		n += b.otherSlots(ctx, slot, slotKey)
	}
	pc.mu.Lock()
	pc.slot = slot
	pc.setShare(now, n)
	pc.mu.Unlock()
}

// otherSlots counts the pace slots other than slot held by other
// replicas, read at once where the store can (bot.ValueBatchReader).
func (b *Outbox) otherSlots(ctx context.Context, slot int, slotKey func(int) string) int {
	n := 0
	if br, ok := b.Store.(bot.ValueBatchReader); ok {
		keys := make([]string, 0, paceSlots-1)
		for i := range paceSlots {
			if i != slot {
				keys = append(keys, slotKey(i))
			}
		}
		if vs, err := br.Values(ctx, keys); err == nil {
			for _, v := range vs {
				if v != nil && string(v) != b.Replica {
					n++
				}
			}
			return n
		}
	}
	for i := range paceSlots {
		if i == slot {
			continue
		}
		if v, err := b.Store.Value(ctx, slotKey(i)); err == nil && string(v) != b.Replica {
			n++
		}
	}
	return n
}

// releaseShare gives this replica's share back when it has nothing more
// to send, so that the others speed up at their next refresh.
func (b *Outbox) ReleaseShares(ctx context.Context) {
	b.pacing.mu.Lock()
	pacers := make(map[string]*pacer, len(b.pacing.pacers))
	for k, pc := range b.pacing.pacers {
		pacers[k] = pc
	}
	b.pacing.mu.Unlock()
	for key, pc := range pacers {
		pc.mu.Lock()
		slot := pc.slot
		pc.slot, pc.refreshed = -1, time.Time{}
		pc.mu.Unlock()
		if slot < 0 {
			continue
		}
		k := "bc:pace:" + key + ":" + strconv.Itoa(slot)
		if err := b.Store.ReleaseClaim(ctx, k, b.Replica); err != nil {
			b.Log.Debug("releasing a pace slot", "err", err)
		}
		if err := b.Store.DeleteValue(ctx, k); err != nil {
			b.Log.Debug("releasing a pace slot", "err", err)
		}
	}
}

// Sleep waits d as the pacing does (virtually in tests), or less if ctx
// ends (then it returns ctx's error).
func (b *Outbox) Sleep(ctx context.Context, d time.Duration) error { return b.sleep(ctx, d) }

// sleep waits d, or less if ctx ends (then it returns ctx's error). Tests
// inject a virtual one (Options.Sleep) that advances a fake clock.
func (b *Outbox) sleep(ctx context.Context, d time.Duration) error {
	if b.pacing.sleep != nil {
		return b.pacing.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("waiting: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

// pacing is the replica's pacing of posts: a token bucket per platform
// workspace, and how to wait.
type pacing struct {
	mu     sync.Mutex
	pacers map[string]*pacer // per platform workspace
	sleep  func(ctx context.Context, d time.Duration) error
}
