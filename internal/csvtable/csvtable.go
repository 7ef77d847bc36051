// Package csvtable reads the CSV files organizers give the bot (members,
// attendance lists): a first line naming the columns, in any order and
// under any of their names (French or English, case and accents
// ignored), then one record a line. It bounds the file's size, drops a
// spreadsheet's byte-order mark, takes `;` or `,` as the separator (the
// one the header uses most), and says what is wrong with the file or a
// line as a reason code, which the caller turns into a sentence of the
// catalogue: no Go error text reaches an organizer.
package csvtable

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sndgct/maillage/internal/textnorm"
)

// Identity are the names of the columns that say who a line is about, in
// every file (folded header name to canonical name): platform, workspace,
// user, email, name. A caller adds its own columns with With.
var Identity = map[string]string{
	"platform": "platform", "plateforme": "platform",
	"workspace": "workspace", "espace": "workspace", "espace de travail": "workspace",
	"user": "user", "user id": "user", "utilisateur": "user", "identifiant": "user",
	"email": "email", "e mail": "email", "courriel": "email", "mail": "email", "adresse electronique": "email",
	"name": "name", "nom": "name",
}

// With returns the columns of base and more (more wins).
func With(base, more map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(more))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// Reasons a file is refused as a whole (Error.Kind).
const (
	TooLarge        = "too_large"        // Args: max (MB)
	NoHeader        = "no_header"        // no first line, or not CSV
	UnknownColumn   = "unknown_column"   // Args: column
	DuplicateColumn = "duplicate_column" // Args: column
	Unreadable      = "unreadable"       // a read error past the header
)

// Reasons a line is refused (Next's reason).
const (
	Quote      = "quote"       // a quote missing or extra in a quoted field
	BareQuote  = "bare_quote"  // a quote in a field that is not quoted
	FieldCount = "field_count" // (unused while lines may differ in length)
	Other      = "other"
)

// Error is a file refused as a whole: Kind (one of the constants above)
// and Args name it for the organizer, Detail for the logs (in English).
type Error struct {
	Kind, Detail string
	Args         []string
}

func (e *Error) Error() string { return e.Detail }

// File is a CSV file whose header has been read.
type File struct {
	r *csv.Reader
	// Cols maps each column's canonical name to its index.
	Cols map[string]int
	// ListSep separates the items of a list inside a cell: ";" in a file
	// separated by ",", and "," in a file separated by ";".
	ListSep string
}

// Open reads at most maxBytes of r and its header. Columns maps folded
// header names (textnorm.Fold) to canonical names; a name not in it, or
// a canonical name given twice, refuses the file. The error is an *Error,
// or a read error of r.
func Open(r io.Reader, maxBytes int, columns map[string]string) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the CSV file: %w", err)
	}
	if len(data) > maxBytes {
		mb := strconv.Itoa(maxBytes >> 20)
		return nil, &Error{Kind: TooLarge, Detail: "larger than " + mb + " MB", Args: []string{"max", mb}}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // spreadsheets' byte-order mark
	first, _, _ := bytes.Cut(data, []byte("\n"))
	f := &File{r: csv.NewReader(bytes.NewReader(data)), Cols: map[string]int{}, ListSep: ";"}
	f.r.FieldsPerRecord = -1
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		f.r.Comma, f.ListSep = ';', ","
	}
	header, err := f.r.Read()
	if err != nil {
		return nil, &Error{Kind: NoHeader, Detail: "no header line: " + err.Error()}
	}
	for i, h := range header {
		name, ok := columns[textnorm.Fold(h)]
		if !ok {
			col := clean(h, 40)
			return nil, &Error{Kind: UnknownColumn, Detail: fmt.Sprintf("unknown column %q", col), Args: []string{"column", col}}
		}
		if _, dup := f.Cols[name]; dup {
			return nil, &Error{Kind: DuplicateColumn, Detail: fmt.Sprintf("column %q given twice", name), Args: []string{"column", name}}
		}
		f.Cols[name] = i
	}
	return f, nil
}

// Has says whether the header names the column.
func (f *File) Has(col string) bool {
	_, ok := f.Cols[col]
	return ok
}

// Next returns the next record that is not blank and its line number;
// for a malformed line, a reason (Quote, BareQuote…) and the line where
// it starts, with no record; io.EOF at the end; an *Error when the rest
// cannot be read.
func (f *File) Next() (rec []string, line int, reason string, err error) {
	for {
		rec, err := f.r.Read()
		if errors.Is(err, io.EOF) {
			return nil, 0, "", io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, pe.StartLine, ParseReason(pe.Err), nil
			}
			return nil, 0, "", &Error{Kind: Unreadable, Detail: err.Error()}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		line, _ := f.r.FieldPos(0)
		return rec, line, "", nil
	}
}

// Field is the record's cell of the column, or "" when the file has no
// such column or the line is short.
func (f *File) Field(rec []string, col string) string {
	if i, ok := f.Cols[col]; ok && i < len(rec) {
		return rec[i]
	}
	return ""
}

// ParseReason names what encoding/csv found wrong with a line.
func ParseReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote):
		return Quote
	case errors.Is(err, csv.ErrBareQuote):
		return BareQuote
	case errors.Is(err, csv.ErrFieldCount):
		return FieldCount
	}
	return Other
}

// clean makes a header cell fit to be shown (as core.CleanField does):
// printable, spaces collapsed, at most n runes.
func clean(s string, n int) string {
	s, _ = textnorm.Truncate(strings.Join(strings.Fields(textnorm.Clean(s)), " "), n)
	return s
}
