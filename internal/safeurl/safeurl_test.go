package safeurl

import (
	"strings"
	"testing"
)

func TestShowHidesSecrets(t *testing.T) {
	const pw = "s3cr3t-PW"
	tests := []struct{ in, want string }{
		{"https://chat.example.fr", `"https://chat.example.fr"`},
		{"https://chat.example.fr/mm/", `"https://chat.example.fr/mm/"`},
		{"https://bot:" + pw + "@chat.example.fr", `"https://xxxxx@chat.example.fr"`},
		{"https://chat.example.fr/?token=" + pw, `"https://chat.example.fr/"`},
		{"https://chat.example.fr/#" + pw, `"https://chat.example.fr/"`},
		{"chat.example.fr", `"chat.example.fr"`},
		{"xoxb1234tokenwithoutdots", Unparsable},
		{"https//:" + pw + "@chat.example.fr", Unparsable},
		{"https:/:" + pw + "@chat.example.fr", Unparsable},
		{pw, Unparsable},
		{"chat.example.fr:" + pw, Unparsable},
		{"", Unparsable},
	}
	for _, tt := range tests {
		got := Show(tt.in)
		if got != tt.want || strings.Contains(got, pw) {
			t.Errorf("Show(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
