package gql

import (
	"context"
	"fmt"

	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// risk answers a node's risk field. Within an operation the risk loader
// batches the nodes of a list (a search page, nodes(ids:), a subgraph) into
// one investigate.Risk call, which costs a fixed number of engine batches
// whatever the number of nodes.
func (r *Resolver) risk(ctx context.Context, id string) (*model.Risk, error) {
	if l := riskLoaderFrom(ctx, r); l != nil {
		nr, err := l.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		return model.NewRisk(nr), nil
	}
	rs, err := r.risks(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return model.NewRisk(rs[0]), nil
}

// risks computes the risk of nodes in one engine call.
func (r *Resolver) risks(ctx context.Context, ids []string) ([]investigate.NodeRisk, error) {
	res, err := investigateWith(ctx, r, fmt.Sprintf("risk of %d nodes", len(ids)), func(t investigate.Topology, l investigate.Limits) (investigate.RiskResult, error) {
		return investigate.Risk(ctx, t, investigate.RiskQuery{IDs: ids}, l)
	})
	if err != nil {
		return nil, err
	}
	return res.Nodes, nil
}

// riskLoaderFrom returns the operation's risk loader, made on first use
// (it needs the resolver's limits, which WithNodeLoader does not know).
func riskLoaderFrom(ctx context.Context, r *Resolver) *Loader[investigate.NodeRisk] {
	l, _ := ctx.Value(loaderKey{}).(*loaders)
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.risks == nil {
		l.risks = newLoader(l.ctx, "risks", r.risks, loaderWait, loaderMaxBatch)
	}
	return l.risks
}
