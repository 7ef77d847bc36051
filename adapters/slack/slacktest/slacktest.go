// Package slacktest is a fake Slack for tests: an HTTP server answering the
// Web API methods Maillage uses (auth.test, apps.connections.open,
// chat.postMessage, chat.update, conversations.open, users.info) and the
// WebSocket endpoint that apps.connections.open returns, speaking Socket
// Mode as Slack documents it: hello on connection, envelopes with an
// envelope_id that the client acknowledges, WebSocket pings, disconnect
// (refresh_requested) then reconnection, redelivery with retry_attempt.
// Payloads come from Slack's documentation (testdata/), with the fields a
// test sets.
package slacktest

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

//go:embed testdata/*.json
var testdata embed.FS

// Identity of the fake workspace and bot.
const (
	Team     = "T0TERRI"
	BotUser  = "U0BOT"
	BotID    = "B0BOT"
	BotToken = "xoxb-0000-fake-bot-token"
	AppToken = "xapp-1-A0FAKE-0000-fake-app-token"
)

// Post is a chat.postMessage or chat.update the fake received.
type Post struct {
	Method  string // chat.postMessage or chat.update
	Channel string
	TS      string
	Text    string
	Blocks  json.RawMessage
	Form    map[string]string // every form field but the token
	// Received is when the fake received the call (load tests measure
	// the latency of the answers with it).
	Received time.Time
}

// Buttons returns the buttons of the post's actions blocks.
func (p Post) Buttons() []Button {
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Style    string `json:"style"`
			Text     struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(p.Blocks, &blocks)
	var out []Button
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			out = append(out, Button{ActionID: e.ActionID, Value: e.Value, Label: e.Text.Text, Style: e.Style})
		}
	}
	return out
}

// Button is one button of a post.
type Button struct {
	ActionID, Value, Label, Style string
}

// User is a workspace member known to users.info.
type User struct {
	ID, Name, DisplayName, RealName, Email, Locale, TZ string
}

// Server is the fake Slack. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every change
	posts       []Post
	opened      [][]string // conversations.open users lists
	users       map[string]User
	calls       map[string]int
	rateLimited map[string]int // method -> Retry-After seconds for the next call
	dropNext    map[string]bool
	removed     map[string]bool // channels deleted: posts are refused, opens give a new id
	refuseApp   string          // error answered by apps.connections.open
	tsCounter   int

	conn        *websocket.Conn // current socket, nil if none
	connDone    chan struct{}   // closed when the latest socket's reader ends
	connWrite   sync.Mutex
	conns       int // sockets opened so far
	live        int // sockets open now
	maxLive     int // most sockets open at once
	acks        map[string]bool
	ackPayloads map[string]json.RawMessage
	sent        map[string]json.RawMessage
	ping        time.Duration
}

// New starts a fake Slack; Close stops it. ping is how often it sends a
// WebSocket ping on the socket (0: never, to test lost pings).
func New(ping time.Duration) *Server {
	s := &Server{
		changed:     make(chan struct{}),
		users:       map[string]User{},
		calls:       map[string]int{},
		rateLimited: map[string]int{},
		dropNext:    map[string]bool{},
		removed:     map[string]bool{},
		acks:        map[string]bool{},
		ackPayloads: map[string]json.RawMessage{},
		sent:        map[string]json.RawMessage{},
		ping:        ping,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", s.serveAPI)
	mux.HandleFunc("GET /link/", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the Web API base URL (MAILLAGE_SLACK_API_URL).
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close stops the server and closes the socket.
func (s *Server) Close() {
	s.mu.Lock()
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// AddUser makes u known to users.info.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// RateLimitNext makes the next call to method answer 429 with Retry-After.
func (s *Server) RateLimitNext(method string, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited[method] = int(retryAfter / time.Second)
}

// DropNext makes the fake carry out the next call to method, then cut the
// connection without answering: the client cannot know the outcome.
func (s *Server) DropNext(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropNext[method] = true
}

// RefuseAppToken makes apps.connections.open answer with the Slack error
// code (invalid_auth, token_revoked, account_inactive...).
func (s *Server) RefuseAppToken(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseApp = code
}

// Calls returns how many times method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Posts returns the chat.postMessage and chat.update calls so far.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

// Opened returns the user lists given to conversations.open so far.
func (s *Server) Opened() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.opened)
}

// Sockets returns how many sockets were opened so far and the most that
// were open at the same time.
func (s *Server) Sockets() (opened, maxAtOnce int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns, s.maxLive
}

// notify wakes the waiters; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait blocks until cond (called under the fake's lock with the fake) is
// true, or ctx ends.
func (s *Server) Wait(ctx context.Context, what string, cond func(*Server) bool) error {
	for {
		s.mu.Lock()
		ok := cond(s)
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slacktest: waiting for %s: %w", what, ctx.Err())
		case <-ch:
		}
	}
}

// WaitPosts waits until at least n posts were received and returns them.
func (s *Server) WaitPosts(ctx context.Context, n int) ([]Post, error) {
	err := s.Wait(ctx, fmt.Sprintf("%d posts", n), func(s *Server) bool { return len(s.posts) >= n })
	return s.Posts(), err
}

// WaitSocket waits until the n-th socket is open (counting from 1).
func (s *Server) WaitSocket(ctx context.Context, n int) error {
	return s.Wait(ctx, fmt.Sprintf("socket %d", n), func(s *Server) bool { return s.conns >= n && s.conn != nil })
}

// WaitAck waits until the envelope was acknowledged.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) error {
	return s.Wait(ctx, "ack of "+envelopeID, func(s *Server) bool { return s.acks[envelopeID] })
}

