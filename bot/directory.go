package bot

import (
	"strconv"
	"strings"

	"github.com/sndgct/maillage/internal/textnorm"
)

// Directory resolves what members type to name their employer into
// collectivities of the official data (communes, EPCI, départements,
// régions). cmd/maillage passes one over internal/territory; the core
// owns the interface so that it depends on no data package.
type Directory interface {
	// Lookup resolves a name (insensitive to case, accents, hyphens,
	// "Saint"/"St"), an INSEE code, a SIREN or a postal code. Several
	// results are homonyms, most populous first; none means unknown.
	Lookup(query string) []Collectivity
	// Suggest returns at most n collectivities whose names are near the
	// query, for a query that Lookup does not resolve.
	Suggest(query string, n int) []Collectivity
	// Departement and Region return a département or a région by its
	// INSEE code ("91", "11").
	Departement(code string) (Collectivity, bool)
	Region(code string) (Collectivity, bool)
}

// noDirectory knows no collectivity: members can still declare another
// employer.
type noDirectory struct{}

func (noDirectory) Lookup(string) []Collectivity            { return nil }
func (noDirectory) Suggest(string, int) []Collectivity      { return nil }
func (noDirectory) Departement(string) (Collectivity, bool) { return Collectivity{}, false }
func (noDirectory) Region(string) (Collectivity, bool)      { return Collectivity{}, false }

// Label is one entry of a closed list (member roles, interests): the id
// stored with members and what people see or type.
type Label struct {
	ID string
	FR string
	EN string
	// Aliases are other ways people write it ("DGS", "directrice générale
	// des services"); the id and the labels are always recognised.
	Aliases []string
}

// Text returns the label in lang.
func (l Label) Text(lang Lang) string {
	if lang == English && l.EN != "" {
		return l.EN
	}
	if l.FR != "" {
		return l.FR
	}
	return l.ID
}

// phrases returns the folded word sequences that name l: its id, its
// labels (inclusive forms "Directeur·rice" read as the masculine and the
// bare word), the acronyms in brackets in its labels, and its aliases.
func (l Label) phrases() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if f := textnorm.Fold(s); f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	add(strings.ReplaceAll(l.ID, "_", " "))
	for _, s := range []string{l.FR, l.EN} {
		add(s)
		add(dropInclusive(s))
		if i, j := strings.IndexByte(s, '('), strings.IndexByte(s, ')'); i >= 0 && j > i {
			add(s[i+1 : j])
			add(dropInclusive(s[:i]))
		}
	}
	for _, a := range l.Aliases {
		add(a)
	}
	return out
}

// dropInclusive removes the inclusive endings "·rice", "·e": "Directeur·rice
// général·e" gives "Directeur général".
func dropInclusive(s string) string {
	var b strings.Builder
	skip := false
	for _, r := range s {
		switch {
		case r == '·' || r == '•':
			skip = true
		case skip && (r == ' ' || r == ')' || r == '(' || r == ','):
			skip = false
			b.WriteRune(r)
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// findLabel returns the label named in text (the longest phrase, as whole
// words) and the words of text before and after it.
func findLabel(labels []Label, text string) (l Label, before, after string, ok bool) {
	words := strings.Fields(textnorm.Fold(text))
	bestLen := 0
	for _, cand := range labels {
		for _, p := range cand.phrases() {
			pw := strings.Fields(p)
			for i := 0; i+len(pw) <= len(words); i++ {
				if len(pw) > bestLen && equalWords(words[i:i+len(pw)], pw) {
					bestLen, l, ok = len(pw), cand, true
					before, after = strings.Join(words[:i], " "), strings.Join(words[i+len(pw):], " ")
				}
			}
		}
	}
	return l, before, after, ok
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// labelByID returns the label with this id.
func labelByID(labels []Label, id string) (Label, bool) {
	for _, l := range labels {
		if l.ID == id {
			return l, true
		}
	}
	return Label{}, false
}

// formatInt writes n with the thousands separator of lang: a narrow
// no-break space in French ("11 993"), a comma in English ("11,993").
func formatInt(lang Lang, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u202f"
	if lang == English {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
