package broadcasts_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// The time to deliver to 1,600 members with Slack-like and Mattermost-like
// limits, as a ratio to the floor the limits impose (logged, not asserted:
// run with -v to read the figures). What is checked: never faster than
// the floor, no call finding a bucket empty (the limits are kept), and
// exactly one message each.
func TestBroadcastPaceFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 1,600-member deliveries")
	}
	for _, pc := range []bottest.PaceCase{
		{Name: "slack, first broadcast (conversations.open 50/min)", Platform: bot.PlatformSlack},
		{Name: "slack, direct conversations cached", Platform: bot.PlatformSlack, Warm: true},
		{Name: "slack, cached, 1% random 429 (Retry-After 1 s)", Platform: bot.PlatformSlack, Warm: true, Random429: 0.01},
		{Name: "mattermost, first broadcast (open + post, 10/s)", Platform: bot.PlatformMattermost},
		{Name: "mattermost, direct channels cached", Platform: bot.PlatformMattermost, Warm: true},
	} {
		t.Run(pc.Name, func(t *testing.T) {
			r := bottest.MeasurePace(t, pc, 1600)
			t.Logf("1,600 members: %s virtual against a floor of %s: ratio %.3f; %s real; %d calls, %d answered 429 for an empty bucket, %d at random",
				r.Virtual.Round(time.Second), r.Floor.Round(time.Second), r.Ratio(), r.Real.Round(time.Millisecond), r.Calls, r.Limited, r.Rnd)
			if r.Virtual < r.Floor-time.Second {
				t.Errorf("delivered in %s, faster than the limits allow (%s): the pacing does not hold them", r.Virtual, r.Floor)
			}
			// Paced calls never find a bucket empty (a burst of posts
			// paced long before they were made would).
			if r.Limited > 0 {
				t.Errorf("%d calls answered 429 for an empty bucket, want none: the pacing does not hold the limits", r.Limited)
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
				clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
				var store bot.Store
				switch backend {
				case "bolt":
					store = bottest.OpenBoltClock(b, clock)
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
				chat := bottest.NewChatPlatform(bot.PlatformMattermost, clock, 1).MattermostLike()
				f := bottest.NewFleet(b, store, clock, chat)
				f.Members(n, func(i int) bot.UserRef {
					return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: "W1", User: fmt.Sprintf("u%05d", i)}
				})
				bt := f.Bot("a")
				bc := f.Submit(bt, broadcasts.BroadcastDraft{})
				b.StartTimer()
				f.RunUntilDone(bc.ID, bt)
				b.StopTimer()
				store.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/recipient")
		})
	}
}
