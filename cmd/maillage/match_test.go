package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/config"
	"github.com/sndgct/maillage/internal/matching"
)

func onboard(user, sentence, interests string) string {
	return "/as " + user + "\nBonjour\n" + sentence + "\n1\n" + interests + "\n1\n1\n"
}

// Three members onboard in the terminal, an administrator runs a round
// (preview, then confirm): the trio is introduced in a group conversation
// with the answer buttons; a member answers there, the administrator
// sends the follow-up, another member answers it, and the organizer sees
// the figures.
func TestRoundThroughTheTerminal(t *testing.T) {
	cfg := alwaysOpen(t) // members_test.go: the test does not depend on the hour
	input := onboard("alice", "je suis DGS de Saint-Pierre-du-Perray", "1, 5") +
		onboard("bob", "je suis DGS de Morangis", "1, 4") +
		onboard("carol", "je suis DGA de Orsay", "1, 5") +
		"/as alice\ntour maintenant\n" + // refused: not an admin
		"/as admin\ntour à blanc\ntour maintenant\n1\n" +
		"/as alice\n1\n" + // « Nous avons échangé », in the group
		"/as bob\n3\n2\n" + // in the group too: « Ne plus me proposer l'une… », then carol
		"/as admin\nrelance maintenant\n" +
		"/as carol\n2\n" + // the follow-up: « Pas ce tour-ci »
		"/as orga\nbilan des mises en relation\n"
	r := runMain(t, input, env(), "--config", cfg, "--data-dir", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{
		fr("error.forbidden.admin"),
		"Membres retenus : 3",
		fr("match.now.confirm"),
		"[Groupe\u00a0: alice, bob, carol]",
		fr("match.intro.header_trio"),
		"- alice, Directeur général ou directrice générale des services (DGS) — Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France, 11\u202f993 habitants)",
		"Centres d'intérêt communs : Intelligence artificielle.",
		"Pourquoi vous : trois communes de 12\u202f000, 14\u202f100 et 16\u202f500 habitants, le même département (Essonne).",
		"Pour engager la conversation : séance « ",
		"  1. Nous avons échangé\n  2. Pas ce tour-ci\n  3. Ne plus me proposer l'une de ces personnes…\n",
		fr("match.now.done", "groups", "1", "satout", "0"),
		fr("match.answer.met", "names", "bob, carol"),
		fr("match.answer.which") + "\n  1. Ne plus me proposer alice\n  2. Ne plus me proposer carol\n",
		fr("match.answer.not_again", "names", "carol"),
		"je vous ai proposé d'échanger avec alice, bob. Avez-vous pu le faire ?\n  1. Nous avons échangé\n  2. Pas ce tour-ci\n  3. Ne plus me proposer alice\n  4. Ne plus me proposer bob\n",
		fr("match.answer.not_now"),
		"1 mise(s) en relation (3 membres), 3 réponse(s), 1 membre(s) ayant confirmé un échange (33,3\u00a0% des membres présentés), 1 « pas ce tour-ci », 1 « ne plus me proposer »",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	// The follow-up reaches only carol, who had not answered; nobody
	// was offered a button naming themselves.
	for _, who := range []string{"alice", "bob"} {
		if strings.Contains(r.out, "→ À "+who+"\u00a0:\nMaillage › Le ") {
			t.Errorf("%s, who had answered, got the follow-up", who)
		}
	}
	if strings.Contains(r.out, "Je n'ai pas compris") {
		t.Error("an answer to the introduction was not understood")
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}
}

const membersCSV = `platform,user,name,collectivity,role,interests,language
terminal,alice,Alice Martin,91573,dgs,ia;finances,fr
terminal,bob,Bob Durand,Palaiseau,dgs,ia;rh,fr
terminal,carol,Carole Petit,91228,dga,finances,fr
terminal,dan,Daniel Roux,Rennes,dgs,rh,en
`

func TestMatchDryRunFromCSV(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "membres.csv")
	writeFile(t, csv, membersCSV)
	data := t.TempDir()
	r := runMain(t, "", env("MAILLAGE_DATA_DIR", data), "match", "--dry-run", "--members", csv)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{"Membres retenus : 4", "Mises en relation : 2", "Groupe 1 — ", "#0 Alice Martin (Saint-Pierre-du-Perray)",
		"taille ", "intérêts ", "appariement glouton"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.out)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "maillage.db")); err == nil {
		t.Error("a dry run from a CSV file created the store")
	}

	r = runMain(t, "", env("MAILLAGE_DATA_DIR", data), "match", "--dry-run", "--members", csv, "--json")
	if r.code != 0 {
		t.Fatalf("--json: exit %d\n%s", r.code, r.errOut)
	}
	var got struct {
		Members int `json:"members"`
		Groups  []struct {
			Members []struct {
				Index int    `json:"index"`
				Name  string `json:"name"`
			} `json:"members"`
			Score string `json:"score"`
			Pairs []struct {
				A, B      int
				Breakdown map[string]any `json:"breakdown"`
			} `json:"pairs"`
		} `json:"groups"`
		Total       string         `json:"total"`
		Certificate map[string]any `json:"certificate"`
		Quality     map[string]any `json:"quality"`
	}
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.out)
	}
	if got.Members != 4 || len(got.Groups) != 2 || got.Total == "" || got.Groups[0].Pairs[0].Breakdown["size"] == nil ||
		got.Certificate["gap"] == nil || got.Quality["greedy"] == nil {
		t.Errorf("--json: %+v", got)
	}

	scores := filepath.Join(dir, "scores.tsv")
	r = runMain(t, "", env("MAILLAGE_DATA_DIR", data), "match", "--scores-out", scores, "--members", csv)
	if r.code != 0 {
		t.Fatalf("--scores-out: exit %d\n%s", r.code, r.errOut)
	}
	tsv, err := os.ReadFile(scores)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(tsv)), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "0\t1\t") || strings.Count(lines[5], "\t") != 2 {
		t.Errorf("scores file (want the 6 pairs of 4 members):\n%s", tsv)
	}

	// The exported scores, solved again by --edges, give the same total.
	r = runMain(t, "", env(), "match", "--edges", scores, "--json")
	var solved struct {
		Pairs [][2]int    `json:"pairs"`
		Total json.Number `json:"total"`
	}
	if err := json.Unmarshal([]byte(r.out), &solved); err != nil || r.code != 0 {
		t.Fatalf("--edges: exit %d, %v\n%s\n%s", r.code, err, r.out, r.errOut)
	}
	if len(solved.Pairs) != 2 || string(solved.Total) != got.Total {
		t.Errorf("--edges on the exported scores: %+v, want 2 pairs totalling %s", solved, got.Total)
	}
}

