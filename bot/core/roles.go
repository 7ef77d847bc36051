package core

import (
	"context"
	"sync"
	"time"

	"github.com/sndgct/maillage/bot"
)

// RoleOf returns u's role, for the services that act outside a chat turn
// (the dashboard checks it at every page).
func (b *Bot) RoleOf(ctx context.Context, u bot.UserRef) bot.Role { return b.roleOf(ctx, u) }

// roleOf returns u's role: by user id first, then, when a rule names an
// e-mail address, by the address the platform gives (cached for an hour,
// so that the platform is not asked at every message).
func (b *Bot) roleOf(ctx context.Context, u bot.UserRef) bot.Role {
	for _, rr := range b.Settings.Admins {
		if rr.Matches(u) {
			return bot.RoleAdmin
		}
	}
	for _, rr := range b.Settings.Organizers {
		if rr.Matches(u) {
			return bot.RoleOrganizer
		}
	}
	if !b.emailRules() {
		return bot.RoleMember
	}
	email := b.PlatformEmail(ctx, u)
	if email == "" {
		return bot.RoleMember
	}
	for _, rr := range b.Settings.Admins {
		if rr.MatchesEmail(u, email) {
			return bot.RoleAdmin
		}
	}
	for _, rr := range b.Settings.Organizers {
		if rr.MatchesEmail(u, email) {
			return bot.RoleOrganizer
		}
	}
	return bot.RoleMember
}

func (b *Bot) emailRules() bool {
	for _, rules := range [][]bot.RoleRule{b.Settings.Admins, b.Settings.Organizers} {
		for _, rr := range rules {
			if rr.Email != "" {
				return true
			}
		}
	}
	return false
}

// emailCache remembers the platform e-mail of recent senders.
type emailCache struct {
	mu sync.Mutex
	m  map[bot.UserRef]cachedEmail
}

type cachedEmail struct {
	email   string
	fetched time.Time
}

const emailCacheTTL = time.Hour

// platformEmail returns the e-mail address the platform gives for u, or
// "" when the adapter cannot tell.
func (b *Bot) PlatformEmail(ctx context.Context, u bot.UserRef) string {
	now := b.Clock.Now()
	b.emails.mu.Lock()
	c, ok := b.emails.m[u]
	b.emails.mu.Unlock()
	if ok && now.Sub(c.fetched) < emailCacheTTL {
		return c.email
	}
	pr, ok := b.Adapters[u.Platform].(bot.ProfileReader)
	if !ok {
		return ""
	}
	p, err := pr.Profile(ctx, u)
	if err != nil {
		b.Log.Warn("reading a platform profile", "member", b.Pseudonym(u), "err", err)
		return "" // not cached: the next message asks again
	}
	b.emails.mu.Lock()
	if b.emails.m == nil {
		b.emails.m = map[bot.UserRef]cachedEmail{}
	}
	b.emails.m[u] = cachedEmail{email: p.Email, fetched: now}
	b.emails.mu.Unlock()
	return p.Email
}

// forgetEmail drops u from the cache (erasure).
func (b *Bot) forgetEmail(u bot.UserRef) {
	b.emails.mu.Lock()
	delete(b.emails.m, u)
	b.emails.mu.Unlock()
}
