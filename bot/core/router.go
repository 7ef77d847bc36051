package core

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// command is one thing a person can ask for, under several names.
type Command struct {
	ID string
	// names per language, as shown to people ("mes données"); the first
	// is the one shown in help. Every name is accepted in every language.
	Names map[bot.Lang][]string
	Role  bot.Role
	Run   func(context.Context, *Turn) []bot.Reply
}

type alias struct {
	cmd    *Command
	lang   bot.Lang
	shown  string
	folded string
	words  int
}

// router finds the command a text starts with: insensitive to case,
// accents and punctuation; the longest matching name wins.
type Router struct {
	cmds    []*Command
	aliases []alias
}

func NewRouter(cmds []*Command) *Router {
	r := &Router{cmds: cmds}
	for _, c := range cmds {
		for _, lang := range bot.Languages {
			for _, n := range c.Names[lang] {
				f := textnorm.Fold(n)
				if f == "" {
					f = n // symbols such as "?"
				}
				r.aliases = append(r.aliases, alias{cmd: c, lang: lang, shown: n, folded: f,
					words: len(strings.Fields(f))})
			}
		}
	}
	return r
}

// match returns the command text starts with and the text after the
// command's words, as typed.
func (r *Router) Match(text string) (*Command, string, bool) {
	folded := textnorm.Fold(text)
	if folded == "" {
		folded = strings.TrimSpace(text)
	}
	var best *alias
	for i := range r.aliases {
		a := &r.aliases[i]
		if folded == a.folded || strings.HasPrefix(folded, a.folded+" ") {
			if best == nil || a.words > best.words {
				best = a
			}
		}
	}
	if best == nil {
		return nil, "", false
	}
	return best.cmd, afterWords(text, best.words), true
}

// suggest returns the name of the command nearest to text among those
// the role may use, shown in lang when there is a tie.
func (r *Router) Suggest(text string, role bot.Role, lang bot.Lang) (string, bool) {
	words := strings.Fields(textnorm.Fold(text))
	if len(words) == 0 {
		return "", false
	}
	bestDist, best := 0, (*alias)(nil)
	for i := range r.aliases {
		a := &r.aliases[i]
		if a.cmd.Role > role || a.words > len(words) {
			continue
		}
		head := strings.Join(words[:a.words], " ")
		d := textnorm.Distance(head, a.folded)
		if d > typoLimit(a.folded) {
			continue
		}
		if best == nil || d < bestDist || (d == bestDist && a.lang == lang && best.lang != lang) {
			bestDist, best = d, a
		}
	}
	if best == nil {
		return "", false
	}
	return best.shown, true
}

// afterWords returns s after its first n words (runs of letters and
// digits), without the separators that follow them.
func afterWords(s string, n int) string {
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) }
	in := false
	count := 0
	for i, r := range s {
		w := isWord(r)
		if in && !w {
			count++
			if count == n {
				// A path keeps its first character: « importer /srv/m.csv ».
				return strings.TrimLeftFunc(s[i:], func(r rune) bool { return !isWord(r) && !strings.ContainsRune("«\"/~", r) })
			}
		}
		in = w
	}
	return ""
}

// Likely returns at most n commands the role may use that text most
// likely meant, best first: a command its first words are a typo of
// (« profl »), then commands named anywhere in it (« je voudrais voir mon
// profil »), then commands one of its words is a typo of; help closes the
// list when there is room.
func (r *Router) Likely(text string, role bot.Role, lang bot.Lang, n int) []*Command {
	words := strings.Fields(textnorm.Fold(text))
	best := map[*Command]int{}
	note := func(c *Command, score int) {
		if s, ok := best[c]; !ok || score < s {
			best[c] = score
		}
	}
	for i := range r.aliases {
		a := &r.aliases[i]
		if a.cmd.Role > role || a.words == 0 || a.words > len(words) {
			continue
		}
		aw := strings.Fields(a.folded)
		if d := textnorm.Distance(strings.Join(words[:a.words], " "), a.folded); d <= typoLimit(a.folded) {
			note(a.cmd, d)
			continue
		}
		long := len([]rune(a.folded)) >= 4
		for j := 0; long && j+a.words <= len(words); j++ {
			if equalWords(words[j:j+a.words], aw) {
				note(a.cmd, 10)
			}
		}
		if a.words == 1 && len([]rune(a.folded)) >= 5 {
			for _, w := range words {
				if d := textnorm.Distance(w, a.folded); d <= 1 {
					note(a.cmd, 20+d)
				}
			}
		}
	}
	cmds := make([]*Command, 0, len(best))
	for c := range best {
		cmds = append(cmds, c)
	}
	slices.SortFunc(cmds, func(a, b *Command) int {
		if c := cmp.Compare(best[a], best[b]); c != 0 {
			return c
		}
		return cmp.Compare(r.order(a), r.order(b))
	})
	if len(cmds) > n {
		cmds = cmds[:n]
	}
	for _, c := range r.cmds {
		if c.ID == "help" && len(cmds) < n && !slices.Contains(cmds, c) {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// order is the command's place in help.
func (r *Router) order(c *Command) int { return slices.Index(r.cmds, c) }

// typoLimit is how many typos a name tolerates: short names fewer, or
// "hi" would answer anything.
func typoLimit(folded string) int {
	switch n := len([]rune(folded)); {
	case n >= 7:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}
