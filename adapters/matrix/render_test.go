package matrix

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/mentiontest"
	"github.com/sndgct/maillage/internal/textnorm"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name       string
		in         bot.Reply
		body, html string
	}{
		{"markup", bot.Reply{Text: "Bonjour *Alice*, voici _deux_ `codes`."},
			"Bonjour *Alice*, voici _deux_ `codes`.",
			"<p>Bonjour <strong>Alice</strong>, voici <em>deux</em> <code>codes</code>.</p>"},
		{"paragraphs and bullets", bot.Reply{Text: "Titre\n- un\n- deux\n\nFin\nligne"},
			"Titre\n- un\n- deux\n\nFin\nligne",
			"<p>Titre</p><ul><li>un</li><li>deux</li></ul><p>Fin<br>ligne</p>"},
		{"mentions neutralised, e-mail kept", bot.Reply{Text: "@room @alice:example.org a@mairie.fr"},
			"@\u2060room @\u2060alice:example.org a@mairie.fr",
			"<p>@\u2060room @\u2060alice:example.org a@mairie.fr</p>"},
		{"html escaped", bot.Reply{Text: `<a href="https://evil.example">x</a> & [l](https://evil.example)`},
			`<a href="https://evil.example">x</a> & [l](https://evil.example)`,
			`<p>&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt; &amp; [l](https://evil.example)</p>`},
		{"choices", bot.Reply{Text: "Choisissez :", Choices: []bot.Choice{{Label: "Oui @here"}, {Label: "<b>Non</b>"}}},
			"Choisissez :\n\n1. Oui @\u2060here\n2. <b>Non</b>",
			"<p>Choisissez :</p><ol><li>Oui @\u2060here</li><li>&lt;b&gt;Non&lt;/b&gt;</li></ol>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, html := render(tt.in)
			if body != tt.body || html != tt.html {
				t.Errorf("render = %q, %q\nwant %q, %q", body, html, tt.body, tt.html)
			}
		})
	}
}

var (
	liveMention = regexp.MustCompile(`(?i)@(room|channel|here|all|everyone)`)
	// The only tags render writes.
	ownTag = regexp.MustCompile(`</?(p|br|ul|ol|li|strong|em|code)>`)
)

// Property: whatever members or organizers write, no part holds a live
// mention (@room or any @user), the HTML holds no tag but render's own (so
// no link, image or pill hides anything), every part is within the limit
// and valid UTF-8, and the split loses nothing.
func TestEscapingProperty(t *testing.T) {
	mentiontest.Each(19, 300, 30000, func(text string) {
		parts := split(text, maxBodyRunes)
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > maxBodyRunes {
				t.Fatalf("part of %d characters, more than %d", n, maxBodyRunes)
			}
			body, html := render(bot.Reply{Text: p})
			for _, s := range []string{body, html} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 out of %q", text)
				}
				if liveMention.MatchString(s) {
					t.Fatalf("%q became %q: a live mass mention", text, s)
				}
				for i := strings.IndexByte(s, '@'); i >= 0; i = nextAt(s, i) {
					if !strings.HasPrefix(s[i+1:], wordJoiner) && !inEmailAt(s, i) {
						t.Fatalf("a live @ in %q", s[max(0, i-20):min(len(s), i+20)])
					}
				}
			}
			if rest := ownTag.ReplaceAllString(html, ""); strings.ContainsAny(rest, "<>") {
				t.Fatalf("%q gave HTML with a foreign tag: %q", text, html)
			}
		}
		if mentiontest.Visible(strings.Join(parts, ""), "") != mentiontest.Visible(text, "") {
			t.Fatalf("split lost or changed text of %q", text)
		}
	})
}

func nextAt(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '@')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

func inEmailAt(s string, i int) bool { return textnorm.InEmail(s, i) }
