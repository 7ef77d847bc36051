package markup

import "testing"

func TestPlainAndStyled(t *testing.T) {
	tests := []struct{ in, plain, styled string }{
		{"*Votre profil*", "Votre profil", "\x1b[1mVotre profil\x1b[22m"},
		{"_Contenu rédigé par le SNDGCT._", "Contenu rédigé par le SNDGCT.", "\x1b[3mContenu rédigé par le SNDGCT.\x1b[23m"},
		{"Tapez `aide` ou « *profil* ».", "Tapez aide ou « profil ».", "Tapez aide ou « \x1b[1mprofil\x1b[22m »."},
		{"- *anne* (Vannes) : _DGS_", "- anne (Vannes) : DGS", "- \x1b[1manne\x1b[22m (Vannes) : \x1b[3mDGS\x1b[23m"},
		{"3 * 4 = 12, member_roles, a_b_c", "3 * 4 = 12, member_roles, a_b_c", "3 * 4 = 12, member_roles, a_b_c"},
		{"*gras\nsur deux lignes*", "*gras\nsur deux lignes*", "*gras\nsur deux lignes*"},
		{"**", "**", "**"},
		{"sans marque", "sans marque", "sans marque"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.plain {
			t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.plain)
		}
		if got := Styled(tt.in); got != tt.styled {
			t.Errorf("Styled(%q) = %q, want %q", tt.in, got, tt.styled)
		}
	}
}

func BenchmarkPlain(b *testing.B) {
	s := "*Votre profil*\n- Rôle : _DGS_\n- Collectivité : *Vannes*\nTapez `modifier` pour changer."
	for b.Loop() {
		Plain(s)
	}
}
