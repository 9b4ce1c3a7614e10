package investigate

import "context"

// growEnds is expandSide and record for k paths on an Arrays topology:
// the same nodes expanded, classified and charged, the same steps added to
// the local graph, from arcs read in place; a step's arc is read whole
// only when the local graph's order needs it (arcOf).
func (ps *pathSearch) growEnds(ctx context.Context, s *pside) ([]uint32, error) {
	v := ps.v
	nodes, err := ps.expandableFrontier(ctx, s)
	if err != nil {
		return nil, err
	}
	f := ps.f
	f.Dir = s.dir
	lists, err := v.expandEnds(ctx, nodes, f, v.sc.flowEnds)
	defer func() { v.sc.flowEnds = lists.ends[:0] }()
	if err != nil {
		return nil, err
	}
	avoid := ps.q.Services == ServicesAvoid
	if avoid {
		ends := make([]uint32, len(lists.ends))
		for i, e := range lists.ends {
			ends[i] = e.Node
		}
		if err := v.classify(ctx, ends); err != nil {
			return nil, err
		}
	}
	var next []uint32
	for i, u := range nodes {
		list := lists.of(i)
		if err := v.b.tick(len(list) + 1); err != nil {
			return nil, err
		}
		for _, e := range list {
			w := e.Node
			if avoid && w != ps.from && w != ps.to && v.classOf(w).isService() {
				continue
			}
			if s == ps.fwd {
				ps.addStepEnd(u, w, e.Edge)
			} else {
				ps.addStepEnd(w, u, e.Edge)
			}
			if _, ok := s.distance(w); !ok {
				s.reach(w, s.depth+1)
				next = append(next, w)
			}
		}
	}
	return next, nil
}

// addStepEnd is addStep for an arc read in place: its facts are read when
// needed (arcOf).
func (ps *pathSearch) addStepEnd(u, w, e uint32) {
	ps.lazy = true
	k := stepKey{e, u}
	if ps.have[k] {
		return
	}
	ps.have[k] = true
	ps.link(u, w, step{edge: e, to: w})
}

// arcOf is s's arc, read from the arrays when s was added in place.
func (ps *pathSearch) arcOf(s step) Arc {
	if ps.lazy {
		return ps.v.arrays.Arc(s.edge)
	}
	return s.arc
}
