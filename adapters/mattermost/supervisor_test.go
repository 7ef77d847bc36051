package mattermost

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
)

func inRange(lo, hi time.Duration) func(time.Duration) bool {
	return func(d time.Duration) bool { return d >= lo && d <= hi }
}

// reconnect ends the backoff d and greets the adapter's new WebSocket.
func (h *harness) reconnect(t *testing.T, d time.Duration) {
	t.Helper()
	h.clock.Advance(d)
	c := h.fs.nextConn(t)
	c.send(t, "hello.json", 0)
	h.noneBefore(t, c, 1)
}

// closedThenReconnect waits for the adapter to close c, then ends its
// first backoff and greets the new socket.
func (h *harness) closedThenReconnect(t *testing.T, c *fakeConn, why string) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal(why)
	}
	d := h.clock.waitFor(t, "the backoff", inRange(250*time.Millisecond, 500*time.Millisecond))
	h.reconnect(t, d)
}

func TestSupervisorTranslatesAndDeduplicates(t *testing.T) {
	h := newHarness(t, "")
	// Sent while the bot was stopped: within the catch-up window, and not.
	early := dmPost(h.clock, "envoyé avant le démarrage")
	early.CreateAt = h.clock.Now().Add(-10 * time.Minute).UnixMilli()
	h.fs.addPost(early)
	old := dmPost(h.clock, "trop ancien")
	old.CreateAt = h.clock.Now().Add(-2 * time.Hour).UnixMilli()
	h.fs.addPost(old)
	h.run(t)
	c := h.fs.nextConn(t)
	c.send(t, "hello.json", 0)
	if m := h.next(t); m.ID != early.Id {
		t.Fatalf("first message %q (%q), want the one sent before the start", m.ID, m.Text)
	}
	c.send(t, "status_change.json", 1)
	c.send(t, "posted_direct.json", 2)
	m := h.next(t)
	want := bot.Conversation{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), ID: dmID, Kind: bot.Direct}
	if m.ID != "agphqesjbiytt8mh5mor1gxy4o" || m.From.User != aliceID || m.Conversation != want ||
		m.Text != "Bonjour, je suis DGS de Saint-Pierre-du-Perray" || m.Locale != "fr" || m.Mention {
		t.Errorf("message = %+v", m)
	}
	// The same post again (a redelivery) is not handed over twice.
	c.send(t, "posted_direct.json", 3)
	h.noneBefore(t, c, 4)
}

func TestSupervisorReconnectsAfterCloseAndCatchesUp(t *testing.T) {
	h := newHarness(t, "")
	_, c := h.connected(t)

	// The server closes the socket; a post arrives while the bot is away.
	_ = c.ws.Close()
	d := h.clock.waitFor(t, "the first backoff", inRange(250*time.Millisecond, 500*time.Millisecond))
	missed := dmPost(h.clock, "message envoyé pendant la coupure")
	h.fs.addPost(missed)
	h.clock.Advance(d)

	c2 := h.fs.nextConn(t)
	c2.send(t, "hello.json", 0)
	if m := h.next(t); m.ID != missed.Id || m.Text != missed.Message {
		t.Fatalf("after reconnection got %q (%q), want the missed post", m.ID, m.Text)
	}
	// The server also delivers it live: still handled once.
	if err := c2.ws.WriteMessage(websocket.TextMessage, postedEvent(t, missed, 1)); err != nil {
		t.Fatal(err)
	}
	h.noneBefore(t, c2, 2)
}

func TestSupervisorReplacesASilentSocket(t *testing.T) {
	h := newHarness(t, "")
	_, c := h.connected(t)
	// No event and no ping for the silence allowed (90 s, checked every 30 s).
	for range 3 {
		h.clock.waitFor(t, "the silence check", func(d time.Duration) bool { return d == 30*time.Second })
		h.clock.Advance(30 * time.Second)
	}
	h.closedThenReconnect(t, c, "the silent socket was not closed")
}

func TestSupervisorBacksOffWhileTheServerRestarts(t *testing.T) {
	h := newHarness(t, "")
	_, c := h.connected(t)

	h.fs.mu.Lock()
	h.fs.refuse = 3
	h.fs.mu.Unlock()
	_ = c.ws.Close()
	// 500 ms · 2ⁿ, of which a random half: the delays grow, capped.
	for n, base := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		d := h.clock.waitFor(t, "a backoff", inRange(base/2, base))
		if n > 0 && d <= base/4 {
			t.Errorf("attempt %d waits %v", n, d)
		}
		if n < 3 {
			h.clock.Advance(d)
		} else {
			h.reconnect(t, d)
		}
	}
}

