package investigate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// TaintModel says how value is traced through a wallet that mixes tainted
// and clean funds.
type TaintModel string

// Taint models.
const (
	// Poison: anything sent by a wallet holding any tainted value is
	// tainted in full. The widest net: for finding every place loot may
	// have touched.
	Poison TaintModel = "POISON"
	// Haircut: each transfer out carries the wallet's tainted share of its
	// balance at that moment. Conserves value; the usual default.
	Haircut TaintModel = "HAIRCUT"
	// FIFO: transfers out spend the wallet's receipts first in, first out;
	// the tainted part is what they spend of tainted receipts.
	FIFO TaintModel = "FIFO"
)

// DefaultThrough are the service categories money flow follows through
// rather than stopping at: a bridge moves funds to another chain and a
// mixer back to the same owner, and neither is where legal process goes.
var DefaultThrough = []string{"bridge", "mixer"}

// FlowQuery asks where value from some sources went.
type FlowQuery struct {
	// From: wallets; an incident stands for the wallets that received its
	// loot (STOLE), any other entity for the wallets it controls.
	From []string
	// To: sinks; a service stands for all its wallets. Empty means any
	// service whose category is not followed through.
	To        []string
	MaxHops   int // transfers on a route; 0 means Limits.DefaultHops
	Since     int64
	Until     int64
	MinValue  float64
	Taint     TaintModel // empty means HAIRCUT
	Through   []string   // service categories followed through; nil means DefaultThrough
	Limit     int        // routes returned; 0 means 100
	AsOf      int64
	HubDegree int // see PathsQuery.HubDegree; followed-through services are exempt
}

// FlowResult is the answer to a FlowQuery.
type FlowResult struct {
	Taint   TaintModel
	Sources []*graph.Node // the source wallets, in ID order
	// SourceValue is what the sources sent within the window (USD where
	// transfers have a USD value, else in their own units).
	SourceValue float64
	// Stolen is the sum of the source incidents' reported amountUSD, when
	// the sources were incidents that report one.
	Stolen     float64
	Sinks      []FlowSink // by value reached, largest first
	Routes     []Route    // by value delivered, largest first
	RouteCount int        // routes found (may exceed len(Routes))
	// Tainted are the transfers that carried tainted value, most first: the
	// flow's subgraph, to draw or to export (at most ten per route asked).
	Tainted []TaintedTransfer
	Truncation
}

// FlowSink is where traced value came to rest: a service (named, for legal
// process) or a sink wallet.
type FlowSink struct {
	Node     *graph.Node // the service, or the sink wallet
	Category string      // the service's category, if a service
	Wallets  []string    // the sink's wallets that received value, in ID order
	// Value is the tainted value that reached the sink under the model
	// (USD where transfers have a USD value, else in their own units);
	// ValueUSD counts only transfers with a USD value.
	Value    float64
	ValueUSD float64
	Amounts  map[string]float64 // tainted amount by asset
	Routes   int                // routes that end here
	First    int64              // first and last arrival (unix seconds)
	Last     int64
	Summary  string // for people: "of 534 M USD stolen, 21.9 M USD reached …"
}

// TaintedTransfer is a transfer of the flow and the tainted value it carried.
type TaintedTransfer struct {
	Edge    *graph.Edge
	Tainted float64
}

// Route is one time-respecting route from a source to a sink.
type Route struct {
	Hops []Hop
	// Value is the tainted value its last transfer delivered to the sink.
	Value float64
	Sink  string // the sink's node ID
}

// Hop is one step of a route: a transfer, or a crossing inside a service
// followed through (Edge nil, Service set).
type Hop struct {
	From, To string
	Edge     *graph.Edge
	Service  string // the service crossed, for a crossing
	Time     int64
	Value    float64 // the transfer's value
	Tainted  float64 // its tainted part under the model
}

// flowStep is an edge of the flow region: a transfer, or a crossing.
type flowStep struct {
	from, to uint32
	arc      Arc    // zero Edge==None for a crossing
	service  uint32 // for a crossing
	taint    float64
}

