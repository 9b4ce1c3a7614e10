package investigate

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// flowSinks is what the flow delivered to each sink, as answer gathers it.
type flowSinks struct {
	by      map[uint32]*FlowSink
	wallets map[uint32]map[uint32]bool // the sink's wallets that received value
	order   []uint32                   // in the order the sorted steps reach them
}

// answer lists sinks and routes.
func (fs *flowSearch) answer(ctx context.Context, res *FlowResult, limit int) (FlowResult, error) {
	v := fs.v
	// Steps came in the stores' adjacency order: put them in one both
	// share, so that sums add up in the same order to the last bit.
	slices.SortFunc(fs.steps, func(a, b *flowStep) int {
		return cmp.Or(cmp.Compare(a.arc.Time, b.arc.Time), v.byID(a.from, b.from), v.byID(a.to, b.to), compareArcs(v, a.arc, b.arc))
	})
	for _, st := range fs.steps {
		if fs.isSource[st.from] && st.arc.Edge != None {
			res.SourceValue += value(&st.arc)
		}
	}
	sinks := fs.sinks()
	routes, err := fs.routes(ctx, res, sinks, limit)
	if err != nil {
		return *res, err
	}
	tainted := fs.tainted(res, limit)
	if err := fs.describe(ctx, res, sinks, routes, tainted); err != nil {
		return *res, err
	}
	return *res, nil
}

// sinks sums the tainted value each sink received, over the sorted steps.
func (fs *flowSearch) sinks() *flowSinks {
	sinks := &flowSinks{by: map[uint32]*FlowSink{}, wallets: map[uint32]map[uint32]bool{}}
	for _, st := range fs.steps {
		sk := fs.sinkOf(st.to)
		if sk == None || st.arc.Edge == None || fs.isSource[st.to] {
			continue
		}
		s := sinks.by[sk]
		if s == nil {
			s = &FlowSink{Category: fs.v.class[st.to].category, Amounts: map[string]float64{}, First: st.arc.Time, Last: st.arc.Time}
			sinks.by[sk] = s
			sinks.wallets[sk] = map[uint32]bool{}
			sinks.order = append(sinks.order, sk)
		}
		if st.taint <= 0 {
			continue
		}
		s.Value += st.taint
		if st.arc.Value != 0 {
			s.ValueUSD += st.taint
		}
		if st.arc.Asset != "" && value(&st.arc) != 0 {
			s.Amounts[st.arc.Asset] += st.arc.Amount * st.taint / value(&st.arc)
		}
		s.First = min(s.First, st.arc.Time)
		s.Last = max(s.Last, st.arc.Time)
		sinks.wallets[sk][st.to] = true
	}
	return sinks
}

// tainted returns the region's transfers that carried tainted value, most
// first, at most ten per route asked (which it notes).
func (fs *flowSearch) tainted(res *FlowResult, limit int) []*flowStep {
	var tainted []*flowStep
	for _, st := range fs.steps {
		if st.arc.Edge != None && st.taint > 0 {
			tainted = append(tainted, st)
		}
	}
	slices.SortFunc(tainted, func(a, b *flowStep) int {
		return cmp.Or(cmp.Compare(b.taint, a.taint), compareArcs(fs.v, a.arc, b.arc))
	})
	if len(tainted) > 10*limit {
		res.Add("%d transfers carried tainted value; listed the %d that carried the most", len(tainted), 10*limit)
		tainted = tainted[:10*limit]
	}
	return tainted
}

// describe reads the nodes and edges the answer names, each once, and
// fills in its sources, tainted transfers, sinks and routes.
func (fs *flowSearch) describe(ctx context.Context, res *FlowResult, sinks *flowSinks, routes [][]*flowStep, tainted []*flowStep) error {
	v := fs.v
	var nodes, edges handles
	for _, s := range fs.sources {
		nodes.add(s)
	}
	for _, sk := range sinks.order {
		nodes.add(sk)
	}
	for _, r := range routes {
		for _, st := range r {
			if st.arc.Edge != None {
				edges.add(st.arc.Edge)
			} else {
				nodes.add(st.service)
			}
		}
	}
	for _, st := range tainted {
		edges.add(st.arc.Edge)
	}
	ns, err := v.nodes(ctx, nodes.list)
	if err != nil {
		return err
	}
	es, err := v.edges(ctx, edges.list)
	if err != nil {
		return err
	}
	for _, s := range fs.sources {
		res.Sources = append(res.Sources, ns[nodes.at[s]])
	}
	for _, st := range tainted {
		res.Tainted = append(res.Tainted, TaintedTransfer{Edge: es[edges.at[st.arc.Edge]], Tainted: st.taint})
	}
	fs.describeSinks(res, sinks, ns, &nodes)
	for _, r := range routes {
		res.Routes = append(res.Routes, fs.route(r, es, &edges))
	}
	return nil
}

// describeSinks adds the sinks to the answer, the most reached first.
func (fs *flowSearch) describeSinks(res *FlowResult, sinks *flowSinks, ns []*graph.Node, nodes *handles) {
	for _, sk := range sinks.order {
		s := sinks.by[sk]
		s.Node = ns[nodes.at[sk]]
		for w := range sinks.wallets[sk] {
			s.Wallets = append(s.Wallets, fs.v.id(w))
		}
		slices.Sort(s.Wallets)
		s.Summary = fs.summary(res, s)
		res.Sinks = append(res.Sinks, *s)
	}
	slices.SortFunc(res.Sinks, func(a, b FlowSink) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Node.ID, b.Node.ID))
	})
}

// route describes a route of steps with the edges read.
func (fs *flowSearch) route(r []*flowStep, es []*graph.Edge, edges *handles) Route {
	v := fs.v
	out := Route{Value: r[len(r)-1].taint, Sink: v.id(fs.sinkOf(r[len(r)-1].to))}
	for _, st := range r {
		h := Hop{From: v.id(st.from), To: v.id(st.to), Time: st.arc.Time}
		if st.arc.Edge != None {
			h.Edge = es[edges.at[st.arc.Edge]]
			h.Value = value(&st.arc)
			h.Tainted = st.taint
		} else {
			h.Service = v.id(st.service)
		}
		out.Hops = append(out.Hops, h)
	}
	return out
}

func (fs *flowSearch) summary(res *FlowResult, s *FlowSink) string {
	of, unit := res.SourceValue, " sent by the sources"
	if res.Stolen > 0 {
		of, unit = res.Stolen, " stolen"
	}
	name := s.Node.Label
	if s.Category != "" {
		name += " (" + s.Category + ")"
	}
	return fmt.Sprintf("of %s%s, %s reached %s by %d route%s under %s", money(of), unit, money(s.Value), name, s.Routes, plural(s.Routes), res.Taint)
}

// money writes a value for people: 534 M, 21.9 M, 12.4 k.
func money(x float64) string {
	switch a := math.Abs(x); {
	case a >= 1e9:
		return trim(x/1e9) + " bn"
	case a >= 1e6:
		return trim(x/1e6) + " M"
	case a >= 1e3:
		return trim(x/1e3) + " k"
	}
	return trim(x)
}

func trim(x float64) string {
	s := fmt.Sprintf("%.3g", x)
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
