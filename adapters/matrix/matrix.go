// Package matrix is Maillage's chat adapter for Matrix homeservers, Tchap
// included: one bot account whose session (access token and device) is
// kept in the bot's store and reused, a long-polling /sync loop that
// resumes from the stored next_batch, and end-to-end encryption through
// mautrix's crypto machine (pure-Go goolm, see crypto_goolm.go).
//
// What it guarantees:
//   - it logs in once, then reuses the stored session and device, as Tchap
//     asks of bots; a refused token is reported, not retried in a loop;
//   - the /sync loop backs off (capped, with jitter) when the homeserver
//     fails, and 429 M_LIMIT_EXCEEDED answers are waited out from their
//     retry_after_ms before the same request is sent again;
//   - each event is handled once, on one replica (Store.FirstSeen keyed by
//     the event id); events older than the first start are not answered;
//   - it joins only the direct rooms it is invited to by people of the
//     allowed homeservers, answers in direct rooms and, in groups, only
//     when mentioned;
//   - outgoing text cannot notify anyone (@room, @user:server are
//     neutralised, m.mentions is always empty) nor hide a link or a tag;
//     in an encrypted room it is sent encrypted or not at all.
package matrix

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/connstate"
	"github.com/sndgct/maillage/internal/safeurl"
)

// Compile-time guards: the optional capabilities the core looks for.
var (
	_ bot.ChatAdapter     = (*Adapter)(nil)
	_ bot.DirectOpener    = (*Adapter)(nil)
	_ bot.ProfileReader   = (*Adapter)(nil)
	_ bot.MessageUpdater  = (*Adapter)(nil)
	_ bot.HealthReporter  = (*Adapter)(nil)
	_ bot.Reconnector     = (*Adapter)(nil)
	_ bot.DirectForgetter = (*Adapter)(nil)
)

// Options configures an Adapter. HomeserverURL, UserID, Store, PickleKey
// and either Password or AccessToken are required.
type Options struct {
	// HomeserverURL is the client-server API's base address, such as
	// https://matrix.agent.tchap.gouv.fr (MAILLAGE_MATRIX_HOMESERVER_URL).
	HomeserverURL string
	// UserID is the bot account, such as @maillage:example.org
	// (MAILLAGE_MATRIX_USER_ID).
	UserID string
	// Password logs in the first time, and authorises the upload of the
	// cross-signing keys (MAILLAGE_MATRIX_PASSWORD).
	Password string
	// AccessToken and DeviceID reuse a session created elsewhere
	// (MAILLAGE_MATRIX_ACCESS_TOKEN, MAILLAGE_MATRIX_DEVICE_ID).
	AccessToken, DeviceID string
	// PickleKey encrypts the crypto store and the session kept in the
	// bot's store (MAILLAGE_MATRIX_PICKLE_KEY). Never logged.
	PickleKey string
	// CryptoDB is the path of the crypto store (an SQLite file holding the
	// device's Olm and Megolm sessions), such as /data/matrix-crypto.db.
	CryptoDB string
	// AllowedServers are the homeservers whose users may invite the bot
	// into a direct room (chat.matrix.allowed_servers); "self" stands for
	// the bot's own. Default: the bot's.
	AllowedServers []string
	// DisableEncryption runs without the crypto machine: encrypted rooms
	// are then neither read nor written. For tests and for homeservers
	// without end-to-end encryption.
	DisableEncryption bool
	// DefaultLang names the introduction rooms of members who have not
	// chosen a language, or not the same one (bot.default_language;
	// default "fr").
	DefaultLang string
	// DeviceName is the name of the device created at the first login.
	DeviceName string
	// Store keeps the session, next_batch, the rooms' kinds and the
	// pending choices, and deduplicates events across replicas.
	Store bot.Store
	// Logger gets a component=matrix attribute. Default: discard.
	Logger *slog.Logger
	// Clock gives the time. Default: the system clock.
	Clock bot.Clock
	// After returns a channel that receives after d; tests inject a fake
	// one so that no test sleeps. Default: time.After.
	After func(d time.Duration) <-chan time.Time
	// Rand draws the backoff jitter. Default: seeded from the system.
	Rand *rand.Rand
	// HTTPClient carries the calls (its transport is wrapped to honour
	// 429 answers). Default: a client with a 90-second timeout.
	HTTPClient *http.Client
	// BackoffBase and BackoffMax bound the delays between failed syncs
	// (default 1 s and 60 s); SyncTimeout is the long-poll (default 30 s);
	// InvitePace is the delay between two invitations (default 1 s, as
	// Tchap asks).
	BackoffBase, BackoffMax, SyncTimeout, InvitePace time.Duration
	// Replica names this process for the session claim: only the replica
	// holding the claim syncs (default: host name and process id).
	Replica string
	// ClaimTTL is how long the claim lasts unless renewed (default 60 s;
	// renewed every third of it). A replica that stops or dies lets it
	// lapse, and a standby replica takes over.
	ClaimTTL time.Duration
	// Workers is the number of goroutines handing events to the core;
	// events of one room always go to the same worker, in order (default 4).
	Workers int
}

