package server

import (
	"context"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// timedStore times every call the server makes of its store, for the
// redthread_store_* metrics. It forwards each method as it is; Close is
// the owner's (the server does not close the store).
type timedStore struct {
	investigate.Store
	m *metrics
}

var (
	_ investigate.Store = timedStore{}
	_ graph.PriceLister = timedStore{}
)

func timed[T any](m *metrics, method string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	m.observeStore(method, start, err)
	return v, err
}

func (s timedStore) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	return timed(s.m, "Write", func() (graph.WriteResult, error) { return s.Store.Write(ctx, b) })
}

func (s timedStore) Node(ctx context.Context, id string) (*graph.Node, error) {
	return timed(s.m, "Node", func() (*graph.Node, error) { return s.Store.Node(ctx, id) })
}

func (s timedStore) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	return timed(s.m, "Nodes", func() ([]*graph.Node, error) { return s.Store.Nodes(ctx, ids) })
}

func (s timedStore) Edge(ctx context.Context, id string) (*graph.Edge, error) {
	return timed(s.m, "Edge", func() (*graph.Edge, error) { return s.Store.Edge(ctx, id) })
}

func (s timedStore) Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error) {
	return timed(s.m, "Search", func() (graph.SearchResult, error) { return s.Store.Search(ctx, q) })
}

func (s timedStore) ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error) {
	return timed(s.m, "ListNodes", func() (graph.ListResult, error) { return s.Store.ListNodes(ctx, q) })
}

func (s timedStore) Neighbors(ctx context.Context, q graph.NeighborQuery) (graph.Subgraph, error) {
	return timed(s.m, "Neighbors", func() (graph.Subgraph, error) { return s.Store.Neighbors(ctx, q) })
}

func (s timedStore) ShortestPath(ctx context.Context, q graph.PathQuery) (graph.Path, error) {
	return timed(s.m, "ShortestPath", func() (graph.Path, error) { return s.Store.ShortestPath(ctx, q) })
}

func (s timedStore) Stats(ctx context.Context) (graph.Stats, error) {
	return timed(s.m, "Stats", func() (graph.Stats, error) { return s.Store.Stats(ctx) })
}

// Topology times the opening of an investigation's view of the graph
// (the engine's own work is in the request latency).
func (s timedStore) Topology(ctx context.Context) (investigate.Topology, func(), error) {
	start := time.Now()
	t, release, err := s.Store.Topology(ctx)
	s.m.observeStore("Topology", start, err)
	return t, release, err
}

// ListPrices forwards to the store's price table; both stores have one.
func (s timedStore) ListPrices(ctx context.Context, q graph.PriceQuery) (graph.PricePage, error) {
	l, ok := s.Store.(graph.PriceLister)
	if !ok {
		return graph.PricePage{}, graph.Errorf(graph.CodeUnavailable, "this store keeps no price table")
	}
	return timed(s.m, "ListPrices", func() (graph.PricePage, error) { return l.ListPrices(ctx, q) })
}
