package bot

import "testing"

func testRouter() *router {
	b := &Bot{}
	return newRouter(b.commands())
}

func TestRouterMatch(t *testing.T) {
	r := testRouter()
	tests := []struct {
		in, wantID, wantArgs string
	}{
		{"aide", "help", ""},
		{"Aide", "help", ""},
		{"AIDE", "help", ""},
		{"  aide !", "help", ""},
		{"help", "help", ""},
		{"?", "help", ""},
		{"aide langue", "help", "langue"},
		{"Aide « profil »", "help", "« profil »"},
		{"profil", "profile", ""},
		{"profile", "profile", ""},
		{"Mon profil", "profile", ""},
		{"langue English", "lang", "English"},
		{"LANGUE : anglais", "lang", "anglais"},
		{"état", "status", ""},
		{"ETAT", "status", ""},
		{"statut", "status", ""},
		{"Annuler.", "cancel", ""},
		{"bonjour Maillage", "hello", "Maillage"},
	}
	for _, tt := range tests {
		c, args, ok := r.match(tt.in)
		if !ok {
			t.Errorf("match(%q): no command, want %s", tt.in, tt.wantID)
			continue
		}
		if c.id != tt.wantID || args != tt.wantArgs {
			t.Errorf("match(%q) = %s, %q; want %s, %q", tt.in, c.id, args, tt.wantID, tt.wantArgs)
		}
	}
	for _, in := range []string{"", "aides", "profl", "langues", "xyz aide", "bonjours"} {
		if c, _, ok := r.match(in); ok {
			t.Errorf("match(%q) = %s, want no command", in, c.id)
		}
	}
}

func TestRouterSuggest(t *testing.T) {
	r := testRouter()
	tests := []struct {
		in   string
		role Role
		lang Lang
		want string // "" = no suggestion
	}{
		{"profl", RoleMember, French, "profil"},
		{"porfil", RoleMember, French, "profil"},
		{"profle", RoleMember, English, "profile"},
		{"aied", RoleMember, French, "aide"},
		{"langeu", RoleMember, French, "langue"},
		{"statu", RoleMember, French, ""}, // admin only: not suggested to a member
		{"statu", RoleAdmin, French, "statut"},
		{"membre", RoleOrganizer, French, "membres"},
		{"membre", RoleMember, French, ""},
		{"quelle heure est-il", RoleMember, French, ""},
		{"zz", RoleMember, French, ""},
	}
	for _, tt := range tests {
		got, ok := r.suggest(tt.in, tt.role, tt.lang)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("suggest(%q, %s, %s) = %q, want %q", tt.in, tt.role, tt.lang, got, tt.want)
		}
	}
}

func TestAfterWords(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"aide langue", 1, "langue"},
		{"mes données: tout", 2, "tout"},
		{"l'aide  x", 2, "x"},
		{"aide", 1, ""},
		{"aide ", 1, ""},
		{"langue « anglais »", 1, "« anglais »"},
	}
	for _, tt := range tests {
		if got := afterWords(tt.in, tt.n); got != tt.want {
			t.Errorf("afterWords(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"fr", French, true}, {"FR", French, true}, {"fr-FR", French, true}, {"en_GB", English, true},
		{"en", English, true}, {"de", "", false}, {"", "", false}, {"french", "", false}, {"e", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseLang(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLang(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
