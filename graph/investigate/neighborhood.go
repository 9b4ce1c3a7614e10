package investigate

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// NeighborhoodQuery asks for the neighbourhood of a node under a filter:
// the expansion an investigator asks for ("this wallet's transfers above
// 10k USD in January 2018"). It follows the rules of graph.NeighborQuery,
// so that an unfiltered query answers as the stores' own Neighbors does:
// nodes are gathered breadth-first, within one distance in ID order, at
// most Limit besides the start; the edges are those that leave a returned
// node at distance < Depth (in the filter's direction) and reach a returned
// node, in ID order, at most MaxEdges of them.
type NeighborhoodQuery struct {
	ID string
	// IDs, when set, are several starts instead of ID: one subgraph, the
	// union of their neighbourhoods, Limit counted besides all the starts
	// (which come first, in ID order).
	IDs    []string
	Depth  int    // hops; 0 means 1
	Filter Filter // direction, edge kinds, time window, minimum USD value, as-of
	// NodeKinds: only nodes of these kinds are reached (and passed
	// through); the start is always in. Empty means every kind.
	NodeKinds []graph.NodeKind
	Limit     int // nodes besides the start; 0 means no limit but the budget
	MaxEdges  int // 0 means no limit but the budget
}

// NeighborhoodResult is the subgraph found: the start first, then by
// distance and ID.
type NeighborhoodResult struct {
	Nodes []*graph.Node
	Edges []*graph.Edge
	Truncation
}

// Neighborhood answers q.
func Neighborhood(ctx context.Context, t Topology, q NeighborhoodQuery, l Limits) (NeighborhoodResult, error) {
	l = l.OrDefaults()
	var res NeighborhoodResult
	v := newView(ctx, t, l, &res.Truncation)
	ids := q.IDs
	if len(ids) == 0 {
		ids = []string{q.ID}
	}
	hs, err := v.resolve(ctx, ids, q.Filter.AsOf)
	if err != nil {
		return res, err
	}
	depth, clamped, err := l.hops(max(q.Depth, 1))
	if err != nil {
		return res, err
	}
	if clamped {
		res.Add(graph.CauseHopLimit, "depth is at most %d", l.MaxHops)
	}
	in := map[uint32]bool{}
	var order []uint32
	for _, h := range hs {
		if !in[h] {
			in[h] = true
			order = append(order, h)
		}
	}
	v.sortByID(order)
	starts := len(order)
	var arcs []Arc // arcs read from returned nodes at distance < depth
	frontier := slices.Clone(order)
	full := false
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		lists, err := v.expandAny(ctx, frontier, q.Filter)
		if errors.Is(err, errBudget) {
			break
		}
		if err != nil {
			return res, err
		}
		var next []uint32
		seen := map[uint32]bool{}
		for i, list := range lists {
			for _, a := range list {
				arcs = append(arcs, a)
				o := a.Other(frontier[i])
				if in[o] || seen[o] || !kindIn(v.info.of(o).Kind, q.NodeKinds) {
					continue
				}
				seen[o] = true
				next = append(next, o)
			}
		}
		v.sortByID(next)
		if room := q.Limit - (len(order) - starts); q.Limit > 0 && len(next) > room {
			if !full {
				res.Add(graph.CauseNodeLimit, "more than %d neighbours: the first %d by distance and ID are shown", q.Limit, q.Limit)
			}
			full = true
			next = next[:max(room, 0)]
		}
		err = v.b.visit(len(next))
		if errors.Is(err, errBudget) {
			break
		}
		if err != nil {
			return res, err
		}
		for _, u := range next {
			in[u] = true
		}
		order = append(order, next...)
		if d < depth {
			frontier = next
		} else {
			frontier = nil
		}
	}

	// Edges between returned nodes, each once.
	var edges []uint32
	taken := map[uint32]bool{}
	for _, a := range arcs {
		if in[a.From] && in[a.To] && !taken[a.Edge] {
			taken[a.Edge] = true
			edges = append(edges, a.Edge)
		}
	}
	if res.Nodes, err = v.nodes(ctx, order); err != nil {
		return res, err
	}
	if res.Edges, err = v.edges(ctx, edges); err != nil {
		return res, err
	}
	slices.SortFunc(res.Edges, func(a, b *graph.Edge) int { return cmp.Compare(a.ID, b.ID) })
	if q.MaxEdges > 0 && len(res.Edges) > q.MaxEdges {
		res.Add(graph.CauseEdgeLimit, "more than %d edges: the first %d by ID are shown", q.MaxEdges, q.MaxEdges)
		res.Edges = res.Edges[:q.MaxEdges]
	}
	return res, nil
}

func kindIn(k graph.NodeKind, kinds []graph.NodeKind) bool {
	return len(kinds) == 0 || slices.Contains(kinds, k)
}
