package mattermost

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sndgct/maillage/bot"
)

func TestSlashCommand(t *testing.T) {
	h := newHarnessWith(t, Options{PublicURL: "https://maillage.example.fr", CommandToken: "cmd-token"})
	_, c := h.connected(t)
	mux := http.NewServeMux()
	h.a.RegisterRoutes(mux)
	command := func(token, text string) *httptest.ResponseRecorder {
		form := url.Values{"token": {token}, "user_id": {aliceID}, "channel_id": {"town-square"},
			"command": {"/maillage"}, "text": {text}, "trigger_id": {"t-" + text}}
		req := httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	if rec := command("wrong", "profil"); rec.Code != http.StatusUnauthorized {
		t.Errorf("bad token: %d, want 401", rec.Code)
	}
	for _, tt := range []struct{ text, want string }{{"profil", "profil"}, {"", "help"}} {
		if rec := command("cmd-token", tt.text); rec.Code != http.StatusOK {
			t.Fatalf("command %q: %d", tt.text, rec.Code)
		}
		m := h.next(t)
		if m.Text != tt.want || m.From.User != aliceID || m.Conversation.ID != dmID || m.Conversation.Kind != bot.Direct {
			t.Errorf("command %q gave %+v, want %q in the direct channel", tt.text, m, tt.want)
		}
	}
	h.noneBefore(t, c, 2)

	// Without a token, there is no slash command endpoint.
	bare := newHarness(t, "https://maillage.example.fr")
	mux = http.NewServeMux()
	bare.a.RegisterRoutes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader("token=")))
	if rec.Code != http.StatusNotFound {
		t.Errorf("no command token: %d, want 404", rec.Code)
	}
}
