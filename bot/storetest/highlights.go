package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// highlightTests are the subtests of bot.HighlightStore.
func highlightTests() []struct {
	name string
	fn   func(t *testing.T, h Harness)
} {
	return []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"SubscriptionRoundTrip", testSubscriptionRoundTrip},
		{"SubscriptionsOrderAndErase", testSubscriptionsOrderAndErase},
		{"SubscriptionInvalid", testSubscriptionInvalid},
		{"PublishedHighlights", testPublishedHighlights},
	}
}

func subscription(ref bot.UserRef) bot.HighlightFollows {
	return bot.HighlightFollows{
		Member:   ref,
		Topics:   []string{"ia", "management"},
		Sessions: []string{"territorialis-2024/atelier-leader-connecte"},
		Registrations: []bot.SessionRegistration{{
			Event: "congres-2025", Session: "s1",
			Starts:     time.Date(2025, 10, 2, 14, 30, 0, 0, cet),
			Registered: time.Date(2025, 9, 1, 10, 0, 0, 123, time.UTC),
		}},
		DigestCursor: time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC),
		Updated:      time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC),
	}
}

func diffSubscription(got, want bot.HighlightFollows) string {
	switch {
	case got.Member != want.Member:
		return fmt.Sprintf("Member = %v, want %v", got.Member, want.Member)
	case !slices.Equal(got.Topics, want.Topics):
		return fmt.Sprintf("Topics = %q, want %q", got.Topics, want.Topics)
	case !slices.Equal(got.Sessions, want.Sessions):
		return fmt.Sprintf("Sessions = %q, want %q", got.Sessions, want.Sessions)
	case len(got.Registrations) != len(want.Registrations):
		return fmt.Sprintf("Registrations = %v, want %v", got.Registrations, want.Registrations)
	case !got.DigestCursor.Equal(want.DigestCursor) || !got.LastDigest.Equal(want.LastDigest):
		return fmt.Sprintf("digest times = %v %v, want %v %v", got.DigestCursor, got.LastDigest, want.DigestCursor, want.LastDigest)
	}
	for i, r := range got.Registrations {
		w := want.Registrations[i]
		if r.Event != w.Event || r.Session != w.Session || !r.Starts.Equal(w.Starts) ||
			!r.Registered.Equal(w.Registered) {
			return fmt.Sprintf("Registrations[%d] = %+v, want %+v", i, r, w)
		}
	}
	return ""
}

func testSubscriptionRoundTrip(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	if _, err := s.HighlightFollows(ctx, alice); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("HighlightFollows before save: err = %v, want ErrNotFound", err)
	}
	want := subscription(alice)
	if err := s.SaveHighlightFollows(ctx, want); err != nil {
		t.Fatalf("SaveHighlightFollows: %v", err)
	}
	got, err := s.HighlightFollows(ctx, alice)
	if err != nil {
		t.Fatalf("HighlightFollows: %v", err)
	}
	if d := diffSubscription(got, want); d != "" {
		t.Error(d)
	}
	want.Topics = []string{"rh"}
	want.Registrations[0].Starts = time.Date(2025, 10, 2, 15, 0, 0, 0, time.UTC)
	want.LastDigest = time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)
	if err := s.SaveHighlightFollows(ctx, want); err != nil {
		t.Fatalf("SaveHighlightFollows (replace): %v", err)
	}
	got, err = s.HighlightFollows(ctx, alice)
	if err != nil {
		t.Fatalf("HighlightFollows: %v", err)
	}
	if d := diffSubscription(got, want); d != "" {
		t.Errorf("after replace: %s", d)
	}
	if _, err := s.HighlightFollows(ctx, bob); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("HighlightFollows(bob): err = %v, want ErrNotFound", err)
	}
}

