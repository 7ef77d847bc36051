package features_test

import (
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/features"
)

func testRouter(t *testing.T) *core.Router {
	return core.NewRouter(allCommands(t))
}

// allCommands are the commands of the core with every feature.
func allCommands(t *testing.T) []*core.Command {
	t.Helper()
	reg, err := core.Describe(features.All())
	if err != nil {
		t.Fatal(err)
	}
	return reg.Commands()
}

func TestRouterMatch(t *testing.T) {
	r := testRouter(t)
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
		c, args, ok := r.Match(tt.in)
		if !ok {
			t.Errorf("match(%q): no command, want %s", tt.in, tt.wantID)
			continue
		}
		if c.ID != tt.wantID || args != tt.wantArgs {
			t.Errorf("match(%q) = %s, %q; want %s, %q", tt.in, c.ID, args, tt.wantID, tt.wantArgs)
		}
	}
	for _, in := range []string{"", "aides", "profl", "langues", "xyz aide", "bonjours"} {
		if c, _, ok := r.Match(in); ok {
			t.Errorf("match(%q) = %s, want no command", in, c.ID)
		}
	}
}

func TestRouterSuggest(t *testing.T) {
	r := testRouter(t)
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
		got, ok := r.Suggest(tt.in, tt.role, tt.lang)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("suggest(%q, %s, %s) = %q, want %q", tt.in, tt.role, tt.lang, got, tt.want)
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
