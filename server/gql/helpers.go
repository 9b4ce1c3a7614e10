package gql

import (
	"context"
	"fmt"

	"github.com/redthread-dev/redthread/graph"
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
