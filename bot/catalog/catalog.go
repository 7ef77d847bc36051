// Package catalog holds every user-facing sentence of Maillage, in French
// (the default) and English, embedded in the binary.
//
// Messages live in messages/<area>.<lang>.yaml, one flat mapping of keys to
// texts per file, so that each feature keeps its own sentences. A key is
// defined once per language, in every language. Texts use named
// placeholders: "Bonjour {name}". The package is pure: it reads only its
// embedded files.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed messages/*.yaml
var files embed.FS

// DefaultLang is used when a text is missing in the asked language.
const DefaultLang = "fr"

// Catalog maps a language and a key to a text.
type Catalog struct {
	texts map[string]map[string]string // lang -> key -> text
}

var placeholder = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)

// Load reads every messages/<area>.<lang>.yaml file of fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "messages/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c := &Catalog{texts: map[string]map[string]string{}}
	var problems []string
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".yaml")
		dot := strings.LastIndexByte(base, '.')
		if dot < 0 {
			problems = append(problems, fmt.Sprintf("%s: want <area>.<lang>.yaml", name))
			continue
		}
		lang := base[dot+1:]
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		var m map[string]string
		if err := yaml.Unmarshal(data, &m); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if c.texts[lang] == nil {
			c.texts[lang] = map[string]string{}
		}
		for k, v := range m {
			if _, dup := c.texts[lang][k]; dup {
				problems = append(problems, fmt.Sprintf("%s: key %q defined twice for %q", name, k, lang))
			}
			c.texts[lang][k] = strings.TrimRight(v, "\n")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("catalog: %s", strings.Join(problems, "; "))
	}
	if c.texts[DefaultLang] == nil {
		return nil, fmt.Errorf("catalog: no %q messages", DefaultLang)
	}
	return c, nil
}

// builtin is parsed on first use, not at package initialisation: parsing
// every message file takes 2.6 MB and 40,000 allocations, more than half
// the work of starting `maillage version`, which shows no message.
var builtin = sync.OnceValue(func() *Catalog {
	c, err := Load(files)
	if err != nil {
		// The embedded files are checked by the package's tests; a broken
		// build is a programming error.
		panic(err)
	}
	return c
})

// Default returns the embedded catalogue.
func Default() *Catalog { return builtin() }

// Languages returns the languages present, sorted.
func (c *Catalog) Languages() []string {
	out := make([]string, 0, len(c.texts))
	for l := range c.texts {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Keys returns the keys defined for lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	out := make([]string, 0, len(c.texts[lang]))
	for k := range c.texts[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether key is defined for lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.texts[lang][key]
	return ok
}

// Raw returns the text of key in lang without substitution.
func (c *Catalog) Raw(lang, key string) (string, bool) {
	s, ok := c.texts[lang][key]
	return s, ok
}

// escaped reports whether the placeholder at text[i:j] is written
// "{{name}}": shown as "{name}", never replaced.
func escaped(text string, i, j int) bool {
	return i > 0 && text[i-1] == '{' && j < len(text) && text[j] == '}'
}

// Placeholders returns the sorted, distinct placeholder names of a text
// ("{{name}}", shown as is, is none).
func Placeholders(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		if escaped(text, m[0], m[1]) {
			continue
		}
		m := []string{text[m[0]:m[1]], text[m[2]:m[3]]}
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// T returns the text of key in lang (falling back to French, then to
// "[key]"), with each {name} replaced by the value that follows name in
// args: T("fr", "help.unknown", "input", "profl"). Placeholders without a
// value are left as they are; "{{name}}" shows "{name}". In French, the
// elisions and contractions at each placeholder are made (see Elide).
func (c *Catalog) T(lang, key string, args ...string) string {
	text, ok := c.texts[lang][key]
	french := lang == DefaultLang
	if !ok {
		french = true
		text, ok = c.texts[DefaultLang][key]
		if !ok {
			return "[" + key + "]"
		}
	}
	if !strings.Contains(text, "{") || len(args) < 2 && !strings.Contains(text, "{{") {
		return text
	}
	// French elisions and contractions at each placeholder ("de {x}" with
	// "Évry" gives "d'Évry", with "le SNDGCT" "du SNDGCT"); in English, a
	// French article written before a name is dropped.
	var b strings.Builder
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		name := text[m[2]:m[3]]
		if escaped(text, m[0], m[1]) {
			// "{{prenom}}" shows "{prenom}" as is: a text that explains
			// the organizers' own placeholders.
			b.WriteString(text[last:m[0]-1] + text[m[0]:m[1]])
			last = m[1] + 1
			continue
		}
		value, found := "", false
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == name {
				value, found = args[i+1], true
				break
			}
		}
		before := text[last:m[0]]
		if !found {
			b.WriteString(before + text[m[0]:m[1]])
			last = m[1]
			continue
		}
		if french {
			value = Epicene(value)
			prev := b.String() + before
			prev, value = Elide(prev, value)
			b.Reset()
			b.WriteString(prev)
		} else {
			b.WriteString(before)
			value = dropFrenchArticle(value)
		}
		b.WriteString(value)
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}
