package core_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// bigEvent is an event of 250 sessions and 5,000 highlights.
func bigEvent(b *testing.B) *content.Set {
	b.Helper()
	words := strings.Fields(`intelligence artificielle management managers équipes agents télétravail déconnexion
		charge mentale recrutement attractivité compétences innovation décision coconstruction usagers proximité
		données souveraineté éthique budget élus confiance leadership chef leader autonomie équilibre`)
	ids := []string{"ia", "management", "management_distance", "rh", "qvt", "deconnexion", "numerique", "finances"}
	var sb strings.Builder
	sb.WriteString("id: grand\nname: Grand congrès\nstart: 2026-12-03\nend: 2026-12-04\nsessions:\n")
	n := 0
	for s := range 250 {
		fmt.Fprintf(&sb, "  - id: s%d\n    title: %s et %s\n    kind: atelier\n    topics: [%s, %s]\n    highlights:\n",
			s, words[s%len(words)], words[(s*7)%len(words)], ids[s%len(ids)], ids[(s+3)%len(ids)])
		for range 20 {
			var text []string
			for k := range 25 {
				text = append(text, words[(n*13+k*k)%len(words)])
			}
			fmt.Fprintf(&sb, "      - {id: h%d, text: %s.}\n", n, strings.Join(text, " "))
			n++
		}
	}
	e, err := content.Parse([]byte(sb.String()), "grand.yaml", topicIDs())
	if err != nil {
		b.Fatal(err)
	}
	return &content.Set{Events: []*content.Event{e}}
}

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
	chat := &recorder{}
	bt, err := bottest.New(bot.Settings{Highlights: bot.HighlightSettings{Topics: topics}}, store,
		[]bot.ChatAdapter{chat}, core.Options{Clock: clock, Content: bigEvent(b)})
	if err != nil {
		b.Fatal(err)
	}
	u := user("alice")
	queries := []string{"temps forts IA", "temps forts manager", "temps forts management à distance",
		"temps forts charge mentale", "temps forts remote management", "temps forts cybersécurité"}
	ctx := context.Background()
	bt.Handle(ctx, bot.Message{From: u, Conversation: dm(u), Text: queries[0]}) // builds the index
	chat.take()
	var durations []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		bt.Handle(ctx, bot.Message{From: u, Conversation: dm(u), Text: queries[i%len(queries)]})
		durations = append(durations, time.Since(start))
		chat.take()
	}
	b.StopTimer()
	slices.Sort(durations)
	if len(durations) > 0 {
		b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
	}
}
