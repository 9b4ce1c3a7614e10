package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/budget"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/server/admission"
	"github.com/redthread-dev/redthread/server/gql"
	"github.com/redthread-dev/redthread/server/gql/generated"
)

// graphqlHandler builds the GraphQL executor with explicit transports,
// caches, limits, admission, deadlines, budgets and error presentation.
func graphqlHandler(store investigate.Store, cfg Config, admit *admission.Controller, pool *budget.Pool, logger *slog.Logger) http.Handler {
	schema := generated.NewExecutableSchema(generated.Config{
		Resolvers: &gql.Resolver{Store: store, Limits: cfg.Limits, Investigate: cfg.Investigate.OrDefaults(), Writer: store, Logger: logger, Jobs: cfg.Jobs, Cases: cfg.Cases, Shares: cfg.Shares,
			Audit: cfg.Audit, Identity: cfg.Identity},
		Complexity: gql.Complexity(cfg.Limits, cfg.Investigate),
		Directives: generated.DirectiveRoot{Requires: auditedRequires(cfg.Audit)},
	})
	srv := handler.New(schema)
	mem := &memoryReturner{large: budget.Limits{Nodes: 50_000, Edges: 250_000, Bytes: 16 << 20}, interval: 2 * time.Second}
	// OPTIONS answers preflights that CORS did not (no CORS configured).
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodOptions, http.MethodGet, http.MethodPost}})
	// Multipart requests: startIngest's uploads.
	srv.AddTransport(uploadTransport{jobs: cfg.Jobs, timeout: cfg.UploadTimeout, idleTimeout: cfg.UploadIdleTimeout, minRate: cfg.UploadMinRate, write: cfg.QueryTimeout + 30*time.Second, logger: logger})
	// GET, POST and server-sent events (ingest progress), every refusal
	// coded and every write bounded.
	srv.AddTransport(httpTransport{admit: admit, writeStall: cfg.WriteStall, keepAlive: cfg.StreamKeepAlive, logger: logger})

	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(cfg.Shape.Tokens)
	srv.SetValidationRulesFn(cappedRules(cfg.Shape.Errors))
	srv.SetErrorPresenter(errorPresenter(logger))
	srv.SetRecoverFunc(recoverFunc(logger))

	srv.Use(operationName{})
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// After persisted queries resolve the text, before gqlgen parses it.
	srv.Use(shapeGuard{limits: cfg.Shape, cache: cache})
	srv.Use(depthLimit{max: cfg.DepthLimit})
	srv.Use(&gql.CostLimit{Limit: cfg.ComplexityLimit})
	// Last: an operation waits for a slot only once it is known to be
	// acceptable, and its cost chooses the lane.
	srv.Use(admitter{ctl: admit, heavyCost: gql.StoreWork(cfg.Limits) + heavyCost})

	// Outermost: every answer, refusals included, says what it cost and
	// what it answered differently from what was asked.
	srv.AroundResponses(reportCost(cfg.ComplexityLimit))
	// One deadline, one memory budget and one node loader per operation.
	// Execution happens inside the response handler, so that is where
	// they must live.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		// Fail closed: an operation runs only for a known viewer (the
		// stores treat a context without one as a trusted caller).
		if _, ok := visibility.FromContext(ctx); !ok {
			return &graphql.Response{Errors: gqlerror.List{errorPresenter(logger)(ctx, graph.Errorf(graph.CodeUnauthenticated, msgUnauthenticated))}}
		}
		ctx, cancel := context.WithTimeout(ctx, cfg.QueryTimeout)
		defer cancel()
		op := pool.Start(cfg.OperationBudget)
		defer func() {
			used := op.Used()
			op.Close()
			mem.after(used)
		}()
		resp := next(gql.WithNodeLoader(budget.WithOperation(ctx, op), store))
		if resp != nil && len(resp.Data) > 0 {
			if err := op.Bytes(int64(len(resp.Data))); err != nil {
				// Built, but over the budget: do not send it.
				resp = &graphql.Response{Errors: gqlerror.List{errorPresenter(logger)(ctx, err)}}
			}
		}
		return resp
	})
	srv.AroundFields(gql.ReportClamps(cfg.Limits, cfg.Investigate))
	// A resolver that starts after the deadline fails at once instead of
	// calling the store.
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		if fc := graphql.GetFieldContext(ctx); fc != nil && fc.IsResolver {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("%s: %w", fc.Field.Name, err)
			}
		}
		return next(ctx)
	})
	return srv
}

// operationName records the operation's name for the request log.
type operationName struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = operationName{}

func (operationName) ExtensionName() string                   { return "OperationName" }
func (operationName) Validate(graphql.ExecutableSchema) error { return nil }
func (operationName) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if info := requestInfoFrom(ctx); info != nil {
		info.operation = op.OperationName
		if info.operation == "" && op.Operation != nil {
			info.operation = op.Operation.Name
		}
	}
	return nil
}
