// Package slack is Maillage's Slack adapter: it implements bot.ChatAdapter
// and the optional bot.DirectOpener, bot.ProfileReader and
// bot.MessageUpdater with github.com/slack-go/slack.
//
// # Receiving
//
// Socket Mode is the default (an app-level token, xapp-): the adapter opens
// one WebSocket at a time with apps.connections.open, acknowledges every
// envelope at once, and hands it to a bounded queue served by a few workers
// (one member's events in order, one at a time), so that a slow handler
// never blocks the socket. slack-go's client
// reconnects on Slack's disconnect requests (refresh_requested, warning) and
// when Slack's pings stop; the adapter stops with a clear error when Slack
// refuses the token (invalid_auth, token_revoked, account_inactive).
//
// The Events API over HTTP is the alternative (a signing secret and the
// bot's HTTP server): RegisterRoutes adds POST /slack/events,
// /slack/interactive and /slack/commands. Requests are verified with the
// signing secret on the raw body, within five minutes either way of the
// clock, and their size is capped.
//
// When the queue is full, a Socket Mode envelope (already acknowledged)
// waits up to Options.QueueWait for room and is then dropped and logged at
// error level: Slack does not redeliver an acknowledged envelope, and not
// acknowledging would make Slack retry onto the same overloaded replica
// and eventually disable the app's events. Over HTTP the acknowledgement is
// the answer itself, so after the same bounded wait the adapter answers
// 503 and Slack retries later: nothing is lost there.
//
// Redeliveries are dropped by event_id (Store.FirstSeen, shared by every
// replica); a button click is decided once per (choice action, message,
// user) in the same way.
//
// # Sending
//
// Replies become Block Kit sections of escaped mrkdwn, buttons in actions
// blocks, and a plain-text fallback; long texts are split within Slack's
// limits. A 429 answer blocks that Web API method on every replica until
// Retry-After has passed (kept in the store). A post whose outcome is
// unknown (timeout, connection lost) is never retried: the error wraps
// ErrUnknownOutcome.
package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/connstate"
)

// Errors callers can test with errors.Is.
var (
	// ErrUnknownOutcome: the request may or may not have been carried out
	// (timeout, connection lost); it was not retried.
	ErrUnknownOutcome = fmt.Errorf("slack: %w", bot.ErrUnknownOutcome)
	// ErrRateLimited: Slack asked to wait before calling this method again.
	ErrRateLimited = fmt.Errorf("slack: %w", bot.ErrRateLimited)
	// ErrAuth: Slack refused a token; the adapter cannot go on.
	ErrAuth = errors.New("slack: token refused")
)

// Store is what the adapter needs from the store: FirstSeen for
// deduplication, and values for caches shared between replicas.
type Store interface {
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
	bot.ValueStore
}

