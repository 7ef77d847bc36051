package slack

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
	"github.com/sndgct/maillage/bot"
)

func slackUser(id string) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformSlack, Workspace: slacktest.Team, User: id}
}

func dmWith(id string) bot.Conversation {
	return bot.Conversation{Platform: bot.PlatformSlack, Workspace: slacktest.Team, ID: "D" + strings.TrimPrefix(id, "U"), Kind: bot.Direct}
}

// sleeps records the waits an adapter asked for, without waiting.
type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, d)
	return nil
}

// ready runs auth.test so that the adapter knows its workspace.
func ready(t *testing.T, a *Adapter) *Adapter {
	t.Helper()
	if err := a.authTest(t.Context()); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRateLimitWaitsAndShares(t *testing.T) {
	h := newHarness(t, 0)
	var slept sleeps
	a := ready(t, h.adapter(t, func(o *Options) { o.Sleep = slept.sleep; o.MaxRateWait = 5 * time.Second }))
	replica := ready(t, h.adapter(t, func(o *Options) { o.Sleep = slept.sleep; o.MaxRateWait = 5 * time.Second }))
	dm := dmWith("U0ALICE")

	// A short Retry-After: waited for, then the post is retried once (a
	// 429 means nothing was posted).
	h.fake.RateLimitNext("chat.postMessage", 2*time.Second)
	if _, err := a.Send(t.Context(), dm, bot.Reply{Text: "un"}); err != nil {
		t.Fatal(err)
	}
	if n := h.fake.Calls("chat.postMessage"); n != 2 || len(h.fake.Posts()) != 1 {
		t.Errorf("%d calls and %d posts, want 2 calls and 1 post", n, len(h.fake.Posts()))
	}
	// The block was shared: the other replica waited for its end too.
	if _, err := replica.Send(t.Context(), dm, bot.Reply{Text: "deux"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slept.got, []time.Duration{2 * time.Second, 2 * time.Second}) {
		t.Errorf("waits %v, want 2s (retry) and 2s (other replica)", slept.got)
	}

	// A long Retry-After: refused at once, here and on the other replica,
	// without calling Slack, until the time has passed.
	h.clock.Advance(3 * time.Second)
	h.fake.RateLimitNext("chat.postMessage", 30*time.Second)
	calls := h.fake.Calls("chat.postMessage")
	_, err := a.Send(t.Context(), dm, bot.Reply{Text: "trois"})
	if !errors.Is(err, ErrRateLimited) || !strings.Contains(err.Error(), "30s") {
		t.Errorf("Send() = %v, want ErrRateLimited with the delay", err)
	}
	if !errors.Is(err, bot.ErrRateLimited) || bot.RetryAfter(err) != 30*time.Second {
		t.Errorf("Send() = %v: the core sees ErrRateLimited %v, Retry-After %s; want true, 30s", err, errors.Is(err, bot.ErrRateLimited), bot.RetryAfter(err))
	}
	_, err = replica.Send(t.Context(), dm, bot.Reply{Text: "quatre"})
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("other replica Send() = %v, want ErrRateLimited", err)
	}
	if n := h.fake.Calls("chat.postMessage") - calls; n != 1 {
		t.Errorf("%d calls to Slack, want 1 (the one answered 429)", n)
	}
	// Another method is not blocked.
	if _, err := a.Profile(t.Context(), slackUser("U0ALICE")); err != nil {
		t.Errorf("users.info blocked by chat.postMessage's limit: %v", err)
	}
	h.clock.Advance(31 * time.Second)
	if _, err := replica.Send(t.Context(), dm, bot.Reply{Text: "cinq"}); err != nil {
		t.Errorf("Send() after the delay = %v", err)
	}
}

func TestPostWithUnknownOutcomeNotRetried(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	h.fake.DropNext("chat.postMessage")
	_, err := a.Send(t.Context(), dmWith("U0ALICE"), bot.Reply{Text: "peut-être"})
	if !errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, bot.ErrUnknownOutcome) {
		t.Errorf("Send() = %v, want ErrUnknownOutcome (the core's too)", err)
	}
	if n := h.fake.Calls("chat.postMessage"); n != 1 || len(h.fake.Posts()) != 1 {
		t.Errorf("%d calls, %d posts: want exactly 1 of each (carried out, not retried)", n, len(h.fake.Posts()))
	}
	// The core reconciles it: the message is found in the conversation's
	// history (the fake stamps its posts from 1700000000).
	since := time.Unix(1700000000, 0)
	got, found, err := a.FindSent(t.Context(), dmWith("U0ALICE"), since, bot.Reply{Text: "peut-être"})
	if err != nil || !found || got.ID != h.fake.Posts()[0].TS {
		t.Errorf("FindSent(the lost post) = %v, %v, %v; want found", got, found, err)
	}
	if _, found, err := a.FindSent(t.Context(), dmWith("U0ALICE"), since, bot.Reply{Text: "autre chose"}); err != nil || found {
		t.Errorf("FindSent(another text) = %v, %v; want not found", found, err)
	}
	// A refusal from Slack is a known outcome.
	_, err = a.Send(t.Context(), bot.Conversation{Platform: bot.PlatformSlack, ID: "X0NOWHERE"}, bot.Reply{Text: "x"})
	if err == nil || errors.Is(err, ErrUnknownOutcome) || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("Send() to an unknown channel = %v, want Slack's refusal, a known outcome", err)
	}
	_, err = a.Send(t.Context(), bot.Conversation{Platform: bot.PlatformTerminal, ID: "x"}, bot.Reply{Text: "x"})
	if err == nil || errors.Is(err, ErrUnknownOutcome) {
		t.Errorf("Send() to a terminal conversation = %v", err)
	}
	if _, err := a.Send(t.Context(), dmWith("U0ALICE"), bot.Reply{}); err == nil {
		t.Errorf("Send(empty reply) succeeded")
	}
}

