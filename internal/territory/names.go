package territory

import (
	"sort"
	"strings"

	"github.com/sndgct/maillage/internal/textnorm"
)

// abbreviations are expanded in names and queries alike.
var abbreviations = map[string]string{"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}

// words folds s (case, accents, punctuation) into words, abbreviations
// expanded: "St-Pierre-du-Perray" -> [saint pierre du perray].
func words(s string) []string {
	w := strings.Fields(textnorm.Fold(s))
	for i, x := range w {
		if full, ok := abbreviations[x]; ok {
			w[i] = full
		}
	}
	return w
}

// Key is the form under which names are compared: folded words joined
// without spaces, so that hyphens, apostrophes and spaces do not matter
// ("L'Haÿ-les-Roses" and "lhay les roses" both give "lhaylesroses").
func Key(s string) string { return strings.Join(words(s), "") }

// epciPrefixes are the legal types that open many EPCI names ("CA Dinan
// Agglomération"); EPCI are also indexed without them.
var epciPrefixes = [][]string{
	{"communaute", "de", "communes"}, {"communaute", "d", "agglomeration"}, {"communaute", "urbaine"},
	{"cc"}, {"ca"}, {"cu"}, {"metropole"},
}

var articles = map[string]bool{"de": true, "du": true, "des": true, "d": true}
var determiners = map[string]bool{"la": true, "le": true, "les": true, "l": true}

func nameKeys(kind Kind, name string) []string {
	w := words(name)
	keys := []string{strings.Join(w, "")}
	if kind == EPCI {
		for _, p := range epciPrefixes {
			if rest, ok := cutPrefix(w, p); ok && len(rest) > 0 {
				for _, v := range articleVariants(rest) {
					keys = append(keys, strings.Join(v, ""))
				}
			}
		}
	}
	return keys
}

func cutPrefix(w, p []string) ([]string, bool) {
	if len(w) < len(p) {
		return nil, false
	}
	for i := range p {
		if w[i] != p[i] {
			return nil, false
		}
	}
	return w[len(p):], true
}

// articleVariants returns w, then w without a leading "de/du/des/d", then
// without a following "la/le/les/l" too: "de l essonne" gives itself,
// "l essonne" and "essonne".
func articleVariants(w []string) [][]string {
	out := [][]string{w}
	if len(w) > 1 && articles[w[0]] {
		w = w[1:]
		out = append(out, w)
	}
	if len(w) > 1 && determiners[w[0]] {
		out = append(out, w[1:])
	}
	return out
}

// queryPrefixes are words people put before a name, with the kind of
// collectivity they announce.
var queryPrefixes = []struct {
	words []string
	kind  Kind
}{
	{[]string{"hotel", "de", "ville"}, Commune}, {[]string{"mairie"}, Commune}, {[]string{"ville"}, Commune},
	{[]string{"commune"}, Commune},
	{[]string{"communaute", "de", "communes"}, EPCI}, {[]string{"communaute", "d", "agglomeration"}, EPCI},
	{[]string{"communaute", "urbaine"}, EPCI}, {[]string{"communaute"}, EPCI}, {[]string{"agglomeration"}, EPCI},
	{[]string{"agglo"}, EPCI}, {[]string{"intercommunalite"}, EPCI}, {[]string{"interco"}, EPCI},
	{[]string{"epci"}, EPCI}, {[]string{"cc"}, EPCI}, {[]string{"ca"}, EPCI}, {[]string{"cu"}, EPCI},
	{[]string{"metropole"}, EPCI},
	{[]string{"conseil", "departemental"}, Departement}, {[]string{"conseil", "general"}, Departement},
	{[]string{"departement"}, Departement}, {[]string{"cd"}, Departement},
	{[]string{"conseil", "regional"}, Region}, {[]string{"region"}, Region},
}

type variant struct {
	key  string
	kind Kind // 0: any
	dep  string
}

// variants lists the keys to try for a query, most literal first: as
// typed; without a leading determiner; without a leading "mairie de",
// "département de l'", "CA du"...; without a trailing département code
// ("Saint-Denis 93") or name ("Saint-Denis Réunion").
func (ix *Index) variants(q string) []variant {
	w := words(q)
	if len(w) == 0 {
		return nil
	}
	for len(w) > 1 && determiners[w[0]] && (w[0] != "l" || len(w) > 2) {
		// "la ville de", "le département du": drop the determiner before a prefix.
		if _, ok := ix.prefixKind(w[1:]); !ok {
			break
		}
		w = w[1:]
	}
	var out []variant
	add := func(w []string, kind Kind, dep string) {
		for _, v := range articleVariants(w) {
			out = append(out, variant{strings.Join(v, ""), kind, dep})
		}
	}
	add(w, 0, "")
	for _, p := range queryPrefixes {
		if rest, ok := cutPrefix(w, p.words); ok && len(rest) > 0 {
			add(rest, p.kind, "")
		}
	}
	// A trailing département: "saint denis 93", "saint denis (la reunion)".
	if n := len(w); n > 1 {
		last := strings.ToUpper(w[n-1])
		if _, ok := ix.deps[last]; ok {
			add(w[:n-1], 0, last)
		}
		full := strings.Join(w, "")
		for _, d := range ix.depKeys {
			if len(full) > len(d.key) && strings.HasSuffix(full, d.key) {
				out = append(out, variant{full[:len(full)-len(d.key)], 0, d.code})
			}
		}
	}
	return out
}

func (ix *Index) prefixKind(w []string) (Kind, bool) {
	for _, p := range queryPrefixes {
		if _, ok := cutPrefix(w, p.words); ok {
			return p.kind, true
		}
	}
	return 0, false
}

// ByName returns the collectivities with this name, insensitive to case,
// accents, hyphens, apostrophes and "Saint"/"St"/"Ste"; words such as
// "mairie de", "communauté d'agglomération", "département de l'" or
// "région" before the name are understood, and so is a département code
// or name after it. Homonyms are all returned, most populous first.
func (ix *Index) ByName(query string) []Entry {
	// The kind a prefix announces is honoured over every variant first:
	// "ville de Lyon" is the commune, although "de Lyon" also names the
	// Métropole de Lyon. Only when no variant has an entry of that kind is
	// the prefix taken as a slip ("mairie de l'Essonne").
	var slip []int32
	for _, v := range ix.variants(query) {
		ids := ix.idsOf(v.key)
		if len(ids) == 0 {
			continue
		}
		var kept []int32
		for _, id := range ids {
			e := &ix.entries[id]
			if (v.kind == 0 || e.kind == v.kind) && (v.dep == "" || ix.field(id, fDepartement) == v.dep) {
				kept = append(kept, id)
			}
		}
		if len(kept) == 0 && v.kind != 0 && v.dep == "" && slip == nil {
			slip = ids
		}
		if len(kept) > 0 {
			return ix.get(kept)
		}
	}
	return ix.get(slip)
}

// Suggest returns at most n collectivities whose names are near the
// query, for a query that ByName does not resolve: names that start with
// it, then names one typo away, then names that contain it, then names
// two or three typos away; most populous first within each group.
func (ix *Index) Suggest(query string, n int) []Entry {
	vs := ix.variants(query)
	if len(vs) == 0 || n <= 0 {
		return nil
	}
	type cand struct {
		id   int32
		tier int
	}
	seen := map[int32]bool{}
	var cands []cand
	addKey := func(k string, tier int) {
		for _, id := range ix.idsOf(k) {
			if !seen[id] {
				seen[id] = true
				cands = append(cands, cand{id, tier})
			}
		}
	}
	// The shortest variant is the name itself, without "mairie de" and co.
	q := vs[0].key
	for _, v := range vs {
		if v.dep == "" && len(v.key) < len(q) && len(v.key) >= 3 {
			q = v.key
		}
	}
	if q == "" {
		return nil
	}
	// Names starting with the query.
	nk := ix.numKeys()
	i := sort.Search(nk, func(i int) bool { return ix.key(i) >= q })
	for j := i; j < nk && strings.HasPrefix(ix.key(j), q) && j-i < 500; j++ {
		addKey(ix.key(j), 0)
	}
	// Names within a few typos.
	limit := 1
	switch {
	case len(q) > 12:
		limit = 3
	case len(q) > 5:
		limit = 2
	}
	for i := range nk {
		k := ix.key(i)
		if d := len(k) - len(q); d > limit || -d > limit {
			continue
		}
		if dist, ok := textnorm.Within(q, k, limit); ok {
			addKey(k, []int{0, 1, 3, 4}[dist])
		}
	}
	// Names containing the query.
	if len(q) >= 4 {
		for i := range nk {
			if k := ix.key(i); strings.Contains(k, q) {
				addKey(k, 2)
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].tier != cands[j].tier {
			return cands[i].tier < cands[j].tier
		}
		return ix.entries[cands[i].id].pop > ix.entries[cands[j].id].pop
	})
	if len(cands) > n {
		cands = cands[:n]
	}
	out := make([]Entry, len(cands))
	for i, c := range cands {
		out[i] = ix.entry(c.id)
	}
	return out
}