// AckPayload returns the payload the client sent with its acknowledgement
// of the envelope (null or absent when none).
func (s *Server) AckPayload(envelopeID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ackPayloads[envelopeID]
}

// Acked reports whether the envelope was acknowledged.
func (s *Server) Acked(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[envelopeID]
}

// --- Web API ---

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = r.PostForm.Get("token")
	}
	s.mu.Lock()
	s.calls[method]++
	retry, limited := s.rateLimited[method]
	delete(s.rateLimited, method)
	drop := s.dropNext[method]
	delete(s.dropNext, method)
	refuseApp := s.refuseApp
	s.notify()
	s.mu.Unlock()

	if limited {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	want := BotToken
	if method == "apps.connections.open" {
		want = AppToken
	}
	if token != want {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	var answer any
	switch method {
	case "auth.test":
		answer = map[string]any{"ok": true, "url": "https://territorialis.slack.invalid/", "team": "Territorialis",
			"user": "maillage", "team_id": Team, "user_id": BotUser, "bot_id": BotID}
	case "apps.connections.open":
		if refuseApp != "" {
			answer = map[string]any{"ok": false, "error": refuseApp}
			break
		}
		answer = map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=" + randomID()}
	case "chat.postMessage", "chat.update":
		answer = s.post(method, r)
	case "conversations.open":
		answer = s.open(r.PostForm.Get("users"))
	case "conversations.history":
		answer = s.history(r.PostForm.Get("channel"), r.PostForm.Get("oldest"))
	case "users.info":
		answer = s.userInfo(r.PostForm.Get("user"))
	default:
		answer = map[string]any{"ok": false, "error": "unknown_method"}
	}
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
	}
	writeJSON(w, answer)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) post(method string, r *http.Request) map[string]any {
	p := Post{Method: method, Channel: r.PostForm.Get("channel"), Text: r.PostForm.Get("text"), Form: map[string]string{},
		Received: time.Now()}
	if b := r.PostForm.Get("blocks"); b != "" {
		p.Blocks = json.RawMessage(b)
	}
	for k := range r.PostForm {
		if k != "token" {
			p.Form[k] = r.PostForm.Get(k)
		}
	}
	if p.Channel == "" || !strings.ContainsAny(p.Channel[:1], "CDG") {
		return map[string]any{"ok": false, "error": "channel_not_found"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed[p.Channel] {
		return map[string]any{"ok": false, "error": "channel_not_found"}
	}
	if method == "chat.update" {
		p.TS = r.PostForm.Get("ts")
	} else {
		s.tsCounter++
		p.TS = fmt.Sprintf("1700000000.%06d", s.tsCounter)
	}
	s.posts = append(s.posts, p)
	s.notify()
	return map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS,
		"message": map[string]any{"type": "message", "user": BotUser, "bot_id": BotID, "text": p.Text, "ts": p.TS}}
}

// history answers conversations.history: the posts to channel whose ts is
// at or after oldest, newest first.
func (s *Server) history(channel, oldest string) map[string]any {
	from, _ := strconv.ParseFloat(oldest, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	msgs := []map[string]any{}
	for i := len(s.posts) - 1; i >= 0; i-- {
		p := s.posts[i]
		ts, _ := strconv.ParseFloat(p.TS, 64)
		if p.Channel == channel && p.Method == "chat.postMessage" && ts >= from {
			msgs = append(msgs, map[string]any{"type": "message", "user": BotUser, "bot_id": BotID, "text": p.Text, "ts": p.TS})
		}
	}
	return map[string]any{"ok": true, "messages": msgs, "has_more": false}
}

func (s *Server) open(users string) map[string]any {
	ids := strings.Split(users, ",")
	if users == "" || len(ids) > 8 {
		return map[string]any{"ok": false, "error": "invalid_users"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = append(s.opened, ids)
	s.notify()
	id := "D" + strings.TrimPrefix(ids[0], "U")
	if len(ids) > 1 {
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		id = "G" + strings.ToUpper(hex.EncodeToString([]byte(strings.Join(sorted, ""))))[:10]
	}
	for s.removed[id] {
		id += "N"
	}
	return map[string]any{"ok": true, "channel": map[string]any{"id": id}}
}

// RemoveChannel deletes the conversation id, as a workspace's owner (or a
// reset) may: posts to it are refused with channel_not_found, and opening
// a conversation with the same people gives a new id.
func (s *Server) RemoveChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed[id] = true
}

func (s *Server) userInfo(id string) any {
	s.mu.Lock()
	u, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		return map[string]any{"ok": false, "error": "user_not_found"}
	}
	var answer map[string]any
	mustLoad("users_info.json", &answer)
	user := answer["user"].(map[string]any)
	profile := user["profile"].(map[string]any)
	user["id"], user["team_id"], user["name"], user["real_name"] = u.ID, Team, u.Name, u.RealName
	user["tz"], user["locale"] = u.TZ, u.Locale
	profile["display_name"], profile["real_name"], profile["email"], profile["team"] = u.DisplayName, u.RealName, u.Email, Team
	if u.Email == "" {
		delete(profile, "email") // users:read.email not granted
	}
	return answer
}

// --- Socket Mode ---

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	// A client that closed its previous socket before opening this one
	// may still be seen here as holding it for a moment (the close is in
	// flight): give the old socket's reader a bounded time to notice.
	s.mu.Lock()
	prev := s.connDone
	s.mu.Unlock()
	if prev != nil {
		select {
		case <-prev:
		case <-time.After(2 * time.Second):
		}
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.conns++
	s.live++
	s.maxLive = max(s.maxLive, s.live)
	s.conn = c
	s.connDone = done
	s.mu.Unlock()

	var hello map[string]any
	mustLoad("hello.json", &hello)
	hello["num_connections"] = 1
	_ = s.write(c, hello)
	s.mu.Lock()
	s.notify()
	s.mu.Unlock()

	stop := make(chan struct{})
	if s.ping > 0 {
		go func() {
			t := time.NewTicker(s.ping)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					s.connWrite.Lock()
					err := c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
					s.connWrite.Unlock()
					if err != nil {
						return
					}
				}
			}
		}()
	}
	defer func() {
		close(stop)
		_ = c.Close()
		s.mu.Lock()
		s.live--
		if s.conn == c {
			s.conn = nil
		}
		close(done)
		s.notify()
		s.mu.Unlock()
	}()
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := c.ReadJSON(&ack); err != nil {
			return
		}
		s.mu.Lock()
		if ack.EnvelopeID != "" {
			s.acks[ack.EnvelopeID] = true
			s.ackPayloads[ack.EnvelopeID] = ack.Payload
		}
		s.notify()
		s.mu.Unlock()
	}
}

