// Package connstate keeps the state of a chat adapter's connection to its
// platform, for the readiness probe and the metrics: whether it is up, why
// not, and how many times it reconnected. Adapters embed a State; its
// methods Healthy and Reconnections implement the bot's optional
// HealthReporter and Reconnector ports.
package connstate

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotStarted is the state of a connection never opened.
var ErrNotStarted = errors.New("not connected yet")

// State is a connection's state. The zero value is "not connected yet".
// It is safe for concurrent use.
type State struct {
	mu      sync.Mutex
	up      bool
	opened  bool // was up at least once
	reason  error
	reconns atomic.Uint64
}

// Up records that the connection is established; after the first time, it
// counts a reconnection.
func (s *State) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.up {
		return
	}
	if s.opened {
		s.reconns.Add(1)
	}
	s.up, s.opened, s.reason = true, true, nil
}

// Down records that the connection is lost, and why (never a secret).
func (s *State) Down(reason error) {
	if reason == nil {
		reason = errors.New("disconnected")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.up, s.reason = false, reason
}

// Healthy returns nil when the connection is up, else why not.
func (s *State) Healthy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.up:
		return nil
	case s.reason != nil:
		return s.reason
	}
	return ErrNotStarted
}

// Reconnections counts the times the connection came up again after it
// was first established.
func (s *State) Reconnections() uint64 { return s.reconns.Load() }

// Drain waits for wg; when it has not finished after grace, it calls
// cancel (which must make the waited goroutines return) and waits again.
// It reports whether cancel was called. Adapters use it at shutdown: the
// events in flight finish, within a bound.
func Drain(wg *sync.WaitGroup, grace time.Duration, cancel func()) (cancelled bool) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		cancel()
		<-done
		return true
	}
}
