package investigate

import (
	"context"
	"errors"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// fastSide is one side of the single-path search on an Arrays topology:
// distances in the scratch's epoch-stamped array indexed by handle, the
// frontier and the arcs it is read into reused from level to level.
type fastSide struct {
	dist     []uint64 // epoch<<32 | distance
	frontier []uint32
	next     []uint32
	depth    int
	weight   int // the frontier's degrees summed; -1: not yet
	ends     ArcEndFunc
	back     ArcEndFunc // the arcs into a node, for its parent
	f        Filter
}

// fastSearch is search and grow for one shortest path, on the arrays of an
// Arrays topology (see Arrays): it makes the generic search's every
// decision (which side grows, which nodes are hubs, the budget charged per
// level, the meeting node) in the same order and on the same facts, but
// keeps no parent links and builds no Arc: once the sides meet, a node's
// parent is the least expanded node a level nearer its side's end with an
// arc to it, which is the link the generic search keeps (lessParent), and
// only the arcs of the path are read whole.
type fastSearch struct {
	ps    *pathSearch
	a     Arrays
	epoch uint32
	side  [2]fastSide
	buf   []ArcEnd
	meets []uint32
}

// fastable reports whether the search can run on arrays: a single path,
// on an Arrays topology.
func (ps *pathSearch) fastable() bool {
	return ps.single && ps.v.arrays != nil
}

func (ps *pathSearch) newFast() (*fastSearch, error) {
	a := ps.v.arrays
	sc := ps.v.sc
	fs := &fastSearch{ps: ps, a: a, epoch: sc.epoch, buf: sc.ends[:0], meets: sc.meets[:0]}
	for i, end := range []uint32{ps.from, ps.to} {
		s := &fs.side[i]
		s.dist = sc.side[i]
		s.frontier, s.next = sc.levels[i][0][:0], sc.levels[i][1][:0]
		s.f = ps.f
		s.f.Dir = ps.fwd.dir
		if i == 1 {
			s.f.Dir = ps.bwd.dir
		}
		var err error
		if s.ends, err = a.ArcEnds(s.f); err != nil {
			return nil, err
		}
		back := s.f
		back.Dir = reverse(s.f.Dir)
		if s.back, err = a.ArcEnds(back); err != nil {
			return nil, err
		}
		s.frontier, s.weight = append(s.frontier, end), -1
		fs.reach(s, end, 0)
	}
	return fs, nil
}

// done hands the search's buffers back to the scratch for the next query.
func (fs *fastSearch) done() {
	sc := fs.ps.v.sc
	sc.ends, sc.meets = fs.buf[:0], fs.meets[:0]
	for i := range fs.side {
		sc.levels[i] = [2][]uint32{fs.side[i].frontier[:0], fs.side[i].next[:0]}
	}
}

func (fs *fastSearch) reach(s *fastSide, u uint32, d int) {
	s.dist[u] = uint64(fs.epoch)<<32 | uint64(d)
}

// distance returns u's distance from s's end, -1 when s did not reach u.
func (fs *fastSearch) distance(s *fastSide, u uint32) int {
	if x := s.dist[u]; uint32(x>>32) == fs.epoch {
		return int(uint32(x))
	}
	return -1
}

// expandable is pathSearch.expandable on the arrays' degrees.
func (fs *fastSearch) expandable(u uint32) bool {
	ps := fs.ps
	if u == ps.from || u == ps.to {
		return true
	}
	if fs.a.Degree(u) > ps.hub {
		ps.hubs[u] = true
		return false
	}
	return !ps.classifies() || !ps.v.classOf(u).isService()
}

// search is pathSearch.search for one path.
func (fs *fastSearch) search(ctx context.Context, hops int, clamped bool, res *PathsResult) ([][]step, error) {
	ps := fs.ps
	if ps.from == ps.to {
		return [][]step{{}}, nil
	}
	fwd, bwd := &fs.side[0], &fs.side[1]
	for {
		if fwd.depth+bwd.depth >= hops {
			if clamped {
				res.Add(graph.CauseHopLimit, "paths longer than %d hops, the server's limit, were not searched", hops)
			}
			return nil, nil
		}
		grew, err := fs.grow(ctx)
		if errors.Is(err, errBudget) {
			return nil, nil
		}
		if err != nil || !grew {
			return nil, err
		}
		p, err := fs.join(ctx)
		if err != nil || p != nil {
			return [][]step{p}, err
		}
	}
}

// grow is pathSearch.grow: the lighter side by the degrees of its
// frontier, hubs found before any arc is read, the level's arcs charged to
// the budget before its nodes. It records arcs as it reads them: when the
// budget refuses the level the search ends with no path, and what the
// level recorded is never read.
func (fs *fastSearch) grow(ctx context.Context) (bool, error) {
	v := fs.ps.v
	s, other := fs.lighter()
	if len(s.frontier) == 0 {
		return false, nil
	}
	avoid, err := fs.classifyLevel(ctx, s)
	if err != nil {
		return false, err
	}
	fs.meets = fs.meets[:0]
	s.next = s.next[:0]
	asOf := fs.ps.f.AsOf
	arcs, expanded := 0, false
	for _, u := range s.frontier {
		if !fs.expandable(u) {
			continue
		}
		expanded = true
		fs.buf = s.ends(fs.buf[:0], u)
		arcs += len(fs.buf)
		if err := v.b.tick(len(fs.buf) + 1); err != nil {
			return false, err
		}
		d := uint64(fs.epoch)<<32 | uint64(s.depth+1)
		for _, a := range fs.buf {
			w := a.Node
			if uint32(s.dist[w]>>32) == fs.epoch || asOf != 0 && fs.a.Seen(w) > asOf {
				continue
			}
			if avoid && w != fs.ps.from && w != fs.ps.to && v.classOf(w).isService() {
				continue
			}
			s.dist[w] = d
			s.next = append(s.next, w)
			if uint32(other.dist[w]>>32) == fs.epoch {
				fs.meets = append(fs.meets, w)
			}
		}
	}
	if expanded {
		if err := v.b.read(arcs); err != nil {
			return false, err
		}
	}
	if err := v.b.visit(len(s.next)); err != nil {
		return false, err
	}
	s.frontier, s.next = s.next, s.frontier
	s.depth, s.weight = s.depth+1, -1
	return true, nil
}

// lighter is pathSearch.lighter, each frontier weighed once (the side
// that does not grow keeps its frontier and its weight).
func (fs *fastSearch) lighter() (s, other *fastSide) {
	weight := func(s *fastSide) int {
		if s.weight < 0 {
			s.weight = 0
			for _, u := range s.frontier {
				s.weight += fs.a.Degree(u)
			}
		}
		return s.weight
	}
	fwd, bwd := &fs.side[0], &fs.side[1]
	if len(bwd.frontier) > 0 && (len(fwd.frontier) == 0 || weight(bwd) < weight(fwd)) {
		return bwd, fwd
	}
	return fwd, bwd
}

// classifyLevel classifies what the service policy needs before side s
// grows, as pathSearch.expandSide does: the frontier, and under AVOID the
// far ends of the arcs of the nodes expanded. It reports whether arcs to
// services are to be left out (AVOID).
func (fs *fastSearch) classifyLevel(ctx context.Context, s *fastSide) (bool, error) {
	ps := fs.ps
	if !ps.classifies() {
		return false, nil
	}
	if err := ps.v.classify(ctx, s.frontier); err != nil {
		return false, err
	}
	if ps.q.Services != ServicesAvoid {
		return false, nil
	}
	var ends []uint32
	for _, u := range s.frontier {
		if !fs.expandable(u) {
			continue
		}
		fs.buf = s.ends(fs.buf[:0], u)
		for _, a := range fs.buf {
			if asOf := ps.f.AsOf; asOf == 0 || fs.a.Seen(a.Node) <= asOf { // expandAny's cut-off
				ends = append(ends, a.Node)
			}
		}
	}
	return true, ps.v.classify(ctx, ends)
}

// join is pathSearch.joinMeets with parents found once the sides met.
func (fs *fastSearch) join(ctx context.Context) ([]step, error) {
	ps := fs.ps
	if len(fs.meets) == 0 {
		return nil, nil
	}
	if ps.classifies() {
		if err := ps.v.classify(ctx, fs.meets); err != nil {
			return nil, err
		}
	}
	fwd, bwd := &fs.side[0], &fs.side[1]
	best, bestLen := None, 0
	for _, m := range fs.meets {
		if m != ps.from && !fs.expandable(m) && m != ps.to { // the order of pathSearch.passable's calls
			continue
		}
		n := fs.distance(fwd, m) + fs.distance(bwd, m)
		if best == None || n < bestLen || (n == bestLen && fs.a.ID(m) < fs.a.ID(best)) {
			best, bestLen = m, n
		}
	}
	if best == None {
		return nil, nil
	}
	var path []step
	for w := best; w != ps.from; {
		u, a, err := fs.parent(ctx, fwd, w)
		if err != nil {
			return nil, err
		}
		path = append(path, step{a.Edge, w, a})
		w = u
	}
	slices.Reverse(path)
	for w := best; w != ps.to; {
		u, a, err := fs.parent(ctx, bwd, w)
		if err != nil {
			return nil, err
		}
		path = append(path, step{a.Edge, u, a})
		w = u
	}
	return path, nil
}

// parent returns how side s first reached w (see lessParent): the least
// expanded node one level nearer s's end with an arc to w, and the least
// of its arcs to w.
func (fs *fastSearch) parent(ctx context.Context, s *fastSide, w uint32) (uint32, Arc, error) {
	want := fs.distance(s, w) - 1
	best := None
	fs.buf = s.back(fs.buf[:0], w)
	for _, a := range fs.buf {
		u := a.Node
		if u == best || fs.distance(s, u) != want || !fs.expandable(u) {
			continue
		}
		if best == None || fs.a.ID(u) < fs.a.ID(best) {
			best = u
		}
	}
	arcs, err := fs.a.Between(ctx, best, w, s.f)
	if err != nil {
		return 0, Arc{}, err
	}
	if len(arcs) == 0 {
		return 0, Arc{}, graph.Errorf(graph.CodeInternal, "path search lost an arc")
	}
	if len(arcs) > 1 {
		if err := fs.ps.v.describe(ctx, []uint32{best, w}); err != nil {
			return 0, Arc{}, err
		}
		slices.SortFunc(arcs, func(a, b Arc) int { return compareArcs(fs.ps.v, a, b) })
	}
	return best, arcs[0], nil
}
