package investigate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// ServicePolicy says what path search does at a service (the SERVICE node,
// a wallet it controls, a deposit address credited to it).
type ServicePolicy string

// Service policies.
const (
	// ServicesThrough treats services like any other node.
	ServicesThrough ServicePolicy = "THROUGH"
	// ServicesStop lets a path end at a service, never pass through one:
	// a service is where funds pool with everyone else's, and the place to
	// send legal process.
	ServicesStop ServicePolicy = "STOP"
	// ServicesAvoid keeps services off paths altogether, except at the ends.
	ServicesAvoid ServicePolicy = "AVOID"
)

// PathsQuery asks for paths between two nodes.
type PathsQuery struct {
	From, To string
	MaxHops  int // 0 means Limits.DefaultHops
	// Limit is how many paths to return: the k shortest simple paths, or
	// with All the first of all simple paths, shortest first. 0 means 1.
	Limit     int
	All       bool
	Direction graph.Direction  // empty means BOTH
	Kinds     []graph.EdgeKind // empty means every kind
	Since     int64            // edges with a time: not before (unix seconds; 0 open)
	Until     int64            // edges with a time: not after (0 open)
	MinValue  float64          // edges with a USD value: at least this
	AsOf      int64            // ignore facts first seen after it (0: no cut-off)
	Services  ServicePolicy    // empty means THROUGH
	// HubDegree: nodes with more edges are not expanded (they may end a
	// path). 0 means Limits.HubDegree; negative means Limits.MaxHubDegree.
	HubDegree int
}

// Path is one path of an answer: len(Edges) == len(Nodes)-1.
type Path struct {
	Nodes []*graph.Node
	Edges []*graph.Edge
}

// PathsResult is the answer to a PathsQuery: paths shortest first, equal
// lengths in order of their node IDs.
type PathsResult struct {
	Paths []Path
	// SkippedHubs lists (up to 20, in ID order) nodes that were reached but
	// not expanded because of their degree: a path through them may exist.
	SkippedHubs []string
	Truncation
}

// step is an edge usable forward from one node to the next.
type step struct {
	edge uint32
	to   uint32
	arc  Arc
}

type stepKey struct{ edge, from uint32 }

type pside struct {
	dir      graph.Direction
	dist     map[uint32]int
	frontier []uint32
	depth    int
	parent   map[uint32]parentLink // single searches only
}

// pathSearch explores the region around two nodes breadth-first from both
// ends, always growing the side whose frontier has fewer edges, and keeps
// every edge it reads as a local graph. After sides of depths a and b the
// region holds every path of length ≤ a+b that passes the filters (a node
// at position i on such a path is within a of the start or within b of the
// end, and so is each edge), so paths are computed exactly in memory.
type pathSearch struct {
	v         *view
	q         PathsQuery
	f         Filter
	hub       int
	from, to  uint32
	fwd, bwd  *pside
	adj       map[uint32][]step
	radj      map[uint32][]uint32 // predecessors, for distances to the end
	have      map[stepKey]bool
	hubs      map[uint32]bool
	sortedAdj bool
	// single: one shortest path is wanted, found from parent links
	// without building the local graph (most of a search's time).
	single bool
	meets  []uint32 // nodes both sides reached, found by the last grow
}

// parentLink is how a side first reached a node: from the least node of
// the level before, over the least of the parallel arcs.
type parentLink struct {
	node uint32
	arc  Arc
}

