package search

import (
	"container/heap"
	"math"
	"slices"
	"sync"
)

// Field is a part of a document, weighted differently in the ranking.
type Field int

// Fields, from the most to the least telling.
const (
	Title Field = iota
	Topics
	Text
	Speakers
	NumFields
)

// DefaultBoosts weigh a term found in the title three times one found in
// the text, in the topics twice, in the speakers half.
var DefaultBoosts = [NumFields]float64{Title: 3, Topics: 2, Text: 1, Speakers: 0.5}

// BM25 parameters (the usual values).
const (
	k1 = 1.2
	b  = 0.75
)

// Doc is one searchable document: a session or a highlight.
type Doc struct {
	Fields [NumFields]string
}

// Hit is one result: the position of the document given to New, and its
// score (higher is better).
type Hit struct {
	Doc   int
	Score float64
}

type posting struct {
	doc int32
	// w is the document's BM25 term weight, tf(k1+1)/(tf+k1·norm), which
	// does not depend on the query: a search only multiplies it by idf.
	w float32
}

// Index is an immutable inverted index; Search is safe for concurrent use.
type Index struct {
	postings map[string][]posting
	n        int
	scores   sync.Pool // *[]float64 of length n, all zero when put back
}

// New indexes docs with DefaultBoosts.
func New(docs []Doc) *Index { return NewWithBoosts(docs, DefaultBoosts) }

// NewWithBoosts indexes docs with the given field boosts.
func NewWithBoosts(docs []Doc, boosts [NumFields]float64) *Index {
	ix := &Index{postings: map[string][]posting{}, n: len(docs)}
	ix.scores.New = func() any {
		s := make([]float64, ix.n)
		return &s
	}
	type entry struct {
		doc int
		tf  float64
	}
	raw := map[string][]entry{}
	lengths := make([]float64, len(docs))
	total := 0.0
	stems := stemCache{}
	var terms []string
	tf := map[string]float64{}
	for i, d := range docs {
		clear(tf)
		for f := range NumFields {
			terms = stems.analyze(d.Fields[f], terms[:0])
			for _, t := range terms {
				tf[t] += boosts[f]
				lengths[i] += boosts[f]
			}
		}
		for t, w := range tf {
			raw[t] = append(raw[t], entry{i, w})
		}
		total += lengths[i]
	}
	avg := 1.0
	if total > 0 {
		avg = total / float64(len(docs))
	}
	for t, es := range raw {
		ps := make([]posting, len(es))
		for j, e := range es {
			norm := 1 - b + b*lengths[e.doc]/avg
			ps[j] = posting{doc: int32(e.doc), w: float32(e.tf * (k1 + 1) / (e.tf + k1*norm))}
		}
		slices.SortFunc(ps, func(x, y posting) int { return int(x.doc - y.doc) })
		ix.postings[t] = ps
	}
	return ix
}

// Len returns the number of documents.
func (ix *Index) Len() int { return ix.n }

// Search returns at most limit documents matching at least one term of
// the query, best first (ties in document order); limit <= 0 means all.
// A query without a searchable word returns nothing.
func (ix *Index) Search(query string, limit int) []Hit {
	terms := QueryTerms(query)
	if len(terms) == 0 || ix.n == 0 {
		return nil
	}
	sp := ix.scores.Get().(*[]float64)
	scores := *sp
	defer ix.scores.Put(sp)
	var touched []int32
	n := float64(ix.n)
	for _, t := range terms {
		ps := ix.postings[t]
		if len(ps) == 0 {
			continue
		}
		df := float64(len(ps))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for _, p := range ps {
			if scores[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			scores[p.doc] += idf * float64(p.w)
		}
	}
	if limit <= 0 || limit > len(touched) {
		limit = len(touched)
	}
	// Keep the best limit hits in a min-heap (worst on top), then sort.
	top := make(hitHeap, 0, limit)
	for _, d := range touched {
		h := Hit{Doc: int(d), Score: scores[d]}
		scores[d] = 0
		switch {
		case len(top) < limit:
			heap.Push(&top, h)
		case better(h, top[0]):
			top[0] = h
			heap.Fix(&top, 0)
		}
	}
	hits := []Hit(top)
	slices.SortFunc(hits, func(x, y Hit) int {
		if better(x, y) {
			return -1
		}
		return 1
	})
	if len(hits) == 0 {
		return nil
	}
	return hits
}

// better orders hits: higher score first, then earlier document.
func better(x, y Hit) bool {
	if x.Score != y.Score {
		return x.Score > y.Score
	}
	return x.Doc < y.Doc
}

// hitHeap is a min-heap of hits: the worst one at the root.
type hitHeap []Hit

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(Hit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
