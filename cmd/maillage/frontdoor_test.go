package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A collectivity column holding an INSEE code is that commune, although
// the code is also another commune's postal code; a postal code shared by
// several communes is refused with a reason that asks for what is missing.
func TestImportINSEECodesThatAreAlsoPostalCodes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "codes.csv")
	writeFile(t, file, "platform,workspace,user,email,name,collectivity,role,interests,language\n"+
		"terminal,,lille,,,59350,dgs,,\n"+ // Lille; postal code of Saint-André-lez-Lille
		"terminal,,aix,,,13001,dgs,,\n"+ // Aix-en-Provence; a postal code of Marseille
		"terminal,,sdenis,,,97411,dgs,,\n"+ // Saint-Denis (La Réunion)
		"terminal,,spierre,,,97502,dgs,,\n"+ // Saint-Pierre (Saint-Pierre-et-Miquelon): no SIREN
		"terminal,,spp,,,91280,dgs,,\n"+ // a postal code of one commune
		"terminal,,dinan,,,22100,dgs,,\n") // a postal code of 14 communes
	r := runMain(t, "", env(), "members", "import", "--dry-run", "--data-dir", dir, file)
	for _, want := range []string{
		"Lignes lues : 6 ; membres qui seraient créés : 5 ;",
		"- ligne 7 : le code postal 22100 est commun à 14 communes (Dinan, Lanvallay, Quévert, Trélivan…) ; donnez le code INSEE de la commune",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("report lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "ligne 2 ") || strings.Contains(r.out, "ligne 3 ") || strings.Contains(r.out, "ligne 4 ") {
		t.Errorf("an INSEE code was refused:\n%s", r.out)
	}
}

// onboardIn takes a newcomer from the first sentence to opted in.
const onboardIn = "je suis DGS de Saint-Pierre-du-Perray\n1\n1, 5\n1\n1\n"

