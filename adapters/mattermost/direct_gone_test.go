package mattermost

import (
	"errors"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
)

// lostDirect opens (and caches) alice's direct channel, then loses it on
// the fake server; it returns the old channel and the new one's id.
func lostDirect(t *testing.T) (*harness, bot.UserRef, bot.Conversation, string) {
	t.Helper()
	h := newHarness(t, "")
	if _, err := h.a.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	alice := bot.UserRef{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), User: aliceID}
	old, err := h.a.OpenDirect(t.Context(), alice)
	if err != nil || old.ID != dmID {
		t.Fatalf("OpenDirect = %+v, %v", old, err)
	}
	return h, alice, old, h.fs.resetDirect()
}

// A cached direct channel lost on the server (a database reset): the post
// is refused as gone (404: a known outcome, nothing posted), ForgetDirect
// drops the cached id, and the channel created again receives the message
// exactly once; the cache then holds the new id.
func TestChannelGoneForgottenAndCreatedAgain(t *testing.T) {
	h, alice, old, newID := lostDirect(t)
	ctx := t.Context()

	sent, err := h.a.Send(ctx, old, bot.Reply{Text: "Bonjour"})
	if !errors.Is(err, bot.ErrConversationGone) || errors.Is(err, bot.ErrUnknownOutcome) || errors.Is(err, bot.ErrRateLimited) || sent.ID != "" {
		t.Fatalf("Send(lost channel) = %+v, %v; want ErrConversationGone, a known outcome", sent, err)
	}
	if err := h.a.ForgetDirect(ctx, alice); err != nil {
		t.Fatal(err)
	}
	conv, err := h.a.OpenDirect(ctx, alice)
	if err != nil || conv.ID != newID {
		t.Fatalf("OpenDirect after ForgetDirect = %+v, %v; want the new channel %s", conv, err, newID)
	}
	if _, err := h.a.Send(ctx, conv, bot.Reply{Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	created := h.fs.created
	h.fs.mu.Unlock()
	if len(created) != 1 || created[0].ChannelId != newID || created[0].Message != "Bonjour" {
		t.Errorf("%d posts created; want exactly one, in %s", len(created), newID)
	}
	if n := h.fs.directCalls(); n != 2 {
		t.Errorf("%d calls to create the direct channel, want 2 (first, then again)", n)
	}
	if c, ok := h.a.CachedDirect(ctx, alice); !ok || c.ID != newID {
		t.Errorf("CachedDirect = %+v, %v; want the new channel %s", c, ok, newID)
	}

}

// Through the core: after the server lost the member's cached direct
// channel, a broadcast reaches them exactly once in the channel created
// again, and the cache holds its id.
func TestBroadcastAfterServerLostDirectChannel(t *testing.T) {
	h, alice, _, newID := lostDirect(t)
	ctx := t.Context()
	if err := h.store.SaveMember(ctx, bot.Member{Ref: alice, Name: "Alice Martin", Onboarded: h.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	b, err := bottest.New(bot.Settings{}, h.store, []bot.ChatAdapter{h.a}, core.Options{Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	bc, _, err := bottest.Broadcasts(b).SubmitBroadcast(ctx, broadcasts.BroadcastDraft{Origin: "cli", Operator: "ops", Text: map[bot.Lang]string{bot.French: "Annonce du congrès"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := bottest.Broadcasts(b).RunBroadcast(ctx, bc.ID); err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	created := h.fs.created
	h.fs.mu.Unlock()
	if len(created) != 1 || created[0].ChannelId != newID {
		t.Errorf("%d posts created; want exactly one, in the new channel %s", len(created), newID)
	}
	if c, ok := h.a.CachedDirect(ctx, alice); !ok || c.ID != newID {
		t.Errorf("CachedDirect = %+v, %v; want the new channel %s", c, ok, newID)
	}
}
