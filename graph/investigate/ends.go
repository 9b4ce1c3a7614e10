package investigate

import "context"

// endLists is what expandEnds read: the arcs of nodes[i] are
// ends[at[i]:at[i+1]].
type endLists struct {
	ends []ArcEnd
	at   []int
}

func (l *endLists) of(i int) []ArcEnd { return l.ends[l.at[i]:l.at[i+1]] }

// expandEnds is expandAny on an Arrays topology, without building arcs:
// the same arcs in the same order, charged to the budget, their far ends
// described and cut at f.AsOf the same way. buf is reused.
func (v *view) expandEnds(ctx context.Context, nodes []uint32, f Filter, buf []ArcEnd) (endLists, error) {
	l := endLists{ends: buf[:0], at: make([]int, len(nodes)+1)}
	if len(nodes) == 0 {
		return l, nil
	}
	ends, err := v.arrays.ArcEnds(f)
	if err != nil {
		return l, err
	}
	for i, u := range nodes {
		l.ends = ends(l.ends, u)
		l.at[i+1] = len(l.ends)
	}
	if err := v.b.read(len(l.ends)); err != nil {
		return l, err
	}
	far := make([]uint32, len(l.ends))
	for i, e := range l.ends {
		far[i] = e.Node
	}
	if err := v.describe(ctx, far); err != nil {
		return l, err
	}
	if f.AsOf == 0 {
		return l, nil
	}
	kept := l.ends[:0]
	for i := range nodes {
		lo := len(kept)
		for _, e := range l.ends[l.at[i]:l.at[i+1]] {
			if v.info.of(e.Node).Seen <= f.AsOf {
				kept = append(kept, e)
			}
		}
		l.at[i] = lo
	}
	l.at[len(nodes)] = len(kept)
	l.ends = kept
	return l, nil
}
