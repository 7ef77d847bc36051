package core_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// Three replicas sharing a store: a member who floods all three gets no
// more messages handled than on one replica (the limit is shared through
// the store), and is told once per replica; another member is not held
// back. Without the sharing, three replicas triple the limit.
func TestRateLimitSharedAcrossReplicas(t *testing.T) {
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			store := bottest.OpenBoltClock(t, clock)
			s := bot.Settings{RateLimit: bot.RateLimit{PerMinute: 6, Burst: 6}}
			var replicas []*core.Bot
			var chats []*bottest.Recorder
			for range 3 {
				chat := &bottest.Recorder{}
				b, err := bottest.New(s, store, []bot.ChatAdapter{chat}, core.Options{Clock: clock, SharedRateLimit: shared})
				if err != nil {
					t.Fatal(err)
				}
				replicas, chats = append(replicas, b), append(chats, chat)
			}
			flood, calm := bottest.User("flood"), bottest.User("calm")
			for i := range 30 {
				replicas[i%3].Handle(t.Context(), bot.Message{From: flood, Conversation: bottest.Dm(flood), Text: "aide"})
			}
			handled, notices := 0, 0
			for _, c := range chats {
				for _, sent := range c.Take() {
					if sent.Reply.Text == bottest.Fr("ops.rate_limited") {
						notices++
					} else {
						handled++
					}
				}
			}
			replicas[1].Handle(t.Context(), bot.Message{From: calm, Conversation: bottest.Dm(calm), Text: "aide"})
			if len(chats[1].Take()) != 1 {
				t.Error("the other member was held back")
			}
			want := 6
			if !shared {
				want = 18
			}
			if handled != want || notices != 3 {
				t.Errorf("30 messages over 3 replicas: %d handled, %d notices; want %d handled, one notice per replica", handled, notices, want)
			}
		})
	}
}