// Paths answers a PathsQuery.
func Paths(ctx context.Context, t Topology, q PathsQuery, l Limits) (PathsResult, error) {
	var res PathsResult
	l = l.OrDefaults()
	hops, clamped, err := l.hops(q.MaxHops)
	if err != nil {
		return res, err
	}
	if err := checkDirection(q.Direction); err != nil {
		return res, err
	}
	switch q.Services {
	case "", ServicesThrough, ServicesStop, ServicesAvoid:
	default:
		return res, graph.Errorf(graph.CodeInvalid, "unknown service policy %q (want THROUGH, STOP or AVOID)", q.Services)
	}
	if q.Limit < 0 {
		return res, graph.Errorf(graph.CodeInvalid, "limit cannot be negative")
	}
	k := max(q.Limit, 1)
	if k > l.MaxPaths {
		k = l.MaxPaths
		res.Add("at most %d paths are returned, the server's limit", l.MaxPaths)
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	ends, err := v.resolve(ctx, []string{q.From, q.To}, q.AsOf)
	if err != nil {
		return res, err
	}
	dir := q.Direction
	if dir == "" {
		dir = graph.Both
	}
	ps := &pathSearch{
		v: v, q: q, hub: l.hub(q.HubDegree), from: ends[0], to: ends[1],
		f:   Filter{Kinds: q.Kinds, Since: q.Since, Until: q.Until, MinValue: q.MinValue, AsOf: q.AsOf},
		fwd: &pside{dir: dir, dist: map[uint32]int{ends[0]: 0}, frontier: []uint32{ends[0]}, parent: map[uint32]parentLink{}},
		bwd: &pside{dir: reverse(dir), dist: map[uint32]int{ends[1]: 0}, frontier: []uint32{ends[1]}, parent: map[uint32]parentLink{}},
		adj: map[uint32][]step{}, radj: map[uint32][]uint32{}, have: map[stepKey]bool{}, hubs: map[uint32]bool{},
		single: k == 1 && !q.All,
	}
	var found [][]step
	if ps.from == ps.to {
		found = [][]step{{}}
	}
	for found == nil || len(found) < k || (q.All && len(found) <= k) {
		if ps.fwd.depth+ps.bwd.depth >= hops {
			if clamped && len(found) < k {
				res.Add("paths longer than %d hops, the server's limit, were not searched", hops)
			}
			break
		}
		grew, err := ps.grow(ctx)
		if errors.Is(err, errBudget) {
			break
		}
		if err != nil {
			return PathsResult{}, err
		}
		if !grew {
			break
		}
		if ps.single {
			p, err := ps.joinMeets(ctx)
			if err != nil {
				return PathsResult{}, err
			}
			if p != nil {
				found = [][]step{p}
			}
			continue
		}
		if !ps.met() {
			continue
		}
		maxLen := ps.fwd.depth + ps.bwd.depth
		if err := ps.prepare(ctx); err != nil {
			return PathsResult{}, err
		}
		if q.All {
			found, err = ps.allSimple(ctx, maxLen, k+1)
		} else {
			found, err = ps.kShortest(ctx, maxLen, k)
		}
		if err != nil {
			return PathsResult{}, err
		}
	}
	if q.All && len(found) > k {
		found = found[:k]
		res.Add("more than %d paths within %d hops; kept the shortest, in ID order", k, hops)
	}
	if len(ps.hubs) > 0 && len(found) < k {
		res.Add("%d nodes with more than %d edges (hubs) were not passed through; raise hubDegree to follow them", len(ps.hubs), ps.hub)
	}
	for _, h := range ps.sortedHubs() {
		if len(res.SkippedHubs) == 20 {
			break
		}
		res.SkippedHubs = append(res.SkippedHubs, v.id(h))
	}
	res.Paths, err = ps.load(ctx, found)
	return res, err
}

func checkDirection(d graph.Direction) error {
	if d != "" && !d.Valid() {
		return graph.Errorf(graph.CodeInvalid, "unknown direction %q (want OUT, IN or BOTH)", d)
	}
	return nil
}

func reverse(d graph.Direction) graph.Direction {
	switch d {
	case graph.Out:
		return graph.In
	case graph.In:
		return graph.Out
	}
	return graph.Both
}

// expandable reports whether search may continue from u.
func (ps *pathSearch) expandable(u uint32) bool {
	if u == ps.from || u == ps.to {
		return true
	}
	if ps.v.info[u].Degree > ps.hub {
		ps.hubs[u] = true
		return false
	}
	if ps.q.Services == ServicesStop || ps.q.Services == ServicesAvoid {
		return !ps.v.class[u].isService()
	}
	return true
}

// prepare classifies every node of the local graph when the service
// policy needs it, so that passable can judge nodes that were reached from
// both sides but never expanded.
func (ps *pathSearch) prepare(ctx context.Context) error {
	if ps.q.Services != ServicesStop && ps.q.Services != ServicesAvoid {
		return nil
	}
	var nodes []uint32
	for u := range ps.adj {
		nodes = append(nodes, u)
	}
	return ps.v.classify(ctx, nodes)
}

// passable reports whether a path may continue from u: the local graph
// holds edges read from the far side of nodes search did not expand.
func (ps *pathSearch) passable(u uint32) bool {
	return u == ps.from || ps.expandable(u)
}

// grow expands one level of the side with the lighter frontier; false when
// neither side can grow.
func (ps *pathSearch) grow(ctx context.Context) (bool, error) {
	weight := func(s *pside) int {
		w := 0
		for _, u := range s.frontier {
			w += ps.v.info[u].Degree
		}
		return w
	}
	s := ps.fwd
	if len(ps.bwd.frontier) > 0 && (len(ps.fwd.frontier) == 0 || weight(ps.bwd) < weight(ps.fwd)) {
		s = ps.bwd
	}
	if len(s.frontier) == 0 {
		return false, nil
	}
	if ps.q.Services == ServicesStop || ps.q.Services == ServicesAvoid {
		if err := ps.v.classify(ctx, s.frontier); err != nil {
			return false, err
		}
	}
	var nodes []uint32
	for _, u := range s.frontier {
		if ps.expandable(u) {
			nodes = append(nodes, u)
		}
	}
	f := ps.f
	f.Dir = s.dir
	lists, err := ps.v.expandAny(ctx, nodes, f) // sortAdj orders the local graph
	if err != nil {
		return false, err
	}
	if ps.q.Services == ServicesAvoid {
		var ends []uint32
		for i, u := range nodes {
			for _, a := range lists[i] {
				ends = append(ends, a.Other(u))
			}
		}
		if err := ps.v.classify(ctx, ends); err != nil {
			return false, err
		}
	}
	var next []uint32
	other := ps.bwd
	if s == ps.bwd {
		other = ps.fwd
	}
	ps.meets = ps.meets[:0]
	for i, u := range nodes { // in ID order: the first to reach a node is the least
		if err := ps.v.b.tick(len(lists[i]) + 1); err != nil {
			return false, err
		}
		for _, a := range lists[i] {
			w := a.Other(u)
			if ps.q.Services == ServicesAvoid && w != ps.from && w != ps.to && ps.v.class[w].isService() {
				continue
			}
			if !ps.single {
				if s == ps.fwd {
					ps.addStep(u, w, a)
				} else {
					ps.addStep(w, u, a)
				}
			}
			if _, ok := s.dist[w]; !ok {
				s.dist[w] = s.depth + 1
				next = append(next, w)
				if ps.single {
					s.parent[w] = parentLink{u, a}
					if _, ok := other.dist[w]; ok {
						ps.meets = append(ps.meets, w)
					}
				}
			} else if pl, ok := s.parent[w]; ps.single && ok && pl.node == u && compareArcs(ps.v, a, pl.arc) < 0 {
				s.parent[w] = parentLink{u, a} // the least of parallel arcs
			}
		}
	}
	if err := ps.v.b.visit(len(next)); err != nil {
		return false, err
	}
	ps.v.sortByID(next)
	s.frontier, s.depth = next, s.depth+1
	return true, nil
}

func (ps *pathSearch) addStep(u, w uint32, a Arc) {
	k := stepKey{a.Edge, u}
	if ps.have[k] {
		return
	}
	ps.have[k] = true
	ps.adj[u] = append(ps.adj[u], step{a.Edge, w, a})
	ps.radj[w] = append(ps.radj[w], u)
	ps.sortedAdj = false
}

// joinMeets returns the canonical shortest path through the nodes both
// sides reached in the last grow, or nil when none may be passed through:
// the shortest, then the one through the least meeting node.
func (ps *pathSearch) joinMeets(ctx context.Context) ([]step, error) {
	if len(ps.meets) == 0 {
		return nil, nil
	}
	if ps.q.Services == ServicesStop || ps.q.Services == ServicesAvoid {
		if err := ps.v.classify(ctx, ps.meets); err != nil {
			return nil, err
		}
	}
	best, bestLen := None, 0
	for _, m := range ps.meets {
		if !ps.passable(m) && m != ps.to {
			continue
		}
		n := ps.fwd.dist[m] + ps.bwd.dist[m]
		if best == None || n < bestLen || (n == bestLen && ps.v.byID(m, best) < 0) {
			best, bestLen = m, n
		}
	}
	if best == None {
		return nil, nil
	}
	var path []step
	for w := best; w != ps.from; {
		pl := ps.fwd.parent[w]
		path = append(path, step{pl.arc.Edge, w, pl.arc})
		w = pl.node
	}
	slices.Reverse(path)
	for w := best; w != ps.to; {
		pl := ps.bwd.parent[w]
		path = append(path, step{pl.arc.Edge, pl.node, pl.arc})
		w = pl.node
	}
	return path, nil
}

// met reports whether the two sides share a node.
func (ps *pathSearch) met() bool {
	small, big := ps.fwd.dist, ps.bwd.dist
	if len(big) < len(small) {
		small, big = big, small
	}
	for u := range small {
		if _, ok := big[u]; ok {
			return true
		}
	}
	return false
}

func (ps *pathSearch) sortAdj() {
	if ps.sortedAdj {
		return
	}
	for u, list := range ps.adj {
		slices.SortFunc(list, func(a, b step) int { return cmp.Or(ps.v.byID(a.to, b.to), compareArcs(ps.v, a.arc, b.arc)) })
		ps.adj[u] = list
	}
	ps.sortedAdj = true
}

// bfs finds the canonical shortest path from src to the end within maxLen
// steps avoiding banned nodes and steps: levels in ID order, each node
// reached first from the least node of the level before.
func (ps *pathSearch) bfs(src uint32, maxLen int, banNode map[uint32]bool, banStep map[stepKey]bool) []step {
	ps.sortAdj()
	if src == ps.to {
		return []step{}
	}
	parent := map[uint32]step{}
	from := map[uint32]uint32{}
	seen := map[uint32]bool{src: true}
	level := []uint32{src}
	for d := 0; d < maxLen && len(level) > 0; d++ {
		var next []uint32
		for _, u := range level {
			if !ps.passable(u) {
				continue
			}
			if ps.v.b.tick(len(ps.adj[u])+1) != nil {
				return nil // out of time: kShortest reports it at its next check
			}
			for _, s := range ps.adj[u] {
				if seen[s.to] || banNode[s.to] || banStep[stepKey{s.edge, u}] {
					continue
				}
				seen[s.to] = true
				parent[s.to], from[s.to] = s, u
				if s.to == ps.to {
					var path []step
					for w := ps.to; w != src; w = from[w] {
						path = append(path, parent[w])
					}
					slices.Reverse(path)
					return path
				}
				next = append(next, s.to)
			}
		}
		ps.v.sortByID(next)
		level = next
	}
	return nil
}

// nodesOf returns the nodes a path visits, from the start.
func (ps *pathSearch) nodesOf(p []step) []uint32 {
	out := []uint32{ps.from}
	for _, s := range p {
		out = append(out, s.to)
	}
	return out
}

// comparePaths orders paths by length, then node IDs, then edges.
func (ps *pathSearch) comparePaths(a, b []step) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	for i := range a {
		if c := ps.v.byID(a[i].to, b[i].to); c != 0 {
			return c
		}
	}
	for i := range a {
		if c := compareArcs(ps.v, a[i].arc, b[i].arc); c != 0 {
			return c
		}
	}
	return 0
}

