package mattermost

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRenderNeutralisesAndConverts(t *testing.T) {
	j := wordJoiner
	tests := []struct{ in, want string }{
		{"@channel @all @here", "@" + j + "channel @" + j + "all @" + j + "here"},
		{"Bonjour @alice, (@bruno)", "Bonjour @" + j + "alice, (@" + j + "bruno)"},
		{"écrivez à dpo@ville.fr", "écrivez à dpo@ville.fr"},
		{"[cliquez ici](https://evil.example)", `\[cliquez ici\](https://evil.example)`},
		{"![img](x) <https://x.example>", `!\[img\](x) \<https://x.example>`},
		{"*Saint-Pierre-du-Perray* compte 10 000 habitants", "**Saint-Pierre-du-Perray** compte 10 000 habitants"},
		{"« *gras* » et _italique_ et `code`", "« **gras** » et _italique_ et `code`"},
		{"- un\n- *deux*", "- un\n- **deux**"},
		{"3 * 4 * 5", "3 * 4 * 5"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := render(tt.in); got != tt.want {
			t.Errorf("render(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitIsRuneSafeAndLossless(t *testing.T) {
	para := strings.Repeat("Élément é ", 300) // 3,000 runes, two bytes for some
	long := strings.Repeat(para+"\n\n", 12)
	noSpace := strings.Repeat("é", 40000)
	for name, text := range map[string]string{"paragraphs": long, "one word": noSpace, "short": "Bonjour"} {
		parts := split(text, maxPostRunes)
		var joined int
		for i, p := range parts {
			if !utf8.ValidString(p) {
				t.Fatalf("%s: part %d is not valid UTF-8", name, i)
			}
			if n := utf8.RuneCountInString(p); n > maxPostRunes || n == 0 {
				t.Fatalf("%s: part %d has %d runes", name, i, n)
			}
			joined += utf8.RuneCountInString(strings.ReplaceAll(strings.ReplaceAll(p, "\n", ""), " ", ""))
		}
		want := utf8.RuneCountInString(strings.ReplaceAll(strings.ReplaceAll(text, "\n", ""), " ", ""))
		if joined != want {
			t.Errorf("%s: %d visible runes after split, want %d", name, joined, want)
		}
	}
	if got := len(split(noSpace, maxPostRunes)); got != 3 {
		t.Errorf("40,000 runes in %d posts, want 3", got)
	}
	parts := split(long, maxPostRunes)
	if !strings.HasSuffix(parts[0], "é") || !strings.HasPrefix(parts[1], "Élément") {
		t.Errorf("the split is not at a paragraph: …%q | %q…", parts[0][len(parts[0])-12:], parts[1][:12])
	}
}

func BenchmarkRenderAndSplit(b *testing.B) {
	text := strings.Repeat("Bonjour @alice, voici *la synthèse* de [l'atelier](x).\n", 400)
	b.ReportAllocs()
	for b.Loop() {
		_ = split(render(text), maxPostRunes)
	}
}
