package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/redthread-dev/redthread/graph"
)

// ShapeLimits bound a GraphQL document before gqlgen validates it.
// Validation, the depth check and the complexity walk all follow fragment
// spreads, so a kilobyte of fragments that spread each other twice is
// 2^26 fields to them; and the rule that fields of one response name can
// be merged compares every pair of them, so 4,000 aliases of one name are
// 8 million comparisons and as many errors. Each bound below is checked in
// time linear in the document, before any of that work.
type ShapeLimits struct {
	QueryBytes int // the document's text
	Tokens     int // lexical tokens (gqlparser stops at the limit)
	Fields     int // fields as written, in operations and fragments
	Aliases    int // aliased fields as written
	Spreads    int // fragment spreads as written
	Directives int // directives as written
	// Expanded counts fields with every fragment spread replaced by its
	// fragment: what validation, depth and complexity walk.
	Expanded int
	// SameName bounds the fields that answer under one response name in
	// one selection set, fragments and merged parents included: the pairs
	// the merge rule compares.
	SameName int
	// Errors bounds the validation errors reported for one document.
	Errors int
	// Introspection bounds the __schema and __type fields: each answers
	// the whole schema, tens of kilobytes, for almost no estimated cost.
	Introspection int
}

// DefaultShapeLimits are generous for the web UI, GraphiQL's introspection
// and notebooks, and small enough that a document is checked, parsed and
// validated in milliseconds.
func DefaultShapeLimits() ShapeLimits {
	return ShapeLimits{
		QueryBytes: 128 << 10, Tokens: 20_000, Fields: 2_000, Aliases: 200,
		Spreads: 500, Directives: 200, Expanded: 5_000, SameName: 16, Errors: 25,
		Introspection: 4,
	}
}

func (l ShapeLimits) orDefaults() ShapeLimits {
	d := DefaultShapeLimits()
	for _, f := range []struct{ v, def *int }{
		{&l.QueryBytes, &d.QueryBytes}, {&l.Tokens, &d.Tokens}, {&l.Fields, &d.Fields},
		{&l.Aliases, &d.Aliases}, {&l.Spreads, &d.Spreads}, {&l.Directives, &d.Directives},
		{&l.Expanded, &d.Expanded}, {&l.SameName, &d.SameName}, {&l.Errors, &d.Errors},
		{&l.Introspection, &d.Introspection},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return l
}

// shapeGuard refuses documents over the shape limits. It runs as an
// operation parameter mutator: after persisted queries resolve the text,
// before gqlgen parses and validates it. A document in gqlgen's query
// cache passed it already.
type shapeGuard struct {
	limits ShapeLimits
	cache  graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = shapeGuard{}

func (shapeGuard) ExtensionName() string                   { return "ShapeLimits" }
func (shapeGuard) Validate(graphql.ExecutableSchema) error { return nil }

func (g shapeGuard) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil // gqlgen answers "no operation provided"
	}
	if g.cache != nil {
		if _, ok := g.cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	if err := checkShape(ctx, params.Query, g.limits); err != nil {
		return err
	}
	return nil
}

// codeQueryTooLarge is the extensions.code of a document over a shape limit.
const codeQueryTooLarge = graph.CodeLimit

func shapeError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, string(codeQueryTooLarge))
	return err
}

// checkShape parses query within the token limit and measures it.
func checkShape(ctx context.Context, query string, l ShapeLimits) *gqlerror.Error {
	if len(query) > l.QueryBytes {
		return shapeError("the query document is %d bytes, over the limit of %d", len(query), l.QueryBytes)
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.Tokens)
	if err != nil {
		// gqlgen parses again and reports the syntax error with its
		// position; only the token limit is ours to word.
		if gerr, ok := err.(*gqlerror.Error); ok && isTokenLimit(gerr) {
			return shapeError("the query document has more than %d tokens, the limit", l.Tokens)
		}
		return nil
	}
	m := measurer{doc: doc, l: l, expanded: map[string]int{}, flat: map[string]map[string][]*ast.Field{}}
	for _, op := range doc.Operations {
		m.written(op.SelectionSet)
		m.directives += len(op.Directives)
	}
	for _, f := range doc.Fragments {
		m.written(f.SelectionSet)
		m.directives += len(f.Directives)
	}
	switch {
	case m.fields > l.Fields:
		return shapeError("the query has %d fields, over the limit of %d", m.fields, l.Fields)
	case m.aliases > l.Aliases:
		return shapeError("the query has %d aliased fields, over the limit of %d", m.aliases, l.Aliases)
	case m.spreads > l.Spreads:
		return shapeError("the query has %d fragment spreads, over the limit of %d", m.spreads, l.Spreads)
	case m.directives > l.Directives:
		return shapeError("the query has %d directives, over the limit of %d", m.directives, l.Directives)
	case m.introspection > l.Introspection:
		return shapeError("the query asks for the schema %d times, over the limit of %d", m.introspection, l.Introspection)
	}
	total := 0
	for _, op := range doc.Operations {
		total = satAdd(total, m.size(op.SelectionSet, nil), l.Expanded)
	}
	for _, f := range doc.Fragments {
		total = satAdd(total, m.fragmentSize(f.Name, nil), l.Expanded)
	}
	if total > l.Expanded {
		return shapeError("the query expands through its fragments to more than %d fields, the limit", l.Expanded)
	}
	if err := ctx.Err(); err != nil {
		gerr := gqlerror.Errorf("%s", graph.ErrorMessage(err))
		errcode.Set(gerr, string(graph.CodeTimeout))
		return gerr
	}
	for _, op := range doc.Operations {
		if name, n := m.sameName([]ast.SelectionSet{op.SelectionSet}); n > l.SameName {
			if len(name) > 64 {
				name = name[:64] + "…" // the client's own text: quote a little of it
			}
			return shapeError("the query has %d fields answering as %q in one selection, over the limit of %d: give them distinct aliases", n, name, l.SameName)
		}
	}
	return nil
}

