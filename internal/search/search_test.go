package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		query string
		want  []string
	}{
		{"IA", []string{"ia"}},
		{"ia", []string{"ia"}},
		{"AI", []string{"ia"}},
		{"ai", []string{"ia"}}, // in a query, AI rather than « j'ai »
		{"IAG", []string{"ia", "iag"}},
		{"intelligence artificielle", []string{"ia", "intelligent", "intellig", "artificiel", "artificiell"}},
		{"Management à distance", []string{"manag", "distanc"}},
		{"MANAGERS", []string{"manager", "manag"}},
		{"Déconnexion", []string{"deconnexion"}},
		{"le la les de des", nil},
		{"  ?!  ", nil},
		{"RH", []string{"rh"}},
		{"ressources humaines", []string{"rh", "ressourc", "humain"}},
	}
	for _, tt := range tests {
		got := QueryTerms(tt.query)
		if !slices.Equal(got, tt.want) {
			t.Errorf("QueryTerms(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestTermsInTextKeepsFrenchAi(t *testing.T) {
	// « j'ai » in a text is the verb, not AI; « AI » in capitals is AI.
	if got := Terms("J'ai vu"); slices.Contains(got, "ia") {
		t.Errorf("Terms(\"J'ai vu\") = %q: the French verb became AI", got)
	}
	if got := Terms("Generative AI at work"); !slices.Contains(got, "ia") || !slices.Contains(got, "iag") {
		t.Errorf("Terms(\"Generative AI at work\") = %q, want ia and iag", got)
	}
}

// corpus is a small set of sessions and highlights in the manner of the
// congress content.
var corpus = []struct {
	id  string
	doc Doc
}{
	{"pleniere-ia-manager", Doc{Fields: [NumFields]string{
		"Comment l'IA va transformer le travail du manager ?", "Intelligence artificielle, Management",
		"L'IA générative va fortement transformer la fonction publique territoriale.", ""}}},
	{"pleniere-enjeux", Doc{Fields: [NumFields]string{
		"IA et management, entre vrais enjeux et fausses peurs", "Intelligence artificielle, Management",
		"La montée en compétences lève les peurs autour de l'intelligence artificielle générative.", ""}}},
	{"leader-connecte", Doc{Fields: [NumFields]string{
		"Leader connecté/déconnecté : comment rester en lien avec l'humain ?", "Management, Droit à la déconnexion",
		"Trois dimensions de la connexion : relation aux autres, au travail, équilibre des temps.",
		"Véronique Robitaillie, DGS à Dinan Agglomération"}}},
	{"chef", Doc{Fields: [NumFields]string{
		"Faut-il encore un chef ?", "Management, Ressources humaines",
		"70 % des sondés prêts à refuser une promotion qui nuirait à l'équilibre vie professionnelle-vie personnelle.",
		"Florent Noulette, Michael Page"}}},
	{"teletravail", Doc{Fields: [NumFields]string{
		"Manager à distance", "Management à distance",
		"Organiser des moments informels et décider en temps de télétravail.", ""}}},
	{"ouverture", Doc{Fields: [NumFields]string{
		"Ouverture des assises", "Transition écologique",
		"Le rôle des collectivités dans la proximité avec les habitants.",
		"François Bonneau, président de la région Centre-Val de Loire"}}},
	{"donnee", Doc{Fields: [NumFields]string{
		"Stratégies territoriales de la donnée", "Transformation numérique",
		"Mutualiser les ressources technologiques entre collectivités.", "Akim Oural"}}},
	{"recrutement", Doc{Fields: [NumFields]string{
		"Attractivité des métiers", "Ressources humaines",
		"Les managers doivent attirer des candidats dans un contexte de recrutement tendu.", ""}}},
}

func corpusIndex() *Index {
	docs := make([]Doc, len(corpus))
	for i, c := range corpus {
		docs[i] = c.doc
	}
	return New(docs)
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = corpus[h.Doc].id
	}
	return out
}

// TestRelevance checks, in French and in English, which documents a query
// finds first (top), which it finds at all (in) and which it must not find
// (out).
func TestRelevance(t *testing.T) {
	ix := corpusIndex()
	tests := []struct {
		query string
		top   []string // the first results, in this order
		in    []string // also among the results
		out   []string // not among the results
		// anyOrder: top is the set of the first results, in any order.
		anyOrder bool
	}{
		// French.
		{query: "IA", top: []string{"pleniere-ia-manager", "pleniere-enjeux"}, out: []string{"chef", "ouverture"}},
		{query: "intelligence artificielle", top: []string{"pleniere-enjeux", "pleniere-ia-manager"}, out: []string{"teletravail"}},
		{query: "manager", in: []string{"pleniere-ia-manager", "teletravail", "recrutement", "chef", "leader-connecte"}, out: []string{"ouverture", "donnee"}},
		{query: "managers", in: []string{"recrutement", "pleniere-ia-manager", "teletravail"}, out: []string{"ouverture"}},
		{query: "management à distance", top: []string{"teletravail"}},
		{query: "déconnexion", top: []string{"leader-connecte"}, out: []string{"chef"}},
		{query: "DECONNEXION", top: []string{"leader-connecte"}},
		{query: "chef", top: []string{"chef"}},
		{query: "Robitaillie", top: []string{"leader-connecte"}},
		{query: "données", top: []string{"donnee"}},
		{query: "collectivité", in: []string{"ouverture", "donnee"}},
		{query: "recruter", top: []string{"recrutement"}},
		{query: "ressources humaines", top: []string{"chef", "recrutement"}, anyOrder: true},
		{query: "promotion équilibre", top: []string{"chef"}},
		// English.
		{query: "AI", top: []string{"pleniere-ia-manager", "pleniere-enjeux"}, out: []string{"chef"}},
		{query: "artificial intelligence", top: []string{"pleniere-ia-manager", "pleniere-enjeux"}, anyOrder: true},
		{query: "remote management", top: []string{"teletravail"}},
		{query: "managers", in: []string{"teletravail"}},
		{query: "HR", top: []string{"chef", "recrutement"}, anyOrder: true},
		{query: "human resources", top: []string{"chef", "recrutement"}, anyOrder: true},
		{query: "leader", top: []string{"leader-connecte"}},
		// Nothing to find.
		{query: "le la les", top: nil, out: []string{"chef"}},
		{query: "cybersécurité", top: nil, out: []string{"chef"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := ids(ix.Search(tt.query, 0))
			head := got[:min(len(tt.top), len(got))]
			if tt.anyOrder {
				head = slices.Sorted(slices.Values(head))
				tt.top = slices.Sorted(slices.Values(tt.top))
			}
			if !slices.Equal(head, tt.top) {
				t.Errorf("Search(%q) = %q, want it to start with %q", tt.query, got, tt.top)
			}
			if tt.top == nil && tt.in == nil && len(got) > 0 {
				t.Errorf("Search(%q) = %q, want nothing", tt.query, got)
			}
			for _, id := range tt.in {
				if !slices.Contains(got, id) {
					t.Errorf("Search(%q) = %q, want %q among them", tt.query, got, id)
				}
			}
			for _, id := range tt.out {
				if slices.Contains(got, id) {
					t.Errorf("Search(%q) = %q, want no %q", tt.query, got, id)
				}
			}
		})
	}
}

func TestFieldBoosts(t *testing.T) {
	// The same word in the title outranks it in the topics, which
	// outranks the text, which outranks the speakers.
	docs := []Doc{
		{Fields: [NumFields]string{Speakers: "Budget", Title: "Un", Text: "deux trois"}},
		{Fields: [NumFields]string{Text: "budget", Title: "Un", Topics: "deux trois"}},
		{Fields: [NumFields]string{Topics: "budget", Title: "Un", Text: "deux trois"}},
		{Fields: [NumFields]string{Title: "Budget", Topics: "Un", Text: "deux trois"}},
	}
	got := New(docs).Search("budget", 0)
	var order []int
	for _, h := range got {
		order = append(order, h.Doc)
	}
	if want := []int{3, 2, 1, 0}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v (title > topics > text > speakers)", order, want)
	}
}

