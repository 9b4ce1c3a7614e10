package server

import (
	"context"
	"log/slog"
)

// requestIDHandler adds the request ID (RequestID) to every record logged
// with a request's context, wherever in the server it is logged.
type requestIDHandler struct{ slog.Handler }

// LogHandler wraps h so that a record logged with a request's context
// carries request_id. Wrapping twice adds it once (the CLI wraps the
// process logger, New the server's). Under a group (WithGroup) the
// attribute lands in the group; Redthread's loggers use none.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