// Adapter is the Matrix chat adapter. Create it with New.
type Adapter struct {
	opts     Options
	cli      *mautrix.Client
	syncer   *mautrix.DefaultSyncer
	log      *slog.Logger
	userID   id.UserID
	server   string // the bot's homeserver name: the workspace
	allowed  map[string]bool
	storeKey []byte // HMAC key of the hashes standing for ids in store keys
	sealKey  []byte // AES key of the session kept in the store

	mu          sync.Mutex
	rnd         *rand.Rand
	ignoreUntil time.Time // events before the first start are history
	started     bool
	crypto      cryptoEngine
	dispatch    *dispatcher

	conn    connstate.State
	standby atomic.Bool // another replica holds the session
}

// New checks the options and builds the adapter; it does no I/O.
func New(o Options) (*Adapter, error) {
	if o.Store == nil {
		return nil, errors.New("matrix: no store")
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(o.HomeserverURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("matrix: MAILLAGE_MATRIX_HOMESERVER_URL must be the homeserver's http(s) address, such as https://matrix.example.fr, got %s", safeurl.Show(o.HomeserverURL))
	}
	uid := id.UserID(strings.TrimSpace(o.UserID))
	_, server, err := uid.Parse()
	if err != nil || server == "" {
		return nil, fmt.Errorf("matrix: MAILLAGE_MATRIX_USER_ID must be a Matrix user id such as @maillage:example.fr, got %q", o.UserID)
	}
	if o.Password == "" && o.AccessToken == "" {
		return nil, errors.New("matrix: set MAILLAGE_MATRIX_PASSWORD (or MAILLAGE_MATRIX_ACCESS_TOKEN and MAILLAGE_MATRIX_DEVICE_ID) for the bot account")
	}
	if len(o.PickleKey) < 16 {
		return nil, errors.New("matrix: MAILLAGE_MATRIX_PICKLE_KEY must hold a secret of at least 16 characters (it encrypts the crypto store and the session)")
	}
	if !o.DisableEncryption {
		if !encryptionBuilt {
			return nil, errors.New("matrix: this binary was built without end-to-end encryption: build it with -tags goolm (the Dockerfile does)")
		}
		if o.CryptoDB == "" {
			return nil, errors.New("matrix: no path for the crypto store")
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = bot.SystemClock{}
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 90 * time.Second}
	}
	if o.DefaultLang == "" {
		o.DefaultLang = "fr"
	}
	if o.DeviceName == "" {
		o.DeviceName = "Maillage"
	}
	setDefault(&o.BackoffBase, time.Second)
	setDefault(&o.BackoffMax, time.Minute)
	setDefault(&o.SyncTimeout, 30*time.Second)
	setDefault(&o.InvitePace, time.Second)
	setDefault(&o.ClaimTTL, time.Minute)
	if o.Replica == "" {
		host, _ := os.Hostname()
		o.Replica = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	allowed := map[string]bool{}
	for _, s := range o.AllowedServers {
		if s = strings.ToLower(strings.TrimSpace(s)); s == "self" {
			s = strings.ToLower(server)
		}
		if s != "" {
			allowed[s] = true
		}
	}
	if len(allowed) == 0 {
		allowed[strings.ToLower(server)] = true
	}

	cli, err := mautrix.NewClient(u.String(), uid, "")
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	log := o.Logger.With("component", "matrix")
	hc := *o.HTTPClient
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &rateLimited{next: base, after: o.After, log: log}
	cli.Client = &hc
	cli.Log = zerolog.Nop()
	cli.DefaultHTTPRetries = 0
	syncer := mautrix.NewDefaultSyncer()
	syncer.ParseErrorHandler = func(*event.Event, error) bool { return false }
	cli.Syncer = syncer

	a := &Adapter{
		opts:     o,
		cli:      cli,
		syncer:   syncer,
		log:      log,
		userID:   uid,
		server:   server,
		allowed:  allowed,
		storeKey: derive(o.PickleKey, "maillage matrix store keys v1"),
		sealKey:  derive(o.PickleKey, "maillage matrix session seal v1"),
		rnd:      o.Rand,
	}
	syncer.OnEventType(event.EventMessage, a.onMessage)
	syncer.OnEventType(event.EventReaction, a.onReaction)
	syncer.OnEventType(event.StateMember, a.onMember)
	return a, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// derive makes a 32-byte key for one use out of the pickle key.
func derive(secret, use string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(use))
	return m.Sum(nil)
}

// Platform returns bot.PlatformMatrix.
func (a *Adapter) Platform() bot.Platform { return bot.PlatformMatrix }

// Workspace is the bot's homeserver name: the workspace part of every
// UserRef and Conversation (members of other servers included).
func (a *Adapter) Workspace() string { return a.server }

// Healthy reports the state of the /sync loop, for /readyz. A replica
// standing by while another holds the Matrix session is healthy: it serves
// everything else.
func (a *Adapter) Healthy() error {
	if a.standby.Load() {
		return nil
	}
	return a.conn.Healthy()
}

// Reconnections counts the times the /sync loop recovered from a failure.
func (a *Adapter) Reconnections() uint64 { return a.conn.Reconnections() }

// DeviceID is the bot's device, once Run has started the session.
func (a *Adapter) DeviceID() id.DeviceID { return a.cli.DeviceID }

// hashKey makes a store key that holds no id.
func (a *Adapter) hashKey(prefix, s string) string {
	m := hmac.New(sha256.New, a.storeKey)
	m.Write([]byte(s))
	return "matrix:" + prefix + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

func (a *Adapter) userRef(u id.UserID) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformMatrix, Workspace: a.server, User: string(u)}
}

func (a *Adapter) conversation(room id.RoomID, kind bot.ConversationKind) bot.Conversation {
	return bot.Conversation{Platform: bot.PlatformMatrix, Workspace: a.server, ID: string(room), Kind: kind}
}

// Run starts the session (stored, given, or a first login), the crypto
// machine, and the /sync loop, handing events to h until ctx ends.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return errors.New("matrix: Run called twice")
	}
	a.started = true
	a.mu.Unlock()

	// One replica holds the session: it alone logs in and syncs.
	if !a.waitClaim(ctx) {
		return nil
	}
	defer func() {
		if err := a.opts.Store.ReleaseClaim(context.WithoutCancel(ctx), claimKey, a.opts.Replica); err != nil {
			a.log.Warn("releasing the session claim", "err", err)
		}
	}()

	// A crypto store that does not exist yet (first start, or lost) cannot
	// take over a device whose keys the homeserver already has: the bot
	// then logs in to a new device.
	newDevice := false
	if !a.opts.DisableEncryption {
		if _, err := os.Stat(a.opts.CryptoDB); errors.Is(err, os.ErrNotExist) {
			newDevice = true
		}
	}
	if err := a.startSession(ctx, newDevice); err != nil {
		a.conn.Down(err)
		return err
	}
	if !a.opts.DisableEncryption {
		c, err := a.startCrypto(ctx)
		if err != nil {
			a.conn.Down(err)
			return err
		}
		a.mu.Lock()
		a.crypto = c
		a.mu.Unlock()
		defer func() {
			if err := c.Close(); err != nil {
				a.log.Error("closing the crypto store", "err", err)
			}
		}()
	} else {
		a.cli.StateStore = mautrix.NewMemoryStateStore()
		a.syncer.OnEvent(a.cli.StateStoreSyncHandler)
	}
	d := newDispatcher(a.opts.Workers, h)
	a.mu.Lock()
	a.dispatch = d
	a.mu.Unlock()
	defer d.stop()
	for {
		held, lost, release := a.holdClaim(ctx)
		err := a.syncLoop(held)
		release()
		switch {
		case ctx.Err() != nil:
			return nil
		case lost():
			a.log.Warn("another replica took the Matrix session over: standing by")
			if !a.waitClaim(ctx) {
				return nil
			}
			continue
		}
		return err
	}
}

