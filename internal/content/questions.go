package content

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The conversation starters' question bank: questions in French and
// English, grouped by interest id ("general" for any). A built-in bank is
// embedded; files named questions*.yaml in the content directory add to
// it, or replace it (replace: true).

//go:embed bank/questions.yaml
var builtinBank []byte

// GeneralQuestions is the group of questions that suit any pair.
const GeneralQuestions = "general"

// maxQuestion bounds a question's length, in characters.
const maxQuestion = 400

// Question is one conversation starter of the bank.
type Question struct {
	// Interest is an interest id, or GeneralQuestions.
	Interest string
	FR, EN   string
}

// Text returns the question in lang ("fr" or "en").
func (q Question) Text(lang string) string {
	if lang == "en" {
		return q.EN
	}
	return q.FR
}

// Key identifies the question (its interest and French text), to
// remember which questions a pair was asked.
func (q Question) Key() string { return q.Interest + "|" + q.FR }

type bankFile struct {
	Replace   bool                    `yaml:"replace"`
	Questions map[string][]bankAnswer `yaml:"questions"`
}

type bankAnswer struct {
	FR string `yaml:"fr"`
	EN string `yaml:"en"`
}

// BuiltinQuestions returns the embedded bank.
func BuiltinQuestions() []Question {
	_, qs, err := ParseQuestions(builtinBank, "questions.yaml", nil)
	if err != nil {
		return nil // unreachable: a test checks the embedded bank
	}
	return qs
}

// IsQuestionFile reports whether a content file holds questions rather
// than an event.
func IsQuestionFile(name string) bool { return strings.HasPrefix(name, "questions") }

// ParseQuestions decodes and checks a question file: interest ids must be
// among interests (when given) or "general", every question needs its
// French and English text, ending with a question mark. It reports
// whether the file replaces the built-in bank.
func ParseQuestions(data []byte, name string, interests []string) (bool, []Question, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil, Problems{{File: name, Message: "the file is empty: it must list questions"}}
		}
		return false, nil, Problems{{File: name, Line: yamlErrorLine(err), Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var f bankFile
	var ps Problems
	lines := map[string]int{}
	if len(root.Content) > 0 {
		collectLines(root.Content[0], "", lines)
		var known = []string{"replace", "questions"}
		if root.Content[0].Kind == yaml.MappingNode {
			for i := 0; i+1 < len(root.Content[0].Content); i += 2 {
				k := root.Content[0].Content[i]
				if !slices.Contains(known, k.Value) {
					ps = append(ps, Problem{File: name, Line: k.Line, Path: k.Value, Message: "unknown key (expected one of: replace, questions)"})
				}
			}
		}
		if err := root.Content[0].Decode(&f); err != nil {
			return false, nil, Problems{{File: name, Message: "must be a mapping: replace (true or false) and questions (interest id: list of {fr, en})"}}
		}
	}
	if len(f.Questions) == 0 {
		ps = append(ps, Problem{File: name, Path: "questions", Message: "must list questions by interest id"})
	}
	var out []Question
	ids := make([]string, 0, len(f.Questions))
	for id := range f.Questions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := "questions." + id
		if interests != nil && id != GeneralQuestions && !slices.Contains(interests, id) {
			ps = append(ps, Problem{File: name, Line: lines[p], Path: p,
				Message: fmt.Sprintf("unknown interest %q (interests: %s, or general)", id, strings.Join(interests, ", "))})
			continue
		}
		for i, a := range f.Questions[id] {
			qp := fmt.Sprintf("%s[%d]", p, i)
			for _, t := range []struct{ lang, text string }{{"fr", a.FR}, {"en", a.EN}} {
				tp := qp + "." + t.lang
				s := strings.TrimSpace(t.text)
				switch {
				case s == "":
					ps = append(ps, Problem{File: name, Line: lines[qp], Path: tp, Message: "is required"})
				case utf8.RuneCountInString(s) > maxQuestion:
					ps = append(ps, Problem{File: name, Line: lines[tp], Path: tp, Message: fmt.Sprintf("must be at most %d characters", maxQuestion)})
				case !strings.HasSuffix(s, "?"):
					ps = append(ps, Problem{File: name, Line: lines[tp], Path: tp, Message: "must be a question, ending with « ? »"})
				}
			}
			out = append(out, Question{Interest: id, FR: strings.TrimSpace(a.FR), EN: strings.TrimSpace(a.EN)})
		}
	}
	if len(ps) > 0 {
		return false, nil, ps
	}
	return f.Replace, out, nil
}

// collectLines records the line of every value under n by dotted path.
func collectLines(n *yaml.Node, path string, lines map[string]int) {
	lines[path] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			collectLines(n.Content[i+1], p, lines)
			lines[p] = n.Content[i].Line
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			collectLines(c, fmt.Sprintf("%s[%d]", path, i), lines)
		}
	}
}