type flowSearch struct {
	v        *view
	q        FlowQuery
	l        Limits
	hub      int
	through  map[string]bool
	sources  []uint32
	isSource map[uint32]bool
	sinkNode map[uint32]uint32 // explicit sink wallets → sink (itself or its service)
	sinkSvc  map[uint32]bool   // explicit sink services
	arrival  map[uint32]int64
	steps    []*flowStep
	out      map[uint32][]*flowStep
	members  map[uint32][]uint32 // followed-through service → its wallets
	have     map[flowKey]*flowStep
	hubs     map[uint32]bool
}

// Flow answers a FlowQuery. It finds the region of time-respecting routes
// breadth-first from the sources (a node is expanded again whenever it is
// reached earlier than before, so no route within the hop bound is lost),
// replays every transfer into and out of the region's wallets in time
// order under the taint model, and lists routes by the value they deliver.
func Flow(ctx context.Context, t Topology, q FlowQuery, l Limits) (FlowResult, error) {
	var res FlowResult
	l = l.OrDefaults()
	hops, clamped, err := l.hops(q.MaxHops)
	if err != nil {
		return res, err
	}
	if len(q.From) == 0 {
		return res, graph.Errorf(graph.CodeInvalid, "moneyFlow needs at least one source")
	}
	switch q.Taint {
	case "":
		q.Taint = Haircut
	case Poison, Haircut, FIFO:
	default:
		return res, graph.Errorf(graph.CodeInvalid, "unknown taint model %q (want POISON, HAIRCUT or FIFO)", q.Taint)
	}
	res.Taint = q.Taint
	limit := q.Limit
	switch {
	case limit < 0:
		return res, graph.Errorf(graph.CodeInvalid, "limit cannot be negative")
	case limit == 0:
		limit = 100
	case limit > l.MaxRoutes:
		limit = l.MaxRoutes
		res.Add("at most %d routes are returned, the server's limit", l.MaxRoutes)
	}
	through := q.Through
	if through == nil {
		through = DefaultThrough
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	fs := &flowSearch{v: v, q: q, l: l, hub: l.hub(q.HubDegree), through: map[string]bool{},
		isSource: map[uint32]bool{}, sinkNode: map[uint32]uint32{}, sinkSvc: map[uint32]bool{},
		arrival: map[uint32]int64{}, out: map[uint32][]*flowStep{}, have: map[flowKey]*flowStep{}, members: map[uint32][]uint32{}, hubs: map[uint32]bool{}}
	for _, c := range through {
		fs.through[c] = true
	}
	if err := fs.resolveEnds(ctx, &res); err != nil {
		return res, err
	}
	err = fs.explore(ctx, hops)
	switch {
	case errors.Is(err, errBudget):
	case err != nil:
		return res, err
	case clamped:
		res.Add("routes longer than %d transfers, the server's limit, were not followed", hops)
	}
	if len(fs.hubs) > 0 {
		res.Add("%d wallets with more than %d edges were reached but not followed (hubs); raise hubDegree to follow them", len(fs.hubs), fs.hub)
	}
	if err := fs.replay(ctx); err != nil {
		return res, err
	}
	return fs.answer(ctx, &res, limit)
}

// resolveEnds turns the query's sources and sinks into wallets.
func (fs *flowSearch) resolveEnds(ctx context.Context, res *FlowResult) error {
	v := fs.v
	from, err := v.resolve(ctx, fs.q.From, fs.q.AsOf)
	if err != nil {
		return err
	}
	var entities []uint32
	for _, u := range from {
		if v.info[u].Kind == graph.KindWallet {
			fs.addSource(u)
		} else {
			entities = append(entities, u)
		}
	}
	if len(entities) > 0 {
		lists, err := v.expand(ctx, entities, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeStole, graph.EdgeControls}, AsOf: fs.q.AsOf})
		if err != nil {
			return err
		}
		for i, e := range entities {
			for _, a := range lists[i] {
				if w := a.To; v.info[w].Kind == graph.KindWallet {
					fs.addSource(w)
				}
			}
			if v.info[e].Kind == graph.KindIncident {
				ns, err := v.nodes(ctx, []uint32{e})
				if err != nil {
					return err
				}
				if amt, ok := ns[0].Props["amountUSD"].(float64); ok {
					res.Stolen += amt
				}
			}
		}
	}
	if len(fs.sources) == 0 {
		return graph.Errorf(graph.CodeInvalid, "the sources name no wallet (an incident needs STOLE edges, an entity CONTROLS edges)")
	}
	v.sortByID(fs.sources)
	to, err := v.resolve(ctx, fs.q.To, fs.q.AsOf)
	if err != nil {
		return err
	}
	for _, u := range to {
		if v.info[u].Kind == graph.KindService {
			fs.sinkSvc[u] = true
		} else {
			fs.sinkNode[u] = u
		}
	}
	return nil
}

