package investigate

import "context"

// transfersOnArrays is transfers on an Arrays topology: the arcs listed in
// place, charged, described and classified as expandAny and transfers do
// (the same counts, the same order), and whole arcs read only for the
// transfers that respect time, the steps kept.
func (fs *flowSearch) transfersOnArrays(ctx context.Context, nodes []uint32, f Filter, lv *flowLevel) error {
	v := fs.v
	if len(nodes) == 0 {
		return fs.levelDone()
	}
	a := v.arrays
	lists, err := v.expandEnds(ctx, nodes, f, v.sc.flowEnds)
	defer func() { v.sc.flowEnds = lists.ends[:0] }()
	if err != nil {
		return err
	}
	reached := make([]uint32, len(lists.ends))
	for i, e := range lists.ends {
		reached[i] = e.Node
	}
	if err := v.classify(ctx, reached); err != nil {
		return err
	}
	for i, u := range nodes {
		list := lists.of(i)
		if err := v.b.tick(len(list) + 1); err != nil {
			return err
		}
		since := fs.arrival.at(v, u)
		for _, e := range list {
			if e.Node == u {
				continue // a self-loop
			}
			if t := a.Time(e.Edge); t < since && t != 0 {
				continue
			}
			arc := a.Arc(e.Edge)
			fs.addStep(&flowStep{from: u, to: arc.To, arc: arc, service: None})
			fs.reach(lv, arc.To, arc.Time)
		}
	}
	return fs.levelDone()
}
