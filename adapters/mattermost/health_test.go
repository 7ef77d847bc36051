package mattermost

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

func TestHealthFollowsTheWebSocket(t *testing.T) {
	h := newHarness(t, "")
	if h.a.Healthy() == nil {
		t.Fatal("healthy before Run")
	}
	_, c := h.connected(t)
	if err := h.a.Healthy(); err != nil || h.a.Reconnections() != 0 {
		t.Fatalf("greeted socket: healthy %v, %d reconnections; want nil, 0", err, h.a.Reconnections())
	}
	// The server closes the socket: unhealthy during the backoff, healthy
	// again once the new socket is greeted, one reconnection counted.
	_ = c.ws.Close()
	d := h.clock.waitFor(t, "the backoff", inRange(250*time.Millisecond, 500*time.Millisecond))
	if h.a.Healthy() == nil {
		t.Error("healthy while the socket is lost")
	}
	h.reconnect(t, d)
	if err := h.a.Healthy(); err != nil || h.a.Reconnections() != 1 {
		t.Errorf("after reconnecting: healthy %v, %d reconnections; want nil, 1", err, h.a.Reconnections())
	}
}

// At stop the dispatcher takes no new message but finishes those queued,
// with a context that is not cancelled.
func TestDispatcherFinishesQueuedMessagesAtStop(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	release := make(chan struct{})
	var mu sync.Mutex
	var handled []string
	d := newDispatcher(ctx, func(hctx context.Context, m bot.Message) {
		if m.ID == "m0" {
			<-release // in flight when the stop comes
		}
		mu.Lock()
		defer mu.Unlock()
		if hctx.Err() != nil {
			t.Errorf("%s handled with a cancelled context", m.ID)
		}
		handled = append(handled, m.ID)
	}, 2)
	conv := bot.Conversation{ID: "dm1"}
	for i := range 5 {
		d.put(bot.Message{ID: fmt.Sprintf("m%d", i), Conversation: conv})
	}
	cancel() // the adapter is told to stop
	stopped := make(chan struct{})
	go func() {
		d.stop()
		close(stopped)
	}()
	d.put(bot.Message{ID: "late", Conversation: conv}) // refused: stopping
	close(release)
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"m0", "m1", "m2", "m3", "m4"}; !slices.Equal(handled, want) {
		t.Errorf("handled %v, want %v (the queued ones, in order, not the late one)", handled, want)
	}
}