func (fs *flowSearch) addSource(u uint32) {
	if !fs.isSource[u] {
		fs.isSource[u] = true
		fs.sources = append(fs.sources, u)
	}
}

// sinkOf returns the sink that node u belongs to, or None.
func (fs *flowSearch) sinkOf(u uint32) uint32 {
	if s, ok := fs.sinkNode[u]; ok {
		return s
	}
	c := fs.v.class[u]
	if !c.isService() {
		return None
	}
	if len(fs.sinkNode)+len(fs.sinkSvc) > 0 {
		if fs.sinkSvc[c.service] {
			return c.service
		}
		return None
	}
	if fs.through[c.category] {
		return None
	}
	return c.service
}

// crossing reports whether u is a wallet of a service followed through.
func (fs *flowSearch) crossing(u uint32) (uint32, bool) {
	c := fs.v.class[u]
	if !c.isService() || fs.sinkOf(u) != None || !fs.through[c.category] {
		return None, false
	}
	return c.service, true
}

// explore finds the flow region level by level.
func (fs *flowSearch) explore(ctx context.Context, hops int) error {
	v := fs.v
	if err := v.classify(ctx, fs.sources); err != nil {
		return err
	}
	frontier := slices.Clone(fs.sources)
	for _, s := range fs.sources {
		fs.arrival[s] = math.MinInt64
	}
	f := Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeTransfer}, Since: fs.q.Since, Until: fs.q.Until, MinValue: fs.q.MinValue, AsOf: fs.q.AsOf}
	for level := 0; level < hops && len(frontier) > 0; level++ {
		var nodes []uint32
		for _, u := range frontier {
			_, crossing := fs.crossing(u)
			switch {
			case fs.sinkOf(u) != None && !fs.isSource[u]:
			case v.info[u].Degree > fs.hub && !fs.isSource[u] && !crossing:
				fs.hubs[u] = true
			default:
				nodes = append(nodes, u)
			}
		}
		lists, err := v.expandAny(ctx, nodes, f) // answer and replay sort what they use
		if err != nil {
			return err
		}
		var reached []uint32
		for _, list := range lists {
			for _, a := range list {
				reached = append(reached, a.To)
			}
		}
		if err := v.classify(ctx, reached); err != nil {
			return err
		}
		improved := map[uint32]bool{}
		var next []uint32
		better := func(w uint32, t int64) {
			if old, ok := fs.arrival[w]; !ok || t < old {
				if !ok {
					if err := v.b.visit(1); err != nil {
						return
					}
				}
				fs.arrival[w] = t
				if !improved[w] {
					improved[w] = true
					next = append(next, w)
				}
			}
		}
		for i, u := range nodes {
			if err := v.b.tick(len(lists[i]) + 1); err != nil {
				return err
			}
			for _, a := range lists[i] {
				if a.From != u || a.To == u || a.Time < fs.arrival[u] && a.Time != 0 {
					continue
				}
				fs.addStep(&flowStep{from: u, to: a.To, arc: a, service: None})
				better(a.To, a.Time)
			}
		}
		if err := v.b.failed(); err != nil {
			return err // the operation's budget, which better cannot return
		}
		if v.b.visited > v.b.maxVisited {
			return errBudget
		}
		// A wallet of a service followed through passes value on from any
		// of the service's wallets (a bridge's vault on the other chain).
		var cross []uint32
		for _, w := range next {
			if svc, ok := fs.crossing(w); ok {
				if _, done := fs.members[svc]; !done {
					cross = append(cross, svc)
					fs.members[svc] = nil
				}
			}
		}
		if len(cross) > 0 {
			lists, err := v.expand(ctx, cross, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeControls}, AsOf: fs.q.AsOf})
			if err != nil {
				return err
			}
			var ws []uint32
			for i, svc := range cross {
				for _, a := range lists[i] {
					if v.info[a.To].Kind == graph.KindWallet {
						fs.members[svc] = append(fs.members[svc], a.To)
						ws = append(ws, a.To)
					}
				}
				v.sortByID(fs.members[svc])
			}
			if err := v.classify(ctx, ws); err != nil {
				return err
			}
		}
		for _, w := range slices.Clone(next) {
			svc, ok := fs.crossing(w)
			if !ok {
				continue
			}
			for _, m := range fs.members[svc] {
				if m == w {
					continue
				}
				fs.addStep(&flowStep{from: w, to: m, arc: Arc{Edge: None, From: w, To: m, Time: fs.arrival[w]}, service: svc})
				better(m, fs.arrival[w])
			}
		}
		v.sortByID(next)
		frontier = next
	}
	return nil
}

