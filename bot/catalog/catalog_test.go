package catalog

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// Every key exists in every language, with the same placeholders.
func TestEmbeddedCatalogueIsComplete(t *testing.T) {
	c := Default()
	langs := c.Languages()
	if want := []string{"en", "fr"}; !reflect.DeepEqual(langs, want) {
		t.Fatalf("languages = %v, want %v", langs, want)
	}
	for _, a := range langs {
		for _, key := range c.Keys(a) {
			textA, _ := c.Raw(a, key)
			if textA == "" {
				t.Errorf("%s: %q is empty", a, key)
			}
			for _, b := range langs {
				textB, ok := c.Raw(b, key)
				if !ok {
					t.Errorf("%q is in %s but missing in %s", key, a, b)
					continue
				}
				if pa, pb := Placeholders(textA), Placeholders(textB); !reflect.DeepEqual(pa, pb) {
					t.Errorf("%q: placeholders differ: %s has %v, %s has %v", key, a, pa, b, pb)
				}
			}
		}
	}
}

func TestLoadReportsMissingAndDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"messages/a.fr.yaml": {Data: []byte("x: un\ny: deux\n")},
		"messages/b.fr.yaml": {Data: []byte("x: encore\n")},
		"messages/bad.yaml":  {Data: []byte("z: z\n")},
	}
	_, err := Load(fsys)
	if err == nil {
		t.Fatal("Load accepted a duplicate key and a badly named file")
	}
	for _, want := range []string{`key "x" defined twice`, "messages/bad.yaml: want <area>.<lang>.yaml"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestT(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"messages/a.fr.yaml": {Data: []byte("hello: \"Bonjour {name}, {name} ! {other}\"\nonly_fr: Seulement\n")},
		"messages/a.en.yaml": {Data: []byte("hello: \"Hello {name}, {name}! {other}\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, key string
		args      []string
		want      string
	}{
		{"fr", "hello", []string{"name", "Anne"}, "Bonjour Anne, Anne ! {other}"},
		{"en", "hello", []string{"name", "Anne", "other", "x"}, "Hello Anne, Anne! x"},
		{"en", "only_fr", nil, "Seulement"},
		{"de", "hello", []string{"name", "A"}, "Bonjour A, A ! {other}"},
		{"fr", "missing", nil, "[missing]"},
		{"fr", "hello", []string{"name", "{other}"}, "Bonjour {other}, {other} ! {other}"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}

// French elisions and contractions at placeholders: the catalogue writes
// "de {collectivite}" once for every value.
func TestTElidesAndContracts(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"messages/a.fr.yaml": {Data: []byte("dg: \"DGS de {c}\"\nctl: \"pour le compte de {ctl}\"\nat: \"Rencontre à {c}, {c}\"\nstart: \"De {c}\"\nq: \"Je crois que {n} viendra\"\nla: \"Thème : la {t}\"\n")},
		"messages/a.en.yaml": {Data: []byte("dg: \"DGS of {c}\"\nctl: \"on behalf of {ctl}\"\nat: \"Meeting in {c}, {c}\"\nstart: \"From {c}\"\nq: \"I think {n} will come\"\nla: \"Theme: {t}\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ lang, key, arg, value, want string }{
		{"fr", "dg", "c", "Évry-Courcouronnes", "DGS d'Évry-Courcouronnes"},
		{"fr", "dg", "c", "Angers", "DGS d'Angers"},
		{"fr", "dg", "c", "Vannes", "DGS de Vannes"},
		{"fr", "dg", "c", "Le Mans", "DGS du Mans"},
		{"fr", "dg", "c", "Les Ulis", "DGS des Ulis"},
		{"fr", "dg", "c", "Houilles", "DGS de Houilles"}, // h: left as is
		{"fr", "dg", "c", "La Rochelle", "DGS de La Rochelle"},
		{"fr", "ctl", "ctl", "le SNDGCT (Syndicat national)", "pour le compte du SNDGCT (Syndicat national)"},
		{"fr", "ctl", "ctl", "la Ville de Lyon", "pour le compte de la Ville de Lyon"},
		{"fr", "ctl", "ctl", "SNDGCT", "pour le compte de SNDGCT"},
		{"fr", "at", "c", "Le Mans", "Rencontre au Mans, Le Mans"},
		{"fr", "start", "c", "Évry", "D'Évry"},
		{"fr", "q", "n", "Anne", "Je crois qu'Anne viendra"},
		{"fr", "la", "t", "intelligence artificielle", "Thème : l'intelligence artificielle"},
		{"en", "dg", "c", "Évry-Courcouronnes", "DGS of Évry-Courcouronnes"},
		{"en", "ctl", "ctl", "le SNDGCT (Syndicat national)", "on behalf of SNDGCT (Syndicat national)"},
		{"en", "at", "c", "Le Mans", "Meeting in Le Mans, Le Mans"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.arg, tt.value); got != tt.want {
			t.Errorf("T(%s, %s, %q) = %q, want %q", tt.lang, tt.key, tt.value, got, tt.want)
		}
	}
}

// No « · » reaches a member: inclusive labels become the double form.
func TestEpicene(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Directeur·rice général·e des services (DGS)", "Directeur général ou directrice générale des services (DGS)"},
		{"Directeur·rice général·e adjoint·e (DGA)", "Directeur général adjoint ou directrice générale adjointe (DGA)"},
		{"Secrétaire général·e de mairie", "Secrétaire général ou secrétaire générale de mairie"},
		{"Directeur·rice général·e d'intercommunalité (EPCI)", "Directeur général ou directrice générale d'intercommunalité (EPCI)"},
		{"Directeur·rice", "Directeur ou directrice"},
		{"Technicien·ne territorial·e", "Technicien territorial ou technicienne territoriale"},
		{"Chargé·e de mission", "Chargé ou chargée de mission"},
		{"Autre", "Autre"},
		{"rôle : Directeur·rice général·e des services (DGS) ; région : Bretagne",
			"rôle : Directeur général ou directrice générale des services (DGS) ; région : Bretagne"},
		{"rôle : Secrétaire général·e de mairie|Directeur·rice", "rôle : Secrétaire général ou secrétaire générale de mairie|Directeur ou directrice"},
	}
	for _, tt := range tests {
		if got := Epicene(tt.in); got != tt.want {
			t.Errorf("Epicene(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	c := Default()
	if got := c.T("fr", "profile.role", "role", "Directeur·rice général·e des services (DGS)"); strings.Contains(got, "·") {
		t.Errorf("T let an inclusive dot through: %q", got)
	}
}
