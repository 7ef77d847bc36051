package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// dashboardTests are the DashboardStore contracts, run by Run.
func dashboardTests() []namedTest {
	return []namedTest{
		{"DashboardGrantRoundTrip", testDashboardGrantRoundTrip},
		{"DashboardGrantTakeOnce", testDashboardGrantTakeOnce},
		{"DashboardGrantInvalid", testDashboardGrantInvalid},
		{"DashboardGrantSweep", testDashboardGrantSweep},
		{"DashboardGrantErase", testDashboardGrantErase},
		{"SearchMisses", testSearchMisses},
		{"DashboardCanceledContext", testDashboardCanceledContext},
	}
}

func grant(kind, key string, ref bot.UserRef, created time.Time, ttl time.Duration) bot.DashboardGrant {
	return bot.DashboardGrant{Kind: kind, Key: key, Member: ref, Lang: bot.French,
		Created: created.Truncate(time.Millisecond), Expires: created.Add(ttl).Truncate(time.Millisecond)}
}

func sameGrant(a, b bot.DashboardGrant) bool {
	return a.Kind == b.Kind && a.Key == b.Key && a.Member == b.Member && a.Lang == b.Lang &&
		a.Created.Equal(b.Created) && a.Expires.Equal(b.Expires)
}

func testDashboardGrantRoundTrip(t *testing.T, h Harness) {
	ctx := t.Context()
	now := h.now()
	link := grant(bot.GrantLink, "a1b2", alice, now, 15*time.Minute)
	sess := grant(bot.GrantSession, "a1b2", alice, now, 8*time.Hour) // same key, other kind
	for _, g := range []bot.DashboardGrant{link, sess} {
		if err := h.Store.SaveDashboardGrant(ctx, g); err != nil {
			t.Fatalf("SaveDashboardGrant(%s) error: %v", g.Kind, err)
		}
	}
	for _, want := range []bot.DashboardGrant{link, sess} {
		got, err := h.Store.DashboardGrant(ctx, want.Kind, want.Key)
		if err != nil || !sameGrant(got, want) {
			t.Errorf("DashboardGrant(%s) = %+v, %v; want %+v", want.Kind, got, err, want)
		}
	}
	// Reading twice does not consume.
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantSession, "a1b2"); err != nil {
		t.Errorf("DashboardGrant again: %v", err)
	}
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantSession, "other"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("DashboardGrant(unknown) = %v, want ErrNotFound", err)
	}
	if err := h.Store.DeleteDashboardGrant(ctx, bot.GrantSession, "a1b2"); err != nil {
		t.Fatalf("DeleteDashboardGrant error: %v", err)
	}
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantSession, "a1b2"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if err := h.Store.DeleteDashboardGrant(ctx, bot.GrantSession, "a1b2"); err != nil {
		t.Errorf("DeleteDashboardGrant(none) error: %v", err)
	}
	// The link is still there.
	if got, err := h.Store.DashboardGrant(ctx, bot.GrantLink, "a1b2"); err != nil || !sameGrant(got, link) {
		t.Errorf("link after the session's deletion: %+v, %v", got, err)
	}
}

