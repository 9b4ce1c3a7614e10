package investigate

import (
	"context"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// step is an edge usable forward from one node to the next.
type step struct {
	edge uint32
	to   uint32
	arc  Arc
}

type stepKey struct{ edge, from uint32 }

// pside is one side of the search: how far each node it reached is from
// its end, and the nodes to expand next. Distances and parent links are
// arrays in the view's local numbering (every node reached is described
// before it is recorded), not maps: a search reads them once per arc.
type pside struct {
	v        *view
	dir      graph.Direction
	dist     []int32 // local number → distance + 1; 0: not reached
	reached  []uint32
	frontier []uint32
	depth    int
	parent   []parentLink // single searches only; node None: none
}

func newPside(v *view, dir graph.Direction, end uint32) *pside {
	s := &pside{v: v, dir: dir, frontier: []uint32{end}}
	s.reach(end, 0)
	return s
}

// distance returns how far u is from the side's end, and whether the side
// reached u.
func (s *pside) distance(u uint32) (int, bool) {
	i := s.v.info.local(u)
	if i < 0 || int(i) >= len(s.dist) || s.dist[i] == 0 {
		return 0, false
	}
	return int(s.dist[i]) - 1, true
}

func (s *pside) reach(u uint32, d int) {
	i := int(s.v.info.local(u))
	if i >= len(s.dist) {
		s.dist = append(s.dist, make([]int32, max(i+1, len(s.v.info.infos))-len(s.dist))...)
	}
	s.dist[i] = int32(d) + 1
	s.reached = append(s.reached, u)
}

// parentOf returns how the side first reached u; node None when it did not.
func (s *pside) parentOf(u uint32) parentLink {
	if i := s.v.info.local(u); i >= 0 && int(i) < len(s.parent) {
		return s.parent[i]
	}
	return parentLink{node: None}
}

func (s *pside) setParent(u uint32, pl parentLink) {
	i := int(s.v.info.local(u))
	for len(s.parent) <= i {
		s.parent = append(s.parent, parentLink{node: None})
	}
	s.parent[i] = pl
}

// pathSearch explores the region around two nodes breadth-first from both
// ends, always growing the side whose frontier has fewer edges, and keeps
// every edge it reads as a local graph. After sides of depths a and b the
// region holds every path of length ≤ a+b that passes the filters (a node
// at position i on such a path is within a of the start or within b of the
// end, and so is each edge), so paths are computed exactly in memory.
type pathSearch struct {
	v        *view
	q        PathsQuery
	f        Filter
	hub      int
	from, to uint32
	fwd, bwd *pside
	// The local graph by local number (see nodeTable: every node it
	// holds is described): steps out of a node, its predecessors (for
	// distances to the end), and the nodes with steps, in the order added.
	adj       [][]step
	radj      [][]uint32
	adjNodes  []uint32
	have      map[stepKey]bool
	hubs      map[uint32]bool
	sortedAdj bool
	// single: one shortest path is wanted, found from parent links
	// without building the local graph (most of a search's time).
	single bool
	meets  []uint32 // nodes both sides reached, found by the last grow
	// lazy: the local graph's steps were read in place (growEnds), their
	// arcs left to arcOf.
	lazy bool
}

// parentLink is how a side first reached a node: from the least node of
// the level before, over the least of the parallel arcs.
type parentLink struct {
	node uint32
	arc  Arc
}

func newPathSearch(v *view, q PathsQuery, l Limits, from, to uint32, k int) *pathSearch {
	dir := q.Direction
	if dir == "" {
		dir = graph.Both
	}
	return &pathSearch{
		v: v, q: q, hub: l.hub(q.HubDegree), from: from, to: to,
		f:    Filter{Kinds: q.Kinds, Since: q.Since, Until: q.Until, MinValue: q.MinValue, AsOf: q.AsOf},
		fwd:  newPside(v, dir, from),
		bwd:  newPside(v, reverse(dir), to),
		have: map[stepKey]bool{}, hubs: map[uint32]bool{},
		single: k == 1 && !q.All,
	}
}

// expandable reports whether search may continue from u.
func (ps *pathSearch) expandable(u uint32) bool {
	if u == ps.from || u == ps.to {
		return true
	}
	if ps.v.info.of(u).Degree > ps.hub {
		ps.hubs[u] = true
		return false
	}
	if ps.classifies() {
		return !ps.v.classOf(u).isService()
	}
	return true
}

// passable reports whether a path may continue from u: the local graph
// holds edges read from the far side of nodes search did not expand.
func (ps *pathSearch) passable(u uint32) bool {
	return u == ps.from || ps.expandable(u)
}

// classifies reports whether the service policy needs to know which nodes
// are services.
func (ps *pathSearch) classifies() bool {
	return ps.q.Services == ServicesStop || ps.q.Services == ServicesAvoid
}

// grow expands one level of the side with the lighter frontier; false when
// neither side can grow.
func (ps *pathSearch) grow(ctx context.Context) (bool, error) {
	s, other := ps.lighter()
	if len(s.frontier) == 0 {
		return false, nil
	}
	var next []uint32
	if ps.v.arrays != nil && !ps.single {
		var err error
		if next, err = ps.growEnds(ctx, s); err != nil {
			return false, err
		}
	} else {
		nodes, lists, err := ps.expandSide(ctx, s)
		if err != nil {
			return false, err
		}
		if next, err = ps.record(s, other, nodes, lists); err != nil {
			return false, err
		}
	}
	if err := ps.v.b.visit(len(next)); err != nil {
		return false, err
	}
	// next stays in the order reached: record picks parents by ID itself
	// and the local graph is sorted where searched (sortAdj), so no level
	// is sorted by ID (most of a wide search's time).
	s.frontier, s.depth = next, s.depth+1
	return true, nil
}

// lighter returns the side whose frontier has fewer edges (the forward
// side on a tie, or the side that has a frontier), and the other side.
func (ps *pathSearch) lighter() (s, other *pside) {
	weight := func(s *pside) int {
		w := 0
		for _, u := range s.frontier {
			w += ps.v.info.of(u).Degree
		}
		return w
	}
	if len(ps.bwd.frontier) > 0 && (len(ps.fwd.frontier) == 0 || weight(ps.bwd) < weight(ps.fwd)) {
		return ps.bwd, ps.fwd
	}
	return ps.fwd, ps.bwd
}

// expandableFrontier classifies the side's frontier when the query needs
// classes, and returns the nodes search may continue from.
func (ps *pathSearch) expandableFrontier(ctx context.Context, s *pside) ([]uint32, error) {
	if ps.classifies() {
		if err := ps.v.classify(ctx, s.frontier); err != nil {
			return nil, err
		}
	}
	var nodes []uint32
	for _, u := range s.frontier {
		if ps.expandable(u) {
			nodes = append(nodes, u)
		}
	}
	return nodes, nil
}

// expandSide reads the arcs of the side's frontier nodes that search may
// continue from; it returns those nodes and their arcs.
func (ps *pathSearch) expandSide(ctx context.Context, s *pside) ([]uint32, [][]Arc, error) {
	nodes, err := ps.expandableFrontier(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	f := ps.f
	f.Dir = s.dir
	lists, err := ps.v.expandAny(ctx, nodes, f) // sortAdj orders the local graph
	if err != nil {
		return nil, nil, err
	}
	if ps.q.Services == ServicesAvoid {
		var ends []uint32
		for i, u := range nodes {
			for _, a := range lists[i] {
				ends = append(ends, a.Other(u))
			}
		}
		if err := ps.v.classify(ctx, ends); err != nil {
			return nil, nil, err
		}
	}
	return nodes, lists, nil
}

// record adds the arcs read from side s to the local graph (or, for a
// single path, to the parent links and meeting nodes) and returns the nodes
// reached for the first time, in the order reached.
func (ps *pathSearch) record(s, other *pside, nodes []uint32, lists [][]Arc) ([]uint32, error) {
	var next []uint32
	ps.meets = ps.meets[:0]
	for i, u := range nodes {
		if err := ps.v.b.tick(len(lists[i]) + 1); err != nil {
			return nil, err
		}
		for _, a := range lists[i] {
			w := a.Other(u)
			if ps.q.Services == ServicesAvoid && w != ps.from && w != ps.to && ps.v.classOf(w).isService() {
				continue
			}
			if !ps.single {
				if s == ps.fwd {
					ps.addStep(u, w, a)
				} else {
					ps.addStep(w, u, a)
				}
			}
			if _, ok := s.distance(w); !ok {
				s.reach(w, s.depth+1)
				next = append(next, w)
				if ps.single {
					s.setParent(w, parentLink{u, a})
					if _, ok := other.distance(w); ok {
						ps.meets = append(ps.meets, w)
					}
				}
			} else if d, _ := s.distance(w); ps.single && d == s.depth+1 && ps.lessParent(u, a, s.parentOf(w)) {
				s.setParent(w, parentLink{u, a})
			}
		}
	}
	return next, nil
}

// lessParent reports whether reaching a node from u over a is to be
// preferred to pl, a link of the same level: the least node of the level
// before, then the least of its parallel arcs.
func (ps *pathSearch) lessParent(u uint32, a Arc, pl parentLink) bool {
	if pl.node != u {
		return ps.v.byID(u, pl.node) < 0
	}
	return compareArcs(ps.v, a, pl.arc) < 0
}

func (ps *pathSearch) addStep(u, w uint32, a Arc) {
	k := stepKey{a.Edge, u}
	if ps.have[k] {
		return
	}
	ps.have[k] = true
	ps.link(u, w, step{a.Edge, w, a})
}

// link adds step st from u to w to the local graph.
func (ps *pathSearch) link(u, w uint32, st step) {
	i, j := ps.slot(u), ps.slot(w)
	if len(ps.adj[i]) == 0 {
		ps.adjNodes = append(ps.adjNodes, u)
	}
	ps.adj[i] = append(ps.adj[i], st)
	ps.radj[j] = append(ps.radj[j], u)
	ps.sortedAdj = false
}

// slot returns u's local number, the local graph's arrays grown to hold it.
func (ps *pathSearch) slot(u uint32) int {
	i := int(ps.v.info.local(u))
	if n := len(ps.v.info.infos); len(ps.adj) < n {
		ps.adj = append(ps.adj, make([][]step, n-len(ps.adj))...)
		ps.radj = append(ps.radj, make([][]uint32, n-len(ps.radj))...)
	}
	return i
}

// stepsOf returns the local graph's steps out of u.
func (ps *pathSearch) stepsOf(u uint32) []step {
	if i := ps.v.info.local(u); i >= 0 && int(i) < len(ps.adj) {
		return ps.adj[i]
	}
	return nil
}

// predsOf returns the local graph's predecessors of u.
func (ps *pathSearch) predsOf(u uint32) []uint32 {
	if i := ps.v.info.local(u); i >= 0 && int(i) < len(ps.radj) {
		return ps.radj[i]
	}
	return nil
}

// joinMeets returns the canonical shortest path through the nodes both
// sides reached in the last grow, or nil when none may be passed through:
// the shortest, then the one through the least meeting node.
func (ps *pathSearch) joinMeets(ctx context.Context) ([]step, error) {
	if len(ps.meets) == 0 {
		return nil, nil
	}
	if ps.classifies() {
		if err := ps.v.classify(ctx, ps.meets); err != nil {
			return nil, err
		}
	}
	best, bestLen := None, 0
	for _, m := range ps.meets {
		if !ps.passable(m) && m != ps.to {
			continue
		}
		df, _ := ps.fwd.distance(m)
		db, _ := ps.bwd.distance(m)
		n := df + db
		if best == None || n < bestLen || (n == bestLen && ps.v.byID(m, best) < 0) {
			best, bestLen = m, n
		}
	}
	if best == None {
		return nil, nil
	}
	var path []step
	for w := best; w != ps.from; {
		pl := ps.fwd.parentOf(w)
		path = append(path, step{pl.arc.Edge, w, pl.arc})
		w = pl.node
	}
	slices.Reverse(path)
	for w := best; w != ps.to; {
		pl := ps.bwd.parentOf(w)
		path = append(path, step{pl.arc.Edge, pl.node, pl.arc})
		w = pl.node
	}
	return path, nil
}

// met reports whether the two sides share a node.
func (ps *pathSearch) met() bool {
	small, big := ps.fwd, ps.bwd
	if len(big.reached) < len(small.reached) {
		small, big = big, small
	}
	for _, u := range small.reached {
		if _, ok := big.distance(u); ok {
			return true
		}
	}
	return false
}

func (ps *pathSearch) sortedHubs() []uint32 {
	var out []uint32
	for h := range ps.hubs {
		out = append(out, h)
	}
	ps.v.sortByID(out)
	return out
}
