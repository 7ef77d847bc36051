package members

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/csvtable"
)

func TestParsePause(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 26, 15, 30, 0, 0, paris) // a Thursday
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, paris) }
	for _, tt := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"jusqu'au 15 janvier", day(2027, 1, 16), ""},
		{"jusqu’au 15 janvier 2027", day(2027, 1, 16), ""},
		{"au 1er décembre", day(2026, 12, 2), ""},
		{"jusqu'au 26 novembre", day(2026, 11, 27), ""}, // today is the last day
		{"15/01", day(2027, 1, 16), ""},
		{"15/01/2027", day(2027, 1, 16), ""},
		{"until January 15th", day(2027, 1, 16), ""},
		{"until 15 January 2027", day(2027, 1, 16), ""},
		{"3 semaines", day(2026, 12, 17), ""},
		{"une semaine", day(2026, 12, 3), ""},
		{"2 mois", day(2027, 1, 26), ""},
		{"10 jours", day(2026, 12, 6), ""},
		{"3 weeks", day(2026, 12, 17), ""},
		{"for a month", day(2026, 12, 26), ""},
		{"jusqu'au 31 février", time.Time{}, "impossible"},
		{"1 an", day(2027, 11, 26), ""},
		{"un an", day(2027, 11, 26), ""},
		{"a year", day(2027, 11, 26), ""},
		{"2 ans", time.Time{}, "too_long"},
		{"jusqu'en septembre", day(2027, 9, 1), ""},
		{"jusqu’en décembre", day(2026, 12, 1), ""},
		{"until March", day(2027, 3, 1), ""},
		{"jusqu'en novembre", time.Time{}, "past"},
		{"jusqu'au 15 janvier 2020", time.Time{}, "past"},
		{"18 mois", time.Time{}, "too_long"},
		{"jusqu'au 15 janvier 2029", time.Time{}, "too_long"},
		{"demain peut-être", time.Time{}, "unreadable"},
		{"0 jours", time.Time{}, "unreadable"},
	} {
		got, err := parsePause(tt.in, now, paris)
		if err != tt.err || !got.Equal(tt.want) {
			t.Errorf("parsePause(%q) = %v, %q; want %v, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// A malformed CSV line is reported in the organizer's language, never
// with Go's English error text.
func TestCSVReasonsAreTranslated(t *testing.T) {
	im := Importer{}
	for _, tt := range []struct{ csv, key string }{
		{"platform,user\nterminal,\"a\"b\"\n", "csv.reason.quote"},
		{"platform,user\nterminal,a\"b\n", "csv.reason.bare_quote"},
	} {
		rep, err := im.Import(context.Background(), strings.NewReader(tt.csv), true)
		if err != nil {
			t.Fatalf("%q: %v", tt.csv, err)
		}
		if len(rep.Rejected) != 1 || rep.Rejected[0].Key != tt.key || len(rep.Rejected[0].Args) != 0 {
			t.Errorf("%q: rejected %+v, want %s", tt.csv, rep.Rejected, tt.key)
		}
		text := FormatImportReport(func(key string, args ...string) string { return catalog.Default().T("fr", key, args...) }, rep)
		if strings.Contains(text, "quoted-field") || strings.Contains(text, "bare \"") {
			t.Errorf("the report shows Go's error: %q", text)
		}
	}
}

// A file refused as a whole is explained in the organizer's language.
func TestImportFileErrorsAreTranslated(t *testing.T) {
	im := Importer{}
	T := func(key string, args ...string) string { return catalog.Default().T("fr", key, args...) }
	for _, tt := range []struct{ csv, want string }{
		{"plateforme,telephone\n", "la colonne « telephone » est inconnue ; colonnes possibles : plateforme, espace de travail, utilisateur, courriel, nom, collectivité, fonction, centres d'intérêt, langue, je peux aider, je cherche"},
		{"platform,user,user\n", "la colonne « user » figure deux fois"},
		{"platform,name\n", "l'en-tête doit nommer la colonne de la plateforme"},
		{"", "la première ligne, qui doit nommer les colonnes, est absente"},
	} {
		_, err := im.Import(context.Background(), strings.NewReader(tt.csv), true)
		if !errors.Is(err, ErrImportFile) {
			t.Fatalf("%q: %v, want a file error", tt.csv, err)
		}
		if got := ExplainImportFileError(T, err); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q: %q, want it to start with %q", tt.csv, got, tt.want)
		}
	}
}

func TestFindLabelInSentences(t *testing.T) {
	roles := []bot.Label{
		{ID: "dgs", FR: "Directeur·rice général·e des services (DGS)", EN: "Chief executive (DGS)",
			Aliases: []string{"directrice générale des services"}},
		{ID: "dga", FR: "Directeur·rice général·e adjoint·e (DGA)", EN: "Deputy chief executive (DGA)"},
		{ID: "dg_epci", FR: "Directeur·rice général·e d'intercommunalité (EPCI)", EN: "Chief executive of an EPCI"},
	}
	for _, tt := range []struct{ in, id, after string }{
		{"Je suis DGS de Saint-Pierre-du-Perray", "dgs", "de saint pierre du perray"},
		{"je suis directrice générale des services à L'Haÿ-les-Roses", "dgs", "a l hay les roses"},
		{"Directeur général adjoint de Tours Métropole", "dga", "de tours metropole"},
		{"I am the chief executive of an EPCI", "dg_epci", ""},
		{"DG EPCI Dinan Agglomération", "dg_epci", "dinan agglomeration"},
	} {
		l, _, after, ok := core.FindLabel(roles, tt.in)
		if !ok || l.ID != tt.id || after != tt.after {
			t.Errorf("findLabel(%q) = %q, after %q, %v; want %q, %q", tt.in, l.ID, after, ok, tt.id, tt.after)
		}
	}
	if l, _, _, ok := core.FindLabel(roles, "Saint-Denis"); ok {
		t.Errorf("found role %q in a bare name", l.ID)
	}
}

func TestCleanFieldAndSanitize(t *testing.T) {
	long := strings.Repeat("é", 300)
	m := bot.Member{Name: " Claire\u202e \u200bDupont\n\t" + long, Email: " Claire@Exemple.FR ",
		Collectivity: &bot.Collectivity{Name: "Saint\u2066-Denis", Code: "97411\u0000"}, Interests: []string{"ia\u200d"}}
	core.SanitizeMember(&m)
	if !strings.HasPrefix(m.Name, "Claire Dupont éé") || len([]rune(m.Name)) != core.MaxNameRunes {
		t.Errorf("name %q (%d runes)", m.Name, len([]rune(m.Name)))
	}
	if m.Email != "claire@exemple.fr" || m.Collectivity.Name != "Saint-Denis" || m.Collectivity.Code != "97411" ||
		m.Interests[0] != "ia" {
		t.Errorf("sanitized %+v %+v", m, m.Collectivity)
	}
	if got := core.CleanField("e\u0301cole", 10); got != "\u00e9cole" {
		t.Errorf("not NFC: %q", got)
	}
}

func TestFormatInt(t *testing.T) {
	for _, tt := range []struct {
		n      int
		fr, en string
	}{{0, "0", "0"}, {999, "999", "999"}, {11993, "11\u202f993", "11,993"}, {2103778, "2\u202f103\u202f778", "2,103,778"}} {
		if got := core.FormatInt(bot.French, tt.n); got != tt.fr {
			t.Errorf("formatInt(fr, %d) = %q", tt.n, got)
		}
		if got := core.FormatInt(bot.English, tt.n); got != tt.en {
			t.Errorf("formatInt(en, %d) = %q", tt.n, got)
		}
	}
}

// The catalogue keys the members feature builds at run time exist in
// every language.
func TestMembersCatalogueFamilies(t *testing.T) {
	var keys []string
	for _, k := range []bot.CollectivityKind{bot.KindCommune, bot.KindEPCI, bot.KindDepartement, bot.KindRegion, bot.KindOther} {
		keys = append(keys, "members.kind."+string(k))
	}
	for _, t := range otherTypes {
		keys = append(keys, "members.other.type."+t)
	}
	for i := range otherSizes {
		keys = append(keys, "members.other.size."+strconv.Itoa(i))
	}
	for step, vals := range prefValues {
		keys = append(keys, "members.prefs.ask_"+step)
		for _, v := range vals {
			if step != "lang" {
				keys = append(keys, "members.prefs."+step+"."+v)
			}
		}
	}
	for _, f := range editOrder {
		keys = append(keys, "members.edit.field."+f)
	}
	for _, v := range []string{"2w", "1m", "3m"} {
		keys = append(keys, "members.pause.for_"+v)
	}
	for _, e := range []string{"unreadable", "past", "too_long", "impossible"} {
		keys = append(keys, "members.pause."+e)
	}
	for _, r := range []string{"platform", "user", "email", "no_user", "no_workspace", "language", "collectivity_unknown",
		"collectivity_ambiguous", "role", "interest", "offer", "need", "duplicate"} {
		keys = append(keys, "members.import.reason."+r)
	}
	for _, r := range []string{csvtable.Quote, csvtable.BareQuote, csvtable.FieldCount, csvtable.Other} {
		keys = append(keys, "csv.reason."+r)
	}
	for _, k := range []string{csvtable.TooLarge, csvtable.NoHeader, csvtable.UnknownColumn, csvtable.DuplicateColumn, csvtable.Unreadable} {
		keys = append(keys, "csv.file."+k)
	}
	cat := catalog.Default()
	for _, k := range keys {
		for _, l := range bot.Languages {
			if !cat.Has(string(l), k) {
				t.Errorf("catalogue key %q missing in %s", k, l)
			}
		}
	}
}
