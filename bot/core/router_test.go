package core

import (
	"testing"

	"github.com/sndgct/maillage/bot"
)

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
		if c.ID != tt.wantID || args != tt.wantArgs {
			t.Errorf("match(%q) = %s, %q; want %s, %q", tt.in, c.ID, args, tt.wantID, tt.wantArgs)
		}
	}
	for _, in := range []string{"", "aides", "profl", "langues", "xyz aide", "bonjours"} {
		if c, _, ok := r.match(in); ok {
			t.Errorf("match(%q) = %s, want no command", in, c.ID)
		}
	}
}

func TestRouterSuggest(t *testing.T) {
	r := testRouter()
	tests := []struct {
		in   string
		role bot.Role
		lang bot.Lang
		want string // "" = no suggestion
	}{
		{"profl", bot.RoleMember, bot.French, "profil"},
		{"porfil", bot.RoleMember, bot.French, "profil"},
		{"profle", bot.RoleMember, bot.English, "profile"},
		{"aied", bot.RoleMember, bot.French, "aide"},
		{"langeu", bot.RoleMember, bot.French, "langue"},
		{"statu", bot.RoleMember, bot.French, ""}, // admin only: not suggested to a member
		{"statu", bot.RoleAdmin, bot.French, "statut"},
		{"membre", bot.RoleOrganizer, bot.French, "membres"},
		{"membre", bot.RoleMember, bot.French, ""},
		{"quelle heure est-il", bot.RoleMember, bot.French, ""},
		{"zz", bot.RoleMember, bot.French, ""},
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
		want bot.Lang
		ok   bool
	}{
		{"fr", bot.French, true}, {"FR", bot.French, true}, {"fr-FR", bot.French, true}, {"en_GB", bot.English, true},
		{"en", bot.English, true}, {"de", "", false}, {"", "", false}, {"french", "", false}, {"e", "", false},
	}
	for _, tt := range tests {
		got, ok := bot.ParseLang(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLang(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
