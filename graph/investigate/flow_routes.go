package investigate

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

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

// foundRoute is a route found and how many alike it stands for.
type foundRoute struct {
	steps []*flowStep
	alike int
}

// routes lists the routes that deliver the most under the answer's
// ranking, alike routes folded into one, at most limit of them, and counts
// the routes to each sink; it notes what it leaves out.
func (fs *flowSearch) routes(ctx context.Context, res *FlowResult, sinks *flowSinks, limit int) ([]foundRoute, error) {
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
		res.Add(graph.CauseRouteCountLimit, "more than %d routes; counts are lower bounds", w.cap)
	}
	routes := fs.fold(w.found)
	last := func(r foundRoute) Part { return taintedPart(r.steps[len(r.steps)-1]) }
	slices.SortStableFunc(routes, func(a, b foundRoute) int {
		return cmp.Or(compareParts(res.RankedBy, res.AssetOrder, last(a), last(b)), cmp.Compare(len(a.steps), len(b.steps)))
	})
	if len(routes) > limit {
		routes = routes[:limit]
		res.Add(graph.CauseRouteLimit, "%d routes found; kept the %d that deliver the most", w.count, limit)
	}
	return routes, nil
}

// routeKey is what a route shows: the nodes it passes, in order, and the
// value it delivers.
type routeKey struct {
	nodes  string
	asset  string
	amount float64
	usd    float64
}

// fold folds routes that pass the same nodes and deliver the same value
// (parallel transfers of one amount, say) into the first of them.
func (fs *flowSearch) fold(found [][]*flowStep) []foundRoute {
	var out []foundRoute
	at := map[routeKey]int{}
	for _, r := range found {
		var b strings.Builder
		for _, st := range r {
			fmt.Fprintf(&b, "%d>%d/%d;", st.from, st.to, st.service)
		}
		p := taintedPart(r[len(r)-1])
		k := routeKey{b.String(), p.Asset, p.Amount, p.USD}
		if i, ok := at[k]; ok {
			out[i].alike++
			continue
		}
		at[k] = len(out)
		out = append(out, foundRoute{steps: r, alike: 1})
	}
	return out
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
		return thenBy(cmp.Compare(a.arc.Time, b.arc.Time), func() int { return thenBy(v.byID(a.to, b.to), func() int { return compareArcs(v, a.arc, b.arc) }) })
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
