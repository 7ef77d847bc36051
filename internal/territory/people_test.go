package territory

import (
	"testing"
	"time"
)

// Collectivities as people say them (issue 17).
func TestCollectivitiesAsPeopleSayThem(t *testing.T) {
	ix := index(t)
	for _, c := range []struct{ query, want string }{
		{"Ville de Lyon", "Lyon/commune/69"},
		{"la ville de Lyon", "Lyon/commune/69"},
		{"Mairie de Lyon", "Lyon/commune/69"},
		{"mairie de Marseille", "Marseille/commune/13"},
		{"Métropole de Lyon", "Métropole de Lyon/epci/69"},
		{"mairie de l'Essonne", "Essonne/departement/91"}, // a slip: the only Essonne is the département
		{"code postal 91280", "Saint-Pierre-du-Perray/commune/91"},
		{"CP 91280", "Saint-Pierre-du-Perray/commune/91"},
		{"C.P. 91280", "Saint-Pierre-du-Perray/commune/91"},
		{"cp : 91280", "Saint-Pierre-du-Perray/commune/91"},
		{"code postal 59350", "Saint-André-lez-Lille/commune/59"}, // Lille's INSEE code, but announced as postal
		{"code INSEE 59350", "Lille/commune/59"},
		{"INSEE 2A004", "Ajaccio/commune/2A"},
		{"SIREN 219 105 731", "Saint-Pierre-du-Perray/commune/91"},
		{"97502", "Saint-Pierre/commune/975"}, // no SIREN: named by its INSEE code
		{"code INSEE 97701", "Saint-Barthélemy/commune/977"},
	} {
		if got := names(ix.Lookup(c.query)); got != c.want {
			t.Errorf("Lookup(%q) = %s, want %s", c.query, got, c.want)
		}
	}
	for _, q := range []string{"code postal 9128", "CP 91573 91280", "SIREN 91280", "code INSEE 99999"} {
		if got := ix.Lookup(q); len(got) != 0 {
			t.Errorf("Lookup(%q) = %s, want nothing", q, names(got))
		}
	}
}

// Every INSEE code of a commune resolves to that commune first, although
// 3,000 of them are also another commune's postal code (whose communes
// follow): the CSV import takes the first when its code is the one given.
func TestLookupTriesINSEECodesFirst(t *testing.T) {
	ix := index(t)
	communes, alsoPostal := 0, 0
	for i := range ix.entries {
		e := ix.entry(int32(i))
		if e.Kind != Commune {
			continue
		}
		communes++
		got := ix.Lookup(e.Code)
		if len(got) > 1 {
			alsoPostal++
		}
		if len(got) == 0 || got[0].Code != e.Code || got[0].Kind != Commune {
			t.Fatalf("Lookup(%s) = %s, want %s first", e.Code, names(got), e.Name)
		}
	}
	if alsoPostal < 2500 {
		t.Errorf("only %d INSEE codes are also a postal code: the test above proves little", alsoPostal)
	}
	t.Logf("%d communes, %d of whose INSEE codes are also another commune's postal code", communes, alsoPostal)
	if got := ix.Lookup("22100"); len(got) != 14 {
		t.Errorf("Lookup(22100) = %d communes (%s), want the 14 of the postal code", len(got), names(got))
	}
}

func TestTimeZones(t *testing.T) {
	ix := index(t)
	for _, c := range []struct{ commune, zone string }{
		{"97411", "Indian/Reunion"}, {"97105", "America/Guadeloupe"}, {"97209", "America/Martinique"},
		{"97302", "America/Cayenne"}, {"97611", "Indian/Mayotte"}, {"97502", "America/Miquelon"},
		{"97701", "America/St_Barthelemy"}, {"97801", "America/Marigot"}, {"98611", "Pacific/Wallis"},
		{"98735", "Pacific/Tahiti"}, {"98818", "Pacific/Noumea"}, {"91573", ""}, {"2A004", ""},
	} {
		e, ok := ix.ByCode(c.commune)
		if !ok {
			t.Fatalf("no commune %s", c.commune)
		}
		if got := TimeZone(e.Departement); got != c.zone {
			t.Errorf("%s (%s): zone %q, want %q", e.Name, e.Departement, got, c.zone)
		}
	}
	for dep, z := range zones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: %v", dep, err)
		}
	}
	for name, z := range zoneNames {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, c := range []struct{ name, zone string }{
		{"La Réunion", "Indian/Reunion"}, {"la reunion", "Indian/Reunion"}, {"Guadeloupe", "America/Guadeloupe"},
		{"Nouvelle-Calédonie", "Pacific/Noumea"}, {"France métropolitaine", "Europe/Paris"}, {"Lyon", ""},
	} {
		if got := ZoneByName(c.name); got != c.zone {
			t.Errorf("ZoneByName(%q) = %q, want %q", c.name, got, c.zone)
		}
	}
}
