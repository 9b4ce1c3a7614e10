package boltstore

import (
	"slices"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
)

// unsealed is b as a PreparedBatch of copies that carry no proof: every
// record is validated.
func unsealed(b graph.Batch) *graph.PreparedBatch {
	pb := &graph.PreparedBatch{Prices: b.Prices}
	nodes, edges := slices.Clone(b.Nodes), slices.Clone(b.Edges)
	for i := range nodes {
		pb.AddNode(&nodes[i], graph.Prepared{})
	}
	for i := range edges {
		pb.AddEdge(&edges[i], graph.Prepared{})
	}
	return pb
}

// prepareNodes validates the batch's nodes that came without proof of
// preparation and merges repeats of one ID in order. It returns the
// unique nodes and the position of each ID.
func prepareNodes(idx *index, b *graph.PreparedBatch, res *graph.WriteResult) ([]*graph.Node, map[string]int) {
	in := b.Nodes()
	errs := make([]error, len(in))
	// Only this writer mutates idx.byID, and not before commit: the
	// workers may read it.
	known := func(id string) bool { _, ok := idx.byID[id]; return ok }
	parallel(len(in), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if !b.NodeSealed(i) {
				errs[i] = graph.PrepareNodeKnown(in[i], known)
			}
		}
	})
	pos := make(map[string]int, len(in))
	out := make([]*graph.Node, 0, len(in))
	for i, n := range in {
		if errs[i] != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: errs[i]})
			continue
		}
		if j, ok := pos[n.ID]; ok {
			m, err := graph.MergeNode(out[j], n)
			if err != nil {
				res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
				continue
			}
			out[j] = m
			continue
		}
		pos[n.ID] = len(out)
		out = append(out, n)
	}
	return out, pos
}

// prepareEdge validates e, unless it is sealed (prepared already), and
// returns the numbers of its endpoints, as node gives them.
func prepareEdge(e *graph.Edge, sealed bool, node func(id string) (uint32, bool)) ([2]uint32, error) {
	// Endpoints are mostly IDs of stored or batch nodes as they are: those
	// need no normalising, nor a second look-up.
	f, fromOK := node(e.From)
	t, toOK := node(e.To)
	if !sealed { // a sealed edge's endpoints are normalised already
		if err := graph.PrepareEdgeKnown(e, fromOK, toOK); err != nil {
			return [2]uint32{}, err
		}
	}
	var ok bool
	if !fromOK {
		if f, ok = node(e.From); !ok { // normalised
			return [2]uint32{}, graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, e.From)
		}
	}
	if !toOK {
		if t, ok = node(e.To); !ok {
			return [2]uint32{}, graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, e.To)
		}
	}
	return [2]uint32{f, t}, nil
}

// prepareEdges validates the batch's edges, rejects those with an endpoint
// neither stored nor among the batch's valid nodes, and merges repeats. For
// each edge returned it gives the numbers of its endpoints among the stored
// nodes, algo.None for nodes the batch creates.
func prepareEdges(idx *index, b *graph.PreparedBatch, nodePos map[string]int, res *graph.WriteResult) ([]*graph.Edge, [][2]uint32) {
	in := b.Edges()
	node := func(id string) (uint32, bool) {
		if u, ok := idx.byID[id]; ok {
			return u, true
		}
		_, ok := nodePos[id]
		return algo.None, ok
	}
	errs := make([]error, len(in))
	allEnds := make([][2]uint32, len(in))
	// Only this writer mutates idx.byID, and not before commit: the
	// workers may read it.
	parallel(len(in), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			allEnds[i], errs[i] = prepareEdge(in[i], b.EdgeSealed(i), node)
		}
	})
	pos := make(map[string]int, len(in))
	out := make([]*graph.Edge, 0, len(in))
	ends := make([][2]uint32, 0, len(in))
	for i, e := range in {
		if errs[i] != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: errs[i]})
			continue
		}
		if j, ok := pos[e.ID]; ok {
			m, err := graph.MergeEdge(out[j], e)
			if err != nil {
				res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
				continue
			}
			out[j] = m
			continue
		}
		pos[e.ID] = len(out)
		out = append(out, e)
		ends = append(ends, allEnds[i])
	}
	return out, ends
}
