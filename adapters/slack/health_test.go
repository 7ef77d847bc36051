package slack

import (
	"context"
	"testing"
	"time"
)

// waitUntil polls cond (a state the adapter keeps) for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHealthFollowsTheSocket(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	a := h.adapter(t, nil)
	if a.Healthy() == nil {
		t.Fatal("healthy before Run")
	}
	rec := newRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, rec.handle) }()
	waitUntil(t, "the socket", func() bool { return a.Healthy() == nil })
	if n := a.Reconnections(); n != 0 {
		t.Errorf("%d reconnections after the first connection, want 0", n)
	}
	// Slack recycles the socket: one reconnection, healthy again.
	if err := h.fake.Disconnect("refresh_requested"); err != nil {
		t.Fatal(err)
	}
	if err := h.fake.WaitSocket(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reconnection", func() bool { return a.Reconnections() == 1 && a.Healthy() == nil })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if err := a.Healthy(); err == nil {
		t.Error("healthy after Run returned")
	}
}

func TestHealthEventsAPI(t *testing.T) {
	h := newHarness(t, 0)
	a := h.adapter(t, func(o *Options) { o.AppToken = "" })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, newRecorder().handle) }()
	waitUntil(t, "the Events API", func() bool { return a.Healthy() == nil })
	cancel()
	<-done
	if a.Healthy() == nil {
		t.Error("healthy after Run returned")
	}
}
