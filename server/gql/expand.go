package gql

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// degree answers Node.degree through the operation's loader (one Topology
// batch for all the nodes of an answer).
func (r *Resolver) degree(ctx context.Context, id string) (int, error) {
	if l := degreeLoaderFrom(ctx); l != nil {
		return l.Load(ctx, id)
	}
	ds, err := degrees(ctx, r.Store, []string{id})
	if err != nil {
		return 0, fmt.Errorf("degree of %s: %w", id, err)
	}
	return ds[0], nil
}

// neighbors answers the neighbors field: one start through the store's
// own search unless a filter needs the engine; several (ids) through the
// engine, one subgraph for all of them.
func (r *Resolver) neighbors(ctx context.Context, id *string, ids []string, depth *int, direction *graph.Direction, edgeKinds []graph.EdgeKind, a neighborArgs, limit *int) (*model.Subgraph, error) {
	start, starts, err := neighborStarts(id, ids)
	if err != nil {
		return nil, err
	}
	q := graph.NeighborQuery{
		ID:        start,
		Depth:     NeighborDepth(r.Limits, depth),
		Direction: directionOr(direction, graph.Both),
		EdgeKinds: edgeKinds,
		Limit:     NeighborLimit(r.Limits, limit),
	}
	if starts != nil || a.any() {
		return r.filteredNeighbors(ctx, q, starts, a)
	}
	sub, err := r.Store.Neighbors(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("neighbors of %s: %w", start, err)
	}
	if err := chargeAnswer(ctx, "neighbors of "+start, sub.Nodes, sub.Edges); err != nil {
		return nil, err
	}
	r.warm(ctx, sub.Nodes, sub.Edges)
	return model.NewSubgraph(sub), nil
}

// neighborArgs are the neighbors field's filters beyond the store's own.
type neighborArgs struct {
	nodeKinds    []graph.NodeKind
	since, until *time.Time
	minAmount    *float64
	asOf         *time.Time
}

func (a neighborArgs) any() bool {
	return len(a.nodeKinds) > 0 || a.since != nil || a.until != nil || a.minAmount != nil || a.asOf != nil
}

// filteredNeighbors answers neighbors with filters through the engine,
// which follows the store's own rules (graph.NeighborQuery).
// ids, when set, are several starts instead of q.ID.
func (r *Resolver) filteredNeighbors(ctx context.Context, q graph.NeighborQuery, ids []string, a neighborArgs) (*model.Subgraph, error) {
	if a.since != nil && a.until != nil && a.until.Before(*a.since) {
		return nil, graph.Errorf(graph.CodeInvalid, "until (%s) is before since (%s)", a.until.Format(time.RFC3339), a.since.Format(time.RFC3339))
	}
	if a.minAmount != nil && *a.minAmount < 0 {
		return nil, graph.Errorf(graph.CodeInvalid, "minAmount cannot be negative")
	}
	what := "neighbors of " + q.ID
	if ids != nil {
		what = fmt.Sprintf("neighbors of %d nodes", len(ids))
	}
	res, err := investigateWith(ctx, r, what, func(t investigate.Topology, l investigate.Limits) (investigate.NeighborhoodResult, error) {
		return investigate.Neighborhood(ctx, t, investigate.NeighborhoodQuery{
			ID: q.ID, IDs: ids, Depth: q.Depth, NodeKinds: a.nodeKinds, Limit: q.Limit, MaxEdges: r.Limits.OrDefaults().MaxEdges,
			Filter: investigate.Filter{Dir: q.Direction, Kinds: q.EdgeKinds, Since: unix(a.since), Until: unix(a.until),
				MinValue: floatOr(a.minAmount, 0), AsOf: unix(a.asOf)},
		}, l)
	})
	if err != nil {
		return nil, err
	}
	r.warm(ctx, res.Nodes, res.Edges)
	return model.NewSubgraph(graph.Subgraph{Nodes: res.Nodes, Edges: res.Edges, Truncated: res.Truncated, Reason: strings.Join(res.Reasons, "; ")}), nil
}

// edgeFetchers bounds the concurrent lookups of one edges query: a remote
// store pays a round trip per edge.
const edgeFetchers = 8

// edges answers edges(ids), in the order asked, null where one is missing.
func (r *Resolver) edges(ctx context.Context, ids []string) ([]*model.Edge, error) {
	if max := r.Limits.OrDefaults().MaxEdges; len(ids) > max {
		return nil, graph.Errorf(graph.CodeLimit, "%d edge IDs asked, at most %d", len(ids), max)
	}
	for i, id := range ids {
		id, err := edgeID(id)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	out := make([]*model.Edge, len(ids))
	errs := make([]error, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(edgeFetchers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				e, err := r.Store.Edge(ctx, ids[i])
				if err = missingIsNull(err); err != nil {
					errs[i] = fmt.Errorf("edge %s: %w", ids[i], err)
				} else if e != nil {
					out[i] = model.NewEdge(e)
				}
			}
		}()
	}
	for i := range ids {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, graph.WrapError(graph.CodeTimeout, err, "edges: the query ran out of time")
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	es := make([]*graph.Edge, 0, len(out))
	for _, e := range out {
		if e != nil {
			es = append(es, e.Graph())
		}
	}
	if err := chargeAnswer(ctx, "edges", nil, es); err != nil {
		return nil, err
	}
	return out, nil
}
