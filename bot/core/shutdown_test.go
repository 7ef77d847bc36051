package core_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// A tick caught by the shutdown (its context canceled) logs no ERROR: a
// normal stop is not a failure.
func TestTickDuringShutdownLogsNoError(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 8, 50, 0, 0, bottest.Paris))
	store := bottest.OpenBolt(t, clock)
	var logs bytes.Buffer
	s := bottest.SchedSettings(bottest.ChannelJob("hourly", "0 * * * *"), bottest.ChannelJob("daily", "0 9 * * *"))
	b, err := bottest.New(s, store, []bot.ChatAdapter{&bottest.Outbox{}}, core.Options{Clock: clock, Replica: "a",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b.Tick(ctx)
	b.WaitJobs()
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a tick during the shutdown logged an error:\n%s", logs.String())
	}
}
