package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
)

func TestButtonTokens(t *testing.T) {
	key := buttonKey("jeton")
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tok := buttonToken{ActionID: "choiceaa", Action: "lang.set", Value: "en", Member: aliceID, Nonce: "n1", Expires: now.Add(time.Hour).Unix()}
	with := func(k string, v any) map[string]any {
		c := tok.context(key)
		c[k] = v
		return c
	}
	tests := []struct {
		name string
		ctx  map[string]any
		user string
		at   time.Time
		want error
	}{
		{"valid", tok.context(key), aliceID, now, nil},
		{"tampered value", with(ctxValue, "fr"), aliceID, now, errBadToken},
		{"tampered action", with(ctxAction, "admin.erase"), aliceID, now, errBadToken},
		{"tampered member", with(ctxMember, brunoID), brunoID, now, errBadToken},
		{"tampered nonce", with(ctxNonce, "n2"), aliceID, now, errBadToken},
		{"extended expiry", with(ctxExpires, "99999999999"), aliceID, now, errBadToken},
		{"signature of another key", tok.context(buttonKey("autre jeton")), aliceID, now, errBadToken},
		{"no signature", with(ctxSig, nil), aliceID, now, errBadToken},
		{"not a string", with(ctxExpires, 12.0), aliceID, now, errBadToken},
		{"empty context", map[string]any{}, aliceID, now, errBadToken},
		{"expired", tok.context(key), aliceID, now.Add(time.Hour), errForbidden},
		{"wrong member", tok.context(key), brunoID, now, errForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := verifyToken(key, tt.ctx, tt.user, tt.at)
			if !errors.Is(err, tt.want) {
				t.Fatalf("verify = %v, want %v", err, tt.want)
			}
			if err == nil && got != tok {
				t.Errorf("token = %+v, want %+v", got, tok)
			}
		})
	}
	group := tok
	group.Member = ""
	if _, err := verifyToken(key, group.context(key), brunoID, now); err != nil {
		t.Errorf("a group's button refused a member: %v", err)
	}
}

// clickRequest is the recorded shape of the server's call, for a post.
func clickRequest(t *testing.T, postID, userID string, ctx map[string]any) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/action_request.json")
	if err != nil {
		t.Fatal(err)
	}
	var req model.PostActionIntegrationRequest
	if err := json.Unmarshal(bytes.Replace(data, []byte("POST_ID"), []byte(postID), 1), &req); err != nil {
		t.Fatal(err)
	}
	req.UserId = userID
	req.Context = ctx
	out, _ := json.Marshal(req)
	return out
}

