package csvtable

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

var cols = With(Identity, map[string]string{"interets": "interests", "centres d interet": "interests"})

// A spreadsheet's file: byte-order mark, `;` separator, French and
// accented headers in any case, a blank line, a malformed line; each
// record comes with its own line number.
func TestReadsASpreadsheetsFile(t *testing.T) {
	f, err := Open(strings.NewReader("\uFEFFPlateforme;Utilisateur;Centres d'intérêt\nterminal;claire;ia,rh\n\nterminal;ma\"rc;ia\nterminal;\"léa\";\n"), 1<<20, cols)
	if err != nil {
		t.Fatal(err)
	}
	if f.ListSep != "," || !f.Has("interests") || f.Has("email") {
		t.Errorf("list separator %q, columns %v", f.ListSep, f.Cols)
	}
	type got struct {
		user, interests, reason string
		line                    int
	}
	var all []got
	for {
		rec, line, reason, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got{f.Field(rec, "user"), f.Field(rec, "interests"), reason, line})
	}
	want := []got{{"claire", "ia,rh", "", 2}, {"", "", BareQuote, 4}, {"léa", "", "", 5}}
	if !slices.Equal(all, want) {
		t.Errorf("records %+v, want %+v", all, want)
	}
	// A comma-separated file lists with ";".
	f, err = Open(strings.NewReader("platform,user,interets\nterminal,a,ia;rh\n"), 1<<20, cols)
	if err != nil || f.ListSep != ";" {
		t.Fatalf("%v, list separator %q", err, f.ListSep)
	}
	rec, _, _, _ := f.Next()
	if f.Field(rec, "interests") != "ia;rh" || f.Field(rec, "name") != "" {
		t.Errorf("record %q", rec)
	}
}

// A file refused as a whole says why with a kind and its arguments.
func TestRefusedFiles(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		kind string
		args []string
	}{
		{"", 100, NoHeader, nil},
		{"platform,telephone\n", 100, UnknownColumn, []string{"column", "telephone"}},
		{"platform,user,utilisateur\n", 100, DuplicateColumn, []string{"column", "user"}},
		{"platform,user\n" + strings.Repeat("terminal,a\n", 200000), 2 << 20, TooLarge, []string{"max", "2"}},
		{"platform,\"us\x00er\u202e" + strings.Repeat("x", 60) + "\"\n", 1000, UnknownColumn, []string{"column", "user" + strings.Repeat("x", 36)}}, // control and bidi characters dropped, 40 runes
	} {
		_, err := Open(strings.NewReader(tt.in), tt.max, cols)
		var e *Error
		if !errors.As(err, &e) || e.Kind != tt.kind || (tt.args != nil && !slices.Equal(e.Args, tt.args)) {
			t.Errorf("%.40q: %v (%+v), want %s %q", tt.in, err, e, tt.kind, tt.args)
		}
	}
}

func TestParseReasons(t *testing.T) {
	for in, want := range map[string]string{"a\n\"b": Quote, "a\nb\"c": BareQuote} {
		f, err := Open(strings.NewReader(in), 100, map[string]string{"a": "a"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, reason, err := f.Next(); reason != want || err != nil {
			t.Errorf("%q: %q, %v; want %q", in, reason, err, want)
		}
	}
}
