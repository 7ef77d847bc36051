// Package mattermost is Maillage's chat adapter for Mattermost: a bot
// account's token, one REST client (model.Client4) reused for every call,
// and a supervised WebSocket for incoming posts. Buttons are message
// attachments whose actions call the bot's own HTTP server (see actions.go).
//
// What it guarantees:
//   - every WebSocket client is drained and, once it fails (closed, listen
//     error, ping timeout or silence), replaced by a new one after a capped
//     exponential backoff with jitter; the library's racy Connect is never
//     called again on an old client;
//   - whenever the server greets a new WebSocket (at start and after a
//     reconnection) and after a gap in the event sequence, the posts missed
//     in the bot's conversations are fetched through the REST API;
//   - each post and each button click is handled once, on one replica
//     (Store.FirstSeen keyed by post id);
//   - outgoing text cannot notify anyone (@channel, @all, @here, @user are
//     neutralised) nor hide a link, and long texts are split rune-safely.
package mattermost

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/connstate"
	"github.com/sndgct/maillage/internal/safeurl"
)

// Compile-time guards: the optional capabilities the core looks for.
var (
	_ bot.ChatAdapter    = (*Adapter)(nil)
	_ bot.DirectOpener   = (*Adapter)(nil)
	_ bot.ProfileReader  = (*Adapter)(nil)
	_ bot.MessageUpdater = (*Adapter)(nil)
)

// ActionsPath is where the bot's HTTP server receives button clicks.
const ActionsPath = "/mattermost/actions"

// Options configures an Adapter. URL, Token and Store are required.
type Options struct {
	// URL is the server's address, such as https://chat.example.fr (a
	// sub-path is allowed). MAILLAGE_MATTERMOST_URL.
	URL string
	// Token is the bot account's access token. MAILLAGE_MATTERMOST_TOKEN.
	// It is never logged; the button key is derived from it.
	Token string
	// PublicURL is the bot's own base URL as the Mattermost server reaches
	// it (MAILLAGE_PUBLIC_URL); buttons call PublicURL + ActionsPath.
	// Without it, choices are listed as text and members type their answer.
	PublicURL string
	// CommandToken is the verification token of the optional slash
	// command whose request URL is PublicURL + CommandPath
	// (MAILLAGE_MATTERMOST_COMMAND_TOKEN). Empty: no slash command.
	CommandToken string
	// Store deduplicates posts and clicks across replicas (FirstSeen)
	// and caches the direct channels (direct.go).
	Store bot.Store
	// Logger gets a component=mattermost attribute. Default: discard.
	Logger *slog.Logger
	// Clock gives the time. Default: the system clock.
	Clock bot.Clock
	// After returns a channel that receives after d; tests inject a fake
	// one so that no test sleeps. Default: time.After.
	After func(d time.Duration) <-chan time.Time
	// Rand draws the backoff jitter. Default: seeded from the system.
	Rand *rand.Rand
	// HTTPClient carries the REST calls (its transport is wrapped to honour
	// 429 answers). Default: a client with a 30-second timeout.
	HTTPClient *http.Client
	// Dialer opens the WebSockets. Default: a 15-second handshake timeout.
	Dialer WSDialer

	// BackoffBase and BackoffMax bound the reconnection delays
	// (default 500 ms and 30 s); Silence is how long a WebSocket may stay
	// silent, pings included, before it is replaced (default 90 s: the
	// server pings every 60 s).
	BackoffBase, BackoffMax, Silence time.Duration
	// ButtonTTL is how long a button stays valid (default 14 days).
	ButtonTTL time.Duration
	// CatchUpWindow bounds how far back missed posts are fetched, at start
	// and after a reconnection (default 1 hour).
	CatchUpWindow time.Duration
	// Workers is the number of goroutines handing events to the core;
	// events of one conversation always go to the same worker, in order
	// (default 4).
	Workers int
}

// Adapter is the Mattermost chat adapter. Create it with New.
type Adapter struct {
	opts      Options
	client    *model.Client4
	log       *slog.Logger
	workspace string
	actionURL string
	key       []byte // HMAC key of the button tokens
	storeKey  []byte // HMAC key of the hashes standing for users in store keys

	mu       sync.Mutex
	rnd      *rand.Rand
	me       *model.User
	mentions sync.Map // username -> mentionPair, compiled once
	channels map[string]channelInfo
	locales  map[string]localeEntry

	handler  atomic.Pointer[dispatcher]
	lastSeen atomic.Int64    // CreateAt (ms) of the newest post seen
	conn     connstate.State // Healthy, Reconnections (health.go)
}

