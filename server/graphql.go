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

	"github.com/redthread-dev/redthread/server/gql"
	"github.com/redthread-dev/redthread/server/gql/generated"
)

// graphqlHandler builds the GraphQL executor with explicit transports,
// caches, limits, deadlines and error presentation.
func graphqlHandler(store Store, cfg Config, logger *slog.Logger) http.Handler {
	schema := generated.NewExecutableSchema(generated.Config{
		Resolvers:  &gql.Resolver{Store: store, Limits: cfg.Limits, Investigate: cfg.Investigate.OrDefaults(), Writer: writerOf(store), Logger: logger, Jobs: cfg.Jobs, Cases: cfg.Cases},
		Complexity: gql.Complexity(cfg.Limits, cfg.Investigate),
	})
	srv := handler.New(schema)
	// OPTIONS answers preflights that CORS did not (no CORS configured).
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodOptions, http.MethodGet, http.MethodPost}})
	srv.AddTransport(transport.GET{})
	// Before POST, which would take the same requests: subscriptions
	// (ingest progress) over server-sent events, for Accept:
	// text/event-stream.
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: 10 * time.Second})
	srv.AddTransport(transport.POST{})
	// Multipart requests: startIngest's uploads.
	srv.AddTransport(uploadTransport{jobs: cfg.Jobs, timeout: cfg.UploadTimeout, write: cfg.QueryTimeout + 30*time.Second, logger: logger})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetErrorPresenter(errorPresenter(logger))
	srv.SetRecoverFunc(recoverFunc(logger))

	srv.Use(operationName{})
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(depthLimit{max: cfg.DepthLimit})
	srv.Use(rejecting{extension.FixedComplexityLimit(cfg.ComplexityLimit)})

	// One deadline and one node loader per operation. Execution happens
	// inside the response handler, so that is where the deadline must live.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx, cancel := context.WithTimeout(ctx, cfg.QueryTimeout)
		defer cancel()
		return next(gql.WithNodeLoader(ctx, store))
	})
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

// rejecting marks the request as rejected when the wrapped limit refuses
// the operation, so the HTTP layer can answer 400 as GraphQL over HTTP
// requires for application/graphql-response+json. (gqlgen's own way,
// errcode.RegisterErrorType, writes a package-level map.)
type rejecting struct {
	*extension.ComplexityLimit
}

func (r rejecting) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	err := r.ComplexityLimit.MutateOperationContext(ctx, op)
	if err != nil {
		markRejected(ctx)
	}
	return err
}

// writerOf returns the store's write side, or nil when it has none.
func writerOf(store Store) gql.Writer {
	if w, ok := store.(gql.Writer); ok {
		return w
	}
	return nil
}
