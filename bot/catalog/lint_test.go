package catalog

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// The catalogue lint: what a careful French civil servant checks and a
// machine can. Every problem names its file, line, key and rule, so that a
// key added in another branch is easy to fix at merge:
//
//	messages/members.fr.yaml:149: members.invite: masculine default: « vous ont inscrit » …
//
// Rules:
//   - languages: every key in French and in English;
//   - placeholders: the same placeholders in both;
//   - inclusive dot: no « · » in a message addressed to one person
//     (vouvoiement) — use an epicene phrasing or the member's own label;
//   - masculine default: no « informé », « inscrit »… agreeing with « vous »;
//   - capital after colon: « : » is followed by a lower-case word (proper
//     nouns and acronyms aside);
//   - double space: none between words;
//   - unformatted placeholder: a Go call that names a key with literal
//     arguments gives every placeholder of the key.
func TestCatalogueLint(t *testing.T) {
	entries := readEntries(t)
	var problems []string
	report := func(e entry, rule, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s: %s: %s", e.file, e.line, e.key, rule, fmt.Sprintf(format, args...)))
	}
	byLang := map[string]map[string]entry{}
	for _, e := range entries {
		if byLang[e.lang] == nil {
			byLang[e.lang] = map[string]entry{}
		}
		byLang[e.lang][e.key] = e
	}
	for _, e := range entries {
		other := "en"
		if e.lang == "en" {
			other = "fr"
		}
		o, ok := byLang[other][e.key]
		if !ok {
			report(e, "languages", "no %s text (add it to %s)", other, strings.Replace(e.file, "."+e.lang+".", "."+other+".", 1))
		} else if pa, pb := Placeholders(e.text), Placeholders(o.text); !slices.Equal(pa, pb) {
			report(e, "placeholders", "%v here, %v in %s", pa, pb, o.file)
		}
		lintText(e, report)
	}
	for _, p := range unformattedPlaceholders(t, byLang["fr"]) {
		problems = append(problems, p)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

type entry struct {
	file, lang, key, text string
	line                  int
}

// readEntries reads every catalogue file with the line of each key.
func readEntries(t *testing.T) []entry {
	t.Helper()
	names, err := fs.Glob(files, "messages/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		base := strings.TrimSuffix(path.Base(name), ".yaml")
		lang := base[strings.LastIndexByte(base, '.')+1:]
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			out = append(out, entry{file: name, lang: lang, key: m.Content[i].Value,
				text: strings.TrimRight(m.Content[i+1].Value, "\n"), line: m.Content[i].Line})
		}
	}
	return out
}

var (
	// A word after « : » that starts with a capital: acronyms (DGS, SNDGCT)
	// and the proper nouns below are allowed.
	capitalAfterColon = regexp.MustCompile(`(?:^|[^:\s])\s?:[ \x{00a0}\x{202f}]+(\p{Lu}[\p{L}'’-]*)`)
	doubleSpace       = regexp.MustCompile(`\S {2,}\S`)
	personal          = regexp.MustCompile(`(?i)\b(vous|votre|vos|you|your)\b`)
	masculineDefaults = regexp.MustCompile(`(?i)(?:\bvous (?:ne |n'|n’)?(?:êtes|étiez|serez|seriez|ont|avez été|tiendrai|tiendrons)|(?:^|[^\p{L}])être|(?:^|[^\p{L}])été)\s+(?:\S+\s+){0,2}(informé|inscrit|prévenu|connecté|abonné|désabonné|réabonné|invité|prêt|certain|sûr|seul|intéressé|présenté|mis en relation)(?:[^\p{L}]|$)`)
	// doublet: "inscrit ou inscrite" is fine.
	doublet = regexp.MustCompile(`(?i)(\p{L}+) ou (\p{L}+)e\b`)
)

// properNouns may follow a colon with their capital.
var properNouns = []string{"Maillage", "Slack", "Mattermost", "Matrix", "Tchap", "Territorialis", "Saint", "Saint-Pierre-du-Perray",
	"Véronique", "Anne", "Marie", "I", "Bretagne", "Quimper", "Vannes", "Lyon", "Paris", "Essonne", "Île-de-France", "Évry",
	"Évry-Courcouronnes", "Intelligence", "Directeur", "Directrice", "System", "OAuth", "Basic", "Europe", "America", "Pacific",
	"Indian", "Réunion", "Martinique", "Guadeloupe", "Guyane", "Mayotte", "Monday", "Tuesday", "Wednesday", "Thursday",
	"Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December", "English", "Français", "French", "CODIR", "Mme", "M"}

func lintText(e entry, report func(entry, string, string, ...any)) {
	text := e.text
	if e.lang == "fr" && strings.Contains(text, "·") && personal.MatchString(text) {
		report(e, "inclusive dot", "« · » in a message addressed to one person: use an epicene phrasing or the member's own label")
	}
	if e.lang == "fr" {
		if m := masculineDefaults.FindString(text); m != "" && !isDoublet(text, m) {
			report(e, "masculine default", "« %s »: rephrase so that it agrees with anyone (« je vous informerai », « votre inscription »)", m)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, " ") {
			continue // an indented block keeps its columns
		}
		if doubleSpace.MatchString(line) {
			report(e, "double space", "%q", doubleSpace.FindString(line))
		}
		for _, m := range capitalAfterColon.FindAllStringSubmatch(line, -1) {
			word := m[1]
			if isAcronym(word) || slices.Contains(properNouns, word) || slices.Contains(properNouns, strings.SplitN(word, "-", 2)[0]) {
				continue
			}
			report(e, "capital after colon", "%q: write the word after « : » in lower case", strings.TrimSpace(m[0]))
		}
	}
}

// isAcronym: two capitals at least (DGS, EPCI, CSV, SIREN, QPV).
func isAcronym(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n >= 2
}

// unformattedPlaceholders reads the Go sources of the module and checks
// each call whose arguments are a catalogue key then name/value pairs
// given as literals: every placeholder of the key must be among the names.
// Calls with a computed key, a computed name or args... are not checked.
func unformattedPlaceholders(t *testing.T, fr map[string]entry) []string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skipf("module root not found from %s", root)
	}
	var out []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil // not this lint's business
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || call.Ellipsis.IsValid() || !isCatalogueCall(call) {
				return true
			}
			for i, a := range call.Args {
				key, ok := stringLit(a)
				if !ok {
					continue
				}
				e, known := fr[key]
				if !known {
					continue
				}
				rest := call.Args[i+1:]
				if len(rest)%2 != 0 {
					break
				}
				given := map[string]bool{}
				literal := true
				for j := 0; j < len(rest); j += 2 {
					name, ok := stringLit(rest[j])
					if !ok {
						literal = false
						break
					}
					given[name] = true
				}
				if !literal {
					break
				}
				for _, ph := range Placeholders(e.text) {
					if !given[ph] {
						rel, _ := filepath.Rel(root, p)
						out = append(out, fmt.Sprintf("%s:%d: %s: unformatted placeholder: {%s} is not given (%s:%d)",
							e.file, e.line, key, ph, rel, fset.Position(call.Pos()).Line))
					}
				}
				break
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// isCatalogueCall: T, Reply and t, the catalogue's accessors (a key
// handed to another helper is checked where that helper calls T).
func isCatalogueCall(call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name == "T" || f.Name == "t" || f.Name == "Reply"
	case *ast.SelectorExpr:
		return f.Sel.Name == "T" || f.Sel.Name == "t" || f.Sel.Name == "Reply"
	}
	return false
}

