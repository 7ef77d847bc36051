package mattermost

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sndgct/maillage/bot"
)

// Direct channels are cached in the store, as the Slack adapter does: a
// message to a member (a broadcast, a reminder, a private answer) then
// costs one call, not two, and the replicas share what one learnt.
var (
	_ bot.DirectCache     = (*Adapter)(nil)
	_ bot.DirectForgetter = (*Adapter)(nil)
	_ bot.PlatformData    = (*Adapter)(nil)
)

// dmCacheTTL is how long a direct channel id stays cached: a direct
// channel is never deleted, so the cache only saves calls.
const dmCacheTTL = 30 * 24 * time.Hour

// storeKeyMAC derives the key of the hashes that stand for users in store
// keys from the bot's token: no user id sits in a key, and nobody without
// the token can link a key to a user.
func storeKeyMAC(token string) []byte {
	m := sha256.Sum256([]byte("maillage mattermost keys\x00" + token))
	return m[:]
}

// storeHash is a keyed hash of parts, standing for ids in store keys.
func (a *Adapter) storeHash(parts ...string) string {
	m := hmac.New(sha256.New, a.storeKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// dmKey is the store key of the direct channel with user.
func (a *Adapter) dmKey(user bot.UserRef) string {
	m := hmac.New(sha256.New, a.storeKey)
	m.Write([]byte(user.Key()))
	return "mattermost:dm:" + hex.EncodeToString(m.Sum(nil)[:16])
}

func checkUser(user bot.UserRef) error {
	if user.Platform != bot.PlatformMattermost || user.User == "" {
		return fmt.Errorf("mattermost: not a mattermost user: %w", bot.ErrInvalid)
	}
	return nil
}

// CachedDirect returns the direct channel with user when its id is cached
// (OpenDirect keeps it 30 days): broadcasts then spend nothing of the
// server's budget on opening it.
func (a *Adapter) CachedDirect(ctx context.Context, user bot.UserRef) (bot.Conversation, bool) {
	if checkUser(user) != nil {
		return bot.Conversation{}, false
	}
	v, err := a.opts.Store.Value(ctx, a.dmKey(user))
	if err != nil || len(v) == 0 {
		return bot.Conversation{}, false
	}
	return bot.Conversation{Platform: bot.PlatformMattermost, Workspace: a.workspace, ID: string(v), Kind: bot.Direct}, true
}

// OpenDirect returns the direct channel between the bot and user: from the
// store when cached, else created (or found) by the server and cached.
func (a *Adapter) OpenDirect(ctx context.Context, user bot.UserRef) (bot.Conversation, error) {
	me := a.botUser()
	if me == nil {
		return bot.Conversation{}, errors.New("mattermost: not started (Run checks the token first)")
	}
	if err := checkUser(user); err != nil {
		return bot.Conversation{}, fmt.Errorf("opening a direct channel: %w", err)
	}
	if c, ok := a.CachedDirect(ctx, user); ok {
		return c, nil
	}
	ch, _, err := a.client.CreateDirectChannel(ctx, me.Id, user.User)
	if err != nil {
		return bot.Conversation{}, wrapErr("opening a direct channel", err)
	}
	a.remember(ch.Id, channelInfo{typ: ch.Type, name: ch.Name})
	if err := a.opts.Store.PutValue(ctx, a.dmKey(user), []byte(ch.Id), dmCacheTTL); err != nil {
		a.log.WarnContext(ctx, "direct channel not cached", "err", err)
	}
	return a.conversation(ch.Id, ch.Type), nil
}

// ForgetDirect drops the cached direct channel with user
// (bot.DirectForgetter): the next OpenDirect asks the server again.
func (a *Adapter) ForgetDirect(ctx context.Context, user bot.UserRef) error {
	if err := a.opts.Store.DeleteValue(ctx, a.dmKey(user)); err != nil {
		return fmt.Errorf("mattermost forget direct channel: %w", err)
	}
	return nil
}

// ExportUser returns what the adapter keeps about user (bot.PlatformData):
// the id of their direct channel with the bot when cached, else nil. The
// locale it keeps in memory for ten minutes is not stored.
func (a *Adapter) ExportUser(ctx context.Context, user bot.UserRef) (any, error) {
	v, err := a.opts.Store.Value(ctx, a.dmKey(user))
	switch {
	case errors.Is(err, bot.ErrNotFound) || err == nil && len(v) == 0:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("mattermost export: %w", err)
	}
	return map[string]string{"direct_channel": string(v)}, nil
}

// ForgetUser deletes what the adapter keeps about user (bot.PlatformData),
// for a member who erases their data: the cached direct channel, and the
// locale held in memory. Click records expire by themselves.
func (a *Adapter) ForgetUser(ctx context.Context, user bot.UserRef) error {
	if err := a.opts.Store.DeleteValue(ctx, a.dmKey(user)); err != nil {
		return fmt.Errorf("mattermost forget: %w", err)
	}
	a.mu.Lock()
	delete(a.locales, user.User)
	a.mu.Unlock()
	return nil
}