func TestMatchEdges(t *testing.T) {
	dir := t.TempDir()
	graph := filepath.Join(dir, "g.tsv")
	// A path 10 - 20 - 30 - 40: the heaviest single edge (20, 30) loses to
	// the two outer ones, which pair everybody.
	writeFile(t, graph, "# u v weight\n10\t20\t1.5\n20 30 5\n\n30\t40\t-0.25\n")
	r := runMain(t, "", env(), "match", "--edges", graph, "--json")
	if r.code != 0 || strings.TrimSpace(r.out) != `{"pairs":[[10,20],[30,40]],"total":1.25}` {
		t.Errorf("--json: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	r = runMain(t, "", env(), "match", "--edges", graph)
	if r.code != 0 || r.out != "10\t20\n30\t40\n# 2 pairs, 0 vertices unmatched, total weight 1.25\n" {
		t.Errorf("text: exit %d\n%q", r.code, r.out)
	}
	bad := filepath.Join(dir, "bad.tsv")
	writeFile(t, bad, "1\t2\t3\n2\t3\tbeaucoup\n")
	r = runMain(t, "", env(), "match", "--edges", bad)
	if r.code != 2 || !strings.Contains(r.errOut, `bad.tsv: line 2: weight "beaucoup" is not a number`) {
		t.Errorf("bad weight: exit %d, stderr %q", r.code, r.errOut)
	}
	r = runMain(t, "", env(), "match", "--edges", filepath.Join(dir, "none.tsv"))
	if r.code != 2 || !strings.Contains(r.errOut, "none.tsv") {
		t.Errorf("missing file: exit %d, stderr %q", r.code, r.errOut)
	}
}

func TestMatchUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "platform,user,collectivity\nterminal,alice,Atlantide-sur-Mer\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no action", []string{"match"}, "want --dry-run, --scores-out FILE.tsv or --edges FILE.tsv"},
		{"edges with others", []string{"match", "--edges", "x.tsv", "--dry-run"}, "--edges solves a file on its own"},
		{"extra argument", []string{"match", "--dry-run", "extra"}, `unexpected argument "extra"`},
		{"missing csv", []string{"match", "--dry-run", "--members", filepath.Join(dir, "none.csv")}, "none.csv"},
		{"rejected line", []string{"match", "--dry-run", "--members", bad}, "1 line(s) rejected"},
		{"bad lang", []string{"match", "--dry-run", "--lang", "de"}, "--lang must be fr or en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, "", env("MAILLAGE_DATA_DIR", t.TempDir()), tt.args...)
			if r.code != 2 || !strings.Contains(r.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.errOut, tt.want)
			}
		})
	}
	r := runMain(t, "", env(), "match", "--help")
	if r.code != 0 || !strings.Contains(r.out, "maillage match --edges FILE.tsv") {
		t.Errorf("--help: exit %d\n%s", r.code, r.out)
	}
}

