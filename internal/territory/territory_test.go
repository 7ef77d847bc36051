package territory

import (
	"runtime"
	"strings"
	"testing"
)

func index(t testing.TB) *Index {
	t.Helper()
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestCounts(t *testing.T) {
	ix := index(t)
	for _, c := range []struct {
		kind     Kind
		min, max int
	}{{Commune, 34000, 36000}, {EPCI, 1200, 1300}, {Departement, 101, 110}, {Region, 18, 27}} {
		if got := ix.Count(c.kind); got < c.min || got > c.max {
			t.Errorf("%s: %d entries, want %d..%d", c.kind, got, c.min, c.max)
		}
	}
}

func names(es []Entry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.Name+"/"+e.Kind.String()+"/"+e.Departement)
	}
	return strings.Join(s, ", ")
}

func TestLookupUnique(t *testing.T) {
	ix := index(t)
	for _, c := range []struct {
		query      string
		kind       Kind
		code, name string
		dep, reg   string
	}{
		{"saint pierre du perray", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"Saint-Pierre-du-Perray", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"ST PIERRE DU PERRAY", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"mairie de St-Pierre-du-Perray", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"lhay les roses", Commune, "94038", "L'Haÿ-les-Roses", "94", "11"},
		{"L’Haÿ-les-Roses", Commune, "94038", "L'Haÿ-les-Roses", "94", "11"},
		{"ville de l'Haÿ-les-Roses", Commune, "94038", "L'Haÿ-les-Roses", "94", "11"},
		{"91573", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"219105731", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"219 105 731", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"91280", Commune, "91573", "Saint-Pierre-du-Perray", "91", "11"},
		{"2A004", Commune, "2A004", "Ajaccio", "2A", "94"},
		{"Dinan Agglomération", EPCI, "200068989", "CA Dinan Agglomération", "22", "53"},
		{"communauté d'agglomération Dinan Agglomération", EPCI, "200068989", "CA Dinan Agglomération", "22", "53"},
		{"200068989", EPCI, "200068989", "CA Dinan Agglomération", "22", "53"},
		{"Tours Métropole Val de Loire", EPCI, "243700754", "Tours Métropole Val de Loire", "37", "24"},
		{"tours metropole val-de-loire", EPCI, "243700754", "Tours Métropole Val de Loire", "37", "24"},
		{"Essonne", Departement, "91", "Essonne", "91", "11"},
		{"département de l'Essonne", Departement, "91", "Essonne", "91", "11"},
		{"conseil départemental du Nord", Departement, "59", "Nord", "59", "32"},
		{"91", Departement, "91", "Essonne", "91", "11"},
		{"région Bretagne", Region, "53", "Bretagne", "", "53"},
		{"Région Île-de-France", Region, "11", "Île-de-France", "", "11"},
		{"ile de france", Region, "11", "Île-de-France", "", "11"},
		{"Saint-Denis 93", Commune, "93066", "Saint-Denis", "93", "11"},
		{"Saint-Denis (La Réunion)", Commune, "97411", "Saint-Denis", "974", "04"},
		{"ville de Paris", Commune, "75056", "Paris", "75", "11"},
	} {
		got := ix.Lookup(c.query)
		if len(got) != 1 {
			t.Errorf("Lookup(%q) = %d results [%s], want 1", c.query, len(got), names(got))
			continue
		}
		e := got[0]
		if e.Kind != c.kind || e.Code != c.code || e.Name != c.name || e.Departement != c.dep || e.Region != c.reg {
			t.Errorf("Lookup(%q) = %+v, want %s %s %q dep %s reg %s", c.query, e, c.kind, c.code, c.name, c.dep, c.reg)
		}
		if e.Population <= 0 {
			t.Errorf("Lookup(%q): population %d", c.query, e.Population)
		}
	}
}

func TestPopulations(t *testing.T) {
	ix := index(t)
	spp, _ := ix.ByCode("91573")
	if spp.Population != 11993 || spp.SIREN != "219105731" || strings.Join(spp.PostalCodes, ",") != "91280" {
		t.Errorf("Saint-Pierre-du-Perray = %+v", spp)
	}
	ess, _ := ix.Departement("91")
	idf, _ := ix.Region("11")
	fr := 0
	for _, d := range ix.Departements() {
		fr += d.Population
	}
	// Départements and régions are the sums of their communes.
	if ess.Population < 1_300_000 || ess.Population > 1_400_000 {
		t.Errorf("Essonne population %d", ess.Population)
	}
	if idf.Population < 12_000_000 || idf.Population > 12_600_000 {
		t.Errorf("Île-de-France population %d", idf.Population)
	}
	if fr < 66_000_000 || fr > 70_000_000 {
		t.Errorf("France (sum of départements) %d", fr)
	}
	if spp.EPCI == "" {
		t.Fatalf("Saint-Pierre-du-Perray has no EPCI")
	}
	if e, ok := ix.ByCode(spp.EPCI); !ok || e.Kind != EPCI || e.Departement != "91" {
		t.Errorf("EPCI of Saint-Pierre-du-Perray = %+v", e)
	}
}