// claimKey names the claim of the Matrix session in the store.
const claimKey = "matrix:session-claim"

// waitClaim waits until this replica holds the session claim; false when
// ctx ended first. Meanwhile the adapter reports itself on standby.
func (a *Adapter) waitClaim(ctx context.Context) bool {
	logged := false
	for {
		ok, err := a.opts.Store.Claim(ctx, claimKey, a.opts.Replica, a.opts.ClaimTTL)
		if err == nil && ok {
			a.standby.Store(false)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			a.conn.Down(fmt.Errorf("matrix: taking the session claim: %w", err))
		} else {
			a.standby.Store(true)
			if !logged {
				a.log.Info("another replica holds the Matrix session: standing by")
				logged = true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-a.opts.After(a.opts.ClaimTTL / 3):
		}
	}
}

// holdClaim renews the claim every third of its lifetime; the context it
// returns ends when the claim is lost (lost then reports true) or ctx ends.
func (a *Adapter) holdClaim(ctx context.Context) (context.Context, func() bool, context.CancelFunc) {
	held, cancel := context.WithCancel(ctx)
	var gone atomic.Bool
	go func() {
		defer cancel()
		for {
			select {
			case <-held.Done():
				return
			case <-a.opts.After(a.opts.ClaimTTL / 3):
			}
			ok, err := a.opts.Store.Claim(held, claimKey, a.opts.Replica, a.opts.ClaimTTL)
			if err != nil {
				a.log.Warn("renewing the session claim", "err", err)
				continue
			}
			if !ok {
				gone.Store(true)
				return
			}
		}
	}()
	return held, gone.Load, cancel
}

// syncLoop long-polls /sync from the stored next_batch and saves the new
// one after each response; failures back off exponentially with jitter.
func (a *Adapter) syncLoop(ctx context.Context) error {
	since, err := a.loadNextBatch(ctx)
	if err != nil {
		return err
	}
	if since == "" {
		a.mu.Lock()
		a.ignoreUntil = a.opts.Clock.Now()
		a.mu.Unlock()
		a.log.Info("first sync: the history before now is not answered")
	}
	failures := 0
	for ctx.Err() == nil {
		timeout := a.opts.SyncTimeout
		if since == "" || failures > 0 {
			timeout = 0
		}
		resp, err := a.cli.FullSyncRequest(ctx, mautrix.ReqSync{Since: since, Timeout: int(timeout / time.Millisecond)})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, mautrix.MUnknownToken) || errors.Is(err, mautrix.MMissingToken) {
				err = fmt.Errorf("matrix: the homeserver refused the bot's session (%w): restart the bot: with MAILLAGE_MATRIX_PASSWORD it logs in again on the same device; otherwise give a new MAILLAGE_MATRIX_ACCESS_TOKEN", err)
				a.conn.Down(err)
				return err
			}
			failures++
			a.conn.Down(fmt.Errorf("matrix: sync failed: %w", err))
			wait := a.backoff(failures)
			a.log.Warn("sync failed, retrying", "err", err, "attempt", failures, "wait", wait)
			select {
			case <-ctx.Done():
				return nil
			case <-a.opts.After(wait):
			}
			continue
		}
		failures = 0
		a.conn.Up()
		if err := a.syncer.ProcessResponse(ctx, resp, since); err != nil {
			a.log.Warn("processing a sync response", "err", err)
		}
		if resp.NextBatch != "" && resp.NextBatch != since {
			since = resp.NextBatch
			if err := a.saveNextBatch(ctx, since); err != nil && ctx.Err() == nil {
				a.log.Warn("saving next_batch", "err", err)
			}
		}
	}
	return nil
}

