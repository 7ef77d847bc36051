package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
)

// A member whose cached direct conversation was removed on the platform
// still gets the broadcast, exactly once, in a conversation opened again;
// the cache then holds the new one. The author's report, sent through the
// outbox, goes the same way. Another member whose every conversation is
// refused is tried once more only, then failed.
func TestConversationGoneReopenedOnce(t *testing.T) {
	f, chat, store, _ := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 5)
	g := bottest.NewGoneChat(chat)
	author := bottest.SlackUser(99)
	f.S.Organizers = append(f.S.Organizers, bot.RoleRule{Platform: author.Platform, Workspace: author.Workspace, User: author.User})
	refs := f.Members(4, bottest.SlackUser)
	g.Remove(refs[0], "D-"+refs[0].User)
	g.Remove(refs[1], "D-"+refs[1].User)
	g.Removed["D-"+refs[1].User+"+"] = true // the new one refused too
	g.Remove(author, "D-"+author.User)
	b := f.Bot("a", g)
	bc := f.Submit(b, broadcasts.BroadcastDraft{Origin: "chat", Author: author, AuthorLang: bot.French})
	f.RunUntilDone(bc.ID, b)

	got := chat.Received()
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
		if g.Refused[conv] != want {
			t.Errorf("%d posts refused in %s, want %d (one try, one more in a new conversation)", g.Refused[conv], conv, want)
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
			f, chat, _, _ := bottest.SlackFleet(t, time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris), 7)
			g := bottest.NewGoneChat(chat)
			f.Members(1, bottest.SlackUser)
			b := f.Bot("a", bottest.UncertainGone{GoneChat: g, Also: wrap})
			bc := f.Submit(b, broadcasts.BroadcastDraft{})
			for range 3 {
				if err := bottest.Broadcasts(b).RunBroadcast(context.Background(), bc.ID); err != nil {
					t.Fatal(err)
				}
				f.Clock.Advance(time.Minute)
			}
			if g.Forgot != 0 {
				t.Errorf("the cached conversation was forgotten %d times after a %s", g.Forgot, name)
			}
		})
	}
}