// The front door, through the terminal adapter: each first message (or
// short exchange) a newcomer or a member might type, and what must and
// must not come back. The list is the one given in the closing note.
func TestFrontDoorPhrasings(t *testing.T) {
	greetFR, greetEN := "Bonjour ! Je suis Maillage :", "Hello! I am Maillage:"
	dgs := "Directeur·rice général·e des services (DGS)"
	for _, tt := range []struct {
		name, in string
		want     []string
		not      []string
	}{
		{"a sentence with a role and no collectivity", "Bonjour, je voudrais rencontrer des collègues DGS de ma région\nSaint-Pierre-du-Perray\n",
			[]string{greetFR, fr("members.coll.ask_role_known", "role", dgs),
				"Maillage › Votre collectivité est-elle bien Saint-Pierre-du-Perray (commune"}, // the role is not repeated
			[]string{"Je ne trouve aucune collectivité", "Vouliez-vous dire", "Je n'ai pas compris"}},
		{"a role and a région", "DGS de la région Bretagne\n",
			[]string{greetFR, "Votre collectivité est-elle bien Bretagne (région, "}, []string{"Je n'ai pas compris"}},
		{"how does it work, first", "Comment ça marche ?\n",
			[]string{greetFR, fr("members.coll.ask")}, []string{"Je n'ai pas compris", "Je ne trouve aucune"}},
		{"thanks, first", "merci\n", []string{greetFR, fr("members.coll.ask")}, []string{"Je n'ai pas compris"}},
		{"goodbye, first", "au revoir\n", []string{greetFR, fr("members.coll.ask")}, []string{"Je n'ai pas compris"}},
		{"who are you, first, in English", "Who are you?\n", []string{greetEN, en("members.coll.ask")}, []string{"Bonjour"}},
		{"English first message", "Hello, I am the DGS of Vannes\n",
			[]string{greetEN, "Is your local authority Vannes (commune, Morbihan (56), Bretagne, 55,790 inhabitants)?"},
			[]string{"Bonjour", "Votre collectivité"}},
		{"English stays English", "Hello\nI am the DGS of Vannes\n1\n",
			[]string{greetEN, en("members.coll.ask"), "Is your local authority Vannes", en("members.interests.ask")},
			[]string{"Votre collectivité", "Quelle est"}},
		{"Ville de X is the commune", "je suis DGS de la Ville de Lyon\n",
			[]string{"Votre collectivité est-elle bien Lyon (commune, Rhône (69)"}, []string{"Métropole"}},
		{"Mairie de X is the commune", "Mairie de Lyon\n",
			[]string{"Votre collectivité est-elle bien Lyon (commune, Rhône (69)"}, []string{"Métropole"}},
		{"code postal", "je suis DGS, code postal 91280\n",
			[]string{"Votre collectivité est-elle bien Saint-Pierre-du-Perray (commune, Essonne (91)"}, nil},
		{"CP", "CP 91280\n", []string{"Votre collectivité est-elle bien Saint-Pierre-du-Perray"}, nil},
		{"a postal code of 14 communes, paged", "22100\n9\n",
			[]string{"14 collectivités répondent à votre recherche ; voici les numéros 1 à 8", "9. Voir les 6 suivantes",
				"voici les numéros 9 à 14", "6. Trévron – Côtes-d'Armor", "7. Revenir aux premières"}, nil},
		{"an INSEE code that is also a postal code", "59350\n",
			[]string{"1. Lille – Nord", "2. Saint-André-lez-Lille – Nord"}, nil},
		{"an INSEE code announced", "code INSEE 59350\n",
			[]string{"Votre collectivité est-elle bien Lille (commune, Nord (59)"}, []string{"Saint-André"}},
		{"a commune without a SIREN, by its INSEE code", "je suis DGS de 97502\n",
			[]string{"Votre collectivité est-elle bien Saint-Pierre (commune, Saint-Pierre-et-Miquelon (975)"}, nil},
		{"small talk during the onboarding", "Bonjour\nmerci\nau revoir\n",
			[]string{greetFR, fr("members.talk.thanks") + "\n", fr("members.talk.bye")}, []string{"Je ne trouve aucune"}},
		{"« oui merci » answers the confirmation", "je suis DGS de Saint-Pierre-du-Perray\noui merci\n",
			[]string{fr("members.interests.ask")}, []string{fr("members.talk.thanks")}},
		{"a mistyped command from a newcomer", "profl\n",
			[]string{fr("error.unknown_suggest", "input", "profl", "suggestion", "profil"), "1. profil"}, []string{greetFR}},
		{"small talk of a member", onboardIn + "bonjour\nmerci\nau revoir\ncomment ça marche ?\nqui êtes-vous ?\nthank you\n",
			[]string{fr("talk.hello"), fr("talk.thanks"), fr("talk.bye"), fr("talk.how", "bot", "Maillage"),
				"l'assistant du réseau des directeurs généraux"}, []string{"Je n'ai pas compris"}},
		{"unknown input offers the likely commands", onboardIn + "je voudrais voir mon profil\n1\n",
			[]string{fr("error.unknown", "input", "je voudrais voir mon profil"), "  1. profil\n  2. aide\n",
				"- Fuseau horaire : heure de Paris (Europe/Paris)"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, tt.in, env(), "--data-dir", t.TempDir())
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("stdout lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(r.out, w) {
					t.Errorf("stdout holds %q", w)
				}
			}
			if t.Failed() {
				t.Logf("stdout:\n%s", r.out)
			}
		})
	}
}

// « modifier fuseau » through the terminal: names people use, an unknown
// zone explained in French, and the profile that shows the zone.
func TestChangeTimeZoneInTheTerminal(t *testing.T) {
	r := runMain(t, onboardIn+"modifier fuseau\nMars\nLa Réunion\nprofil\nmodifier fuseau Guadeloupe\nmodifier fuseau europe/paris\n"+
		"modifier fuseau automatique\nmodifier\n6\n974\n", env(), "--data-dir", t.TempDir())
	for _, w := range []string{
		fr("members.zone.unknown", "input", "Mars"),
		"C'est enregistré. Votre fuseau horaire : heure de La Réunion (Indian/Reunion), selon votre profil ou votre choix ;",
		"- Fuseau horaire : heure de La Réunion (Indian/Reunion)",
		"Votre fuseau horaire : heure de la Guadeloupe (America/Guadeloupe)",
		"Votre fuseau horaire : heure de Paris (Europe/Paris), selon votre profil ou votre choix",
		"Votre fuseau horaire : heure de Paris (Europe/Paris), fuseau par défaut du réseau",
		"6. Fuseau horaire",
	} {
		if !strings.Contains(r.out, w) {
			t.Errorf("stdout lacks %q", w)
		}
	}
	if n := strings.Count(r.out, "Votre fuseau horaire : heure de La Réunion"); n != 2 {
		t.Errorf("« La Réunion » and « 974 » should both give La Réunion: %d times", n)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}
}
