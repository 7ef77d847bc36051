package mattermost

import (
	"errors"
	"testing"

	"maillage/bot"
)

// A cached direct channel lost on the server (a database reset): the post
// is refused as gone (404: a known outcome, nothing posted), ForgetDirect
// drops the cached id, and the channel created again receives the message
// exactly once; the cache then holds the new id.
func TestChannelGoneForgottenAndCreatedAgain(t *testing.T) {
	h := newHarness(t, "")
	ctx := t.Context()
	if _, err := h.a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	alice := bot.UserRef{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), User: aliceID}
	old, err := h.a.OpenDirect(ctx, alice)
	if err != nil || old.ID != dmID {
		t.Fatalf("OpenDirect = %+v, %v", old, err)
	}
	newID := h.fs.resetDirect()

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
