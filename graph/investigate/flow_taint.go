package investigate

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// pool is the balance of a wallet (or of a service followed through, whose
// wallets share one) as the replay goes. It keeps two ledgers: in USD, used
// while every transfer the pool has seen has a USD value, and in the
// transfers' own units, used from the first one without. So a pool never
// sets a USD value against an amount of coins: adding a price for one
// asset but not another does not change how taint splits (a bridge's 50
// unpriced ETH in, 2 priced BTC out, stays wholly tainted).
type pool struct {
	usd, units ledger
	unpriced   bool // the pool has seen a transfer without a USD value
	source     bool
}

// ledger is a pool's balance in one measure.
type ledger struct {
	balance, taint float64
	lots           []lot // FIFO receipts not yet spent
}

type lot struct{ amount, taint float64 }

// units is the amount of a transfer in its own units (its USD value when
// it has no amount).
func units(a *Arc) float64 {
	if a.Amount != 0 {
		return a.Amount
	}
	return a.Value
}

// flowEvent is a transfer the replay runs: a step of the region, or (step
// nil) a receipt from outside it.
type flowEvent struct {
	arc  Arc
	step *flowStep
}

// replay runs every transfer into and out of the region's wallets in time
// order and sets each region transfer's tainted value.
func (fs *flowSearch) replay(ctx context.Context) error {
	inflow, err := fs.inflow(ctx)
	if err != nil {
		return err
	}
	evs := fs.events(inflow)
	pools := map[uint32]*pool{}
	for i, e := range evs {
		if i%4096 == 0 && ctx.Err() != nil {
			return graph.WrapError(graph.CodeTimeout, ctx.Err(), "the query ran out of time")
		}
		var frac float64
		if e.step != nil {
			frac = fs.poolOf(pools, e.arc.From).spend(fs.q.Taint, &e.arc)
			e.step.taint, e.step.frac = frac*value(&e.arc), frac
		}
		if e.step != nil || !fs.isSource[e.arc.To] {
			fs.poolOf(pools, e.arc.To).receive(&e.arc, frac)
		}
	}
	return nil
}

// inflow reads every transfer into the wallets the region passes through
// (not sources, not sinks): clean receipts dilute them. Out of budget, it
// returns what it read.
func (fs *flowSearch) inflow(ctx context.Context) ([]Arc, error) {
	v := fs.v
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
			return nil, err
		}
		for _, list := range lists {
			inflow = append(inflow, list...)
		}
	}
	return inflow, nil
}

// events puts the region's transfers and the receipts from outside it in
// the one time order both stores share.
func (fs *flowSearch) events(inflow []Arc) []flowEvent {
	v := fs.v
	var evs []flowEvent
	inRegion := map[uint32]*flowStep{}
	for _, s := range fs.steps {
		if s.arc.Edge != None {
			inRegion[s.arc.Edge] = s
			evs = append(evs, flowEvent{s.arc, s})
		}
	}
	for _, a := range inflow {
		if _, ok := inRegion[a.Edge]; !ok {
			evs = append(evs, flowEvent{a, nil})
		}
	}
	// Sorted as small keys (time, index), the events moved once at the end.
	type key struct {
		t int64
		i int32
	}
	keys := make([]key, len(evs))
	for i := range evs {
		keys[i] = key{evs[i].arc.Time, int32(i)}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.t != y.t {
			return cmp.Compare(x.t, y.t)
		}
		a, b := &evs[x.i].arc, &evs[y.i].arc
		return thenBy(v.byID(a.From, b.From), func() int {
			return thenBy(v.byID(a.To, b.To), func() int { return compareArcs(v, *a, *b) })
		})
	})
	out := make([]flowEvent, len(evs))
	for i, k := range keys {
		out[i] = evs[k.i]
	}
	return out
}

// poolOf returns u's pool, its service's for a wallet of a service
// followed through.
func (fs *flowSearch) poolOf(pools map[uint32]*pool, u uint32) *pool {
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

// spend takes transfer a out of the pool and returns its tainted
// fraction. What a wallet sends beyond the receipts the replay saw came
// from funds it held before: clean, except for sources, whose funds are all
// tainted.
func (p *pool) spend(model TaintModel, a *Arc) float64 {
	if p.source {
		return 1
	}
	p.unpriced = p.unpriced || a.Value == 0
	fu := p.usd.spend(model, a.Value)
	fn := p.units.spend(model, units(a))
	if p.unpriced {
		return fn
	}
	return fu
}

func (p *pool) receive(a *Arc, frac float64) {
	p.unpriced = p.unpriced || a.Value == 0
	p.usd.receive(a.Value, frac)
	p.units.receive(units(a), frac)
}

// spend takes amt out of the ledger and returns the tainted fraction of it.
func (p *ledger) spend(model TaintModel, amt float64) float64 {
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
		tainted := p.spendLots(amt)
		frac = tainted / amt
		p.taint = math.Max(0, p.taint-tainted)
		p.balance = math.Max(0, p.balance-amt)
	}
	return math.Min(1, frac)
}

// spendLots spends amt of the receipts first in, first out, and returns the
// tainted value spent.
func (p *ledger) spendLots(amt float64) float64 {
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
	return tainted
}

func (p *ledger) receive(amt, frac float64) {
	p.balance += amt
	p.taint += frac * amt
	if amt > 0 {
		p.lots = append(p.lots, lot{amt, frac * amt})
	}
}
