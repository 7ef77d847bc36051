package blossom

// Warm re-solve: after pricing, the violating pairs are added to the
// solver as it stands and feasibility is restored locally, so that run
// only has to grow trees from the few vertices this leaves exposed.
//
// For a new edge with a negative reduced cost, one end v is raised by the
// deficit, which makes the edge feasible and only increases other slacks.
// Before that, every blossom holding v is dissolved: its dual z is added to
// each of its vertices (pairs inside keep their reduced cost, pairs leaving
// it gain z) and, if z was positive, the matched edge from its base to the
// outside, no longer tight, is unmatched. v's own matched edge is no longer
// tight once v is raised: it is unmatched too. Exposed vertices with a
// positive dual become the roots of the next run; they are all left as
// trivial blossoms and made even (an exposed vertex can be raised freely),
// which keeps run's parity argument.

// reduced is edge k's reduced cost with the current duals (internal units).
func (s *solver) reduced(k int32) int64 {
	u, v := s.e[k].u, s.e[k].v
	r := s.dual[u] + s.dual[v] - 2*s.e[k].w
	// blossoms holding both ends: walk up from u, marking; then from v
	for b := s.parent[u]; b != -1; b = s.parent[b] {
		s.bestTo[b] = -2 // bestTo is all -1 between uses of addBlossom
	}
	for b := s.parent[v]; b != -1; b = s.parent[b] {
		if s.bestTo[b] == -2 {
			r += 2 * s.dual[b]
		}
	}
	for b := s.parent[u]; b != -1; b = s.parent[b] {
		s.bestTo[b] = -1
	}
	return r
}

// dissolve expands the top-level blossom b, moving its dual onto its
// vertices; when that dual was positive, it appends its base (raised) and,
// if the base's outer matched edge had to go, the base's partner.
func (s *solver) dissolve(b int32, exposed []int32) []int32 {
	z := s.dual[b]
	if z > 0 {
		leaves := s.leaves(b, s.leafBuf[:0])
		for _, x := range leaves {
			s.dual[x] += z
		}
		s.leafBuf = leaves[:0]
		s.dual[b] = 0
		base := s.base[b]
		exposed = append(exposed, base)
		if s.mate[base] != -1 {
			partner := s.endpoint(s.mate[base])
			s.mate[base], s.mate[partner] = -1, -1
			exposed = append(exposed, partner)
		}
	}
	s.expandBlossom(b, true)
	return exposed
}

// makeTrivial dissolves every blossom holding v.
func (s *solver) makeTrivial(v int32, exposed []int32) []int32 {
	for s.inBlossom[v] != v {
		exposed = s.dissolve(s.inBlossom[v], exposed)
	}
	return exposed
}

// addViolators adds the new edges and restores dual feasibility and
// tightness of the matching, as explained above.
func (s *solver) addViolators(es []Edge) {
	first := int32(len(s.e))
	s.addEdges(es)
	var exposed []int32
	for k := first; k < int32(len(s.e)); k++ {
		if s.reduced(k) >= 0 {
			continue
		}
		v := s.e[k].u
		if s.inBlossom[v] != v && s.inBlossom[s.e[k].v] == s.e[k].v {
			v = s.e[k].v
		}
		exposed = s.makeTrivial(v, exposed)
		if r := s.reduced(k); r < 0 {
			s.dual[v] -= r
			exposed = append(exposed, v)
			if s.mate[v] != -1 {
				u := s.endpoint(s.mate[v])
				s.mate[v], s.mate[u] = -1, -1
				exposed = append(exposed, u)
			}
		}
	}
	// the roots of the next run: trivial, with an even dual
	for i := 0; i < len(exposed); i++ {
		x := exposed[i]
		if s.mate[x] != -1 || s.dual[x] == 0 {
			continue
		}
		exposed = s.makeTrivial(x, exposed)
		if s.dual[x]&1 != 0 {
			s.dual[x]++
		}
	}
}

// restart returns a new solver on the current edges and es, from a greedy
// start: the cold alternative to addViolators (see coldRestart).
func (s *solver) restart(es []Edge) *solver {
	all := make([]Edge, 0, len(s.e)+len(es))
	for k := range s.e {
		all = append(all, Edge{U: int(s.e[k].u), V: int(s.e[k].v), W: s.e[k].w/2 - s.shift})
	}
	t := newSolver(s.n, append(all, es...), s.shift)
	t.greedyStart()
	return t
}
