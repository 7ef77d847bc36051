// Package markup renders the core's small markdown subset (*bold*,
// _italic_, `code`) for text output: as ANSI styles for a terminal, or as
// plain text for a pipe or a file. It is pure: no I/O.
//
// Markers are read as the other adapters read them: an opening "*" or "_"
// starts a word (at the start of a line, after a space, an opening
// parenthesis, a « or a quote), the closing one ends it, on the same line.
// Anything else (a "*" in "3 * 4", an underscore in member_roles) is left
// as typed.
package markup

import (
	"regexp"
	"strings"
)

var (
	boldRE   = regexp.MustCompile(`(^|[\s(«"'’/-])\*([^*\s](?:[^*\n]*[^*\s])?)\*`)
	italicRE = regexp.MustCompile(`(^|[\s(«"'’/-])_([^_\s](?:[^_\n]*[^_\s])?)_`)
	codeRE   = regexp.MustCompile("`([^`\n]+)`")
)

// ANSI escape sequences used by Styled.
const (
	boldOn    = "\x1b[1m"
	boldOff   = "\x1b[22m"
	italicOn  = "\x1b[3m"
	italicOff = "\x1b[23m"
)

// Plain removes the markers: "*Votre profil*" becomes "Votre profil",
// "`aide`" becomes "aide".
func Plain(s string) string {
	if !strings.ContainsAny(s, "*_`") {
		return s
	}
	s = codeRE.ReplaceAllString(s, "$1")
	s = boldRE.ReplaceAllString(s, "$1$2")
	return italicRE.ReplaceAllString(s, "$1$2")
}

// Styled renders bold and italics as ANSI styles (SGR 1 and 3) and code as
// plain text. s must hold no escape character of its own: callers remove
// control characters from untrusted text first.
func Styled(s string) string {
	if !strings.ContainsAny(s, "*_`") {
		return s
	}
	s = codeRE.ReplaceAllString(s, "$1")
	s = boldRE.ReplaceAllString(s, "$1"+boldOn+"$2"+boldOff)
	return italicRE.ReplaceAllString(s, "$1"+italicOn+"$2"+italicOff)
}
