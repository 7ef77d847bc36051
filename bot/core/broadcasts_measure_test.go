package core_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// paceCase is one measured delivery: 1,600 members against the fake
// platform, on a virtual clock.
type paceCase struct {
	name      string
	platform  bot.Platform
	random429 float64
	warm      bool // a second broadcast: direct conversations known
}

// floor is the shortest time the fake's limits allow for n recipients:
// each bucket's tokens beyond its burst at its rate.
func (pc paceCase) floor(n int) time.Duration {
	sec := func(calls, burst int, perSecond float64) float64 { return float64(max(0, calls-burst)) / perSecond }
	var s float64
	switch pc.platform {
	case bot.PlatformSlack:
		s = sec(n, 10, 5)
		if !pc.warm {
			s = max(s, sec(n, 5, 50.0/60))
		}
	default:
		calls := n
		if !pc.warm {
			calls = 2 * n // open the direct channel, then post
		}
		s = sec(calls, 100, 10)
	}
	return time.Duration(s * float64(time.Second))
}

type paceResult struct {
	virtual, floor, real time.Duration
	calls, limited, rnd  int
}

func (r paceResult) ratio() float64 { return r.virtual.Seconds() / r.floor.Seconds() }

// measurePace delivers one broadcast (two when warm: the first fills the
// direct conversation cache) to n members and returns the second's
// figures.
func measurePace(t testing.TB, pc paceCase, n int) paceResult {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
	srv := miniredis.RunT(t)
	store, err := redis.Open(context.Background(), "redis://"+srv.Addr()+"/0", redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	chat := newChatPlatform(pc.platform, clock, 42)
	if pc.platform == bot.PlatformSlack {
		chat.slackLike()
	} else {
		chat.mattermostLike()
	}
	f := newFleet(t, store, clock, chat)
	f.members(n, func(i int) bot.UserRef {
		return bot.UserRef{Platform: pc.platform, Workspace: "W1", User: fmt.Sprintf("u%05d", i)}
	})
	b := f.bot("a")
	if pc.warm {
		first := f.submit(b, core.BroadcastDraft{})
		f.runUntilDone(first.ID, b)
		clock.Advance(time.Hour) // the platform's buckets fill up again
	}
	chat.mu.Lock()
	chat.random429, chat.calls, chat.limited, chat.randomLimit = pc.random429, 0, 0, 0
	chat.mu.Unlock()
	bc := f.submit(b, core.BroadcastDraft{})
	start, realStart := clock.Now(), time.Now()
	f.runUntilDone(bc.ID, b)
	res := paceResult{virtual: clock.Now().Sub(start), real: time.Since(realStart), floor: pc.floor(n)}
	chat.mu.Lock()
	res.calls, res.limited, res.rnd = chat.calls, chat.limited, chat.randomLimit
	chat.mu.Unlock()
	want := 1
	if pc.warm {
		want = 2
	}
	f.exactly(f.refsOf(n, pc.platform), want)
	return res
}

func (f *fleet) refsOf(n int, p bot.Platform) []bot.UserRef {
	out := make([]bot.UserRef, n)
	for i := range out {
		out[i] = bot.UserRef{Platform: p, Workspace: "W1", User: fmt.Sprintf("u%05d", i)}
	}
	return out
}

// The time to deliver to 1,600 members with Slack-like and Mattermost-like
// limits, as a ratio to the floor the limits impose (logged, not asserted:
// run with -v to read the figures). What is checked: never faster than
// the floor (the limits are kept), and exactly one message each.
func TestBroadcastPaceFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 1,600-member deliveries")
	}
	for _, pc := range []paceCase{
		{name: "slack, first broadcast (conversations.open 50/min)", platform: bot.PlatformSlack},
		{name: "slack, direct conversations cached", platform: bot.PlatformSlack, warm: true},
		{name: "slack, cached, 1% random 429 (Retry-After 1 s)", platform: bot.PlatformSlack, warm: true, random429: 0.01},
		{name: "mattermost, first broadcast (open + post, 10/s)", platform: bot.PlatformMattermost},
		{name: "mattermost, direct channels cached", platform: bot.PlatformMattermost, warm: true},
	} {
		t.Run(pc.name, func(t *testing.T) {
			r := measurePace(t, pc, 1600)
			t.Logf("1,600 members: %s virtual against a floor of %s: ratio %.3f; %s real; %d calls, %d answered 429 for an empty bucket, %d at random",
				r.virtual.Round(time.Second), r.floor.Round(time.Second), r.ratio(), r.real.Round(time.Millisecond), r.calls, r.limited, r.rnd)
			if r.virtual < r.floor-time.Second {
				t.Errorf("delivered in %s, faster than the limits allow (%s): the pacing does not hold them", r.virtual, r.floor)
			}
		})
	}
}

// BenchmarkBroadcast1600 is the real cost (CPU, store round trips) of one
// delivery to 1,600 members, the platform's waits virtual: on miniredis
// (whose server runs in the process, its Lua scripts included) and on the
// embedded bbolt store. The members are created outside the timer.
func BenchmarkBroadcast1600(b *testing.B) {
	const n = 1600
	backends := []string{"miniredis", "bolt"}
	url := os.Getenv("MAILLAGE_TEST_REDIS_URL")
	if url != "" {
		backends = append(backends, "redis") // client-side allocations only
	}
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
				var store bot.Store
				switch backend {
				case "bolt":
					store = openBoltClock(b, clock)
				case "redis":
					s, err := redis.Open(context.Background(), url, redis.Options{KeyPrefix: fmt.Sprintf("bc-bench-%d:", time.Now().UnixNano())})
					if err != nil {
						b.Fatal(err)
					}
					store = s
				default:
					srv := miniredis.RunT(b)
					s, err := redis.Open(context.Background(), "redis://"+srv.Addr()+"/0", redis.Options{})
					if err != nil {
						b.Fatal(err)
					}
					store = s
				}
				chat := newChatPlatform(bot.PlatformMattermost, clock, 1).mattermostLike()
				f := newFleet(b, store, clock, chat)
				f.members(n, func(i int) bot.UserRef {
					return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: "W1", User: fmt.Sprintf("u%05d", i)}
				})
				bt := f.bot("a")
				bc := f.submit(bt, core.BroadcastDraft{})
				b.StartTimer()
				f.runUntilDone(bc.ID, bt)
				b.StopTimer()
				store.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/recipient")
		})
	}
}