type channelInfo struct {
	typ  model.ChannelType
	name string
}

type localeEntry struct {
	locale  string
	expires time.Time
}

// New checks the options and builds the adapter; it does no I/O (Run
// checks the token).
func New(o Options) (*Adapter, error) {
	if o.Store == nil {
		return nil, errors.New("mattermost: no store")
	}
	if strings.TrimSpace(o.Token) == "" {
		return nil, errors.New("mattermost: no access token (set MAILLAGE_MATTERMOST_TOKEN to the bot account's token)")
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(o.URL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mattermost: MAILLAGE_MATTERMOST_URL must be the server's http(s) address, such as https://chat.example.fr, got %s", safeurl.Show(o.URL))
	}
	actionURL := ""
	if o.PublicURL != "" {
		p, err := url.Parse(strings.TrimRight(o.PublicURL, "/"))
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("mattermost: MAILLAGE_PUBLIC_URL must be the bot's http(s) base address, got %q", o.PublicURL)
		}
		actionURL = p.String() + ActionsPath
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
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Dialer == nil {
		o.Dialer = defaultDialer()
	}
	setDefault(&o.BackoffBase, 500*time.Millisecond)
	setDefault(&o.BackoffMax, 30*time.Second)
	setDefault(&o.Silence, 90*time.Second)
	setDefault(&o.ButtonTTL, 14*24*time.Hour)
	setDefault(&o.CatchUpWindow, time.Hour)
	if o.Workers <= 0 {
		o.Workers = 4
	}

	client := model.NewAPIv4Client(u.String())
	client.SetToken(o.Token)
	hc := *o.HTTPClient
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &rateLimited{next: base, after: o.After, now: o.Clock.Now, log: o.Logger.With("component", "mattermost")}
	client.HTTPClient = &hc

	return &Adapter{
		opts:      o,
		client:    client,
		log:       o.Logger.With("component", "mattermost"),
		workspace: u.Host + u.Path,
		actionURL: actionURL,
		key:       buttonKey(o.Token),
		storeKey:  storeKeyMAC(o.Token),
		rnd:       o.Rand,
		channels:  map[string]channelInfo{},
		locales:   map[string]localeEntry{},
	}, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// buttonKey derives the HMAC key of the button tokens from the bot's
// access token, so that every replica shares it with no other secret to
// manage; revoking the token invalidates the buttons already posted.
func buttonKey(token string) []byte {
	m := hmac.New(sha256.New, []byte("maillage mattermost button key v1"))
	m.Write([]byte(token))
	return m.Sum(nil)
}

// Platform returns bot.PlatformMattermost.
func (a *Adapter) Platform() bot.Platform { return bot.PlatformMattermost }

// Workspace is the server's host (and sub-path): the workspace part of
// every UserRef and Conversation.
func (a *Adapter) Workspace() string { return a.workspace }

// Check calls GetMe and verifies that the token belongs to a bot account
// or a dedicated user (not a system administrator's personal account).
func (a *Adapter) Check(ctx context.Context) (*model.User, error) {
	me, resp, err := a.client.GetMe(ctx, "")
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return nil, fmt.Errorf("mattermost: the server refused the token (401): check MAILLAGE_MATTERMOST_TOKEN, which must be a valid access token of the bot account")
		}
		return nil, fmt.Errorf("mattermost: checking the token with %s: %w", a.client.URL, errors.New(appErrorText(err)))
	}
	if !me.IsBot && me.IsSystemAdmin() {
		return nil, errors.New("mattermost: the token belongs to a system administrator's personal account; create a bot account (or a dedicated user) for Maillage and use its token")
	}
	if me.DeleteAt != 0 {
		return nil, errors.New("mattermost: the token's account is deactivated; reactivate the bot account or use another token")
	}
	a.mu.Lock()
	a.me = me
	a.mu.Unlock()
	return me, nil
}

// appErrorText keeps an error's message without any request detail.
func appErrorText(err error) string {
	var ae *model.AppError
	if errors.As(err, &ae) {
		if ae.Message != "" && ae.Message != ae.Id {
			return ae.Message
		}
		return fmt.Sprintf("%s (status %d)", ae.Id, ae.StatusCode)
	}
	return err.Error()
}

// wrapErr makes a client error a lower-case wrapped error naming the call.
func wrapErr(what string, err error) error {
	var ae *model.AppError
	if errors.As(err, &ae) {
		return fmt.Errorf("mattermost: %s: %s (status %d): %w", what, ae.Id, ae.StatusCode, err)
	}
	return fmt.Errorf("mattermost: %s: %w", what, err)
}

