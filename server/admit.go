package server

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server/admission"
)

// laneOf is the lane of root fields that search the graph rather than look
// it up: the store's own bounded searches take tens of milliseconds, the
// investigation engine's may take a core for seconds. Other fields are
// cheap.
var laneOf = map[string]admission.Class{
	"neighbors": admission.Standard, "shortestPath": admission.Standard,
	"paths": admission.Heavy, "moneyFlow": admission.Heavy, "cluster": admission.Heavy,
	"personaCluster": admission.Heavy, "communities": admission.Heavy, "exposure": admission.Heavy,
}

// heavyCost is the estimated complexity, beyond the price of one store
// search (a neighbourhood), above which any operation runs in the heavy
// lane: a neighbourhood of thousands of nodes is not a look-up.
const heavyCost = 20_000

// admitter waits for the operation's admission slot, in the lane its root
// fields and cost choose. It runs after the shape, depth and complexity
// checks, so only acceptable operations wait.
type admitter struct {
	ctl       *admission.Controller
	heavyCost int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = admitter{}

func (admitter) ExtensionName() string                   { return "Admission" }
func (admitter) Validate(graphql.ExecutableSchema) error { return nil }

func (a admitter) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	info := requestInfoFrom(ctx)
	if info == nil || op.Operation == nil {
		return nil // not served through the HTTP layer (tests of the executor)
	}
	class := a.classify(ctx, op)
	info.class = class.String()
	release, err := a.ctl.Admit(ctx, info.client, class)
	if err != nil {
		code, msg := graph.ErrorCode(err), graph.ErrorMessage(err)
		if ref, ok := errors.AsType[*admission.Refusal](err); ok {
			info.refusal = ref
			code, msg = ref.Code, ref.Message
		}
		gerr := &gqlerror.Error{Message: msg}
		errcode.Set(gerr, string(code))
		return gerr
	}
	info.release = release
	return nil
}

func (a admitter) classify(ctx context.Context, op *graphql.OperationContext) admission.Class {
	if op.Operation.Operation == ast.Subscription {
		return admission.Stream
	}
	if stats := extension.GetComplexityStats(ctx); stats != nil && stats.Complexity > a.heavyCost {
		return admission.Heavy
	}
	class := admission.Cheap
	walkRootFields(op.Doc, op.Operation.SelectionSet, func(name string) {
		class = max(class, laneOf[name])
	})
	return class
}

// walkRootFields calls f with the name of each root field, through inline
// fragments and spreads (the shape guard bounds their expansion).
func walkRootFields(doc *ast.QueryDocument, set ast.SelectionSet, f func(string)) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			f(s.Name)
		case *ast.InlineFragment:
			walkRootFields(doc, s.SelectionSet, f)
		case *ast.FragmentSpread:
			if d := doc.Fragments.ForName(s.Name); d != nil {
				walkRootFields(doc, d.SelectionSet, f)
			}
		}
	}
}
