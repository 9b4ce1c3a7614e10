package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codeDepthLimit is the extensions.code of an operation nested too deeply,
// after gqlgen's COMPLEXITY_LIMIT_EXCEEDED.
const codeDepthLimit = "DEPTH_LIMIT_EXCEEDED"

// depthLimit refuses operations whose fields nest deeper than max levels.
// Complexity bounds the size of an answer; depth bounds recursion through
// edges and nodes (edge → fromNode → …) that complexity prices cheaply.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (d depthLimit) Validate(graphql.ExecutableSchema) error {
	if d.max < 1 {
		return fmt.Errorf("depth limit %d: must be at least 1", d.max)
	}
	return nil
}

func (d depthLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || selectionDepth(op.Operation.SelectionSet, d.max+1) <= d.max {
		return nil
	}
	err := gqlerror.Errorf("operation nests fields deeper than the limit of %d levels", d.max)
	errcode.Set(err, codeDepthLimit)
	return err
}

// selectionDepth returns the depth of set, counting fields (fragments add
// no level), or any value of at least stop once a branch reaches stop: past
// the limit the exact depth does not matter. Introspection fields are
// skipped: their depth is fixed by the schema, and GraphiQL's introspection
// query nests deeper than any sensible limit for data.
func selectionDepth(set ast.SelectionSet, stop int) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			switch {
			case strings.HasPrefix(s.Name, "__"):
				continue
			case stop <= 1 || len(s.SelectionSet) == 0:
				d = 1
			default:
				d = 1 + selectionDepth(s.SelectionSet, stop-1)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, stop)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, stop)
			}
		}
		deepest = max(deepest, d)
		if deepest >= stop {
			return deepest
		}
	}
	return deepest
}
