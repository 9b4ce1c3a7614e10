package gql

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeComplexity is the code of an operation refused for its complexity.
const CodeComplexity = "COMPLEXITY_LIMIT_EXCEEDED"

// Price walks an operation as gqlgen's complexity calculation does (every
// alias and fragment counted, an interface field at its dearest
// implementation), with two differences: a scalar or enum field costs
// nothing unless it is priced (its value comes with the object that holds
// it; see Pricing in complexity.go), and each field's cost is kept, so
// that a refusal can say which field and argument cost the most.
type Price struct {
	Total  int
	fields []*pricedField
	p      *pricer
}

type pricedField struct {
	parent   *pricedField
	field    *ast.Field
	path     []any
	args     map[string]any
	childSum int
	cost     int
}

type pricer struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
}

// PriceOperation prices op with vars.
func PriceOperation(ctx context.Context, es graphql.ExecutableSchema, op *ast.OperationDefinition, vars map[string]any) *Price {
	p := &pricer{ctx: ctx, es: es, schema: es.Schema(), vars: vars}
	pr := &Price{p: p}
	pr.Total = p.set(op.SelectionSet, nil, nil, &pr.fields)
	return pr
}

func (p *pricer) set(sel ast.SelectionSet, parent *pricedField, path []any, out *[]*pricedField) int {
	sum := 0
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			def := p.schema.Types[s.Definition.Type.Name()]
			if def == nil || def.Name == "__Schema" {
				continue
			}
			f := &pricedField{parent: parent, field: s, path: append(path[:len(path):len(path)], s.Alias)}
			*out = append(*out, f)
			switch def.Kind {
			case ast.Object, ast.Interface, ast.Union:
				f.childSum = p.set(s.SelectionSet, f, f.path, out)
			}
			f.args = s.ArgumentMap(p.vars)
			f.cost = p.cost(f, f.childSum, f.args)
			sum = plus(sum, f.cost)
		case *ast.FragmentSpread:
			sum = plus(sum, p.set(s.Definition.SelectionSet, parent, path, out))
		case *ast.InlineFragment:
			sum = plus(sum, p.set(s.SelectionSet, parent, path, out))
		}
	}
	return sum
}

// cost is a field's cost with child as its selection's and args as its
// arguments.
func (p *pricer) cost(f *pricedField, child int, args map[string]any) int {
	s := f.field
	kind := p.schema.Types[s.Definition.Type.Name()].Kind
	if s.ObjectDefinition.Kind != ast.Interface {
		return p.typeCost(s.ObjectDefinition.Name, kind, s.Name, child, args)
	}
	most := 0
	for _, t := range p.schema.GetPossibleTypes(s.ObjectDefinition) {
		most = max(most, p.typeCost(t.Name, kind, s.Name, child, args))
	}
	return most
}

func (p *pricer) typeCost(typeName string, kind ast.DefinitionKind, field string, child int, args map[string]any) int {
	if c, ok := p.es.Complexity(p.ctx, typeName, field, child, args); ok && c >= 1 {
		return c
	}
	if kind == ast.Scalar || kind == ast.Enum {
		return 0
	}
	return plus(1, child)
}

// blame is the field and argument that cost the most: the argument whose
// smallest value (1, or a list of one) would lower the operation's total
// the most; with none, the dearest root field.
type blame struct {
	field    *pricedField
	argument string // "" when no argument lowers the cost
}

func (pr *Price) blame() blame {
	var best blame
	bestSaving := 0
	for _, f := range pr.fields {
		for _, a := range f.field.Definition.Arguments {
			small, ok := smallest(a, f.args[a.Name])
			if !ok {
				continue
			}
			args := make(map[string]any, len(f.args)+1)
			for k, v := range f.args {
				args[k] = v
			}
			args[a.Name] = small
			if saving := pr.Total - pr.totalWith(f, pr.p.cost(f, f.childSum, args)); saving > bestSaving {
				best, bestSaving = blame{field: f, argument: a.Name}, saving
			}
		}
	}
	if best.field != nil {
		return best
	}
	for _, f := range pr.fields {
		if f.parent == nil && (best.field == nil || f.cost > best.field.cost) {
			best.field = f
		}
	}
	return best
}