// Options configure New. BotToken and Store are required; AppToken selects
// Socket Mode, SigningSecret the Events API over HTTP (both may be set).
type Options struct {
	BotToken      string // xoxb-
	AppToken      string // xapp-, Socket Mode
	SigningSecret string // Events API
	// APIURL is the Web API base URL; empty means Slack's own.
	APIURL string
	// BotName and Lang (fr, en) are used in the adapter's own few
	// messages; defaults "Maillage" and "fr".
	BotName, Lang string

	Store  Store
	Clock  bot.Clock    // nil: bot.SystemClock{}
	Logger *slog.Logger // nil: discard
	// HTTPClient calls the Web API; nil means a client with a 30 s timeout.
	HTTPClient *http.Client

	// Workers handle events concurrently (default 4), each member's in
	// order; Queue is how many acknowledged events may wait for them
	// (default 256, shared between the workers).
	Workers, Queue int
	// QueueWait bounds the wait for room in a full queue (default 2 s).
	QueueWait time.Duration
	// MaxRateWait is the longest the adapter waits for a rate-limited
	// method before failing with ErrRateLimited (default 5 s).
	MaxRateWait time.Duration
	// PingInterval: Socket Mode reconnects when Slack sent no ping for
	// this long (default 30 s).
	PingInterval time.Duration
	// MaxBodyBytes caps an Events API request body (default 1 MiB).
	MaxBodyBytes int64
	// Sleep waits d or until ctx ends; nil means a real timer. Tests
	// inject one that records the wait instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Adapter is the Slack adapter. It is safe for concurrent use.
type Adapter struct {
	opts   Options
	api    *slack.Client
	apiURL string
	store  Store
	clock  bot.Clock
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
	keyMAC []byte // keys the hashes that stand for user ids in store keys

	queues  []chan job // one per worker (see shard)
	running atomic.Bool
	// stopped: Run's context has ended; the HTTP routes answer 503 so that
	// Slack retries (on another replica) instead of queueing for nobody.
	stopped atomic.Bool
	conn    connstate.State // Healthy, Reconnections

	mu      sync.RWMutex
	team    string // workspace (team id), from auth.test
	botUser string // the bot's user id
	botID   string // the bot's bot id
}

var (
	_ bot.ChatAdapter     = (*Adapter)(nil)
	_ bot.DirectOpener    = (*Adapter)(nil)
	_ bot.DirectForgetter = (*Adapter)(nil)
	_ bot.ProfileReader   = (*Adapter)(nil)
	_ bot.MessageUpdater  = (*Adapter)(nil)
	_ bot.PlatformData    = (*Adapter)(nil)
	_ bot.HealthReporter  = (*Adapter)(nil)
	_ bot.Reconnector     = (*Adapter)(nil)
)

// New checks the options and returns an adapter; it does not connect (Run
// does). Errors name the environment variable at fault, never a token.
func New(opts Options) (*Adapter, error) {
	switch {
	case !strings.HasPrefix(opts.BotToken, "xoxb-"):
		return nil, fmt.Errorf("slack: MAILLAGE_SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
	case opts.AppToken != "" && !strings.HasPrefix(opts.AppToken, "xapp-"):
		return nil, fmt.Errorf("slack: MAILLAGE_SLACK_APP_TOKEN must be an app-level token starting with xapp-")
	case opts.AppToken == "" && opts.SigningSecret == "":
		return nil, fmt.Errorf("slack: set MAILLAGE_SLACK_APP_TOKEN (Socket Mode) or MAILLAGE_SLACK_SIGNING_SECRET (Events API)")
	case opts.Store == nil:
		return nil, errors.New("slack: a store is required")
	}
	if opts.APIURL == "" {
		opts.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.Clock == nil {
		opts.Clock = bot.SystemClock{}
	}
	if opts.BotName == "" {
		opts.BotName = "Maillage"
	}
	if _, ok := bot.ParseLang(opts.Lang); !ok {
		opts.Lang = string(bot.French)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Queue <= 0 {
		opts.Queue = 256
	}
	if opts.QueueWait <= 0 {
		opts.QueueWait = 2 * time.Second
	}
	if opts.MaxRateWait < 0 {
		opts.MaxRateWait = 0
	} else if opts.MaxRateWait == 0 {
		opts.MaxRateWait = 5 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 30 * time.Second
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	logger := opts.Logger.With("component", "slack")
	mac := sha256.Sum256([]byte("maillage slack keys\x00" + opts.BotToken))
	a := &Adapter{
		opts:   opts,
		apiURL: opts.APIURL,
		store:  opts.Store,
		clock:  opts.Clock,
		log:    logger,
		sleep:  opts.Sleep,
		keyMAC: mac[:],
		queues: newQueues(opts.Workers, opts.Queue),
	}
	a.api = slack.New(opts.BotToken, a.clientOptions()...)
	return a, nil
}

// clientOptions are the slack-go options shared by the Web API client and
// the Socket Mode client: API URL, HTTP client, and slack-go's own log lines
// sent to the adapter's logger at debug level.
func (a *Adapter) clientOptions(extra ...slack.Option) []slack.Option {
	return append([]slack.Option{
		slack.OptionAPIURL(a.apiURL),
		slack.OptionHTTPClient(a.opts.HTTPClient),
		slack.OptionLog(slackLogger(a.log)),
	}, extra...)
}

// slackLogger sends slack-go's log lines to logger at debug level.
func slackLogger(logger *slog.Logger) *log.Logger {
	return slog.NewLogLogger(logger.With("lib", "slack-go").Handler(), slog.LevelDebug)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Platform returns bot.PlatformSlack.
func (a *Adapter) Platform() bot.Platform { return bot.PlatformSlack }

// SocketMode reports whether Run connects with Socket Mode.
func (a *Adapter) SocketMode() bool { return a.opts.AppToken != "" }

// identity returns the workspace and the bot's ids once Run has checked
// the token.
func (a *Adapter) identity() (team, botUser, botID string) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.team, a.botUser, a.botID
}

// Run checks the bot token with auth.test, starts the workers, then reads
// Socket Mode until ctx ends (or, with the Events API only, waits for
// ctx: the HTTP routes feed the queue). Only one Run at a time: a replica
// never holds more than one socket.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("slack: Run called twice: one socket per replica")
	}
	defer a.running.Store(false)

	if err := a.authTest(ctx); err != nil {
		return err
	}

	// Handlers in progress when ctx ends may finish (a reply being posted
	// is not cut halfway) for up to shutdownGrace; workers take no new job.
	wctx, stopWorkers := context.WithCancel(ctx)
	hctx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	for _, q := range a.queues {
		workers.Go(func() { a.work(wctx, hctx, q, h) })
	}
	a.stopped.Store(false)
	defer func() {
		a.stopped.Store(true)
		stopWorkers()
		a.drain(&workers, cancelHandlers)
		cancelHandlers()
	}()

	if !a.SocketMode() {
		a.log.InfoContext(ctx, "slack events api ready", "routes", "/slack/events /slack/interactive /slack/commands")
		a.conn.Up()
		<-ctx.Done()
		a.conn.Down(errStopped)
		return nil
	}
	err := a.runSocket(ctx)
	a.conn.Down(errStopped)
	return err
}

// errStopped is the connection state once Run has returned.
var errStopped = errors.New("slack: adapter stopped")

// Healthy reports whether the adapter can receive events: Socket Mode
// connected, or the Events API ready after the token was checked.
func (a *Adapter) Healthy() error {
	if err := a.conn.Healthy(); err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	return nil
}

// Reconnections counts the Socket Mode reconnections since start.
func (a *Adapter) Reconnections() uint64 { return a.conn.Reconnections() }

// shutdownGrace is how long handlers in progress may run after Run's
// context ends.
const shutdownGrace = 5 * time.Second

// drain waits for the workers, cancelling the handlers still running after
// shutdownGrace.
func (a *Adapter) drain(workers *sync.WaitGroup, cancelHandlers context.CancelFunc) {
	if connstate.Drain(workers, shutdownGrace, cancelHandlers) {
		a.log.Warn("slack handlers still running at shutdown: cancelled")
	}
}

// authTest checks the bot token and learns the workspace and the bot's ids.
func (a *Adapter) authTest(ctx context.Context) error {
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fatalAuth(err) {
			return fmt.Errorf("slack auth.test: %w (%v): MAILLAGE_SLACK_BOT_TOKEN was refused; reinstall the app and copy its Bot User OAuth Token", ErrAuth, err)
		}
		return fmt.Errorf("slack auth.test: %w", err)
	}
	a.mu.Lock()
	a.team, a.botUser, a.botID = res.TeamID, res.UserID, res.BotID
	a.mu.Unlock()
	a.log.InfoContext(ctx, "slack connected", "team", res.TeamID, "bot_user", res.UserID, "socket_mode", a.SocketMode())
	return nil
}

// fatalAuth reports whether Slack refused a token for good.
func fatalAuth(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		err = errors.New(se.Err)
	}
	switch err.Error() {
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired", "no_permission":
		return true
	}
	return false
}

// hashKey returns a keyed hash standing for parts (user ids...) in store
// keys: nothing personal sits in keys, and nobody without the bot token can
// link a key to a user.
func (a *Adapter) hashKey(parts ...string) string {
	m := hmac.New(sha256.New, a.keyMAC)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)[:16])
}