// Among concurrent takers, exactly one gets the grant.
func testDashboardGrantTakeOnce(t *testing.T, h Harness) {
	ctx := t.Context()
	g := grant(bot.GrantLink, "once", bob, h.now(), 15*time.Minute)
	if err := h.Store.SaveDashboardGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	var won, lost atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := h.Store.TakeDashboardGrant(ctx, bot.GrantLink, "once")
			switch {
			case err == nil && sameGrant(got, g):
				won.Add(1)
			case errors.Is(err, bot.ErrNotFound):
				lost.Add(1)
			default:
				t.Errorf("TakeDashboardGrant = %+v, %v", got, err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 7 {
		t.Errorf("takes: %d won, %d not found; want 1 and 7", won.Load(), lost.Load())
	}
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantLink, "once"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("after take: %v, want ErrNotFound", err)
	}
}

func testDashboardGrantInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	now := h.now()
	for _, g := range []bot.DashboardGrant{
		{},
		grant("", "k", alice, now, time.Hour),
		grant(bot.GrantLink, "", alice, now, time.Hour),
		grant(bot.GrantLink, "k", bot.UserRef{Platform: bot.PlatformSlack}, now, time.Hour),
		{Kind: bot.GrantLink, Key: "k", Member: alice, Expires: now},
		{Kind: bot.GrantLink, Key: "k", Member: alice, Created: now},
	} {
		if err := h.Store.SaveDashboardGrant(ctx, g); !errors.Is(err, bot.ErrInvalid) {
			t.Errorf("SaveDashboardGrant(%+v) = %v, want ErrInvalid", g, err)
		}
	}
	for _, kk := range [][2]string{{"", "k"}, {bot.GrantLink, ""}} {
		if _, err := h.Store.DashboardGrant(ctx, kk[0], kk[1]); !errors.Is(err, bot.ErrInvalid) {
			t.Errorf("DashboardGrant(%q, %q) = %v, want ErrInvalid", kk[0], kk[1], err)
		}
		if _, err := h.Store.TakeDashboardGrant(ctx, kk[0], kk[1]); !errors.Is(err, bot.ErrInvalid) {
			t.Errorf("TakeDashboardGrant(%q, %q) = %v, want ErrInvalid", kk[0], kk[1], err)
		}
		if err := h.Store.DeleteDashboardGrant(ctx, kk[0], kk[1]); !errors.Is(err, bot.ErrInvalid) {
			t.Errorf("DeleteDashboardGrant(%q, %q) = %v, want ErrInvalid", kk[0], kk[1], err)
		}
	}
	if _, err := h.Store.EraseDashboardGrants(ctx, bot.UserRef{}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("EraseDashboardGrants(zero ref) = %v, want ErrInvalid", err)
	}
	if _, err := h.Store.DashboardGrantsOf(ctx, bot.UserRef{}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("DashboardGrantsOf(zero ref) = %v, want ErrInvalid", err)
	}
	for _, q := range []string{"", strings.Repeat("x", bot.MaxSearchMissLen+1)} {
		if err := h.Store.CountSearchMiss(ctx, q); !errors.Is(err, bot.ErrInvalid) {
			t.Errorf("CountSearchMiss(%d bytes) = %v, want ErrInvalid", len(q), err)
		}
	}
}

