package algo

import (
	"context"
	"fmt"
)

// checkEvery is how many arcs a traversal follows between two looks at its
// context: often enough to stop within about a millisecond, rarely enough to
// cost nothing.
const checkEvery = 4096

// ticker counts work and checks ctx every checkEvery steps.
type ticker struct {
	ctx context.Context
	n   int
}

func (t *ticker) tick(steps int) error {
	t.n += steps
	if t.n < checkEvery {
		return nil
	}
	t.n = 0
	if err := t.ctx.Err(); err != nil {
		return fmt.Errorf("traversal interrupted: %w", err)
	}
	return nil
}

// LevelsOptions bound a breadth-first search.
type LevelsOptions struct {
	Dir      Dir
	Mask     KindMask
	MaxDepth int // hops from the start; must be >= 1
	// Want is how many nodes besides the start the caller will use; once
	// the levels found hold more than Want, the search stops (see Levels).
	// Zero means no limit.
	Want int
	// MaxVisited stops the search once it has discovered that many nodes;
	// zero means no limit.
	MaxVisited int
	// Arc, when set, reports whether arc e to node other exists for the
	// query (a viewer's visibility): an arc it refuses is not followed and
	// counts toward no limit. Nil follows every arc.
	Arc func(e, other uint32) bool
}

// LevelsResult is the outcome of Levels.
type LevelsResult struct {
	// Levels[d] holds the nodes at distance d (Levels[0] is the start), in
	// discovery order. Every level but possibly the last is complete.
	Levels [][]uint32
	// More reports that nodes exist within MaxDepth beyond the first Want.
	More bool
	// VisitLimit reports that MaxVisited stopped the search; the last level
	// is then incomplete.
	VisitLimit bool
}

// Levels runs a breadth-first search from start and returns the nodes at each
// distance up to opts.MaxDepth. A level is always completed, so that a caller
// taking the first Want nodes in its own order within a level gets the same
// answer whatever the order of the adjacency lists; the search stops after
// the level that brings the count past Want, or, when the levels so far hold
// exactly Want nodes, as soon as it sees one more node.
func Levels(ctx context.Context, g Adjacency, start uint32, opts LevelsOptions) (LevelsResult, error) {
	// Seen nodes are stamped with the scratch's epoch, never put in a map.
	res := LevelsResult{Levels: [][]uint32{{start}}}
	sc, put := scratchFor(g)
	defer put()
	ep, mark := sc.epoch, sc.side[0].mark
	mark[start] = ep
	seen := 1
	tk := ticker{ctx: ctx}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("traversal interrupted: %w", err)
	}
	have := 0
	var arcs []Arc
	for depth := 1; depth <= opts.MaxDepth; depth++ {
		probe := opts.Want > 0 && have >= opts.Want // only asking "is there more?"
		var next []uint32
	level:
		for _, u := range res.Levels[depth-1] {
			arcs = g.AppendArcs(arcs[:0], u, opts.Dir, opts.Mask)
			if err := tk.tick(len(arcs) + 1); err != nil {
				return res, err
			}
			for _, a := range arcs {
				if mark[a.Node] == ep || opts.Arc != nil && !opts.Arc(a.Edge, a.Node) {
					continue
				}
				if probe {
					res.More = true
					return res, nil
				}
				if opts.MaxVisited > 0 && seen >= opts.MaxVisited {
					res.VisitLimit = true
					break level
				}
				mark[a.Node] = ep
				seen++
				next = append(next, a.Node)
			}
		}
		if len(next) == 0 {
			break
		}
		res.Levels = append(res.Levels, next)
		have += len(next)
		if res.VisitLimit {
			break
		}
		if opts.Want > 0 && have > opts.Want {
			res.More = true
			break
		}
	}
	return res, nil
}