// smallest is the cheapest value of a size argument: 1 for an Int, the
// first element for a list of more than one; ok is false for anything
// else or a value already that small.
func smallest(a *ast.ArgumentDefinition, v any) (any, bool) {
	switch {
	case a.Type.Elem != nil:
		if l, ok := v.([]any); ok && len(l) > 1 {
			return l[:1], true
		}
	case a.Type.NamedType == "Int":
		if n, ok := toInt(v); ok && n <= 1 {
			return nil, false
		}
		return int64(1), true
	}
	return nil, false
}

// totalWith is the operation's total were f to cost c: f's ancestors
// are priced again with their selection's new cost.
func (pr *Price) totalWith(f *pricedField, c int) int {
	for f.parent != nil {
		p := f.parent
		child := p.childSum
		if child < math.MaxInt {
			child = plus(child-f.cost, c)
		}
		c, f = pr.p.cost(p, child, p.args), p
	}
	if pr.Total == math.MaxInt {
		return pr.Total
	}
	return plus(pr.Total-f.cost, c)
}

// Refusal is the error for an operation over limit: it names the field
// and argument that cost the most.
func (pr *Price) Refusal(limit int) *gqlerror.Error {
	b := pr.blame()
	var field, argument any
	msg := fmt.Sprintf("complexity %d is above the limit %d", pr.Total, limit)
	if f := b.field; f != nil {
		field = joinPath(f.path)
		share := "the costliest field is"
		if f.cost > pr.Total/2 {
			share = "most of it is"
		}
		msg += fmt.Sprintf("; %s %s at %d", share, describeField(f, b.argument), f.cost)
		if b.argument != "" {
			argument = b.argument
			msg += ": ask for " + fewer(b.argument)
		} else {
			msg += ", the work it may do: send fewer such fields in one operation"
		}
	}
	err := gqlerror.Errorf("%s", msg)
	errcode.Set(err, CodeComplexity)
	err.Extensions["complexity"] = pr.Total
	err.Extensions["limit"] = limit
	err.Extensions["field"] = field
	err.Extensions["argument"] = argument
	return err
}

func fewer(arg string) string {
	if strings.Contains(strings.ToLower(arg), "hops") || arg == "depth" {
		return "a smaller " + arg
	}
	return "fewer " + arg
}

func joinPath(path []any) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

// describeField writes a field as the operation has it: its path, its
// name when aliased, and the argument blamed with its value.
func describeField(f *pricedField, arg string) string {
	s := joinPath(f.path)
	if f.field.Alias != f.field.Name {
		s += ": " + f.field.Name
	}
	if arg == "" {
		return s
	}
	v, ok := f.args[arg]
	switch {
	case !ok || v == nil:
		return fmt.Sprintf("%s (%s by default)", s, arg)
	case isList(v):
		return fmt.Sprintf("%s(%s: %d IDs)", s, arg, len(v.([]any)))
	}
	return fmt.Sprintf("%s(%s: %v)", s, arg, v)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// CostLimit prices every operation (Price), records its complexity and
// limit for the cost extension and admission (as gqlgen's ComplexityLimit
// does, under its name), and refuses one over the limit.
type CostLimit struct {
	Limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &CostLimit{}

// ExtensionName is gqlgen's, so that extension.GetComplexityStats reads ours.
func (*CostLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *CostLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *CostLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	pr := PriceOperation(ctx, c.es, opCtx.Operation, opCtx.Variables)
	opCtx.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: pr.Total, ComplexityLimit: c.Limit})
	if pr.Total > c.Limit {
		return pr.Refusal(c.Limit)
	}
	return nil
}
