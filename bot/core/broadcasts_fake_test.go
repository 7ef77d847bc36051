package core_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
)

// chatPlatform is a hand-written fake chat platform for the broadcast
// tests. It enforces rate limits like a real one (token buckets on the
// injected clock: one for posts, one for opening direct conversations, or
// one for every call when opens is nil), answers 429 with a Retry-After
// when a bucket is empty and, on a share of the calls chosen by a seeded
// source, at random. It can find the messages it holds (SentFinder), and
// can "crash" the caller: after the Nth post is stored, it cancels the
// caller's context and loses the answer (ErrUnknownOutcome).
type chatPlatform struct {
	platform bot.Platform
	clock    *fakeClock
	finder   bool // answer FindSent

	mu          sync.Mutex
	posts       *bucket
	opens       *bucket // nil: opens draw from posts
	random429   float64
	rnd         *rand.Rand
	retryAfter  time.Duration
	msgs        map[string][]stored // by conversation id
	seq         int
	calls       int
	limited     int // 429 answered because a bucket was empty
	randomLimit int // 429 answered at random
	crashAt     int // post number after which to crash (0: never)
	crash       context.CancelFunc
	before      func() error  // called as a post starts (c.mu held)
	next429     time.Duration // answer the next call 429 with this Retry-After
	callTimes   []time.Time
}

type stored struct {
	id   string
	text string
	at   time.Time
}

// bucket is a token bucket on the fake clock.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(perSecond float64, burst int, now time.Time) *bucket {
	return &bucket{rate: perSecond, burst: float64(burst), tokens: float64(burst), last: now}
}

// take takes a token, or says how long until one is there.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

func newChatPlatform(p bot.Platform, clock *fakeClock, seed uint64) *chatPlatform {
	return &chatPlatform{platform: p, clock: clock, finder: true, msgs: map[string][]stored{},
		rnd: rand.New(rand.NewPCG(seed, seed+1)), retryAfter: time.Second}
}

// slackLike: chat.postMessage about 5 per second per workspace (a burst of
// 10), conversations.open 50 per minute (a burst of 5).
func (c *chatPlatform) slackLike() *chatPlatform {
	now := c.clock.Now()
	c.posts, c.opens = newBucket(5, 10, now), newBucket(50.0/60, 5, now)
	return c
}

// mattermostLike: every API call 10 per second, a burst of 100 (the
// server's default when its rate limit is on).
func (c *chatPlatform) mattermostLike() *chatPlatform {
	c.posts, c.opens = newBucket(10, 100, c.clock.Now()), nil
	return c
}

func (c *chatPlatform) Platform() bot.Platform { return c.platform }

func (c *chatPlatform) Run(ctx context.Context, h bot.Handler) error {
	<-ctx.Done()
	return nil
}

func (c *chatPlatform) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	return bot.Conversation{}, bot.ErrGroupSize
}

// limit applies the bucket and the random 429s; c.mu is held.
func (c *chatPlatform) limit(b *bucket) error {
	c.calls++
	now := c.clock.Now()
	c.callTimes = append(c.callTimes, now)
	if d := c.next429; d > 0 {
		c.next429 = 0
		return fmt.Errorf("fake: %w", &bot.RateLimitError{RetryAfter: d})
	}
	if b != nil {
		if ok, wait := b.take(now); !ok {
			c.limited++
			return fmt.Errorf("fake: %w", &bot.RateLimitError{RetryAfter: wait})
		}
	}
	if c.random429 > 0 && c.rnd.Float64() < c.random429 {
		c.randomLimit++
		return fmt.Errorf("fake: %w", &bot.RateLimitError{RetryAfter: c.retryAfter})
	}
	return nil
}

func (c *chatPlatform) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.opens
	if b == nil {
		b = c.posts
	}
	if err := c.limit(b); err != nil {
		return bot.Conversation{}, err
	}
	return bot.Conversation{Platform: c.platform, Workspace: u.Workspace, ID: "D-" + u.User, Kind: bot.Direct}, nil
}

func (c *chatPlatform) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	if err := ctx.Err(); err != nil {
		return bot.SentMessage{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.limit(c.posts); err != nil {
		return bot.SentMessage{}, err
	}
	if c.before != nil {
		if err := c.before(); err != nil {
			return bot.SentMessage{}, err
		}
	}
	c.seq++
	id := strconv.Itoa(c.seq)
	c.msgs[conv.ID] = append(c.msgs[conv.ID], stored{id: id, text: r.Text, at: c.clock.Now()})
	if c.crashAt > 0 && c.seq == c.crashAt && c.crash != nil {
		c.crash()
		return bot.SentMessage{}, fmt.Errorf("fake: connection lost: %w", bot.ErrUnknownOutcome)
	}
	return bot.SentMessage{Conversation: conv, ID: id}, nil
}

// FindSent finds a message with r's text posted to conv at or after since.
func (c *chatPlatform) FindSent(ctx context.Context, conv bot.Conversation, since time.Time, r bot.Reply) (bot.SentMessage, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs[conv.ID] {
		if m.text == r.Text && !m.at.Before(since) {
			return bot.SentMessage{Conversation: conv, ID: m.id}, true, nil
		}
	}
	return bot.SentMessage{}, false, nil
}

// received returns how many messages each user's direct conversation got.
func (c *chatPlatform) received() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for conv, ms := range c.msgs {
		out[conv] = len(ms)
	}
	return out
}

// noFinder hides the SentFinder capability of a chatPlatform.
type noFinder struct{ *chatPlatform }

func (noFinder) FindSent() {} // shadows the method: noFinder is no SentFinder

// virtualSleep advances the fake clock instead of sleeping.
func virtualSleep(clock *fakeClock) func(ctx context.Context, d time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		clock.Advance(d)
		return nil
	}
}
