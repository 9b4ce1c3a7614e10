package graph

// Direction says which way a traversal follows edges.
type Direction string

// Directions.
const (
	Out  Direction = "OUT"
	In   Direction = "IN"
	Both Direction = "BOTH"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Out || d == In || d == Both }

// SearchQuery finds nodes by label, alias or key.
type SearchQuery struct {
	Text  string
	Kinds []NodeKind // empty means all kinds
	Limit int        // 0 means Limits.DefaultSearch
	After string     // opaque cursor from a previous SearchResult
}

// SearchHit is a node found by a search, with its relevance score.
type SearchHit struct {
	Node   *Node
	Score  float64
	Cursor string
}

// SearchResult is one page of search hits, best first; ties broken by ID.
type SearchResult struct {
	Hits    []SearchHit
	HasMore bool
}

// ListQuery asks for the nodes of some kinds, in ID order, after a node ID.
type ListQuery struct {
	Kinds []NodeKind // at least one
	After string     // an ID: the page starts after it; empty from the start
	Limit int        // 1 to MaxListNodes
}

// MaxListNodes is the largest page of a ListQuery.
const MaxListNodes = 5000

// ListResult is one page of nodes, in ID order.
type ListResult struct {
	Nodes   []*Node
	HasMore bool
}

// CheckList validates a ListQuery.
func CheckList(q ListQuery) error {
	if len(q.Kinds) == 0 {
		return Errorf(CodeInvalid, "listing nodes needs at least one kind")
	}
	for _, k := range q.Kinds {
		if !k.Valid() {
			return Errorf(CodeInvalid, "unknown node kind %q", k)
		}
	}
	if q.Limit < 1 || q.Limit > MaxListNodes {
		return Errorf(CodeInvalid, "limit must be between 1 and %d, got %d", MaxListNodes, q.Limit)
	}
	return nil
}

// NeighborQuery asks for the neighbourhood of a node.
//
// Rules every store follows (the conformance suite checks them): nodes are
// gathered breadth-first up to Depth hops following Direction and EdgeKinds;
// within one hop distance nodes are taken in ID order; at most Limit nodes
// besides the start are returned, and Truncated says when more existed.
// Edges returned are those of the allowed kinds and direction that leave a
// returned node at distance < Depth and reach a returned node, in ID order,
// at most Limits.MaxEdges of them.
type NeighborQuery struct {
	ID        string
	Depth     int        // 0 means 1
	Direction Direction  // empty means Both
	EdgeKinds []EdgeKind // empty means all kinds
	Limit     int        // 0 means Limits.DefaultNeighbors
}

// Subgraph is a set of nodes and the edges among them.
type Subgraph struct {
	Nodes     []*Node
	Edges     []*Edge
	Truncated bool
	Reason    string  // why it was truncated, for people
	Causes    []Cause // why, for programs: one per sentence of Reason
}

// PathQuery asks for a shortest path.
type PathQuery struct {
	From, To  string
	MaxHops   int        // 0 means Limits.DefaultHops
	Direction Direction  // empty means Both
	EdgeKinds []EdgeKind // empty means all kinds
	// HubDegree: nodes with more edge ends than this (a self-loop counts
	// twice) are not passed through, though they may end the path; an
	// exchange's hot wallet joins everything to everything. 0 means no
	// limit.
	HubDegree int
}

// Path is a walk from one node to another: len(Edges) == len(Nodes)-1, and
// Edges[i] joins Nodes[i] and Nodes[i+1]. An empty path (no nodes) means no
// path exists within the bound.
type Path struct {
	Nodes     []*Node
	Edges     []*Edge
	Truncated bool    // the search stopped at a limit before it could rule a path out
	Reason    string  // why it was truncated
	Causes    []Cause // why, for programs
}

// Length is the number of edges in the path.
func (p Path) Length() int { return len(p.Edges) }

// Stats counts what a store holds.
type Stats struct {
	Nodes       int64
	Edges       int64
	NodesByKind map[NodeKind]int64
	EdgesByKind map[EdgeKind]int64
}
