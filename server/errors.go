package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
)

// errorPresenter shows each error once, as its domain code in
// extensions.code and its user-facing message, with the request's ID in
// extensions.requestId. Causes never reach clients; internal ones are
// logged instead. gqlgen's own request errors (parse, validation, limits)
// carry no cause and pass through with their codes.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	present := presentError(logger)
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := present(ctx, err)
		if id := RequestID(ctx); id != "" && out != nil {
			out = withExtension(out, "requestId", id)
		}
		return out
	}
}

// withExtension returns a copy of e with extensions[key] = value: gqlgen's
// errors may be shared (a cached document's), so they are not changed.
func withExtension(e *gqlerror.Error, key string, value any) *gqlerror.Error {
	c := *e
	c.Extensions = maps.Clone(e.Extensions)
	if c.Extensions == nil {
		c.Extensions = map[string]any{}
	}
	c.Extensions[key] = value
	return &c
}

func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			if _, ok := gqlErr.Extensions["code"]; !ok {
				// gqlgen's few uncoded request errors (persisted
				// query extension data): the request is malformed.
				return withExtension(gqlErr, "code", string(graph.CodeBadRequest))
			}
			return gqlErr
		}
		cause := err
		out := &gqlerror.Error{Path: graphql.GetPath(ctx)}
		if gqlErr != nil {
			cause = gqlErr.Err
			if gqlErr.Path != nil {
				out.Path = gqlErr.Path
			}
			out.Locations = gqlErr.Locations
		}
		code, msg := graph.ErrorCode(cause), graph.ErrorMessage(cause)
		// A store may wrap an expired deadline in its own error; the client
		// still ran out of time.
		if code == graph.CodeInternal && errors.Is(cause, context.DeadlineExceeded) {
			code, msg = graph.CodeTimeout, graph.ErrorMessage(context.DeadlineExceeded)
		}
		out.Message = msg
		out.Extensions = map[string]any{"code": string(code)}
		if (code == graph.CodeInternal || code == graph.CodeUnavailable) && !errors.Is(cause, errPanicked) {
			logger.ErrorContext(ctx, "graphql error", "code", code, "path", out.Path.String(), "err", cause)
		}
		return out
	}
}

// errPanicked marks errors standing for a recovered panic, which the
// recover func has logged already.
var errPanicked = errors.New("resolver panicked")

// recoverFunc logs a resolver panic with its stack and answers INTERNAL.
func recoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "panic in graphql resolver",
			"panic", fmt.Sprint(v), "path", graphql.GetPath(ctx).String(), "stack", string(debug.Stack()))
		return graph.WrapError(graph.CodeInternal, errPanicked, "internal error")
	}
}
