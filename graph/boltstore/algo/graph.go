// Package algo is the embedded store's in-memory topology and the
// algorithms it runs on it: a compact adjacency (Graph), level-by-level
// breadth-first search (Levels, behind Neighbors), bidirectional shortest
// paths (ShortestPath) and union-find (UnionFind, which keeps the store's
// co-spend clusters, and Components). Nodes and edges are dense uint32
// numbers and edge kinds small integers; it knows nothing of IDs, payloads
// or storage.
//
// Users: graph/boltstore, and bench, which times Components against
// networkx. Neo4j answers in Cypher and the investigation queries run
// graph/investigate's own searches over a store's Topology, so neither uses
// it.
package algo

import (
	"slices"
	"sync"
)

// None marks the absence of a node or edge index.
const None = ^uint32(0)

// Dir says which way a traversal follows edges.
type Dir uint8

// Directions: Out follows edges from source to target, In backwards, Both
// ignores direction.
const (
	Out  Dir = 1
	In   Dir = 2
	Both Dir = Out | In
)

// Reverse returns the direction that walks the same edges the other way.
func (d Dir) Reverse() Dir {
	switch d {
	case Out:
		return In
	case In:
		return Out
	}
	return d
}

// KindMask selects edge kinds by bit (kind k is bit k, so at most 64 kinds).
// The zero mask selects every kind.
type KindMask uint64

// Has reports whether the mask selects kind k.
func (m KindMask) Has(k uint8) bool { return m == 0 || m&(1<<k) != 0 }

// MaskOf returns the mask selecting kinds.
func MaskOf(kinds ...uint8) KindMask {
	var m KindMask
	for _, k := range kinds {
		m |= 1 << k
	}
	return m
}

// Arc is one step of a traversal: the edge followed and the node it reaches.
type Arc struct {
	Edge, Node uint32
}

// Adjacency is what the traversal algorithms need from a graph.
type Adjacency interface {
	NumNodes() int
	// AppendArcs appends to buf the arcs leaving u in direction dir over
	// edges whose kind mask selects, and returns the extended buffer.
	AppendArcs(buf []Arc, u uint32, dir Dir, mask KindMask) []Arc
}

// Graph is a directed multigraph held as parallel arrays: edge endpoints and
// kinds, a CSR (compressed sparse row) adjacency over the edges present at
// the last compaction, and singly linked lists threaded through the edges
// added since. Memory is about 9 bytes per edge in the arrays plus 16 per
// edge of adjacency (edge and neighbour, out and in) and 16 per node, with no pointers per edge or
// per node, so tens of millions of edges stay cheap for the garbage
// collector. Adding an edge is O(1); Compact folds the linked lists into the
// CSR, and MaybeCompact does so when they have grown to a fraction of it,
// which keeps the amortised cost of adding an edge constant.
//
// A Graph is not safe for concurrent mutation; callers guard it with a lock
// (readers may share it while nobody writes).
type Graph struct {
	src, dst []uint32
	kind     []uint8

	nodes int
	// CSR over edges [0, csrEdges): the edges leaving node u are
	// outAdj[outOff[u]:outOff[u+1]], in edge index order; nodes added after
	// the compaction have no CSR row.
	csrEdges      int
	outOff, inOff []uint32
	outAdj, inAdj []uint32
	// outNbr[i] is the node outAdj[i] leads to (inNbr likewise), so a
	// traversal reads neighbours in order instead of one random load per
	// arc into dst or src; derived from the arrays above by Compact.
	outNbr, inNbr  []uint32
	csrNodes       int
	outHead        []uint32 // per node: latest edge added since compaction, or None
	inHead         []uint32
	outNext        []uint32 // per edge added since compaction: the previous one of the same node
	inNext         []uint32
	compactMinimum int
	// kinds[u] has bit k set when an edge of kind k ends at u (either
	// end, any viewer): a search for a few kinds skips the rows of the
	// many nodes that have none without reading them.
	kinds []KindMask
	// sparse[u] lists, in edge index order, the edges at u (either end)
	// of the kinds sparseMask selects: kinds few nodes have and many
	// lookups ask for (ownership, sanctions), which AppendArcs then reads
	// from the list instead of scanning a hot wallet's whole row.
	sparseMask KindMask
	sparse     map[uint32][]uint32
	// scratch pools ShortestPath's visit state (*pathScratch), so searches
	// reuse their arrays instead of allocating per call or per node.
	scratch sync.Pool
}

