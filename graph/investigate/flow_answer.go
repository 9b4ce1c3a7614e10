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
		return thenBy(cmp.Compare(a.arc.Time, b.arc.Time), func() int {
			return thenBy(v.byID(a.from, b.from), func() int { return thenBy(v.byID(a.to, b.to), func() int { return compareArcs(v, a.arc, b.arc) }) })
		})
	})
	for _, st := range fs.steps {
		if p, ok := stepPart(st, 1); ok && fs.isSource[st.from] {
			res.Sent.add(p)
		}
	}
	sinks := fs.sinks()
	fs.rank(res, sinks)
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

// rank decides how the answer is ordered: by USD when asked, or by
// default when every tainted transfer has a USD value; else by asset.
func (fs *flowSearch) rank(res *FlowResult, sinks *flowSinks) {
	res.Priced = true
	for _, st := range fs.steps {
		if st.arc.Edge != None && st.taint > 0 && st.arc.Value == 0 {
			res.Priced = false
		}
	}
	res.RankedBy = fs.q.RankBy
	if res.RankedBy == RankAuto {
		res.RankedBy = RankAsset
		if res.Priced {
			res.RankedBy = RankUSD
		}
	}
	reached := make([]Value, 0, len(sinks.order))
	for _, sk := range sinks.order {
		reached = append(reached, sinks.by[sk].Reached)
	}
	res.AssetOrder = assetOrder(fs.q.RankAsset, res.Sent, reached)
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
			s = &FlowSink{Category: fs.v.classOf(st.to).category, First: st.arc.Time, Last: st.arc.Time}
			sinks.by[sk] = s
			sinks.wallets[sk] = map[uint32]bool{}
			sinks.order = append(sinks.order, sk)
		}
		if st.taint <= 0 {
			continue
		}
		p, _ := stepPart(st, st.frac)
		s.Reached.add(p)
		s.First = min(s.First, st.arc.Time)
		s.Last = max(s.Last, st.arc.Time)
		sinks.wallets[sk][st.to] = true
	}
	return sinks
}

// tainted returns the region's transfers that carried tainted value, most
// first under the ranking, at most ten per route asked (which it notes).
func (fs *flowSearch) tainted(res *FlowResult, limit int) []*flowStep {
	// Each step's part worked out once, not at every comparison.
	type ranked struct {
		st *flowStep
		p  Part
	}
	var rs []ranked
	for _, st := range fs.steps {
		if st.arc.Edge != None && st.taint > 0 {
			rs = append(rs, ranked{st, taintedPart(st)})
		}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		return thenBy(compareParts(res.RankedBy, res.AssetOrder, a.p, b.p), func() int { return compareArcs(fs.v, a.st.arc, b.st.arc) })
	})
	tainted := make([]*flowStep, len(rs))
	for i, r := range rs {
		tainted[i] = r.st
	}
	if len(tainted) > 10*limit {
		res.Add(graph.CauseListLimit, "%d transfers carried tainted value; listed the %d that carried the most", len(tainted), 10*limit)
		tainted = tainted[:10*limit]
	}
	return tainted
}

// describe reads the nodes and edges the answer names, each once, and
// fills in its sources, tainted transfers, sinks and routes.
func (fs *flowSearch) describe(ctx context.Context, res *FlowResult, sinks *flowSinks, routes []foundRoute, tainted []*flowStep) error {
	v := fs.v
	var nodes, edges handles
	for _, s := range fs.sources {
		nodes.add(s)
	}
	for _, sk := range sinks.order {
		nodes.add(sk)
	}
	for _, r := range routes {
		for _, st := range r.steps {
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
		res.Tainted = append(res.Tainted, TaintedTransfer{Edge: es[edges.at[st.arc.Edge]], Tainted: taintedPart(st)})
	}
	fs.describeSinks(res, sinks, ns, &nodes)
	for _, r := range routes {
		rt := fs.route(r.steps, es, &edges)
		rt.Alike = r.alike
		res.Routes = append(res.Routes, rt)
	}
	return nil
}

// taintedPart is the tainted part of a step's transfer.
func taintedPart(st *flowStep) Part {
	p, _ := stepPart(st, st.frac)
	return p
}

// describeSinks adds the sinks that tainted value reached to the answer,
// the most reached first.
func (fs *flowSearch) describeSinks(res *FlowResult, sinks *flowSinks, ns []*graph.Node, nodes *handles) {
	for _, sk := range sinks.order {
		s := sinks.by[sk]
		if len(s.Reached.Amounts) == 0 {
			continue // reached only by transfers that carried no taint
		}
		s.Node = ns[nodes.at[sk]]
		for w := range sinks.wallets[sk] {
			s.Wallets = append(s.Wallets, fs.v.id(w))
		}
		slices.Sort(s.Wallets)
		s.Summary = fs.summary(res, s)
		res.Sinks = append(res.Sinks, *s)
	}
	slices.SortFunc(res.Sinks, func(a, b FlowSink) int {
		return cmp.Or(compareValues(res.RankedBy, res.AssetOrder, a.Reached, b.Reached), cmp.Compare(a.Node.ID, b.Node.ID))
	})
}

// route describes a route of steps with the edges read.
func (fs *flowSearch) route(r []*flowStep, es []*graph.Edge, edges *handles) Route {
	v := fs.v
	out := Route{Delivered: taintedPart(r[len(r)-1]), Sink: v.id(fs.sinkOf(r[len(r)-1].to))}
	for _, st := range r {
		h := Hop{From: v.id(st.from), To: v.id(st.to), Time: st.arc.Time}
		if st.arc.Edge != None {
			h.Edge = es[edges.at[st.arc.Edge]]
			h.Transfer, _ = stepPart(st, 1)
			h.Tainted = taintedPart(st)
		} else {
			h.Service = v.id(st.service)
		}
		out.Hops = append(out.Hops, h)
	}
	return out
}

// summary is the sink's sentence for people. It names USD only where the
// value is known in USD, else the amounts by asset and which had no USD
// price; routes only when they were counted.
func (fs *flowSearch) summary(res *FlowResult, s *FlowSink) string {
	of := res.Sent.String(res.AssetOrder) + " sent by the sources"
	if res.Stolen > 0 {
		of = "USD " + money(res.Stolen) + " stolen"
	}
	name := s.Node.Label
	if s.Category != "" {
		name += " (" + s.Category + ")"
	}
	by := fmt.Sprintf(" by %d route%s", s.Routes, plural(s.Routes))
	if s.Routes == 0 {
		by = " by routes not counted"
	}
	out := fmt.Sprintf("of %s, %s reached %s%s under %s", of, s.Reached.String(res.AssetOrder), name, by, res.Taint)
	if n, tables := s.Reached.FromTable(); n > 0 {
		out += fmt.Sprintf(" (%d transfer%s valued from the price table %s)", n, plural(n), strings.Join(tables, ", "))
	}
	if _, ok := s.Reached.USD(); !ok {
		if un := s.Reached.Unpriced(); len(un) == len(s.Reached.Amounts) && len(res.Prices) == 0 {
			out += "; no USD prices loaded"
		} else {
			out += "; no USD price for " + strings.Join(un, ", ")
		}
	}
	return out
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
