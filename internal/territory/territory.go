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
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
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
type Index struct {
	entries []Entry
	byName  map[string][]int32 // name key -> entries, most populous first
	byCode  map[string]int32   // commune INSEE code or EPCI SIREN
	bySIREN map[string]int32
	byPost  map[string][]int32
	deps    map[string]int32
	regs    map[string]int32
	keys    []string // sorted distinct name keys, for prefix and fuzzy search
	depKeys []depKey // département names, as typed after a commune's name
}

type depKey struct{ key, code string }

var (
	defaultOnce  sync.Once
	defaultIndex *Index
	defaultErr   error
)

// Default returns the index over the embedded data, loaded on first use.
func Default() (*Index, error) {
	defaultOnce.Do(func() { defaultIndex, defaultErr = Load() })
	return defaultIndex, defaultErr
}

// Load parses the embedded data into a new index.
func Load() (*Index, error) {
	return parse(embedded)
}

func parse(data []byte) (*Index, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	ix := &Index{
		byName:  make(map[string][]int32, 40000),
		byCode:  make(map[string]int32, 37000),
		bySIREN: make(map[string]int32, 37000),
		byPost:  make(map[string][]int32, 7000),
		deps:    map[string]int32{},
		regs:    map[string]int32{},
	}
	ix.entries = make([]Entry, 0, 36500)
	sc := bufio.NewScanner(zr)
	line := 0
	intern := map[string]string{} // département, région, type codes repeat
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	for sc.Scan() {
		line++
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) != 10 {
			return nil, fmt.Errorf("territory: line %d: %d fields, want 10", line, len(f))
		}
		pop, err := strconv.Atoi(f[4])
		if err != nil {
			return nil, fmt.Errorf("territory: line %d: population: %w", line, err)
		}
		e := Entry{Code: f[1], SIREN: f[2], Name: f[3], Population: pop, Departement: in(f[5]),
			Region: in(f[6]), EPCI: f[8], Type: in(f[9])}
		if f[7] != "" {
			e.PostalCodes = strings.Split(f[7], ",")
		}
		switch f[0] {
		case "C":
			e.Kind = Commune
		case "E":
			e.Kind = EPCI
		case "D":
			e.Kind = Departement
		case "R":
			e.Kind = Region
		default:
			return nil, fmt.Errorf("territory: line %d: unknown kind %q", line, f[0])
		}
		ix.entries = append(ix.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	for i := range ix.entries {
		e := &ix.entries[i]
		id := int32(i)
		switch e.Kind {
		case Commune, EPCI:
			ix.byCode[e.Code] = id
			for _, cp := range e.PostalCodes {
				ix.byPost[cp] = append(ix.byPost[cp], id)
			}
		case Departement:
			ix.deps[e.Code] = id
			w := words(e.Name)
			ix.depKeys = append(ix.depKeys, depKey{strings.Join(w, ""), e.Code})
			if len(w) > 1 && determiners[w[0]] {
				ix.depKeys = append(ix.depKeys, depKey{strings.Join(w[1:], ""), e.Code})
			}
		case Region:
			ix.regs[e.Code] = id
		}
		if e.SIREN != "" {
			ix.bySIREN[e.SIREN] = id
		}
		for _, k := range nameKeys(e) {
			if !contains(ix.byName[k], id) {
				ix.byName[k] = append(ix.byName[k], id)
			}
		}
	}
	for k, ids := range ix.byName {
		ix.sortIDs(ids)
		ix.keys = append(ix.keys, k)
	}
	sort.Strings(ix.keys)
	return ix, nil
}

func contains(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// sortIDs orders entries most populous first, then by kind and code, so
// that homonyms come in a stable, useful order.
func (ix *Index) sortIDs(ids []int32) {
	sort.Slice(ids, func(i, j int) bool {
		a, b := &ix.entries[ids[i]], &ix.entries[ids[j]]
		if a.Population != b.Population {
			return a.Population > b.Population
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Code < b.Code
	})
}

// Len returns the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Count returns the number of entries of a kind.
func (ix *Index) Count(k Kind) int {
	n := 0
	for i := range ix.entries {
		if ix.entries[i].Kind == k {
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
		out[i] = ix.entries[id]
	}
	return out
}

// ByCode returns the commune with this INSEE code or the EPCI with this
// SIREN.
func (ix *Index) ByCode(code string) (Entry, bool) {
	return ix.at(ix.byCode, strings.ToUpper(strings.TrimSpace(code)))
}

func (ix *Index) at(m map[string]int32, key string) (Entry, bool) {
	id, ok := m[key]
	if !ok {
		return Entry{}, false
	}
	return ix.entries[id], true
}

// BySIREN returns the commune or EPCI with this SIREN (spaces ignored).
func (ix *Index) BySIREN(siren string) (Entry, bool) {
	return ix.at(ix.bySIREN, strings.ReplaceAll(strings.TrimSpace(siren), " ", ""))
}

// ByPostalCode returns the communes served by this postal code, most
// populous first.
func (ix *Index) ByPostalCode(cp string) []Entry {
	ids := ix.byPost[strings.TrimSpace(cp)]
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
		out = append(out, ix.entries[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Lookup resolves what a person typed to name their collectivity: a SIREN
// (9 digits), an INSEE code or a postal code (5 characters: both are
// tried, the INSEE code first), a département code, or a name (see
// ByName). Several results mean the person must choose; none means
// Suggest may help.
func (ix *Index) Lookup(query string) []Entry {
	q := strings.TrimSpace(query)
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
