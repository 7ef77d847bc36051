package mattermost

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/connstate"
)

// WSDialer opens a new, authenticated WebSocket client. The adapter builds
// a new client for every connection and never reuses a closed one.
type WSDialer interface {
	Dial(ctx context.Context, wsURL, token string) (*model.WebSocketClient, error)
}

type dialer struct{ d *websocket.Dialer }

func defaultDialer() WSDialer {
	return dialer{d: &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}}
}

// Dial authenticates with the Authorization header, so that a revoked
// token fails the handshake instead of leaving a silent socket.
func (d dialer) Dial(ctx context.Context, wsURL, token string) (*model.WebSocketClient, error) {
	type result struct {
		c   *model.WebSocketClient
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := model.NewReliableWebSocketClientWithDialer(d.d, wsURL, token, "", 0, true)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				closeClient(r.c)
			}
		}()
		return nil, ctx.Err()
	}
}

// errStop ends the supervisor: the token is no longer accepted.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }
func (e errStop) Unwrap() error { return e.err }

var (
	errPingTimeout = errors.New("websocket ping timeout")
	errSilence     = errors.New("websocket silent for too long")
	errClosed      = errors.New("websocket closed by the server")
)

// Run checks the token, then keeps one WebSocket open and hands every
// post addressed to the bot to h, until ctx ends (it returns nil) or the
// token is refused (it returns the error).
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	me, err := a.Check(ctx)
	if err != nil {
		return err
	}
	a.log.Info("connected to mattermost", "bot_user", me.Id, "bot", me.IsBot)
	d := newDispatcher(ctx, h, a.opts.Workers)
	a.handler.Store(d)
	defer func() {
		a.handler.Store(nil)
		d.stop()
	}()

	// Posts sent while the bot was stopped, within the catch-up window,
	// are fetched when the first WebSocket is greeted.
	a.lastSeen.Store(a.opts.Clock.Now().Add(-a.opts.CatchUpWindow).UnixMilli())

	defer a.conn.Down(errStopped)
	attempt := 0
	for {
		healthy, err := a.session(ctx, d)
		if ctx.Err() != nil {
			return nil
		}
		a.conn.Down(fmt.Errorf("websocket lost, reconnecting: %w", err))
		var stop errStop
		if errors.As(err, &stop) {
			return stop.err
		}
		if healthy {
			attempt = 0
		}
		delay := a.backoff(attempt)
		attempt++
		a.log.Warn("websocket lost, reconnecting", "err", err, "delay", delay, "attempt", attempt)
		select {
		case <-ctx.Done():
			return nil
		case <-a.opts.After(delay):
		}
	}
}

// backoff returns the delay before reconnection attempt n (0-based):
// BackoffBase·2ⁿ capped at BackoffMax, of which a random half is jitter,
// so that replicas restarted together do not reconnect in step.
func (a *Adapter) backoff(n int) time.Duration {
	d := a.opts.BackoffMax
	if n < 30 {
		if e := a.opts.BackoffBase << n; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	a.mu.Lock()
	j := time.Duration(a.rnd.Int64N(int64(half) + 1))
	a.mu.Unlock()
	return half + j
}

func (a *Adapter) wsURL() string {
	u := a.client.URL
	switch {
	case strings.HasPrefix(u, "https://"):
		return "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		return "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u
}

// session runs one WebSocket client to its end. healthy reports whether
// the server greeted it (hello), which resets the backoff.
func (a *Adapter) session(ctx context.Context, d *dispatcher) (healthy bool, err error) {
	ws, err := a.opts.Dialer.Dial(ctx, a.wsURL(), a.opts.Token)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		// A refused token fails the handshake: ask the REST API why.
		if _, resp, cerr := a.client.GetMe(ctx, ""); cerr != nil && resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return false, errStop{errors.New("mattermost: the server no longer accepts the token (revoked or expired): set a valid MAILLAGE_MATTERMOST_TOKEN and restart")}
		}
		return false, fmt.Errorf("mattermost: opening the websocket: %s", appErrorText(err))
	}

	var lastActive sync.Mutex
	last := a.opts.Clock.Now()
	touch := func() {
		lastActive.Lock()
		last = a.opts.Clock.Now()
		lastActive.Unlock()
	}
	// Pings count as activity. The handler is wrapped before Listen
	// starts the reader, which alone calls it.
	if ws.Conn != nil {
		orig := ws.Conn.PingHandler()
		ws.Conn.SetPingHandler(func(data string) error {
			touch()
			return orig(data)
		})
	}
	ws.Listen()
	defer closeClient(ws)

	// Each check waits a fraction of the silence allowed.
	check := a.opts.Silence / 3
	expected := int64(0)
	for {
		select {
		case <-ctx.Done():
			return healthy, ctx.Err()
		case ev, ok := <-ws.EventChannel:
			if !ok {
				if ws.ListenError != nil {
					return healthy, fmt.Errorf("mattermost: websocket: %s", appErrorText(ws.ListenError))
				}
				return healthy, errClosed
			}
			touch()
			seq := ev.GetSequence()
			a.log.Debug("websocket event", "event", string(ev.EventType()), "seq", seq)
			if ev.EventType() == model.WebsocketEventHello {
				// The server greets a socket once it is registered: from
				// now on it gets every post, and the catch-up fetches
				// those made before (at start, or while disconnected).
				healthy = true
				a.conn.Up()
				expected = seq + 1
				a.catchUp(ctx, d, a.lastSeen.Load())
				continue
			}
			if seq > expected {
				a.log.Warn("websocket sequence gap, fetching missed posts", "expected", expected, "got", seq)
				a.catchUp(ctx, d, a.lastSeen.Load())
			}
			if seq >= expected {
				expected = seq + 1
			}
			a.onEvent(ctx, d, ev)
		case resp, ok := <-ws.ResponseChannel:
			if ok {
				touch()
				if resp.Status == model.StatusFail && resp.Error != nil {
					a.log.Debug("websocket request failed", "err", resp.Error.Id)
				}
			}
		case <-ws.PingTimeoutChannel:
			return healthy, errPingTimeout
		case <-a.opts.After(check):
			lastActive.Lock()
			quiet := a.opts.Clock.Now().Sub(last)
			lastActive.Unlock()
			if quiet >= a.opts.Silence {
				return healthy, errSilence
			}
		}
	}
}

