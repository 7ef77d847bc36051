package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
)

func TestTranslateRecordedEvents(t *testing.T) {
	h := newHarness(t, "")
	if _, err := h.a.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	me := h.a.botUser()
	tests := []struct {
		file    string
		post    bool // a posted event
		deliver bool
		kind    bot.ConversationKind
		mention bool
		text    string
	}{
		{"hello.json", false, false, 0, false, ""},
		{"status_change.json", false, false, 0, false, ""},
		{"group_added.json", false, false, 0, false, ""},
		{"posted_direct.json", true, true, bot.Direct, false, "Bonjour, je suis DGS de Saint-Pierre-du-Perray"},
		// In a group the server lists every member as mentioned: the
		// core sees it, but not as a mention (it answers mentions only).
		{"posted_group.json", true, true, bot.Group, false, "Ravi de vous rencontrer tous les deux"},
		{"posted_group_mention.json", true, true, bot.Group, true, "aide"},
		{"posted_channel_mention.json", true, true, bot.Channel, true, "Une question pour : comment changer de langue ?"},
		{"posted_channel.json", true, false, 0, false, ""},
		{"posted_system_join.json", true, false, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := model.WebSocketEventFromJSON(bytes.NewReader(event(t, tt.file, 5)))
			if err != nil {
				t.Fatal(err)
			}
			in, _, ok := translate(ev, me.Id)
			if ok != tt.post {
				t.Fatalf("translate ok = %v, want %v", ok, tt.post)
			}
			if !ok {
				return
			}
			m, ok := h.a.message(context.Background(), in, me)
			if ok != tt.deliver {
				t.Fatalf("delivered = %v, want %v", ok, tt.deliver)
			}
			if !ok {
				return
			}
			if m.Conversation.Kind != tt.kind || m.Mention != tt.mention || m.Text != tt.text ||
				m.From.Platform != bot.PlatformMattermost || m.From.User != in.post.UserId || m.ID != in.post.Id {
				t.Errorf("message = %+v", m)
			}
		})
	}

	// The bot's own posts, other bots' and webhooks' are dropped.
	ev, _ := model.WebSocketEventFromJSON(bytes.NewReader(event(t, "posted_direct.json", 1)))
	in, _, _ := translate(ev, me.Id)
	own := in.post.Clone()
	own.UserId = me.Id
	if _, ok := h.a.message(context.Background(), incoming{post: own, channelType: model.ChannelTypeDirect}, me); ok {
		t.Error("the bot's own post reached the core")
	}
	other := in.post.Clone()
	other.AddProp(model.PostPropsFromBot, "true")
	if _, ok := h.a.message(context.Background(), incoming{post: other, channelType: model.ChannelTypeDirect}, me); ok {
		t.Error("another bot's post reached the core")
	}
}

func TestMentions(t *testing.T) {
	tests := []struct {
		text, stripped string
		mentioned      bool
	}{
		{"@maillage aide", "aide", true},
		{"@Maillage: profil", "profil", true},
		{"Bonjour @maillage, aide", "Bonjour aide", true},
		{"écrire à contact@maillage.fr", "", false},
		{"@maillage-test aide", "", false},
		{"@maillages aide", "", false},
	}
	for _, tt := range tests {
		if got := mentionsBot(tt.text, "maillage", compileMention("maillage")); got != tt.mentioned {
			t.Errorf("mentionsBot(%q) = %v", tt.text, got)
		}
		if tt.mentioned {
			if got := stripMention(tt.text, "maillage", compileMention("maillage")); got != tt.stripped {
				t.Errorf("stripMention(%q) = %q, want %q", tt.text, got, tt.stripped)
			}
		}
	}
}

func TestRetryDelay(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header map[string]string
		want   time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"Retry-After": now.Add(5 * time.Second).Format(http.TimeFormat)}, 5 * time.Second},
		{map[string]string{"X-RateLimit-Reset": "7"}, 7 * time.Second},
		{map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Unix()+4, 10)}, 4 * time.Second},
		{map[string]string{"Retry-After": "2", "X-RateLimit-Reset": "9"}, 2 * time.Second},
		{map[string]string{}, time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		if got := retryDelay(h, now); got != tt.want {
			t.Errorf("retryDelay(%v) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestRecordedPayloadsAreValidJSON(t *testing.T) {
	for _, f := range []string{"posted_direct.json", "action_request.json"} {
		var v map[string]any
		data := event(t, f, 0)
		if err := json.Unmarshal(data, &v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func BenchmarkTranslatePosted(b *testing.B) {
	data, err := os.ReadFile("testdata/posted_channel_mention.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ev, err := model.WebSocketEventFromJSON(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		in, _, ok := translate(ev, botID)
		if !ok || !mentionsBot(in.post.Message, "maillage", compileMention("maillage")) || stripMention(in.post.Message, "maillage", compileMention("maillage")) == "" {
			b.Fatal("not a mention")
		}
	}
}

func BenchmarkButtonToken(b *testing.B) {
	key := buttonKey(testToken)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	ctx := buttonToken{ActionID: "choiceaa", Action: "lang.set", Value: "en", Member: aliceID, Nonce: "n", Expires: now.Add(time.Hour).Unix()}.context(key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifyToken(key, ctx, aliceID, now); err != nil {
			b.Fatal(err)
		}
	}
}
