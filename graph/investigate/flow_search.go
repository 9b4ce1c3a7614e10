package investigate

import (
	"context"
	"math"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// flowStep is an edge of the flow region: a transfer, or a crossing.
type flowStep struct {
	from, to uint32
	arc      Arc          // zero Edge==None for a crossing
	service  uint32       // for a crossing
	taint    float64      // tainted value in the replay's measure (see value)
	frac     float64      // the tainted fraction of the transfer
	priced   *graph.Price // the close that valued arc, when the price table did
}

// flowKey identifies a step: a transfer from its sending end, or a crossing.
type flowKey struct {
	from, to, edge uint32
}

// flowSearch is one Flow query: the region it finds, then the taint it
// replays over that region.
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
	arrival  arrivals
	steps    []*flowStep
	out      map[uint32][]*flowStep
	members  map[uint32][]uint32 // followed-through service → its wallets
	have     map[flowKey]*flowStep
	hubs     map[uint32]bool
}

func newFlowSearch(v *view, q FlowQuery, l Limits) *flowSearch {
	through := q.Through
	if through == nil {
		through = DefaultThrough
	}
	fs := &flowSearch{v: v, q: q, l: l, hub: l.hub(q.HubDegree), through: map[string]bool{},
		isSource: map[uint32]bool{}, sinkNode: map[uint32]uint32{}, sinkSvc: map[uint32]bool{},
		out: map[uint32][]*flowStep{}, have: map[flowKey]*flowStep{}, members: map[uint32][]uint32{}, hubs: map[uint32]bool{}}
	for _, c := range through {
		fs.through[c] = true
	}
	return fs
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
		if v.info.of(u).Kind == graph.KindWallet {
			fs.addSource(u)
		} else {
			entities = append(entities, u)
		}
	}
	if len(entities) > 0 {
		if err := fs.addEntitySources(ctx, entities, res); err != nil {
			return err
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
		if v.info.of(u).Kind == graph.KindService {
			fs.sinkSvc[u] = true
		} else {
			fs.sinkNode[u] = u
		}
	}
	return nil
}

// addEntitySources adds the wallets that incidents' loot went to (STOLE)
// and that other entities control, and sums the incidents' amountUSD.
func (fs *flowSearch) addEntitySources(ctx context.Context, entities []uint32, res *FlowResult) error {
	v := fs.v
	lists, err := v.expand(ctx, entities, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeStole, graph.EdgeControls}, AsOf: fs.q.AsOf})
	if err != nil {
		return err
	}
	for i, e := range entities {
		for _, a := range lists[i] {
			if w := a.To; v.info.of(w).Kind == graph.KindWallet {
				fs.addSource(w)
			}
		}
		if v.info.of(e).Kind == graph.KindIncident {
			ns, err := v.nodes(ctx, []uint32{e})
			if err != nil {
				return err
			}
			if amt, ok := ns[0].Props["amountUSD"].(float64); ok {
				res.Stolen += amt
			}
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
	c := fs.v.classOf(u)
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
	c := fs.v.classOf(u)
	if !c.isService() || fs.sinkOf(u) != None || !fs.through[c.category] {
		return None, false
	}
	return c.service, true
}

// flowLevel is what one level of explore reached: the nodes reached
// earlier than before, in the order first reached.
type flowLevel struct {
	next  []uint32
	level uint32 // stamps improved
}

// explore finds the flow region level by level.
func (fs *flowSearch) explore(ctx context.Context, hops int) error {
	v := fs.v
	if err := v.classify(ctx, fs.sources); err != nil {
		return err
	}
	frontier := slices.Clone(fs.sources)
	for _, s := range fs.sources {
		fs.arrival.set(fs.v, s, math.MinInt64)
	}
	f := Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeTransfer}, Since: fs.q.Since, Until: fs.q.Until, MinValue: fs.q.MinValue, AsOf: fs.q.AsOf}
	for level := 0; level < hops && len(frontier) > 0; level++ {
		lv := &flowLevel{level: uint32(level) + 1}
		if err := fs.transfers(ctx, fs.expandable(frontier), f, lv); err != nil {
			return err
		}
		// A wallet of a service followed through passes value on from any
		// of the service's wallets (a bridge's vault on the other chain).
		if err := fs.loadMembers(ctx, lv.next); err != nil {
			return err
		}
		fs.crossings(lv)
		v.sortByID(lv.next)
		frontier = lv.next
	}
	return nil
}