// kShortest is Yen's algorithm over the local graph: the k shortest
// simple paths of at most maxLen steps.
func (ps *pathSearch) kShortest(ctx context.Context, maxLen, k int) ([][]step, error) {
	first := ps.bfs(ps.from, maxLen, nil, nil)
	if first == nil {
		return nil, nil
	}
	found := [][]step{first}
	var cands [][]step
	key := func(p []step) string { return fmt.Sprint(p) }
	known := map[string]bool{key(first): true}
	for len(found) < k {
		if err := ctx.Err(); err != nil {
			return nil, graph.WrapError(graph.CodeTimeout, err, "the query ran out of time")
		}
		last := found[len(found)-1]
		lastNodes := ps.nodesOf(last)
		for i := 0; i < len(last); i++ {
			spur := lastNodes[i]
			banStep := map[stepKey]bool{}
			for _, p := range found {
				pn := ps.nodesOf(p)
				if len(p) > i && slices.Equal(pn[:i+1], lastNodes[:i+1]) && slices.Equal(edgesOf(p[:i]), edgesOf(last[:i])) {
					banStep[stepKey{p[i].edge, spur}] = true
				}
			}
			banNode := map[uint32]bool{}
			for _, u := range lastNodes[:i] {
				banNode[u] = true
			}
			tail := ps.bfs(spur, maxLen-i, banNode, banStep)
			if tail == nil {
				continue
			}
			cand := append(slices.Clone(last[:i]), tail...)
			if kk := key(cand); !known[kk] {
				known[kk] = true
				cands = append(cands, cand)
			}
		}
		if len(cands) == 0 {
			break
		}
		best := 0
		for i := range cands {
			if ps.comparePaths(cands[i], cands[best]) < 0 {
				best = i
			}
		}
		found = append(found, cands[best])
		cands = slices.Delete(cands, best, best+1)
	}
	return found, nil
}

