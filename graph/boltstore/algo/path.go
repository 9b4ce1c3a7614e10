package algo

import (
	"context"
	"fmt"
	"slices"
)

// PathOptions bound a shortest path search.
type PathOptions struct {
	Dir        Dir // Out follows edges forward from the source
	Mask       KindMask
	MaxHops    int // longest path considered; must be >= 0
	MaxVisited int // nodes both sides may discover together; zero means no limit
	// Less orders nodes (by their public ID, typically). Among several
	// shortest paths the search returns the one its canonical choices pick:
	// every node's predecessor is the least one at the previous distance,
	// and the meeting point of the two searches is the least candidate.
	// These choices depend on the graph only, never on the order of the
	// adjacency lists, so the same graph always yields the same path.
	// Nil means index order.
	Less func(a, b uint32) bool
	// Pass reports whether a path may go through a node (its ends always
	// may); nil means every node. Nodes it refuses are reached but never
	// expanded, and never a meeting point.
	Pass func(u uint32) bool
	// Arc is LevelsOptions.Arc: arcs it refuses do not exist for the
	// search.
	Arc func(e, other uint32) bool
}

// PathResult is the outcome of ShortestPath.
type PathResult struct {
	Nodes []uint32 // from source to target; nil when no path was found
	// VisitLimit reports that MaxVisited stopped the search before it could
	// find or rule out a path.
	VisitLimit bool
	// HopLimit reports that MaxHops stopped the search while both sides
	// could still grow: a longer path may exist.
	HopLimit bool
}

// ShortestPath finds a shortest path from src to dst with a bidirectional
// breadth-first search that always grows the side with the smaller frontier.
// A level is expanded completely before the sides are compared, so the
// result does not depend on adjacency order (see PathOptions.Less).
//
// It runs on g's arrays directly: visit state lives in epoch-stamped arrays
// indexed by node number, taken from g's pool of scratch spaces, so a search
// allocates nothing per visited node. The predecessors of PathOptions.Less
// are not kept while searching: once the sides meet, each node of the path
// takes the least neighbour one level nearer its side's end (pathParent),
// which is the predecessor the level-by-level search defines.
func ShortestPath(ctx context.Context, g *Graph, src, dst uint32, opts PathOptions) (PathResult, error) {
	var res PathResult
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("path search interrupted: %w", err)
	}
	if src == dst {
		res.Nodes = []uint32{src}
		return res, nil
	}
	sc := g.getScratch()
	defer g.scratch.Put(sc)
	p := pathSearch{g: g, sc: sc, opts: &opts, src: src, dst: dst, tk: ticker{ctx: ctx}}
	if p.opts.Less == nil {
		p.opts.Less = func(a, b uint32) bool { return a < b }
	}
	fwd, bwd := &sc.side[0], &sc.side[1]
	fwd.start(sc.epoch, opts.Dir, src)
	bwd.start(sc.epoch, opts.Dir.Reverse(), dst)
	for len(fwd.frontier) > 0 && len(bwd.frontier) > 0 {
		if fwd.depthNow+bwd.depthNow >= opts.MaxHops {
			res.HopLimit = true
			return res, nil
		}
		s, other := fwd, bwd
		if len(bwd.frontier) < len(fwd.frontier) {
			s, other = bwd, fwd
		}
		done, err := p.level(s, other)
		if err != nil || done {
			res.VisitLimit = done
			return res, err
		}
		if len(sc.meets) > 0 {
			m := sc.meets[0]
			for _, v := range sc.meets[1:] {
				if p.opts.Less(v, m) {
					m = v
				}
			}
			res.Nodes = p.join(m)
			return res, nil
		}
	}
	return res, nil
}

// searchSide is one side's visit state: node u is seen when mark[u] is the
// scratch's epoch, at distance depth[u] from the side's end.
type searchSide struct {
	mark     []uint32
	depth    []uint32
	frontier []uint32
	next     []uint32
	seen     int
	dir      Dir
	depthNow int
}

func (s *searchSide) start(epoch uint32, dir Dir, u uint32) {
	s.mark[u], s.depth[u] = epoch, 0
	s.frontier, s.seen, s.dir, s.depthNow = append(s.frontier[:0], u), 1, dir, 0
}

// pathScratch is the reusable state of one search (Graph.scratch).
type pathScratch struct {
	epoch uint32
	side  [2]searchSide
	meets []uint32
	arcs  []Arc
}

// getScratch takes a scratch space sized for g and starts a new epoch in it.
func (g *Graph) getScratch() *pathScratch {
	sc, _ := g.scratch.Get().(*pathScratch)
	return sc.reset(g.nodes)
}

// scratchFor is getScratch for any adjacency, and a put that returns it to
// the pool when g is a *Graph.
func scratchFor(g Adjacency) (*pathScratch, func()) {
	if gr, ok := g.(*Graph); ok {
		sc := gr.getScratch()
		return sc, func() { gr.scratch.Put(sc) }
	}
	return (*pathScratch)(nil).reset(g.NumNodes()), func() {}
}

