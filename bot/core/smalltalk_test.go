package core

import (
	"testing"

	"github.com/sndgct/maillage/bot"
)

func TestSmallTalk(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"merci", TalkThanks}, {"Merci beaucoup !", TalkThanks}, {"ok merci", TalkThanks}, {"Thank you", TalkThanks},
		{"au revoir", TalkBye}, {"Bonne journée !", TalkBye}, {"Goodbye", TalkBye},
		{"Comment ça marche ?", TalkHow}, {"bonjour, comment ça marche ?", TalkHow}, {"How does it work?", TalkHow},
		{"Qui êtes-vous ?", TalkWho}, {"who are you", TalkWho},
		{"Bonjour", TalkHello}, {"hello", TalkHello},
		{"bonjour, je suis DGS de Lyon", ""}, {"merci de me présenter à Lyon", ""}, {"profil", ""}, {"", ""},
	} {
		got, ok := SmallTalk(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("SmallTalk(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestGuessLang(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bot.Lang
	}{
		{"Hello, I am the DGS of Vannes", bot.English},
		{"I am the DGS of Saint-Pierre-du-Perray", bot.English},
		{"hi", bot.English},
		{"How does it work?", bot.English},
		{"Bonjour, je voudrais rencontrer des collègues DGS de ma région", bot.French},
		{"je suis DGS de la Ville de Lyon", bot.French},
		{"Comment ça marche ?", bot.French},
		{"DGS", ""}, {"22100", ""}, {"Vannes", ""},
	} {
		got, ok := GuessLang(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("GuessLang(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestLikelyCommands(t *testing.T) {
	cmds := []*Command{
		{ID: "help", Names: map[bot.Lang][]string{bot.French: {"aide"}, bot.English: {"help"}}},
		{ID: "profile", Names: map[bot.Lang][]string{bot.French: {"profil", "mon profil"}, bot.English: {"profile"}}},
		{ID: "pause", Names: map[bot.Lang][]string{bot.French: {"pause"}, bot.English: {"pause"}}},
		{ID: "remind", Names: map[bot.Lang][]string{bot.French: {"rappelle-moi"}, bot.English: {"remind me"}}},
		{ID: "status", Role: bot.RoleAdmin, Names: map[bot.Lang][]string{bot.French: {"statut"}, bot.English: {"status"}}},
	}
	r := NewRouter(cmds)
	ids := func(cs []*Command) string {
		s := ""
		for _, c := range cs {
			s += c.ID + " "
		}
		return s
	}
	for _, tt := range []struct{ in, want string }{
		{"profl", "profile help "},
		{"je voudrais voir mon profil", "profile help "},
		{"une pause svp", "pause help "},
		{"mettre en pause et voir mon profil", "profile pause help "},
		{"quelle belle journée", "help "},
		{"statu", "help "}, // an admin command is never offered to a member
	} {
		if got := ids(r.Likely(tt.in, bot.RoleMember, bot.French, 3)); got != tt.want {
			t.Errorf("Likely(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
