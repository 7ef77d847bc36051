package matrix

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

const (
	dmRoom    = "!dm:example.org"
	groupRoom = "!group:example.org"
	alice     = "@alice:example.org"
)

// A direct invitation from an allowed server is joined; a message there
// reaches the core once, however often the homeserver delivers it; the
// bot's own messages and the history before the first start are dropped.
func TestDirectRoomMessages(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))

	f.invite("b1", dmRoom, alice, true)
	f.members[dmRoom] = []string{"@maillage:example.org", alice}
	old := textEvent(alice, "old history")
	old["origin_server_ts"] = time.Now().Add(-time.Hour).UnixMilli()
	hello := textEvent(alice, "aide")
	own := textEvent("@maillage:example.org", "my own")
	f.timeline("b2", dmRoom, old, hello, own)
	m := h.next(t)
	if m.Text != "aide" || m.Conversation.Kind != bot.Direct || m.From.User != alice || m.Mention ||
		m.Conversation.ID != dmRoom || m.From.Platform != bot.PlatformMatrix || m.From.Workspace != "example.org" {
		t.Fatalf("got %+v", m)
	}
	f.timeline("b3", dmRoom, hello) // redelivered
	h.quiet(t, "b4")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.joined) != 1 || f.joined[0] != dmRoom {
		t.Errorf("joined %v, want the direct room", f.joined)
	}
	if f.logins != 1 {
		t.Errorf("%d logins, want 1", f.logins)
	}
	if got := f.since[len(f.since)-1]; got != "b3" {
		t.Errorf("last sync since %q, want b3", got)
	}
}

// Invitations to group rooms, or from servers not allowed, are declined.
func TestInvitationsDeclined(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))
	f.invite("b1", "!g:example.org", alice, false)
	f.invite("b2", "!x:evil.example", "@mallory:evil.example", true)
	h.quiet(t, "b3")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.joined) != 0 || len(f.left) != 2 {
		t.Errorf("joined %v, left %v; want none joined, both declined", f.joined, f.left)
	}
}

// In a group the bot answers only when addressed, with the mention removed.
func TestGroupMentions(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))
	f.members[groupRoom] = []string{"@maillage:example.org", alice, "@bob:example.org"}
	mentioned := textEvent(alice, "whatever")
	mentioned["content"] = map[string]any{"msgtype": "m.text", "body": "Maillage : aide",
		"m.mentions": map[string]any{"user_ids": []string{"@maillage:example.org"}}}
	f.timeline("b1", groupRoom, textEvent(alice, "bonjour à tous"), textEvent("@bob:example.org", "maillage: profil"), mentioned)
	for _, want := range []string{"profil", "aide"} {
		m := h.next(t)
		if m.Text != want || !m.Mention || m.Conversation.Kind != bot.Group {
			t.Errorf("got %+v, want %q with a mention in a group", m, want)
		}
	}
	h.quiet(t, "b2")
}

// Choices are numbered; a typed number, a keycap reaction or a 👍 (the
// primary choice) pick one, and a later message supersedes them.
func TestChoicesAnsweredByNumberAndReaction(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))
	h.a.rememberRoom(context.Background(), dmRoom, bot.Direct, alice)
	h.quiet(t, "b0")
	conv := h.a.conversation(dmRoom, bot.Direct)
	sent, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "Quelle langue ?", Choices: []bot.Choice{
		{Action: "lang.set", Value: "fr", Label: "Français"},
		{Action: "lang.set", Value: "en", Label: "English", Style: "primary"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ev := f.sentEvents()
	if len(ev) != 1 || ev[0].Content["body"] != "Quelle langue ?\n\n1. Français\n2. English" ||
		ev[0].Content["formatted_body"] != "<p>Quelle langue ?</p><ol><li>Français</li><li>English</li></ol>" {
		t.Fatalf("sent %+v", ev)
	}
	if mentions, ok := ev[0].Content["m.mentions"].(map[string]any); !ok || len(mentions) != 0 {
		t.Errorf("m.mentions = %v, want an empty object", ev[0].Content["m.mentions"])
	}
	f.timeline("b1", dmRoom, textEvent(alice, " 2 "))
	if m := h.next(t); m.Choice == nil || m.Choice.Value != "en" || m.Choice.MessageRef != sent.ID || m.Text != "" {
		t.Fatalf("typed number: %+v", m)
	}
	f.timeline("b2", dmRoom, reactionEvent(alice, sent.ID, "1️⃣"))
	if m := h.next(t); m.Choice == nil || m.Choice.Value != "fr" {
		t.Fatalf("keycap: %+v", m)
	}
	f.timeline("b3", dmRoom, reactionEvent(alice, sent.ID, "👍🏽"))
	if m := h.next(t); m.Choice == nil || m.Choice.Value != "en" {
		t.Fatalf("thumbs up: %+v", m)
	}
	reply := textEvent(alice, "> <@maillage:example.org> Quelle langue ?\n\n1")
	reply["content"].(map[string]any)["m.relates_to"] = map[string]any{"m.in_reply_to": map[string]any{"event_id": sent.ID}}
	f.timeline("b3r", dmRoom, reply)
	if m := h.next(t); m.Choice == nil || m.Choice.Value != "fr" {
		t.Fatalf("a Matrix reply with a number: %+v", m)
	}
	f.timeline("b4", dmRoom, reactionEvent(alice, sent.ID, "🎉"), reactionEvent(alice, sent.ID, "7️⃣"))
	if _, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "C'est noté."}); err != nil {
		t.Fatal(err)
	}
	f.timeline("b5", dmRoom, textEvent(alice, "2"))
	if m := h.next(t); m.Choice != nil || m.Text != "2" {
		t.Fatalf("a number after the choices were superseded: %+v", m)
	}
}

