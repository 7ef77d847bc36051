package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/sndgct/maillage/bot"
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

// newQueues makes one queue per worker, sharing capacity between them.
func newQueues(workers, capacity int) []chan job {
	qs := make([]chan job, workers)
	for i := range qs {
		qs[i] = make(chan job, max(1, capacity/workers))
	}
	return qs
}

// shard picks the queue of j: by member, so that one member's messages
// and clicks are handled in order, one at a time (a dialogue never sees
// two answers at once), while different members are served in parallel.
func (a *Adapter) shard(j job) chan job {
	var who struct {
		Event struct {
			User string `json:"user"`
		} `json:"event"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		UserID string `json:"user_id"`
	}
	_ = json.Unmarshal(j.payload, &who)
	key := who.Event.User + who.User.ID + who.UserID
	if key == "" {
		key = string(j.payload)
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return a.queues[h.Sum32()%uint32(len(a.queues))]
}

// queueCap is the total capacity of the queues, for the logs.
func (a *Adapter) queueCap() int { return len(a.queues) * cap(a.queues[0]) }

// enqueue puts j in its queue, waiting at most QueueWait for room. It
// reports whether j was queued.
func (a *Adapter) enqueue(ctx context.Context, j job) bool {
	if a.stopped.Load() {
		return false // Run has ended: Slack retries, on another replica
	}
	q := a.shard(j)
	select {
	case q <- j:
		return true
	default:
	}
	wctx, cancel := context.WithTimeout(ctx, a.opts.QueueWait)
	defer cancel()
	select {
	case q <- j:
		return true
	case <-wctx.Done():
		return false
	}
}

// work handles the jobs of queue q, with hctx, until ctx ends; it then
// handles the jobs already queued (they were acknowledged: Slack will not
// send them again) and returns.
func (a *Adapter) work(ctx, hctx context.Context, q chan job, h bot.Handler) {
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case j := <-q:
					a.handleJob(hctx, j, h)
				default:
					return
				}
			}
		case j := <-q:
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
