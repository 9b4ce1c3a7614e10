package gql

import (
	"math"
	"time"

	"github.com/redthread-dev/redthread/cases/casestix"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/generated"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// Pricing (README "Cost model", docs/investigate.md "What a query
// costs"). A unit is about one element of an answer: a node, edge, member,
// route or hop built, held and encoded. An operation costs the sum of its
// fields, every alias counted, so N aliases of a field cost N times one
// (PriceOperation walks it). A field costs:
//
//   - an object: 1 plus its selection. A scalar or enum field costs
//     nothing: its value comes with the object that holds it, already
//     read (the walker prices it 0). Those whose resolver reads more are
//     priced: degree 1 (a batched count), risk RiskWork;
//   - a list: its selection (at least 1) times the most elements it may
//     return, clamped as the resolvers clamp them (gqlgen's default
//     counts a list as one element);
//   - and, for a field that searches the graph, the work the search may do
//     under the server's limits. An investigation (graph/investigate) may
//     discover Limits.MaxVisited nodes and read Limits.MaxArcs arcs:
//     MaxVisited/10 + MaxArcs/100, 20,000 + 20,000 = 40,000 at the default
//     limits. The store's own breadth-first search (neighbors, shortestPath
//     without filters) may discover graph.Limits.MaxVisited nodes, at a
//     fifth of the memory each: MaxVisited/40, 50,000 at the default.
//
// Neither hops nor hubDegree lowers the work: the ends of a search are
// expanded whatever their degree, and a store completes the first level
// of a neighbourhood however large, so one hop from a hub may already
// reach the limits. With the default complexity limit of 200,000 an
// operation holds at most four searches, whatever it selects; the
// memory budget (graph/budget) bounds what they actually build.
const (
	nodesPerUnit      = 10  // nodes an investigation may discover, per unit
	arcsPerUnit       = 100 // arcs it may read, per unit
	storeNodesPerUnit = 40  // nodes the store's own search may discover, per unit
)

// EngineWork is the price of the work one investigation may do.
func EngineWork(il investigate.Limits) int {
	il = il.OrDefaults()
	return ceilDiv(il.MaxVisited, nodesPerUnit) + ceilDiv(il.MaxArcs, arcsPerUnit)
}

// StoreWork is the price of the work of one of the store's own searches
// (neighbors; shortestPath without filters). An operation costing no more
// than StoreWork plus its answer holds at most one such search.
func StoreWork(l graph.Limits) int {
	return ceilDiv(l.OrDefaults().MaxVisited, storeNodesPerUnit)
}

// Complexity prices every field that searches the graph or returns a
// list by its bounds (see Pricing above).
func Complexity(l graph.Limits, il investigate.Limits) generated.ComplexityRoot {
	il = il.OrDefaults()
	engine, store := EngineWork(il), StoreWork(l)
	var c generated.ComplexityRoot
	c.Query.Nodes = func(child int, ids []string) int {
		return scaled(child, len(ids))
	}
	c.Query.Edges = func(child int, ids []string) int {
		return scaled(child, len(ids))
	}
	// A STIX export reads up to MaxEdges nodes and as many edges; an import
	// writes up to casestix.MaxObjects records.
	c.Query.ExportCaseStix = func(int, string) int { return 2 * l.OrDefaults().MaxEdges }
	c.Mutation.ImportCaseStix = func(int, string, *string) int { return casestix.MaxObjects }
	c.Query.Search = func(child int, _ string, _ []graph.NodeKind, first *int, _ *string) int {
		return scaled(child, SearchSize(l, first))
	}
	c.Query.Neighbors = func(child int, _ *string, ids []string, _ *int, _ *graph.Direction, _ []graph.EdgeKind, nodeKinds []graph.NodeKind, since, until *time.Time, minAmount *float64, asOf *time.Time, limit *int) int {
		work := store
		if ids != nil || (neighborArgs{nodeKinds, since, until, minAmount, asOf}).any() {
			work = engine // several starts or filters: the engine answers (filteredNeighbors)
		}
		return plus(work, scaled(child, NeighborLimit(l, limit)+min(len(ids), MaxBulkIDs)))
	}
	// A page of nodes by kind; its totalCount reads the store's counts,
	// or for a search up to SearchCountCap matches, ten to a unit.
	c.Query.NodeList = func(child int, _ *graph.NodeKind, first *int, _ *string) int {
		return scaled(child, clamp(first, DefaultPage, 1, MaxPage))
	}
	c.NodeConnection.TotalCount = func(int) int { return ceilDiv(SearchCountCap, 10) }
	// Transfers read at most MaxTransferEnds arcs, then answer a page.
	c.Query.Transfers = func(child int, _ []string, _ *graph.Direction, _, _ *time.Time, _ *float64, _ *string, first *int, _ *string) int {
		return plus(ceilDiv(investigate.MaxTransferEnds, arcsPerUnit), scaled(child, clamp(first, DefaultPage, 1, MaxPage)))
	}
	c.Query.ShortestPath = func(child int, _, _ string, maxHops *int, _ *graph.Direction, _ []graph.EdgeKind, since, until *time.Time, minAmount *float64, asOf *time.Time, services *investigate.ServicePolicy, _ *int) int {
		work := engine
		if since == nil && until == nil && minAmount == nil && asOf == nil && services == nil {
			work = store // as the resolver decides
		}
		return plus(work, scaled(child, PathHops(l, maxHops)+1))
	}
	c.Query.Paths = func(child int, _, _ string, maxHops, limit *int, _ *bool, _ *graph.Direction, _ []graph.EdgeKind, _, _ *time.Time, _ *float64, _ *time.Time, _ *investigate.ServicePolicy, _ *int) int {
		return plus(engine, scaled(child, (PathHops(l, maxHops)+1)*clamp(limit, 5, 1, il.MaxPaths)))
	}
	// Nearest searches like paths: one breadth-first search under the
	// engine's limits, and at most `limit` paths of at most maxHops hops.
	c.Query.Nearest = func(child int, _ string, _ model.NearestTarget, maxHops, limit *int, _ *graph.Direction, _ []graph.EdgeKind, _, _ *time.Time, _ *float64, _ *time.Time, _ *int) int {
		return plus(engine, scaled(child, (PathHops(l, maxHops)+1)*clamp(limit, 5, 1, il.MaxPaths)))
	}
	// A money flow's answer is per route: at most `limit` routes, each
	// with at most one sink and 2×MaxHops hops (transfers and service
	// crossings), and ten tainted transfers listed per route.
	c.Query.MoneyFlow = func(child int, _, _ []string, _ *int, _, _ *time.Time, _ *float64, _ *investigate.TaintModel, _ []string, limit *int, _ *time.Time, _ *int, _ *investigate.RankBy, _ *string) int {
		return plus(engine, scaled(child, clamp(limit, 100, 1, il.MaxRoutes)))
	}
	// A page of closes: at most `first`.
	c.Query.Prices = func(child int, _ string, _, _ *time.Time, first *int, _ *string) int {
		return scaled(child, pricesPage(first))
	}
	c.MoneyFlow.Tainted = func(child int) int { return scaled(child, 10) }
	// Closes: one per asset and day the flow's transfers span; priced like
	// the tainted transfers, ten per route asked.
	c.MoneyFlow.Prices = func(child int) int { return scaled(child, 10) }
	// An illustrative share is read off the sources the answer already
	// holds: free where the type is known (on the Node interface gqlgen
	// prices every field 1).
	free := func(int) int { return 0 }
	c.Wallet.IllustrativeShare, c.Entity.IllustrativeShare, c.Edge.IllustrativeShare = free, free, free
	// A node's degree is counted through the operation's loader, a batch
	// of nodes a store round trip: one unit, as an element.
	one := func(int) int { return 1 }
	c.Wallet.Degree, c.Entity.Degree = one, one
	c.FlowRoute.Hops = func(child int) int { return scaled(child, 2*il.MaxHops) }
	// A route's hops as flat records, like FlowRoute.hops.
	c.MoneyFlow.HopRecords = func(child int) int { return scaled(child, 2*il.MaxHops) }
	c.Query.Cluster = func(child int, _ string, _ []investigate.Heuristic, maxMembers, counterparties *int, _ *time.Time) int {
		return plus(engine, scaled(child, clamp(maxMembers, il.MaxMembers, 1, il.MaxMembers)+max(intOr(counterparties, 10), 1)))
	}
	c.Query.PersonaCluster = func(child int, _ string, _ *float64, maxMembers *int, _ *time.Time) int {
		return plus(engine, scaled(child, clamp(maxMembers, il.MaxMembers, 1, il.MaxMembers)))
	}
	c.Query.SameAsCandidates = func(child int, _ []graph.NodeKind, first *int, _ *string) int {
		return plus(engine, scaled(child, clamp(first, investigate.DefaultSameAsFirst, 1, investigate.MaxSameAsFirst)))
	}
	c.Query.Communities = func(child int, ids []string, _ []graph.EdgeKind, _ *float64, _ *time.Time) int {
		return plus(engine, scaled(child, min(len(ids), il.MaxSubgraph)))
	}
	c.Query.Exposure = func(child int, _ string, maxHops *int, _ *graph.Direction, _, _, _ *time.Time, _ *int) int {
		return plus(engine, scaled(child, 3*clamp(maxHops, 3, 1, il.MaxHops)))
	}
	c.Wallet.Risk = func(child int) int { return plus(RiskWork(il, true), child) }
	c.Entity.Risk = func(child int) int { return plus(RiskWork(il, false), child) }
	return c
}

// RiskWork is the price of one node's risk field. The loader computes a
// list's risks in batches of at most loaderMaxBatch nodes, each one
// investigation, so a node never costs more than its share of one,
// EngineWork/loaderMaxBatch. Below that: a wallet's exposure reads up to
// HubDegree transfers and classifies their far ends; anything else reads
// two hops of at most RiskFanout ownership, designation and attribution
// edges, and the nodes and edges its reasons name.
func RiskWork(il investigate.Limits, wallet bool) int {
	il = il.OrDefaults()
	reach := 4 * investigate.RiskFanout
	if wallet {
		reach += il.HubDegree
	}
	return min(ceilDiv(reach, nodesPerUnit)+ceilDiv(reach, arcsPerUnit), ceilDiv(EngineWork(il), loaderMaxBatch))
}

// scaled returns 1 + child*n, saturating instead of overflowing so that a
// huge request cannot wrap around to a small cost.
func scaled(child, n int) int {
	child, n = max(child, 1), max(n, 1)
	if child > (math.MaxInt-1)/n {
		return math.MaxInt
	}
	return 1 + child*n
}

// plus adds two costs, saturating.
func plus(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