func edgesOf(p []step) []uint32 {
	out := make([]uint32, len(p))
	for i, s := range p {
		out[i] = s.edge
	}
	return out
}

// allSimple lists simple paths of at most maxLen steps, shortest first and
// in ID order within a length, stopping after want of them.
func (ps *pathSearch) allSimple(ctx context.Context, maxLen, want int) ([][]step, error) {
	ps.sortAdj()
	// Distances to the end over the local graph prune dead branches.
	toEnd := map[uint32]int{ps.to: 0}
	level := []uint32{ps.to}
	for d := 1; len(level) > 0; d++ {
		var next []uint32
		for _, w := range level {
			for _, u := range ps.radj[w] {
				if _, ok := toEnd[u]; !ok {
					toEnd[u] = d
					next = append(next, u)
				}
			}
		}
		level = next
	}
	var out [][]step
	onPath := map[uint32]bool{ps.from: true}
	var cur []step
	work := 0
	var dfs func(u uint32, left int) error
	dfs = func(u uint32, left int) error {
		if len(out) >= want {
			return nil
		}
		if work++; work%4096 == 0 && ctx.Err() != nil {
			return graph.WrapError(graph.CodeTimeout, ctx.Err(), "the query ran out of time")
		}
		if left == 0 {
			if u == ps.to {
				out = append(out, slices.Clone(cur))
			}
			return nil
		}
		if u == ps.to || !ps.passable(u) {
			return nil
		}
		for _, s := range ps.adj[u] {
			d, ok := toEnd[s.to]
			if !ok || d > left-1 || onPath[s.to] {
				continue
			}
			onPath[s.to] = true
			cur = append(cur, s)
			err := dfs(s.to, left-1)
			cur = cur[:len(cur)-1]
			delete(onPath, s.to)
			if err != nil {
				return err
			}
		}
		return nil
	}
	for length := 1; length <= maxLen && len(out) < want; length++ {
		if err := dfs(ps.from, length); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (ps *pathSearch) sortedHubs() []uint32 {
	var out []uint32
	for h := range ps.hubs {
		out = append(out, h)
	}
	ps.v.sortByID(out)
	return out
}

// load turns paths of steps into paths of nodes and edges, reading each
// node and edge once.
func (ps *pathSearch) load(ctx context.Context, paths [][]step) ([]Path, error) {
	var nodes, edges []uint32
	ni, ei := map[uint32]int{}, map[uint32]int{}
	for _, p := range paths {
		for _, u := range ps.nodesOf(p) {
			if _, ok := ni[u]; !ok {
				ni[u] = len(nodes)
				nodes = append(nodes, u)
			}
		}
		for _, s := range p {
			if _, ok := ei[s.edge]; !ok {
				ei[s.edge] = len(edges)
				edges = append(edges, s.edge)
			}
		}
	}
	ns, err := ps.v.nodes(ctx, nodes)
	if err != nil {
		return nil, err
	}
	es, err := ps.v.edges(ctx, edges)
	if err != nil {
		return nil, err
	}
	out := make([]Path, len(paths))
	for i, p := range paths {
		for _, u := range ps.nodesOf(p) {
			out[i].Nodes = append(out[i].Nodes, ns[ni[u]])
		}
		out[i].Edges = []*graph.Edge{}
		for _, s := range p {
			out[i].Edges = append(out[i].Edges, es[ei[s.edge]])
		}
	}
	return out, nil
}
