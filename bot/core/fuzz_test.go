package core_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// panicCounter counts the panics the core recovered from.
type panicCounter struct {
	slog.Handler
	n *atomic.Int32
}

func (h panicCounter) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		h.n.Add(1)
	}
	return nil
}
func (h panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h panicCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h panicCounter) WithGroup(string) slog.Handler            { return h }

// Whatever a member types, the core answers at most a few replies and
// never panics (not even a recovered panic).
func FuzzHandle(f *testing.F) {
	for _, s := range []string{"aide", "langue", "langue \xff", "?", "aide aide aide", "annuler",
		"\u202eprofil", "statut", strings.Repeat("é", 5000), "langue « english »", "l'aide", "œ"} {
		f.Add(s, false)
	}
	f.Add("fr", true)
	store, err := bolt.Open(context.Background(), f.TempDir()+"/m.db", bolt.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	var panics atomic.Int32
	chat := &recorder{}
	b, err := bottest.New(bot.Settings{}, store, []bot.ChatAdapter{chat},
		core.Options{Logger: slog.New(panicCounter{n: &panics}), Clock: fakeclock.New(time.Now())})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, asChoice bool) {
		u := user("fuzz")
		m := bot.Message{From: u, Conversation: dm(u), Text: text}
		if asChoice {
			m.Text = ""
			m.Choice = &bot.ChoiceEvent{Action: "lang.set", Value: text}
		}
		b.Handle(context.Background(), m)
		if n := panics.Load(); n > 0 {
			t.Fatalf("the core panicked on %q (choice %v)", text, asChoice)
		}
		if got := chat.take(); len(got) > 2 {
			t.Errorf("%d replies to %q", len(got), text)
		}
	})
}
