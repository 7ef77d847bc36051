// Package territory answers questions about the French administrative
// divisions — communes, EPCI (intercommunalités à fiscalité propre),
// départements and régions — from the official data embedded in the
// binary: their names, INSEE codes, SIREN, postal codes and populations.
//
// The data come from the npm package @etalab/decoupage-administratif
// (see data/NOTICE for the version and the licence) and are turned into
// data/territory.tsv.gz by the generator in gen/ (go generate). The package
// is pure: Load parses the embedded file once, and lookups do no I/O.
package territory

//go:generate go run ./gen -version 6.0.0 -out data/territory.tsv.gz -notice data/NOTICE

import (
	"bytes"
	"cmp"
	"compress/gzip"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sndgct/maillage/internal/textnorm"
)

//go:embed data/territory.tsv.gz
var embedded []byte

// Source names the data and their version, for notices.
const Source = "@etalab/decoupage-administratif 6.0.0 (Etalab, Licence Ouverte)"

// Kind is the type of an entry.
type Kind uint8

// Kinds of entries.
const (
	Commune Kind = iota + 1
	EPCI
	Departement
	Region
)

func (k Kind) String() string {
	switch k {
	case Commune:
		return "commune"
	case EPCI:
		return "epci"
	case Departement:
		return "departement"
	case Region:
		return "region"
	}
	return "unknown"
}

// Entry is one collectivity of the official data.
type Entry struct {
	Kind Kind
	// Code is the INSEE code (commune "91573", département "91", région
	// "11") or, for an EPCI, its SIREN.
	Code string
	// SIREN of a commune or an EPCI; empty for départements and régions
	// (the data do not hold it) and for a few overseas communes.
	SIREN string
	Name  string
	// Population is the municipal population (INSEE populations légales);
	// for départements and régions, the sum over their current communes.
	Population int
	// Departement and Region are INSEE codes. An EPCI's are those of its
	// most populous member commune. A région has no Departement.
	Departement string
	Region      string
	// PostalCodes of a commune, sorted.
	PostalCodes []string
	// EPCI is the SIREN of the commune's EPCI, if it belongs to one.
	EPCI string
	// Type is an EPCI's legal type: CC, CA, CU, METRO or MET69.
	Type string
}

// Index holds the loaded data. It is immutable and safe for concurrent use.
//
// The layout is compact, for a bot that keeps it for its whole life: the
// decompressed file is kept as one string (2.1 MB) and every string an
// Entry holds is a slice of it, so the 36,000 entries allocate no string of
// their own; an entry is 12 bytes (where its line starts, its population
// and kind); the name keys are one sorted string with offsets, and each
// lookup table is a sorted array searched by bisection instead of a map.
// About 4 MiB live where maps of strings held 16.5 MiB. Lookups parse the
// few lines they return.
type Index struct {
	text    string
	entries []entry
	// Name keys, sorted and distinct: key i is keyBlob[keyOff[i]:keyOff[i+1]],
	// its entries ids[idOff[i]:idOff[i+1]], most populous first.
	keyBlob string
	keyOff  []uint32
	idOff   []uint32
	ids     []int32
	byCode  []int32    // communes and EPCI, by INSEE code or SIREN
	bySIREN []int32    // entries with a SIREN, by SIREN
	byPost  []postCode // by postal code, then file order
	deps    map[string]int32
	regs    map[string]int32
	depKeys []depKey // département names, as typed after a commune's name
}

// entry is where an entry's line starts in the text, and what sorting and
// filtering need without parsing it.
type entry struct {
	off  uint32
	pop  int32
	kind Kind
}

type postCode struct {
	cp uint32 // the five digits as a number
	id int32
}

type depKey struct{ key, code string }

var (
	defaultOnce  sync.Once
	defaultIndex *Index
	defaultErr   error
)

// Default returns the index over the embedded data, loaded on first use
// (about 0.1 s), not at start-up.
func Default() (*Index, error) {
	defaultOnce.Do(func() { defaultIndex, defaultErr = Load() })
	return defaultIndex, defaultErr
}

// Load parses the embedded data into a new index.
func Load() (*Index, error) {
	return parse(embedded)
}

// Field numbers of a line.
const (
	fKind = iota
	fCode
	fSIREN
	fName
	fPopulation
	fDepartement
	fRegion
	fPostalCodes
	fEPCI
	fType
	nFields
)

