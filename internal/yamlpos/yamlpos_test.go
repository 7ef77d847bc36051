package yamlpos

import "testing"

func TestLineOf(t *testing.T) {
	lines := map[string]int{"sessions": 3, "sessions[2]": 10, "sessions[2].topics": 12, "bot.name": 2}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"sessions[2].topics", 12},
		{"sessions[2].topics[0]", 12}, // the item is not recorded: its list is
		{"sessions[2].title", 10},     // left out: the enclosing item
		{"sessions[5].title", 3},
		{"bot.name", 2},
		{"bot.language", 0},
		{"", 0},
	} {
		if got := LineOf(lines, tc.path); got != tc.want {
			t.Errorf("LineOf(%q) = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	known := []string{"adapters", "terminal", "title", "topics"}
	for _, tc := range []struct{ key, want string }{
		{"adapter", "adapters"},
		{"Titel", "title"},
		{"topic", "topics"},
		{"speakers", ""},
		{"", ""},
	} {
		if got := Nearest(tc.key, known); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
	if got, want := DidYouMean("adapter", known), ` (did you mean "adapters"?)`; got != want {
		t.Errorf("DidYouMean = %q, want %q", got, want)
	}
	if got := DidYouMean("speakers", known); got != "" {
		t.Errorf("DidYouMean(far key) = %q, want empty", got)
	}
}
