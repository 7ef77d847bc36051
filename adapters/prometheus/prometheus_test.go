package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// chat is an adapter with the health and reconnection capabilities.
type chat struct {
	bot.ChatAdapter
	healthy error
	reconns uint64
}

func (c chat) Platform() bot.Platform                 { return bot.PlatformSlack }
func (c chat) Healthy() error                         { return c.healthy }
func (c chat) Reconnections() uint64                  { return c.reconns }
func (c chat) Run(context.Context, bot.Handler) error { return nil }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	return string(body)
}

func TestSeriesFollowTheObservations(t *testing.T) {
	m := New()
	m.WatchAdapters([]bot.ChatAdapter{chat{healthy: errors.New("down"), reconns: 3}})
	m.MessageIn(bot.PlatformSlack)
	m.MessageIn(bot.PlatformSlack)
	m.MessageOut(bot.PlatformSlack, nil)
	m.MessageOut(bot.PlatformSlack, errors.New("refused"))
	m.Handled(bot.PlatformSlack, "help", 30*time.Millisecond)
	m.Error(bot.ErrorKindStoreUnavailable)
	m.JobFired("annonce", nil)
	m.JobSkipped("annonce", bot.SkipMissed, 4)
	m.StoreCall("Member", time.Millisecond, fmt.Errorf("x: %w", bot.ErrNotFound)) // not an error
	m.StoreCall("Member", time.Millisecond, fmt.Errorf("x: %w", bot.ErrUnavailable))
	m.Broadcast("b1", 100, 40, 2, false)
	m.Broadcast("b1", 100, 60, 3, false)

	out := scrape(t, m)
	for _, want := range []string{
		`maillage_messages_received_total{platform="slack"} 2`,
		`maillage_messages_sent_total{platform="slack",result="ok"} 1`,
		`maillage_messages_sent_total{platform="slack",result="error"} 1`,
		`maillage_handling_seconds_bucket{command="help",platform="slack",le="0.05"} 1`,
		`maillage_handling_seconds_bucket{command="help",platform="slack",le="0.025"} 0`,
		`maillage_errors_total{kind="store_unavailable"} 1`,
		`maillage_job_runs_total{job="annonce",result="ok"} 1`,
		`maillage_job_skipped_slots_total{job="annonce",reason="missed"} 4`,
		`maillage_store_seconds_count{op="Member"} 2`,
		`maillage_store_errors_total{kind="unavailable",op="Member"} 1`,
		`maillage_broadcast_recipients{broadcast="b1",state="sent"} 60`,
		`maillage_broadcast_messages_total{result="ok"} 60`,
		`maillage_broadcast_messages_total{result="failed"} 3`,
		`maillage_chat_connected{platform="slack"} 0`,
		`maillage_reconnections_total{platform="slack"} 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(out, `maillage_store_errors_total{kind="other"`) {
		t.Error("a not-found answer was counted as a store error")
	}
	m.Broadcast("b1", 100, 97, 3, true) // done: gauges removed, counters complete
	out = scrape(t, m)
	if strings.Contains(out, `broadcast="b1"`) {
		t.Error("the gauges of a finished broadcast remain")
	}
	if !strings.Contains(out, `maillage_broadcast_messages_total{result="ok"} 97`) {
		t.Error("the final report of a broadcast was not counted")
	}
}
