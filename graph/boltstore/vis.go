package boltstore

import (
	"slices"
	"strconv"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// What the index keeps so that every read filters for its viewer from
// memory (docs/design/visibility.md §3, §4, §6): the visibility class of
// every node and edge (4 bytes each), the few records whose sources differ
// in visibility (what each source said, so a partial viewer gets their own
// label, time and value), the arc ends at each node whose classes are not
// both public (so a viewer's degree is a sum, not a scan), and counts per
// class (so Stats is a sum). Rebuilt on open from the source contexts,
// which hold each source's marking, agency and user: nothing new on disk.
type visIndex struct {
	classes *visibility.Classes
	nclass  []uint32 // node → class
	eclass  []uint32 // edge → class
	nmixed  map[uint32]*mixedNode
	emixed  map[uint32]*mixedEdge
	// pairs[u] counts the arc ends at u by (edge class << 32 | neighbour
	// class), leaving out the public pair (0, 0): a node without an entry
	// is pure, and everyone who sees it sees its stored degree.
	pairs  map[uint32]map[uint64]int32
	nkinds [][]int64               // class → node kind code → nodes
	ekinds map[edgeClasses][]int64 // classes → edge kind code → edges
	refKey []visibility.Key        // source context → its key, for rebuild
}

// edgeClasses are an edge's class and its endpoints': an edge is counted
// for a viewer who sees all three.
type edgeClasses struct{ e, from, to uint32 }

// mixedNode is a node whose sources differ in visibility: a stub holding
// each source's label and aliases (sources numbered in Record), for
// graph.ViewNode to give a partial viewer their label and search text.
type mixedNode struct {
	stub    *graph.Node
	classes []uint32 // per source: the class of a fact with that source alone
	seen    []uint32 // per source: first seen
}

// mixedEdge is mixedNode for an edge: each source's values.
type mixedEdge struct {
	stub    *graph.Edge
	classes []uint32
	seen    []uint32
}

func newVisIndex() *visIndex {
	return &visIndex{
		classes: visibility.NewClasses(), nmixed: map[uint32]*mixedNode{}, emixed: map[uint32]*mixedEdge{},
		pairs: map[uint32]map[uint64]int32{}, nkinds: [][]int64{make([]int64, len(nodeKinds))},
		ekinds: map[edgeClasses][]int64{},
	}
}

// visDraft is what a written record's sources say of its visibility,
// worked out before the index is locked; the index interns it on apply.
type visDraft struct {
	class   []visibility.Key // nil: public
	srcKeys [][]visibility.Key
	seen    []uint32
	node    *graph.Node // stub of a mixed node
	edge    *graph.Edge // stub of a mixed edge
}

// keysOf returns the class of sources src (nil for public) and whether
// their keys differ.
func keysOf(src []graph.Source) ([]visibility.Key, bool) {
	if len(src) == 1 {
		if k := visibility.KeyOf(src[0]); k != (visibility.Key{}) {
			return []visibility.Key{k}, false
		}
		return nil, false
	}
	mixed := false
	for i := 1; i < len(src) && !mixed; i++ {
		mixed = visibility.KeyOf(src[i]) != visibility.KeyOf(src[0])
	}
	class := visibility.ClassOf(src)
	if len(class) == 1 && class[0] == (visibility.Key{}) {
		class = nil
	}
	return class, mixed
}

// numbered returns n sources that say only their position, for the stubs.
func numbered(n int) []graph.Source {
	out := make([]graph.Source, n)
	for i := range out {
		out[i].Record = strconv.Itoa(i)
	}
	return out
}

// nodeDraft works out n's visibility; seen gives its i-th source's first
// seen time.
func nodeDraft(n *graph.Node, seen func(i int) uint32) visDraft {
	class, mixed := keysOf(n.Sources)
	d := visDraft{class: class}
	if !mixed {
		return d
	}
	stub := &graph.Node{ID: n.ID, Kind: n.Kind, Key: n.Key, Label: n.Label, Aliases: n.Aliases, Sources: numbered(len(n.Sources))}
	stub.Claims = make([]graph.NodeClaim, len(n.Sources))
	for i, s := range n.Sources {
		c := n.ClaimAt(i)
		stub.Claims[i] = graph.NodeClaim{Label: c.Label, Aliases: c.Aliases}
		d.srcKeys = append(d.srcKeys, visibility.ClassOf([]graph.Source{s}))
		d.seen = append(d.seen, seen(i))
	}
	d.node = stub
	return d
}

// edgeDraft is nodeDraft for an edge.
func edgeDraft(e *graph.Edge, seen func(i int) uint32) visDraft {
	class, mixed := keysOf(e.Sources)
	d := visDraft{class: class}
	if !mixed {
		return d
	}
	stub := &graph.Edge{ID: e.ID, Kind: e.Kind, From: e.From, To: e.To, Key: e.Key, Sources: numbered(len(e.Sources))}
	stub.Amount, stub.Asset, stub.ValueUSD, stub.Time = e.Amount, e.Asset, e.ValueUSD, e.Time
	stub.Claims = make([]graph.EdgeClaim, len(e.Sources))
	for i, s := range e.Sources {
		c := e.ClaimAt(i)
		stub.Claims[i] = graph.EdgeClaim{Amount: c.Amount, Asset: c.Asset, ValueUSD: c.ValueUSD, Time: c.Time}
		d.srcKeys = append(d.srcKeys, visibility.ClassOf([]graph.Source{s}))
		d.seen = append(d.seen, seen(i))
	}
	d.edge = stub
	return d
}

func (vi *visIndex) intern(keys []visibility.Key) uint32 {
	if keys == nil {
		return 0
	}
	c := vi.classes.Intern(keys)
	for int(c) >= len(vi.nkinds) {
		vi.nkinds = append(vi.nkinds, make([]int64, len(nodeKinds)))
	}
	return c
}

func (vi *visIndex) srcClasses(d visDraft) []uint32 {
	out := make([]uint32, len(d.srcKeys))
	for i, k := range d.srcKeys {
		out[i] = vi.intern(k)
	}
	return out
}

// addPair adds delta arc ends at u over an edge of class ec to a
// neighbour of class nc.
func (vi *visIndex) addPair(u, ec, nc uint32, delta int32) {
	if ec|nc == 0 || delta == 0 {
		return
	}
	m := vi.pairs[u]
	if m == nil {
		m = map[uint64]int32{}
		vi.pairs[u] = m
	}
	k := uint64(ec)<<32 | uint64(nc)
	if m[k] += delta; m[k] == 0 {
		delete(m, k)
		if len(m) == 0 {
			delete(vi.pairs, u)
		}
	}
}

func (vi *visIndex) addEdgeKind(k edgeClasses, kind uint8, delta int64) {
	c := vi.ekinds[k]
	if c == nil {
		c = make([]int64, len(edgeKinds))
		vi.ekinds[k] = c
	}
	c[kind] += delta
	if delta < 0 && !slices.ContainsFunc(c, func(n int64) bool { return n != 0 }) {
		delete(vi.ekinds, k)
	}
}

// addNode indexes a new node as public; setNode gives it its class.
func (x *index) addNodeVis(kind uint8) {
	x.vis.nclass = append(x.vis.nclass, 0)
	x.vis.nkinds[0][kind]++
}

// addEdgeVis indexes new edge e from f to t as public; setEdge gives it
// its class.
func (x *index) addEdgeVis(f, t uint32, kind uint8) {
	vi := x.vis
	vi.eclass = append(vi.eclass, 0)
	vi.addEdgeKind(edgeClasses{0, vi.nclass[f], vi.nclass[t]}, kind, 1)
	vi.addPair(f, 0, vi.nclass[t], 1)
	vi.addPair(t, 0, vi.nclass[f], 1)
}

// setNodeVis gives node u the visibility d describes, moving the counts of
// its incident edges and its neighbours' pairs when its class changes:
// O(degree), only when a node gains a source of another visibility.
func (x *index) setNodeVis(u uint32, d visDraft) {
	vi := x.vis
	c := vi.intern(d.class)
	if d.node != nil {
		vi.nmixed[u] = &mixedNode{stub: d.node, classes: vi.srcClasses(d), seen: d.seen}
	} else {
		delete(vi.nmixed, u)
	}
	old := vi.nclass[u]
	if c == old {
		return
	}
	vi.nkinds[old][x.nkind[u]]--
	vi.nkinds[c][x.nkind[u]]++
	arcs := x.g.AppendArcs(nil, u, algo.Both, 0)
	edges := make([]uint32, 0, len(arcs))
	for _, a := range arcs {
		vi.addPair(a.Node, vi.eclass[a.Edge], old, -1)
		vi.addPair(a.Node, vi.eclass[a.Edge], c, 1)
		edges = append(edges, a.Edge)
	}
	slices.Sort(edges)
	edges = slices.Compact(edges) // a self-loop is listed from both ends
	move := func(delta int64) {
		for _, e := range edges {
			f, t, kind := x.g.Edge(e)
			vi.addEdgeKind(edgeClasses{vi.eclass[e], vi.nclass[f], vi.nclass[t]}, kind, delta)
		}
	}
	move(-1)
	vi.nclass[u] = c
	move(1)
}

// setEdgeVis gives edge e the visibility d describes.
func (x *index) setEdgeVis(e uint32, d visDraft) {
	vi := x.vis
	c := vi.intern(d.class)
	if d.edge != nil {
		vi.emixed[e] = &mixedEdge{stub: d.edge, classes: vi.srcClasses(d), seen: d.seen}
	} else {
		delete(vi.emixed, e)
	}
	old := vi.eclass[e]
	if c == old {
		return
	}
	f, t, kind := x.g.Edge(e)
	vi.addEdgeKind(edgeClasses{old, vi.nclass[f], vi.nclass[t]}, kind, -1)
	vi.addEdgeKind(edgeClasses{c, vi.nclass[f], vi.nclass[t]}, kind, 1)
	vi.addPair(f, old, vi.nclass[t], -1)
	vi.addPair(f, c, vi.nclass[t], 1)
	vi.addPair(t, old, vi.nclass[f], -1)
	vi.addPair(t, c, vi.nclass[f], 1)
	vi.eclass[e] = c
}

// refKeyOf returns the key of dictionary context ref, remembered.
func (x *index) refKeyOf(ref uint64) visibility.Key {
	for len(x.vis.refKey) < len(x.srcs.list) {
		x.vis.refKey = append(x.vis.refKey, visibility.KeyOf(x.srcs.list[len(x.vis.refKey)].source()))
	}
	return x.vis.refKey[ref]
}

// refsMixed reports whether the sources with contexts refs differ in
// visibility, and the class of the first when they do not (nil: public).
func (x *index) refsClass(refs []uint64) ([]visibility.Key, bool) {
	if len(refs) == 0 {
		return []visibility.Key{{Tier: visibility.TierRed}}, false // no source: fail closed
	}
	k := x.refKeyOf(refs[0])
	for _, r := range refs[1:] {
		if x.refKeyOf(r) != k {
			return nil, true
		}
	}
	if k == (visibility.Key{}) {
		return nil, false
	}
	return []visibility.Key{k}, false
}

func (vi *visIndex) memoryBytes() int {
	return 4*(cap(vi.nclass)+cap(vi.eclass)) + 200*(len(vi.nmixed)+len(vi.emixed)) + 64*len(vi.pairs)
}
