package gql

import (
	"math"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/generated"
)

// Complexity estimates the cost of list fields as the cost of one element
// times the number of elements they may return, using the same clamping as
// the resolvers; gqlgen's default counts a list as one element.
func Complexity(l graph.Limits, il investigate.Limits) generated.ComplexityRoot {
	il = il.OrDefaults()
	var c generated.ComplexityRoot
	c.Query.Nodes = func(child int, ids []string) int {
		return scaled(child, len(ids))
	}
	c.Query.Edges = func(child int, ids []string) int {
		return scaled(child, len(ids))
	}
	c.Query.Search = func(child int, _ string, _ []graph.NodeKind, first *int, _ *string) int {
		return scaled(child, SearchSize(l, first))
	}
	c.Query.Neighbors = func(child int, _ string, _ *int, _ *graph.Direction, _ []graph.EdgeKind, _ []graph.NodeKind, _, _ *time.Time, _ *float64, _ *time.Time, limit *int) int {
		return scaled(child, NeighborLimit(l, limit))
	}
	c.Query.ShortestPath = func(child int, _, _ string, maxHops *int, _ *graph.Direction, _ []graph.EdgeKind, _, _ *time.Time, _ *float64, _ *time.Time, _ *investigate.ServicePolicy, _ *int) int {
		return scaled(child, PathHops(l, maxHops)+1)
	}
	c.Query.Paths = func(child int, _, _ string, maxHops, limit *int, _ *bool, _ *graph.Direction, _ []graph.EdgeKind, _, _ *time.Time, _ *float64, _ *time.Time, _ *investigate.ServicePolicy, _ *int) int {
		return scaled(child, (PathHops(l, maxHops)+1)*max(intOr(limit, 5), 1))
	}
	// Investigation answers are as large as their result bounds.
	c.Query.MoneyFlow = func(child int, _, _ []string, _ *int, _, _ *time.Time, _ *float64, _ *investigate.TaintModel, _ []string, limit *int, _ *time.Time, _ *int) int {
		return scaled(child, 10*min(max(intOr(limit, 100), 1), il.MaxRoutes)) // tainted lists ten per route
	}
	c.Query.Cluster = func(child int, _ string, _ []investigate.Heuristic, maxMembers, counterparties *int, _ *time.Time) int {
		return scaled(child, min(max(intOr(maxMembers, il.MaxMembers), 1), il.MaxMembers)+max(intOr(counterparties, 10), 1))
	}
	c.Query.PersonaCluster = func(child int, _ string, _ *float64, maxMembers *int, _ *time.Time) int {
		return scaled(child, min(max(intOr(maxMembers, il.MaxMembers), 1), il.MaxMembers))
	}
	c.Query.Communities = func(child int, ids []string, _ []graph.EdgeKind, _ *float64, _ *time.Time) int {
		return scaled(child, len(ids))
	}
	c.Query.Exposure = func(child int, _ string, maxHops *int, _ *graph.Direction, _, _, _ *time.Time, _ *int) int {
		return scaled(child, 3*max(intOr(maxHops, 3), 1))
	}
	return c
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
