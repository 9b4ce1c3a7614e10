package boltstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
)

// direction maps a query direction; empty means Both.
func direction(d graph.Direction) (algo.Dir, error) {
	switch d {
	case graph.Out:
		return algo.Out, nil
	case graph.In:
		return algo.In, nil
	case graph.Both, "":
		return algo.Both, nil
	}
	return 0, graph.Errorf(graph.CodeInvalid, "unknown direction %q (want OUT, IN or BOTH)", d)
}

func kindMask(kinds []graph.EdgeKind) (algo.KindMask, error) {
	var codes []uint8
	for _, k := range kinds {
		c, ok := edgeKindCode(k)
		if !ok {
			return 0, graph.Errorf(graph.CodeInvalid, "unknown edge kind %q", k)
		}
		codes = append(codes, c)
	}
	return algo.MaskOf(codes...), nil
}

// dirMask maps a query's direction and edge kinds: the checks every
// traversal opens with.
func dirMask(d graph.Direction, kinds []graph.EdgeKind) (algo.Dir, algo.KindMask, error) {
	dir, err := direction(d)
	if err != nil {
		return 0, 0, err
	}
	mask, err := kindMask(kinds)
	return dir, mask, err
}

// byID orders node indices by node ID.
func (x *index) byIDCmp(a, b uint32) int {
	switch {
	case x.ids[a] < x.ids[b]:
		return -1
	case x.ids[a] > x.ids[b]:
		return 1
	}
	return 0
}