// backoff is the delay before the n-th retry: base·2^(n-1), capped, with
// up to a quarter of jitter.
func (a *Adapter) backoff(n int) time.Duration {
	d := a.opts.BackoffBase
	for i := 1; i < n && d < a.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, a.opts.BackoffMax)
	a.mu.Lock()
	j := time.Duration(a.rnd.Int64N(int64(d)/4 + 1))
	a.mu.Unlock()
	return d - j
}

// dispatcher hands events to the core on a few workers; the events of one
// room always go to the same worker, so they are handled in order.
type dispatcher struct {
	h      bot.Handler
	queues []chan func()
	wg     sync.WaitGroup
	once   sync.Once
}

func newDispatcher(n int, h bot.Handler) *dispatcher {
	d := &dispatcher{h: h, queues: make([]chan func(), n)}
	for i := range d.queues {
		q := make(chan func(), 64)
		d.queues[i] = q
		d.wg.Go(func() {
			for f := range q {
				f()
			}
		})
	}
	return d
}

func (d *dispatcher) submit(ctx context.Context, m bot.Message) {
	sum := sha256.Sum256([]byte(m.Conversation.ID))
	select {
	case d.queues[int(sum[0])%len(d.queues)] <- func() { d.h(ctx, m) }:
	case <-ctx.Done():
	}
}

func (d *dispatcher) stop() {
	d.once.Do(func() {
		for _, q := range d.queues {
			close(q)
		}
	})
	d.wg.Wait()
}
