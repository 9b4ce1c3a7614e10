package gql

import (
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// Arguments beyond the server's limits are clamped, not refused, and some
// values stand for a default (0 maxHops, -1 hubDegree): a client written
// against one server's limits works on another. So that no answer
// misleads, every argument answered with another value than the one
// asked is reported in extensions.warnings (ARGUMENT_CLAMPED), with the
// value asked and the value used. The bounds are the functions the
// resolvers and the engine answer with (args.go, investigate.Limits'
// bounds), so that a warning says what the answer did.

// bound turns an argument as asked into the value used, and says why they
// differ ("" for the generic "above the maximum"/"below the minimum").
type bound func(args map[string]any, asked int) (used int, why string)

// floatBound is bound for a Float argument.
type floatBound func(asked float64) (used float64, why string)

const (
	whyDefault = "asks for the default"
	whyMaximum = "asks for the server's maximum"
)

// clampRules are the clamped arguments of each Query field.
func clampRules(l graph.Limits, il investigate.Limits) map[string]map[string]bound {
	l, il = l.OrDefaults(), il.OrDefaults()
	plain := func(f func(*int) int) bound {
		return func(_ map[string]any, v int) (int, string) { return f(&v), "" }
	}
	hops := func(_ map[string]any, v int) (int, string) { return il.HopBound(v), defaultIfZero(v) }
	hub := func(_ map[string]any, v int) (int, string) {
		if v < 0 {
			return il.HubBound(v), whyMaximum
		}
		return il.HubBound(v), defaultIfZero(v)
	}
	paths := map[string]bound{
		"maxHops": hops, "hubDegree": hub,
		"limit": func(_ map[string]any, v int) (int, string) { return il.PathBound(v), "" },
	}
	members := func(_ map[string]any, v int) (int, string) {
		if v <= 0 {
			return il.MemberBound(v), whyDefault
		}
		return il.MemberBound(v), ""
	}
	return map[string]map[string]bound{
		"search": {"first": plain(func(v *int) int { return SearchSize(l, v) })},
		"neighbors": {
			"depth": plain(func(v *int) int { return NeighborDepth(l, v) }),
			"limit": plain(func(v *int) int { return NeighborLimit(l, v) }),
		},
		"shortestPath": {
			"hubDegree": hub,
			"maxHops": func(args map[string]any, v int) (int, string) {
				if storePath(arg[time.Time](args, "since"), arg[time.Time](args, "until"), arg[float64](args, "minAmount"),
					arg[time.Time](args, "asOf"), arg[investigate.ServicePolicy](args, "services")) {
					return PathHops(l, &v), ""
				}
				return hops(args, v)
			},
		},
		"paths":   paths,
		"nearest": paths,
		"moneyFlow": {
			"maxHops": hops, "hubDegree": hub,
			"limit": func(_ map[string]any, v int) (int, string) { return il.RouteBound(v), defaultIfZero(v) },
		},
		"exposure": {
			"hubDegree": hub,
			"maxHops": func(_ map[string]any, v int) (int, string) {
				if v == 0 {
					return exposureHops(il, &v), whyDefault
				}
				return exposureHops(il, &v), ""
			},
		},
		"prices": {"first": plain(pricesPage)},
		"cases":  {"first": plain(func(v *int) int { return clamp(v, defaultCaseList, 1, maxCaseList) })},
		"cluster": {"maxMembers": members, "counterparties": func(_ map[string]any, v int) (int, string) {
			if v <= 0 {
				return counterparties(&v), whyDefault
			}
			return v, ""
		}},
		"personaCluster": {"maxMembers": members},
	}
}

// floatRules are the Float arguments for which a value stands for another.
var floatRules = map[string]map[string]floatBound{
	"personaCluster": {"minScore": func(v float64) (float64, string) {
		if v == 0 {
			return investigate.DefaultPersonaMinScore, whyDefault
		}
		return v, ""
	}},
	"communities": {"resolution": func(v float64) (float64, string) {
		if v == 0 {
			return 1, whyDefault
		}
		return v, ""
	}},
}

func defaultIfZero(v int) string {
	if v == 0 {
		return whyDefault
	}
	return ""
}

// exposureHops is the hop bound of an exposure query: 3 by default.
func exposureHops(il investigate.Limits, maxHops *int) int {
	if maxHops == nil || *maxHops == 0 {
		return il.HopBound(3)
	}
	return il.HopBound(*maxHops)
}

// counterparties is how many counterparties a cluster lists: 10 by
// default (and for 0 or less).
func counterparties(v *int) int {
	if v == nil || *v <= 0 {
		return 10
	}
	return *v
}

// arg is an optional argument of a field's arguments.
func arg[T any](args map[string]any, name string) *T {
	v, _ := args[name].(*T)
	return v
}

// storePath says whether shortestPath is answered by the store's own
// search: nothing only the engine can do was asked.
func storePath(since, until *time.Time, minAmount *float64, asOf *time.Time, services *investigate.ServicePolicy) bool {
	return since == nil && until == nil && minAmount == nil && asOf == nil && services == nil
}

// ReportClamps is a field middleware that, once a Query field has
// resolved without error, adds a warning for each of its arguments
// answered with another value than the one asked.
func ReportClamps(l graph.Limits, il investigate.Limits) graphql.FieldMiddleware {
	ints := clampRules(l, il)
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		fc := graphql.GetFieldContext(ctx)
		if err != nil || fc == nil || fc.Object != "Query" {
			return res, err
		}
		name := fc.Field.Name
		for a, b := range ints[name] {
			if v := arg[int](fc.Args, a); v != nil {
				if used, why := b(fc.Args, *v); used != *v {
					warn(ctx, clampWarning(fc.Path(), a, *v, used, why))
				}
			}
		}
		for a, b := range floatRules[name] {
			if v := arg[float64](fc.Args, a); v != nil {
				if used, why := b(*v); used != *v {
					warn(ctx, clampWarning(fc.Path(), a, *v, used, why))
				}
			}
		}
		return res, err
	}
}

func clampWarning[T int | float64](path ast.Path, arg string, asked, used T, why string) Warning {
	if why == "" {
		why = fmt.Sprintf("is below the minimum %v", used)
		if asked > used {
			why = fmt.Sprintf("is above the maximum %v", used)
		}
	}
	return Warning{
		Code: WarningArgumentClamped, Path: responsePath(path), Argument: arg, Asked: asked, Used: used,
		Message: fmt.Sprintf("%s %v %s: answered with %s %v", arg, asked, why, arg, used),
	}
}

// responsePath is a field's path as the response has it: names (aliases
// as written) and list indices.
func responsePath(p ast.Path) []any {
	out := make([]any, len(p))
	for i, e := range p {
		switch e := e.(type) {
		case ast.PathIndex:
			out[i] = int(e)
		case ast.PathName:
			out[i] = string(e)
		}
	}
	return out
}
