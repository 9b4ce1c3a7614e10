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

// visit is a node's state on one side of the search.
type visit struct {
	parent uint32
	depth  uint32
}

type side struct {
	dir      Dir
	seen     map[uint32]visit
	frontier []uint32
	depth    int
}

// ShortestPath finds a shortest path from src to dst with a bidirectional
// breadth-first search that always grows the side with the smaller frontier.
// A level is expanded completely before the sides are compared, so the
// result does not depend on adjacency order (see PathOptions.Less).
func ShortestPath(ctx context.Context, g Adjacency, src, dst uint32, opts PathOptions) (PathResult, error) {
	var res PathResult
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("path search interrupted: %w", err)
	}
	if src == dst {
		res.Nodes = []uint32{src}
		return res, nil
	}
	less := opts.Less
	if less == nil {
		less = func(a, b uint32) bool { return a < b }
	}
	pass := func(u uint32) bool { return u == src || u == dst || opts.Pass == nil || opts.Pass(u) }
	fwd := &side{dir: opts.Dir, seen: map[uint32]visit{src: {None, 0}}, frontier: []uint32{src}}
	bwd := &side{dir: opts.Dir.Reverse(), seen: map[uint32]visit{dst: {None, 0}}, frontier: []uint32{dst}}
	tk := ticker{ctx: ctx}
	var arcs []Arc
	for len(fwd.frontier) > 0 && len(bwd.frontier) > 0 {
		if fwd.depth+bwd.depth >= opts.MaxHops {
			res.HopLimit = true
			return res, nil
		}
		s, other := fwd, bwd
		if len(bwd.frontier) < len(fwd.frontier) {
			s, other = bwd, fwd
		}
		d := uint32(s.depth + 1)
		var next, meets []uint32
		for _, u := range s.frontier {
			if !pass(u) {
				continue
			}
			arcs = g.AppendArcs(arcs[:0], u, s.dir, opts.Mask)
			if err := tk.tick(len(arcs) + 1); err != nil {
				return res, err
			}
			for _, a := range arcs {
				v := a.Node
				if opts.Arc != nil && !opts.Arc(a.Edge, v) {
					continue
				}
				if vis, ok := s.seen[v]; ok {
					if vis.depth == d && less(u, vis.parent) {
						s.seen[v] = visit{u, d}
					}
					continue
				}
				if opts.MaxVisited > 0 && len(s.seen)+len(other.seen) >= opts.MaxVisited {
					res.VisitLimit = true
					return res, nil
				}
				s.seen[v] = visit{u, d}
				next = append(next, v)
				if _, ok := other.seen[v]; ok && pass(v) {
					meets = append(meets, v)
				}
			}
		}
		s.frontier, s.depth = next, int(d)
		if len(meets) > 0 {
			m := slices.MinFunc(meets, func(a, b uint32) int {
				switch {
				case less(a, b):
					return -1
				case less(b, a):
					return 1
				}
				return 0
			})
			res.Nodes = join(fwd.seen, bwd.seen, m)
			return res, nil
		}
	}
	return res, nil
}

// join walks from the meeting node m back to the source through the forward
// parents and on to the target through the backward ones.
func join(fwd, bwd map[uint32]visit, m uint32) []uint32 {
	var path []uint32
	for u := m; u != None; u = fwd[u].parent {
		path = append(path, u)
	}
	slices.Reverse(path)
	for u := bwd[m].parent; u != None; u = bwd[u].parent {
		path = append(path, u)
	}
	return path
}