// A 429 M_LIMIT_EXCEEDED is waited out for its retry_after_ms, and the
// message is sent once.
func TestRateLimitedSend(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))
	h.quiet(t, "b0")
	f.mu.Lock()
	f.fail429 = 2
	f.mu.Unlock()
	if _, err := h.a.Send(context.Background(), h.a.conversation(dmRoom, bot.Direct), bot.Reply{Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sentEvents()); n != 1 {
		t.Errorf("%d messages sent, want 1", n)
	}
	waits := 0
	for _, d := range h.after.recorded() {
		if d == 1500*time.Millisecond {
			waits++
		}
	}
	if waits != 2 {
		t.Errorf("waits %v, want two of 1.5 s", h.after.recorded())
	}
	// A storm longer than the retries is reported as rate limited.
	f.mu.Lock()
	f.fail429 = maxRetries429 + 1
	f.mu.Unlock()
	_, err := h.a.Send(context.Background(), h.a.conversation(dmRoom, bot.Direct), bot.Reply{Text: "Encore"})
	if !errors.Is(err, bot.ErrRateLimited) || bot.RetryAfter(err) != 1500*time.Millisecond {
		t.Errorf("err = %v, want rate limited for 1.5 s", err)
	}
}

// A failing sync backs off, reports the adapter unhealthy, and counts a
// reconnection once it works again.
func TestSyncBackoffAndHealth(t *testing.T) {
	f := newFakeHomeserver(t)
	f.syncFail = 3
	h := start(t, f, openStore(t))
	h.quiet(t, "b1")
	if err := h.a.Healthy(); err != nil {
		t.Errorf("Healthy = %v after a successful sync", err)
	}
	var backoffs []time.Duration
	for _, d := range h.after.recorded() {
		backoffs = append(backoffs, d)
	}
	if len(backoffs) != 3 || backoffs[0] > time.Second || backoffs[2] < 3*time.Second || backoffs[2] > 4*time.Second {
		t.Errorf("backoffs %v, want three growing from 1 s", backoffs)
	}
	if n := h.a.Reconnections(); n != 0 {
		t.Errorf("Reconnections = %d before any loss after the first success", n)
	}
}

// The session is logged in once and kept (sealed) in the store: a second
// start on the same store, as after a restart, resumes without a login and
// from the stored next_batch.
func TestSessionKeptInStore(t *testing.T) {
	f := newFakeHomeserver(t)
	store := openStore(t)
	h := start(t, f, store)
	h.quiet(t, "b1")
	h.stop()
	raw, err := store.Value(context.Background(), sessionKey)
	if err != nil || strings.Contains(string(raw), "tok") {
		t.Fatalf("stored session %q, %v: want it sealed", raw, err)
	}
	h2 := start(t, f, store)
	h2.quiet(t, "b2")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logins != 1 {
		t.Errorf("%d logins, want 1", f.logins)
	}
	if f.since[len(f.since)-1] != "b1" {
		t.Errorf("second start synced since %q, want b1", f.since[len(f.since)-1])
	}
}