// reset sizes sc (nil: a new one) for n nodes and starts a new epoch.
func (sc *pathScratch) reset(n int) *pathScratch {
	if sc == nil {
		sc = &pathScratch{}
	}
	if len(sc.side[0].mark) < n {
		n += n / 8 // room for the nodes written next
		for i := range sc.side {
			sc.side[i].mark, sc.side[i].depth = make([]uint32, n), make([]uint32, n)
		}
		sc.epoch = 0
	}
	sc.epoch++
	if sc.epoch == 0 { // wrapped: old stamps could pass for new ones
		for i := range sc.side {
			clear(sc.side[i].mark)
		}
		sc.epoch = 1
	}
	sc.meets = sc.meets[:0]
	return sc
}

// pathSearch is one ShortestPath call.
type pathSearch struct {
	g        *Graph
	sc       *pathScratch
	opts     *PathOptions
	src, dst uint32
	tk       ticker
}

func (p *pathSearch) pass(u uint32) bool {
	return u == p.src || u == p.dst || p.opts.Pass == nil || p.opts.Pass(u)
}

// level expands side s by one level; done reports that MaxVisited stopped
// the search.
func (p *pathSearch) level(s, other *searchSide) (done bool, err error) {
	g := p.g
	s.next = s.next[:0]
	d := uint32(s.depthNow + 1)
	for _, u := range s.frontier {
		if !p.pass(u) {
			continue
		}
		if err := p.tk.tick(g.Degree(u, s.dir) + 1); err != nil {
			return false, err
		}
		if s.dir&Out != 0 {
			if p.arcs(s, other, u, d, g.outOff, g.outAdj, g.outNbr, g.outHead, g.outNext, g.dst) {
				return true, nil
			}
		}
		if s.dir&In != 0 {
			if p.arcs(s, other, u, d, g.inOff, g.inAdj, g.inNbr, g.inHead, g.inNext, g.src) {
				return true, nil
			}
		}
	}
	s.frontier, s.next = s.next, s.frontier
	s.depthNow = int(d)
	return false, nil
}

// arcs follows the arcs of u in one adjacency (CSR row, then the edges
// added since compaction); it reports whether MaxVisited stopped it.
func (p *pathSearch) arcs(s, other *searchSide, u, d uint32, off, adj, nbr, head, next, end []uint32) bool {
	g, ep, mark := p.g, p.sc.epoch, s.mark
	if int(u) < g.csrNodes {
		lo, hi := off[u], off[u+1]
		for i, v := range nbr[lo:hi] {
			if mark[v] != ep && p.visit(s, other, adj[int(lo)+i], v, d) { // the seen test inline: most arcs fail it
				return true
			}
		}
	}
	for e := head[u]; e != None; e = next[int(e)-g.csrEdges] {
		if v := end[e]; mark[v] != ep && p.visit(s, other, e, v, d) {
			return true
		}
	}
	return false
}

// visit discovers v over edge e at distance d on side s.
func (p *pathSearch) visit(s, other *searchSide, e, v, d uint32) bool {
	ep := p.sc.epoch
	o := p.opts
	if o.Mask != 0 && o.Mask&(1<<p.g.kind[e]) == 0 || o.Arc != nil && !o.Arc(e, v) {
		return false
	}
	if o.MaxVisited > 0 && s.seen+other.seen >= o.MaxVisited {
		return true
	}
	s.mark[v], s.depth[v] = ep, d
	s.seen++
	s.next = append(s.next, v)
	if other.mark[v] == ep && p.pass(v) {
		p.sc.meets = append(p.sc.meets, v)
	}
	return false
}

// join walks from the meeting node m back to the source through the forward
// parents and on to the target through the backward ones.
func (p *pathSearch) join(m uint32) []uint32 {
	fwd, bwd := &p.sc.side[0], &p.sc.side[1]
	path := make([]uint32, 0, fwd.depth[m]+bwd.depth[m]+1)
	for u := m; ; u = p.parent(fwd, u) {
		path = append(path, u)
		if u == p.src {
			break
		}
	}
	slices.Reverse(path)
	for u := m; u != p.dst; {
		u = p.parent(bwd, u)
		path = append(path, u)
	}
	return path
}

// parent is v's predecessor on side s: the least node (by Less) one level
// nearer the side's end, expanded (Pass), with an arc to v the search
// follows — the node the level-by-level search would have kept.
func (p *pathSearch) parent(s *searchSide, v uint32) uint32 {
	ep, want := p.sc.epoch, s.depth[v]-1
	best := None
	p.sc.arcs = p.g.AppendArcs(p.sc.arcs[:0], v, s.dir.Reverse(), p.opts.Mask)
	for _, a := range p.sc.arcs {
		u := a.Node
		if s.mark[u] != ep || s.depth[u] != want || best != None && !p.opts.Less(u, best) {
			continue
		}
		if p.pass(u) && (p.opts.Arc == nil || p.opts.Arc(a.Edge, v)) {
			best = u
		}
	}
	return best
}
