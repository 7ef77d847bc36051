package content

import (
	"io/fs"
	"os"
	"testing"
)

// FuzzParse: any bytes give an event or problems, never a panic.
func FuzzParse(f *testing.F) {
	demo, err := fs.ReadFile(Demo(), "territorialis-2024.yaml")
	if err != nil {
		f.Fatal(err)
	}
	broken, err := os.ReadFile("testdata/broken.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{string(demo), string(broken), "", "id: a\n", "sessions: [~]\n",
		"id: a\nname: N\nstart: 2024-10-03\nsessions:\n  - &s {id: s, title: T, kind: atelier}\n  - *s\n",
		"id: a\nname: N\nstart: 2024-10-03\nsessions:\n  - {id: s, title: T, kind: atelier, speakers: [~], highlights: [~]}\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, "f.yaml", []string{"ia", "management"})
		if (e == nil) == (err == nil) {
			t.Fatalf("Parse returned event %v and error %v", e, err)
		}
	})
}