func TestSupervisorFetchesOnASequenceGap(t *testing.T) {
	h := newHarness(t, "")
	_, c := h.connected(t)
	lost := dmPost(h.clock, "événement perdu")
	h.fs.addPost(lost)
	// seq 2 was lost: the next event, seq 3, reveals the gap.
	c.send(t, "status_change.json", 3)
	if m := h.next(t); m.ID != lost.Id {
		t.Fatalf("got %q, want the post of the lost event", m.ID)
	}
}

func TestSupervisorStopsWhenTheTokenIsRevoked(t *testing.T) {
	h := newHarness(t, "")
	done, c := h.connected(t)
	h.fs.mu.Lock()
	h.fs.revoked = true
	h.fs.mu.Unlock()
	_ = c.ws.Close()
	d := h.clock.waitFor(t, "the backoff", inRange(250*time.Millisecond, 500*time.Millisecond))
	h.clock.Advance(d)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "MAILLAGE_MATTERMOST_TOKEN") {
			t.Errorf("Run = %v, want an error naming MAILLAGE_MATTERMOST_TOKEN", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run goes on with a revoked token")
	}
}

func TestRunRefusesAnAdministratorsPersonalToken(t *testing.T) {
	h := newHarness(t, "")
	h.fs.me.IsBot = false
	h.fs.me.Roles = "system_user system_admin"
	h.fs.me.Username = "admin"
	err := h.a.Run(t.Context(), func(_ context.Context, m bot.Message) {})
	if err == nil || !strings.Contains(err.Error(), "bot account") {
		t.Fatalf("Run = %v, want a refusal asking for a bot account", err)
	}
	h.fs.revoked = true
	if err := h.a.Run(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Run with a bad token = %v", err)
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	h := newHarness(t, "")
	seen := map[time.Duration]bool{}
	for range 50 {
		d := h.a.backoff(40)
		if d < 15*time.Second || d > 30*time.Second {
			t.Fatalf("backoff(40) = %v, want within [15s, 30s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct delays in 50: no jitter", len(seen))
	}
	if err := errors.Unwrap(errStop{errPingTimeout}); err != errPingTimeout {
		t.Errorf("errStop does not unwrap")
	}
}

func TestTwoReplicasHandleAPostOnce(t *testing.T) {
	h := newHarness(t, "")
	_, c1 := h.connected(t)
	r := h.replica(t)
	r.run(t)
	c2 := h.fs.nextConn(t)
	c2.send(t, "hello.json", 0)
	// Both replicas receive the post; the core gets it once.
	c1.send(t, "posted_direct.json", 2)
	c2.send(t, "posted_direct.json", 1)
	if m := h.next(t); m.ID != "agphqesjbiytt8mh5mor1gxy4o" {
		t.Fatalf("got %q", m.ID)
	}
	h.noneBefore(t, c1, 3)
	r.noneBefore(t, c2, 2)
}

// recordingDialer hands the test each WebSocket client the adapter opens.
type recordingDialer struct {
	inner   WSDialer
	clients chan *model.WebSocketClient
}

func (d recordingDialer) Dial(ctx context.Context, wsURL, token string) (*model.WebSocketClient, error) {
	c, err := d.inner.Dial(ctx, wsURL, token)
	if err == nil {
		d.clients <- c
	}
	return c, err
}

func TestSupervisorReplacesTheClientOnAPingTimeout(t *testing.T) {
	dialer := recordingDialer{inner: defaultDialer(), clients: make(chan *model.WebSocketClient, 4)}
	h := newHarnessWith(t, Options{Dialer: dialer})
	_, c := h.connected(t)
	first := <-dialer.clients
	// The library's own watchdog (65 s of real time) reports a timeout.
	first.PingTimeoutChannel <- true
	h.closedThenReconnect(t, c, "the client was not closed after its ping timeout")
	if second := <-dialer.clients; second == first {
		t.Error("the old client was reused")
	}
}

func TestSupervisorReconnectsAfterACleanClose(t *testing.T) {
	h := newHarness(t, "")
	_, c := h.connected(t)
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "restart")
	if err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	d := h.clock.waitFor(t, "the backoff", inRange(250*time.Millisecond, 500*time.Millisecond))
	h.reconnect(t, d)
}
