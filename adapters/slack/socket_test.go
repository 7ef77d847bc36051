package slack

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
	"github.com/sndgct/maillage/bot"
)

func TestSocketModeDirectMessage(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	_, rec := h.start(t, nil)

	env := h.envelope(t, "events_api", slacktest.MessageIM("Ev01", "U0ALICE", "D0ALICE", "Bonjour &amp; <@U0BOT> !", "1700000001.000100"))
	if err := h.fake.WaitAck(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	got := rec.wait(t, 1)[0]
	want := bot.Message{
		ID:           "Ev01",
		From:         bot.UserRef{Platform: bot.PlatformSlack, Workspace: slacktest.Team, User: "U0ALICE"},
		Conversation: bot.Conversation{Platform: bot.PlatformSlack, Workspace: slacktest.Team, ID: "D0ALICE", Kind: bot.Direct},
		Text:         "Bonjour &  !",
		Mention:      true,
		Locale:       "fr-FR",
		Received:     h.clock.Now(),
	}
	if got.ID != want.ID || got.From != want.From || got.Conversation != want.Conversation ||
		got.Text != want.Text || got.Mention != want.Mention || got.Locale != want.Locale || !got.Received.Equal(want.Received) {
		t.Errorf("message\n got %+v\nwant %+v", got, want)
	}

	// Slack redelivers the same envelope (retry_attempt 1) and the same
	// event in a new envelope: both are acknowledged, neither handled.
	if err := h.fake.Redeliver(t.Context(), env, 1); err != nil {
		t.Fatal(err)
	}
	env2 := h.envelope(t, "events_api", slacktest.MessageIM("Ev01", "U0ALICE", "D0ALICE", "Bonjour", "1700000001.000100"))
	// Messages the core must not see: the bot's own, another bot's, an edit.
	ignored := [][]byte{
		slacktest.MessageIM("Ev02", slacktest.BotUser, "D0ALICE", "réponse du robot", "1700000002.000100"),
		slacktest.Payload("event_bot_message", map[string]any{"team_id": slacktest.Team}),
		slacktest.Payload("event_message_changed", map[string]any{"team_id": slacktest.Team}),
	}
	for _, p := range ignored {
		h.envelope(t, "events_api", p)
	}
	// One worker handles envelopes in order: once the last is handled,
	// the others were dropped, not delayed.
	h.envelope(t, "events_api", slacktest.MessageIM("Ev03", "U0BOB", "D0BOB", "hello", "1700000003.000100"))
	msgs := rec.wait(t, 2)
	if len(msgs) != 2 || msgs[1].ID != "Ev03" || msgs[1].Locale != "en-GB" {
		t.Errorf("handled %+v, want Ev01 then Ev03 only", msgs)
	}
	if !h.fake.Acked(env2) {
		t.Errorf("redelivered envelope not acknowledged")
	}
	// The locale of U0ALICE came from users.info once, then from the cache.
	if n := h.fake.Calls("users.info"); n != 2 {
		t.Errorf("users.info called %d times, want 2 (once per member)", n)
	}
}

func TestSocketModeReconnects(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	_, rec := h.start(t, nil)
	for i, reason := range []string{"refresh_requested", "warning"} {
		if err := h.fake.Disconnect(reason); err != nil {
			t.Fatal(err)
		}
		if err := h.fake.WaitSocket(t.Context(), i+2); err != nil {
			t.Fatal(err)
		}
	}
	h.envelope(t, "events_api", slacktest.MessageIM("Ev10", "U0ALICE", "D0ALICE", "toujours là ?", "1700000010.000100"))
	rec.wait(t, 1)
	opened, most := h.fake.Sockets()
	if opened != 3 || most != 1 {
		t.Errorf("sockets opened %d (want 3), at most %d at once (want 1)", opened, most)
	}
	if n := h.fake.Calls("auth.test"); n != 1 {
		t.Errorf("auth.test called %d times, want 1", n)
	}
}

func TestSocketModeReconnectsWhenPingsStop(t *testing.T) {
	h := newHarness(t, 0) // the fake never pings
	a := h.adapter(t, func(o *Options) { o.PingInterval = 50 * time.Millisecond })
	run(t, a, newRecorder().handle)
	if err := h.fake.WaitSocket(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	if _, most := h.fake.Sockets(); most != 1 {
		t.Errorf("%d sockets at once, want 1", most)
	}
}

func TestSocketModeStopsOnRefusedToken(t *testing.T) {
	for _, code := range []string{"invalid_auth", "token_revoked", "account_inactive"} {
		t.Run(code, func(t *testing.T) {
			h := newHarness(t, 20*time.Millisecond)
			h.fake.RefuseAppToken(code)
			a := h.adapter(t, nil)
			err := a.Run(t.Context(), newRecorder().handle)
			if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "MAILLAGE_SLACK_APP_TOKEN") || !strings.Contains(err.Error(), code) {
				t.Errorf("Run() = %v, want ErrAuth naming MAILLAGE_SLACK_APP_TOKEN and %s", err, code)
			}
			if strings.Contains(err.Error(), slacktest.AppToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestRunRefusedBotToken(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	a := h.adapter(t, func(o *Options) { o.BotToken = "xoxb-wrong" })
	err := a.Run(t.Context(), newRecorder().handle)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "MAILLAGE_SLACK_BOT_TOKEN") {
		t.Errorf("Run() = %v, want ErrAuth naming MAILLAGE_SLACK_BOT_TOKEN", err)
	}
	if h.fake.Calls("apps.connections.open") != 0 {
		t.Errorf("socket opened despite a refused bot token")
	}
}

func TestRunTwiceRefused(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	a, _ := h.start(t, nil)
	if err := a.Run(t.Context(), newRecorder().handle); err == nil || !strings.Contains(err.Error(), "one socket per replica") {
		t.Errorf("second Run() = %v, want a refusal", err)
	}
}

func TestSocketModeButtonsAndCommand(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	a, rec := h.start(t, nil)
	alice := bot.UserRef{Platform: bot.PlatformSlack, Workspace: slacktest.Team, User: "U0ALICE"}
	dm, err := a.OpenDirect(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := a.Send(t.Context(), dm, bot.Reply{Text: "Quelle langue ?", Choices: []bot.Choice{
		{Action: "lang.set", Value: "fr", Label: "Français", Style: "primary"},
		{Action: "lang.set", Value: "en", Label: "English"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	posts := h.fake.Posts()
	buttons := posts[len(posts)-1].Buttons()
	if len(buttons) != 2 || buttons[0].Label != "Français" || buttons[0].Style != "primary" {
		t.Fatalf("buttons = %+v", buttons)
	}
	// The click, delivered twice, then a click on the other button of the
	// same question: decided once.
	click := slacktest.Click("U0ALICE", posts[len(posts)-1], buttons[1])
	for range 2 {
		h.envelope(t, "interactive", click)
	}
	h.envelope(t, "interactive", slacktest.BlockAction("U0ALICE", dm.ID, sent.ID, buttons[0]))
	inChannel := h.envelope(t, "slash_commands", slacktest.SlashCommand("U0ALICE", "C0GENERAL", "profil"))
	inDM := h.envelope(t, "slash_commands", slacktest.SlashCommand("U0ALICE", dm.ID, ""))
	msgs := rec.wait(t, 3)
	if len(msgs) != 3 {
		t.Fatalf("handled %d messages, want 3", len(msgs))
	}
	if c := msgs[0].Choice; c == nil || c.Action != "lang.set" || c.Value != "en" || c.MessageRef != sent.ID || msgs[0].Conversation != dm {
		t.Errorf("click = %+v in %+v", c, msgs[0].Conversation)
	}
	if msgs[1].Text != "profil" || msgs[1].Conversation != dm || msgs[2].Text != "aide" {
		t.Errorf("commands = %q in %+v, then %q; want profil in the DM, then aide", msgs[1].Text, msgs[1].Conversation, msgs[2].Text)
	}
	// Typed in a channel, the command is acknowledged with a line for the
	// member alone saying where the answer goes; typed in the DM, silently.
	var ack map[string]string
	if err := json.Unmarshal(h.fake.AckPayload(inChannel), &ack); err != nil || ack["response_type"] != "ephemeral" ||
		ack["text"] != "Je vous réponds en message direct, dans la conversation avec Maillage." {
		t.Errorf("ack of the command in a channel = %s (%v)", h.fake.AckPayload(inChannel), err)
	}
	if p := string(h.fake.AckPayload(inDM)); p != "" && p != "null" {
		t.Errorf("ack of the command in the DM = %s, want none", p)
	}
	// The answered question lost its buttons and shows the choice, once.
	var updates []slacktest.Post
	for _, p := range h.fake.Posts() {
		if p.Method == "chat.update" {
			updates = append(updates, p)
		}
	}
	if len(updates) != 1 {
		t.Fatalf("%d updates, want 1", len(updates))
	}
	up := updates[0]
	if up.TS != sent.ID || up.Channel != dm.ID || len(up.Buttons()) != 0 ||
		!strings.Contains(string(up.Blocks), `"type":"context"`) || !strings.Contains(string(up.Blocks), "✓ *English*") ||
		!strings.Contains(string(up.Blocks), "Quelle langue ?") || up.Text != posts[len(posts)-1].Text {
		t.Errorf("update = %+v (blocks %s)", up, up.Blocks)
	}
	if got := len(h.fake.Opened()); got != 1 {
		t.Errorf("conversations.open called %d times, want 1 (DM cached)", got)
	}
}

func TestSocketModeGroupMention(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	_, rec := h.start(t, nil)
	send := func(p []byte) {
		t.Helper()
		h.envelope(t, "events_api", p)
	}
	send(slacktest.MessageMPIM("Ev20", "U0ALICE", "G0GROUP", "bonjour à tous", "1700000020.000100"))
	send(slacktest.MessageMPIM("Ev21", "U0BOB", "G0GROUP", "<@U0BOT> aide", "1700000021.000100"))
	// The same message as an app_mention (another event id): dropped.
	send(slacktest.AppMention("Ev22", "U0BOB", "G0GROUP", "<@U0BOT> aide", "1700000021.000100"))
	send(slacktest.AppMention("Ev23", "U0BOB", "C0GENERAL", "<@U0BOT> statut", "1700000023.000100"))
	msgs := rec.wait(t, 3)
	if len(msgs) != 3 {
		t.Fatalf("handled %d, want 3: %+v", len(msgs), msgs)
	}
	if m := msgs[0]; m.Conversation.Kind != bot.Group || m.Mention {
		t.Errorf("group message: kind %v mention %v, want group without mention", m.Conversation.Kind, m.Mention)
	}
	if m := msgs[1]; m.Conversation.Kind != bot.Group || !m.Mention || m.Text != "aide" {
		t.Errorf("group mention: kind %v mention %v text %q", m.Conversation.Kind, m.Mention, m.Text)
	}
	if m := msgs[2]; m.Conversation.Kind != bot.Channel || !m.Mention || m.Text != "statut" || m.ID != "Ev23" {
		t.Errorf("channel mention: %+v", m)
	}
}

func TestSocketModeQueueFull(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	a := h.adapter(t, func(o *Options) { o.Queue = 1; o.QueueWait = time.Millisecond })
	rec := newRecorder()
	rec.block = make(chan struct{})
	run(t, a, rec.handle)
	var envs []string
	for i := range 3 {
		n := strconv.Itoa(i)
		envs = append(envs, h.envelope(t, "events_api", slacktest.MessageIM("Ev3"+n, "U0ALICE", "D0ALICE", "x", "1700000030.00010"+n)))
		if i == 0 {
			// The worker holds the first one before the others come.
			if err := h.fake.WaitCalls(t.Context(), "users.info", 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.logs.waitFor(t, "slack event dropped: queue full")
	for _, id := range envs {
		if err := h.fake.WaitAck(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	close(rec.block)
	msgs := rec.wait(t, 2)
	if len(msgs) != 2 || msgs[0].ID != "Ev30" || msgs[1].ID != "Ev31" {
		t.Errorf("handled %+v, want Ev30 and Ev31 (Ev32 dropped)", msgs)
	}
}

// apps.connections.open refused for a while (429): slack-go waits and
// tries again; the adapter logs it and connects.
func TestSocketModeRetriesOpening(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	h.fake.RateLimitNext("apps.connections.open", 0)
	h.start(t, nil)
	if n := h.fake.Calls("apps.connections.open"); n != 2 {
		t.Errorf("apps.connections.open called %d times, want 2", n)
	}
	h.logs.waitFor(t, "slack socket mode connection failed")
}

// Each member's messages are handled in order and one at a time, while
// members are served in parallel.
func TestEachMemberInOrder(t *testing.T) {
	h := newHarness(t, 20*time.Millisecond)
	a := h.adapter(t, func(o *Options) { o.Workers = 4 })
	var (
		mu    sync.Mutex
		busy  = map[string]bool{}
		seen  = map[string][]string{}
		done  = make(chan struct{})
		total int
		count = 40
	)
	handler := func(_ context.Context, m bot.Message) {
		mu.Lock()
		if busy[m.From.User] {
			t.Errorf("two messages of %s handled at once", m.From.User)
		}
		busy[m.From.User] = true
		mu.Unlock()
		runtime.Gosched()
		mu.Lock()
		busy[m.From.User] = false
		seen[m.From.User] = append(seen[m.From.User], m.Text)
		total++
		if total == count {
			close(done)
		}
		mu.Unlock()
	}
	run(t, a, handler)
	var want []string
	for i := range count / 2 {
		n := strconv.Itoa(i)
		want = append(want, n)
		h.envelope(t, "events_api", slacktest.MessageIM("EvA"+n, "U0ALICE", "D0ALICE", n, "1700000700.0001"+n))
		h.envelope(t, "events_api", slacktest.MessageIM("EvB"+n, "U0BOB", "D0BOB", n, "1700000700.0002"+n))
	}
	select {
	case <-done:
	case <-t.Context().Done():
		t.Fatal("not all messages handled")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range []string{"U0ALICE", "U0BOB"} {
		if !slices.Equal(seen[u], want) {
			t.Errorf("%s's messages handled as %v, want %v", u, seen[u], want)
		}
	}
}