func TestHomonyms(t *testing.T) {
	ix := index(t)
	for _, c := range []struct {
		query string
		deps  []string // every one must appear
		first string
	}{
		{"Saint-Denis", []string{"93", "974", "11", "30"}, "974"},
		{"sainte marie", []string{"972", "974", "35", "08"}, "974"},
		{"Ste-Marie", []string{"972", "974"}, "974"},
		{"Beaulieu", []string{"07", "15", "34"}, ""},
	} {
		got := ix.Lookup(c.query)
		if len(got) < len(c.deps) {
			t.Errorf("Lookup(%q) = [%s], want at least %d", c.query, names(got), len(c.deps))
			continue
		}
		have := map[string]bool{}
		for i, e := range got {
			have[e.Departement] = true
			if i > 0 && e.Population > got[i-1].Population {
				t.Errorf("Lookup(%q): not ordered by population: [%s]", c.query, names(got))
			}
		}
		for _, d := range c.deps {
			if !have[d] {
				t.Errorf("Lookup(%q) lacks the one in %s: [%s]", c.query, d, names(got))
			}
		}
		if c.first != "" && got[0].Departement != c.first {
			t.Errorf("Lookup(%q)[0] in %s, want %s", c.query, got[0].Departement, c.first)
		}
	}
	// A région that shares its name with communes comes first.
	if got := ix.Lookup("Bretagne"); len(got) < 2 || got[0].Kind != Region {
		t.Errorf("Lookup(Bretagne) = [%s], want the région first, then the communes", names(got))
	}
	// A name shared by a commune and a département gives both.
	if got := ix.Lookup("Paris"); len(got) != 2 || got[0].Kind == got[1].Kind {
		t.Errorf("Lookup(Paris) = [%s], want the commune and the département", names(got))
	}
	// A postal code can serve several communes.
	if got := ix.Lookup("91280"); len(got) < 1 {
		t.Errorf("91280: nothing")
	}
}

func TestNoMatch(t *testing.T) {
	ix := index(t)
	for _, q := range []string{"", "   ", "xyzzy", "00000", "999999999", "99", "saint piere du peray"} {
		if got := ix.Lookup(q); len(got) != 0 {
			t.Errorf("Lookup(%q) = [%s], want nothing", q, names(got))
		}
	}
}

func TestSuggest(t *testing.T) {
	ix := index(t)
	for _, c := range []struct {
		query, want string
	}{
		{"saint piere du peray", "Saint-Pierre-du-Perray"}, // two typos
		{"Saint-Pierre-du-Per", "Saint-Pierre-du-Perray"},  // prefix
		{"mairie de lhaye les roses", "L'Haÿ-les-Roses"},
		{"Dinan Agglo", "CA Dinan Agglomération"},
		{"Essone", "Essonne"},
		{"Perray", "Saint-Pierre-du-Perray"}, // contained
	} {
		got := ix.Suggest(c.query, 5)
		found := false
		for _, e := range got {
			found = found || e.Name == c.want
		}
		if !found {
			t.Errorf("Suggest(%q) = [%s], want %q among them", c.query, names(got), c.want)
		}
		if len(got) > 5 {
			t.Errorf("Suggest(%q): %d results, want at most 5", c.query, len(got))
		}
	}
	if got := ix.Suggest("qqqqqqqqqqqqqq", 5); len(got) != 0 {
		t.Errorf("Suggest(gibberish) = [%s]", names(got))
	}
}

func TestKey(t *testing.T) {
	for _, c := range [][2]string{
		{"L'Haÿ-les-Roses", "lhaylesroses"},
		{"St-Pierre-du-Perray", "saintpierreduperray"},
		{"Ste  Marie", "saintemarie"},
		{"Œuilly", "oeuilly"},
	} {
		if got := Key(c[0]); got != c[1] {
			t.Errorf("Key(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

func TestParseRejectsBadData(t *testing.T) {
	if _, err := parse([]byte("not gzip")); err == nil {
		t.Error("parse accepted bytes that are not gzip")
	}
}

// Memory of the loaded data: reported, and bounded so that a regression
// (a copy of the file kept alive, say) shows.
func TestLoadedMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("loaded index: %d entries, %.1f MiB of heap", ix.Len(), float64(heap)/(1<<20))
	if heap > 8<<20 {
		t.Errorf("loaded index holds %d bytes of heap, want under 8 MiB (4 MiB when written)", heap)
	}
	runtime.KeepAlive(ix)
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupByName(b *testing.B) {
	ix := index(b)
	queries := []string{"saint pierre du perray", "Saint-Denis", "lhay les roses", "Dinan Agglomération",
		"département de l'Essonne", "Bordeaux", "ste marie"}
	i := 0
	for b.Loop() {
		if len(ix.Lookup(queries[i%len(queries)])) == 0 {
			b.Fatal("no result")
		}
		i++
	}
}

func BenchmarkSuggest(b *testing.B) {
	ix := index(b)
	for b.Loop() {
		ix.Suggest("saint piere du peray", 5)
	}
}