func (s *Server) write(c *websocket.Conn, v any) error {
	s.connWrite.Lock()
	defer s.connWrite.Unlock()
	return c.WriteJSON(v)
}

// Envelope sends payload on the current socket in an envelope of the
// given type (events_api, interactive, slash_commands) and returns its
// envelope_id.
func (s *Server) Envelope(ctx context.Context, typ string, payload json.RawMessage) (string, error) {
	id := randomID()
	return id, s.send(ctx, id, typ, payload, 0)
}

// Redeliver sends the envelope id again, as Slack does when it was not
// acknowledged in time, with retry_attempt set.
func (s *Server) Redeliver(ctx context.Context, id string, attempt int) error {
	s.mu.Lock()
	raw, ok := s.sent[id]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("slacktest: no envelope %s", id)
	}
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	payload, _ := json.Marshal(env["payload"])
	return s.send(ctx, id, env["type"].(string), payload, attempt)
}

func (s *Server) send(ctx context.Context, id, typ string, payload json.RawMessage, attempt int) error {
	if err := s.WaitSocket(ctx, 1); err != nil {
		return err
	}
	var env map[string]any
	mustLoad("envelope.json", &env)
	env["envelope_id"], env["type"], env["payload"] = id, typ, payload
	env["accepts_response_payload"] = typ != "events_api"
	if attempt > 0 {
		env["retry_attempt"], env["retry_reason"] = attempt, "timeout"
	}
	raw, _ := json.Marshal(env)
	s.mu.Lock()
	c := s.conn
	s.sent[id] = raw
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("slacktest: no socket open")
	}
	s.connWrite.Lock()
	defer s.connWrite.Unlock()
	return c.WriteMessage(websocket.TextMessage, raw)
}

// Disconnect sends Slack's disconnect message with reason
// (refresh_requested, warning) on the current socket; the client is
// expected to close it and connect again.
func (s *Server) Disconnect(reason string) error {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("slacktest: no socket open")
	}
	var msg map[string]any
	mustLoad("disconnect.json", &msg)
	msg["reason"] = reason
	return s.write(c, msg)
}

func mustLoad(name string, v any) {
	raw, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		panic(err)
	}
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// WaitCalls waits until method was called at least n times.
func (s *Server) WaitCalls(ctx context.Context, method string, n int) error {
	return s.Wait(ctx, fmt.Sprintf("%d calls to %s", n, method), func(s *Server) bool { return s.calls[method] >= n })
}
