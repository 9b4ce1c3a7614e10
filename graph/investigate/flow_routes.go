package investigate

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// routeWalk finds routes depth first from each source along region steps
// in time order, simple, counted up to a bound.
type routeWalk struct {
	fs     *flowSearch
	sinks  *flowSinks
	cap    int // routes counted at most
	count  int
	work   int // calls, to look at the deadline now and then
	onPath map[uint32]bool
	cur    []*flowStep
	found  [][]*flowStep
}

// routes lists the routes that deliver the most, at most limit of them,
// and counts the routes to each sink; it notes what it leaves out.
func (fs *flowSearch) routes(ctx context.Context, res *FlowResult, sinks *flowSinks, limit int) ([][]*flowStep, error) {
	w := &routeWalk{fs: fs, sinks: sinks, cap: max(10*limit, 1000), onPath: map[uint32]bool{}}
	for _, s := range fs.sources {
		w.onPath[s] = true
		if err := w.walk(ctx, s, math.MinInt64); err != nil {
			return nil, err
		}
		delete(w.onPath, s)
	}
	res.RouteCount = w.count
	if w.count >= w.cap {
		res.Add("more than %d routes; counts are lower bounds", w.cap)
	}
	routes := w.found
	last := func(r []*flowStep) *flowStep { return r[len(r)-1] }
	slices.SortStableFunc(routes, func(a, b []*flowStep) int {
		return cmp.Or(cmp.Compare(last(b).taint, last(a).taint), cmp.Compare(len(a), len(b)))
	})
	if len(routes) > limit {
		routes = routes[:limit]
		res.Add("%d routes found; kept the %d that deliver the most", w.count, limit)
	}
	return routes, nil
}

// walk extends the current route from u, reached at time t, by each step
// out of u that carried taint no earlier than t.
func (w *routeWalk) walk(ctx context.Context, u uint32, t int64) error {
	if w.work++; w.work%4096 == 0 && ctx.Err() != nil {
		return graph.WrapError(graph.CodeTimeout, ctx.Err(), "the query ran out of time")
	}
	if w.count >= w.cap {
		return nil
	}
	fs, v := w.fs, w.fs.v
	list := fs.out[u]
	slices.SortFunc(list, func(a, b *flowStep) int {
		return cmp.Or(cmp.Compare(a.arc.Time, b.arc.Time), v.byID(a.to, b.to), compareArcs(v, a.arc, b.arc))
	})
	for _, st := range list {
		if w.onPath[st.to] || (st.arc.Edge != None && st.arc.Time != 0 && st.arc.Time < t) || st.taint <= 0 && st.arc.Edge != None {
			continue
		}
		w.cur = append(w.cur, st)
		if sk := fs.sinkOf(st.to); sk != None && st.arc.Edge != None && !fs.isSource[st.to] {
			w.count++
			w.sinks.by[sk].Routes++
			w.found = append(w.found, slices.Clone(w.cur))
		} else if len(w.cur) < fs.l.MaxHops*2 {
			w.onPath[st.to] = true
			nt := t
			if st.arc.Time != 0 {
				nt = st.arc.Time
			}
			if err := w.walk(ctx, st.to, nt); err != nil {
				return err
			}
			delete(w.onPath, st.to)
		}
		w.cur = w.cur[:len(w.cur)-1]
	}
	return nil
}
