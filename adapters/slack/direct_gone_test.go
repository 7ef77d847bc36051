package slack

import (
	"errors"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
)

// removedDirect opens (and caches) alice's direct conversation, then
// removes it on the fake Slack.
func removedDirect(t *testing.T) (*harness, *Adapter, bot.Conversation) {
	t.Helper()
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	old, err := a.OpenDirect(t.Context(), slackUser("U0ALICE"))
	if err != nil {
		t.Fatal(err)
	}
	h.fake.RemoveChannel(old.ID)
	return h, a, old
}

// A cached direct conversation removed on Slack: the post is refused as
// gone (a known outcome, nothing posted), ForgetDirect drops the cached
// id, and the conversation opened again receives the message exactly once;
// the cache then holds the new id.
func TestConversationGoneForgottenAndOpenedAgain(t *testing.T) {
	h, a, old := removedDirect(t)
	ctx, alice := t.Context(), slackUser("U0ALICE")

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

// Through the core: a broadcast to a member whose cached conversation was
// removed on Slack reaches them exactly once, in the conversation opened
// again, whose id the cache then holds.
func TestBroadcastReachesMemberWhoseConversationWasRemoved(t *testing.T) {
	h, a, old := removedDirect(t)
	ctx, alice := t.Context(), slackUser("U0ALICE")
	m := bot.Member{Ref: alice, Name: "Alice Martin", Onboarded: h.clock.Now(),
		Collectivity: &bot.Collectivity{Kind: bot.KindCommune, Name: "Quimper", Population: 63000, Region: "53", Departement: "29"}}
	if err := h.store.SaveMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	b, err := bottest.New(bot.Settings{}, h.store, []bot.ChatAdapter{a}, core.Options{Clock: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	bc, _, err := bottest.Broadcasts(b).SubmitBroadcast(ctx, broadcasts.BroadcastDraft{Origin: "cli", Operator: "ops", Text: map[bot.Lang]string{bot.French: "Bonjour {prenom}"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := bottest.Broadcasts(b).RunBroadcast(ctx, bc.ID); err != nil {
		t.Fatal(err)
	}
	conv, ok := a.CachedDirect(ctx, alice)
	if !ok || conv.ID == old.ID {
		t.Fatalf("CachedDirect = %+v, %v; want a new conversation", conv, ok)
	}
	posts := h.fake.Posts()
	if len(posts) != 1 || posts[0].Channel != conv.ID || posts[0].Text != "Bonjour Alice" {
		t.Errorf("posts = %+v; want exactly one, in %s", posts, conv.ID)
	}
	if counts, err := h.store.RecipientCounts(ctx, bc.ID); err != nil || counts[bot.RecipientSent] != 1 {
		t.Errorf("counts = %v, %v; want 1 sent", counts, err)
	}
}
