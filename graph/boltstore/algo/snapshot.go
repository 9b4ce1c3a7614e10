package algo

import "fmt"

// Arrays is what a Graph is made of, for the store's persisted snapshot:
// the node count and the edge list in edge index order. The adjacency is
// derived (Compact rebuilds it in one pass), so a change of its layout
// never changes the snapshot.
type Arrays struct {
	Nodes    int
	Src, Dst []uint32
	Kind     []uint8
}

// MarshalArrays returns the graph's arrays; they alias the graph's own and
// are valid until the next mutation.
func (g *Graph) MarshalArrays() Arrays {
	return Arrays{Nodes: g.nodes, Src: g.src, Dst: g.dst, Kind: g.kind}
}

// FromArrays builds a compacted graph on a (taking ownership of its
// slices) after checking that every edge joins existing nodes and has a
// kind below kinds, so a damaged snapshot fails here and not in a query.
func FromArrays(a Arrays, kinds int) (*Graph, error) {
	m := len(a.Src)
	if len(a.Dst) != m || len(a.Kind) != m {
		return nil, fmt.Errorf("edge arrays of lengths %d, %d and %d", m, len(a.Dst), len(a.Kind))
	}
	if a.Nodes < 0 || uint64(a.Nodes) >= uint64(None) || uint64(m) >= uint64(None) {
		return nil, fmt.Errorf("%d nodes and %d edges: out of range", a.Nodes, m)
	}
	n := uint32(a.Nodes)
	for e := range m {
		if a.Src[e] >= n || a.Dst[e] >= n || int(a.Kind[e]) >= kinds {
			return nil, fmt.Errorf("edge %d: nodes %d and %d or kind %d out of range", e, a.Src[e], a.Dst[e], a.Kind[e])
		}
	}
	g := NewGraph(0, 0)
	g.src, g.dst, g.kind, g.nodes = a.Src, a.Dst, a.Kind, a.Nodes
	g.outHead = make([]uint32, a.Nodes)
	g.inHead = make([]uint32, a.Nodes)
	g.kinds = make([]KindMask, a.Nodes)
	for e := range m {
		g.kinds[a.Src[e]] |= 1 << a.Kind[e]
		g.kinds[a.Dst[e]] |= 1 << a.Kind[e]
	}
	g.Compact() // sets the heads to None
	return g, nil
}
