package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
)

// errorPresenter shows each error once, as its domain code in
// extensions.code and its user-facing message. Causes never reach clients;
// internal ones are logged instead. gqlgen's own request errors (parse,
// validation, limits) carry no cause and pass through with their codes.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
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