// isDoublet reports whether the masculine form found is followed by its
// feminine: "inscrit ou inscrite".
func isDoublet(text, found string) bool {
	i := strings.Index(text, found)
	rest := text[i:]
	for _, m := range doublet.FindAllStringSubmatch(rest, 1) {
		if strings.EqualFold(m[1], m[2]) {
			return true
		}
	}
	return false
}

// The lint finds each kind of problem it is meant to find.
func TestLintTextFindsProblems(t *testing.T) {
	for _, tt := range []struct{ text, rule string }{
		{"Bonjour {name}, Directeur·rice, votre profil est prêt.", "inclusive dot"},
		{"Je vous tiendrai informé de la suite.", "masculine default"},
		{"Les organisateurs vous ont inscrit sur Maillage.", "masculine default"},
		{"Souhaitez-vous être mis en relation ?", "masculine default"},
		{"Vous n'êtes pas encore inscrit aux mises en relation.", "masculine default"},
		{"Envoi : Dès votre confirmation.", "capital after colon"},
		{"Deux  espaces.", "double space"},
	} {
		var got []string
		lintText(entry{file: "messages/x.fr.yaml", lang: "fr", key: "x.k", text: tt.text, line: 1},
			func(_ entry, rule, format string, args ...any) { got = append(got, rule) })
		if !slices.Contains(got, tt.rule) {
			t.Errorf("%q: rules %v, want %q", tt.text, got, tt.rule)
		}
	}
	for _, ok := range []string{"Vous êtes déjà inscrit ou inscrite à {name}.", "Exemple : « Je suis DGS de Vannes ».",
		"Envoi : DGS et DGA.", "  /as NOM     parler au nom d'un autre membre", "« m'inscrire à 3 » vous inscrit à la séance 3."} {
		var got []string
		lintText(entry{file: "messages/x.fr.yaml", lang: "fr", key: "x.k", text: ok, line: 1},
			func(_ entry, rule, format string, args ...any) { got = append(got, rule) })
		if len(got) > 0 {
			t.Errorf("%q: rules %v, want none", ok, got)
		}
	}
}