func (fs *flowSearch) addStep(s *flowStep) {
	k := flowKey{s.from, s.to, s.arc.Edge}
	if o, ok := fs.have[k]; ok {
		if s.arc.Edge == None && s.arc.Time < o.arc.Time {
			o.arc.Time = s.arc.Time // a crossing reached earlier
		}
		return
	}
	fs.have[k] = s
	fs.steps = append(fs.steps, s)
	fs.out[s.from] = append(fs.out[s.from], s)
}

// flowKey identifies a step: a transfer from its sending end, or a crossing.
type flowKey struct {
	from, to, edge uint32
}

// value is what the flow counts of a transfer: its USD value when known,
// else its amount in its own units.
func value(a *Arc) float64 {
	if a.Value != 0 {
		return a.Value
	}
	return a.Amount
}

// pool is the balance of a wallet (or of a service followed through, whose
// wallets share one) as the replay goes.
type pool struct {
	balance, taint float64
	lots           []lot // FIFO receipts not yet spent
	source         bool
}

type lot struct{ amount, taint float64 }

// replay runs every transfer into and out of the region's wallets in time
// order and sets each region transfer's tainted value.
func (fs *flowSearch) replay(ctx context.Context) error {
	v := fs.v
	// Clean receipts dilute the region's wallets: read every transfer into
	// the wallets the region passes through (not sources, not sinks).
	var mids []uint32
	for u := range fs.out {
		if !fs.isSource[u] {
			mids = append(mids, u)
		}
	}
	v.sortByID(mids)
	var inflow []Arc
	if len(mids) > 0 {
		lists, err := v.expandAny(ctx, mids, Filter{Dir: graph.In, Kinds: []graph.EdgeKind{graph.EdgeTransfer}, Until: fs.q.Until, MinValue: fs.q.MinValue, AsOf: fs.q.AsOf})
		if err != nil && !errors.Is(err, errBudget) {
			return err
		}
		for _, list := range lists {
			inflow = append(inflow, list...)
		}
	}
	type event struct {
		arc  Arc
		step *flowStep // nil: a receipt from outside the region
	}
	var evs []event
	inRegion := map[uint32]*flowStep{}
	for _, s := range fs.steps {
		if s.arc.Edge != None {
			inRegion[s.arc.Edge] = s
			evs = append(evs, event{s.arc, s})
		}
	}
	for _, a := range inflow {
		if _, ok := inRegion[a.Edge]; !ok {
			evs = append(evs, event{a, nil})
		}
	}
	slices.SortFunc(evs, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.arc.Time, b.arc.Time), v.byID(a.arc.From, b.arc.From), v.byID(a.arc.To, b.arc.To), compareArcs(v, a.arc, b.arc))
	})
	pools := map[uint32]*pool{}
	poolOf := func(u uint32) *pool {
		key := u
		if svc, ok := fs.crossing(u); ok {
			key = svc
		}
		p := pools[key]
		if p == nil {
			p = &pool{source: fs.isSource[u]}
			pools[key] = p
		}
		return p
	}
	for i, e := range evs {
		if i%4096 == 0 && ctx.Err() != nil {
			return graph.WrapError(graph.CodeTimeout, ctx.Err(), "the query ran out of time")
		}
		amt := value(&e.arc)
		var frac float64
		if e.step != nil {
			frac = poolOf(e.arc.From).spend(fs.q.Taint, amt)
			e.step.taint = frac * amt
		}
		if e.step != nil || !fs.isSource[e.arc.To] {
			poolOf(e.arc.To).receive(amt, frac)
		}
	}
	return nil
}