// smallest returns the k nodes of level with the least IDs, in ID order,
// without sorting a hub's whole neighbourhood.
func (x *index) smallest(level []uint32, k int) []uint32 {
	if len(level) <= 4*k {
		out := slices.Clone(level)
		slices.SortFunc(out, x.byIDCmp)
		return out[:min(k, len(out))]
	}
	top := make([]uint32, 0, k+1)
	for _, u := range level {
		if len(top) == k && x.byIDCmp(u, top[k-1]) >= 0 {
			continue
		}
		pos, _ := slices.BinarySearchFunc(top, u, x.byIDCmp)
		top = slices.Insert(top, pos, u)
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}

// Neighbors implements graph.Store following the rules on
// graph.NeighborQuery. An empty Direction means BOTH.
func (s *Store) Neighbors(ctx context.Context, q graph.NeighborQuery) (graph.Subgraph, error) {
	var sub graph.Subgraph
	dir, mask, err := dirMask(q.Direction, q.EdgeKinds)
	if err != nil {
		return sub, err
	}
	if q.Depth < 0 || q.Limit < 0 {
		return sub, graph.Errorf(graph.CodeInvalid, "depth and limit cannot be negative")
	}
	depth, limit := s.limits.NeighborDepth(q.Depth), s.limits.NeighborLimit(q.Limit)
	if err := s.begin(ctx); err != nil {
		return sub, err
	}
	defer s.mu.RUnlock()
	x := s.idx
	w, err := s.seerOf(ctx)
	if err != nil {
		return sub, err
	}
	start, ok := x.byID[q.ID]
	if !ok || !w.node(start) {
		return sub, graph.NotFound("node", q.ID)
	}
	lv, err := algo.Levels(ctx, x.g, start, algo.LevelsOptions{
		Dir: dir, Mask: mask, MaxDepth: depth, Want: limit, MaxVisited: s.limits.MaxVisited, Arc: w.arcFilter(),
	})
	if err != nil {
		return sub, mapErr(err)
	}
	nodes := []uint32{start}
	dist := map[uint32]int{start: 0}
	for d := 1; d < len(lv.Levels) && len(nodes)-1 < limit; d++ {
		for _, u := range x.smallest(lv.Levels[d], limit-(len(nodes)-1)) {
			nodes = append(nodes, u)
			dist[u] = d
		}
	}
	switch {
	case lv.VisitLimit:
		sub.Cut(graph.CauseVisitLimit, fmt.Sprintf("the search visited %d nodes, its limit; the farthest level is incomplete", s.limits.MaxVisited))
	case lv.More:
		sub.Cut(graph.CauseNodeLimit, fmt.Sprintf("more than %d neighbours within %d hops; kept the nearest, in ID order", limit, depth))
	}
	var cand []uint32
	var arcs []algo.Arc
	for _, u := range nodes {
		if dist[u] >= depth {
			continue
		}
		arcs = x.g.AppendArcs(arcs[:0], u, dir, mask)
		for _, a := range arcs {
			if _, ok := dist[a.Node]; ok && w.arc(a.Edge, a.Node) {
				cand = append(cand, a.Edge)
			}
		}
		if err := ctx.Err(); err != nil {
			return graph.Subgraph{}, timeout(err)
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand) // under BOTH an edge is seen from both ends
	err = s.db.View(func(tx *bolt.Tx) error {
		ids := make([]string, len(cand))
		for i, e := range cand {
			var err error
			if ids[i], err = edgeID(tx, s.idx, e); err != nil {
				return err
			}
		}
		order := make([]int, len(cand))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
		if len(order) > s.limits.MaxEdges {
			order = order[:s.limits.MaxEdges]
			sub.Cut(graph.CauseEdgeLimit, fmt.Sprintf("more than %d edges among the neighbours; kept the first in ID order", s.limits.MaxEdges))
		}
		sorted := make([]uint32, len(order))
		for i, j := range order {
			sorted[i] = cand[j]
		}
		var err error
		if sub.Nodes, err = s.loadNodes(tx, nodes, w); err != nil {
			return err
		}
		sub.Edges, err = loadEdges(tx, s.idx, sorted, w)
		return err
	})
	if err != nil {
		return graph.Subgraph{}, err
	}
	return sub, nil
}

// ShortestPath implements graph.Store following the rules on
// graph.PathQuery: a bidirectional BFS whose canonical choices (see
// algo.PathOptions) make the same graph always give the same path; between
// parallel edges it takes the least edge ID. An empty Direction means BOTH.
func (s *Store) ShortestPath(ctx context.Context, q graph.PathQuery) (graph.Path, error) {
	var p graph.Path
	dir, mask, err := dirMask(q.Direction, q.EdgeKinds)
	if err != nil {
		return p, err
	}
	if q.MaxHops < 0 || q.HubDegree < 0 {
		return p, graph.Errorf(graph.CodeInvalid, "maxHops and hubDegree cannot be negative")
	}
	hops, clamped := s.limits.PathHops(q.MaxHops)
	if err := s.begin(ctx); err != nil {
		return p, err
	}
	defer s.mu.RUnlock()
	x := s.idx
	w, err := s.seerOf(ctx)
	if err != nil {
		return p, err
	}
	from, ok := x.byID[q.From]
	if !ok || !w.node(from) {
		return p, graph.NotFound("node", q.From)
	}
	to, ok := x.byID[q.To]
	if !ok || !w.node(to) {
		return p, graph.NotFound("node", q.To)
	}
	hubs := 0
	opts := algo.PathOptions{
		Dir: dir, Mask: mask, MaxHops: hops, MaxVisited: s.limits.MaxVisited,
		Less: func(a, b uint32) bool { return x.ids[a] < x.ids[b] },
		Arc:  w.arcFilter(),
	}
	if q.HubDegree > 0 {
		opts.Pass = func(u uint32) bool {
			if w.degree(x, u) > q.HubDegree {
				hubs++
				return false
			}
			return true
		}
	}
	res, err := algo.ShortestPath(ctx, x.g, from, to, opts)
	if err != nil {
		return p, mapErr(err)
	}
	switch {
	case res.Nodes == nil && hubs > 0:
		p.Cut(graph.CauseHubSkipped, fmt.Sprintf("no path within %d hops avoiding nodes with more than %d edges (hubs); raise hubDegree to pass through them", hops, q.HubDegree))
		return p, nil
	case res.VisitLimit:
		p.Cut(graph.CauseVisitLimit, fmt.Sprintf("the search visited %d nodes, its limit, without finding a path", s.limits.MaxVisited))
		return p, nil
	case res.Nodes == nil && clamped && res.HopLimit:
		p.Cut(graph.CauseHopLimit, fmt.Sprintf("no path within %d hops, the server's limit; a longer one may exist", hops))
		return p, nil
	case res.Nodes == nil:
		return p, nil
	}
	if p.Nodes, p.Edges, err = s.describePath(res.Nodes, dir, mask, w); err != nil {
		return graph.Path{}, err
	}
	return p, nil
}

// leastEdge returns the stored value of the edge of cand with the least ID,
// comparing IDs only when there is a choice (parallel edges).
func leastEdge(b *bolt.Bucket, x *index, cand []uint32) ([]byte, error) {
	switch len(cand) {
	case 0:
		return nil, internal(nil, "a path step without a visible edge")
	case 1:
		return edgeValueIn(b, cand[0])
	}
	var best []byte
	bestID := ""
	for _, e := range cand {
		v, err := edgeValueIn(b, e)
		if err != nil {
			return nil, err
		}
		id, err := edgeIDOf(x.ids, v)
		if err != nil {
			return nil, internal(err, "edge lookup")
		}
		if best == nil || id < bestID {
			best, bestID = v, id
		}
	}
	return best, nil
}
