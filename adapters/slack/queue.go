package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"maillage/bot"
)

// jobKind tells what a queued payload is.
type jobKind int

const (
	kindEvent       jobKind = iota + 1 // Events API callback (event_callback)
	kindInteractive                    // interactivity payload (block_actions)
	kindCommand                        // slash command
)

func (k jobKind) String() string {
	switch k {
	case kindEvent:
		return "events_api"
	case kindInteractive:
		return "interactive"
	case kindCommand:
		return "slash_commands"
	}
	return "unknown"
}

// job is one acknowledged payload waiting for a worker.
type job struct {
	kind     jobKind
	payload  json.RawMessage
	received time.Time
	// via says where it came from ("socket", "http"), for the log.
	via string
	// retry is Slack's retry_attempt (socket) or X-Slack-Retry-Num (http).
	retry int
}

// enqueue puts j in the queue, waiting at most QueueWait for room. It
// reports whether j was queued.
func (a *Adapter) enqueue(ctx context.Context, j job) bool {
	select {
	case a.queue <- j:
		return true
	default:
	}
	wctx, cancel := context.WithTimeout(ctx, a.opts.QueueWait)
	defer cancel()
	select {
	case a.queue <- j:
		return true
	case <-wctx.Done():
		return false
	}
}

// work handles queued jobs, with hctx, until ctx ends.
func (a *Adapter) work(ctx, hctx context.Context, h bot.Handler) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-a.queue:
			a.handleJob(hctx, j, h)
		}
	}
}

// handleJob translates a job and hands the resulting message to h. A panic
// while translating is logged, not fatal.
func (a *Adapter) handleJob(ctx context.Context, j job, h bot.Handler) {
	defer func() {
		if r := recover(); r != nil {
			a.log.ErrorContext(ctx, "slack payload handling panicked", "kind", j.kind, "panic", fmt.Sprint(r))
		}
	}()
	msg, ok, err := a.translate(ctx, j)
	if err != nil {
		a.log.WarnContext(ctx, "slack payload not handled", "kind", j.kind, "via", j.via, "err", err)
		return
	}
	if !ok {
		return
	}
	h(ctx, msg)
}
