package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The newcomer's journey of the README, through the terminal adapter:
// hello, "je suis DGS de Saint-Pierre-du-Perray", the onboarding, the
// profile and the export; then, after a restart, the erasure, after which
// the store's file holds neither the member's id nor their name.
const (
	journeyUser = "gwen-kervadec-7731"
	journeyIn   = "Bonjour\nje suis DGS de Saint-Pierre-du-Perray\n1\n1, 5\n1\n1\nprofil\n" +
		"rappelle-moi le 12 décembre à 14h30 : CODIR\nmes données\n"
	eraseIn = "supprimer mes données\n1\nprofil\n"
)

func checkJourney(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{
		"Bonjour ! Je suis Maillage",
		"SNDGCT",
		"Votre collectivité est-elle bien Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants) ?",
		fr("members.prefs.ask"),
		"- Centres d'intérêt : Intelligence artificielle, Finances locales",
		fr("members.optin.done"),
		"- Collectivité : Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants)",
		"- Mises en relation : actives depuis le",
		fr("members.data.intro"),
		`"code": "91573"`,
		`"user": "` + journeyUser + `"`,
		`"opted_in": "`,
		`"text": "CODIR"`, // the reminder is part of the export
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}
}

func checkErased(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{fr("members.erase.ask"), fr("members.erase.done"), fr("profile.nothing_stored")} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.out)
		}
	}
}

func TestNewcomerJourneyThenErasureLeavesNoTraceInTheFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "m.yaml")
	writeFile(t, cfg, "chat:\n  terminal:\n    user: "+journeyUser+"\n")
	checkJourney(t, runMain(t, journeyIn, env(), "--config", cfg, "--data-dir", dir))
	file := filepath.Join(dir, "maillage.db")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(journeyUser)) {
		t.Fatal("the member's id is not in the store file before erasure: the check below would prove nothing")
	}
	checkErased(t, runMain(t, eraseIn, env(), "--config", cfg, "--data-dir", dir))
	if data, err = os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(journeyUser)) {
		t.Errorf("the store file still holds the erased member's id (which is also their terminal name)")
	}
}

func TestErasureOnRedisLeavesNoKeyOrValue(t *testing.T) {
	onRedis(t, "chat:\n  terminal:\n    user: "+journeyUser+"\n", func(t *testing.T, url, prefix, cfg string, e func(string) string) {
		checkJourney(t, runMain(t, journeyIn, e, "--config", cfg))
		if dump := dumpRedis(t, url, prefix); !strings.Contains(dump, journeyUser) {
			t.Fatalf("the member's id is not in Redis before erasure: the check below would prove nothing\n%s", dump)
		}
		checkErased(t, runMain(t, eraseIn, e, "--config", cfg))
		if dump := dumpRedis(t, url, prefix); strings.Contains(dump, journeyUser) {
			t.Errorf("Redis still holds the erased member's id:\n%s", dump)
		}
	})
}

// dumpRedis returns every key under prefix and its value, whatever its type.
func dumpRedis(t *testing.T, url, prefix string) string {
	t.Helper()
	rdb := redisClient(t, url)
	if rdb == nil {
		t.FailNow()
	}
	defer rdb.Close()
	ctx := context.Background()
	var b strings.Builder
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		b.WriteString(k + " = ")
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			b.WriteString(rdb.Get(ctx, k).Val())
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				b.WriteString(f + ": " + v + "; ")
			}
		case "set":
			b.WriteString(strings.Join(rdb.SMembers(ctx, k).Val(), ", "))
		case "zset":
			b.WriteString(strings.Join(rdb.ZRange(ctx, k, 0, -1).Val(), ", "))
		case "list":
			b.WriteString(strings.Join(rdb.LRange(ctx, k, 0, -1).Val(), ", "))
		default:
			t.Errorf("key %s has type %s, which this dump does not read", k, typ)
		}
		b.WriteString("\n")
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// alwaysOpen is a configuration whose working hours never hold a message,
// so that invitations show at once whatever the time of the test.
func alwaysOpen(t *testing.T) string {
	cfg := filepath.Join(t.TempDir(), "open.yaml")
	writeFile(t, cfg, "working_hours:\n  days: [lundi, mardi, mercredi, jeudi, vendredi, samedi, dimanche]\n  start: \"00:00\"\n  end: \"24:00\"\n")
	return cfg
}

func TestMembersImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join("testdata", "members.csv")
	r := runMain(t, "", env(), "members", "import", "--dry-run", "--data-dir", dir, file)
	if r.code != exitFailure || !strings.Contains(r.out, "Essai, rien n'a été enregistré. Lignes lues : 15 ; membres qui seraient créés : 4 ;") {
		t.Fatalf("dry run: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	r = runMain(t, "", env(), "members", "import", "--data-dir", dir, file)
	if r.code != exitFailure {
		t.Fatalf("import with rejected lines: exit %d, want %d\n%s", r.code, exitFailure, r.errOut)
	}
	for _, want := range []string{
		"Lignes lues : 15 ; membres créés : 4 ; mis à jour : 0 ; inchangés : 0 ; lignes refusées : 11.",
		"- ligne 6 : plateforme « fax » inconnue",
		"- ligne 7 : collectivité « Atlantide-sur-Mer » introuvable",
		"- ligne 8 : « Sainte-Marie » désigne 9 collectivités",
		"- ligne 9 : fonction « maire » inconnue",
		"- ligne 10 : centre d'intérêt « jardinage » inconnu",
		"- ligne 11 : adresse électronique « pas-une-adresse » invalide",
		"- ligne 12 : il faut un identifiant ou une adresse électronique",
		"- ligne 13 : même membre qu'à la ligne 2",
		"- ligne 14 : langue « de » inconnue",
		"- ligne 15 : espace de travail manquant : il est obligatoire pour slack",
		"- ligne 16 : ligne CSV mal formée",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("report lacks %q:\n%s", want, r.out)
		}
	}
	r = runMain(t, "", env(), "members", "import", "--lang", "en", "--data-dir", dir, file)
	if !strings.Contains(r.out, "Lines read: 15; members created: 0; updated: 0; unchanged: 4; lines rejected: 11.") {
		t.Errorf("a second import changed something:\n%s", r.out)
	}
	// The imported members are known but not onboarded: Claire confirms
	// what the organizer typed. (The bot also invites them at start, in the
	// background: TestOrganizerImportsFromTheTerminal checks invitations.)
	r = runMain(t, "/as claire\nbonjour\n", env(), "--data-dir", dir, "--config", alwaysOpen(t))
	for _, want := range []string{"Votre collectivité est-elle bien Saint-Pierre-du-Perray (commune, Essonne (91)"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.out)
		}
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"members", "import", "--help"}, exitOK, "Usage: maillage members import"},
		{[]string{"members"}, exitUsage, "want `maillage members import FILE.csv`"},
		{[]string{"members", "export"}, exitUsage, "unknown members command"},
		{[]string{"members", "import", "--data-dir", dir, "missing.csv"}, exitUsage, "missing.csv"},
		{[]string{"members", "import", "--data-dir", dir, filepath.Join("testdata", "bad-header.csv")}, exitUsage, fr("csv.file.unknown_column", "column", "telephone", "known", fr("members.import.columns"))},
		{[]string{"members", "import", "--lang", "de", "--data-dir", dir, file}, exitUsage, "--lang must be fr or en"},
	} {
		r := runMain(t, "", env(), tt.args...)
		if r.code != tt.code || !strings.Contains(r.out+r.errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tt.args, r.code, tt.code, tt.want, r.out, r.errOut)
		}
	}
}

func TestOrganizerImportsFromTheTerminal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join("testdata", "members.csv")
	r := runMain(t, "importer "+file+"\n/as orga\nimporter essai "+file+"\nimporter "+file+"\n", env(), "--data-dir", dir,
		"--config", alwaysOpen(t))
	for _, want := range []string{
		fr("error.forbidden.organizer"),
		"Essai, rien n'a été enregistré.",
		"membres créés : 4 ;",
		fr("members.import.invited", "count", "2"), // the terminal can reach claire and marc, not the Slack lines
		"Bonjour Marc Leroy, les organisateurs",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}
}

func TestImportWorkspaces(t *testing.T) {
	cfg, err := loadConfig("", "", env("MAILLAGE_MATTERMOST_URL", "https://discussion.example.fr/equipe/", "MAILLAGE_MATTERMOST_TOKEN", "x",
		"MAILLAGE_HTTP_LISTEN", ":8080", "MAILLAGE_PUBLIC_URL", "https://maillage.example.fr"))
	if err != nil {
		t.Fatal(err)
	}
	ws := importWorkspaces(cfg)
	if ws["terminal"] != "local" || ws["mattermost"] != "discussion.example.fr/equipe" || ws["slack"] != "" {
		t.Errorf("import workspaces %v", ws)
	}
}
