package boltstore

import (
	"context"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/investigate"
)

var _ investigate.Opener = (*Store)(nil)

// Topology implements investigate.Opener: a view of the in-memory index
// whose handles are the store's node and edge numbers. It holds the read
// lock until release, so the view is one consistent snapshot; queries are
// bounded by their deadlines, and writers wait at most that long.
func (s *Store) Topology(ctx context.Context) (investigate.Topology, func(), error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, err
	}
	w, err := s.seerOf(ctx)
	if err != nil {
		s.mu.RUnlock()
		return nil, nil, err
	}
	var once sync.Once
	t := &topology{s: s, x: s.idx, w: w}
	return t, func() {
		once.Do(func() {
			for _, sc := range t.scratch {
				s.scratch.Put(sc)
			}
			t.scratch = nil
			s.mu.RUnlock()
		})
	}, nil
}

// topology answers for the viewer of the context it was opened with
// (compiled once, in w): every primitive shows only what they see.
type topology struct {
	s    *Store
	x    *index
	w    *seer // nil: a trusted caller
	arcs []algo.Arc
	// scratch lent to the engine (investigate.Arrays), returned to the
	// store's pool at release.
	scratch []*investigate.Scratch
}

func (t *topology) Resolve(ctx context.Context, ids []string) ([]uint32, error) {
	out := make([]uint32, len(ids))
	for i, id := range ids {
		u, ok := t.x.byID[id]
		if !ok || !t.w.node(u) {
			u = investigate.None // hidden is missing
		}
		out[i] = u
	}
	return out, nil
}

func (t *topology) Describe(ctx context.Context, nodes []uint32) ([]investigate.NodeInfo, error) {
	x := t.x
	out := make([]investigate.NodeInfo, len(nodes))
	for i, u := range nodes {
		if int(u) >= len(x.ids) {
			return nil, graph.Errorf(graph.CodeInvalid, "unknown node handle %d", u)
		}
		out[i] = investigate.NodeInfo{ID: x.ids[u], Kind: nodeKinds[x.nkind[u]], Degree: t.w.degree(x, u), Seen: int64(t.w.nodeSeen(x, u))}
	}
	return out, nil
}

func (t *topology) Expand(ctx context.Context, nodes []uint32, f investigate.Filter) ([][]investigate.Arc, error) {
	dir, mask, err := dirMask(f.Dir, f.Kinds)
	if err != nil {
		return nil, err
	}
	x := t.x
	out := make([][]investigate.Arc, len(nodes))
	var all []investigate.Arc // one backing array for the batch's lists
	work := 0
	for i, u := range nodes {
		if int(u) >= len(x.ids) {
			return nil, graph.Errorf(graph.CodeInvalid, "unknown node handle %d", u)
		}
		t.arcs = x.g.AppendArcs(t.arcs[:0], u, dir, mask)
		if work += len(t.arcs) + 1; work > 1<<14 {
			work = 0
			if err := ctx.Err(); err != nil {
				return nil, timeout(err)
			}
		}
		start := len(all)
		for _, a := range t.arcs {
			if !t.w.arc(a.Edge, a.Node) {
				continue // not there for this viewer: no work, no limit
			}
			if dir == algo.Both && a.Node == u && listed(all[start:], a.Edge) {
				continue // a self-loop shows up from both ends; list it once
			}
			arc := t.arc(a.Edge)
			if f.Pass(&arc) {
				all = append(all, arc)
			}
		}
		out[i] = all[start:len(all):len(all)]
	}
	// all may have moved as it grew: cut the lists from its final array.
	at := 0
	for i := range out {
		n := len(out[i])
		out[i] = all[at : at+n : at+n]
		at += n
	}
	return out, nil
}

// arc is edge e's facts as the viewer sees them.
func (t *topology) arc(e uint32) investigate.Arc {
	x, fa := t.x, t.x.facts
	src, dst, kind := x.g.Edge(e)
	arc := investigate.Arc{
		Edge: e, From: src, To: dst, Kind: edgeKinds[kind],
		Time: int64(fa.etime[e]), Value: fa.evalue[e], Amount: fa.eamount[e],
		Asset: fa.assets[fa.easset[e]], Seen: int64(fa.eseen[e]),
	}
	if ef, ok := t.w.edgeFact(x, e); ok {
		// the values of the sources the viewer sees
		arc.Time, arc.Value, arc.Amount, arc.Asset, arc.Seen = int64(ef.time), ef.value, ef.amount, ef.asset, int64(ef.seen)
	}
	return arc
}

func (t *topology) Nodes(ctx context.Context, nodes []uint32) ([]*graph.Node, error) {
	for _, u := range nodes {
		if int(u) >= len(t.x.ids) {
			return nil, graph.Errorf(graph.CodeInvalid, "unknown node handle %d", u)
		}
	}
	var out []*graph.Node
	err := t.s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = t.s.loadNodes(tx, nodes, t.w)
		return err
	})
	return out, err
}

func (t *topology) Edges(ctx context.Context, edges []uint32) ([]*graph.Edge, error) {
	for _, e := range edges {
		if int(e) >= t.x.g.NumEdges() {
			return nil, graph.Errorf(graph.CodeInvalid, "unknown edge handle %d", e)
		}
	}
	var out []*graph.Edge
	err := t.s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = loadEdges(tx, t.x, edges, t.w)
		return err
	})
	return out, err
}

// CoSpendSet returns a label shared by exactly the nodes of u's co-spend
// set (wallets and the transactions they are inputs of), kept by union-find
// as INPUT edges are written, and the set's size. It serves cluster totals
// and recall measurements without walking the set. The sets are global,
// every viewer's INPUT edges at once: no answer to a viewer reads them
// (investigate.Cluster walks the viewer's arcs).
func (t *topology) CoSpendSet(u uint32) (label uint32, size int) {
	r := t.x.cospend.Root(u) // Find would compress paths: a write under a read lock
	return r, t.x.cospend.RootSize(r)
}

func listed(list []investigate.Arc, e uint32) bool {
	for i := range list {
		if list[i].Edge == e {
			return true
		}
	}
	return false
}