// The configuration's defaults are the scoring package's defaults: the
// README documents one set of values.
func TestMatchSettingsDefaults(t *testing.T) {
	got := matchSettings(config.Default())
	if !reflect.DeepEqual(got.Rules, matching.DefaultRules()) {
		t.Errorf("rules from the default configuration:\n%+v\nwant matching.DefaultRules():\n%+v", got.Rules, matching.DefaultRules())
	}
	if got.FollowupAfter != 7*24*time.Hour || got.PauseAfterIgnored != 3 {
		t.Errorf("follow-up %v, pause after %d", got.FollowupAfter, got.PauseAfterIgnored)
	}
	cfg := config.Default()
	cfg.Matching.InterestWeights = config.InterestWeights{"ia": 250}
	cfg.Matching.Size.LogSpanRatio = 10
	cfg.Matching.Roles.Pairs = []config.RolePair{{Roles: []string{"dgs", "sgm"}, Value: 35}}
	r := matchSettings(cfg).Rules
	if r.InterestWeights["ia"] != 2.5 || r.LogSpan != 1 || len(r.Roles.Pairs) != 1 || r.Roles.Value("sgm", "dgs") != 0.35 {
		t.Errorf("converted rules: %+v", r)
	}
}

// « Je peux aider / je cherche » in the terminal: offered at the end of
// the onboarding (a button, skippable), changed with « modifier
// entraide », shown in the profile, and said in the introduction.
func TestHelpAndNeedThroughTheTerminal(t *testing.T) {
	cfg := alwaysOpen(t)
	input := onboard("alice", "je suis DGS de Saint-Pierre-du-Perray", "1, 5") +
		"1\n4\nterminé\npasser\n" + // the button, then: can help on 4; looks for nothing
		"profil\n" +
		onboard("bob", "je suis DGS de Morangis", "1, 4") +
		"modifier entraide\npasser\n4\nterminé\n" + // looks for experience on 4
		"/as admin\ntour maintenant\n1\n"
	r := runMain(t, input, env(), "--config", cfg, "--data-dir", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{
		"  1. " + fr("members.help.offer_button") + "\n",
		fr("members.help.ask_offers"),
		fr("members.help.ask_needs"),
		fr("members.profile.help", "offers", "Transition écologique", "needs", fr("members.help.none")),
		fr("members.edit.done"),
		"Pourquoi vous : deux communes de 12\u202f000 et 14\u202f100 habitants, le même département (Essonne), la même fonction (DGS).",
		fr("match.intro.complement", "name", "alice", "other", "bob", "interests", "transition écologique"),
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if strings.Contains(r.out, "Je n'ai pas compris") {
		t.Error("an answer was not understood")
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}
}

// An organizer imports the attendance of a session (command line, then the
// terminal's « importer les présences »): the members who attended it
// together are told so in their introduction.
func TestAttendanceImportCountsInTheIntroduction(t *testing.T) {
	cfg := alwaysOpen(t)
	dir := t.TempDir()
	input := onboard("alice", "je suis DGS de Saint-Pierre-du-Perray", "2, 5") +
		onboard("bob", "je suis DGS de Morangis", "3, 6")
	if r := runMain(t, input, env(), "--config", cfg, "--data-dir", dir); r.code != 0 {
		t.Fatalf("onboarding: exit %d\n%s", r.code, r.errOut)
	}
	csvFile := filepath.Join(t.TempDir(), "presences.csv")
	writeFile(t, csvFile, "plateforme;identifiant;nom\nterminal;alice;Alice\nterminal;inconnu;Personne\n\n")
	r := runMain(t, "", env(), "members", "attendance", "--config", cfg, "--data-dir", dir, "--session", "atelier-leader-connecte", "--dry-run", csvFile)
	if r.code != exitFailure || !strings.Contains(r.out, "Essai, rien n'est enregistré. Présences à la séance 5") ||
		!strings.Contains(r.out, "- ligne 3 : aucun membre ne correspond à « inconnu »") {
		t.Fatalf("dry run: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	r = runMain(t, "", env(), "members", "attendance", "--config", cfg, "--data-dir", dir, "--session", "99", csvFile)
	if r.code != exitUsage {
		t.Errorf("unknown session: exit %d, want %d\n%s", r.code, exitUsage, r.errOut)
	}
	badCSV := filepath.Join(t.TempDir(), "bad.csv")
	writeFile(t, badCSV, "courriel;téléphone\n")
	r = runMain(t, "", env(), "members", "attendance", "--config", cfg, "--data-dir", dir, "--session", "5", badCSV)
	if want := "la colonne « téléphone » est inconnue ; colonnes possibles : plateforme, espace de travail, utilisateur, courriel, nom"; r.code != exitUsage || !strings.Contains(r.errOut, want) || strings.Contains(r.errOut, "unknown column") {
		t.Errorf("bad header: exit %d, want %d and %q\n%s", r.code, exitUsage, want, r.errOut)
	}
	r = runMain(t, "", env(), "members", "attendance", "--config", cfg, "--data-dir", dir, "--session", "territorialis-2024/atelier-leader-connecte", csvFile)
	if r.code != exitFailure || !strings.Contains(r.out, "1 membre(s) enregistré(s), 0 déjà enregistré(s), 1 ligne(s) refusée(s)") {
		t.Fatalf("import: exit %d\n%s\n%s", r.code, r.out, r.errOut) // report
	}
	bobCSV := filepath.Join(t.TempDir(), "bob.csv")
	writeFile(t, bobCSV, "platform,user\nterminal,bob\nterminal,alice\n")
	r = runMain(t, "/as orga\nimporter les présences 5 "+bobCSV+"\n/as admin\ntour maintenant\n1\n", env(),
		"--config", cfg, "--data-dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{
		"1 membre(s) enregistré(s), 1 déjà enregistré(s), 0 ligne(s) refusée(s).",
		"la même séance du congrès (« Leader connecté/déconnecté : comment rester en lien avec l'humain ? »)",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}
}
