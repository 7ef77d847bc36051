package core_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
)

// During an outage each member is told once that the service is
// unavailable, however many messages they send; once the store answers
// again they are served, and a second outage tells them again.
func TestUnavailableToldOncePerMemberPerOutage(t *testing.T) {
	base := bottest.NewHarness(t, bot.Settings{})
	down := &atomic.Bool{}
	h := bottest.NewHarnessWith(t, bot.Settings{}, bottest.OutageStore{Store: base.Store, Down: down}, base.Clock)
	alice, bob := bottest.User("alice"), bottest.User("bob")
	unavailable := bottest.Fr("error.unavailable")
	count := func(replies []bot.Reply) int {
		n := 0
		for _, r := range replies {
			if r.Text == unavailable {
				n++
			}
		}
		return n
	}
	for outage := range 2 {
		down.Store(true)
		told := 0
		for range 5 {
			told += count(h.Say(alice, "aide"))
			told += count(h.Say(bob, "aide"))
		}
		if told != 2 {
			t.Errorf("outage %d: %d « unavailable » answers to 10 messages of 2 members, want 2 (once each)", outage+1, told)
		}
		down.Store(false)
		if got := bottest.Only(t, h.Say(alice, "aide")).Text; !strings.HasPrefix(got, bottest.Fr("help.header")) {
			t.Errorf("outage %d over: %q, want the help", outage+1, got)
		}
		bottest.Only(t, h.Say(bob, "aide"))
	}
}

// A message without a conversation has nowhere to be answered: dropped
// with a warning, not an error on sending.
func TestMessageWithoutConversationDropped(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	alice := bottest.User("alice")
	h.Bot.Handle(t.Context(), bot.Message{From: alice, Conversation: bot.Conversation{Platform: alice.Platform, Kind: bot.Direct}, Text: "aide"})
	if got := h.Chat.Take(); len(got) != 0 {
		t.Errorf("answered a message without a conversation: %+v", got)
	}
}

// A display name or a declared employer holding the markdown of the
// bot's texts is stored with lookalikes: quoted in a reply, it formats
// nothing.
func TestMarkupInNamesFormatsNothing(t *testing.T) {
	m := bot.Member{Ref: bottest.User("alice"), Name: "*gras* _italique_ `code` ~barré~",
		Collectivity: &bot.Collectivity{Kind: bot.KindOther, Name: "*Syndicat* des_eaux"}}
	core.SanitizeMember(&m)
	for _, s := range []string{m.Name, m.Collectivity.Name} {
		if strings.ContainsAny(s, "*_`~") {
			t.Errorf("stored %q: markup characters left", s)
		}
	}
	if m.Name != "∗gras∗ ˍitaliqueˍ ˋcodeˋ ˜barré˜" {
		t.Errorf("name stored as %q", m.Name)
	}
}
