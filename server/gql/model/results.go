package model

import (
	"context"

	"github.com/redthread-dev/redthread/graph"
)

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

// NodeConnection is a page of nodes (Relay connection). Its totalCount is
// counted only when a client asks for it: counting search matches costs
// store reads that a page alone does not.
type NodeConnection struct {
	Edges    []*NodeEdge `json:"edges"`
	PageInfo *PageInfo   `json:"pageInfo"`
	count    func(ctx context.Context) (int, error)
}

// Counted sets how TotalCount counts, and returns c.
func (c *NodeConnection) Counted(count func(ctx context.Context) (int, error)) *NodeConnection {
	c.count = count
	return c
}

// TotalCount counts the whole listing; 0 for a connection without a count.
func (c *NodeConnection) TotalCount(ctx context.Context) (int, error) {
	if c.count == nil {
		return 0, nil
	}
	return c.count(ctx)
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
		Nodes:     nonNil(s.Nodes),
		Edges:     NewEdges(s.Edges),
		Truncated: s.Truncated,
		Reason:    optString(s.Reason),
	}
}

// NewPath maps a path; an empty path has length 0.
func NewPath(p graph.Path) *Path {
	return &Path{
		Nodes:     nonNil(p.Nodes),
		Edges:     NewEdges(p.Edges),
		Length:    p.Length(),
		Truncated: p.Truncated,
		Reason:    optString(p.Reason),
		Hops:      pathHops(p),
	}
}

// pathHops flattens a path into one record per edge.
func pathHops(p graph.Path) []*PathHop {
	out := make([]*PathHop, 0, len(p.Edges))
	for i, e := range p.Edges {
		if e == nil || i+1 >= len(p.Nodes) || p.Nodes[i] == nil || p.Nodes[i+1] == nil {
			continue
		}
		out = append(out, &PathHop{Index: i, From: p.Nodes[i].ID, To: p.Nodes[i+1].ID, Edge: e.ID, Kind: e.Kind,
			Forward: e.From == p.Nodes[i].ID, Time: optTime(e.Time), Amount: optFloat(e.Amount),
			Asset: optString(e.Asset), ValueUsd: optFloat(e.ValueUSD)})
	}
	return out
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
