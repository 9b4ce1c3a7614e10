package investigate

import (
	"context"
	"errors"

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
	// RankBy orders sinks and routes; RankAsset, if set, is the asset
	// ranked first under RankAsset (and for values not known in USD).
	RankBy    RankBy
	RankAsset string
}

// FlowResult is the answer to a FlowQuery. No value in it adds different
// assets together (see Value).
type FlowResult struct {
	Taint   TaintModel
	Sources []*graph.Node // the source wallets, in ID order
	// Sent is what the sources sent within the window, by asset.
	Sent Value
	// Stolen is the sum of the source incidents' reported amountUSD, when
	// the sources were incidents that report one.
	Stolen float64
	// RankedBy is how sinks and routes are ordered (never RankAuto), and
	// AssetOrder the asset order they were ranked by (see RankAsset).
	RankedBy   RankBy
	AssetOrder []string
	// Priced: every transfer that carried tainted value has a USD value,
	// its own or from the price table.
	Priced bool
	// Prices are the price table's closes that valued transfers without a
	// USD value of their own, by asset and day; PricedFromTable counts the
	// region's transfers they valued; Valuation says, for people, where
	// the answer's USD values came from and which asset-days had no close.
	Prices          []graph.Price
	PricedFromTable int
	Valuation       string
	Sinks           []FlowSink // by value reached, largest first, under RankedBy
	Routes          []Route    // by value delivered, largest first, under RankedBy; alike routes folded
	RouteCount      int        // routes found (may exceed the routes listed)
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
	// Reached is the tainted value that reached the sink under the model.
	Reached Value
	Routes  int   // routes that end here (0 when not counted: see FlowResult.Reasons)
	First   int64 // first and last arrival (unix seconds)
	Last    int64
	Summary string // for people: "of USD 534 M stolen, USD 21.9 M reached …"
}

// TaintedTransfer is a transfer of the flow and the tainted part of it.
type TaintedTransfer struct {
	Edge    *graph.Edge
	Tainted Part
}

// Route is one time-respecting route from a source to a sink.
type Route struct {
	Hops []Hop
	// Delivered is the tainted part of its last transfer.
	Delivered Part
	Sink      string // the sink's node ID
	// Alike is how many routes found this one stands for, itself included:
	// routes through the same nodes delivering the same value.
	Alike int
}

// Hop is one step of a route: a transfer, or a crossing inside a service
// followed through (Edge nil, Service set, no value: value crossing a
// bridge or mixer is not one transfer's).
type Hop struct {
	From, To string
	Edge     *graph.Edge
	Service  string // the service crossed, for a crossing
	Time     int64
	Transfer Part // the transfer's value; zero for a crossing
	Tainted  Part // its tainted part under the model; zero for a crossing
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
	if q.Taint, err = taintModel(q.Taint); err != nil {
		return res, err
	}
	res.Taint = q.Taint
	if q.RankBy, err = rankBy(q.RankBy); err != nil {
		return res, err
	}
	if len(q.RankAsset) > maxAssetName {
		return res, graph.Errorf(graph.CodeInvalid, "rankAsset is longer than %d characters", maxAssetName)
	}
	limit, err := routeLimit(q.Limit, l, &res.Truncation)
	if err != nil {
		return res, err
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	fs := newFlowSearch(v, q, l)
	if err := fs.resolveEnds(ctx, &res); err != nil {
		return res, err
	}
	err = fs.explore(ctx, hops)
	switch {
	case errors.Is(err, errBudget):
	case err != nil:
		return res, err
	case clamped:
		res.Add(graph.CauseHopLimit, "routes longer than %d transfers, the server's limit, were not followed", hops)
	}
	if len(fs.hubs) > 0 {
		res.Add(graph.CauseHubSkipped, "%d wallets with more than %d edges were reached but not followed (hubs); raise hubDegree to follow them", len(fs.hubs), fs.hub)
	}
	if err := fs.replay(ctx); err != nil {
		return res, err
	}
	if err := fs.price(ctx, &res, limit); err != nil {
		return res, err
	}
	return fs.answer(ctx, &res, limit)
}

// taintModel checks a query's taint model; empty means HAIRCUT.
func taintModel(m TaintModel) (TaintModel, error) {
	switch m {
	case "":
		return Haircut, nil
	case Poison, Haircut, FIFO:
		return m, nil
	}
	return m, graph.Errorf(graph.CodeInvalid, "unknown taint model %q (want POISON, HAIRCUT or FIFO)", m)
}

// routeLimit is how many routes a query gets: 0 means 100, and no more
// than the server's limit, which it notes.
func routeLimit(limit int, l Limits, trunc *Truncation) (int, error) {
	switch {
	case limit < 0:
		return 0, graph.Errorf(graph.CodeInvalid, "limit cannot be negative")
	case limit == 0:
		return 100, nil
	case limit > l.MaxRoutes:
		trunc.Add(graph.CauseRouteLimit, "at most %d routes are returned, the server's limit", l.MaxRoutes)
		return l.MaxRoutes, nil
	}
	return limit, nil
}
