// Package safeurl shows a configured address in an error message without
// any secret it may hold: rebuilt from its parsed parts, without user
// information, query or fragment; a value that is not a URL is not quoted
// at all (it may be a token pasted in the wrong variable).
package safeurl

import (
	"net/url"
	"strconv"
	"strings"
)

// Unparsable stands for a value that is not shown.
const Unparsable = "(unparsable URL)"

// Show returns, quoted, the scheme, host and path of rawURL, or a bare
// host name (letters, digits, dots and hyphens, with a dot: no token looks
// like that); else Unparsable.
func Show(rawURL string) string {
	raw := strings.TrimSpace(rawURL)
	if hostName(raw) {
		return strconv.Quote(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return Unparsable
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		out.User = url.User("xxxxx")
	}
	return strconv.Quote(out.String())
}

// hostName reports whether s looks like a bare host name.
func hostName(s string) bool {
	if !strings.Contains(s, ".") {
		return false
	}
	for _, c := range s {
		if !(c == '.' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
