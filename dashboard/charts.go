package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The charts are SVG written here, on the server, into the page: no
// script, no external file, nothing to download, and they print. Each is
// role="img" with a title and a description that points to its data
// table, the accessible alternative (RGAA 1.1, 1.3 and 4.1-style
// « alternative à l'image complexe »). Colours are not the only carrier of
// information: every value is written next to its bar or in its cell, and
// the lines of a chart differ by their dash and their marks too.

// svgText escapes s for SVG text content and attributes.
func svgText(s string) string { return template.HTMLEscapeString(s) }

// chartHead opens an svg of the given size with its accessible name.
func chartHead(b *strings.Builder, id, title, desc string, w, h int) {
	chartHeadClass(b, "chart", id, title, desc, w, h)
}

func chartHeadClass(b *strings.Builder, class, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<svg class="%s" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-t %s-d" focusable="false">`, class, w, h, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, svgText(title), id, svgText(desc))
}

// Bar is one bar of a bar chart: its label, its value (drawn) and the
// text written at its end (the value, or « < 5 »).
type Bar struct {
	Label string
	Value int
	Text  string
}

// barChart draws horizontal bars, one per line, longest scaled to the
// width. A masked value (1 to 4) is drawn as 5, hatched, so that the bar
// does not tell what its text hides.
func barChart(id, title, desc string, bars []Bar) template.HTML {
	const (
		w, labelW, rowH, top = 720, 250, 26, 8
		barMax               = w - labelW - 70
	)
	h := top*2 + rowH*max(len(bars), 1)
	var b strings.Builder
	chartHead(&b, id, title, desc, w, h)
	maxV := 1
	for _, bar := range bars {
		maxV = max(maxV, drawn(bar.Value))
	}
	for i, bar := range bars {
		y := top + i*rowH
		v := drawn(bar.Value)
		bw := int(math.Round(float64(barMax) * float64(v) / float64(maxV)))
		if v > 0 {
			bw = max(bw, 2)
		}
		label := bar.Label
		if r := []rune(label); len(r) > 34 {
			label = string(r[:33]) + "…"
		}
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+17, svgText(label))
		class := "bar"
		if masked(bar.Value) {
			class = "bar masked"
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%d" height="%d"/>`, class, labelW, y+4, bw, rowH-8)
		fmt.Fprintf(&b, `<text class="value" x="%d" y="%d">%s</text>`, labelW+bw+6, y+17, svgText(bar.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text is escaped above
}

// drawn is the value a bar is drawn at: masked values as 5.
func drawn(v int) int {
	if masked(v) {
		return 5
	}
	return v
}

// Series is one line of a line chart: values in percent, NaN where the
// figure is hidden (too few people) or missing.
type Series struct {
	Name   string
	Values []float64
}

// lineChart draws series of percentages over the x labels (rounds, oldest
// first).
func lineChart(id, title, desc string, xs []string, series []Series) template.HTML {
	const (
		w, h                 = 720, 320
		left, right, top, bt = 48, 16, 16, 96
	)
	pw, ph := float64(w-left-right), float64(h-top-bt)
	var b strings.Builder
	chartHead(&b, id, title, desc, w, h)
	for _, p := range []int{0, 25, 50, 75, 100} {
		y := float64(top) + ph*(1-float64(p)/100)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, w-right, y, y)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%d %%</text>`, left-6, y+4, p)
	}
	x := func(i int) float64 {
		if len(xs) <= 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(len(xs)-1)
	}
	step := max(1, len(xs)/8) // at most about eight dates on the axis
	for i, l := range xs {
		// Every step-th date and the last one, but no date too close
		// before the last (they would overlap).
		if i == len(xs)-1 || (i%step == 0 && len(xs)-1-i >= (step+1)/2) {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), h-bt+16, svgText(l))
		}
	}
	for k, s := range series {
		var path strings.Builder
		pen := false
		for i, v := range s.Values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			y := float64(top) + ph*(1-v/100)
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y)
			pen = true
		}
		fmt.Fprintf(&b, `<path class="line s%d" d="%s"/>`, k%3, strings.TrimSpace(path.String()))
		for i, v := range s.Values {
			if !math.IsNaN(v) {
				fmt.Fprint(&b, marker(k%3, x(i), float64(top)+ph*(1-v/100)))
			}
		}
		// Legend under the axis.
		ly := h - bt + 40 + k*18
		fmt.Fprintf(&b, `<line class="line s%d" x1="%d" x2="%d" y1="%d" y2="%d"/>`, k%3, left, left+36, ly-4, ly-4)
		fmt.Fprint(&b, marker(k%3, float64(left+18), float64(ly-4)))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d">%s</text>`, left+44, ly, svgText(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text is escaped above
}

// marker draws the mark of series k at (x, y): a circle, a square, a
// diamond.
func marker(k int, x, y float64) string {
	switch k {
	case 1:
		return fmt.Sprintf(`<rect class="mark s1" x="%.1f" y="%.1f" width="7" height="7"/>`, x-3.5, y-3.5)
	case 2:
		return fmt.Sprintf(`<path class="mark s2" d="M%.1f %.1f l4.5 4.5 l-4.5 4.5 l-4.5 -4.5 z"/>`, x, y-4.5)
	}
	return fmt.Sprintf(`<circle class="mark s0" cx="%.1f" cy="%.1f" r="3.5"/>`, x, y)
}

// heatMap draws a square matrix of counts: the darker the cell, the more
// pairs; each cell writes its count (or « < 5 »).
func heatMap(id, title, desc string, labels []string, cells [][]int, text func(int) string) template.HTML {
	n := len(labels)
	const cell, labelW = 60, 250
	top := 150
	w, h := labelW+n*cell+120, top+n*cell+8 // room on the right for the last slanted label
	var b strings.Builder
	chartHeadClass(&b, "chart heatmap", id, title, desc, w, h)
	maxV := 1
	for _, row := range cells {
		for _, v := range row {
			maxV = max(maxV, v)
		}
	}
	for j, l := range labels {
		x := labelW + j*cell + cell/2
		fmt.Fprintf(&b, `<text class="label" transform="translate(%d %d) rotate(-45)">%s</text>`, x, top-8, svgText(short(l, 22)))
	}
	for i, l := range labels {
		y := top + i*cell
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+cell/2+5, svgText(short(l, 34)))
		for j := range labels {
			v := cells[i][j]
			level := 0
			if v > 0 {
				level = 1 + int(math.Round(4*float64(drawn(v))/float64(maxV)))
				level = min(level, 5)
			}
			fmt.Fprintf(&b, `<rect class="heat h%d" x="%d" y="%d" width="%d" height="%d"/>`, level, labelW+j*cell, y, cell-2, cell-2)
			fmt.Fprintf(&b, `<text class="cell h%d" x="%d" y="%d" text-anchor="middle">%s</text>`, level, labelW+j*cell+cell/2-1, y+cell/2+4, svgText(text(v)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text is escaped above
}

func short(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