func TestLimitAndEmpty(t *testing.T) {
	ix := corpusIndex()
	if got := ix.Search("management", 2); len(got) != 2 {
		t.Errorf("limit 2: got %d hits", len(got))
	}
	if got := New(nil).Search("management", 0); got != nil {
		t.Errorf("empty index: got %v", got)
	}
	if New(nil).Len() != 0 || ix.Len() != len(corpus) {
		t.Errorf("Len: %d, want %d", ix.Len(), len(corpus))
	}
}

// Synthetic content for the benchmark: 5,000 highlights drawn from the
// vocabulary of the congress.
var vocabulary = strings.Fields(`intelligence artificielle générative management managers manager équipes
	agents collectivité commune intercommunalité métropole département région télétravail déconnexion
	charge mentale risques psychosociaux recrutement attractivité métiers fonction publique territoriale
	compétences formation innovation transformation organisation décision subsidiarité coconstruction
	usagers habitants accueil proximité données souveraineté sécurité éthique écologie transition
	budget finances commande publique élus confiance écoute communication leadership chef leader
	autonomie hiérarchie promotion équilibre vie professionnelle personnelle expérimentation`)

var speakers = []string{"Hélène Guillet", "Aline Sordon", "Véronique Robitaillie", "Claire Gaillard",
	"Philippe Bertrand", "Florent Noulette", "Jean-Luc Caiveau", "Jessica Martinez"}

func syntheticDocs(n int, seed uint64) []Doc {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = vocabulary[rng.IntN(len(vocabulary))]
		}
		return strings.Join(w, " ")
	}
	docs := make([]Doc, n)
	for i := range docs {
		docs[i] = Doc{Fields: [NumFields]string{
			Title:    pick(6),
			Topics:   pick(2),
			Text:     pick(30 + rng.IntN(30)),
			Speakers: speakers[rng.IntN(len(speakers))],
		}}
	}
	return docs
}

var benchQueries = []string{"IA", "manager", "management à distance", "déconnexion",
	"intelligence artificielle générative", "recrutement attractivité", "Robitaillie",
	"charge mentale des équipes", "AI", "remote management", "cybersécurité", "chef"}

// BenchmarkSearch searches 5,000 highlights; besides ns/op it reports the
// 99th percentile of the per-query time (p99-µs) over all the queries run.
func BenchmarkSearch(b *testing.B) {
	ix := New(syntheticDocs(5000, 1))
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		ix.Search(benchQueries[i%len(benchQueries)], 10)
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	if len(durations) > 0 {
		p99 := durations[(len(durations)*99)/100]
		b.ReportMetric(float64(p99.Nanoseconds())/1000, "p99-µs")
		b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1000, "p50-µs")
	}
}

// BenchmarkIndex builds the index of 5,000 highlights.
func BenchmarkIndex(b *testing.B) {
	docs := syntheticDocs(5000, 1)
	b.ReportAllocs()
	for b.Loop() {
		New(docs)
	}
}

func ExampleIndex_Search() {
	ix := New([]Doc{
		{Fields: [NumFields]string{Title: "Faut-il encore un chef ?"}},
		{Fields: [NumFields]string{Title: "Comment l'IA va transformer le travail du manager ?"}},
	})
	for _, h := range ix.Search("intelligence artificielle", 0) {
		fmt.Println(h.Doc)
	}
	// Output: 1
}
