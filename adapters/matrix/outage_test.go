package matrix

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// outageStore's deduplication is unreachable while down is set.
type outageStore struct {
	bot.Store
	down *atomic.Bool
}

func (s outageStore) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, fmt.Errorf("dial tcp: %w", bot.ErrUnavailable)
	}
	return s.Store.FirstSeen(ctx, key, ttl)
}

// With the store unreachable, a message still reaches the core (which
// answers that the service is unavailable) instead of being dropped.
func TestStoreOutageDropsNoMessage(t *testing.T) {
	f := newFakeHomeserver(t)
	down := &atomic.Bool{}
	h := start(t, f, outageStore{Store: openStore(t), down: down})
	f.invite("b1", dmRoom, alice, true)
	f.members[dmRoom] = []string{"@maillage:example.org", alice}
	f.timeline("b2", dmRoom, textEvent(alice, "bonjour"))
	if m := h.next(t); m.Text != "bonjour" {
		t.Fatalf("got %+v", m)
	}
	down.Store(true)
	f.timeline("b3", dmRoom, textEvent(alice, "aide"))
	if m := h.next(t); m.Text != "aide" {
		t.Errorf("during the outage: %+v, want the message", m)
	}
	down.Store(false)
	h.quiet(t, "b4")
}
