package core_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot/bottest"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

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
	chat := &bottest.Recorder{}
	b, err := bottest.New(bot.Settings{}, store, []bot.ChatAdapter{chat},
		core.Options{Logger: slog.New(bottest.PanicCounter{N: &panics}), Clock: fakeclock.New(time.Now())})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, asChoice bool) {
		u := bottest.User("fuzz")
		m := bot.Message{From: u, Conversation: bottest.Dm(u), Text: text}
		if asChoice {
			m.Text = ""
			m.Choice = &bot.ChoiceEvent{Action: "lang.set", Value: text}
		}
		b.Handle(context.Background(), m)
		if n := panics.Load(); n > 0 {
			t.Fatalf("the core panicked on %q (choice %v)", text, asChoice)
		}
		if got := chat.Take(); len(got) > 2 {
			t.Errorf("%d replies to %q", len(got), text)
		}
	})
}
