package slack

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
)

// With the store unreachable, every message and click reaches the core
// (which answers that the service is unavailable): none is dropped by the
// adapter's deduplication, over Socket Mode or the Events API.
func TestStoreOutageDropsNoMessage(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	down := &atomic.Bool{}
	store := bottest.OutageStore{Store: h.store, Down: down}
	a, rec := h.start(t, func(o *Options) { o.Store = store })
	alice := bot.UserRef{Platform: bot.PlatformSlack, Workspace: slacktest.Team, User: "U0ALICE"}
	dm, err := a.OpenDirect(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(t.Context(), dm, bot.Reply{Text: "Quelle langue ?", Choices: []bot.Choice{
		{Action: "lang.set", Value: "fr", Label: "Français"}, {Action: "lang.set", Value: "en", Label: "English"},
	}}); err != nil {
		t.Fatal(err)
	}
	posts := h.fake.Posts()
	question := posts[len(posts)-1]

	down.Store(true)
	h.envelope(t, "events_api", slacktest.MessageIM("EvOUT1", "U0ALICE", "D0ALICE", "aide", "1700000101.000100"))
	h.envelope(t, "interactive", slacktest.Click("U0ALICE", question, question.Buttons()[1]))
	h.envelope(t, "events_api", slacktest.MessageIM("EvOUT2", "U0BOB", "D0BOB", "help", "1700000102.000100"))
	msgs := rec.wait(t, 3)
	if msgs[0].Text != "aide" || msgs[1].Choice == nil || msgs[1].Choice.Value != "en" || msgs[2].Text != "help" {
		t.Errorf("during the outage the core got %+v, want the message, the click and the other member's message", msgs)
	}

	// The Events API over HTTP, on a second adapter sharing the store.
	mux, rec2 := eventsAPI(t, h, func(o *Options) { o.Store = store })
	body := slacktest.MessageIM("EvOUT3", "U0ALICE", "D0ALICE", "profil", "1700000103.000100")
	if w := do(mux, "/slack/events", "application/json", body, testSecret, h.clock.Now(), ""); w.Code != http.StatusOK {
		t.Fatalf("Events API during the outage: %d", w.Code)
	}
	if got := rec2.wait(t, 1); got[0].Text != "profil" {
		t.Errorf("Events API during the outage: %+v", got)
	}

	// The store is back: a redelivery of a message handled during the
	// outage is handled again (it was not recorded), and then only once.
	down.Store(false)
	for range 2 {
		h.envelope(t, "events_api", slacktest.MessageIM("EvOUT1", "U0ALICE", "D0ALICE", "aide", "1700000101.000100"))
	}
	h.envelope(t, "events_api", slacktest.MessageIM("EvOUT4", "U0BOB", "D0BOB", "help", "1700000104.000100"))
	msgs = rec.wait(t, 5)
	if len(msgs) != 5 || msgs[3].ID != "EvOUT1" || msgs[4].ID != "EvOUT4" {
		t.Errorf("after the outage the core got %+v, want EvOUT1 once then EvOUT4", msgs[3:])
	}
}

// An event without a channel (malformed or forged) has nowhere to be
// answered: it is dropped quietly, neither handed to the core nor logged
// above debug.
func TestEventWithoutChannelIgnoredQuietly(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	_, rec := h.start(t, nil)
	h.envelope(t, "events_api", slacktest.MessageIM("EvNOCH1", "U0ALICE", "", "aide", "1700000201.000100"))
	h.envelope(t, "events_api", slacktest.AppMention("EvNOCH2", "U0ALICE", "", "<@U0BOT> aide", "1700000202.000100"))
	h.envelope(t, "events_api", slacktest.MessageIM("EvNOCH3", "U0BOB", "D0BOB", "help", "1700000203.000100"))
	if msgs := rec.wait(t, 1); len(msgs) != 1 || msgs[0].ID != "EvNOCH3" {
		t.Errorf("handled %+v, want only EvNOCH3", msgs)
	}
	for _, level := range []string{"level=WARN", "level=ERROR"} {
		if strings.Contains(h.logs.String(), level) {
			t.Errorf("an event without a channel logged at %s:\n%s", level, h.logs.String())
		}
	}
}
