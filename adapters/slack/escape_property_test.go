package slack

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/mentiontest"
)

// liveMention is a mass mention Slack could parse out of plain text.
var liveMention = regexp.MustCompile(`(?i)@(channel|here|all|everyone)`)

// Property: whatever members or organizers write (every mention form,
// disguised links, escapes, long texts), what Slack receives holds no
// "<" or ">" (so no <!here>, <!subteam^…>, <@U…> or <url|text>), no bare
// mass mention, no broken entity, pieces within Slack's limits cut on rune
// boundaries, and nothing lost.
func TestEscapingProperty(t *testing.T) {
	mentiontest.Each(7, 3000, 7000, func(text string) {
		msgs, err := render(bot.Reply{Text: text})
		if err != nil {
			t.Fatalf("render(%q): %v", text, err)
		}
		var got strings.Builder
		for _, m := range msgs {
			if n := utf8.RuneCountInString(m.Text); n > maxMessageText {
				t.Fatalf("fallback text of %d characters, more than %d", n, maxMessageText)
			}
			checkSlackText(t, text, m.Text)
			for _, blk := range m.Blocks {
				sec, ok := blk.(*slack.SectionBlock)
				if !ok {
					continue
				}
				p := sec.Text.Text
				if n := utf8.RuneCountInString(p); n > maxSectionText {
					t.Fatalf("section of %d characters, more than %d", n, maxSectionText)
				}
				checkSlackText(t, text, p)
				got.WriteString(p)
			}
		}
		if mentiontest.Visible(got.String(), "•") != mentiontest.Visible(toMrkdwn(text), "•") {
			t.Fatalf("render lost or changed text of %q", text)
		}
	})
}

func checkSlackText(t *testing.T, in, out string) {
	t.Helper()
	switch {
	case !utf8.ValidString(out):
		t.Fatalf("invalid UTF-8 out of %q", in)
	case strings.ContainsAny(out, "<>"):
		t.Fatalf("%q became %q: a raw < or > reaches Slack", in, out)
	case liveMention.MatchString(out):
		t.Fatalf("%q became %q: a live mass mention", in, out)
	}
	for i := strings.IndexByte(out, '&'); i >= 0; i = strings.IndexByte(out, '&') {
		rest := out[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Fatalf("%q became %q: a broken entity at %q", in, out, rest[:min(len(rest), 6)])
		}
		out = rest[1:]
	}
}
