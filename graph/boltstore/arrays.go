package boltstore

import (
	"context"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/investigate"
)

var _ investigate.Arrays = (*topology)(nil)

// sparseKinds are the edge kinds few nodes have and the engine's class
// lookups ask every node for (ownership, sanctions, loot): the graph keeps
// per-node lists of them (algo.Graph.SetSparse), so the lookup at a hot
// wallet does not scan its transfers.
var sparseKinds = func() algo.KindMask {
	m, err := kindMask([]graph.EdgeKind{graph.EdgeControls, graph.EdgeDepositedAt, graph.EdgeSanctionedBy, graph.EdgeStole})
	if err != nil {
		panic(err)
	}
	return m
}()

// The engine's in-place access (investigate.Arrays): the same facts as
// Describe and Expand, read from the index's arrays one node or arc at a
// time, without building NodeInfo or Arc values.

func (t *topology) NumNodes() int { return len(t.x.ids) }

func (t *topology) Scratch() *investigate.Scratch {
	sc, _ := t.s.scratch.Get().(*investigate.Scratch)
	if sc == nil {
		sc = new(investigate.Scratch)
	}
	t.scratch = append(t.scratch, sc)
	return sc
}

func (t *topology) Degree(u uint32) int { return t.w.degree(t.x, u) }

func (t *topology) Seen(u uint32) int64 { return int64(t.w.nodeSeen(t.x, u)) }

func (t *topology) ID(u uint32) string { return t.x.ids[u] }

func (t *topology) Time(e uint32) int64 {
	if ef, ok := t.w.edgeFact(t.x, e); ok {
		return int64(ef.time)
	}
	return int64(t.x.facts.etime[e])
}

func (t *topology) Arc(e uint32) investigate.Arc { return t.arc(e) }

// ArcEnds reads the CSR rows in place: kind by the mask (a load only when
// it selects), visibility by the viewer's compiled classes (two loads and a
// test for a public fact), and an arc's facts only when f has a condition
// on them.
func (t *topology) ArcEnds(f investigate.Filter) (investigate.ArcEndFunc, error) {
	dir, mask, err := dirMask(f.Dir, f.Kinds)
	if err != nil {
		return nil, err
	}
	facts := f.Since != 0 || f.Until != 0 || f.MinValue > 0 || f.AsOf != 0
	x, w := t.x, t.w
	var dirs []algo.Dir
	for _, d := range []algo.Dir{algo.Out, algo.In} {
		if dir&d != 0 {
			dirs = append(dirs, d)
		}
	}
	// keep is Expand's test of one arc; a self-loop read from the in side
	// under Both was listed from the out side already.
	keep := func(u, e, v uint32, d algo.Dir) bool {
		if w != nil && !w.arc(e, v) || v == u && d == algo.In && dir == algo.Both {
			return false
		}
		if facts {
			arc := t.arc(e)
			return f.Pass(&arc)
		}
		return true
	}
	plain := w == nil && !facts // a trusted caller, no condition on facts: the row as it is
	sparse := x.g.SparseOnly(mask)
	return func(buf []investigate.ArcEnd, u uint32) []investigate.ArcEnd {
		if !x.g.MayHave(u, mask) {
			return buf // no edge of the kinds at u: most wallets, for ownership kinds
		}
		for _, d := range dirs {
			loops := d == algo.In && dir == algo.Both
			if sparse { // the few edges of these kinds at u, from its list
				t.arcs = x.g.AppendArcs(t.arcs[:0], u, d, mask)
				for _, a := range t.arcs {
					if plain && (a.Node != u || !loops) || !plain && keep(u, a.Edge, a.Node, d) {
						buf = append(buf, investigate.ArcEnd{Edge: a.Edge, Node: a.Node})
					}
				}
				continue
			}
			edges, nbrs := x.g.Row(u, d)
			for i, v := range nbrs {
				e := edges[i]
				if mask != 0 && !mask.Has(x.g.Kind(e)) {
					continue
				}
				if plain && (v != u || !loops) || !plain && keep(u, e, v, d) {
					buf = append(buf, investigate.ArcEnd{Edge: e, Node: v})
				}
			}
			t.arcs = x.g.AppendRecent(t.arcs[:0], u, d, mask)
			for _, a := range t.arcs {
				if keep(u, a.Edge, a.Node, d) {
					buf = append(buf, investigate.ArcEnd{Edge: a.Edge, Node: a.Node})
				}
			}
		}
		return buf
	}, nil
}

func (t *topology) Between(ctx context.Context, u, v uint32, f investigate.Filter) ([]investigate.Arc, error) {
	dir, mask, err := dirMask(f.Dir, f.Kinds)
	if err != nil {
		return nil, err
	}
	if int(u) >= len(t.x.ids) || int(v) >= len(t.x.ids) {
		return nil, graph.Errorf(graph.CodeInvalid, "unknown node handle %d or %d", u, v)
	}
	var out []investigate.Arc
	for _, e := range t.x.g.EdgesBetween(u, v, dir, mask) {
		if !t.w.arc(e, v) {
			continue
		}
		if arc := t.arc(e); f.Pass(&arc) {
			out = append(out, arc)
		}
	}
	return out, nil
}