// Saving a grant drops those expired before it was created, and only them.
func testDashboardGrantSweep(t *testing.T, h Harness) {
	ctx := t.Context()
	t0 := h.now()
	old := grant(bot.GrantLink, "old", alice, t0, 15*time.Minute)
	long := grant(bot.GrantSession, "long", alice, t0, 8*time.Hour)
	for _, g := range []bot.DashboardGrant{old, long} {
		if err := h.Store.SaveDashboardGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	// The caller decides expiry: an expired grant may still be read.
	if err := h.Store.SaveDashboardGrant(ctx, grant(bot.GrantLink, "new", bob, t0.Add(time.Hour), 15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantLink, "old"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("grant expired an hour ago still stored: %v", err)
	}
	for _, k := range [][2]string{{bot.GrantSession, "long"}, {bot.GrantLink, "new"}} {
		if _, err := h.Store.DashboardGrant(ctx, k[0], k[1]); err != nil {
			t.Errorf("DashboardGrant(%s %s) after the sweep: %v", k[0], k[1], err)
		}
	}
}

func testDashboardGrantErase(t *testing.T, h Harness) {
	ctx := t.Context()
	now := h.now()
	for i, g := range []bot.DashboardGrant{
		grant(bot.GrantLink, "a1", alice, now, time.Hour),
		grant(bot.GrantSession, "a2", alice, now, time.Hour),
		grant(bot.GrantSession, "b1", bob, now, time.Hour),
		grant(bot.GrantSession, "c1", carol, now, time.Hour),
	} {
		if err := h.Store.SaveDashboardGrant(ctx, g); err != nil {
			t.Fatalf("grant %d: %v", i, err)
		}
	}
	mine, err := h.Store.DashboardGrantsOf(ctx, alice)
	if err != nil || len(mine) != 2 || mine[0].Kind != bot.GrantLink || mine[1].Kind != bot.GrantSession || mine[0].Member != alice {
		t.Fatalf("DashboardGrantsOf(alice) = %+v, %v; want her link then her session", mine, err)
	}
	n, err := h.Store.EraseDashboardGrants(ctx, alice)
	if err != nil || n != 2 {
		t.Fatalf("EraseDashboardGrants(alice) = %d, %v; want 2", n, err)
	}
	for _, k := range [][2]string{{bot.GrantLink, "a1"}, {bot.GrantSession, "a2"}} {
		if _, err := h.Store.DashboardGrant(ctx, k[0], k[1]); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("alice's %s after erasure: %v", k[0], err)
		}
	}
	for _, k := range []string{"b1", "c1"} {
		if _, err := h.Store.DashboardGrant(ctx, bot.GrantSession, k); err != nil {
			t.Errorf("other member's session %s after alice's erasure: %v", k, err)
		}
	}
	if n, err := h.Store.EraseDashboardGrants(ctx, alice); err != nil || n != 0 {
		t.Errorf("second erasure = %d, %v; want 0", n, err)
	}
	if mine, err := h.Store.DashboardGrantsOf(ctx, alice); err != nil || len(mine) != 0 {
		t.Errorf("DashboardGrantsOf(alice) after erasure = %+v, %v", mine, err)
	}
}

func testSearchMisses(t *testing.T, h Harness) {
	ctx := t.Context()
	read := func() map[string]int {
		t.Helper()
		got := map[string]int{}
		var order []string
		if err := h.Store.SearchMisses(ctx, func(q string, n int) error {
			got[q] = n
			order = append(order, q)
			return nil
		}); err != nil {
			t.Fatalf("SearchMisses error: %v", err)
		}
		for i := 1; i < len(order); i++ {
			if order[i-1] >= order[i] {
				t.Errorf("SearchMisses order: %q", order)
			}
		}
		return got
	}
	if got := read(); len(got) != 0 {
		t.Errorf("empty store: %v", got)
	}
	for _, q := range []string{"velo cargo", "ia generative", "velo cargo", "é 🚀", "velo cargo"} {
		if err := h.Store.CountSearchMiss(ctx, q); err != nil {
			t.Fatalf("CountSearchMiss(%q) error: %v", q, err)
		}
	}
	got := read()
	if len(got) != 3 || got["velo cargo"] != 3 || got["ia generative"] != 1 || got["é 🚀"] != 1 {
		t.Errorf("SearchMisses = %v", got)
	}
	stop := errors.New("stop")
	calls := 0
	if err := h.Store.SearchMisses(ctx, func(string, int) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("early stop: %v after %d calls", err, calls)
	}
	// Beyond MaxSearchMisses distinct queries, new ones are not kept;
	// known ones still count.
	for i := len(got); i < bot.MaxSearchMisses; i++ {
		if err := h.Store.CountSearchMiss(ctx, fmt.Sprintf("q%05d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Store.CountSearchMiss(ctx, "one too many"); err != nil {
		t.Errorf("CountSearchMiss beyond the bound: %v, want nil", err)
	}
	if err := h.Store.CountSearchMiss(ctx, "velo cargo"); err != nil {
		t.Fatal(err)
	}
	got = read()
	if len(got) != bot.MaxSearchMisses || got["one too many"] != 0 || got["velo cargo"] != 4 {
		t.Errorf("after the bound: %d queries, new %d, known %d", len(got), got["one too many"], got["velo cargo"])
	}
}

func testDashboardCanceledContext(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	g := grant(bot.GrantLink, "k", alice, h.now(), time.Hour)
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s(canceled) = %v, want context.Canceled", name, err)
		}
	}
	check("SaveDashboardGrant", h.Store.SaveDashboardGrant(ctx, g))
	_, err := h.Store.DashboardGrant(ctx, g.Kind, g.Key)
	check("DashboardGrant", err)
	_, err = h.Store.TakeDashboardGrant(ctx, g.Kind, g.Key)
	check("TakeDashboardGrant", err)
	check("DeleteDashboardGrant", h.Store.DeleteDashboardGrant(ctx, g.Kind, g.Key))
	_, err = h.Store.EraseDashboardGrants(ctx, alice)
	check("EraseDashboardGrants", err)
	_, err = h.Store.DashboardGrantsOf(ctx, alice)
	check("DashboardGrantsOf", err)
	check("CountSearchMiss", h.Store.CountSearchMiss(ctx, "q"))
	check("SearchMisses", h.Store.SearchMisses(ctx, func(string, int) error { return nil }))
}