// spend takes amt out of the pool and returns the tainted fraction of it.
// What a wallet sends beyond the receipts the replay saw came from funds it
// held before: clean, except for sources, whose funds are all tainted.
func (p *pool) spend(model TaintModel, amt float64) float64 {
	if p.source {
		return 1
	}
	if amt <= 0 {
		return 0
	}
	var frac float64
	switch model {
	case Poison:
		if p.taint > 0 {
			frac = 1
		}
		p.balance = math.Max(0, p.balance-amt)
		return frac
	case Haircut:
		frac = p.taint / math.Max(p.balance, amt)
		p.taint = math.Max(0, p.taint-frac*amt)
		p.balance = math.Max(0, p.balance-amt)
	case FIFO:
		left, tainted := amt, 0.0
		for left > 0 && len(p.lots) > 0 {
			l := &p.lots[0]
			take := math.Min(left, l.amount)
			share := l.taint / l.amount
			tainted += take * share
			l.taint -= take * share
			l.amount -= take
			left -= take
			if l.amount <= 1e-12 {
				p.lots = p.lots[1:]
			}
		}
		frac = tainted / amt
		p.taint = math.Max(0, p.taint-tainted)
		p.balance = math.Max(0, p.balance-amt)
	}
	return math.Min(1, frac)
}

