package content

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var interests = []string{"ia", "management", "management_distance", "transition_ecologique", "finances",
	"rh", "numerique", "qvt", "deconnexion", "intercommunalite", "commande_publique", "relation_elus"}

func TestDemoValidatesAndHoldsTheArticle(t *testing.T) {
	set, err := LoadDir(Demo(), interests)
	if err != nil {
		t.Fatalf("demo does not load:\n%v", err)
	}
	if len(set.Events) != 1 {
		t.Fatalf("demo has %d events, want 1", len(set.Events))
	}
	e := set.Events[0]
	if e.ID != "territorialis-2024" || e.City != "Tours" || e.Start != "2024-10-03" || e.End != "2024-10-04" ||
		e.Theme != "Résilience et connexions dans un monde en transformation" {
		t.Errorf("event = %q in %q from %s to %s, theme %q", e.ID, e.City, e.Start, e.End, e.Theme)
	}
	want := map[string]string{ // title -> kind
		"Ouverture des assises":                                               KindOpening,
		"Comment l'IA va transformer le travail du manager ?":                 KindPlenary,
		"IA et management, entre vrais enjeux et fausses peurs":               KindPlenary,
		"Leader connecté/déconnecté : comment rester en lien avec l'humain ?": KindTalents,
		"Faut-il encore un chef ?":                                            KindTalents,
		"Entretien avec Hélène Guillet, présidente du SNDGCT":                 KindInterview,
	}
	byTitle := map[string]*Session{}
	for _, s := range e.Sessions {
		byTitle[s.Title] = s
		if len(s.Highlights) == 0 {
			t.Errorf("session %q has no highlight", s.ID)
		}
		// The article gives no time and no room: no room is made up, and
		// the demonstration schedule (3 and 4 October 2024, so that
		// registrations and reminders can be tried) is marked inferred and
		// said so in the note.
		if s.Room != "" {
			t.Errorf("session %q has a room %q the article does not give", s.ID, s.Room)
		}
		if s.Time == "" || s.EndTime == "" || !s.IsInferred("time") || !s.IsInferred("end_time") ||
			!strings.Contains(s.Note, "Horaire de démonstration") {
			t.Errorf("session %q: time %q–%q, inferred %v, note %q: want a demonstration schedule, marked and said",
				s.ID, s.Time, s.EndTime, s.Inferred, s.Note)
		}
		if d := s.Date; d != "2024-10-03" && d != "2024-10-04" {
			t.Errorf("session %q on %q, want 3 or 4 October 2024", s.ID, d)
		}
		if s.Date != "" && !s.IsInferred("date") {
			t.Errorf("session %q: date %s is not in the article and must be marked inferred", s.ID, s.Date)
		}
	}
	for title, kind := range want {
		s, ok := byTitle[title]
		if !ok {
			t.Errorf("demo lacks the session %q", title)
			continue
		}
		if s.Kind != kind {
			t.Errorf("%q: kind %q, want %q", title, s.Kind, kind)
		}
	}
	// Speakers and figures the article gives.
	text := dump(e)
	for _, fact := range []string{"François Bonneau", "Olivier Lebreton", "Hélène Guillet", "Aline Sordon",
		"Véronique Robitaillie", "Claire Gaillard", "Philippe Bertrand", "Florent Noulette", "Jean-Luc Caiveau",
		"Alexandre Lajeunesse", "Jessica Martinez", "Akim Oural", "Alexandre Jost", "Aissia Kerkoub-Türk",
		"Maria Lepine", "Emmanuel Denis", "1 600", "70 %", "huit personnes interrogées sur dix", "six étapes",
		"soixante-dix exposants", "troisième année", "vingt ans", "Centre de gestion de Loire-Atlantique"} {
		if !strings.Contains(text, fact) {
			t.Errorf("demo lacks %q", fact)
		}
	}
	if n := set.Highlights(); n < 25 {
		t.Errorf("demo has %d highlights, want at least 25", n)
	}
}

func dump(e *Event) string {
	var b strings.Builder
	b.WriteString(strings.Join(e.Figures, "\n") + e.Summary)
	for _, s := range e.Sessions {
		for _, sp := range s.Speakers {
			b.WriteString("\n" + sp.Name + " " + sp.Role + " " + sp.Organisation)
		}
		for _, h := range s.Highlights {
			b.WriteString("\n" + h.Text + " " + h.Quote + " " + h.Author)
		}
	}
	return b.String()
}

