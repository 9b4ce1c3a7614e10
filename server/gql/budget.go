package gql

import (
	"context"
	"fmt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/budget"
)

// Store answers are charged to the operation's memory budget
// (graph/budget, carried by the context) here, once, after the store
// answers and before they are mapped for the response: nodes, edges and
// their bytes. The investigation queries charge inside graph/investigate,
// which also counts the search behind an answer, so their answers are not
// charged again here.

// chargeAnswer charges nodes and edges a store returned; what does not
// exist (nil) costs nothing.
func chargeAnswer(ctx context.Context, what string, ns []*graph.Node, es []*graph.Edge) error {
	op := budget.FromContext(ctx)
	if err := op.ChargeNodes(ns); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := op.ChargeEdges(es); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// chargeSearch charges a page of search hits.
func chargeSearch(ctx context.Context, what string, res graph.SearchResult) error {
	if budget.FromContext(ctx) == nil {
		return nil
	}
	ns := make([]*graph.Node, len(res.Hits))
	for i, h := range res.Hits {
		ns[i] = h.Node
	}
	return chargeAnswer(ctx, what, ns, nil)
}
