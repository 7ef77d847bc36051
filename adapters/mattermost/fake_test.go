package mattermost

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
)

// Identifiers of the recorded payloads in testdata/ (Mattermost 11.1.0).
const (
	botID     = "4bzdeioakfycugbc335j1sq67r"
	aliceID   = "eng8en8xaf8tdrcintb7duzunw"
	brunoID   = "hjduiz1c6fgo3px4a5m3d7q86c"
	dmID      = "xzotcosef3gwir6aoidmnn467r"
	dmName    = botID + "__" + aliceID
	testToken = "fake-bot-token-0123456789"
)

// fakeClock is a manual clock: After registers a waiter that fires when
// the test advances the time past it. No test sleeps.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*waiter
	changed chan struct{}
}

type waiter struct {
	at time.Time
	d  time.Duration
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), changed: make(chan struct{}, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &waiter{at: c.now.Add(d), d: d, ch: make(chan time.Time, 1)}
	c.waiters = append(c.waiters, w)
	select {
	case c.changed <- struct{}{}:
	default:
	}
	return w.ch
}

// Advance moves the time on and fires the waiters due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// waitFor blocks until a pending waiter satisfies ok, and returns its
// duration. The real-time limit only guards against a hung test.
func (c *fakeClock) waitFor(t *testing.T, what string, ok func(time.Duration) bool) time.Duration {
	t.Helper()
	limit := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		for _, w := range c.waiters {
			if ok(w.d) {
				c.mu.Unlock()
				return w.d
			}
		}
		c.mu.Unlock()
		select {
		case <-c.changed:
		case <-limit:
			t.Fatalf("nobody waits for %s", what)
		}
	}
}

// fakeServer is a small Mattermost: the REST calls the adapter makes and
// a WebSocket endpoint whose connections the test drives.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	me       model.User
	channels map[string]*model.Channel
	posts    map[string]*model.Post
	created  []*model.Post
	refuse   int             // WebSocket dials still to refuse
	revoked  bool            // the token is no longer valid
	fail429  int             // POST /posts answers still to refuse with 429
	dm       string          // the direct channel with alice now
	gone     map[string]bool // channels lost (resetDirect): posts get 404
	requests []string

	conns chan *fakeConn
}

type fakeConn struct {
	ws     *websocket.Conn
	closed chan struct{} // the client closed it, or it broke
}

func (c *fakeConn) send(t *testing.T, name string, seq int64) {
	t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, event(t, name, seq)); err != nil {
		t.Fatalf("sending %s: %v", name, err)
	}
}

// event reads a recorded event from testdata/ and sets its sequence.
func event(t *testing.T, name string, seq int64) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["seq"] = seq
	out, _ := json.Marshal(m)
	return out
}

