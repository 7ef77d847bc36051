package placeholder

import "testing"

func TestCheck(t *testing.T) {
	tests := []struct {
		text, bad string
		brace     bool
	}{
		{"Bonjour {prenom}, {collectivite} est inscrite.", "", false},
		{"Bonjour {Prénom} de {Collectivité}, {firstname}", "", false},
		{"Bonjour {nom},", "{nom}", false},
		{"Bonjour {prenom", "{", true},
		{"Bonjour prenom}", "}", true},
		{"Sans rien", "", false},
	}
	for _, tt := range tests {
		bad, brace := Check(tt.text)
		if bad != tt.bad || brace != tt.brace {
			t.Errorf("Check(%q) = %q, %v; want %q, %v", tt.text, bad, brace, tt.bad, tt.brace)
		}
	}
}
