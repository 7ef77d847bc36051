package core

import (
	"context"
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
	ok, notify := b.limiter.take(m.From.Key(), b.Clock.Now())
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
