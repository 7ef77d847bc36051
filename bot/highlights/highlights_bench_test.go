package highlights_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot/bottest"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// BenchmarkHighlightsSearchCommand answers « temps forts <query> » through
// the core over 5,000 highlights: search, grouping and rendering. It
// reports the 99th percentile of the per-message time.
func BenchmarkHighlightsSearchCommand(b *testing.B) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	store, err := bolt.Open(context.Background(), b.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	chat := &bottest.Recorder{}
	bt, err := bottest.New(bot.Settings{Highlights: bot.HighlightSettings{Topics: bottest.Topics}}, store,
		[]bot.ChatAdapter{chat}, core.Options{Clock: clock, Content: bottest.BigEvent(b)})
	if err != nil {
		b.Fatal(err)
	}
	u := bottest.User("alice")
	queries := []string{"temps forts IA", "temps forts manager", "temps forts management à distance",
		"temps forts charge mentale", "temps forts remote management", "temps forts cybersécurité"}
	ctx := context.Background()
	bt.Handle(ctx, bot.Message{From: u, Conversation: bottest.Dm(u), Text: queries[0]}) // builds the index
	chat.Take()
	var durations []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		bt.Handle(ctx, bot.Message{From: u, Conversation: bottest.Dm(u), Text: queries[i%len(queries)]})
		durations = append(durations, time.Since(start))
		chat.Take()
	}
	b.StopTimer()
	slices.Sort(durations)
	if len(durations) > 0 {
		b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
	}
}
