package connstate

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestState(t *testing.T) {
	var s State
	if err := s.Healthy(); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("zero state: got %v, want ErrNotStarted", err)
	}
	s.Up()
	s.Up() // already up: not a reconnection
	if err := s.Healthy(); err != nil || s.Reconnections() != 0 {
		t.Fatalf("after first Up: healthy %v, reconnections %d; want nil, 0", err, s.Reconnections())
	}
	lost := errors.New("websocket lost")
	s.Down(lost)
	if err := s.Healthy(); !errors.Is(err, lost) {
		t.Fatalf("after Down: got %v, want %v", err, lost)
	}
	s.Up()
	if err := s.Healthy(); err != nil || s.Reconnections() != 1 {
		t.Fatalf("after reconnecting: healthy %v, reconnections %d; want nil, 1", err, s.Reconnections())
	}
	s.Down(nil)
	if s.Healthy() == nil {
		t.Fatal("Down(nil) left the state healthy")
	}
}

func TestDrain(t *testing.T) {
	var wg sync.WaitGroup
	if Drain(&wg, time.Hour, func() { t.Error("cancel called with nothing to wait for") }) {
		t.Error("Drain of a finished group reported a cancellation")
	}
	stop := make(chan struct{})
	wg.Go(func() { <-stop }) // runs until cancelled
	if !Drain(&wg, time.Millisecond, func() { close(stop) }) {
		t.Error("Drain of a stuck group did not cancel it")
	}
}