// closeClient ends a WebSocket client and drains its channels until its
// reader has finished, so that none of its goroutines stays blocked.
//
// It closes the network connection rather than calling Close: the reader
// then ends by itself and closes the writer from its own goroutine, which
// avoids the library's race between Close and a ping answered at the same
// moment (a send on the closed write channel).
func closeClient(ws *model.WebSocketClient) {
	if ws.Conn != nil {
		_ = ws.Conn.NetConn().Close()
	}
	events, responses := ws.EventChannel, ws.ResponseChannel
	for events != nil || responses != nil {
		select {
		case _, ok := <-events:
			if !ok {
				events = nil
			}
		case _, ok := <-responses:
			if !ok {
				responses = nil
			}
		case <-ws.PingTimeoutChannel:
		}
	}
	select {
	case <-ws.PingTimeoutChannel:
	default:
	}
}

// dispatcher hands events to the core through a few workers; events of
// one channel always go to the same worker, so that they keep their order,
// and a slow conversation does not hold the others up.
//
// At stop it takes no new event, but the events already queued and those
// being handled are finished (their handlers' context lives on) for up to
// shutdownGrace; then the handlers still running are cancelled.
type dispatcher struct {
	ctx context.Context // ends at stop: no new event
	// mu orders puts and the stop: a put checks ctx and queues under a
	// read lock; a worker told to stop takes the write lock before it
	// finishes the queue, so that no put lands in a queue nobody reads.
	mu      sync.RWMutex
	queues  []chan bot.Message
	wg      sync.WaitGroup
	once    sync.Once
	cancel  context.CancelFunc
	hcancel context.CancelFunc // cancels the handlers
}

// shutdownGrace is how long handlers in progress may run after the
// adapter is told to stop.
const shutdownGrace = 5 * time.Second

func newDispatcher(ctx context.Context, h bot.Handler, workers int) *dispatcher {
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	ctx, cancel := context.WithCancel(ctx)
	d := &dispatcher{ctx: ctx, cancel: cancel, hcancel: hcancel}
	for range workers {
		q := make(chan bot.Message, 64)
		d.queues = append(d.queues, q)
		d.wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					d.mu.Lock() // the puts in progress end (queued or refused)
					d.mu.Unlock()
					for { // finish what was queued
						select {
						case m := <-q:
							h(hctx, m)
						default:
							return
						}
					}
				case m := <-q:
					h(hctx, m)
				}
			}
		})
	}
	return d
}

// put queues m for its conversation's worker; it waits when that worker
// is behind (back-pressure on the WebSocket) and gives up when the
// adapter stops. It reports whether m was queued: a queued message is
// handled, even during the stop.
func (d *dispatcher) put(m bot.Message) bool {
	f := fnv.New32a()
	f.Write([]byte(m.Conversation.ID))
	q := d.queues[int(f.Sum32()%uint32(len(d.queues)))]
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.ctx.Err() != nil {
		return false
	}
	select {
	case q <- m:
		return true
	case <-d.ctx.Done():
		return false
	}
}

// stopping reports whether the dispatcher takes no new message.
func (d *dispatcher) stopping() bool { return d.ctx.Err() != nil }

// stop takes no new event and waits for the workers to finish the queued
// ones, cancelling the handlers still running after shutdownGrace.
func (d *dispatcher) stop() {
	d.once.Do(func() {
		d.cancel()
		connstate.Drain(&d.wg, shutdownGrace, d.hcancel)
		d.hcancel()
	})
}