func TestSendSplitsAndUpdate(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	long := strings.Repeat(strings.Repeat("mot ", 700)+"\n\n", 20) // ~56 000 runes
	sent, err := a.Send(t.Context(), dmWith("U0ALICE"), bot.Reply{Text: long, Choices: []bot.Choice{{Action: "a", Value: "1", Label: "OK"}}})
	if err != nil {
		t.Fatal(err)
	}
	posts := h.fake.Posts()
	if len(posts) < 2 || sent.ID != posts[len(posts)-1].TS {
		t.Fatalf("%d posts, sent %+v", len(posts), sent)
	}
	if len(posts[0].Buttons()) != 0 || len(posts[len(posts)-1].Buttons()) != 1 {
		t.Errorf("buttons not on the last post only")
	}
	if err := a.Update(t.Context(), sent, bot.Reply{Text: "Choix enregistré : *OK*"}); err != nil {
		t.Fatal(err)
	}
	up := h.fake.Posts()[len(posts)]
	if up.Method != "chat.update" || up.TS != sent.ID || up.Channel != "D0ALICE" || len(up.Buttons()) != 0 || up.Text != "Choix enregistré : *OK*" {
		t.Errorf("update = %+v", up)
	}
}

func TestOpenGroup(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	users := func(ids ...string) []bot.UserRef {
		var out []bot.UserRef
		for _, id := range ids {
			out = append(out, slackUser(id))
		}
		return out
	}
	conv, err := a.OpenGroup(t.Context(), users("U0ALICE", "U0BOB", "U0CAROL", "U0BOB"))
	if err != nil {
		t.Fatal(err)
	}
	if conv.Kind != bot.Group || conv.Platform != bot.PlatformSlack || conv.Workspace != slacktest.Team || !strings.HasPrefix(conv.ID, "G") {
		t.Errorf("OpenGroup = %+v", conv)
	}
	if got := h.fake.Opened(); len(got) != 1 || !slices.Equal(got[0], []string{"U0ALICE", "U0BOB", "U0CAROL"}) {
		t.Errorf("conversations.open users = %v", got)
	}
	for _, n := range []int{0, 1, 9} {
		var ids []string
		for i := range n {
			ids = append(ids, "U"+strings.Repeat("X", i+1))
		}
		if _, err := a.OpenGroup(t.Context(), users(ids...)); !errors.Is(err, bot.ErrGroupSize) {
			t.Errorf("OpenGroup(%d people) = %v, want ErrGroupSize", n, err)
		}
	}
	if _, err := a.OpenGroup(t.Context(), users("U0ALICE", "U0ALICE")); !errors.Is(err, bot.ErrGroupSize) {
		t.Errorf("OpenGroup(one person twice) = %v, want ErrGroupSize", err)
	}
	other := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T0OTHER", User: "U0EVE"}
	if _, err := a.OpenGroup(t.Context(), []bot.UserRef{slackUser("U0ALICE"), other}); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("OpenGroup(another workspace) = %v, want ErrInvalid", err)
	}
	if len(h.fake.Opened()) != 1 {
		t.Errorf("refused groups reached Slack")
	}
}

