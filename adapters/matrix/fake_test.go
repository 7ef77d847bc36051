package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
)

// fakeHomeserver is a hand-written Matrix homeserver: just the endpoints
// the adapter calls, with sync responses the test queues.
type fakeHomeserver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	logins   int
	sent     []sentEvent
	joined   []string
	left     []string
	created  []map[string]any
	invited  []string
	fail429  int // the next sends answered 429 M_LIMIT_EXCEEDED
	syncFail int // the next syncs answered 500
	members  map[string][]string
	syncs    chan map[string]any
	since    []string
	nextID   int
}

type sentEvent struct {
	Room, Type, Txn string
	Content         map[string]any
}

func newFakeHomeserver(t *testing.T) *fakeHomeserver {
	f := &fakeHomeserver{t: t, syncs: make(chan map[string]any, 16), members: map[string][]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeHomeserver) serve(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.EscapedPath(), "/_matrix/client/v3/")
	parts := strings.Split(p, "/")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case p == "login":
		f.logins++
		writeJSON(w, 200, map[string]any{"user_id": "@maillage:example.org", "access_token": "tok", "device_id": "DEV1"})
	case p == "account/whoami":
		if r.Header.Get("Authorization") != "Bearer tok" {
			writeJSON(w, 401, map[string]any{"errcode": "M_UNKNOWN_TOKEN", "error": "unknown"})
			return
		}
		writeJSON(w, 200, map[string]any{"user_id": "@maillage:example.org", "device_id": "DEV1"})
	case p == "sync":
		f.since = append(f.since, r.URL.Query().Get("since"))
		if f.syncFail > 0 {
			f.syncFail--
			writeJSON(w, 500, map[string]any{"errcode": "M_UNKNOWN", "error": "down"})
			return
		}
		f.mu.Unlock()
		var resp map[string]any
		select {
		case resp = <-f.syncs:
		case <-r.Context().Done():
			f.mu.Lock()
			return
		}
		f.mu.Lock()
		writeJSON(w, 200, resp)
	case len(parts) == 5 && parts[0] == "rooms" && parts[2] == "send":
		if f.fail429 > 0 {
			f.fail429--
			writeJSON(w, 429, map[string]any{"errcode": "M_LIMIT_EXCEEDED", "error": "slow down", "retry_after_ms": 1500})
			return
		}
		var c map[string]any
		_ = json.Unmarshal(body, &c)
		room := unescape(parts[1])
		for _, s := range f.sent {
			if s.Txn == parts[4] {
				writeJSON(w, 200, map[string]any{"event_id": "$dup"})
				return
			}
		}
		f.sent = append(f.sent, sentEvent{Room: room, Type: parts[3], Txn: parts[4], Content: c})
		f.nextID++
		writeJSON(w, 200, map[string]any{"event_id": fmt.Sprintf("$sent%d", f.nextID)})
	case len(parts) >= 3 && parts[0] == "rooms" && parts[2] == "state":
		writeJSON(w, 404, map[string]any{"errcode": "M_NOT_FOUND", "error": "no"})
	case len(parts) == 3 && parts[0] == "rooms" && parts[2] == "joined_members":
		joined := map[string]any{}
		for _, u := range f.members[unescape(parts[1])] {
			joined[u] = map[string]any{}
		}
		writeJSON(w, 200, map[string]any{"joined": joined})
	case len(parts) == 3 && parts[0] == "rooms" && parts[2] == "join", len(parts) == 2 && parts[0] == "join":
		f.joined = append(f.joined, unescape(parts[1]))
		writeJSON(w, 200, map[string]any{"room_id": unescape(parts[1])})
	case len(parts) == 3 && parts[0] == "rooms" && parts[2] == "leave":
		f.left = append(f.left, unescape(parts[1]))
		writeJSON(w, 200, map[string]any{})
	case len(parts) == 3 && parts[0] == "rooms" && parts[2] == "invite":
		var c map[string]any
		_ = json.Unmarshal(body, &c)
		f.invited = append(f.invited, fmt.Sprint(c["user_id"]))
		writeJSON(w, 200, map[string]any{})
	case p == "createRoom":
		var c map[string]any
		_ = json.Unmarshal(body, &c)
		f.created = append(f.created, c)
		writeJSON(w, 200, map[string]any{"room_id": fmt.Sprintf("!new%d:example.org", len(f.created))})
	case len(parts) == 2 && parts[0] == "profile":
		writeJSON(w, 200, map[string]any{"displayname": "Alice Martin", "m.tz": "Europe/Paris"})
	case strings.HasPrefix(p, "user/") && strings.HasSuffix(p, "/filter"):
		writeJSON(w, 200, map[string]any{"filter_id": "1"})
	default:
		f.t.Errorf("fake homeserver: unexpected %s %s", r.Method, r.URL.Path)
		writeJSON(w, 404, map[string]any{"errcode": "M_UNRECOGNIZED"})
	}
}

