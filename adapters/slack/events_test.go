package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slackevents"
	"github.com/sndgct/maillage/adapters/slack/slacktest"
	"github.com/sndgct/maillage/bot"
)

// eventsAPI runs an Events API adapter (no app token) and returns the mux
// with its routes.
func eventsAPI(t *testing.T, h *harness, tweak func(*Options)) (*http.ServeMux, *recorder) {
	t.Helper()
	a := h.adapter(t, func(o *Options) {
		o.AppToken = ""
		if tweak != nil {
			tweak(o)
		}
	})
	mux := http.NewServeMux()
	a.RegisterRoutes(mux)
	rec := newRecorder()
	run(t, a, rec.handle)
	if err := h.fake.WaitCalls(t.Context(), "auth.test", 1); err != nil {
		t.Fatal(err)
	}
	return mux, rec
}

// do posts body to path, signed at t with secret unless secret is empty.
func do(mux *http.ServeMux, path, contentType string, body []byte, secret string, at time.Time, retry string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if secret != "" {
		slacktest.Sign(req.Header, secret, at, body)
	}
	if retry != "" {
		req.Header.Set("X-Slack-Retry-Num", retry)
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	return w
}

func TestEventsAPISignature(t *testing.T) {
	h := newHarness(t, 0)
	mux, rec := eventsAPI(t, h, func(o *Options) { o.MaxBodyBytes = 4096 })
	now := h.clock.Now()
	event := slacktest.MessageIM("EvH01", "U0ALICE", "D0ALICE", "bonjour", "1700000201.000100")
	tampered := bytes.Replace(event, []byte("bonjour"), []byte("statut!"), 1)
	big := slacktest.MessageIM("EvH02", "U0ALICE", "D0ALICE", strings.Repeat("x", 5000), "1700000202.000100")
	tests := []struct {
		name   string
		body   []byte
		secret string
		at     time.Time
		tamper bool
		want   int
	}{
		{"valid", event, testSecret, now, false, http.StatusOK},
		{"forged", event, "another-secret", now, false, http.StatusUnauthorized},
		{"tampered body", event, testSecret, now, true, http.StatusUnauthorized},
		{"stale", event, testSecret, now.Add(-5*time.Minute - time.Second), false, http.StatusUnauthorized},
		{"future", event, testSecret, now.Add(5*time.Minute + time.Second), false, http.StatusUnauthorized},
		{"unsigned", event, "", now, false, http.StatusUnauthorized},
		{"oversize", big, testSecret, now, false, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(tt.body))
			if tt.secret != "" {
				slacktest.Sign(req.Header, tt.secret, tt.at, tt.body)
			}
			if tt.tamper {
				req = httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(tampered))
				slacktest.Sign(req.Header, tt.secret, tt.at, tt.body)
			}
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.want, w.Body.String())
			}
		})
	}
	// Within the window either way is fine.
	for i, at := range []time.Time{now.Add(-4 * time.Minute), now.Add(4 * time.Minute)} {
		ev := slacktest.MessageIM("EvH1"+string(rune('0'+i)), "U0ALICE", "D0ALICE", "ok", "1700000210.00010"+string(rune('0'+i)))
		if w := do(mux, "/slack/events", "application/json", ev, testSecret, at, ""); w.Code != http.StatusOK {
			t.Errorf("request signed %v from now: status %d", at.Sub(now), w.Code)
		}
	}
	msgs := rec.wait(t, 3)
	if len(msgs) != 3 || msgs[0].ID != "EvH01" || msgs[0].Text != "bonjour" {
		t.Errorf("handled %+v, want only the valid requests", msgs)
	}
	if strings.Contains(h.logs.String(), testSecret) {
		t.Errorf("the logs show the signing secret")
	}
}

