package mattermost

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
)

// With the store unreachable, a post and a button click still reach the
// core (which answers that the service is unavailable): the click is not
// refused with a 503 that Mattermost shows as an error and never retries.
func TestStoreOutageDropsNoPostOrClick(t *testing.T) {
	down := &atomic.Bool{}
	h := newHarness(t, "https://maillage.example.fr/")
	h.a = h.adapter(t, Options{PublicURL: "https://maillage.example.fr/", Store: bottest.OutageStore{Store: h.store, Down: down}})
	_, c := h.connected(t)
	conv := bot.Conversation{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), ID: dmID, Kind: bot.Direct}
	sent, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "Quelle langue ?", Choices: []bot.Choice{
		{Action: "lang.set", Value: "fr", Label: "Français"}, {Action: "lang.set", Value: "en", Label: "English"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	english := h.fs.posts[sent.ID].Attachments()[0].Actions[1]
	h.fs.mu.Unlock()
	mux := http.NewServeMux()
	h.a.RegisterRoutes(mux)

	down.Store(true)
	post := dmPost(h.clock, "aide")
	if err := c.ws.WriteMessage(websocket.TextMessage, postedEvent(t, post, 2)); err != nil {
		t.Fatal(err)
	}
	if m := h.next(t); m.ID != post.Id || m.Text != "aide" {
		t.Errorf("post during the outage: %+v", m)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ActionsPath,
		bytes.NewReader(clickRequest(t, sent.ID, aliceID, english.Integration.Context))))
	if rec.Code != http.StatusOK {
		t.Fatalf("click during the outage: %d %s, want 200", rec.Code, rec.Body.String())
	}
	if m := h.next(t); m.Choice == nil || m.Choice.Value != "en" {
		t.Errorf("click during the outage: %+v", m)
	}
	down.Store(false)
	h.noneBefore(t, c, 3)
}