func (a *Adapter) botUser() *model.User {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.me
}

// userRef makes the core's reference of a Mattermost user.
func (a *Adapter) userRef(userID string) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: a.workspace, User: userID}
}

func (a *Adapter) conversation(channelID string, typ model.ChannelType) bot.Conversation {
	kind := bot.Channel
	switch typ {
	case model.ChannelTypeDirect:
		kind = bot.Direct
	case model.ChannelTypeGroup:
		kind = bot.Group
	}
	return bot.Conversation{Platform: bot.PlatformMattermost, Workspace: a.workspace, ID: channelID, Kind: kind}
}

// channel returns what the adapter knows of a channel, asking the server
// on a miss.
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	a.mu.Lock()
	ci, ok := a.channels[id]
	a.mu.Unlock()
	if ok {
		return ci, nil
	}
	ch, _, err := a.client.GetChannel(ctx, id, "")
	if err != nil {
		return channelInfo{}, wrapErr("reading a channel", err)
	}
	ci = channelInfo{typ: ch.Type, name: ch.Name}
	a.remember(id, ci)
	return ci, nil
}

func (a *Adapter) remember(id string, ci channelInfo) {
	if id == "" || ci.typ == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.channels) > 50000 {
		clear(a.channels)
	}
	a.channels[id] = ci
}

// MaxGroupMembers is the largest introduction a group channel holds:
// Mattermost group channels have 3 to 8 members, the bot included.
const MaxGroupMembers = 7

// OpenGroup opens (or finds) the group channel of the bot and members
// (2 to 7 distinct members); other counts return bot.ErrGroupSize.
func (a *Adapter) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	me := a.botUser()
	if me == nil {
		return bot.Conversation{}, errors.New("mattermost: not started (Run checks the token first)")
	}
	seen := map[string]bool{me.Id: true}
	ids := []string{me.Id}
	for _, m := range members {
		if m.Platform != bot.PlatformMattermost || m.User == "" {
			return bot.Conversation{}, fmt.Errorf("mattermost: opening a group: not a mattermost user: %w", bot.ErrInvalid)
		}
		if !seen[m.User] {
			seen[m.User] = true
			ids = append(ids, m.User)
		}
	}
	if n := len(ids) - 1; n < 2 || n > MaxGroupMembers {
		return bot.Conversation{}, fmt.Errorf("mattermost: %d members (2 to %d): %w", n, MaxGroupMembers, bot.ErrGroupSize)
	}
	ch, _, err := a.client.CreateGroupChannel(ctx, ids)
	if err != nil {
		return bot.Conversation{}, wrapErr("opening a group channel", err)
	}
	a.remember(ch.Id, channelInfo{typ: ch.Type, name: ch.Name})
	return a.conversation(ch.Id, ch.Type), nil
}

// Profile returns what the server says of user: display name, e-mail
// (when the server shows it to the bot), locale and time zone.
func (a *Adapter) Profile(ctx context.Context, user bot.UserRef) (bot.PlatformProfile, error) {
	u, resp, err := a.client.GetUser(ctx, user.User, "")
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return bot.PlatformProfile{}, fmt.Errorf("mattermost: reading a profile: %w", bot.ErrNotFound)
		}
		return bot.PlatformProfile{}, wrapErr("reading a profile", err)
	}
	a.cacheLocale(u.Id, u.Locale)
	return bot.PlatformProfile{
		DisplayName: u.GetDisplayName(model.ShowNicknameFullName),
		Email:       u.Email,
		Locale:      u.Locale,
		TimeZone:    u.GetPreferredTimezone(),
	}, nil
}

const localeTTL = 10 * time.Minute

func (a *Adapter) cacheLocale(userID, locale string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.locales) > 50000 {
		clear(a.locales)
	}
	a.locales[userID] = localeEntry{locale: locale, expires: a.opts.Clock.Now().Add(localeTTL)}
}

// locale returns the user's locale, cached for ten minutes; "" when the
// server cannot say (the core then uses its default language).
func (a *Adapter) locale(ctx context.Context, userID string) string {
	a.mu.Lock()
	e, ok := a.locales[userID]
	a.mu.Unlock()
	if ok && a.opts.Clock.Now().Before(e.expires) {
		return e.locale
	}
	u, _, err := a.client.GetUser(ctx, userID, "")
	if err != nil {
		a.log.Debug("reading a locale", "err", appErrorText(err))
		return ""
	}
	a.cacheLocale(userID, u.Locale)
	return u.Locale
}
