package mattermost

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sndgct/maillage/internal/mentiontest"
)

var liveMention = regexp.MustCompile(`(?i)@(channel|here|all|everyone)`)

// Property: whatever members or organizers write (every mention form,
// disguised links, escapes, long texts), no post holds a live mass
// mention or an unescaped "[", "]" or "<" (so no link, image or autolink
// hides its target), each post is within the limit and cut on a rune
// boundary, never between an escape and what it escapes, and nothing is
// lost.
func TestEscapingProperty(t *testing.T) {
	mentiontest.Each(11, 3000, 20000, func(text string) {
		rendered := render(text)
		posts := split(rendered, maxPostRunes)
		for _, p := range posts {
			if n := utf8.RuneCountInString(p); n > maxPostRunes {
				t.Fatalf("post of %d characters, more than %d", n, maxPostRunes)
			}
			if !utf8.ValidString(p) {
				t.Fatalf("invalid UTF-8 out of %q", text)
			}
			if liveMention.MatchString(p) {
				t.Fatalf("%q became %q: a live mass mention", text, p)
			}
			if c, at := unescaped(p); c != 0 {
				t.Fatalf("%q became a post with an unescaped %q at %d: %q", text, c, at, p[max(0, at-20):min(len(p), at+20)])
			}
		}
		if mentiontest.Visible(strings.Join(posts, ""), "") != mentiontest.Visible(rendered, "") {
			t.Fatalf("split lost or changed text of %q", text)
		}
	})
}

// unescaped returns the first "[", "]" or "<" not escaped by an odd run of
// backslashes, and its offset.
func unescaped(s string) (byte, int) {
	backslashes := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			backslashes++
			continue
		case '[', ']', '<':
			if backslashes%2 == 0 {
				return c, i
			}
		}
		backslashes = 0
	}
	return 0, 0
}