// fields splits line into its nFields tab-separated fields, without
// allocating; ok is false if there are not exactly nFields.
func fields(line string) (f [nFields]string, ok bool) {
	for i := 0; i < nFields-1; i++ {
		j := strings.IndexByte(line, '\t')
		if j < 0 {
			return f, false
		}
		f[i], line = line[:j], line[j+1:]
	}
	if strings.IndexByte(line, '\t') >= 0 {
		return f, false
	}
	f[nFields-1] = line
	return f, true
}

func parse(data []byte) (*Index, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(2200 << 10)
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	ix := &Index{text: buf.String(), deps: map[string]int32{}, regs: map[string]int32{}}
	ix.entries = make([]entry, 0, 36500)
	type keyRef struct {
		key string
		id  int32
	}
	keys := make([]keyRef, 0, 40000)
	text := ix.text
	line := 0
	for off := 0; off < len(text); {
		line++
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		t := text[off : off+end]
		start := off
		off += end + 1
		if t == "" || t[0] == '#' {
			continue
		}
		f, ok := fields(t)
		if !ok {
			return nil, fmt.Errorf("territory: line %d: %d fields, want %d", line, strings.Count(t, "\t")+1, nFields)
		}
		pop, err := strconv.Atoi(f[fPopulation])
		if err != nil {
			return nil, fmt.Errorf("territory: line %d: population: %w", line, err)
		}
		e := entry{off: uint32(start), pop: int32(pop)}
		switch f[fKind] {
		case "C":
			e.kind = Commune
		case "E":
			e.kind = EPCI
		case "D":
			e.kind = Departement
		case "R":
			e.kind = Region
		default:
			return nil, fmt.Errorf("territory: line %d: unknown kind %q", line, f[fKind])
		}
		id := int32(len(ix.entries))
		ix.entries = append(ix.entries, e)
		switch e.kind {
		case Commune, EPCI:
			ix.byCode = append(ix.byCode, id)
			for cps := f[fPostalCodes]; cps != ""; {
				cp, rest, _ := strings.Cut(cps, ",")
				n, err := strconv.ParseUint(cp, 10, 32)
				if err != nil || len(cp) != 5 {
					return nil, fmt.Errorf("territory: line %d: postal code %q", line, cp)
				}
				ix.byPost = append(ix.byPost, postCode{uint32(n), id})
				cps = rest
			}
		case Departement:
			ix.deps[f[fCode]] = id
			w := words(f[fName])
			ix.depKeys = append(ix.depKeys, depKey{strings.Join(w, ""), f[fCode]})
			if len(w) > 1 && determiners[w[0]] {
				ix.depKeys = append(ix.depKeys, depKey{strings.Join(w[1:], ""), f[fCode]})
			}
		case Region:
			ix.regs[f[fCode]] = id
		}
		if f[fSIREN] != "" {
			ix.bySIREN = append(ix.bySIREN, id)
		}
		for _, k := range nameKeys(e.kind, f[fName]) {
			keys = append(keys, keyRef{k, id})
		}
	}
	// Each table sorted stably, so that among equal codes the last entry
	// of the file wins, as it did when the tables were maps.
	slices.SortStableFunc(ix.byCode, func(a, b int32) int { return strings.Compare(ix.code(a), ix.code(b)) })
	slices.SortStableFunc(ix.bySIREN, func(a, b int32) int { return strings.Compare(ix.siren(a), ix.siren(b)) })
	slices.SortStableFunc(ix.byPost, func(a, b postCode) int { return cmp.Compare(a.cp, b.cp) })
	// Name keys: sorted, distinct, each with its entries most populous first.
	slices.SortStableFunc(keys, func(a, b keyRef) int { return strings.Compare(a.key, b.key) })
	var blob strings.Builder
	for i := 0; i < len(keys); {
		j := i
		for j < len(keys) && keys[j].key == keys[i].key {
			j++
		}
		ix.keyOff = append(ix.keyOff, uint32(blob.Len()))
		ix.idOff = append(ix.idOff, uint32(len(ix.ids)))
		blob.WriteString(keys[i].key)
		first := len(ix.ids)
		for _, k := range keys[i:j] {
			if !slices.Contains(ix.ids[first:], k.id) {
				ix.ids = append(ix.ids, k.id)
			}
		}
		ix.sortIDs(ix.ids[first:])
		i = j
	}
	ix.keyOff = append(ix.keyOff, uint32(blob.Len()))
	ix.idOff = append(ix.idOff, uint32(len(ix.ids)))
	ix.keyBlob = blob.String()
	ix.keyOff = slices.Clip(ix.keyOff)
	ix.idOff = slices.Clip(ix.idOff)
	ix.ids = slices.Clip(ix.ids)
	ix.entries = slices.Clip(ix.entries)
	return ix, nil
}