func TestOpenDirectIsCachedWithoutUserIDsInKeys(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	if _, ok := a.CachedDirect(t.Context(), slackUser("U0ALICE")); ok {
		t.Errorf("CachedDirect before any OpenDirect = true, want false")
	}
	for range 3 {
		conv, err := a.OpenDirect(t.Context(), slackUser("U0ALICE"))
		if err != nil || conv != dmWith("U0ALICE") {
			t.Fatalf("OpenDirect = %+v, %v", conv, err)
		}
	}
	if n := len(h.fake.Opened()); n != 1 {
		t.Errorf("conversations.open called %d times, want 1", n)
	}
	if conv, ok := a.CachedDirect(t.Context(), slackUser("U0ALICE")); !ok || conv != dmWith("U0ALICE") {
		t.Errorf("CachedDirect = %+v, %v; want the opened conversation (broadcasts spend no open on it)", conv, ok)
	}
	// The key is a hash: the user id does not appear in it.
	key := "slack:dm:" + a.hashKey(slackUser("U0ALICE").Key())
	if strings.Contains(key, "ALICE") {
		t.Errorf("key %q holds the user id", key)
	}
	if v, err := h.store.Value(t.Context(), key); err != nil || string(v) != "D0ALICE" {
		t.Errorf("cached %q, %v", v, err)
	}
}

func TestProfile(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	p, err := a.Profile(t.Context(), slackUser("U0ALICE"))
	want := bot.PlatformProfile{DisplayName: "Alice", Email: "alice@mairie.example", Locale: "fr-FR", TimeZone: "Europe/Paris"}
	if err != nil || p != want {
		t.Errorf("Profile(alice) = %+v, %v, want %+v", p, err, want)
	}
	// No e-mail when users:read.email is not granted; the real name when
	// there is no display name.
	p, err = a.Profile(t.Context(), slackUser("U0BOB"))
	want = bot.PlatformProfile{DisplayName: "Bob Durand", Locale: "en-GB", TimeZone: "Europe/London"}
	if err != nil || p != want {
		t.Errorf("Profile(bob) = %+v, %v, want %+v", p, err, want)
	}
	if _, err := a.Profile(t.Context(), slackUser("U0NOBODY")); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Profile(unknown) = %v, want ErrNotFound", err)
	}
}