func unescape(s string) string {
	s = strings.ReplaceAll(s, "%21", "!")
	s = strings.ReplaceAll(s, "%3A", ":")
	s = strings.ReplaceAll(s, "%40", "@")
	s = strings.ReplaceAll(s, "%24", "$")
	return s
}

func (f *fakeHomeserver) sentEvents() []sentEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentEvent(nil), f.sent...)
}

// timeline queues a sync response with these events in room (joined).
func (f *fakeHomeserver) timeline(batch, room string, events ...map[string]any) {
	f.syncs <- map[string]any{
		"next_batch": batch,
		"rooms": map[string]any{"join": map[string]any{room: map[string]any{
			"timeline": map[string]any{"events": events},
		}}},
	}
}

func (f *fakeHomeserver) invite(batch, room, from string, direct bool) {
	member := map[string]any{"type": "m.room.member", "state_key": "@maillage:example.org", "sender": from,
		"event_id": "$inv" + batch, "origin_server_ts": time.Now().UnixMilli(),
		"content": map[string]any{"membership": "invite", "is_direct": direct}}
	f.syncs <- map[string]any{
		"next_batch": batch,
		"rooms": map[string]any{"invite": map[string]any{room: map[string]any{
			"invite_state": map[string]any{"events": []any{member}},
		}}},
	}
}

var evtSeq int

func textEvent(from, text string) map[string]any {
	evtSeq++
	return map[string]any{"type": "m.room.message", "sender": from, "event_id": fmt.Sprintf("$e%d", evtSeq),
		"origin_server_ts": time.Now().Add(time.Minute).UnixMilli(),
		"content":          map[string]any{"msgtype": "m.text", "body": text}}
}

func reactionEvent(from, target, key string) map[string]any {
	evtSeq++
	return map[string]any{"type": "m.reaction", "sender": from, "event_id": fmt.Sprintf("$r%d", evtSeq),
		"origin_server_ts": time.Now().Add(time.Minute).UnixMilli(),
		"content":          map[string]any{"m.relates_to": map[string]any{"rel_type": "m.annotation", "event_id": target, "key": key}}}
}

// fakeAfter fires at once and records the waits asked for: no test
// sleeps on a timer. The claim's waits (an hour or more: the harness's
// claim lasts for days) fire only when the test calls fireClaim.
type fakeAfter struct {
	mu     sync.Mutex
	waits  []time.Duration
	claims []chan time.Time
}

func (a *fakeAfter) After(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	a.mu.Lock()
	defer a.mu.Unlock()
	if d >= time.Hour {
		a.claims = append(a.claims, c)
		return c
	}
	a.waits = append(a.waits, d)
	c <- time.Now()
	return c
}

// fireClaim ends the claim waits pending now.
func (a *fakeAfter) fireClaim() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.claims {
		c <- time.Now()
	}
	a.claims = nil
}

func (a *fakeAfter) pendingClaims() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.claims)
}

func (a *fakeAfter) recorded() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Duration(nil), a.waits...)
}

type harness struct {
	f     *fakeHomeserver
	a     *Adapter
	store bot.Store
	after *fakeAfter
	msgs  chan bot.Message
	stop  func()
}

func openStore(t *testing.T) bot.Store {
	t.Helper()
	s, err := bolt.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// start runs an adapter against f on store; the handler answers nothing
// and forwards every message to h.msgs.
func start(t *testing.T, f *fakeHomeserver, store bot.Store) *harness {
	t.Helper()
	return startReplica(t, f, store, "replica-1")
}

func startReplica(t *testing.T, f *fakeHomeserver, store bot.Store, replica string) *harness {
	t.Helper()
	h := &harness{f: f, store: store, after: &fakeAfter{}, msgs: make(chan bot.Message, 16)}
	a, err := New(Options{HomeserverURL: f.srv.URL, UserID: "@maillage:example.org", Password: "pw",
		PickleKey: "a pickle key for tests", DisableEncryption: true, Store: store, After: h.after.After,
		Replica: replica, ClaimTTL: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.a = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, func(_ context.Context, m bot.Message) { h.msgs <- m }) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v", err)
			}
		})
	}
	t.Cleanup(func() { h.stop() })
	return h
}

func (h *harness) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-h.msgs:
		return m
	case <-time.After(30 * time.Second):
		t.Fatal("no message handed to the core")
	}
	return bot.Message{}
}

// drained checks that nothing more reaches the core once sync has
// answered the queued responses (a queued marker comes back through it).
func (h *harness) quiet(t *testing.T, batch string) {
	t.Helper()
	room := "!marker:example.org"
	h.f.mu.Lock()
	h.f.members[room] = []string{"@maillage:example.org", "@zoe:example.org"}
	h.f.mu.Unlock()
	h.f.timeline(batch, room, textEvent("@zoe:example.org", "marker"))
	if m := h.next(t); m.Text != "marker" {
		t.Fatalf("unexpected message %+v before the marker", m)
	}
}