func TestEventsAPIVerificationRetriesAndForms(t *testing.T) {
	h := newHarness(t, 0)
	mux, rec := eventsAPI(t, h, nil)
	now := h.clock.Now()

	// url_verification is answered with its challenge.
	challenge := slacktest.Payload("url_verification", nil)
	w := do(mux, "/slack/events", "application/json", challenge, testSecret, now, "")
	var got map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK ||
		got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q", w.Code, w.Body.String())
	}

	// An event and its retry: both answered 200, handled once.
	event := slacktest.MessageIM("EvH20", "U0ALICE", "D0ALICE", "bonjour", "1700000220.000100")
	for _, retry := range []string{"", "1"} {
		if w := do(mux, "/slack/events", "application/json", event, testSecret, now, retry); w.Code != http.StatusOK {
			t.Errorf("event (retry %q): status %d", retry, w.Code)
		}
	}
	// A button click, form-encoded as Slack posts it.
	click := slacktest.BlockAction("U0ALICE", "D0ALICE", "1700000000.000009", slacktest.Button{ActionID: "choice-0", Value: mustEncode(t, bot.Choice{Action: "lang.set", Value: "fr"}), Label: "Français"})
	form := url.Values{"payload": {string(click)}}.Encode()
	if w := do(mux, "/slack/interactive", "application/x-www-form-urlencoded", []byte(form), testSecret, now, ""); w.Code != http.StatusOK {
		t.Errorf("interactive: status %d", w.Code)
	}
	// The slash command.
	cmd := slacktest.SlashCommandForm("U0BOB", "C0GENERAL", "profil").Encode()
	w = do(mux, "/slack/commands", "application/x-www-form-urlencoded", []byte(cmd), testSecret, now, "")
	var ack map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &ack); err != nil || w.Code != http.StatusOK ||
		ack["response_type"] != "ephemeral" || !strings.Contains(ack["text"], "message direct") {
		t.Errorf("command typed in a channel: status %d body %q, want an ephemeral line in French", w.Code, w.Body.String())
	}
	// Malformed but signed requests.
	if w := do(mux, "/slack/interactive", "application/x-www-form-urlencoded", []byte("nopayload=1"), testSecret, now, ""); w.Code != http.StatusBadRequest {
		t.Errorf("interactive without payload: status %d", w.Code)
	}
	if w := do(mux, "/slack/events", "application/json", []byte("{not json"), testSecret, now, ""); w.Code != http.StatusBadRequest {
		t.Errorf("invalid JSON: status %d", w.Code)
	}

	msgs := rec.wait(t, 3)
	if len(msgs) != 3 {
		t.Fatalf("handled %d, want 3", len(msgs))
	}
	if msgs[0].ID != "EvH20" || msgs[1].Choice == nil || msgs[1].Choice.Value != "fr" || msgs[2].Text != "profil" || msgs[2].From.User != "U0BOB" {
		t.Errorf("handled %+v", msgs)
	}
	if msgs[2].Conversation.Kind != bot.Direct || msgs[2].Conversation.ID != "D0BOB" {
		t.Errorf("command answered in %+v, want the DM", msgs[2].Conversation)
	}
}

func TestEventsAPIQueueFullAsksForRetry(t *testing.T) {
	h := newHarness(t, 0)
	a := h.adapter(t, func(o *Options) { o.AppToken = ""; o.Queue = 1; o.QueueWait = time.Millisecond })
	mux := http.NewServeMux()
	a.RegisterRoutes(mux)
	// Not running: nobody empties the queue.
	now := h.clock.Now()
	first := do(mux, "/slack/events", "application/json", slacktest.MessageIM("EvQ1", "U0ALICE", "D0ALICE", "a", "1.1"), testSecret, now, "")
	second := do(mux, "/slack/events", "application/json", slacktest.MessageIM("EvQ2", "U0ALICE", "D0ALICE", "b", "1.2"), testSecret, now, "")
	if first.Code != http.StatusOK || second.Code != http.StatusServiceUnavailable || second.Header().Get("Retry-After") == "" {
		t.Errorf("statuses %d then %d (Retry-After %q), want 200 then 503 with Retry-After", first.Code, second.Code, second.Header().Get("Retry-After"))
	}
}

func TestRoutesOnlyWithSigningSecret(t *testing.T) {
	h := newHarness(t, 0)
	a := h.adapter(t, func(o *Options) { o.SigningSecret = "" })
	mux := http.NewServeMux()
	a.RegisterRoutes(mux)
	w := do(mux, "/slack/events", "application/json", []byte("{}"), "", h.clock.Now(), "")
	if w.Code != http.StatusNotFound {
		t.Errorf("without a signing secret: status %d, want 404", w.Code)
	}
}

func mustEncode(t *testing.T, c bot.Choice) string {
	t.Helper()
	v, err := encodeChoice(c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The CPU cost of an Events API request before it is queued: signature
// check on the raw body and parsing of the event.
func BenchmarkVerifyAndParseEvent(b *testing.B) {
	a, err := New(Options{BotToken: slacktest.BotToken, SigningSecret: testSecret, Store: nopStore{}})
	if err != nil {
		b.Fatal(err)
	}
	body := slacktest.MessageIM("EvB1", "U0ALICE", "D0ALICE", strings.Repeat("Bonjour, je cherche un pair en Auvergne-Rhône-Alpes. ", 10), "1700000600.000100")
	h := http.Header{}
	slacktest.Sign(h, testSecret, time.Now(), body)
	b.ReportAllocs()
	for b.Loop() {
		if err := a.checkSignature(h, body); err != nil {
			b.Fatal(err)
		}
		if _, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken()); err != nil {
			b.Fatal(err)
		}
	}
}

// nopStore is a Store that keeps nothing, for benchmarks of pure code.
type nopStore struct{}

func (nopStore) FirstSeen(context.Context, string, time.Duration) (bool, error) { return true, nil }
func (nopStore) PutValue(context.Context, string, []byte, time.Duration) error  { return nil }
func (nopStore) Value(context.Context, string) ([]byte, error)                  { return nil, bot.ErrNotFound }
func (nopStore) DeleteValue(context.Context, string) error                      { return nil }