// The same click delivered to two replicas sharing the store is decided
// once.
func TestClickDecidedOnceAcrossReplicas(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	b := ready(t, h.adapter(t, nil))
	v := mustEncode(t, bot.Choice{Action: "intro.accept", Value: "r1"})
	click := slacktest.BlockAction("U0ALICE", "D0ALICE", "1700000300.000100", slacktest.Button{ActionID: "choice-0", Value: v, Label: "Accepter"})
	j := job{kind: kindInteractive, payload: click, received: h.clock.Now()}
	var wg sync.WaitGroup
	results := make([]bool, 2)
	for i, ad := range []*Adapter{a, b} {
		wg.Go(func() {
			_, ok, err := ad.translate(t.Context(), j)
			if err != nil {
				t.Error(err)
			}
			results[i] = ok
		})
	}
	wg.Wait()
	if results[0] == results[1] {
		t.Errorf("replicas decided %v: want exactly one", results)
	}
	// Another member clicking the same button of the same message is a
	// separate decision.
	other := slacktest.BlockAction("U0BOB", "D0ALICE", "1700000300.000100", slacktest.Button{ActionID: "choice-0", Value: v, Label: "Accepter"})
	if _, ok, err := a.translate(t.Context(), job{kind: kindInteractive, payload: other}); err != nil || !ok {
		t.Errorf("other member's click: ok %v, %v", ok, err)
	}
	// Buttons Maillage did not write are ignored.
	foreign := slacktest.Payload("block_actions", nil)
	if _, ok, err := a.translate(t.Context(), job{kind: kindInteractive, payload: foreign}); err != nil || ok {
		t.Errorf("foreign button: ok %v, %v", ok, err)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@U0BOT> aide", "aide"},
		{"bonjour <@U0BOT>", "bonjour"},
		{"voir <https://territorialis.example/programme|le programme> &amp; <mailto:a@b.fr|a@b.fr>", "voir le programme & a@b.fr"},
		{"<https://exemple.fr>", "https://exemple.fr"},
		{"a &lt;b&gt; c", "a <b> c"},
		{"pour <@U0ALICE> et <!here>", "pour @U0ALICE et !here"},
		{"  espaces  ", "espaces"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in, "U0BOT"); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	h := newHarness(t, 0)
	tests := []struct {
		name  string
		tweak func(*Options)
		want  string
	}{
		{"user token", func(o *Options) { o.BotToken = "xoxp-1-s3cr3t" }, "MAILLAGE_SLACK_BOT_TOKEN"},
		{"bot token as app token", func(o *Options) { o.AppToken = "xoxb-1-s3cr3t" }, "MAILLAGE_SLACK_APP_TOKEN"},
		{"neither mode", func(o *Options) { o.AppToken = ""; o.SigningSecret = "" }, "MAILLAGE_SLACK_SIGNING_SECRET"},
		{"no store", func(o *Options) { o.Store = nil }, "store"},
	}
	for _, tt := range tests {
		opts := Options{BotToken: slacktest.BotToken, AppToken: slacktest.AppToken, Store: h.store}
		tt.tweak(&opts)
		_, err := New(opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: New() = %v, want an error naming %s without the token", tt.name, err, tt.want)
		}
	}
}

// A member users.info cannot describe costs one call, not one per message.
func TestLocaleLookupCachedEvenWhenUnknown(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	for i := range 3 {
		n := strconv.Itoa(i)
		_, ok, err := a.translate(t.Context(), job{kind: kindEvent, payload: slacktest.MessageIM("EvL"+n, "U0GHOST", "D0GHOST", "bonjour", "1700000400.00010"+n)})
		if err != nil || !ok {
			t.Fatalf("translate: %v, %v", ok, err)
		}
	}
	if n := h.fake.Calls("users.info"); n != 1 {
		t.Errorf("users.info called %d times for an unknown user, want 1", n)
	}
	h.clock.Advance(11 * time.Minute)
	if _, _, err := a.translate(t.Context(), job{kind: kindEvent, payload: slacktest.MessageIM("EvL9", "U0GHOST", "D0GHOST", "re", "1700000409.000100")}); err != nil {
		t.Fatal(err)
	}
	if n := h.fake.Calls("users.info"); n != 2 {
		t.Errorf("users.info called %d times after ten minutes, want 2", n)
	}
}

func TestMessageFilters(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	tests := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"member's message", slacktest.MessageIM("EvF1", "U0ALICE", "D0ALICE", "bonjour", "1700000500.000001"), true},
		{"with a file", slacktest.Payload("event_message_im", map[string]any{"event_id": "EvF2", "event.user": "U0ALICE",
			"event.subtype": "file_share", "event.ts": "1700000500.000002"}), true},
		{"the bot's own", slacktest.MessageIM("EvF3", slacktest.BotUser, "D0ALICE", "réponse", "1700000500.000003"), false},
		{"Slackbot", slacktest.MessageIM("EvF4", "USLACKBOT", "D0ALICE", "rappel", "1700000500.000004"), false},
		{"another bot", slacktest.Payload("event_bot_message", map[string]any{"event_id": "EvF5"}), false},
		{"an edit", slacktest.Payload("event_message_changed", map[string]any{"event_id": "EvF6"}), false},
		{"a join", slacktest.Payload("event_message_im", map[string]any{"event_id": "EvF7", "event.subtype": "channel_join",
			"event.ts": "1700000500.000007"}), false},
		{"a mention by a bot", slacktest.Payload("event_app_mention", map[string]any{"event_id": "EvF8", "event.bot_id": "B0OTHER",
			"event.ts": "1700000500.000008"}), false},
		{"url verification", slacktest.Payload("url_verification", nil), false},
		{"a file without a word", slacktest.Payload("event_message_im", map[string]any{"event_id": "EvF9", "event.user": "U0ALICE",
			"event.subtype": "file_share", "event.text": "", "event.ts": "1700000500.000009"}), false},
	}
	for _, tt := range tests {
		_, ok, err := a.translate(t.Context(), job{kind: kindEvent, payload: tt.payload})
		if err != nil || ok != tt.want {
			t.Errorf("%s: handed to the core %v (%v), want %v", tt.name, ok, err, tt.want)
		}
	}
	// A bare mention asks for help.
	m, ok, err := a.translate(t.Context(), job{kind: kindEvent, payload: slacktest.AppMention("EvF10", "U0BOB", "C0GENERAL", "<@U0BOT>", "1700000500.000010")})
	if err != nil || !ok || m.Text != "aide" || !m.Mention {
		t.Errorf("bare mention = %q (mention %v), %v, %v; want aide", m.Text, m.Mention, ok, err)
	}
	// A member of another organisation in a shared conversation keeps
	// their workspace; the conversation stays in the bot's.
	shared := slacktest.Payload("event_message_mpim", map[string]any{"team_id": slacktest.Team, "event_id": "EvF11", "event.user": "U0EXT",
		"event.user_team": "T0OTHER", "event.channel": "G0SHARED", "event.text": "<@U0BOT> aide", "event.ts": "1700000500.000011"})
	m, ok, err = a.translate(t.Context(), job{kind: kindEvent, payload: shared})
	if err != nil || !ok || m.From.Workspace != "T0OTHER" || m.Conversation.Workspace != slacktest.Team {
		t.Errorf("shared conversation: from %+v in %+v (%v, %v)", m.From, m.Conversation, ok, err)
	}
}

func TestExportAndForgetUser(t *testing.T) {
	h := newHarness(t, 0)
	a := ready(t, h.adapter(t, nil))
	alice := slackUser("U0ALICE")
	if got, err := a.ExportUser(t.Context(), alice); err != nil || got != nil {
		t.Errorf("ExportUser(nothing kept) = %v, %v; want nil", got, err)
	}
	if _, err := a.OpenDirect(t.Context(), alice); err != nil {
		t.Fatal(err)
	}
	if a.locale(t.Context(), alice) != "fr-FR" {
		t.Fatal("locale not read")
	}
	got, err := a.ExportUser(t.Context(), alice)
	want := map[string]string{"direct_conversation": "D0ALICE", "slack_locale": "fr-FR"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ExportUser = %v, %v; want %v", got, err, want)
	}
	if err := a.ForgetUser(t.Context(), alice); err != nil {
		t.Fatal(err)
	}
	if got, err := a.ExportUser(t.Context(), alice); err != nil || got != nil {
		t.Errorf("ExportUser after ForgetUser = %v, %v; want nil", got, err)
	}
}