func testSubscriptionsOrderAndErase(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	for _, ref := range []bot.UserRef{carol, bob, alice} {
		if err := s.SaveHighlightFollows(ctx, subscription(ref)); err != nil {
			t.Fatalf("SaveHighlightFollows(%s): %v", ref, err)
		}
	}
	var got []string
	collect := func(sub bot.HighlightFollows) error {
		got = append(got, sub.Member.String())
		return nil
	}
	if err := s.EachHighlightFollows(ctx, collect); err != nil {
		t.Fatalf("EachHighlightFollows: %v", err)
	}
	want := []string{carol.String(), alice.String(), bob.String()}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("EachHighlightFollows order = %q, want %q", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.EachHighlightFollows(ctx, func(bot.HighlightFollows) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("early stop: err = %v after %d calls, want stop after 1", err, n)
	}
	if err := s.EraseHighlightFollows(ctx, bob); err != nil {
		t.Fatalf("EraseHighlightFollows: %v", err)
	}
	if _, err := s.HighlightFollows(ctx, bob); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("after erase: err = %v, want ErrNotFound", err)
	}
	if err := s.EraseHighlightFollows(ctx, bob); err != nil {
		t.Errorf("second erase: %v, want nil", err)
	}
	got = nil
	if err := s.EachHighlightFollows(ctx, collect); err != nil || len(got) != 2 {
		t.Errorf("after erase: %q, %v", got, err)
	}
}

func testSubscriptionInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	bad := bot.UserRef{Platform: bot.PlatformSlack}
	if err := s.SaveHighlightFollows(ctx, bot.HighlightFollows{Member: bad}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("SaveHighlightFollows(invalid ref): err = %v, want ErrInvalid", err)
	}
	if _, err := s.HighlightFollows(ctx, bad); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("HighlightFollows(invalid ref): err = %v, want ErrInvalid", err)
	}
	if err := s.EraseHighlightFollows(ctx, bad); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("EraseHighlightFollows(invalid ref): err = %v, want ErrInvalid", err)
	}
	if err := s.SaveHighlight(ctx, bot.PublishedHighlight{Event: "e", Session: "s", ID: "h", Published: time.Now()}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("SaveHighlight(no text): err = %v, want ErrInvalid", err)
	}
	if err := s.SaveHighlight(ctx, bot.PublishedHighlight{Event: "e", Session: "s", ID: "h", Text: "t"}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("SaveHighlight(no time): err = %v, want ErrInvalid", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.HighlightFollows(canceled, alice); !errors.Is(err, canceled.Err()) {
		t.Errorf("HighlightFollows(canceled ctx): err = %v", err)
	}
	if err := s.PublishedHighlights(canceled, func(bot.PublishedHighlight) error { return nil }); !errors.Is(err, canceled.Err()) {
		t.Errorf("PublishedHighlights(canceled ctx): err = %v", err)
	}
}

func testPublishedHighlights(t *testing.T, h Harness) {
	ctx := t.Context()
	s := h.Store
	t0 := time.Date(2025, 10, 2, 14, 0, 0, 0, time.UTC)
	hs := []bot.PublishedHighlight{
		{Event: "congres-2025", Session: "s2", ID: "b", Text: "Deuxième, « guillemets » et émojis 🎤", Published: t0.Add(time.Minute)},
		{Event: "congres-2025", Session: "s1", ID: "a", Text: "Premier", Quote: "Une citation", Author: "Quelqu'un", Published: t0},
		{Event: "autre", Session: "s1", ID: "a", Text: "Même id, autre événement", Published: t0.Add(time.Minute)},
		{Event: "congres", Session: "s1", ID: "-2025a", Text: "Clés proches", Published: t0.Add(2 * time.Minute)},
	}
	for _, x := range hs {
		if err := s.SaveHighlight(ctx, x); err != nil {
			t.Fatalf("SaveHighlight(%s/%s): %v", x.Event, x.ID, err)
		}
	}
	hs[1].Text = "Premier, corrigé" // replaces (event, id)
	if err := s.SaveHighlight(ctx, hs[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHighlight(ctx, "autre", "a"); err != nil {
		t.Fatalf("DeleteHighlight: %v", err)
	}
	if err := s.DeleteHighlight(ctx, "autre", "a"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("DeleteHighlight twice: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteHighlight(ctx, "congres", "2025b"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("DeleteHighlight of a never-stored key: err = %v, want ErrNotFound", err)
	}
	var got []bot.PublishedHighlight
	if err := s.PublishedHighlights(ctx, func(x bot.PublishedHighlight) error { got = append(got, x); return nil }); err != nil {
		t.Fatalf("PublishedHighlights: %v", err)
	}
	want := []bot.PublishedHighlight{hs[1], hs[0], hs[3]} // by time, then event, then id
	if len(got) != len(want) {
		t.Fatalf("got %d highlights, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Event != w.Event || g.Session != w.Session || g.ID != w.ID || g.Text != w.Text ||
			g.Quote != w.Quote || g.Author != w.Author || !g.Published.Equal(w.Published) {
			t.Errorf("[%d] = %+v, want %+v", i, g, w)
		}
	}
}
