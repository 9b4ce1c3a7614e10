// Package investigate answers the questions investigators bring to
// Redthread: paths with filters, time-respecting money flow under a taint
// model, exposure to risk categories, co-spend address clusters, persona
// identity resolution and communities.
//
// Every store answers through the same code: a store provides a Topology,
// five primitives over node and edge handles (resolve IDs, describe nodes,
// expand arcs under a filter, load nodes, load edges), and the algorithms
// here do the rest. The embedded store serves the primitives from memory;
// Neo4j serves them with one parameterised Cypher query per batch. Both
// stores therefore give the same answers by construction, and the
// conformance suite (graph/storetest) checks that they do. Every algorithm
// works level by level so that a remote store pays one round trip per level,
// not per node.
package investigate

import (
	"context"

	"github.com/redthread-dev/redthread/graph"
)

// None marks a missing node or edge handle.
const None = ^uint32(0)

// Topology is the read access the algorithms need. Handles are dense
// numbers valid for the life of one Topology; the embedded store uses its
// node and edge numbers, Neo4j numbers what a query has seen so far.
// Implementations are used by one query at a time.
type Topology interface {
	// Resolve maps node IDs to handles, None where a node does not exist.
	Resolve(ctx context.Context, ids []string) ([]uint32, error)
	// Describe returns what the algorithms need to know of nodes.
	Describe(ctx context.Context, nodes []uint32) ([]NodeInfo, error)
	// Expand returns, for each node, the arcs at that node that pass f, in
	// any order (the algorithms impose their own).
	Expand(ctx context.Context, nodes []uint32, f Filter) ([][]Arc, error)
	// Nodes loads whole nodes for an answer.
	Nodes(ctx context.Context, nodes []uint32) ([]*graph.Node, error)
	// Edges loads whole edges for an answer.
	Edges(ctx context.Context, edges []uint32) ([]*graph.Edge, error)
	// Prices returns the price table's closes for keys (assets normalised,
	// days at midnight UTC), in asset and day order; a key without one is
	// left out. Prices are not graph records (see graph.Price).
	Prices(ctx context.Context, keys []graph.PriceKey) ([]graph.Price, error)
}

// NodeInfo is a node as the algorithms see it.
type NodeInfo struct {
	ID     string
	Kind   graph.NodeKind
	Degree int   // edge ends at the node, of every kind and direction (a self-loop counts twice)
	Seen   int64 // first seen (unix seconds; see graph.FirstSeen), 0 if unknown
}

// Arc is an edge seen from one of its ends.
type Arc struct {
	Edge     uint32
	From, To uint32 // the edge's direction, whichever end was expanded
	Kind     graph.EdgeKind
	Time     int64   // unix seconds; 0 when the edge has no time
	Value    float64 // USD value at the time (graph.Edge.ValueUSD); 0 when unknown
	Amount   float64 // in the asset's units; 0 when unknown
	Asset    string  // BTC, ETH, USDT...; empty when unknown
	Seen     int64   // first seen (unix seconds), 0 if unknown
}

// Other returns the end of a that is not u (u itself for a self-loop).
func (a Arc) Other(u uint32) uint32 {
	if a.From == u {
		return a.To
	}
	return a.From
}

// Filter selects arcs. The time window applies to edges that carry a time
// and the minimum value to edges that carry a value: an ownership edge has
// neither and always passes.
type Filter struct {
	Dir      graph.Direction  // OUT: edges leaving the node; IN: entering; BOTH or empty: either
	Kinds    []graph.EdgeKind // empty means every kind
	Since    int64            // unix seconds, inclusive; 0 means open
	Until    int64            // unix seconds, inclusive; 0 means open
	MinValue float64          // USD; 0 means no minimum
	AsOf     int64            // drop edges first seen after it; 0 means no cut-off
}

// Pass reports whether an arc's facts pass the filter's time, value and
// as-of conditions (kind and direction are the expander's business). Stores
// that filter in memory use it; Neo4j states the same conditions in Cypher.
func (f Filter) Pass(a *Arc) bool {
	if a.Time != 0 && ((f.Since != 0 && a.Time < f.Since) || (f.Until != 0 && a.Time > f.Until)) {
		return false
	}
	if f.MinValue > 0 && a.Value != 0 && a.Value < f.MinValue {
		return false
	}
	return f.AsOf == 0 || a.Seen == 0 || a.Seen <= f.AsOf
}

// Opener is a store that can be investigated: Topology opens a read view
// for one query; release must be called when the query is done (the
// embedded store holds a read lock meanwhile).
type Opener interface {
	Topology(ctx context.Context) (t Topology, release func(), err error)
}