// expandable returns the frontier's nodes that explore expands: not sinks
// and not hubs (which it notes), unless sources; crossings are no hubs.
func (fs *flowSearch) expandable(frontier []uint32) []uint32 {
	var nodes []uint32
	for _, u := range frontier {
		_, crossing := fs.crossing(u)
		switch {
		case fs.sinkOf(u) != None && !fs.isSource[u]:
		case fs.v.info.of(u).Degree > fs.hub && !fs.isSource[u] && !crossing:
			fs.hubs[u] = true
		default:
			nodes = append(nodes, u)
		}
	}
	return nodes
}

// transfers adds the transfers out of nodes that respect time (sent no
// earlier than the node was reached) to the region.
func (fs *flowSearch) transfers(ctx context.Context, nodes []uint32, f Filter, lv *flowLevel) error {
	v := fs.v
	if v.arrays != nil {
		return fs.transfersOnArrays(ctx, nodes, f, lv)
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
	for i, u := range nodes {
		if err := v.b.tick(len(lists[i]) + 1); err != nil {
			return err
		}
		for _, a := range lists[i] {
			if a.From != u || a.To == u || a.Time < fs.arrival.at(fs.v, u) && a.Time != 0 {
				continue
			}
			fs.addStep(&flowStep{from: u, to: a.To, arc: a, service: None})
			fs.reach(lv, a.To, a.Time)
		}
	}
	return fs.levelDone()
}

// levelDone returns what the budget says once a level is read: reach
// counts inside loops that cannot return an error.
func (fs *flowSearch) levelDone() error {
	if err := fs.v.b.failed(); err != nil {
		return err // the operation's budget
	}
	if fs.v.b.visited > fs.v.b.maxVisited {
		return errBudget
	}
	return nil
}

// reach records that w is reached at time t; when that is earlier than
// before, w joins the next level.
func (fs *flowSearch) reach(lv *flowLevel, w uint32, t int64) {
	if old, ok := fs.arrival.get(fs.v, w); !ok || t < old {
		if !ok {
			if err := fs.v.b.visit(1); err != nil {
				return // transfers reads the budget when the level is done
			}
		}
		if fs.arrival.set(fs.v, w, t) != lv.level {
			fs.arrival.mark(fs.v, w, lv.level)
			lv.next = append(lv.next, w)
		}
	}
}

// loadMembers reads the wallets of the services followed through that
// the nodes reached belong to, for services not read before.
func (fs *flowSearch) loadMembers(ctx context.Context, reached []uint32) error {
	v := fs.v
	var cross []uint32
	for _, w := range reached {
		if svc, ok := fs.crossing(w); ok {
			if _, done := fs.members[svc]; !done {
				cross = append(cross, svc)
				fs.members[svc] = nil
			}
		}
	}
	if len(cross) == 0 {
		return nil
	}
	lists, err := v.expand(ctx, cross, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeControls}, AsOf: fs.q.AsOf})
	if err != nil {
		return err
	}
	var ws []uint32
	for i, svc := range cross {
		for _, a := range lists[i] {
			if v.info.of(a.To).Kind == graph.KindWallet {
				fs.members[svc] = append(fs.members[svc], a.To)
				ws = append(ws, a.To)
			}
		}
		v.sortByID(fs.members[svc])
	}
	return v.classify(ctx, ws)
}

// crossings adds, from each wallet of a service followed through that the
// level reached, a crossing to each of the service's other wallets.
func (fs *flowSearch) crossings(lv *flowLevel) {
	for _, w := range slices.Clone(lv.next) {
		svc, ok := fs.crossing(w)
		if !ok {
			continue
		}
		for _, m := range fs.members[svc] {
			if m == w {
				continue
			}
			fs.addStep(&flowStep{from: w, to: m, arc: Arc{Edge: None, From: w, To: m, Time: fs.arrival.at(fs.v, w)}, service: svc})
			fs.reach(lv, m, fs.arrival.at(fs.v, w))
		}
	}
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
