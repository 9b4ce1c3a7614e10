package server

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"

	"github.com/redthread-dev/redthread/server/gql"
)

// Cost is a response's extensions.cost: the operation's complexity (0 when
// it was refused before it was priced), the limit it was held to, and the
// time from the request reaching the GraphQL handler to its answer being
// built (before it is encoded and written), in milliseconds.
type Cost struct {
	Complexity int     `json:"complexity"`
	Limit      int     `json:"limit"`
	ElapsedMs  float64 `json:"elapsedMs"`
}

// reportCost adds extensions.cost to every answer, and extensions.warnings
// when the operation's fields reported any (gql.ReportClamps). It runs
// outermost, so that refusals carry them too.
func reportCost(limit int) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx, warnings := gql.WithWarnings(ctx)
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		cost := Cost{Limit: limit}
		if graphql.HasOperationContext(ctx) {
			op := graphql.GetOperationContext(ctx)
			if stats := extension.GetComplexityStats(ctx); stats != nil {
				cost.Complexity, cost.Limit = stats.Complexity, stats.ComplexityLimit
			}
			if start := op.Stats.OperationStart; !start.IsZero() {
				cost.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
			}
		}
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = cost
		if w := warnings.List(); w != nil {
			resp.Extensions["warnings"] = w
		}
		return resp
	}
}
