package core

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
)

// rateSweepEvery is how many admissions pass between two sweeps of the
// idle buckets, so that the map holds only recently active members.
const rateSweepEvery = 4096

// rateLimiter holds the members' buckets.
type rateLimiter struct {
	per     time.Duration // time to earn one token
	burst   float64
	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
	shared  map[string]sharedSlot // the members' next shared slot (takeShared)
}

type bucket struct {
	tokens  float64
	last    time.Time
	noticed bool // the member was told, and has not calmed down since
}

// newRateLimiter returns nil (no limit) when rl.PerMinute is not positive.
func newRateLimiter(rl bot.RateLimit) *rateLimiter {
	if rl.PerMinute <= 0 {
		return nil
	}
	return &rateLimiter{
		per:     time.Minute / time.Duration(rl.PerMinute),
		burst:   float64(max(rl.Burst, 1)),
		buckets: map[string]*bucket{},
	}
}

// take spends a token of key's bucket at now. It reports whether the
// message may go on and, when not, whether this is the first refusal since
// the member last calmed down (they are then told, once).
func (l *rateLimiter) take(key string, now time.Time) (ok, notify bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%rateSweepEvery == 0 {
		l.sweep(now)
	}
	bk := l.buckets[key]
	if bk == nil {
		bk = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = bk
	}
	l.refill(bk, now)
	if bk.tokens >= l.burst {
		bk.noticed = false // calmed down: a later flood is told again
	}
	if bk.tokens >= 1 {
		bk.tokens--
		return true, false
	}
	notify = !bk.noticed
	bk.noticed = true
	return false, notify
}

func (l *rateLimiter) refill(bk *bucket, now time.Time) {
	if el := now.Sub(bk.last); el > 0 {
		bk.tokens = min(l.burst, bk.tokens+float64(el)/float64(l.per))
		bk.last = now
	}
}

// sweep forgets the buckets that are full again: those members are as if
// new.
func (l *rateLimiter) sweep(now time.Time) {
	for k, bk := range l.buckets {
		l.refill(bk, now)
		if bk.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// admit applies the rate limit to a message addressed to the bot (a direct
// message, a mention or a click; group chatter the core ignores anyway is
// not counted). A refused message is dropped; the first refusal of a flood
// gets the notice "ops.rate_limited".
func (b *Bot) admit(ctx context.Context, m bot.Message, lang bot.Lang) bool {
	if b.limiter == nil || (m.Choice == nil && m.Conversation.Kind != bot.Direct && !m.Mention) {
		return true
	}
	now := b.Clock.Now()
	ok, notify := b.limiter.take(m.From.Key(), now)
	if ok && b.sharedLimit {
		ok, notify = b.takeShared(ctx, m.From, now)
	}
	if ok {
		return true
	}
	b.Obs.Error(bot.ErrorKindRateLimited)
	if notify {
		b.Log.Warn("member over the message rate limit: messages dropped until they slow down",
			"member", b.Pseudonym(m.From))
		b.send(ctx, m.Conversation, bot.Reply{Text: b.Cat.T(string(lang), "ops.rate_limited")})
	}
	return false
}

// sharedWindow is the window of the limit shared by the replicas.
const sharedWindow = time.Minute

// takeShared applies the limit across the replicas sharing the store
// (Options.SharedRateLimit): at most max(PerMinute, Burst) messages of a
// member per minute, whichever replica receives them. Each admitted
// message takes one numbered slot of the member's minute (Store.FirstSeen,
// under a keyed hash of the member); the replica remembers the next free
// slot, so a member costs one store call a message, and none once their
// minute is full. A store error admits the message (the store's outage is
// answered elsewhere).
func (b *Bot) takeShared(ctx context.Context, from bot.UserRef, now time.Time) (ok, notify bool) {
	l := b.limiter
	limit := max(int(time.Minute/l.per), int(l.burst))
	window := now.Truncate(sharedWindow)
	key := from.Key()
	l.mu.Lock()
	if l.shared == nil || len(l.shared) > rateSweepEvery {
		l.shared = map[string]sharedSlot{}
	}
	slot := l.shared[key]
	if !slot.window.Equal(window) {
		slot = sharedSlot{window: window}
	}
	l.mu.Unlock()
	base := "rate:" + b.Outbox.RefHash(from) + ":" + strconv.FormatInt(window.Unix(), 10) + ":"
	for slot.next < limit {
		first, err := b.Store.FirstSeen(ctx, base+strconv.Itoa(slot.next), 2*sharedWindow)
		slot.next++
		if err != nil {
			b.Log.Debug("shared rate limit not checked", "member", b.Pseudonym(from), "err", err)
			ok = true
			break
		}
		if first {
			ok = true
			break
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shared[key] = slot
	bk := l.buckets[key]
	if ok || bk == nil {
		return ok, false
	}
	notify = !bk.noticed
	bk.noticed = true
	return false, notify
}

// sharedSlot is where a member's next free slot of the shared limit is
// looked for.
type sharedSlot struct {
	window time.Time
	next   int
}