// OpenGroup creates an encrypted-by-default private room and invites the
// members one at a time, InvitePace apart; OpenDirect reuses the room.
func TestOpenGroupAndDirect(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))
	h.quiet(t, "b0")
	ctx := context.Background()
	ref := func(u string) bot.UserRef {
		return bot.UserRef{Platform: bot.PlatformMatrix, Workspace: "example.org", User: u}
	}
	if _, err := h.a.OpenGroup(ctx, []bot.UserRef{ref(alice)}); !errors.Is(err, bot.ErrGroupSize) {
		t.Errorf("one member: %v, want ErrGroupSize", err)
	}
	conv, err := h.a.OpenGroup(ctx, []bot.UserRef{ref(alice), ref("@bob:example.org"), ref(alice)})
	if err != nil || conv.Kind != bot.Group {
		t.Fatalf("OpenGroup = %+v, %v", conv, err)
	}
	paced := 0
	for _, d := range h.after.recorded() {
		if d == time.Second {
			paced++
		}
	}
	if paced != 1 || len(f.invited) != 2 {
		t.Errorf("%d paced waits and invitations %v; want 1 and 2", paced, f.invited)
	}
	d1, err := h.a.OpenDirect(ctx, ref(alice))
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := h.a.OpenDirect(ctx, ref(alice))
	if f.created[0]["name"] != "Mise en relation Maillage" || f.created[0]["preset"] != "private_chat" {
		t.Errorf("introduction room created as %v", f.created[0])
	}
	if d1 != d2 || d1.Kind != bot.Direct || len(f.created) != 2 || f.created[1]["is_direct"] != true {
		t.Errorf("direct %v %v, created %v", d1, d2, f.created)
	}
	p, err := h.a.Profile(ctx, ref(alice))
	if err != nil || p.DisplayName != "Alice Martin" || p.TimeZone != "Europe/Paris" {
		t.Errorf("Profile = %+v, %v", p, err)
	}
}

// Only one replica holds the Matrix session: a second one stands by
// (unhealthy, not syncing) and takes over once the first stops.
func TestOneReplicaHoldsTheSession(t *testing.T) {
	f := newFakeHomeserver(t)
	store := openStore(t)
	first := startReplica(t, f, store, "replica-1")
	first.quiet(t, "b1")
	second := startReplica(t, f, store, "replica-2")
	for second.after.pendingClaims() == 0 {
		runtime.Gosched()
	}
	if err := second.a.Healthy(); err != nil || !second.a.standby.Load() {
		t.Errorf("standby: Healthy = %v, standby %v; want healthy on standby", err, second.a.standby.Load())
	}
	f.mu.Lock()
	syncs := len(f.since)
	f.mu.Unlock()
	first.stop()
	second.after.fireClaim()
	second.quiet(t, "b2")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.since[syncs] != "b1" && f.since[len(f.since)-1] != "b1" {
		t.Errorf("the second replica synced since %v, want to resume from b1", f.since[syncs:])
	}
	if f.logins != 1 {
		t.Errorf("%d logins, want 1: the second replica reuses the stored session", f.logins)
	}
}

// Update replaces a posted message with an m.replace edit; the choices it
// carried can no longer be picked.
func TestUpdateReplacesTheMessage(t *testing.T) {
	f := newFakeHomeserver(t)
	h := start(t, f, openStore(t))
	h.a.rememberRoom(context.Background(), dmRoom, bot.Direct, alice)
	h.quiet(t, "b0")
	conv := h.a.conversation(dmRoom, bot.Direct)
	sent, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "Venez-vous ?", Choices: []bot.Choice{{Action: "a", Value: "oui", Label: "Oui"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.a.Update(context.Background(), sent, bot.Reply{Text: "Venez-vous ? *Oui*"}); err != nil {
		t.Fatal(err)
	}
	ev := f.sentEvents()
	if len(ev) != 2 {
		t.Fatalf("sent %d events, want 2", len(ev))
	}
	edit := ev[1].Content
	rel, _ := edit["m.relates_to"].(map[string]any)
	nc, _ := edit["m.new_content"].(map[string]any)
	if rel["rel_type"] != "m.replace" || rel["event_id"] != sent.ID || nc["body"] != "Venez-vous ? *Oui*" ||
		nc["formatted_body"] != "<p>Venez-vous ? <strong>Oui</strong></p>" || edit["body"] != "* Venez-vous ? *Oui*" {
		t.Errorf("edit %v", edit)
	}
	f.timeline("b1", dmRoom, reactionEvent(alice, sent.ID, "1️⃣"), textEvent(alice, "1"))
	if m := h.next(t); m.Choice != nil || m.Text != "1" {
		t.Errorf("after the update: %+v, want plain text", m)
	}
}
