package gql

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/redthread-dev/redthread/graph"
)

// Warming: the loaders batch what arrives within a short window, but on a
// busy machine the goroutines of one list can straggle past it. A
// resolver that knows the keys its list will ask for (the ends of the
// edges it returns, the nodes whose degree is selected) hands them all to
// the loader at once, so they make one batch whatever the scheduling; it
// does so only for fields the operation selects.

// Warm enqueues the ids not yet cached, all in the open batch (or a new
// one): one fetch per loaderMaxBatch ids. It does not wait.
func (l *Loader[T]) Warm(ids []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if _, ok := l.cache[id]; ok {
			continue
		}
		r := &loadResult[T]{done: make(chan struct{})}
		l.cache[id] = r
		l.enqueue(id, r)
	}
}

// selects reports whether the current field's selection asks, at any
// depth, for a field of one of these names.
func selects(ctx context.Context, names ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return false
	}
	return selectionHas(fc.Field.Selections, names, 0)
}

// selectionMaxDepth bounds the walk (the depth limit bounds operations
// well below it; fragments cannot cycle in a valid document).
const selectionMaxDepth = 32

func selectionHas(set ast.SelectionSet, names []string, depth int) bool {
	if depth > selectionMaxDepth {
		return false
	}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if slices.Contains(names, s.Name) || selectionHas(s.SelectionSet, names, depth+1) {
				return true
			}
		case *ast.InlineFragment:
			if selectionHas(s.SelectionSet, names, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selectionHas(s.Definition.SelectionSet, names, depth+1) {
				return true
			}
		}
	}
	return false
}

// warm hands the loaders what an answer will ask of them (warmNodes),
// and the nodes' risks when the field selects risk.
func (r *Resolver) warm(ctx context.Context, nodes []*graph.Node, edges []*graph.Edge) {
	warmNodes(ctx, nodes, edges)
	if len(nodes) == 0 || !selects(ctx, "risk") {
		return
	}
	if l := riskLoaderFrom(ctx, r); l != nil {
		ids := make([]string, 0, len(nodes))
		for _, n := range nodes {
			if n != nil {
				ids = append(ids, n.ID)
			}
		}
		l.Warm(ids)
	}
}

// warmNodes hands the loaders the nodes an answer holds and the IDs of
// nodes its edges reach: the ends to the node loader when the field
// selects fromNode or toNode, every ID to the degree loader when it
// selects degree.
func warmNodes(ctx context.Context, nodes []*graph.Node, edges []*graph.Edge) {
	l, _ := ctx.Value(loaderKey{}).(*loaders)
	if l == nil {
		return
	}
	for _, n := range nodes {
		if n != nil {
			l.nodes.Prime(n.ID, n)
		}
	}
	var ends []string
	if len(edges) > 0 && selects(ctx, "fromNode", "toNode") {
		for _, e := range edges {
			if e != nil {
				ends = append(ends, e.From, e.To)
			}
		}
		l.nodes.Warm(ends)
	}
	if selects(ctx, "degree") {
		ids := slices.Clone(ends)
		for _, n := range nodes {
			if n != nil {
				ids = append(ids, n.ID)
			}
		}
		l.degrees.Warm(ids)
	}
}
