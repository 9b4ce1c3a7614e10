package investigate

import "context"

// ArcEnd is an arc as an in-memory topology lists it to a search: the edge
// and the node at its other end.
type ArcEnd struct{ Edge, Node uint32 }

// ArcEndFunc appends to buf the arcs at u that Expand would list under the
// filter it was made for (hidden ones left out, a self-loop once), in any
// order, and returns the extended buffer.
type ArcEndFunc func(buf []ArcEnd, u uint32) []ArcEnd

// Arrays is a Topology that holds the graph in memory (the embedded store)
// and lets a search read it in place: arcs as (edge, node) pairs with the
// filter and the viewer's visibility decided inside the store, node facts
// one by one, and scratch arrays indexed by handle that outlive the query.
// Searches check for it with a type assertion; Neo4j's topology does not
// implement it and takes the generic path, with the same answers.
type Arrays interface {
	Topology
	// NumNodes bounds the handles: every handle is less.
	NumNodes() int
	// Scratch lends per-handle arrays for the topology's life (release
	// returns them to a pool), so a query's visit state costs no
	// allocation proportional to the graph.
	Scratch() *Scratch
	// ArcEnds compiles f (Dir included) into an ArcEndFunc.
	ArcEnds(f Filter) (ArcEndFunc, error)
	// Degree, Seen and ID are Describe's NodeInfo fields of u.
	Degree(u uint32) int
	Seen(u uint32) int64
	ID(u uint32) string
	// Time is edge e's time as Expand lists it (0 without one), and Arc
	// its whole arc as Expand lists it; e is an edge an ArcEndFunc listed.
	Time(e uint32) int64
	Arc(e uint32) Arc
	// Between returns the arcs at u that Expand would list under f and
	// that reach v.
	Between(ctx context.Context, u, v uint32, f Filter) ([]Arc, error)
}

// Scratch is per-handle state lent by an Arrays topology: entries are
// stamped with the epoch of the query that wrote them, so a new query
// starts by bumping the epoch instead of clearing.
type Scratch struct {
	epoch uint32
	slot  []uint64    // nodeTable: epoch<<32 | local number + 1
	side  [2][]uint64 // single path search: epoch<<32 | distance
	// the single path search's buffers, kept for the next query
	ends   []ArcEnd
	meets  []uint32
	levels [2][2][]uint32
	// expandSome's buffer
	classEnds []ArcEnd
	// money flow's and exposure's arc buffer
	flowEnds []ArcEnd
}

// reset sizes sc for n handles and starts a new epoch.
func (sc *Scratch) reset(n int) {
	if len(sc.slot) < n {
		sc.slot = make([]uint64, n)
		sc.side[0], sc.side[1] = make([]uint64, n), make([]uint64, n)
		sc.epoch = 0
	}
	sc.epoch++
	if sc.epoch == 0 { // wrapped: old stamps could pass for new ones
		clear(sc.slot)
		clear(sc.side[0])
		clear(sc.side[1])
		sc.epoch = 1
	}
}
