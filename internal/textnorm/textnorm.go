// Package textnorm cleans and folds text typed by people: it removes what
// must never be stored or echoed (invalid UTF-8, control, bidirectional and
// zero-width characters) and folds words for comparison (case, accents,
// ligatures, punctuation). It is pure: no I/O, no state.
package textnorm

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// invisible reports characters removed from any text a person sends:
// bidirectional controls (which can disguise text), zero-width characters
// and the byte-order mark.
func invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069,                // LRI, RLI, FSI, PDI
		r == 0x200E || r == 0x200F || r == 0x061C, // LRM, RLM, ALM
		r >= 0x200B && r <= 0x200D,                // zero-width space, non-joiner, joiner
		r == 0x2060 || r == 0xFEFF:                // word joiner, BOM
		return true
	}
	return false
}

// Clean returns s as Unicode NFC with invalid UTF-8 replaced by U+FFFD,
// control characters other than newline and tab removed, invisible
// characters removed, carriage returns dropped, and surrounding space
// trimmed. It does not cut: see Truncate.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), invisible(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(norm.NFC.String(s))
}

// Truncate cuts s to at most max runes, on a rune boundary, and reports
// whether it cut.
func Truncate(s string, max int) (string, bool) {
	if max < 0 || utf8.RuneCountInString(s) <= max {
		return s, false
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i], true
		}
		n++
	}
	return s, false
}

var ligatures = strings.NewReplacer("œ", "oe", "Œ", "oe", "æ", "ae", "Æ", "ae", "ß", "ss")

// Fold returns s in the form used to compare words: lower case, without
// accents or ligatures, every run of characters other than letters and
// digits turned into one space, trimmed. "L'Haÿ-les-Roses" and
// "lhay les roses" fold to "l hay les roses" and "lhay les roses";
// "  AIDE ! " folds to "aide".
//
// Text in ASCII and the Latin-1 and Latin Extended-A/B blocks (French,
// and most names) is folded rune by rune from a table that foldSlow
// builds on first use; anything else goes through foldSlow (ligatures,
// NFD, marks dropped). The table is exact: a test compares the two on
// every rune of the range. The fast path matters to imports, which fold
// every role and interest label for every line.
func Fold(s string) string {
	if out, ok := foldFast(s); ok {
		return out
	}
	return foldSlow(s)
}

// latinFirst and latinEnd bound the runes of the fold table.
const (
	latinFirst = 0x80
	latinEnd   = 0x250
)

// latinFolds[r-latinFirst] is foldSlow(string(r)): the folded letters, or
// "" for a separator.
var latinFolds = sync.OnceValue(func() []string {
	t := make([]string, latinEnd-latinFirst)
	for r := rune(latinFirst); r < latinEnd; r++ {
		t[r-latinFirst] = foldSlow(string(r))
	}
	return t
})

func foldFast(s string) (string, bool) {
	var table []string
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				space = true
				continue
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < latinFirst || r >= latinEnd || r == utf8.RuneError {
			return "", false
		}
		i += size
		if table == nil {
			table = latinFolds()
		}
		f := table[r-latinFirst]
		if f == "" {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(f)
	}
	return b.String(), true
}

// foldSlow is Fold for any text.
func foldSlow(s string) string {
	s = ligatures.Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// Distance is the optimal string alignment distance between a and b,
// counted in runes: insertions, deletions, substitutions and
// transpositions of adjacent runes each cost one.
func Distance(a, b string) int {
	d, _ := osa([]rune(a), []rune(b), -1)
	return d
}

// Within returns the distance between a and b (as Distance) and true when
// it is at most limit; it gives up as soon as the distance must exceed
// limit, which makes it cheap for scanning long lists of names.
func Within(a, b string, limit int) (int, bool) {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return 0, false
	}
	return osa(ra, rb, limit)
}

// osa computes the optimal string alignment distance; with limit >= 0 it
// stops early, returning false, once every alignment exceeds limit.
func osa(ra, rb []rune, limit int) (int, bool) {
	if len(ra) == 0 || len(rb) == 0 {
		d := max(len(ra), len(rb))
		return d, limit < 0 || d <= limit
	}
	// Three rolling rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if limit >= 0 && best > limit {
			return 0, false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	d := prev[len(rb)]
	return d, limit < 0 || d <= limit
}

// InEmail reports whether the "@" at byte offset at of s is inside an
// e-mail address: a letter, digit or one of "._-+" before it, and a domain
// after it (labels of letters, digits and hyphens joined by dots, at least
// two). Chat adapters leave such an "@" alone and neutralise the others,
// which could start a mention ("@channel", "Bonjour@here").
func InEmail(s string, at int) bool {
	if at <= 0 || at >= len(s) || s[at] != '@' {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:at])
	if !(unicode.IsLetter(prev) || unicode.IsDigit(prev) || strings.ContainsRune("._-+", prev)) {
		return false
	}
	labels, label := 0, 0
	for _, r := range s[at+1:] {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
			label++
			continue
		}
		if r != '.' || label == 0 {
			break
		}
		labels++
		label = 0
	}
	if label > 0 {
		labels++
	}
	return labels >= 2
}
