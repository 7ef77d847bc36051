package textnorm

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  aide  ", "aide"},
		{"ai\x00de\x07", "aide"},
		{"a\u202Eb\u2066c\u200Bd\uFEFF", "abcd"},
		{"ligne 1\r\nligne 2", "ligne 1\nligne 2"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"e\u0301te\u0301", "été"}, // NFD to NFC
		{"\x1b[31mrouge", "[31mrouge"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in      string
		max     int
		want    string
		wantCut bool
	}{
		{"abc", 5, "abc", false},
		{"abc", 3, "abc", false},
		{"abcdef", 3, "abc", true},
		{"ééé", 2, "éé", true},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		got, cut := Truncate(tt.in, tt.max)
		if got != tt.want || cut != tt.wantCut {
			t.Errorf("Truncate(%q, %d) = %q, %v; want %q, %v", tt.in, tt.max, got, cut, tt.want, tt.wantCut)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AIDE", "aide"},
		{"  Aide ! ", "aide"},
		{"Mes Données", "mes donnees"},
		{"L'Haÿ-les-Roses", "l hay les roses"},
		{"cœur", "coeur"},
		{"À PROPOS", "a propos"},
		{"temps forts: IA", "temps forts ia"},
		{"...", ""},
		{"Élus’ 2024", "elus 2024"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"profil", "profil", 0},
		{"profl", "profil", 1},
		{"porfil", "profil", 1}, // transposition
		{"aide", "", 4},
		{"", "help", 4},
		{"langue", "language", 2},
		{"été", "ete", 2},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"aide", "\xff\u202e", strings.Repeat("é", 10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if Clean(c) != c {
			t.Errorf("Clean is not idempotent on %q", s)
		}
		for _, r := range c {
			if invisible(r) || (r < 0x20 && r != '\n' && r != '\t') {
				t.Errorf("Clean(%q) kept %U", s, r)
			}
		}
		_ = Fold(s)
	})
}

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		limit int
		d     int
		ok    bool
	}{
		{"essone", "essonne", 1, 1, true},
		{"saintpiereduperay", "saintpierreduperray", 2, 2, true},
		{"saintpiereduperay", "saintpierreduperray", 1, 0, false},
		{"abcd", "abdc", 1, 1, true}, // a transposition
		{"", "abc", 3, 3, true},
		{"", "abc", 2, 0, false},
		{"hay", "haÿ", 1, 1, true}, // runes, not bytes
		{"court", "beaucoup plus long", 3, 0, false},
	} {
		d, ok := Within(tt.a, tt.b, tt.limit)
		if d != tt.d || ok != tt.ok {
			t.Errorf("Within(%q, %q, %d) = %d, %v; want %d, %v", tt.a, tt.b, tt.limit, d, ok, tt.d, tt.ok)
		}
		if ok && Distance(tt.a, tt.b) != d {
			t.Errorf("Within and Distance disagree on %q, %q", tt.a, tt.b)
		}
	}
}

func TestInEmail(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"a@b.fr", true},
		{"écrire à jean.dupont@mairie-quimper.bzh demain", true},
		{"x+tag@sub.example.org", true},
		{"@channel", false},
		{"Bonjour@here", false},
		{"Bonjour@here.", false},
		{"a@b", false},
		{" @b.fr", false},
		{"(@all)", false},
		{"a@.fr", false},
	} {
		at := strings.IndexByte(tt.s, '@')
		if got := InEmail(tt.s, at); got != tt.want {
			t.Errorf("InEmail(%q, %d) = %v, want %v", tt.s, at, got, tt.want)
		}
	}
}

// TestFoldFastIsExact: the table path of Fold agrees with foldSlow on
// every rune of its range, alone and between letters, spaces and
// punctuation, and on random strings of those runes.
func TestFoldFastIsExact(t *testing.T) {
	for r := rune(0); r < latinEnd; r++ {
		for _, s := range []string{string(r), "a" + string(r) + "b", " " + string(r) + "-", string(r) + string(r) + "Z"} {
			got, ok := foldFast(s)
			if want := foldSlow(s); !ok || got != want {
				t.Fatalf("Fold(%q) = %q (fast path %v), foldSlow %q", s, got, ok, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		rs := make([]rune, 1+rng.IntN(12))
		for i := range rs {
			rs[i] = rune(rng.IntN(latinEnd))
		}
		s := string(rs)
		if got, want := Fold(s), foldSlow(s); got != want {
			t.Fatalf("Fold(%q) = %q, foldSlow %q", s, got, want)
		}
	}
	// outside the table: the slow path
	for _, s := range []string{"Ǻ\u0301x", "e\u0301", "ﬁn", "Ⅻ", "\xff"} {
		if got, want := Fold(s), foldSlow(s); got != want {
			t.Errorf("Fold(%q) = %q, foldSlow %q", s, got, want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	for b.Loop() {
		Fold("Directeur·rice général·e des services (DGS)")
	}
}
