package server

import (
	"context"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// requires implements the schema's @requires(role, scope): the principal
// the authentication middleware put into the context must hold at least
// role and, when given, scope; else FORBIDDEN naming what is needed,
// before the resolver runs (so never saying whether its object exists).
func requires(ctx context.Context, _ any, next graphql.Resolver, role model.Role, scope *model.Scope) (any, error) {
	p, ok := identity.PrincipalFrom(ctx)
	if !ok {
		return nil, graph.Errorf(graph.CodeUnauthenticated, msgUnauthenticated)
	}
	if err := allowed(p, identity.Role(strings.ToLower(string(role))), scope); err != nil {
		return nil, err
	}
	return next(ctx)
}

// auditedRequires is requires recording each refusal in the audit log
// (the operation's field as its target).
func auditedRequires(log *audit.Log) func(context.Context, any, graphql.Resolver, model.Role, *model.Scope) (any, error) {
	return func(ctx context.Context, obj any, next graphql.Resolver, role model.Role, scope *model.Scope) (any, error) {
		if p, ok := identity.PrincipalFrom(ctx); ok && log != nil {
			if err := allowed(p, identity.Role(strings.ToLower(string(role))), scope); err != nil {
				e := audit.Event(ctx, "forbidden", "")
				if fc := graphql.GetFieldContext(ctx); fc != nil {
					e.Target = fc.Field.Name
				}
				e.Outcome, e.Detail = audit.Denied, graph.ErrorMessage(err)
				_ = log.Record(ctx, e)
			}
		}
		return requires(ctx, obj, next, role, scope)
	}
}

// allowed checks a principal against a role and an optional scope.
func allowed(p identity.Principal, role identity.Role, scope *model.Scope) error {
	if rank(p.Role) < rank(role) {
		return graph.Errorf(graph.CodeForbidden, "needs the %s role; you are %s", role, article(p.Role))
	}
	if scope != nil {
		sc := identity.Scope(strings.ToLower(string(*scope)))
		if !p.Can(sc) {
			return graph.Errorf(graph.CodeForbidden, "needs the %s scope; this token has %s", sc, scopeList(p.Scopes))
		}
	}
	return nil
}

// rank orders roles, least first; an unknown role ranks below every one.
func rank(r identity.Role) int { return slices.Index(identity.Roles(), r) }

func article(r identity.Role) string {
	if r == "" {
		return "no role"
	}
	if strings.ContainsRune("aeiou", rune(r[0])) {
		return "an " + string(r)
	}
	return "a " + string(r)
}

func scopeList(s []identity.Scope) string {
	if len(s) == 0 {
		return "none"
	}
	names := make([]string, len(s))
	for i, sc := range s {
		names[i] = string(sc)
	}
	return strings.Join(names, ", ")
}

func ptr[T any](v T) *T { return &v }
