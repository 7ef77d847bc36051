// Package search is Maillage's full-text search over the congress content:
// French-first analysis (case and accent folding, stop words, Snowball
// stemming in French and English, a few acronyms and their expansions) and
// a BM25F ranking with field boosts (title > topics > text > speakers).
//
// The package is pure: no I/O, no clock, safe for concurrent searches once
// built. An Index is immutable; rebuild it when the content changes.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"

	"github.com/sndgct/maillage/internal/textnorm"
)

// mode tells indexing from querying: a few words are read differently in
// a query ("ai" typed in lower case means AI, not the French « ai »).
type mode int

const (
	indexing mode = iota
	querying
)

// acronyms maps a folded acronym to the terms it stands for. An acronym is
// recognised when written in capitals in a text, and in any case in a
// query. Its first term is the canonical one that its expansion (phrases
// below) also produces, so that « IA » finds « intelligence artificielle ».
var acronyms = map[string][]string{
	"ia":    {"ia"},
	"ai":    {"ia"},
	"iag":   {"ia", "iag"},
	"genai": {"ia", "iag"},
	"dgs":   {"dgs"},
	"dga":   {"dga"},
	"rh":    {"rh"},
	"hr":    {"rh"},
	"rps":   {"rps"},
	"qvt":   {"qvt"},
	"fpt":   {"fpt"},
	"sgm":   {"sgm"},
	"codir": {"codir"},
}

// phrases maps folded word sequences to the canonical term they also
// produce (the words themselves are indexed too).
var phrases = []struct {
	words []string
	term  string
}{
	{[]string{"intelligence", "artificielle"}, "ia"},
	{[]string{"intelligences", "artificielles"}, "ia"},
	{[]string{"artificial", "intelligence"}, "ia"},
	{[]string{"intelligence", "artificielle", "generative"}, "iag"},
	{[]string{"generative", "ai"}, "iag"},
	{[]string{"ressources", "humaines"}, "rh"},
	{[]string{"human", "resources"}, "rh"},
	{[]string{"risques", "psychosociaux"}, "rps"},
	{[]string{"psychosocial", "risks"}, "rps"},
	{[]string{"qualite", "de", "vie", "au", "travail"}, "qvt"},
	{[]string{"fonction", "publique", "territoriale"}, "fpt"},
	{[]string{"directeur", "general", "des", "services"}, "dgs"},
	{[]string{"directrice", "generale", "des", "services"}, "dgs"},
	{[]string{"directeurs", "generaux", "des", "services"}, "dgs"},
	{[]string{"secretaire", "general", "de", "mairie"}, "sgm"},
	{[]string{"secretaires", "generaux", "de", "mairie"}, "sgm"},
	{[]string{"comite", "de", "direction"}, "codir"},
}

// extraStop completes Snowball's French and English stop-word lists with
// frequent French words that carry no topic (folded forms).
var extraStop = map[string]bool{
	"les": true, "cette": true, "cet": true, "ils": true, "elles": true, "leurs": true,
	"dont": true, "ou": true, "comme": true, "aussi": true, "sans": true, "si": true,
	"ni": true, "car": true, "donc": true, "tout": true, "tous": true, "toute": true,
	"toutes": true, "plus": true, "tres": true, "faut": true, "ete": true, "etre": true,
	"avoir": true, "fait": true, "peut": true, "doit": true, "entre": true, "chez": true,
	"quel": true, "quelle": true, "quels": true, "quelles": true, "comment": true,
	"qu": true, "lorsqu": true, "puisqu": true, "jusqu": true,
}

func isStop(folded string) bool {
	return extraStop[folded] || french.IsStopWord(folded) || english.IsStopWord(folded)
}

// word is one run of letters and digits of a text.
type word struct {
	raw    string // as written
	folded string // textnorm.Fold(raw): lower case, no accents
}

// words splits s into runs of letters, digits and combining marks.
func words(s string) []word {
	var out []word
	start := -1
	for i, r := range s {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = appendWord(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendWord(out, s[start:])
	}
	return out
}

func appendWord(out []word, raw string) []word {
	f := textnorm.Fold(raw)
	if f == "" {
		return out
	}
	// Fold may split a word on a ligature or a symbol it treats as a
	// separator; keep each part.
	for part := range strings.FieldsSeq(f) {
		out = append(out, word{raw: raw, folded: part})
	}
	return out
}

// isCapitals reports whether s is written in capitals (at least two letters).
func isCapitals(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

// Terms returns the index terms of a text (in indexing mode): the stems of
// its words in French and in English, without stop words, plus the
// canonical terms of the acronyms and phrases it contains. A term may
// appear several times (once per occurrence).
func Terms(s string) []string { return analyze(s, indexing, nil, nil) }

// QueryTerms returns the distinct terms of a query.
func QueryTerms(q string) []string {
	terms := analyze(q, querying, nil, nil)
	seen := make(map[string]bool, len(terms))
	out := terms[:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// stemCache remembers the stems of the words met while building an index:
// stemming is the costly part of indexing, and texts repeat their words.
type stemCache map[string][2]string

func (c stemCache) analyze(s string, out []string) []string { return analyze(s, indexing, c, out) }

func analyze(s string, m mode, cache stemCache, out []string) []string {
	ws := words(s)
	for i, w := range ws {
		for _, p := range phrases {
			if i+len(p.words) <= len(ws) && matchesAt(ws, i, p.words) {
				out = append(out, p.term)
			}
		}
		if exp, ok := acronyms[w.folded]; ok && (m == querying || isCapitals(w.raw)) {
			out = append(out, exp...)
			continue
		}
		if isStop(w.folded) || utf8.RuneCountInString(w.folded) < 2 {
			continue
		}
		st, ok := cache[w.folded]
		if !ok {
			st = [2]string{french.Stem(w.folded, true), english.Stem(w.folded, true)}
			if cache != nil {
				cache[w.folded] = st
			}
		}
		out = append(out, st[0])
		if st[1] != st[0] {
			out = append(out, st[1])
		}
	}
	return out
}

func matchesAt(ws []word, i int, phrase []string) bool {
	for j, p := range phrase {
		if ws[i+j].folded != p {
			return false
		}
	}
	return true
}