func TestButtonClickEndToEndOfTheAdapter(t *testing.T) {
	h := newHarness(t, "https://maillage.example.fr/")
	_, c := h.connected(t)

	conv := bot.Conversation{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), ID: dmID, Kind: bot.Direct}
	sent, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "Quelle langue ?", Choices: []bot.Choice{
		{Action: "lang.set", Value: "fr", Label: "Français", Style: "primary"},
		{Action: "lang.set", Value: "en", Label: "English"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	p := h.fs.posts[sent.ID]
	h.fs.mu.Unlock()
	actions := p.Attachments()[0].Actions
	if len(actions) != 2 || actions[0].Name != "Français" || actions[0].Style != "primary" ||
		actions[1].Integration.URL != "https://maillage.example.fr/mattermost/actions" {
		t.Fatalf("buttons = %+v", actions[0])
	}
	english := actions[1]

	mux := http.NewServeMux()
	h.a.RegisterRoutes(mux)
	click := func(body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ActionsPath, bytes.NewReader(body)))
		return rec
	}

	// Refusals, leaking nothing.
	if rec := click(clickRequest(t, sent.ID, brunoID, english.Integration.Context)); rec.Code != http.StatusForbidden {
		t.Errorf("another member's click: %d, want 403", rec.Code)
	}
	forged := map[string]any{}
	for k, v := range english.Integration.Context {
		forged[k] = v
	}
	forged[ctxValue] = "de"
	if rec := click(clickRequest(t, sent.ID, aliceID, forged)); rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "de") {
		t.Errorf("forged click: %d %q, want 401 and nothing said", rec.Code, rec.Body.String())
	}
	other, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "Autre", Choices: []bot.Choice{{Action: "x", Value: "y", Label: "Z"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rec := click(clickRequest(t, other.ID, aliceID, english.Integration.Context)); rec.Code != http.StatusForbidden {
		t.Errorf("a token replayed on another post: %d, want 403", rec.Code)
	}
	if rec := click(bytes.Repeat([]byte("x"), maxActionBody+1)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", rec.Code)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ActionsPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", rec.Code)
	}

	// The real click: the answer replaces the buttons, the core gets the choice.
	rec = click(clickRequest(t, sent.ID, aliceID, english.Integration.Context))
	if rec.Code != http.StatusOK {
		t.Fatalf("click: %d %s", rec.Code, rec.Body.String())
	}
	var resp model.PostActionIntegrationResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Update == nil {
		t.Fatalf("response %s: %v", rec.Body.String(), err)
	}
	atts := resp.Update.Attachments()
	if resp.Update.Message != "Quelle langue ?" || len(atts) != 1 || len(atts[0].Actions) != 0 || !strings.Contains(atts[0].Text, "English") {
		t.Errorf("update = %q %+v", resp.Update.Message, atts)
	}
	m := h.next(t)
	if m.Choice == nil || m.Choice.Action != "lang.set" || m.Choice.Value != "en" || m.Choice.MessageRef != sent.ID ||
		m.From.User != aliceID || m.Conversation != conv {
		t.Errorf("choice message = %+v %+v", m, m.Choice)
	}
	// A second click (double click, or the same call to another replica)
	// is answered without being handled again.
	if rec := click(clickRequest(t, sent.ID, aliceID, english.Integration.Context)); rec.Code != http.StatusOK || rec.Body.String() != "{}" {
		t.Errorf("second click: %d %q", rec.Code, rec.Body.String())
	}
	h.noneBefore(t, c, 2)
}

func TestSendUpdateProfileAndGroups(t *testing.T) {
	h := newHarness(t, "")
	if _, err := h.a.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conv := bot.Conversation{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), ID: dmID, Kind: bot.Direct}

	// Long text: several posts; a 429 is waited out as the server asks.
	h.fs.mu.Lock()
	h.fs.fail429 = 1
	h.fs.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := h.a.Send(ctx, conv, bot.Reply{Text: strings.Repeat("Paragraphe @all.\n\n", 2000),
			Choices: []bot.Choice{{Action: "a", Value: "b", Label: "Oui"}}})
		done <- err
	}()
	h.clock.waitFor(t, "the Retry-After delay", func(d time.Duration) bool { return d == 2*time.Second })
	h.clock.Advance(2 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	created := h.fs.created
	h.fs.mu.Unlock()
	if len(created) != 3 {
		t.Fatalf("%d posts, want 3", len(created))
	}
	for _, p := range created {
		if strings.Contains(p.Message, "@all") {
			t.Fatal("a mass mention went out")
		}
	}
	last := created[2]
	if len(last.Attachments()) != 0 || !strings.Contains(last.Message, "- Oui") {
		t.Errorf("without a public URL, choices are listed as text: %q", last.Message[len(last.Message)-20:])
	}

	sent := bot.SentMessage{Conversation: conv, ID: created[0].Id}
	if err := h.a.Update(ctx, sent, bot.Reply{Text: "Remplacé @here"}); err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	msg := h.fs.posts[created[0].Id].Message
	h.fs.mu.Unlock()
	if msg != "Remplacé @"+wordJoiner+"here" {
		t.Errorf("updated message %q", msg)
	}

	p, err := h.a.Profile(ctx, bot.UserRef{Platform: bot.PlatformMattermost, User: aliceID})
	if err != nil || p.DisplayName != "Alice Martin" || p.Locale != "fr" || p.TimeZone != "Europe/Paris" || p.Email != "alice@example.test" {
		t.Errorf("profile = %+v, %v", p, err)
	}

	ref := func(id string) bot.UserRef { return bot.UserRef{Platform: bot.PlatformMattermost, User: id} }
	refs := []bot.UserRef{ref(aliceID), ref(brunoID)}
	g, err := h.a.OpenGroup(ctx, refs)
	if err != nil || g.Kind != bot.Group {
		t.Fatalf("OpenGroup(2) = %+v, %v", g, err)
	}
	for _, n := range []int{1, 8} {
		var many []bot.UserRef
		for i := range n {
			many = append(many, ref(strings.Repeat(string(rune('a'+i)), 26)))
		}
		if _, err := h.a.OpenGroup(ctx, many); !errors.Is(err, bot.ErrGroupSize) {
			t.Errorf("OpenGroup(%d) = %v, want ErrGroupSize", n, err)
		}
	}
	if _, err := h.a.OpenGroup(ctx, []bot.UserRef{ref(aliceID), ref(aliceID)}); !errors.Is(err, bot.ErrGroupSize) {
		t.Errorf("a member twice counts once: %v", err)
	}
}