func (p *pool) receive(amt, frac float64) {
	p.balance += amt
	p.taint += frac * amt
	if amt > 0 {
		p.lots = append(p.lots, lot{amt, frac * amt})
	}
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
	sinks := map[uint32]*FlowSink{}
	sinkWallets := map[uint32]map[uint32]bool{}
	var sinkOrder []uint32
	for _, st := range fs.steps {
		sk := fs.sinkOf(st.to)
		if sk == None || st.arc.Edge == None || fs.isSource[st.to] {
			continue
		}
		s := sinks[sk]
		if s == nil {
			s = &FlowSink{Category: v.class[st.to].category, Amounts: map[string]float64{}, First: st.arc.Time, Last: st.arc.Time}
			sinks[sk] = s
			sinkWallets[sk] = map[uint32]bool{}
			sinkOrder = append(sinkOrder, sk)
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
		sinkWallets[sk][st.to] = true
	}
	// Routes: depth first from each source along region steps in time
	// order, simple, counted up to a bound.
	type partial struct{ steps []*flowStep }
	var routes []partial
	countCap := max(10*limit, 1000)
	count := 0
	onPath := map[uint32]bool{}
	var cur []*flowStep
	var walk func(u uint32, t int64) error
	steps := 0
	walk = func(u uint32, t int64) error {
		if steps++; steps%4096 == 0 && ctx.Err() != nil {
			return graph.WrapError(graph.CodeTimeout, ctx.Err(), "the query ran out of time")
		}
		if count >= countCap {
			return nil
		}
		list := fs.out[u]
		slices.SortFunc(list, func(a, b *flowStep) int {
			return cmp.Or(cmp.Compare(a.arc.Time, b.arc.Time), v.byID(a.to, b.to), compareArcs(v, a.arc, b.arc))
		})
		for _, st := range list {
			if onPath[st.to] || (st.arc.Edge != None && st.arc.Time != 0 && st.arc.Time < t) || st.taint <= 0 && st.arc.Edge != None {
				continue
			}
			cur = append(cur, st)
			if sk := fs.sinkOf(st.to); sk != None && st.arc.Edge != None && !fs.isSource[st.to] {
				count++
				sinks[sk].Routes++
				routes = append(routes, partial{slices.Clone(cur)})
			} else if len(cur) < fs.l.MaxHops*2 {
				onPath[st.to] = true
				nt := t
				if st.arc.Time != 0 {
					nt = st.arc.Time
				}
				if err := walk(st.to, nt); err != nil {
					return err
				}
				delete(onPath, st.to)
			}
			cur = cur[:len(cur)-1]
		}
		return nil
	}
	for _, s := range fs.sources {
		onPath[s] = true
		if err := walk(s, math.MinInt64); err != nil {
			return *res, err
		}
		delete(onPath, s)
	}
	res.RouteCount = count
	if count >= countCap {
		res.Add("more than %d routes; counts are lower bounds", countCap)
	}
	last := func(p partial) *flowStep { return p.steps[len(p.steps)-1] }
	slices.SortStableFunc(routes, func(a, b partial) int {
		return cmp.Or(cmp.Compare(last(b).taint, last(a).taint), cmp.Compare(len(a.steps), len(b.steps)))
	})
	if len(routes) > limit {
		routes = routes[:limit]
		res.Add("%d routes found; kept the %d that deliver the most", count, limit)
	}
	// Load what the answer names.
	var nodes, edges []uint32
	ni, ei := map[uint32]int{}, map[uint32]int{}
	addNode := func(u uint32) {
		if _, ok := ni[u]; !ok {
			ni[u] = len(nodes)
			nodes = append(nodes, u)
		}
	}
	for _, s := range fs.sources {
		addNode(s)
	}
	for _, sk := range sinkOrder {
		addNode(sk)
	}
	addEdge := func(e uint32) {
		if _, ok := ei[e]; !ok {
			ei[e] = len(edges)
			edges = append(edges, e)
		}
	}
	for _, r := range routes {
		for _, st := range r.steps {
			if st.arc.Edge != None {
				addEdge(st.arc.Edge)
			} else {
				addNode(st.service)
			}
		}
	}
	var tainted []*flowStep
	for _, st := range fs.steps {
		if st.arc.Edge != None && st.taint > 0 {
			tainted = append(tainted, st)
		}
	}
	slices.SortFunc(tainted, func(a, b *flowStep) int { return cmp.Or(cmp.Compare(b.taint, a.taint), compareArcs(v, a.arc, b.arc)) })
	if len(tainted) > 10*limit {
		res.Add("%d transfers carried tainted value; listed the %d that carried the most", len(tainted), 10*limit)
		tainted = tainted[:10*limit]
	}
	for _, st := range tainted {
		addEdge(st.arc.Edge)
	}
	ns, err := v.nodes(ctx, nodes)
	if err != nil {
		return *res, err
	}
	es, err := v.edges(ctx, edges)
	if err != nil {
		return *res, err
	}
	for _, s := range fs.sources {
		res.Sources = append(res.Sources, ns[ni[s]])
	}
	for _, st := range tainted {
		res.Tainted = append(res.Tainted, TaintedTransfer{Edge: es[ei[st.arc.Edge]], Tainted: st.taint})
	}
	for _, sk := range sinkOrder {
		s := sinks[sk]
		s.Node = ns[ni[sk]]
		for w := range sinkWallets[sk] {
			s.Wallets = append(s.Wallets, v.id(w))
		}
		slices.Sort(s.Wallets)
		s.Summary = fs.summary(res, s)
		res.Sinks = append(res.Sinks, *s)
	}
	slices.SortFunc(res.Sinks, func(a, b FlowSink) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Node.ID, b.Node.ID))
	})
	for _, r := range routes {
		var out Route
		for _, st := range r.steps {
			h := Hop{From: v.id(st.from), To: v.id(st.to), Time: st.arc.Time}
			if st.arc.Edge != None {
				h.Edge = es[ei[st.arc.Edge]]
				h.Value = value(&st.arc)
				h.Tainted = st.taint
			} else {
				h.Service = v.id(st.service)
			}
			out.Hops = append(out.Hops, h)
		}
		out.Value = last(r).taint
		out.Sink = v.id(fs.sinkOf(last(r).to))
		res.Routes = append(res.Routes, out)
	}
	return *res, nil
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
