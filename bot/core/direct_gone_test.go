package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
)

// goneChat is the fake chat platform with an adapter's cache of direct
// conversations, as the Slack and Mattermost adapters keep in the store:
// a conversation can be removed on the platform (a database reset), after
// which posts to it are refused with bot.ErrConversationGone and opening
// the conversation again gives a new id.
type goneChat struct {
	*chatPlatform

	mu      sync.Mutex
	cache   map[string]string // user -> cached conversation id
	removed map[string]bool   // conversation ids removed on the platform
	refused map[string]int    // posts refused, by conversation id
	forgot  int
}

func newGoneChat(c *chatPlatform) *goneChat {
	return &goneChat{chatPlatform: c, cache: map[string]string{}, removed: map[string]bool{}, refused: map[string]int{}}
}

var (
	_ bot.DirectCache     = (*goneChat)(nil)
	_ bot.DirectForgetter = (*goneChat)(nil)
)

func (g *goneChat) CachedDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id, ok := g.cache[u.User]
	return bot.Conversation{Platform: g.platform, Workspace: u.Workspace, ID: id, Kind: bot.Direct}, ok
}

func (g *goneChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	if c, ok := g.CachedDirect(ctx, u); ok {
		return c, nil
	}
	c, err := g.chatPlatform.OpenDirect(ctx, u)
	if err != nil {
		return c, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.removed[c.ID] { // a new id, removed too if the test says so
		c.ID += "+"
	}
	g.cache[u.User] = c.ID
	return c, nil
}

func (g *goneChat) ForgetDirect(ctx context.Context, u bot.UserRef) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.cache, u.User)
	g.forgot++
	return nil
}

func (g *goneChat) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	g.mu.Lock()
	gone := g.removed[conv.ID]
	if gone {
		g.refused[conv.ID]++
	}
	g.mu.Unlock()
	if gone {
		return bot.SentMessage{}, fmt.Errorf("fake: channel_not_found: %w", bot.ErrConversationGone)
	}
	return g.chatPlatform.Send(ctx, conv, r)
}

// remove caches id as the direct conversation with u, and removes it on
// the platform.
func (g *goneChat) remove(u bot.UserRef, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cache[u.User] = id
	g.removed[id] = true
}

// A member whose cached direct conversation was removed on the platform
// still gets the broadcast, exactly once, in a conversation opened again;
// the cache then holds the new one. The author's report, sent through the
// outbox, goes the same way. Another member whose every conversation is
// refused is tried once more only, then failed.
func TestConversationGoneReopenedOnce(t *testing.T) {
	f, chat, store, _ := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 5)
	g := newGoneChat(chat)
	author := slackUser(99)
	f.s.Organizers = append(f.s.Organizers, bot.RoleRule{Platform: author.Platform, Workspace: author.Workspace, User: author.User})
	refs := f.members(4, slackUser)
	g.remove(refs[0], "D-"+refs[0].User)
	g.remove(refs[1], "D-"+refs[1].User)
	g.removed["D-"+refs[1].User+"+"] = true // the new one refused too
	g.remove(author, "D-"+author.User)
	b := f.bot("a", g)
	bc := f.submit(b, core.BroadcastDraft{Origin: "chat", Author: author, AuthorLang: bot.French})
	f.runUntilDone(bc.ID, b)

	got := chat.received()
	for conv, want := range map[string]int{
		"D-" + refs[0].User + "+": 1, "D-" + refs[2].User: 1, "D-" + refs[3].User: 1,
		"D-" + refs[0].User: 0, "D-" + refs[1].User: 0, "D-" + refs[1].User + "+": 0, "D-" + refs[1].User + "++": 0,
	} {
		if got[conv] != want {
			t.Errorf("conversation %s received %d messages, want %d", conv, got[conv], want)
		}
	}
	if got["D-"+author.User+"+"] == 0 {
		t.Errorf("the author's report did not reach their new conversation: %v", got)
	}
	for conv, want := range map[string]int{"D-" + refs[0].User: 1, "D-" + refs[1].User: 1, "D-" + refs[1].User + "+": 1, "D-" + author.User: 1} {
		if g.refused[conv] != want {
			t.Errorf("%d posts refused in %s, want %d (one try, one more in a new conversation)", g.refused[conv], conv, want)
		}
	}
	if c, ok := g.CachedDirect(context.Background(), refs[0]); !ok || c.ID != "D-"+refs[0].User+"+" {
		t.Errorf("cached conversation = %+v, %v; want the new one", c, ok)
	}
	counts, _ := store.RecipientCounts(context.Background(), bc.ID)
	if counts[bot.RecipientSent] != 3 || counts[bot.RecipientFailed] != 1 {
		t.Errorf("counts = %v, want 3 sent, 1 failed", counts)
	}
}

// A conversation gone from a post whose outcome is unknown, or that was
// rate-limited, is not tried again: the post may have been made, or was
// not refused for the conversation.
func TestConversationGoneNotRetriedWhenUncertain(t *testing.T) {
	for name, wrap := range map[string]error{"unknown outcome": bot.ErrUnknownOutcome, "rate limited": &bot.RateLimitError{RetryAfter: time.Second}} {
		t.Run(name, func(t *testing.T) {
			f, chat, _, _ := slackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, paris), 7)
			g := newGoneChat(chat)
			f.members(1, slackUser)
			b := f.bot("a", uncertainGone{g, wrap})
			bc := f.submit(b, core.BroadcastDraft{})
			for range 3 {
				if err := b.RunBroadcast(context.Background(), bc.ID); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(time.Minute)
			}
			if g.forgot != 0 {
				t.Errorf("the cached conversation was forgotten %d times after a %s", g.forgot, name)
			}
		})
	}
}

// uncertainGone answers every post with ErrConversationGone wrapped with
// another error that forbids a blind retry.
type uncertainGone struct {
	*goneChat
	also error
}

func (u uncertainGone) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	return bot.SentMessage{}, fmt.Errorf("fake: %w: %w", bot.ErrConversationGone, u.also)
}
