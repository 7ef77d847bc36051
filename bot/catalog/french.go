package catalog

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Elide joins the French text before a placeholder and the value put in
// it as French writes them: "de " + "Évry" gives "d'Évry", "que " +
// "elle" "qu'elle", "le " + "Agglomération" "l'Agglomération"; "de " +
// "le SNDGCT" gives "du SNDGCT", "de " + "Les Ulis" "des Ulis", "à " +
// "Le Mans" "au Mans". Values starting with an h are left as they are
// (h muet or aspiré cannot be told apart). T applies it to every French
// placeholder, so that catalogue texts write "de {collectivite}" once
// for every value.
func Elide(before, value string) (string, string) {
	if value == "" {
		return before, value
	}
	word, start := lastWord(before)
	if word == "" {
		return before, value
	}
	lw := strings.ToLower(word)
	cap := word != lw // "De" at the start of a sentence stays capitalised
	// Contractions with a leading article of the value.
	if art, rest, ok := leadingArticle(value); ok {
		var c string
		switch {
		case lw == "de" && art == "le":
			c = "du"
		case lw == "de" && art == "les":
			c = "des"
		case lw == "à" && art == "le":
			c = "au"
		case lw == "à" && art == "les":
			c = "aux"
		}
		if c != "" {
			if cap {
				c = strings.ToUpper(c[:1]) + c[1:]
			}
			return before[:start] + c + " ", rest
		}
	}
	switch lw {
	case "de", "que", "le", "la", "jusque", "lorsque", "puisque":
	default:
		return before, value
	}
	if !startsWithVowel(value) {
		return before, value
	}
	elided := word[:len(word)-1] // "de" -> "d", "la" -> "l"
	if lw == "la" {
		elided = word[:1]
	}
	return before[:start] + elided + "'", value
}

// lastWord returns the last word of s when s ends with that word and one
// space, and where it starts.
func lastWord(s string) (string, int) {
	if !strings.HasSuffix(s, " ") {
		return "", 0
	}
	t := strings.TrimSuffix(s, " ")
	i := strings.LastIndexFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
	start := i + 1
	if i >= 0 {
		_, size := utf8.DecodeRuneInString(t[i:])
		start = i + size
	}
	return t[start:], start
}

// leadingArticle splits "le SNDGCT", "Le Mans", "les Ulis" into the
// article (lower case) and the rest.
func leadingArticle(v string) (string, string, bool) {
	for _, a := range []string{"le ", "les "} {
		if len(v) > len(a) && strings.EqualFold(v[:len(a)], a) {
			return strings.TrimSpace(a), v[len(a):], true
		}
	}
	return "", "", false
}

func startsWithVowel(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("aeiouyàâäéèêëîïôöùûüœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒ", r)
}

// dropFrenchArticle removes the French article an administrator wrote
// before a name ("le SNDGCT", "la Ville de Lyon", "l'Agglomération") for an
// English text.
func dropFrenchArticle(v string) string {
	for _, a := range []string{"le ", "la ", "les ", "l'", "l’"} {
		if strings.HasPrefix(v, a) {
			rest := v[len(a):]
			if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) {
				return rest
			}
		}
	}
	return v
}

// Epicene turns an inclusive label into the double form a sentence
// addressed to one person can hold: "Directeur·rice général·e des services
// (DGS)" gives "Directeur général ou directrice générale des services
// (DGS)", "Secrétaire général·e de mairie" "Secrétaire général ou
// secrétaire générale de mairie". A label without « · » is returned as is.
// T applies it to every French placeholder value, so that no « · »
// reaches a member (the configuration's labels keep their short form).
func Epicene(label string) string {
	if !strings.Contains(label, "·") {
		return label
	}
	// A value may hold several labels ("rôle : A·e ; région : …",
	// "A·e, B·e"): each part is turned on its own.
	var b strings.Builder
	last := 0
	for _, m := range labelSeparators.FindAllStringIndex(label, -1) {
		b.WriteString(epicenePart(label[last:m[0]]))
		b.WriteString(label[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(epicenePart(label[last:]))
	return b.String()
}

var labelSeparators = regexp.MustCompile(` ; |, |\|| / `)

// epicenePart turns one label: the words from the first inclusive one
// (with the capitalised word just before it: "Secrétaire général·e") to
// the last are given in both forms.
func epicenePart(label string) string {
	if !strings.Contains(label, "·") {
		return label
	}
	words := strings.Split(label, " ")
	first, last := -1, -1
	for i, w := range words {
		if strings.Contains(w, "·") {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first > 0 {
		if r, _ := utf8.DecodeRuneInString(words[first-1]); unicode.IsUpper(r) {
			first--
		}
	}
	masc := make([]string, 0, last-first+1)
	fem := make([]string, 0, last-first+1)
	for _, w := range words[first : last+1] {
		m, f := splitInclusive(w)
		masc = append(masc, m)
		fem = append(fem, f)
	}
	f := strings.Join(fem, " ")
	if r, size := utf8.DecodeRuneInString(f); size > 0 && !isAcronymWord(fem[0]) {
		f = string(unicode.ToLower(r)) + f[size:]
	}
	out := words[:first:first]
	out = append(out, strings.Join(masc, " ")+" ou "+f)
	out = append(out, words[last+1:]...)
	return strings.Join(out, " ")
}

// splitInclusive gives the masculine and feminine forms of one inclusive
// word: "Directeur·rice", "général·e", "adjoint·e", "technicien·ne",
// "chargé·e", "créateur·ice", "sportif·ve".
func splitInclusive(w string) (string, string) {
	i := strings.Index(w, "·")
	if i < 0 {
		return w, w
	}
	m, suf := w[:i], strings.ReplaceAll(w[i+len("·"):], "·", "")
	switch {
	case strings.HasSuffix(m, "eur") && (suf == "rice" || suf == "trice"):
		return m, strings.TrimSuffix(m, "eur") + "rice"
	case strings.HasSuffix(m, "teur") && suf == "ice":
		return m, strings.TrimSuffix(m, "eur") + "rice"
	case strings.HasSuffix(m, "eur") && suf == "euse":
		return m, strings.TrimSuffix(m, "eur") + "euse"
	case strings.HasSuffix(m, "f") && (suf == "ve" || suf == "ive"):
		return m, strings.TrimSuffix(m, "f") + "ve"
	}
	return m, m + suf
}

func isAcronymWord(w string) bool {
	return len(w) > 1 && strings.ToUpper(w) == w
}
