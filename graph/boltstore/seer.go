package boltstore

import (
	"context"
	"maps"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/search"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// seer is the context's viewer compiled against the index for one read:
// nil for a trusted caller, which sees everything. Its methods take the
// store's read lock as held.
type seer struct {
	v    visibility.Viewer
	view *visibility.View
	x    *index
	pub  bool // sees public facts: anyone signed in
	// The facts the viewer's grants name, by handle: a fact outside them
	// is seen by its class alone.
	nShared map[uint32]string
	eShared map[uint32]string
	// extra counts, per node, the arcs a grant shows beyond the viewer's
	// classes (grantExtra), worked out when the grants are compiled.
	extra     map[uint32]int
	bigShared []uint32
	arcBudget int // grantArcBudget; smaller in tests
	arcs      []algo.Arc
}

// seerOf compiles ctx's viewer, or returns nil for a trusted caller. The
// caller holds the read lock. A viewer with grants is compiled once per
// version of the index (grantViews): the same share reaches every request
// of its recipient, and its case's facts cost a look-up each.
func (s *Store) seerOf(ctx context.Context) (*seer, error) {
	v, ok := visibility.FromContext(ctx)
	if !ok {
		return nil, nil
	}
	x := s.idx
	n := 0
	if v.SignedIn() {
		for _, g := range v.Grants {
			n += len(g.Facts)
		}
	}
	if n == 0 {
		w := &seer{v: v, view: visibility.Compile(v, x.vis.classes), x: x}
		w.pub = w.view.SeesClass(0)
		return w, nil
	}
	key := s.grantViews.key(v)
	if w := s.grantViews.get(key, x.gen); w != nil {
		c := *w // shares the compiled maps, read-only; a buffer of its own
		c.v, c.arcs = v, nil
		return &c, nil
	}
	w, err := s.compileGrants(v, n)
	if err != nil {
		return nil, err
	}
	s.grantViews.put(key, x.gen, w)
	c := *w
	c.arcs = nil
	return &c, nil
}

// compileGrants compiles a viewer with grants: their facts resolved to
// handles, and what they add to degrees worked out.
func (s *Store) compileGrants(v visibility.Viewer, n int) (*seer, error) {
	x := s.idx
	w := &seer{v: v, view: visibility.Compile(v, x.vis.classes), x: x, arcBudget: s.grantArcBudget}
	w.pub = w.view.SeesClass(0)
	w.nShared, w.eShared = make(map[uint32]string, n), make(map[uint32]string, n)
	var unknown []string
	for id := range sharedFacts(v.Grants) {
		if u, ok := x.byID[id]; ok {
			w.nShared[u] = id
		} else if e, ok := s.sharedEdges.Load(id); ok {
			w.eShared[e.(uint32)] = id
		} else {
			unknown = append(unknown, id)
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, id := range unknown {
			e, ok, err := findEdgeByID(tx, x, id)
			if err != nil {
				return err
			}
			if ok {
				w.eShared[e] = id
				s.sharedEdges.Store(id, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.initExtra()
	return w, nil
}

// sharedFacts yields the IDs the grants name, each once.
func sharedFacts(gs []visibility.Grant) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for i, g := range gs {
			for id := range g.Facts {
				dup := false
				for _, h := range gs[:i] {
					_, dup = h.Facts[id]
					if dup {
						break
					}
				}
				if !dup && !yield(id) {
					return
				}
			}
		}
	}
}

// findEdgeByID returns the number of the edge with ID id.
func findEdgeByID(tx *bolt.Tx, x *index, id string) (uint32, bool, error) {
	from, kind, to, key, ok := parseEdgeID(id)
	code, known := edgeKindCode(kind)
	f, ok1 := x.byID[from]
	t, ok2 := x.byID[to]
	if !ok || !known || !ok1 || !ok2 {
		return 0, false, nil
	}
	h := edgeHead{from: f, to: t, kind: code, key: key}
	e, v, err := x.findEdge(tx.Bucket(bucketEdges), x.eids.hash(h), h)
	if err != nil {
		return 0, false, internal(err, "find edge "+id)
	}
	return e, v != nil, nil
}

func (w *seer) seesClass(c uint32, shared map[uint32]string, h uint32) bool {
	if w.view.SeesClass(c) {
		return true
	}
	if id, ok := shared[h]; ok {
		return w.view.Sees(c, id)
	}
	return false
}

// node reports whether the viewer sees node u.
func (w *seer) node(u uint32) bool {
	return w == nil || w.seesClass(w.x.vis.nclass[u], w.nShared, u)
}

// edgeClass reports whether the viewer sees one of edge e's sources
// (whether they see its ends is arc's and edge's business).
func (w *seer) edgeClass(e uint32) bool {
	return w == nil || w.seesClass(w.x.vis.eclass[e], w.eShared, e)
}

// arc reports whether the viewer sees edge e from a node they see to
// other: two loads and a test for public facts.
func (w *seer) arc(e, other uint32) bool {
	if w == nil {
		return true
	}
	vi := w.x.vis
	if vi.eclass[e]|vi.nclass[other] == 0 {
		return w.pub
	}
	return w.edgeClass(e) && w.node(other)
}

// edge reports whether the viewer sees edge e and both its ends.
func (w *seer) edge(e uint32) bool {
	if w == nil {
		return true
	}
	f, t, _ := w.x.g.Edge(e)
	return w.edgeClass(e) && w.node(f) && w.node(t)
}

// arcFilter is arc for the algorithms, nil for a trusted caller.
func (w *seer) arcFilter() func(e, other uint32) bool {
	if w == nil {
		return nil
	}
	return w.arc
}

func (w *seer) granted() bool { return w != nil && len(w.nShared)+len(w.eShared) > 0 }

// degree returns the number of arc ends at u the viewer sees: the stored
// degree for a pure node; for a mixed one, less the ends of pairs of
// classes they do not see, plus what their grants show (grantExtra).
func (w *seer) degree(x *index, u uint32) int {
	d := x.g.Degree(u, algo.Both)
	if w == nil {
		return d
	}
	pairs := x.vis.pairs[u]
	if len(pairs) == 0 {
		return d
	}
	for k, c := range pairs {
		if !w.view.SeesClass(uint32(k>>32)) || !w.view.SeesClass(uint32(k)) {
			d -= int(c)
		}
	}
	if w.granted() {
		d += w.grantExtra(u)
	}
	return d
}

// grantArcBudget bounds the arcs of shared nodes that compiling a grant
// walks (once per version of the index, grantViews); the shared nodes past
// it (exchanges' hot wallets in a case) are tested pair by pair instead.
const grantArcBudget = 1 << 20

// grantExtra counts the arcs at u that the viewer sees through a grant
// only: over a shared edge, or to a shared node their classes do not show.
// Worked out once per compiled grant from the shared side, bounded by the cases and
// their small nodes' degrees; shared hubs are tested against u alone.
func (w *seer) grantExtra(u uint32) int {
	x := w.x
	n := w.extra[u]
	for _, v := range w.bigShared {
		for _, e := range x.g.EdgesBetween(u, v, algo.Both, 0) {
			if _, shared := w.eShared[e]; !shared && !w.ownArc(e, v) && w.arc(e, v) {
				n++
			}
		}
	}
	return n
}

// ownArc reports whether the viewer sees arc e to other by their classes.
func (w *seer) ownArc(e, other uint32) bool {
	return w.view.SeesClass(w.x.vis.eclass[e]) && w.view.SeesClass(w.x.vis.nclass[other])
}

// initExtra works out grantExtra's counts from the shared side.
func (w *seer) initExtra() {
	x := w.x
	w.extra = map[uint32]int{}
	add := func(at, e, other uint32) {
		if !w.ownArc(e, other) && w.arc(e, other) {
			w.extra[at]++
		}
	}
	for e := range w.eShared {
		f, t, _ := x.g.Edge(e)
		add(f, e, t)
		add(t, e, f)
	}
	budget := w.arcBudget
	for _, v := range slices.Sorted(maps.Keys(w.nShared)) { // the same split whatever the map's order
		if w.view.SeesClass(x.vis.nclass[v]) {
			continue // its arcs are counted by their classes already
		}
		if d := x.g.Degree(v, algo.Both); d > budget {
			w.bigShared = append(w.bigShared, v)
			continue
		} else {
			budget -= d
		}
		w.arcs = x.g.AppendArcs(w.arcs[:0], v, algo.Both, 0)
		for _, a := range w.arcs {
			if _, shared := w.eShared[a.Edge]; !shared {
				add(a.Node, a.Edge, v)
			}
		}
	}
}

// sourceSees returns the predicate graph.ViewNode takes for a stub whose
// sources are numbered: the viewer sees source i of fact id when they see
// its class.
func (w *seer) sourceSees(classes []uint32, shared map[uint32]string, h uint32) func(graph.Source) bool {
	return func(s graph.Source) bool {
		i, err := strconv.Atoi(s.Record)
		return err == nil && i < len(classes) && w.seesClass(classes[i], shared, h)
	}
}

// firstSeen is the earliest first-seen time of the sources the viewer sees.
func firstSeen(seen []uint32, see func(graph.Source) bool) uint32 {
	var first uint32
	for i, t := range seen {
		if see(graph.Source{Record: strconv.Itoa(i)}) && t != 0 && (first == 0 || t < first) {
			first = t
		}
	}
	return first
}

// nodeSeen is node u's first-seen time for the viewer.
func (w *seer) nodeSeen(x *index, u uint32) uint32 {
	m := x.vis.nmixed[u]
	if w == nil || m == nil {
		return x.facts.nseen[u]
	}
	return firstSeen(m.seen, w.sourceSees(m.classes, w.nShared, u))
}

// edgeFact is edge e's facts for the viewer: a mixed edge's values are
// those of the sources they see.
func (w *seer) edgeFact(x *index, e uint32) (edgeFact, bool) {
	if w == nil || len(x.vis.emixed) == 0 {
		return edgeFact{}, false
	}
	m := x.vis.emixed[e]
	if m == nil {
		return edgeFact{}, false
	}
	see := w.sourceSees(m.classes, w.eShared, e)
	v := graph.ViewEdge(m.stub, see)
	if v == nil {
		return edgeFact{}, false
	}
	return factOf(v, firstSeen(m.seen, see)), true
}

// searchText is node i's search text for the viewer: a mixed node's is
// that of the label and aliases of the sources they see.
func (w *seer) searchText(x *index, i uint32) string {
	m := x.vis.nmixed[i]
	if w == nil || m == nil {
		return x.search.text[i]
	}
	v := graph.ViewNode(m.stub, w.sourceSees(m.classes, w.nShared, i))
	if v == nil {
		return ""
	}
	if v == m.stub {
		return x.search.text[i]
	}
	text, _ := search.Fields(v.ID, v.Label, v.Aliases)
	return text
}

// viewNode redacts a loaded record for the viewer (nil: not seen).
func (w *seer) viewNode(n *graph.Node) *graph.Node {
	if w == nil || n == nil {
		return n
	}
	return visibility.Node(w.v, n)
}

// viewEdge redacts a loaded edge for the viewer; its ends are the
// caller's question.
func (w *seer) viewEdge(e *graph.Edge) *graph.Edge {
	if w == nil || e == nil {
		return e
	}
	return visibility.Edge(w.v, e)
}

// stats counts what the viewer sees: the counts of the classes they see,
// summed, and the facts their grants carry besides (bounded by the cases).
func (w *seer) stats(x *index) graph.Stats {
	st := graph.Stats{NodesByKind: map[graph.NodeKind]int64{}, EdgesByKind: map[graph.EdgeKind]int64{}}
	addNode := func(k uint8, n int64) {
		if n != 0 {
			st.NodesByKind[nodeKinds[k]] += n
			st.Nodes += n
		}
	}
	addEdge := func(k uint8, n int64) {
		if n != 0 {
			st.EdgesByKind[edgeKinds[k]] += n
			st.Edges += n
		}
	}
	own := w.view.SeesClass
	for c, counts := range x.vis.nkinds {
		if own(uint32(c)) {
			for k, n := range counts {
				addNode(uint8(k), n)
			}
		}
	}
	for cl, counts := range x.vis.ekinds {
		if own(cl.e) && own(cl.from) && own(cl.to) {
			for k, n := range counts {
				addEdge(uint8(k), n)
			}
		}
	}
	if !w.granted() {
		return st
	}
	// Facts seen through a grant and not by the viewer's own standing: the
	// shared nodes, the shared edges and the edges at shared nodes.
	edges := map[uint32]bool{}
	for u := range w.nShared {
		if !own(x.vis.nclass[u]) && w.node(u) {
			addNode(x.nkind[u], 1)
		}
		for _, a := range x.g.AppendArcs(nil, u, algo.Both, 0) {
			edges[a.Edge] = true
		}
	}
	for e := range w.eShared {
		edges[e] = true
	}
	for e := range edges {
		f, t, k := x.g.Edge(e)
		if (!own(x.vis.eclass[e]) || !own(x.vis.nclass[f]) || !own(x.vis.nclass[t])) && w.edge(e) {
			addEdge(k, 1)
		}
	}
	return st
}