// line returns entry id's line.
func (ix *Index) line(id int32) string {
	t := ix.text[ix.entries[id].off:]
	if i := strings.IndexByte(t, '\n'); i >= 0 {
		t = t[:i]
	}
	return t
}

// field returns field n of entry id's line.
func (ix *Index) field(id int32, n int) string {
	f, _ := fields(ix.line(id))
	return f[n]
}

func (ix *Index) code(id int32) string  { return ix.field(id, fCode) }
func (ix *Index) siren(id int32) string { return ix.field(id, fSIREN) }

// entry returns entry id in full.
func (ix *Index) entry(id int32) Entry {
	f, _ := fields(ix.line(id))
	e := &ix.entries[id]
	out := Entry{Kind: e.kind, Code: f[fCode], SIREN: f[fSIREN], Name: f[fName], Population: int(e.pop),
		Departement: f[fDepartement], Region: f[fRegion], EPCI: f[fEPCI], Type: f[fType]}
	if f[fPostalCodes] != "" {
		out.PostalCodes = strings.Split(f[fPostalCodes], ",")
	}
	return out
}

// numKeys is the number of distinct name keys.
func (ix *Index) numKeys() int { return len(ix.keyOff) - 1 }

// key returns name key i.
func (ix *Index) key(i int) string { return ix.keyBlob[ix.keyOff[i]:ix.keyOff[i+1]] }

// idsOf returns the entries of name key k, most populous first.
func (ix *Index) idsOf(k string) []int32 {
	i, found := sort.Find(ix.numKeys(), func(i int) int { return strings.Compare(k, ix.key(i)) })
	if !found {
		return nil
	}
	return ix.ids[ix.idOff[i]:ix.idOff[i+1]]
}

// search returns the last id of table whose key (by keyOf) is k.
func (ix *Index) search(table []int32, keyOf func(int32) string, k string) (int32, bool) {
	i := sort.Search(len(table), func(i int) bool { return keyOf(table[i]) > k })
	if i == 0 || keyOf(table[i-1]) != k {
		return 0, false
	}
	return table[i-1], true
}

// sortIDs orders entries most populous first, then by kind and code, so
// that homonyms come in a stable, useful order.
func (ix *Index) sortIDs(ids []int32) {
	if len(ids) < 2 {
		return
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := &ix.entries[ids[i]], &ix.entries[ids[j]]
		if a.pop != b.pop {
			return a.pop > b.pop
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return ix.code(ids[i]) < ix.code(ids[j])
	})
}

// Len returns the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Count returns the number of entries of a kind.
func (ix *Index) Count(k Kind) int {
	n := 0
	for i := range ix.entries {
		if ix.entries[i].kind == k {
			n++
		}
	}
	return n
}

func (ix *Index) get(ids []int32) []Entry {
	if len(ids) == 0 {
		return nil
	}
	out := make([]Entry, len(ids))
	for i, id := range ids {
		out[i] = ix.entry(id)
	}
	return out
}

// ByCode returns the commune with this INSEE code or the EPCI with this
// SIREN.
func (ix *Index) ByCode(code string) (Entry, bool) {
	return ix.found(ix.search(ix.byCode, ix.code, strings.ToUpper(strings.TrimSpace(code))))
}

func (ix *Index) found(id int32, ok bool) (Entry, bool) {
	if !ok {
		return Entry{}, false
	}
	return ix.entry(id), true
}

func (ix *Index) at(m map[string]int32, key string) (Entry, bool) {
	id, ok := m[key]
	return ix.found(id, ok)
}

// BySIREN returns the commune or EPCI with this SIREN (spaces ignored).
func (ix *Index) BySIREN(siren string) (Entry, bool) {
	return ix.found(ix.search(ix.bySIREN, ix.siren, strings.ReplaceAll(strings.TrimSpace(siren), " ", "")))
}

// ByPostalCode returns the communes served by this postal code, most
// populous first.
func (ix *Index) ByPostalCode(cp string) []Entry {
	cp = strings.TrimSpace(cp)
	n, err := strconv.ParseUint(cp, 10, 32)
	if err != nil || len(cp) != 5 {
		return nil
	}
	i := sort.Search(len(ix.byPost), func(i int) bool { return ix.byPost[i].cp >= uint32(n) })
	var ids []int32
	for ; i < len(ix.byPost) && ix.byPost[i].cp == uint32(n); i++ {
		ids = append(ids, ix.byPost[i].id)
	}
	out := ix.get(ids)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Population > out[j].Population })
	return out
}

