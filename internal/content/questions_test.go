package content

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

var testInterests = []string{"ia", "management", "management_distance", "transition_ecologique", "finances", "rh",
	"numerique", "qvt", "deconnexion", "intercommunalite", "commande_publique", "relation_elus"}

func TestBuiltinBank(t *testing.T) {
	_, qs, err := ParseQuestions(builtinBank, "questions.yaml", append([]string{}, testInterests...))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 60 {
		t.Errorf("%d questions, want at least 60", len(qs))
	}
	per := map[string]int{}
	seen := map[string]bool{}
	for _, q := range qs {
		per[q.Interest]++
		if seen[q.Key()] {
			t.Errorf("duplicate question %q", q.FR)
		}
		seen[q.Key()] = true
	}
	for _, id := range append(testInterests, GeneralQuestions) {
		if per[id] < 3 {
			t.Errorf("interest %s: %d questions", id, per[id])
		}
	}
}

func TestQuestionFiles(t *testing.T) {
	demo, err := fstestFrom(Demo())
	if err != nil {
		t.Fatal(err)
	}
	builtin := len(BuiltinQuestions())
	for _, tt := range []struct {
		name, data string
		want       int
		problem    string
	}{
		{"added", "questions:\n  ia:\n    - fr: \"Quel outil ?\"\n      en: \"Which tool?\"\n", builtin + 1, ""},
		{"replaced", "replace: true\nquestions:\n  general:\n    - fr: \"Comment allez-vous ?\"\n      en: \"How are you?\"\n", 1, ""},
		{"unknown interest", "questions:\n  cuisine:\n    - fr: \"Quoi ?\"\n      en: \"What?\"\n", 0, "questions.yaml:2: questions.cuisine: unknown interest"},
		{"not a question", "questions:\n  ia:\n    - fr: \"Une affirmation.\"\n      en: \"What?\"\n", 0, "questions.ia[0].fr: must be a question"},
		{"missing English", "questions:\n  ia:\n    - fr: \"Quoi ?\"\n", 0, "questions.ia[0].en: is required"},
		{"unknown key", "question:\n  ia: []\n", 0, "question: unknown key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range demo {
				fsys[k] = v
			}
			fsys["questions.yaml"] = &fstest.MapFile{Data: []byte(tt.data)}
			set, err := LoadDir(fsys, testInterests)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("error %v, want %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Questions) != tt.want {
				t.Errorf("%d questions, want %d", len(set.Questions), tt.want)
			}
		})
	}
}

// fstestFrom copies the files of fsys's root into a MapFS.
func fstestFrom(fsys fs.FS) (fstest.MapFS, error) {
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out[e.Name()] = &fstest.MapFile{Data: data}
	}
	return out, nil
}
