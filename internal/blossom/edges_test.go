package blossom

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestReadEdges(t *testing.T) {
	in := "# exported round\n" +
		"1000000000001\t7\t1.5\n" +
		"\n" +
		"7 42 -2\n" +
		"  42\t1000000000001\t0.25  \n" +
		"9\t7\t+3.\n" +
		"8\t9\t-.5\n"
	g, err := ReadEdges(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if g.N != 5 || !slices.Equal(g.IDs, []int64{1000000000001, 7, 42, 9, 8}) {
		t.Fatalf("N = %d, IDs = %v", g.N, g.IDs)
	}
	if g.Scale != 2 {
		t.Fatalf("Scale = %d, want 2", g.Scale)
	}
	want := []Edge{{0, 1, 150}, {1, 2, -200}, {2, 0, 25}, {3, 1, 300}, {4, 3, -50}}
	if !slices.Equal(g.Edges, want) {
		t.Fatalf("Edges = %v, want %v", g.Edges, want)
	}
}

func TestReadEdgesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1\t2\t3\n4\t5\tabc\n", `line 2: weight "abc" is not a number`},
		{"1\t2\n", `line 1: want 3 fields`},
		{"1\t2\t3\t4\n", `line 1: want 3 fields`},
		{"# c\n\nx\t2\t3\n", `line 3: vertex id "x" is not an integer`},
		{"1\t99999999999999999999\t3\n", `line 1: vertex id "99999999999999999999" is out of range`},
		{"5\t5\t1\n", `line 1: self loop on vertex 5`},
		{"1\t2\t1.1234567891\n", `line 1: weight "1.1234567891" has more than 9 decimals`},
		{"1\t2\t1.2.3\n", `line 1: weight "1.2.3" is not a number`},
		{"1\t2\t.\n", `line 1: weight "." is not a number`},
		{"1\t2\t-\n", `line 1: weight "-" is not a number`},
		{"1\t2\t1e5\n", `line 1: weight "1e5" is not a number`},
		{"1\t2\t99999999999999999999\n", `line 1: weight "99999999999999999999" is too large`},
		{"1\t2\t9223372036854775807\n3\t4\t0.5\n", `line 1: weight "9223372036854775807" is too large once scaled to 1 decimals`},
	} {
		_, err := ReadEdges(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadEdges(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestFormatWeight(t *testing.T) {
	for _, tc := range []struct {
		w     int64
		scale int
		want  string
	}{
		{42, 0, "42"},
		{-15, 1, "-1.5"},
		{150, 2, "1.5"},
		{-200, 2, "-2"},
		{5, 3, "0.005"},
		{-5, 3, "-0.005"},
		{0, 4, "0"},
		{math.MinInt64, 0, "-9223372036854775808"},
		{math.MinInt64, 9, "-9223372036.854775808"},
		{1000000000, 9, "1"},
	} {
		if got := FormatWeight(tc.w, tc.scale); got != tc.want {
			t.Errorf("FormatWeight(%d, %d) = %q, want %q", tc.w, tc.scale, got, tc.want)
		}
	}
}

// TestReadEdgesThenSolve: a file round-trips to the solver and the total
// prints back in the file's units.
func TestReadEdgesThenSolve(t *testing.T) {
	g, err := ReadEdges(strings.NewReader("10\t20\t1.5\n20\t30\t-0.25\n30\t40\t2\n10\t40\t0.1\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Solve(g.N, g.Edges)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pairs != 2 || FormatWeight(m.Total, g.Scale) != "3.5" {
		t.Fatalf("got %d pairs, total %s; want 2 pairs, 3.5", m.Pairs, FormatWeight(m.Total, g.Scale))
	}
}
