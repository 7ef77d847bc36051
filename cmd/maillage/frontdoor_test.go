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