func isTokenLimit(err *gqlerror.Error) bool {
	// gqlparser words it "exceeded token limit of N".
	return len(err.Message) >= 20 && err.Message[:20] == "exceeded token limit"
}

// measurer walks one document; fragment results are memoised so that
// every walk is linear in the document however fragments spread.
type measurer struct {
	doc                                  *ast.QueryDocument
	l                                    ShapeLimits
	fields, aliases, spreads, directives int
	introspection                        int
	expanded                             map[string]int                     // fragment name → expanded size
	flat                                 map[string]map[string][]*ast.Field // fragment name → its fields by response name
}

// written counts the fields, aliases, spreads and directives of set as
// written, without following spreads.
func (m *measurer) written(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			m.fields++
			if s.Name == "__schema" || s.Name == "__type" {
				m.introspection++
			}
			if s.Alias != s.Name {
				m.aliases++
			}
			m.directives += len(s.Directives)
			m.written(s.SelectionSet)
		case *ast.InlineFragment:
			m.directives += len(s.Directives)
			m.written(s.SelectionSet)
		case *ast.FragmentSpread:
			m.spreads++
			m.directives += len(s.Directives)
		}
	}
}

// size returns the number of fields in set with spreads expanded,
// saturating just past the limit. visiting holds the fragments on the
// current path: a cycle counts nothing here (validation refuses it).
func (m *measurer) size(set ast.SelectionSet, visiting map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = satAdd(n, satAdd(1, m.size(s.SelectionSet, visiting), m.l.Expanded), m.l.Expanded)
		case *ast.InlineFragment:
			n = satAdd(n, m.size(s.SelectionSet, visiting), m.l.Expanded)
		case *ast.FragmentSpread:
			n = satAdd(n, m.fragmentSize(s.Name, visiting), m.l.Expanded)
		}
		if n > m.l.Expanded {
			return n
		}
	}
	return n
}

func (m *measurer) fragmentSize(name string, visiting map[string]bool) int {
	if n, ok := m.expanded[name]; ok {
		return n
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil || visiting[name] {
		return 0
	}
	if visiting == nil {
		visiting = map[string]bool{}
	}
	visiting[name] = true
	n := m.size(f.SelectionSet, visiting)
	delete(visiting, name)
	m.expanded[name] = n
	return n
}

// sameName returns the response name with the most fields in the merged
// selection sets, and their number, looking into the merged sub-selections
// of each name as the merge rule does. The expanded-size bound keeps this
// walk linear.
func (m *measurer) sameName(sets []ast.SelectionSet) (string, int) {
	byName := map[string][]*ast.Field{}
	for _, set := range sets {
		m.collect(set, byName, nil)
	}
	worst, most := "", 0
	for name, fields := range byName {
		if len(fields) > most {
			worst, most = name, len(fields)
		}
	}
	if most > m.l.SameName {
		return worst, most
	}
	for _, fields := range byName {
		var subs []ast.SelectionSet
		for _, f := range fields {
			if len(f.SelectionSet) > 0 {
				subs = append(subs, f.SelectionSet)
			}
		}
		if len(subs) == 0 {
			continue
		}
		if name, n := m.sameName(subs); n > most {
			worst, most = name, n
			if most > m.l.SameName {
				break
			}
		}
	}
	return worst, most
}

// collect adds the fields of set, through inline fragments and spreads, to
// byName.
func (m *measurer) collect(set ast.SelectionSet, byName map[string][]*ast.Field, visiting map[string]bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			byName[s.Alias] = append(byName[s.Alias], s)
		case *ast.InlineFragment:
			m.collect(s.SelectionSet, byName, visiting)
		case *ast.FragmentSpread:
			f := m.doc.Fragments.ForName(s.Name)
			if f == nil || visiting[s.Name] {
				continue
			}
			if visiting == nil {
				visiting = map[string]bool{}
			}
			visiting[s.Name] = true
			m.collect(f.SelectionSet, byName, visiting)
			delete(visiting, s.Name)
		}
	}
}

// satAdd adds without passing limit+1, so sums of huge expansions stay
// small numbers.
func satAdd(a, b, limit int) int {
	if a+b > limit {
		return limit + 1
	}
	return a + b
}

// cappedRules returns gqlparser's default validation rules with the errors
// of one document capped: past the cap a rule's errors are dropped, so a
// hostile document cannot make validation allocate millions of them.
func cappedRules(limit int) func() *rules.Rules {
	return func() *rules.Rules {
		rs := rules.NewDefaultRules()
		n := 0 // one document is validated on one goroutine
		for name, rule := range rs.GetInner() {
			rs.ReplaceRule(name, func(observers *core.Events, addError core.AddErrFunc) {
				rule(observers, func(options ...core.ErrorOption) {
					if n++; n <= limit {
						addError(options...)
					}
				})
			})
		}
		return rs
	}
}