// In a group (an introduction), every member answers the same buttons:
// each member's click is handled once, and the post is left as it is, so
// that one member's answer is not shown to the others.
func TestButtonClicksInAGroup(t *testing.T) {
	h := newHarness(t, "https://maillage.example.fr/")
	_, c := h.connected(t)
	ws := h.a.Workspace()
	conv, err := h.a.OpenGroup(context.Background(), []bot.UserRef{
		{Platform: bot.PlatformMattermost, Workspace: ws, User: aliceID},
		{Platform: bot.PlatformMattermost, Workspace: ws, User: brunoID},
		{Platform: bot.PlatformMattermost, Workspace: ws, User: "c3kx1q9ouprz7bmwy5h4tjde8a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := h.a.Send(context.Background(), conv, bot.Reply{Text: "Mise en relation", Choices: []bot.Choice{
		{Action: "match.answer", Value: "met:tour|1", Label: "Nous avons échangé"},
		{Action: "match.answer", Value: "not_again:tour|1", Label: "Ne plus me proposer cette personne"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.fs.mu.Lock()
	actions := h.fs.posts[sent.ID].Attachments()[0].Actions
	h.fs.mu.Unlock()
	mux := http.NewServeMux()
	h.a.RegisterRoutes(mux)
	click := func(user string, a *model.PostAction) *httptest.ResponseRecorder {
		var req model.PostActionIntegrationRequest
		if err := json.Unmarshal(clickRequest(t, sent.ID, user, a.Integration.Context), &req); err != nil {
			t.Fatal(err)
		}
		req.ChannelId = conv.ID // the recorded call was made in a direct conversation
		body, _ := json.Marshal(req)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ActionsPath, bytes.NewReader(body)))
		return rec
	}
	for _, k := range []struct {
		user   string
		action *model.PostAction
		value  string
	}{{aliceID, actions[1], "not_again:tour|1"}, {brunoID, actions[0], "met:tour|1"}} {
		rec := click(k.user, k.action)
		var resp model.PostActionIntegrationResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); rec.Code != http.StatusOK || err != nil || resp.Update != nil {
			t.Fatalf("%s's click: %d %s: want 200 and the post left as it is", k.user, rec.Code, rec.Body.String())
		}
		m := h.next(t)
		if m.From.User != k.user || m.Choice == nil || m.Choice.Value != k.value || m.Conversation.Kind != bot.Group {
			t.Errorf("choice = %+v %+v", m, m.Choice)
		}
	}
	if rec := click(aliceID, actions[0]); rec.Code != http.StatusOK || rec.Body.String() != "{}" {
		t.Errorf("alice's second click: %d %q", rec.Code, rec.Body.String())
	}
	h.noneBefore(t, c, 2)
}
