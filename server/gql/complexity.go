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
func Complexity(l graph.Limits) generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Nodes = func(child int, ids []string) int {
		return scaled(child, len(ids))
	}
	c.Query.Search = func(child int, _ string, _ []graph.NodeKind, first *int, _ *string) int {
		return scaled(child, SearchSize(l, first))
	}
	c.Query.Neighbors = func(child int, _ string, _ *int, _ *graph.Direction, _ []graph.EdgeKind, limit *int) int {
		return scaled(child, NeighborLimit(l, limit))
	}
	c.Query.ShortestPath = func(child int, _, _ string, maxHops *int, _ *graph.Direction, _ []graph.EdgeKind, _, _ *time.Time, _ *float64, _ *time.Time, _ *investigate.ServicePolicy, _ *int) int {
		return scaled(child, PathHops(l, maxHops)+1)
	}
	c.Query.Paths = func(child int, _, _ string, maxHops, limit *int, _ *bool, _ *graph.Direction, _ []graph.EdgeKind, _, _ *time.Time, _ *float64, _ *time.Time, _ *investigate.ServicePolicy, _ *int) int {
		return scaled(child, (PathHops(l, maxHops)+1)*max(intOr(limit, 5), 1))
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
