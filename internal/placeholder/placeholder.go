// Package placeholder is the one rule for the placeholders of texts that
// organizers write (broadcasts in the chat or the command line, scheduled
// announcements in the configuration): {prenom} and {collectivite} (accents,
// case and the English names aside: {Prénom}, {firstname}), nothing else.
// The chat, the command line and `config check` all use it, so that a text
// one accepts the others accept too. It is pure.
package placeholder

import (
	"regexp"
	"strings"

	"github.com/sndgct/maillage/internal/textnorm"
)

// The placeholders a text may hold, by their canonical names.
const (
	FirstName    = "prenom"
	Collectivity = "collectivite"
)

// RE finds "{name}" and stray braces.
var RE = regexp.MustCompile(`\{[^{}\n]{0,40}\}|[{}]`)

// Name returns the canonical name of the placeholder "{…}" m, or "".
func Name(m string) string {
	switch strings.ReplaceAll(textnorm.Fold(strings.Trim(m, "{}")), " ", "") {
	case "prenom", "firstname":
		return FirstName
	case "collectivite", "collectivity":
		return Collectivity
	}
	return ""
}

// Check returns the first thing in text that would not be replaced: a
// stray brace ("{" or "}", brace true) or an unknown placeholder such as
// "{nom}"; "" when the text is fine.
func Check(text string) (bad string, brace bool) {
	for _, m := range RE.FindAllString(text, -1) {
		if m == "{" || m == "}" {
			return m, true
		}
		if Name(m) == "" {
			return m, false
		}
	}
	return "", false
}
