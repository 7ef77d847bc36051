package matrix

import (
	"sync/atomic"
	"testing"

	"github.com/sndgct/maillage/bot/bottest"
)

// With the store unreachable, a message still reaches the core (which
// answers that the service is unavailable) instead of being dropped.
func TestStoreOutageDropsNoMessage(t *testing.T) {
	f := newFakeHomeserver(t)
	down := &atomic.Bool{}
	h := start(t, f, bottest.OutageStore{Store: openStore(t), Down: down})
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
