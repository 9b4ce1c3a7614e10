package model

import "github.com/redthread-dev/redthread/graph"

// NewStats maps store counts, listing every known kind in a fixed order
// (zero counts included) so clients can rely on the shape.
func NewStats(s graph.Stats) *Stats {
	out := &Stats{Nodes: int(s.Nodes), Edges: int(s.Edges)}
	for _, k := range graph.NodeKinds() {
		out.NodesByKind = append(out.NodesByKind, &KindCount{Kind: string(k), Count: int(s.NodesByKind[k])})
	}
	for _, k := range graph.EdgeKinds() {
		out.EdgesByKind = append(out.EdgesByKind, &KindCount{Kind: string(k), Count: int(s.EdgesByKind[k])})
	}
	return out
}

// NewNodeConnection maps a page of search hits to a Relay connection;
// paged tells whether the page follows an earlier one.
func NewNodeConnection(res graph.SearchResult, paged bool) *NodeConnection {
	c := &NodeConnection{
		Edges:    make([]*NodeEdge, 0, len(res.Hits)),
		PageInfo: &PageInfo{HasNextPage: res.HasMore, HasPreviousPage: paged},
	}
	for _, h := range res.Hits {
		if h.Node == nil {
			continue
		}
		c.Edges = append(c.Edges, &NodeEdge{Cursor: h.Cursor, Node: NewNode(h.Node), Score: h.Score})
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.StartCursor = &c.Edges[0].Cursor
		c.PageInfo.EndCursor = &c.Edges[n-1].Cursor
	}
	return c
}

// NewSubgraph maps a neighbourhood.
func NewSubgraph(s graph.Subgraph) *Subgraph {
	return &Subgraph{
		Nodes:      nonNil(s.Nodes),
		Edges:      NewEdges(s.Edges),
		Truncated:  s.Truncated,
		Reason:     optString(s.Reason),
		ReasonCode: reasonCode(s.Causes), ReasonCodes: reasonCodes(s.Causes),
	}
}

// NewPath maps a path; an empty path has length 0.
func NewPath(p graph.Path) *Path {
	return &Path{
		Nodes:      nonNil(p.Nodes),
		Edges:      NewEdges(p.Edges),
		Length:     p.Length(),
		Truncated:  p.Truncated,
		Reason:     optString(p.Reason),
		ReasonCode: reasonCode(p.Causes), ReasonCodes: reasonCodes(p.Causes),
	}
}

// nonNil wraps nodes for lists whose elements the schema declares non-null.
func nonNil(ns []*graph.Node) []Node {
	out := make([]Node, 0, len(ns))
	for _, n := range ns {
		if n != nil {
			out = append(out, NewNode(n))
		}
	}
	return out
}
