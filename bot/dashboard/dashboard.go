// Package dashboard signs organizers in to the web dashboard: the chat
// command « tableau de bord » gives an organizer or an administrator a
// personal link, valid 15 minutes and usable once, that opens a session of
// 8 hours in their browser. The pages themselves are served by the
// top-level package dashboard, over this feature's service (Of).
//
// Links and sessions live in the store (bot.DashboardStore), so that every
// replica knows them, under a keyed hash of their token: the token itself
// is only in the link sent to the organizer and in their browser's cookie,
// and is never logged.
package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// Lifetimes of a sign-in link and of a session.
const (
	LinkTTL    = 15 * time.Minute
	SessionTTL = 8 * time.Hour
)

// Paths of the dashboard, in each language: the French one, and its
// English alias. Both serve the same pages in their language.
var (
	Base   = map[bot.Lang]string{bot.French: "/tableau-de-bord", bot.English: "/dashboard"}
	SignIn = map[bot.Lang]string{bot.French: "/tableau-de-bord/connexion", bot.English: "/dashboard/sign-in"}
	// TokenParam is the query parameter of a sign-in link.
	TokenParam = map[bot.Lang]string{bot.French: "jeton", bot.English: "token"}
)

// Errors of the service.
var (
	// ErrRefused: the link or session is unknown, used, expired, or its
	// person is no longer an organizer. Pages say so without telling
	// which, so that a guess learns nothing.
	ErrRefused = errors.New("dashboard: link or session refused")
	// ErrNotConfigured: no public address is set (http.public_url).
	ErrNotConfigured = errors.New("dashboard: no public address (http.public_url)")
)

// Feature is the dashboard's sign-in.
type Feature struct {
	core.Services
	store Store
	key   []byte

	mu     sync.Mutex
	onLink []func()
}

// OnLink adds a function called (in its own goroutine) after each link
// issued: the pages start counting the figures the organizer is about to
// see.
func (f *Feature) OnLink(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onLink = append(f.onLink, fn)
}

// Store is the part of the store the feature uses.
type Store interface {
	bot.DashboardStore
}

// defaultKey keys the hashes when the deployment gives no key (the
// terminal alone, tests).
const defaultKey = "maillage-dashboard:"

// New builds the feature over the core.
func New(b *core.Bot) (core.Feature, error) {
	f := &Feature{Services: b.Services(), store: b.Store, key: b.Settings.Dashboard.Key}
	if len(f.key) == 0 {
		f.key = []byte(defaultKey)
	}
	if u := b.Settings.Dashboard.URL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("dashboard: public address %q is not an http(s) address", u)
		}
	}
	return f, nil
}

// Of returns the feature that b runs, if any.
func Of(b *core.Bot) (*Feature, bool) { return core.FeatureOf[*Feature](b) }

// Register declares « tableau de bord » and the personal data it keeps
// (the member's links and sessions, erased with them).
func (f *Feature) Register(reg *core.Registry) {
	reg.Command(&core.Command{ID: "dashboard", Role: bot.RoleOrganizer, Run: f.cmdDashboard,
		Names: map[bot.Lang][]string{bot.French: {"tableau de bord"}, bot.English: {"dashboard"}}})
	reg.PersonalData(core.DataPart{
		Name:   "dashboard",
		Export: f.export,
		Erase: func(ctx context.Context, ref bot.UserRef) error {
			_, err := f.store.EraseDashboardGrants(ctx, ref)
			return err
		},
	})
}