// NewGraph returns an empty graph with capacity hints.
func NewGraph(nodes, edges int) *Graph {
	return &Graph{
		src:            make([]uint32, 0, edges),
		dst:            make([]uint32, 0, edges),
		kind:           make([]uint8, 0, edges),
		outHead:        make([]uint32, 0, nodes),
		inHead:         make([]uint32, 0, nodes),
		kinds:          make([]KindMask, 0, nodes),
		compactMinimum: 1 << 16,
	}
}

// NumNodes returns the number of nodes.
func (g *Graph) NumNodes() int { return g.nodes }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.src) }

// AddNode adds a node and returns its index.
func (g *Graph) AddNode() uint32 {
	g.outHead = append(g.outHead, None)
	g.inHead = append(g.inHead, None)
	g.kinds = append(g.kinds, 0)
	g.nodes++
	return uint32(g.nodes - 1)
}

// AddEdge adds an edge from src to dst of kind and returns its index. Both
// nodes must exist.
func (g *Graph) AddEdge(src, dst uint32, kind uint8) uint32 {
	if int(src) >= g.nodes || int(dst) >= g.nodes {
		panic("algo: AddEdge with an unknown node")
	}
	e := uint32(len(g.src))
	g.src = append(g.src, src)
	g.dst = append(g.dst, dst)
	g.kind = append(g.kind, kind)
	g.kinds[src] |= 1 << kind
	g.kinds[dst] |= 1 << kind
	if g.sparseMask&(1<<kind) != 0 {
		g.addSparse(src, dst, e)
	}
	g.outNext = append(g.outNext, g.outHead[src])
	g.outHead[src] = e
	g.inNext = append(g.inNext, g.inHead[dst])
	g.inHead[dst] = e
	return e
}

// Edge returns the endpoints and kind of edge e.
func (g *Graph) Edge(e uint32) (src, dst uint32, kind uint8) {
	return g.src[e], g.dst[e], g.kind[e]
}

// Kind returns the kind of edge e.
func (g *Graph) Kind(e uint32) uint8 { return g.kind[e] }

// MayHave reports whether u may have edges of a kind mask selects: false
// only when no edge of those kinds ends at u.
func (g *Graph) MayHave(u uint32, mask KindMask) bool {
	return mask == 0 || int(u) >= len(g.kinds) || g.kinds[u]&mask != 0
}

// MaybeCompact compacts when the edges added since the last compaction
// outnumber half of those in the CSR (and a minimum), so the cost of
// compaction is amortised over the edges added.
func (g *Graph) MaybeCompact() {
	delta := len(g.src) - g.csrEdges
	if delta > g.compactMinimum && delta > g.csrEdges/2 {
		g.Compact()
	}
}

// Compact rebuilds the CSR over every edge with two counting sorts, so each
// node's edges are in edge index order.
func (g *Graph) Compact() {
	n, m := g.nodes, len(g.src)
	g.outOff, g.outAdj = buildCSR(g.outOff, g.outAdj, g.src, n)
	g.inOff, g.inAdj = buildCSR(g.inOff, g.inAdj, g.dst, n)
	g.outNbr = neighbours(g.outNbr, g.outAdj, g.dst)
	g.inNbr = neighbours(g.inNbr, g.inAdj, g.src)
	g.csrEdges, g.csrNodes = m, n
	for i := range g.outHead {
		g.outHead[i], g.inHead[i] = None, None
	}
	g.outNext, g.inNext = g.outNext[:0], g.inNext[:0]
}

func buildCSR(off, adj, key []uint32, n int) ([]uint32, []uint32) {
	off = slices.Grow(off[:0], n+1)[:n+1]
	clear(off)
	for _, u := range key {
		off[u+1]++
	}
	for i := 1; i <= n; i++ {
		off[i] += off[i-1]
	}
	adj = slices.Grow(adj[:0], len(key))[:len(key)]
	pos := slices.Clone(off[:n])
	for e, u := range key {
		adj[pos[u]] = uint32(e)
		pos[u]++
	}
	return off, adj
}

