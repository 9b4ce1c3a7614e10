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
	ends, err := a.ArcEnds(f)
	if err != nil {
		return err
	}
	buf := v.sc.flowEnds[:0]
	at := make([]int, len(nodes)+1)
	for i, u := range nodes {
		buf = ends(buf, u)
		at[i+1] = len(buf)
	}
	defer func() { v.sc.flowEnds = buf[:0] }()
	if err := v.b.read(len(buf)); err != nil {
		return err
	}
	reached := make([]uint32, len(buf))
	for i, e := range buf {
		reached[i] = e.Node
	}
	if err := v.describe(ctx, reached); err != nil {
		return err
	}
	if f.AsOf != 0 { // expandAny's cut-off, list by list
		reached = reached[:0]
		kept := buf[:0]
		for i := range nodes {
			lo := len(kept)
			for _, e := range buf[at[i]:at[i+1]] {
				if v.info.of(e.Node).Seen <= f.AsOf {
					kept = append(kept, e)
					reached = append(reached, e.Node)
				}
			}
			at[i] = lo
		}
		at[len(nodes)] = len(kept)
		buf = kept
	}
	if err := v.classify(ctx, reached); err != nil {
		return err
	}
	for i, u := range nodes {
		list := buf[at[i]:at[i+1]]
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
