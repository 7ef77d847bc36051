package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

type countingPurger struct {
	bot.Store
	calls atomic.Int32
}

func (p *countingPurger) Purge(context.Context) (int, error) {
	p.calls.Add(1)
	return 3, nil
}

func TestPurgeExpiredRunsAtStartAndStops(t *testing.T) {
	p := &countingPurger{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() {
		purgeExpired(ctx, p, slog.New(slog.DiscardHandler), time.Hour)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("purgeExpired did not return after its context ended")
	}
	if got := p.calls.Load(); got != 1 {
		t.Errorf("Purge called %d times, want once at start", got)
	}
	// A store without Purge (Redis expires keys itself) is left alone.
	purgeExpired(context.Background(), struct{ bot.Store }{}, slog.New(slog.DiscardHandler), time.Hour)
}