// neighbours returns end[adj[i]] for every i, in buf's space.
func neighbours(buf, adj, end []uint32) []uint32 {
	buf = slices.Grow(buf[:0], len(adj))[:len(adj)]
	for i, e := range adj {
		buf[i] = end[e]
	}
	return buf
}

// SetSparse makes AppendArcs read edges of kinds only mask selects from
// per-node lists (see Graph.sparse), built here from the edges so far and
// kept by AddEdge; the arcs and their order are the same.
func (g *Graph) SetSparse(mask KindMask) {
	g.sparseMask, g.sparse = mask, map[uint32][]uint32{}
	for e, k := range g.kind {
		if mask&(1<<k) != 0 {
			g.addSparse(g.src[e], g.dst[e], uint32(e))
		}
	}
}

func (g *Graph) addSparse(src, dst, e uint32) {
	g.sparse[src] = append(g.sparse[src], e)
	if dst != src {
		g.sparse[dst] = append(g.sparse[dst], e)
	}
}

// appendSparse is appendArcs over u's sparse list, in appendArcs's order:
// the CSR's edges in index order, then the later ones newest first.
func (g *Graph) appendSparse(buf []Arc, u uint32, mask KindMask, d Dir) []Arc {
	list := g.sparse[u]
	end, other := g.src, g.dst
	if d == In {
		end, other = g.dst, g.src
	}
	csr := len(list)
	for i, e := range list {
		if int(e) >= g.csrEdges {
			csr = i
			break
		}
	}
	for _, e := range list[:csr] {
		if end[e] == u && mask.Has(g.kind[e]) {
			buf = append(buf, Arc{Edge: e, Node: other[e]})
		}
	}
	for i := len(list) - 1; i >= csr; i-- {
		if e := list[i]; end[e] == u && mask.Has(g.kind[e]) {
			buf = append(buf, Arc{Edge: e, Node: other[e]})
		}
	}
	return buf
}

// SparseOnly reports whether mask selects only kinds kept in the sparse
// lists (see SetSparse): AppendArcs then reads the lists, not the rows.
func (g *Graph) SparseOnly(mask KindMask) bool {
	return mask != 0 && g.sparseMask != 0 && mask&^g.sparseMask == 0
}

// AppendArcs implements Adjacency. Arcs come CSR first (edge index order),
// then the edges added since compaction, newest first; callers that need a
// particular order sort.
func (g *Graph) AppendArcs(buf []Arc, u uint32, dir Dir, mask KindMask) []Arc {
	if g.SparseOnly(mask) {
		if dir&Out != 0 {
			buf = g.appendSparse(buf, u, mask, Out)
		}
		if dir&In != 0 {
			buf = g.appendSparse(buf, u, mask, In)
		}
		return buf
	}
	if dir&Out != 0 {
		buf = g.appendArcs(buf, u, mask, g.outOff, g.outAdj, g.outNbr, g.outHead, g.outNext, g.dst)
	}
	if dir&In != 0 {
		buf = g.appendArcs(buf, u, mask, g.inOff, g.inAdj, g.inNbr, g.inHead, g.inNext, g.src)
	}
	return buf
}

func (g *Graph) appendArcs(buf []Arc, u uint32, mask KindMask, off, adj, nbr, head, next, other []uint32) []Arc {
	if int(u) < g.csrNodes {
		lo, hi := off[u], off[u+1]
		for i, e := range adj[lo:hi] {
			if mask.Has(g.kind[e]) {
				buf = append(buf, Arc{Edge: e, Node: nbr[int(lo)+i]})
			}
		}
	}
	if !g.hasTail() {
		return buf
	}
	for e := head[u]; e != None; e = next[int(e)-g.csrEdges] {
		if mask.Has(g.kind[e]) {
			buf = append(buf, Arc{Edge: e, Node: other[e]})
		}
	}
	return buf
}

// hasTail reports whether edges were added since the last compaction: when
// none were, a traversal need not read a node's list heads.
func (g *Graph) hasTail() bool { return len(g.src) > g.csrEdges }

