package core

import (
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// noDirectory knows no collectivity: members can still declare another
// employer.
type NoDirectory struct{}

func (NoDirectory) Lookup(string) []bot.Collectivity            { return nil }
func (NoDirectory) Suggest(string, int) []bot.Collectivity      { return nil }
func (NoDirectory) Departement(string) (bot.Collectivity, bool) { return bot.Collectivity{}, false }
func (NoDirectory) Region(string) (bot.Collectivity, bool)      { return bot.Collectivity{}, false }

// findLabel returns the label named in text (the longest phrase, as whole
// words) and the words of text before and after it.
func FindLabel(labels []bot.Label, text string) (l bot.Label, before, after string, ok bool) {
	words := strings.Fields(textnorm.Fold(text))
	bestLen := 0
	for _, cand := range labels {
		for _, p := range cand.Phrases() {
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
func LabelByID(labels []bot.Label, id string) (bot.Label, bool) {
	for _, l := range labels {
		if l.ID == id {
			return l, true
		}
	}
	return bot.Label{}, false
}

// formatInt writes n with the thousands separator of lang: a narrow
// no-break space in French ("11 993"), a comma in English ("11,993").
func FormatInt(lang bot.Lang, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u202f"
	if lang == bot.English {
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
