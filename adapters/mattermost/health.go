package mattermost

import (
	"errors"
	"fmt"

	"github.com/sndgct/maillage/bot"
)

var (
	_ bot.HealthReporter = (*Adapter)(nil)
	_ bot.Reconnector    = (*Adapter)(nil)
)

// errStopped is the connection state once Run has returned.
var errStopped = errors.New("adapter stopped")

// Healthy reports whether the WebSocket is open and was greeted by the
// server (it then receives every post).
func (a *Adapter) Healthy() error {
	if err := a.conn.Healthy(); err != nil {
		return fmt.Errorf("mattermost: %w", err)
	}
	return nil
}

// Reconnections counts the WebSocket reconnections since start.
func (a *Adapter) Reconnections() uint64 { return a.conn.Reconnections() }