// Row returns u's CSR row in direction d (Out or In): its edges and, at the
// same index, the node each leads to; callers read it in place. The edges
// added since compaction are not in it (AppendRecent).
func (g *Graph) Row(u uint32, d Dir) (edges, nbrs []uint32) {
	if int(u) >= g.csrNodes {
		return nil, nil
	}
	if d == Out {
		lo, hi := g.outOff[u], g.outOff[u+1]
		return g.outAdj[lo:hi], g.outNbr[lo:hi]
	}
	lo, hi := g.inOff[u], g.inOff[u+1]
	return g.inAdj[lo:hi], g.inNbr[lo:hi]
}

// AppendRecent is AppendArcs for the edges added since compaction only, in
// direction d (Out or In).
func (g *Graph) AppendRecent(buf []Arc, u uint32, d Dir, mask KindMask) []Arc {
	head, next, other := g.outHead, g.outNext, g.dst
	if d == In {
		head, next, other = g.inHead, g.inNext, g.src
	}
	for e := head[u]; e != None; e = next[int(e)-g.csrEdges] {
		if mask.Has(g.kind[e]) {
			buf = append(buf, Arc{Edge: e, Node: other[e]})
		}
	}
	return buf
}

// Degree returns the number of edges at u in direction dir, of any kind.
func (g *Graph) Degree(u uint32, dir Dir) int {
	d := 0
	if dir&Out != 0 {
		d += g.degree(u, g.outOff, g.outHead, g.outNext)
	}
	if dir&In != 0 {
		d += g.degree(u, g.inOff, g.inHead, g.inNext)
	}
	return d
}

func (g *Graph) degree(u uint32, off, head, next []uint32) int {
	d := 0
	if int(u) < g.csrNodes {
		d = int(off[u+1] - off[u])
	}
	if !g.hasTail() {
		return d
	}
	for e := head[u]; e != None; e = next[int(e)-g.csrEdges] {
		d++
	}
	return d
}

// EdgesBetween returns the edges that a traversal in direction dir may take
// from u straight to v, with kinds the mask selects, in ascending edge index
// order. It scans the endpoint with the smaller degree, in place.
func (g *Graph) EdgesBetween(u, v uint32, dir Dir, mask KindMask) []uint32 {
	from, to, d := u, v, dir
	if g.Degree(v, dir.Reverse()) < g.Degree(u, dir) {
		from, to, d = v, u, dir.Reverse()
	}
	var out []uint32
	if d&Out != 0 {
		out = g.edgesTo(out, from, to, mask, g.outOff, g.outAdj, g.outNbr, g.outHead, g.outNext, g.dst)
	}
	if d&In != 0 {
		out = g.edgesTo(out, from, to, mask, g.inOff, g.inAdj, g.inNbr, g.inHead, g.inNext, g.src)
	}
	slices.Sort(out)
	return slices.Compact(out) // a self-loop shows up twice under Both
}

// edgesTo appends the edges of one adjacency of u that lead to v.
func (g *Graph) edgesTo(out []uint32, u, v uint32, mask KindMask, off, adj, nbr, head, next, end []uint32) []uint32 {
	if int(u) < g.csrNodes {
		lo, hi := off[u], off[u+1]
		for i, w := range nbr[lo:hi] {
			if w == v && mask.Has(g.kind[adj[int(lo)+i]]) {
				out = append(out, adj[int(lo)+i])
			}
		}
	}
	if g.hasTail() {
		for e := head[u]; e != None; e = next[int(e)-g.csrEdges] {
			if end[e] == v && mask.Has(g.kind[e]) {
				out = append(out, e)
			}
		}
	}
	return out
}

// MemoryBytes estimates the heap held by the graph's arrays.
func (g *Graph) MemoryBytes() int {
	return 4*(cap(g.src)+cap(g.dst)+cap(g.outOff)+cap(g.inOff)+cap(g.outAdj)+cap(g.inAdj)+cap(g.outNbr)+cap(g.inNbr)+
		cap(g.outHead)+cap(g.inHead)+cap(g.outNext)+cap(g.inNext)) + cap(g.kind) + 8*cap(g.kinds)
}