func TestBrokenFileReportsEveryProblem(t *testing.T) {
	data, err := os.ReadFile("testdata/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(data, "broken.yaml", interests)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	got := err.Error()
	for _, want := range []string{
		`broken.yaml:6: colour: unknown key; known: id, name`,
		`broken.yaml:26: sessions[1].speakers[0].organization: unknown key (did you mean "organisation"?)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	// Unknown keys stop before validation (the values may be misplaced);
	// fix them and every other problem shows.
	fixed := strings.Replace(strings.Replace(string(data), "colour: blue\n", "", 1), "organization:", "organisation:", 1)
	_, err = Parse([]byte(fixed), "broken.yaml", interests)
	if err == nil {
		t.Fatal("no error")
	}
	got = err.Error()
	for _, want := range []string{
		`broken.yaml:1: id: "Mauvais Id" must be lower-case letters`,
		`broken.yaml:2: name: is required`,
		`broken.yaml:4: end: 2024-10-02 is before start 2024-10-03`,
		`broken.yaml:5: timezone: unknown time zone "Europe/Tours"`,
		`broken.yaml:9: sessions[0].kind: unknown kind "plenary"; known: ouverture, pleniere, atelier,`,
		`broken.yaml:10: sessions[0].date: 2024-11-01 is outside the event`,
		`broken.yaml:11: sessions[0].time: "9h30" is not a time; write HH:MM`,
		`broken.yaml:12: sessions[0].topics[1]: unknown interest "ai"; known: ia, management, management_distance,`,
		`broken.yaml:12: sessions[0].topics[2]: "ia" is listed twice`,
		`broken.yaml:13: sessions[0].inferred[0]: "room" is marked inferred but not given`,
		`broken.yaml:13: sessions[0].inferred[1]: unknown field "salle"; known: date, end_time, kind, room, speakers, time, title`,
		`broken.yaml:16: sessions[0].highlights[0].text: is required`,
		`broken.yaml:15: sessions[0].highlights[0].author: is required with a quote`,
		`broken.yaml:18: sessions[0].highlights[0].source: "ftp://exemple.fr" is not a web address`,
		`broken.yaml:19: sessions[1].id: "a" is already the id of sessions[0]`,
		`broken.yaml:22: sessions[1].end_time: needs a time`,
		`broken.yaml:27: sessions[1].highlights[0].id: "h1" is already the id of sessions[0].highlights[0]`,
		`broken.yaml:27: sessions[1].highlights[0].quote: is missing: author "Quelqu'un" is given without a quote`,
		`broken.yaml:30: sessions[1].highlights[0].published: "hier" is not a date and time`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("problems:\n%s", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"empty", "", "the file is empty"},
		{"list", "- a\n- b\n", "must be a mapping"},
		{"syntax", "id: a\n  name: : b\n", "f.yaml:2: invalid YAML"},
		{"wrong type", "id: a\nname: N\nstart: 2024-10-03\nsessions: 3\n", "f.yaml:4: sessions: cannot unmarshal"},
		{"no sessions", "id: a\nname: N\nstart: 2024-10-03\n", "sessions: at least one session is required"},
		{"no start", "id: a\nname: N\nsessions:\n  - {id: s, title: T, kind: atelier}\n", "start: is required"},
		{"time without date", "id: a\nname: N\nstart: 2024-10-03\nsessions:\n  - {id: s, title: T, kind: atelier, time: '09:00'}\n", "sessions[0].time: needs a date"},
		{"end before", "id: a\nname: N\nstart: 2024-10-03\nsessions:\n  - {id: s, title: T, kind: atelier, date: 2024-10-03, time: '09:00', end_time: '08:00'}\n", "08:00 is not after time 09:00"},
		{"long text", "id: a\nname: N\nstart: 2024-10-03\nsessions:\n  - id: s\n    title: T\n    kind: atelier\n    highlights:\n      - {id: h, text: " + strings.Repeat("x", MaxTextRunes+1) + "}\n", "is too long: 701 characters, at most 700"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.data), "f.yaml", interests)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

const minimal = `id: %s
name: Congrès %s
start: %s
end: %s
sessions:
  - id: s1
    title: Séance
    kind: atelier
    date: %s
    time: "14:30"
    end_time: "16:00"
    room: Salle Ronsard
    topics: [ia]
    highlights:
      - id: h1
        text: Un point.
        published: 2025-03-01T10:00:00+01:00
`

func event(id, start, end string) string {
	return sprintf(minimal, id, id, start, end, start)
}

func sprintf(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}

func TestLoadDirCurrentAndTimes(t *testing.T) {
	fsys := fstest.MapFS{
		"b.yaml":      {Data: []byte(event("congres-2025", "2025-10-02", "2025-10-03"))},
		"a.yml":       {Data: []byte(event("congres-2024", "2024-10-03", "2024-10-04"))},
		"notes.txt":   {Data: []byte("ignored")},
		".hidden.yml": {Data: []byte("ignored: [")},
	}
	set, err := LoadDir(fsys, interests)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{set.Events[0].ID, set.Events[1].ID}; !slices.Equal(got, []string{"congres-2024", "congres-2025"}) {
		t.Errorf("events = %q, want by date", got)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2024, 1, 1, 0, 0, 0, 0, paris), "congres-2024"},       // next to come
		{time.Date(2024, 10, 4, 23, 59, 0, 0, paris), "congres-2024"},    // under way, last day
		{time.Date(2024, 10, 5, 0, 0, 0, 0, paris), "congres-2025"},      // next to come
		{time.Date(2025, 10, 2, 9, 0, 0, 0, paris), "congres-2025"},      // under way
		{time.Date(2026, 1, 1, 0, 0, 0, 0, paris), "congres-2025"},       // last held
		{time.Date(2024, 10, 4, 22, 30, 0, 0, time.UTC), "congres-2025"}, // 00:30 in Paris on the 5th
	} {
		if got := set.Current(tt.now); got.ID != tt.want {
			t.Errorf("Current(%v) = %s, want %s", tt.now, got.ID, tt.want)
		}
	}
	s := set.Events[0].Sessions[0]
	start, ok := s.Starts()
	if !ok || !start.Equal(time.Date(2024, 10, 3, 14, 30, 0, 0, paris)) {
		t.Errorf("Starts() = %v, %v", start, ok)
	}
	if end, ok := s.Ends(); !ok || end.Sub(start) != 90*time.Minute {
		t.Errorf("Ends() = %v, %v", end, ok)
	}
	if s.Number != 1 || s.Event != "congres-2024" || s.Highlights[0].Session != "s1" {
		t.Errorf("session back-references: number %d, event %q, highlight session %q", s.Number, s.Event, s.Highlights[0].Session)
	}
	if p := s.Highlights[0].PublishedAt(); !p.Equal(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("PublishedAt = %v", p)
	}
	if (&Set{}).Current(start) != nil {
		t.Error("Current of an empty set is not nil")
	}
}

func TestLoadDirProblems(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte(event("congres", "2024-10-03", "2024-10-04"))},
		"b.yaml": {Data: []byte(event("congres", "2025-10-02", "2025-10-03"))},
		"c.yaml": {Data: []byte("id: x\n")},
	}
	_, err := LoadDir(fsys, interests)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`b.yaml: id: event "congres" is already defined in a.yaml`, "c.yaml:", "name: is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err lacks %q:\n%v", want, err)
		}
	}
	if _, err := LoadDir(fstest.MapFS{}, interests); err == nil || !strings.Contains(err.Error(), "no event file") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestLoadDemoDropsUnknownTopics(t *testing.T) {
	set, dropped, err := LoadDemo([]string{"management", "rh"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(dropped, "ia") || slices.Contains(dropped, "rh") {
		t.Errorf("dropped = %q", dropped)
	}
	for _, s := range set.Events[0].Sessions {
		for _, tp := range s.Topics {
			if tp != "management" && tp != "rh" {
				t.Errorf("session %s kept topic %q", s.ID, tp)
			}
		}
	}
}

// BenchmarkLoadDemo measures loading (decoding and validating) the demo.
func BenchmarkLoadDemo(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadDir(Demo(), interests); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLarge loads one event of 250 sessions and 5,000
// highlights.
func BenchmarkLoadLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("id: grand-congres\nname: Grand congrès\nstart: 2025-10-02\nend: 2025-10-03\nsessions:\n")
	for s := range 250 {
		sb.WriteString("  - id: s" + itoa(s) + "\n    title: Séance sur le management et l'IA\n    kind: atelier\n" +
			"    date: 2025-10-02\n    time: \"09:30\"\n    topics: [ia, management]\n" +
			"    speakers:\n      - {name: Claire Gaillard, role: experte, organisation: Randstad}\n    highlights:\n")
		for h := range 20 {
			sb.WriteString("      - id: h" + itoa(s*20+h) + "\n        text: >-\n          Le DGS devra veiller à la prévention des risques psychosociaux,\n" +
				"          à l'attention aux collectifs humains et à la capacité d'innovation.\n")
		}
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse(data, "grand.yaml", interests)
		if err != nil {
			b.Fatal(err)
		}
		if len(e.Sessions) != 250 {
			b.Fatal(len(e.Sessions))
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
