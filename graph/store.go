package graph

import "context"

// Store is the contract every graph store fulfils: the embedded default and
// Neo4j. graph/storetest checks that they give the same answers.
//
// Writes are idempotent upserts keyed on natural keys: writing the same batch
// twice leaves the store unchanged, and the same entity from two sources is
// one node carrying both sources (see Merge).
type Store interface {
	// Write applies a batch atomically: after a crash either all of it or
	// none of it is stored. Records that fail validation, or edges whose
	// endpoints exist neither in the store nor in the batch, are rejected
	// one by one in the result; the rest is written.
	Write(ctx context.Context, b Batch) (WriteResult, error)
	// Node returns one node, or a NOT_FOUND error.
	Node(ctx context.Context, id string) (*Node, error)
	// Nodes returns nodes in the order of ids, nil where one does not exist.
	Nodes(ctx context.Context, ids []string) ([]*Node, error)
	// Edge returns one edge, or a NOT_FOUND error.
	Edge(ctx context.Context, id string) (*Edge, error)
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
	// ListNodes pages through the nodes of some kinds in ID order.
	ListNodes(ctx context.Context, q ListQuery) (ListResult, error)
	Neighbors(ctx context.Context, q NeighborQuery) (Subgraph, error)
	ShortestPath(ctx context.Context, q PathQuery) (Path, error)
	Stats(ctx context.Context) (Stats, error)
	Close() error
}

// Batch is a set of records written in one transaction. Nodes are written
// before edges, so an edge may refer to a node of the same batch. Prices
// are no part of the graph (see Price); of two for one asset and day the
// store keeps one (MergePrice).
type Batch struct {
	Nodes  []Node
	Edges  []Edge
	Prices []Price
}

// Rejection names a record of a batch that was not written, and why.
type Rejection struct {
	Edge  bool // false: Nodes[Index] (or Prices[Index] when Price); true: Edges[Index]
	Price bool // Prices[Index]
	Index int
	ID    string
	Err   error
}

// WriteResult counts what a Write did.
type WriteResult struct {
	NodesCreated, NodesUpdated, NodesUnchanged int
	EdgesCreated, EdgesUpdated, EdgesUnchanged int
	// Prices: created for a new (asset, day), updated when the merge
	// rule keeps the incoming one, else unchanged.
	PricesCreated, PricesUpdated, PricesUnchanged int
	Rejected                                      []Rejection
}

// Add accumulates another result into r.
func (r *WriteResult) Add(o WriteResult) {
	r.NodesCreated += o.NodesCreated
	r.NodesUpdated += o.NodesUpdated
	r.NodesUnchanged += o.NodesUnchanged
	r.EdgesCreated += o.EdgesCreated
	r.EdgesUpdated += o.EdgesUpdated
	r.EdgesUnchanged += o.EdgesUnchanged
	r.PricesCreated += o.PricesCreated
	r.PricesUpdated += o.PricesUpdated
	r.PricesUnchanged += o.PricesUnchanged
	r.Rejected = append(r.Rejected, o.Rejected...)
}
