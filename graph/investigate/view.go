package investigate

import (
	"cmp"
	"context"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// view wraps a Topology for one query: it remembers what Describe said, so
// that every algorithm can order nodes by ID (the one order both stores
// share) and test kinds and degrees without asking twice, and it counts the
// query's work against its budget.
type view struct {
	t     Topology
	info  nodeTable
	b     *budget
	trunc *Truncation
	// class and category are filled by classify.
	class    classes
	category map[uint32]string // service node → category
	asOf     int64             // the query's as-of cut-off, for classify
	ctx      context.Context
	edgeIDs  map[uint32]string // edge IDs read to break ties (compareArcs)
	// arrays is t when it holds the graph in memory (nil otherwise), and
	// sc the scratch it lent this view.
	arrays Arrays
	sc     *Scratch
}

func newView(ctx context.Context, t Topology, l Limits, trunc *Truncation) *view {
	v := &view{t: t, b: newBudget(ctx, l, trunc), trunc: trunc, ctx: ctx, edgeIDs: map[uint32]string{}}
	v.info.epoch = 1
	if a, ok := t.(Arrays); ok {
		v.arrays, v.sc = a, a.Scratch()
		v.sc.reset(a.NumNodes())
		v.info.slot, v.info.epoch = v.sc.slot, v.sc.epoch
	}
	return v
}

// describe makes sure nodes are described, in one batch for those not yet.
func (v *view) describe(ctx context.Context, nodes []uint32) error {
	var missing []uint32
	v.info.batch++
	for i, u := range nodes {
		if v.info.ask(u) {
			missing = append(missing, u)
		}
		if i&0xfff == 0 {
			if err := v.b.tick(1 << 12); err != nil {
				return err
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	infos, err := v.t.Describe(ctx, missing)
	if err != nil {
		return err
	}
	for i, u := range missing {
		*v.info.of(u) = infos[i]
	}
	return v.b.tick(len(missing))
}

// nodes loads whole nodes for an answer, charged to the operation's
// budget.
func (v *view) nodes(ctx context.Context, hs []uint32) ([]*graph.Node, error) {
	if err := v.b.load(len(hs), 0); err != nil {
		return nil, err
	}
	ns, err := v.t.Nodes(ctx, hs)
	if err != nil {
		return nil, err
	}
	return ns, v.b.loaded(ns, nil)
}

// edges loads whole edges for an answer, charged to the operation's
// budget.
func (v *view) edges(ctx context.Context, hs []uint32) ([]*graph.Edge, error) {
	if err := v.b.load(0, len(hs)); err != nil {
		return nil, err
	}
	es, err := v.t.Edges(ctx, hs)
	if err != nil {
		return nil, err
	}
	return es, v.b.loaded(nil, es)
}

// id returns a described node's ID.
func (v *view) id(u uint32) string { return v.info.of(u).ID }

// byID orders described nodes by ID.
func (v *view) byID(a, b uint32) int { return cmp.Compare(v.info.of(a).ID, v.info.of(b).ID) }

// sortByID sorts described nodes by ID, looking each ID up once.
func (v *view) sortByID(nodes []uint32) {
	if len(nodes) < 16 {
		slices.SortFunc(nodes, v.byID)
		return
	}
	type keyed struct {
		id string
		h  uint32
	}
	ks := make([]keyed, len(nodes))
	for i, u := range nodes {
		ks[i] = keyed{v.info.of(u).ID, u}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.id, b.id) })
	for i := range ks {
		nodes[i] = ks[i].h
	}
}

// edgeID returns an edge's ID, reading it from the store the first time.
// A crossing (None) has none. Should the read fail, ties fall back to
// handle order, and the store's error surfaces at the query's next read.
func (v *view) edgeID(e uint32) string {
	if e == None {
		return ""
	}
	if id, ok := v.edgeIDs[e]; ok {
		return id
	}
	var id string
	if es, err := v.t.Edges(v.ctx, []uint32{e}); err == nil && len(es) == 1 {
		id = es[0].ID
	}
	v.edgeIDs[e] = id
	return id
}

// resolve maps IDs to handles and describes them; a missing node, or one
// first seen after asOf (when asOf is set), is a NOT_FOUND error.
func (v *view) resolve(ctx context.Context, ids []string, asOf int64) ([]uint32, error) {
	hs, err := v.t.Resolve(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		if h == None {
			return nil, graph.NotFound("node", ids[i])
		}
	}
	if err := v.describe(ctx, hs); err != nil {
		return nil, err
	}
	for i, h := range hs {
		if asOf != 0 && v.info.of(h).Seen > asOf {
			return nil, graph.NotFound("node", ids[i])
		}
	}
	return hs, nil
}

// expand reads arcs of nodes under f, counts them against the budget,
// describes every node they reach and drops arcs to nodes first seen after
// f.AsOf. Each node's arcs come sorted by (other end's ID, kind, time,
// value, amount), an order both stores share.
func (v *view) expand(ctx context.Context, nodes []uint32, f Filter) ([][]Arc, error) {
	lists, err := v.expandAny(ctx, nodes, f)
	if err != nil {
		return nil, err
	}
	return lists, v.order(ctx, nodes, lists)
}

// expandAny is expand without the order: for the searches that impose
// their own (sorting every list by ID was most of a path search's time).
func (v *view) expandAny(ctx context.Context, nodes []uint32, f Filter) ([][]Arc, error) {
	if len(nodes) == 0 {
		return nil, nil
	}
	lists, err := v.t.Expand(ctx, nodes, f)
	if err != nil {
		return nil, err
	}
	var ends []uint32
	n := 0
	for i, list := range lists {
		n += len(list)
		for _, a := range list {
			ends = append(ends, a.Other(nodes[i]))
		}
	}
	if err := v.b.read(n); err != nil {
		return nil, err
	}
	if err := v.describe(ctx, ends); err != nil {
		return nil, err
	}
	for i, list := range lists {
		u := nodes[i]
		if f.AsOf != 0 {
			list = slices.DeleteFunc(list, func(a Arc) bool { return v.info.of(a.Other(u)).Seen > f.AsOf })
		}
		lists[i] = list
	}
	return lists, nil
}

// order sorts each node's arcs by (other end's ID, kind, time, value,
// amount, ends), an order both stores share; parallel edges alike in all
// of these by edge ID.
func (v *view) order(ctx context.Context, nodes []uint32, lists [][]Arc) error {
	for i, list := range lists {
		u := nodes[i]
		byFacts := func(a, b Arc) int {
			return thenBy(v.byID(a.Other(u), b.Other(u)), func() int { return compareFacts(v, a, b) })
		}
		slices.SortFunc(list, byFacts)
		lists[i] = list
	}
	// Parallel edges alike in every fact are ordered by edge ID: read the
	// IDs of all such ties in one batch, then sort those lists again.
	var tied []uint32
	var again []int
	for i, list := range lists {
		u, tie := nodes[i], false
		for j := 1; j < len(list); j++ {
			if a, b := list[j-1], list[j]; a.Other(u) == b.Other(u) && compareFacts(v, a, b) == 0 {
				tie = true
				for _, e := range []uint32{a.Edge, b.Edge} {
					if _, ok := v.edgeIDs[e]; !ok {
						tied = append(tied, e)
						v.edgeIDs[e] = ""
					}
				}
			}
		}
		if tie {
			again = append(again, i)
		}
	}
	if len(tied) > 0 {
		es, err := v.edges(ctx, tied)
		if err != nil {
			return err
		}
		for k, e := range tied {
			v.edgeIDs[e] = es[k].ID
		}
	}
	for _, i := range again {
		u := nodes[i]
		slices.SortFunc(lists[i], func(a, b Arc) int {
			return thenBy(v.byID(a.Other(u), b.Other(u)), func() int { return compareArcs(v, a, b) })
		})
	}
	return nil
}

// handles lists node or edge handles once each, in the order first added,
// so that an answer reads each once.
type handles struct {
	list []uint32
	at   map[uint32]int
}

func (h *handles) add(u uint32) {
	if h.at == nil {
		h.at = map[uint32]int{}
	}
	if _, ok := h.at[u]; !ok {
		h.at[u] = len(h.list)
		h.list = append(h.list, u)
	}
}