// exportedGrant is a link or session in the member's export: when, never
// the token (it is not kept) nor its hash.
type exportedGrant struct {
	Kind    string    `json:"kind"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

func (f *Feature) export(ctx context.Context, ref bot.UserRef) (any, error) {
	gs, err := f.store.DashboardGrantsOf(ctx, ref)
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	out := make([]exportedGrant, len(gs))
	for i, g := range gs {
		out[i] = exportedGrant{Kind: g.Kind, Created: g.Created.UTC(), Expires: g.Expires.UTC()}
	}
	return out, nil
}

func (f *Feature) cmdDashboard(ctx context.Context, r *core.Turn) []bot.Reply {
	link, err := f.IssueLink(ctx, r.Msg.From, r.Lang)
	switch {
	case errors.Is(err, ErrNotConfigured):
		return []bot.Reply{r.Reply("dashboard.not_configured")}
	case err != nil:
		f.Log.Error("dashboard link", "member", f.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	f.Log.Info("dashboard link issued", "member", f.Core.Pseudonym(r.Msg.From))
	return []bot.Reply{r.Reply("dashboard.link", "link", link, "minutes", "15")}
}

// Hash returns the keyed hash under which a token is stored.
func (f *Feature) Hash(token string) string {
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// newToken returns 32 random bytes, URL-safe.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// IssueLink stores a sign-in link for ref, valid LinkTTL, and returns it
// (on the public address, in lang's path).
func (f *Feature) IssueLink(ctx context.Context, ref bot.UserRef, lang bot.Lang) (string, error) {
	base := strings.TrimRight(f.Settings.Dashboard.URL, "/")
	if base == "" {
		return "", ErrNotConfigured
	}
	if _, ok := Base[lang]; !ok {
		lang = bot.French
	}
	token := newToken()
	now := f.Clock.Now()
	g := bot.DashboardGrant{Kind: bot.GrantLink, Key: f.Hash(token), Member: ref, Lang: lang, Created: now, Expires: now.Add(LinkTTL)}
	if err := f.store.SaveDashboardGrant(ctx, g); err != nil {
		return "", fmt.Errorf("dashboard link: %w", err)
	}
	f.mu.Lock()
	hooks := f.onLink
	f.mu.Unlock()
	for _, fn := range hooks {
		go fn()
	}
	return base + SignIn[lang] + "?" + TokenParam[lang] + "=" + token, nil
}

// Session is a signed-in browser: its token (the cookie's value) and the
// grant stored for it.
type Session struct {
	Token string
	bot.DashboardGrant
}

// CSRF returns the token the session's forms carry: a keyed hash of the
// session token, so that nothing more is stored and every replica can
// check it.
func (s Session) csrf(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csrf\x00" + s.Token))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// CSRF returns the anti-forgery token of the session's forms.
func (f *Feature) CSRF(s Session) string { return s.csrf(f.key) }

// CheckCSRF reports whether token is the session's anti-forgery token.
func (f *Feature) CheckCSRF(s Session, token string) bool {
	return hmac.Equal([]byte(token), []byte(s.csrf(f.key)))
}

// Redeem uses the sign-in link token, once: when it is known, unexpired
// and its person still an organizer, it opens a session of SessionTTL.
// ErrRefused otherwise.
func (f *Feature) Redeem(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrRefused
	}
	link, err := f.store.TakeDashboardGrant(ctx, bot.GrantLink, f.Hash(token))
	if core.IsNotFound(err) {
		return Session{}, ErrRefused
	}
	if err != nil {
		return Session{}, fmt.Errorf("dashboard sign-in: %w", err)
	}
	now := f.Clock.Now()
	if !now.Before(link.Expires) || f.Core.RoleOf(ctx, link.Member) < bot.RoleOrganizer {
		return Session{}, ErrRefused
	}
	s := Session{Token: newToken()}
	s.DashboardGrant = bot.DashboardGrant{Kind: bot.GrantSession, Key: f.Hash(s.Token), Member: link.Member,
		Lang: link.Lang, Created: now, Expires: now.Add(SessionTTL)}
	if err := f.store.SaveDashboardGrant(ctx, s.DashboardGrant); err != nil {
		return Session{}, fmt.Errorf("dashboard sign-in: %w", err)
	}
	f.Log.Info("dashboard session opened", "member", f.Core.Pseudonym(link.Member))
	return s, nil
}

// Session returns the session of the cookie token: ErrRefused when it is
// unknown, expired, or its person is no longer an organizer.
func (f *Feature) Session(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrRefused
	}
	g, err := f.store.DashboardGrant(ctx, bot.GrantSession, f.Hash(token))
	if core.IsNotFound(err) {
		return Session{}, ErrRefused
	}
	if err != nil {
		return Session{}, fmt.Errorf("dashboard session: %w", err)
	}
	if !f.Clock.Now().Before(g.Expires) || f.Core.RoleOf(ctx, g.Member) < bot.RoleOrganizer {
		if err := f.store.DeleteDashboardGrant(ctx, bot.GrantSession, g.Key); err != nil {
			f.Log.Warn("dashboard session not deleted", "err", err)
		}
		return Session{}, ErrRefused
	}
	return Session{Token: token, DashboardGrant: g}, nil
}

// SignOut ends the session.
func (f *Feature) SignOut(ctx context.Context, s Session) error {
	if err := f.store.DeleteDashboardGrant(ctx, bot.GrantSession, s.Key); err != nil {
		return fmt.Errorf("dashboard sign-out: %w", err)
	}
	f.Log.Info("dashboard session closed", "member", f.Core.Pseudonym(s.Member))
	return nil
}