// Departement returns the département with this INSEE code ("91", "2A",
// "971").
func (ix *Index) Departement(code string) (Entry, bool) {
	return ix.at(ix.deps, strings.ToUpper(strings.TrimSpace(code)))
}

// Region returns the région with this INSEE code ("11", "53").
func (ix *Index) Region(code string) (Entry, bool) {
	return ix.at(ix.regs, strings.TrimSpace(code))
}

// Departements returns every département, ordered by code.
func (ix *Index) Departements() []Entry {
	out := make([]Entry, 0, len(ix.deps))
	for _, id := range ix.deps {
		out = append(out, ix.entry(id))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Lookup resolves what a person typed to name their collectivity: a SIREN
// (9 digits), an INSEE code or a postal code (5 characters: both are
// tried, the INSEE code first), a département code, or a name (see
// ByName). Several results mean the person must choose; none means
// Suggest may help.
//
// A code may be announced by the words people put before it: « code
// postal 91280 », « CP 91280 », « code INSEE 91573 », « SIREN 219105731 »;
// then only that kind of code is tried.
func (ix *Index) Lookup(query string) []Entry {
	q := strings.TrimSpace(query)
	if kind, code, ok := announcedCode(q); ok {
		switch kind {
		case codePostal:
			return ix.ByPostalCode(code)
		case codeINSEE:
			if e, ok := ix.ByCode(code); ok && e.Kind == Commune {
				return []Entry{e}
			}
			return nil
		case codeSIREN:
			if e, ok := ix.BySIREN(code); ok {
				return []Entry{e}
			}
			return nil
		}
	}
	compact := strings.ReplaceAll(q, " ", "")
	switch {
	case len(compact) == 9 && digits(compact):
		if e, ok := ix.BySIREN(compact); ok {
			return []Entry{e}
		}
		return nil
	case len(compact) == 5 && (digits(compact) || corsica(compact)):
		var out []Entry
		if e, ok := ix.ByCode(compact); ok && e.Kind == Commune {
			out = append(out, e)
		}
		for _, e := range ix.ByPostalCode(compact) {
			if len(out) == 0 || e.Code != out[0].Code {
				out = append(out, e)
			}
		}
		return out
	case (len(compact) == 2 || len(compact) == 3) && (digits(compact) || corsica(compact)):
		if e, ok := ix.Departement(compact); ok {
			return []Entry{e}
		}
		return nil
	}
	return ix.ByName(q)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// corsica reports a Corsican code: "2A", "2B", "2A004".
func corsica(s string) bool {
	return len(s) >= 2 && s[0] == '2' && (s[1] == 'A' || s[1] == 'B' || s[1] == 'a' || s[1] == 'b') && digits(s[2:]+"0")
}

type codeKind uint8

const (
	codePostal codeKind = iota + 1
	codeINSEE
	codeSIREN
)

// codeWords are the words that announce a code, folded.
var codeWords = []struct {
	words []string
	kind  codeKind
}{
	{[]string{"code", "postal"}, codePostal}, {[]string{"cp"}, codePostal}, {[]string{"c", "p"}, codePostal},
	{[]string{"postal", "code"}, codePostal}, {[]string{"postcode"}, codePostal}, {[]string{"zip", "code"}, codePostal},
	{[]string{"zip"}, codePostal},
	{[]string{"code", "insee"}, codeINSEE}, {[]string{"insee"}, codeINSEE}, {[]string{"code", "commune"}, codeINSEE},
	{[]string{"insee", "code"}, codeINSEE}, {[]string{"cog"}, codeINSEE},
	{[]string{"numero", "siren"}, codeSIREN}, {[]string{"siren"}, codeSIREN}, {[]string{"siren", "number"}, codeSIREN},
}

// announcedCode reads « code postal 91280 », « CP : 91280 », « INSEE
// 2A004 », « SIREN 219 105 731 ».
func announcedCode(q string) (codeKind, string, bool) {
	w := strings.Fields(textnorm.Fold(q))
	for _, cw := range codeWords {
		rest, ok := cutPrefix(w, cw.words)
		if !ok || len(rest) == 0 {
			continue
		}
		if len(rest) > 1 && (rest[0] == "n" || rest[0] == "no") { // « CP n° 91280 »
			rest = rest[1:]
		}
		code := strings.ToUpper(strings.Join(rest, ""))
		switch cw.kind {
		case codeSIREN:
			if len(code) == 9 && digits(code) {
				return cw.kind, code, true
			}
		default:
			if len(rest) == 1 && len(code) == 5 && (digits(code) || (cw.kind == codeINSEE && corsica(code))) {
				return cw.kind, code, true
			}
		}
		return 0, "", false
	}
	return 0, "", false
}
