package graph

import "slices"

// Prepared is proof that PrepareNodeKnown or PrepareEdgeKnown accepted a
// record: SealNode and SealEdge give one, naming the record they prepared.
// Its fields are unexported, so no other package can forge one, and a
// PreparedBatch trusts a record only with the proof that names it. The
// holder must not change a record after sealing it (a format's reader
// builds it, seals it and hands it over).
type Prepared struct {
	node *Node
	edge *Edge
}

// Of reports whether p is the proof of rec, a *Node or an *Edge.
func (p Prepared) Of(rec any) bool {
	switch r := rec.(type) {
	case *Node:
		return r != nil && p.node == r
	case *Edge:
		return r != nil && p.edge == r
	}
	return false
}

// SealNode prepares n (PrepareNodeKnown) and returns the proof of it. The
// caller gives n up, with its sources, which are prepared in place.
func SealNode(n *Node, known func(id string) bool) (Prepared, error) {
	if err := prepareNode(n, known, true); err != nil {
		return Prepared{}, err
	}
	return Prepared{node: n}, nil
}

// SealEdge prepares e (PrepareEdgeKnown) and returns the proof of it; as
// with SealNode, e's sources are prepared in place.
func SealEdge(e *Edge, fromKnown, toKnown bool) (Prepared, error) {
	if err := prepareEdge(e, fromKnown, toKnown, true); err != nil {
		return Prepared{}, err
	}
	return Prepared{edge: e}, nil
}

// PreparedBatch is a batch whose records a store validates only when no
// proof came with them: a reader that prepared its records already (every
// address decoded and checksummed, every edge ID built) spares the store
// doing it again, and any other record is validated as Write validates it.
// The batch owns its records: it stamps their sources in place.
type PreparedBatch struct {
	nodes      []*Node
	nodeSealed []bool
	edges      []*Edge
	edgeSealed []bool
	Prices     []Price
}

// AddNode appends n (not nil), trusted as prepared when p is its proof.
func (b *PreparedBatch) AddNode(n *Node, p Prepared) {
	b.nodes = append(b.nodes, n)
	b.nodeSealed = append(b.nodeSealed, n != nil && p.node == n)
}

// AddEdge appends e (not nil), trusted as prepared when p is its proof.
func (b *PreparedBatch) AddEdge(e *Edge, p Prepared) {
	b.edges = append(b.edges, e)
	b.edgeSealed = append(b.edgeSealed, e != nil && p.edge == e)
}

// Len is the number of records in the batch.
func (b *PreparedBatch) Len() int { return len(b.nodes) + len(b.edges) + len(b.Prices) }

// Nodes and Edges are the batch's records in order, index for index with
// a store's rejections. They are the batch's own: not to be changed.
func (b *PreparedBatch) Nodes() []*Node { return b.nodes }

// Edges is the batch's edges, as Nodes is its nodes.
func (b *PreparedBatch) Edges() []*Edge { return b.edges }

// NodeSealed reports whether node i came with its proof.
func (b *PreparedBatch) NodeSealed(i int) bool { return b.nodeSealed[i] }

// EdgeSealed reports whether edge i came with its proof.
func (b *PreparedBatch) EdgeSealed(i int) bool { return b.edgeSealed[i] }

// StampSources replaces every source s of the batch's nodes and edges with
// f(s). A prepared record's sources are its own (preparing made them):
// they are stamped in place, then sources that now share a key (f may set
// their agency) are merged and the record's confidence and marking
// derived again, as preparing it would have, so it stays prepared; f must
// not clear a source's dataset or marking. Any other record's sources may
// be shared with its reader: they are copied on the first change.
func (b *PreparedBatch) StampSources(f func(Source) Source) {
	for i, n := range b.nodes {
		n.Sources = stampSources(n.Sources, f, b.nodeSealed[i], &n.Confidence, &n.Marking)
	}
	for i, e := range b.edges {
		e.Sources = stampSources(e.Sources, f, b.edgeSealed[i], &e.Confidence, &e.Marking)
	}
	for i := range b.Prices {
		b.Prices[i].Source = f(b.Prices[i].Source)
	}
}

func stampSources(src []Source, f func(Source) Source, own bool, conf *int, mark *Marking) []Source {
	changed := false
	for i, s := range src {
		t := f(s)
		if t == s {
			continue
		}
		if !own && !changed {
			src = slices.Clone(src)
		}
		src[i], changed = t, true
	}
	if changed && own && len(src) > 1 {
		src = mergeSources(nil, src)
		*conf, *mark = derive(src)
	}
	return src
}

// Batch is the batch as a plain Batch, for a store that validates every
// record anyway.
func (b *PreparedBatch) Batch() Batch {
	out := Batch{Nodes: make([]Node, len(b.nodes)), Edges: make([]Edge, len(b.edges)), Prices: b.Prices}
	for i, n := range b.nodes {
		out.Nodes[i] = *n
	}
	for i, e := range b.edges {
		out.Edges[i] = *e
	}
	return out
}
