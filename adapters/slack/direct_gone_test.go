package slack

import (
	"errors"
	"testing"

	"maillage/bot"
)

// A cached direct conversation removed on Slack: the post is refused as
// gone (a known outcome, nothing posted), ForgetDirect drops the cached
// id, and the conversation opened again receives the message exactly once;
// the cache then holds the new id.
func TestConversationGoneForgottenAndOpenedAgain(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	ctx := t.Context()
	alice := slackUser("U0ALICE")
	old, err := a.OpenDirect(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	h.fake.RemoveChannel(old.ID)

	sent, err := a.Send(ctx, old, bot.Reply{Text: "Bonjour"})
	if !errors.Is(err, bot.ErrConversationGone) || errors.Is(err, bot.ErrUnknownOutcome) || sent.ID != "" {
		t.Fatalf("Send(removed conversation) = %+v, %v; want ErrConversationGone, a known outcome", sent, err)
	}
	if c, ok := a.CachedDirect(ctx, alice); !ok || c != old {
		t.Fatalf("CachedDirect before ForgetDirect = %+v, %v; want the old id still", c, ok)
	}
	if err := a.ForgetDirect(ctx, alice); err != nil {
		t.Fatal(err)
	}
	conv, err := a.OpenDirect(ctx, alice)
	if err != nil || conv.ID == old.ID || conv.ID == "" {
		t.Fatalf("OpenDirect after ForgetDirect = %+v, %v; want a new conversation", conv, err)
	}
	if _, err := a.Send(ctx, conv, bot.Reply{Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	posts := h.fake.Posts()
	if len(posts) != 1 || posts[0].Channel != conv.ID || posts[0].Text != "Bonjour" {
		t.Errorf("posts = %+v; want exactly one, in %s", posts, conv.ID)
	}
	if n := len(h.fake.Opened()); n != 2 {
		t.Errorf("conversations.open called %d times, want 2 (first, then again)", n)
	}
	if c, ok := a.CachedDirect(ctx, alice); !ok || c != conv {
		t.Errorf("CachedDirect = %+v, %v; want the new conversation %s", c, ok, conv.ID)
	}
	// Forgetting what is not cached is no error.
	if err := a.ForgetDirect(ctx, slackUser("U0BOB")); err != nil {
		t.Errorf("ForgetDirect(nothing cached) = %v", err)
	}
}