func newFakeServer(t *testing.T) *fakeServer {
	fs := &fakeServer{
		t:        t,
		me:       model.User{Id: botID, Username: "maillage", IsBot: true, Roles: "system_user"},
		channels: map[string]*model.Channel{dmID: {Id: dmID, Name: dmName, Type: model.ChannelTypeDirect}},
		posts:    map[string]*model.Post{},
		conns:    make(chan *fakeConn, 8),
		dm:       dmID,
		gone:     map[string]bool{},
	}
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/v4/users/me", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, fs.me)
	})
	mux.HandleFunc("GET /api/v4/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, model.User{Id: r.PathValue("id"), Username: "alice", Locale: "fr", FirstName: "Alice", LastName: "Martin",
			Email: "alice@example.test", Timezone: model.StringMap{"useAutomaticTimezone": "false", "manualTimezone": "Europe/Paris"}})
	})
	mux.HandleFunc("GET /api/v4/users/{id}/channels", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		var out []*model.Channel
		for _, c := range fs.channels {
			out = append(out, c)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /api/v4/channels/{id}", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := found(w, fs, fs.channels, r.PathValue("id")); ok {
			writeJSON(w, c)
		}
	})
	mux.HandleFunc("GET /api/v4/channels/{id}/posts", func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		fs.mu.Lock()
		defer fs.mu.Unlock()
		list := model.NewPostList()
		for _, p := range fs.posts {
			if p.ChannelId == r.PathValue("id") && p.CreateAt >= since {
				list.AddPost(p)
				list.AddOrder(p.Id)
			}
		}
		writeJSON(w, list)
	})
	mux.HandleFunc("POST /api/v4/posts", func(w http.ResponseWriter, r *http.Request) {
		var p model.Post
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fs.mu.Lock()
		defer fs.mu.Unlock()
		if fs.gone[p.ChannelId] {
			http.Error(w, `{"id":"app.channel.get.existing.app_error","status_code":404}`, http.StatusNotFound)
			return
		}
		if fs.fail429 > 0 {
			fs.fail429--
			w.Header().Set("Retry-After", "2")
			http.Error(w, `{"id":"too_many","status_code":429}`, http.StatusTooManyRequests)
			return
		}
		p.Id = model.NewId()
		p.UserId = fs.me.Id
		p.CreateAt = time.Now().UnixMilli()
		fs.posts[p.Id] = &p
		fs.created = append(fs.created, &p)
		writeJSON(w, &p)
	})
	mux.HandleFunc("GET /api/v4/posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if p, ok := found(w, fs, fs.posts, r.PathValue("id")); ok {
			writeJSON(w, p)
		}
	})
	mux.HandleFunc("PUT /api/v4/posts/{id}/patch", func(w http.ResponseWriter, r *http.Request) {
		var patch model.PostPatch
		_ = json.NewDecoder(r.Body).Decode(&patch)
		if p, ok := found(w, fs, fs.posts, r.PathValue("id")); ok {
			fs.mu.Lock()
			p.Patch(&patch)
			fs.mu.Unlock()
			writeJSON(w, p)
		}
	})
	mux.HandleFunc("POST /api/v4/channels/direct", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		_ = json.NewDecoder(r.Body).Decode(&ids)
		if len(ids) != 2 || !slices.Contains(ids, botID) || !slices.Contains(ids, aliceID) {
			http.Error(w, `{"id":"bad","status_code":400}`, http.StatusBadRequest)
			return
		}
		fs.mu.Lock()
		c := fs.channels[fs.dm]
		fs.mu.Unlock()
		writeJSON(w, c)
	})
	mux.HandleFunc("POST /api/v4/channels/group", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		_ = json.NewDecoder(r.Body).Decode(&ids)
		slices.Sort(ids)
		c := &model.Channel{Id: model.NewId(), Name: strings.Join(ids, "-"), Type: model.ChannelTypeGroup}
		fs.mu.Lock()
		fs.channels[c.Id] = c
		fs.mu.Unlock()
		writeJSON(w, c)
	})
	mux.HandleFunc("GET /api/v4/websocket", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		refuse := fs.refuse > 0
		if refuse {
			fs.refuse--
		}
		fs.mu.Unlock()
		if refuse {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &fakeConn{ws: ws, closed: make(chan struct{})}
		go func() {
			defer close(c.closed)
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		fs.conns <- c
	})
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.requests = append(fs.requests, r.Method+" "+r.URL.Path)
		revoked := fs.revoked
		fs.mu.Unlock()
		if !strings.EqualFold(r.Header.Get("Authorization"), "Bearer "+testToken) || revoked {
			http.Error(w, `{"id":"api.context.session_expired.app_error","status_code":401}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

// resetDirect loses the direct channel with alice, as a database reset
// does: posts to it get 404, and creating it again gives a new id.
func (fs *fakeServer) resetDirect() string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	delete(fs.channels, fs.dm)
	fs.gone[fs.dm] = true
	c := &model.Channel{Id: model.NewId(), Name: dmName, Type: model.ChannelTypeDirect}
	fs.channels[c.Id], fs.dm = c, c.Id
	return c.Id
}

// found looks id up in m under the server's lock, answering 404 if absent.
func found[V any](w http.ResponseWriter, fs *fakeServer, m map[string]V, id string) (V, bool) {
	fs.mu.Lock()
	v, ok := m[id]
	fs.mu.Unlock()
	if !ok {
		http.Error(w, `{"id":"not_found","status_code":404}`, http.StatusNotFound)
	}
	return v, ok
}

func (fs *fakeServer) addPost(p *model.Post) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.posts[p.Id] = p
	if c, ok := fs.channels[p.ChannelId]; ok && p.CreateAt > c.LastPostAt {
		c.LastPostAt = p.CreateAt
	}
}

// nextConn waits for the adapter's next WebSocket.
func (fs *fakeServer) nextConn(t *testing.T) *fakeConn {
	t.Helper()
	select {
	case c := <-fs.conns:
		t.Cleanup(func() { _ = c.ws.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter did not open a WebSocket")
		return nil
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type harness struct {
	fs    *fakeServer
	clock *fakeClock
	a     *Adapter
	store bot.Store
	got   chan bot.Message
}

func newHarness(t *testing.T, publicURL string) *harness {
	return newHarnessWith(t, Options{PublicURL: publicURL})
}

// newHarnessWith completes o with the fake server, clock and store.
func newHarnessWith(t *testing.T, o Options) *harness {
	t.Helper()
	fs := newFakeServer(t)
	clock := newFakeClock()
	store, err := bolt.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h := &harness{fs: fs, clock: clock, store: store, got: make(chan bot.Message, 16)}
	h.a = h.adapter(t, o)
	return h
}

// adapter builds an adapter on the harness's server, clock and store,
// logging to the test and checking that the token is never logged.
func (h *harness) adapter(t *testing.T, o Options) *Adapter {
	t.Helper()
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testToken) {
			t.Error("the token appears in the log")
		}
	})
	o.URL, o.Token = h.fs.srv.URL, testToken
	if o.Store == nil {
		o.Store = h.store
	}
	o.Clock, o.After, o.Rand, o.Workers = h.clock, h.clock.After, rand.New(rand.NewPCG(1, 2)), 1
	o.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// replica is a second adapter, as on another replica: same server, same
// store, and the same core (its messages arrive on the same channel).
func (h *harness) replica(t *testing.T) *harness {
	t.Helper()
	r := *h
	r.a = h.adapter(t, Options{})
	return &r
}

// run starts the adapter; it stops at the end of the test.
func (h *harness) run(t *testing.T) chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done <- h.a.Run(ctx, func(_ context.Context, m bot.Message) { h.got <- m })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return done
}

// connected runs the adapter and greets its first WebSocket.
func (h *harness) connected(t *testing.T) (chan error, *fakeConn) {
	t.Helper()
	done := h.run(t)
	c := h.fs.nextConn(t)
	c.send(t, "hello.json", 0)
	h.noneBefore(t, c, 1)
	return done, c
}

func (h *harness) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-h.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the core")
		return bot.Message{}
	}
}

// postedEvent builds a posted event for a new post in the direct channel.
func postedEvent(t *testing.T, p *model.Post, seq int64) []byte {
	t.Helper()
	raw, _ := json.Marshal(p)
	ev := map[string]any{
		"event": "posted", "seq": seq,
		"data":      map[string]any{"channel_type": "D", "channel_name": dmName, "post": string(raw)},
		"broadcast": map[string]any{"channel_id": p.ChannelId},
	}
	out, _ := json.Marshal(ev)
	return out
}

func dmPost(clock *fakeClock, text string) *model.Post {
	return &model.Post{Id: model.NewId(), ChannelId: dmID, UserId: aliceID, Message: text, CreateAt: clock.Now().UnixMilli()}
}

// noneBefore checks that nothing else reached the core before a marker
// sent now: with one worker, the core sees posts in their order.
func (h *harness) noneBefore(t *testing.T, c *fakeConn, seq int64) {
	t.Helper()
	marker := dmPost(h.clock, "marqueur")
	if err := c.ws.WriteMessage(websocket.TextMessage, postedEvent(t, marker, seq)); err != nil {
		t.Fatal(err)
	}
	if m := h.next(t); m.ID != marker.Id {
		t.Fatalf("unexpected message %q (%q) before the marker", m.ID, m.Text)
	}
}
