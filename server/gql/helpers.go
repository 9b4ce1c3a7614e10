package gql

import (
	"context"
	"fmt"
	"slices"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// missingIsNull turns NOT_FOUND into a nil error: node(id) and edge(id)
// answer null for what does not exist.
func missingIsNull(err error) error {
	if graph.ErrorCode(err) == graph.CodeNotFound {
		return nil
	}
	return err
}

// loadNode resolves an edge endpoint through the operation's loader, or
// directly when the operation has none.
func (r *Resolver) loadNode(ctx context.Context, id string) (model.Node, error) {
	var (
		n   *graph.Node
		err error
	)
	if l := loaderFrom(ctx); l != nil {
		n, err = l.Load(ctx, id)
	} else {
		n, err = r.Store.Node(ctx, id)
		err = missingIsNull(err)
	}
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", id, err)
	}
	return model.NewNode(n), nil
}

// prime hands nodes already fetched to the loader so edge endpoints among
// them cost no further store call.
func (r *Resolver) prime(ctx context.Context, nodes []*graph.Node) {
	if l := loaderFrom(ctx); l != nil {
		for _, n := range nodes {
			if n != nil {
				l.Prime(n.ID, n)
			}
		}
	}
}

// flowAnswer maps a money flow, handing its sources and sinks to the
// loader: their fields, and the ends of edges among them, cost nothing more.
func (r *Resolver) flowAnswer(ctx context.Context, res investigate.FlowResult) *model.MoneyFlow {
	nodes := slices.Clone(res.Sources)
	for _, s := range res.Sinks {
		nodes = append(nodes, s.Node)
	}
	var edges []*graph.Edge
	for _, tr := range res.Tainted {
		edges = append(edges, tr.Edge)
	}
	for _, rt := range res.Routes {
		for _, h := range rt.Hops {
			edges = append(edges, h.Edge)
		}
	}
	r.warm(ctx, nodes, edges)
	return model.NewMoneyFlow(res)
}

// pathList maps paths, handing their nodes to the loader (the ends of
// their edges).
func (r *Resolver) pathList(ctx context.Context, res investigate.PathsResult) *model.PathList {
	var nodes []*graph.Node
	var edges []*graph.Edge
	for _, p := range res.Paths {
		nodes, edges = append(nodes, p.Nodes...), append(edges, p.Edges...)
	}
	r.warm(ctx, nodes, edges)
	return model.NewPathList(res)
}

// clusterAnswer maps a cluster, handing the attributions' entities to the
// loader (the ends of the attribution edges).
func (r *Resolver) clusterAnswer(ctx context.Context, res investigate.ClusterResult) *model.AddressCluster {
	for _, a := range res.Attributions {
		r.prime(ctx, []*graph.Node{a.Entity})
	}
	return model.NewAddressCluster(res)
}
