package blossom

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Graph is an edge list read by ReadEdges.
type Graph struct {
	N     int
	IDs   []int64 // vertex index -> original id, in order of first appearance
	Edges []Edge
	Scale int // weights are Edges[i].W / 10^Scale
}

// MaxScale is the greatest number of decimals ReadEdges accepts.
const MaxScale = 9

// ReadEdges parses lines "u<TAB>v<TAB>weight" (integer ids of any size,
// possibly sparse; integer or decimal weights, negatives allowed; blank
// lines and lines starting with # ignored; spaces also accepted as
// separators). Errors give the line number and what is wrong
// ("line 7: weight \"abc\" is not a number"). Decimal weights are scaled
// exactly to integers: weight = W / 10^Scale (Scale <= 9).
func ReadEdges(r io.Reader) (Graph, error) {
	type raw struct {
		u, v     int
		mantissa int64
		decimals int
		line     int
		text     string
	}
	var g Graph
	index := map[int64]int{}
	vertex := func(id int64) int {
		if i, ok := index[id]; ok {
			return i
		}
		i := len(g.IDs)
		index[id] = i
		g.IDs = append(g.IDs, id)
		return i
	}
	var rows []raw
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 3 {
			return Graph{}, fmt.Errorf("line %d: want 3 fields \"u<TAB>v<TAB>weight\", got %d", line, len(fields))
		}
		ids := [2]int64{}
		for i, f := range fields[:2] {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				what := "is not an integer"
				if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
					what = "is out of range"
				}
				return Graph{}, fmt.Errorf("line %d: vertex id %q %s", line, f, what)
			}
			ids[i] = id
		}
		if ids[0] == ids[1] {
			return Graph{}, fmt.Errorf("line %d: self loop on vertex %d", line, ids[0])
		}
		mant, dec, err := parseDecimal(fields[2])
		if err != nil {
			return Graph{}, fmt.Errorf("line %d: weight %q %w", line, fields[2], err)
		}
		rows = append(rows, raw{u: vertex(ids[0]), v: vertex(ids[1]), mantissa: mant, decimals: dec, line: line, text: fields[2]})
		g.Scale = max(g.Scale, dec)
	}
	if err := sc.Err(); err != nil {
		return Graph{}, fmt.Errorf("line %d: %w", line+1, err)
	}
	g.N = len(g.IDs)
	g.Edges = make([]Edge, len(rows))
	for i, r := range rows {
		w := r.mantissa
		for d := r.decimals; d < g.Scale; d++ {
			if w > math.MaxInt64/10 || w < math.MinInt64/10 {
				return Graph{}, fmt.Errorf("line %d: weight %q is too large once scaled to %d decimals", r.line, r.text, g.Scale)
			}
			w *= 10
		}
		g.Edges[i] = Edge{U: r.u, V: r.v, W: w}
	}
	return g, nil
}

// parseDecimal reads [+-]digits[.digits] exactly: the digits without the
// point, and the number of decimals.
func parseDecimal(s string) (int64, int, error) {
	t := s
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	intPart, frac, _ := strings.Cut(t, ".")
	if intPart == "" && frac == "" || !digits(intPart) || !digits(frac) {
		return 0, 0, fmt.Errorf("is not a number")
	}
	if len(frac) > MaxScale {
		return 0, 0, fmt.Errorf("has more than %d decimals", MaxScale)
	}
	var v uint64
	for _, c := range intPart + frac {
		d := uint64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, 0, fmt.Errorf("is too large")
		}
		v = v*10 + d
	}
	w := int64(v)
	if neg {
		w = -w
	}
	return w, len(frac), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatWeight prints w / 10^scale exactly ("-1.5", "42"), without
// trailing zeros after the decimal point.
func FormatWeight(w int64, scale int) string {
	if scale <= 0 {
		return strconv.FormatInt(w, 10)
	}
	neg := w < 0
	var a uint64
	if neg {
		a = uint64(-(w + 1)) + 1 // safe for math.MinInt64
	} else {
		a = uint64(w)
	}
	digitsStr := strconv.FormatUint(a, 10)
	if len(digitsStr) <= scale {
		digitsStr = strings.Repeat("0", scale-len(digitsStr)+1) + digitsStr
	}
	intPart := digitsStr[:len(digitsStr)-scale]
	frac := strings.TrimRight(digitsStr[len(digitsStr)-scale:], "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}
