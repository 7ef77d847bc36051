package slack

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/adapters/slack/slacktest"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/fakeclock"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// logBuffer collects log output and wakes waiters on every line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the log holds s.
func (l *logBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	for {
		l.mu.Lock()
		ok := strings.Contains(l.buf.String(), s)
		ch := l.changed
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-t.Context().Done():
			t.Fatalf("log never said %q:\n%s", s, l.String())
		}
	}
}

// recorder is a bot.Handler that records messages.
type recorder struct {
	mu      sync.Mutex
	msgs    []bot.Message
	changed chan struct{}
	block   chan struct{} // when set, each call waits on it
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) handle(ctx context.Context, m bot.Message) {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) all() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.msgs...)
}

// wait waits until n messages were handled and returns them.
func (r *recorder) wait(t *testing.T, n int) []bot.Message {
	t.Helper()
	for {
		r.mu.Lock()
		got := len(r.msgs)
		ch := r.changed
		r.mu.Unlock()
		if got >= n {
			return r.all()
		}
		select {
		case <-ch:
		case <-t.Context().Done():
			t.Fatalf("handled %d messages, want %d: %+v", got, n, r.all())
		}
	}
}

type harness struct {
	fake  *slacktest.Server
	store *bolt.Store
	clock *fakeclock.Clock
	logs  *logBuffer
}

func newHarness(t *testing.T, ping time.Duration) *harness {
	t.Helper()
	fake := slacktest.New(ping)
	t.Cleanup(fake.Close)
	fake.AddUser(slacktest.User{ID: "U0ALICE", Name: "alice", DisplayName: "Alice", RealName: "Alice Martin",
		Email: "alice@mairie.example", Locale: "fr-FR", TZ: "Europe/Paris"})
	fake.AddUser(slacktest.User{ID: "U0BOB", Name: "bob", RealName: "Bob Durand", Locale: "en-GB", TZ: "Europe/London"})
	clock := fakeclock.New(time.Now())
	store, err := bolt.Open(t.Context(), filepath.Join(t.TempDir(), "m.db"), bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h := &harness{fake: fake, store: store, clock: clock, logs: newLogBuffer()}
	// Whatever the test did, no secret reached the log (debug included).
	t.Cleanup(func() {
		for _, secret := range []string{slacktest.BotToken, slacktest.AppToken, testSecret} {
			if strings.Contains(h.logs.String(), secret) {
				t.Errorf("the log shows a secret (%.8s…)", secret)
			}
		}
	})
	return h
}

// adapter builds an adapter on the fake; tweak adjusts the options.
func (h *harness) adapter(t *testing.T, tweak func(*Options)) *Adapter {
	t.Helper()
	opts := Options{
		BotToken: slacktest.BotToken, AppToken: slacktest.AppToken, SigningSecret: testSecret,
		APIURL: h.fake.URL(), Store: h.store, Clock: h.clock,
		Logger:  slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Workers: 1,
		Sleep:   func(context.Context, time.Duration) error { t.Error("unexpected Sleep"); return nil },
	}
	if tweak != nil {
		tweak(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// start runs an adapter on the fake with a recorder as its handler, and
// waits until its socket is open.
func (h *harness) start(t *testing.T, tweak func(*Options)) (*Adapter, *recorder) {
	t.Helper()
	a := h.adapter(t, tweak)
	rec := newRecorder()
	run(t, a, rec.handle)
	if err := h.fake.WaitSocket(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	return a, rec
}

// envelope sends payload in a Socket Mode envelope of type typ.
func (h *harness) envelope(t *testing.T, typ string, payload []byte) string {
	t.Helper()
	id, err := h.fake.Envelope(t.Context(), typ, payload)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// run runs a until the test ends and returns Run's result channel.
func run(t *testing.T, a *Adapter, h bot.Handler) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run() = %v, want nil after cancel", err)
		}
	})
	return done
}
