package server

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/rs/cors"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server/admission"
	"github.com/redthread-dev/redthread/server/gql/model"
)

const graphqlResponseJSON = "application/graphql-response+json"

func (s *Server) routes(store investigate.Store, assets fs.FS, built bool) http.Handler {
	api := graphqlHandler(store, s.cfg, s.admit, s.budget, s.logger)
	graphiql := playground.Handler("Redthread GraphiQL", "/graphql")
	endpoint := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A browser opening /graphql gets GraphiQL; GraphQL GETs carry a query.
		if r.Method == http.MethodGet && r.URL.Query().Get("query") == "" && acceptsHTML(r) {
			w.Header().Set("Content-Security-Policy", graphiqlPolicy)
			graphiql.ServeHTTP(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeGraphQLError(w, http.StatusMethodNotAllowed, graph.CodeBadRequest, "GraphQL is served over GET (queries) and POST")
			return
		}
		// The answer's media type, before any work: GraphQL over HTTP
		// recommends 406 when the client accepts none of them.
		answer, acceptable := negotiate(r)
		if !acceptable && r.Method != http.MethodOptions {
			writeGraphQLError(w, http.StatusNotAcceptable, graph.CodeBadRequest, notAcceptable)
			return
		}
		upload := (uploadTransport{}).Supports(r)
		// Uploads are only for startIngest: a principal who may not ingest
		// is refused before a byte of them is read.
		if upload {
			p, _ := identity.PrincipalFrom(r.Context())
			if err := allowed(p, identity.RoleAnalyst, ptr(model.ScopeIngest)); err != nil {
				writeErrorAs(w, answer.contentType(), http.StatusForbidden, graph.CodeForbidden, graph.ErrorMessage(err))
				return
			}
		}
		// One client's requests in flight are bounded before any work.
		info := requestInfoFrom(r.Context())
		leave, err := s.admit.Enter(info.client)
		if err != nil {
			writeRefusal(w, answer.contentType(), err)
			return
		}
		defer leave()
		defer releaseSlot(r.Context())
		// Parsing, validation and admission count against the operation's
		// deadline too; streams and uploads set their own.
		if answer != answerStream && !upload {
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		api.ServeHTTP(w, r)
	})

	mux := http.NewServeMux()
	mux.Handle("/graphql", s.cors(endpoint))
	mux.Handle("/graphql/", notFound())
	mux.Handle("GET /healthz", healthz(store))
	mux.Handle("/healthz", methodNotAllowed("GET, HEAD"))
	mux.Handle("/healthz/", notFound())
	mux.Handle("/auth/", s.cors(s.authRoutes()))
	mux.Handle("/", uiHandler(assets, built))
	// /metrics checks its own credentials (the metrics token is no
	// identity token); everything else goes through authenticate.
	top := http.NewServeMux()
	top.Handle("/metrics", s.metricsRoute())
	top.Handle("/", s.authenticate(mux))
	return s.logRequests(s.securityHeaders(s.allowHosts(top)))
}

// cors lets the configured origins call the API from a browser, with
// credentials. Without any, no CORS headers are sent and browsers keep to
// same-origin; "*" never matches (Validate refuses it at start).
func (s *Server) cors(h http.Handler) http.Handler {
	origins := slices.DeleteFunc(slices.Clone(s.cfg.CORSOrigins), func(o string) bool { return o == "*" })
	if len(origins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   append([]string{"Content-Type", "Accept", "Authorization", CSRFHeader}, preflightHeaders...),
		AllowCredentials: true,
		MaxAge:           600,
	}).Handler(h)
}

func acceptsHTML(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/html" {
			return true
		}
	}
	return false
}

// notAcceptable is the message of a 406.
const notAcceptable = "the Accept header allows none of the media types of GraphQL answers: " +
	"application/graphql-response+json, application/json (and text/event-stream for a POST)"

// writeGraphQLError answers an HTTP-level refusal in the shape of a
// GraphQL response, like every other error the server gives, as
// application/json.
func writeGraphQLError(w http.ResponseWriter, status int, code graph.Code, msg string) {
	writeErrorAs(w, jsonType, status, code, msg)
}

// writeErrorAs is writeGraphQLError in the given media type. The error
// carries the request's ID, as set in the X-Request-Id header by the
// outermost handler.
func writeErrorAs(w http.ResponseWriter, contentType string, status int, code graph.Code, msg string) {
	h := w.Header()
	body := errorJSON(code, msg, h.Get(requestIDHeader))
	h.Set("Content-Type", contentType)
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && h.Get("Retry-After") == "" {
		h.Set("Retry-After", "1") // every 429 and 503 says when to come back
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// errorJSON is a GraphQL response holding one coded error: the one shape
// of every error the HTTP layer writes itself (the error presenter shapes
// those of operations).
func errorJSON(code graph.Code, msg, requestID string) []byte {
	ext := map[string]any{"code": code}
	if requestID != "" {
		ext["requestId"] = requestID
	}
	b, _ := json.Marshal(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": ext}},
	})
	return append(b, '\n')
}

// notFound answers paths under the API's that serve nothing.
func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeGraphQLError(w, http.StatusNotFound, graph.CodeNotFound, "no such route: GraphQL is served at /graphql")
	})
}

// methodNotAllowed answers a method a route does not serve.
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeGraphQLError(w, http.StatusMethodNotAllowed, graph.CodeBadRequest, "this route serves only "+allow)
	})
}

// healthz answers 200 when the store answers a cheap query in time.
func healthz(store investigate.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A trusted read (no viewer): the probe is signed out, and a
		// signed-out Stats would not reach the store at all. It answers
		// only ok or unavailable, never a count.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), healthTimeout)
		defer cancel()
		stop := context.AfterFunc(r.Context(), cancel)
		defer stop()
		ctx = visibility.WithoutViewer(ctx)
		status, body := http.StatusOK, map[string]string{"status": "ok"}
		if _, err := store.Stats(ctx); err != nil {
			status = http.StatusServiceUnavailable
			body = map[string]string{"status": "unavailable", "code": string(graph.ErrorCode(err))}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// requestInfo collects what the request log needs from deeper layers. It
// is written and read on the request's goroutine only.
type requestInfo struct {
	id        string // the request ID (X-Request-Id)
	operation string
	client    string // the admission key: the client's address
	class     string // the admission lane the operation ran in
	// refusal is admission's answer when it turned the operation away.
	refusal *admission.Refusal
	// release gives back the operation's admission slot; the transport
	// calls it once the answer is built, the HTTP layer in any case.
	release func()
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// releaseSlot gives back the request's admission slot, if it holds one.
func releaseSlot(ctx context.Context) {
	if info := requestInfoFrom(ctx); info != nil && info.release != nil {
		info.release()
		info.release = nil
	}
}

// statusWriter records the status for the request log. (The transports
// choose GraphQL over HTTP's statuses themselves.)
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// FlushError lets server-sent events through as they are written.
func (w *statusWriter) FlushError() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestIDOf(r), client: clientKey(r)}
		w.Header().Set(requestIDHeader, info.id)
		sw := &statusWriter{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), requestInfoKey{}, info)
		h.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.URL.Path, info, sw.status, elapsed)
		level := slog.LevelInfo
		switch {
		case sw.status >= 500:
			level = slog.LevelError
		case r.URL.Path == "/healthz":
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Duration("duration", elapsed),
		}
		if info.operation != "" {
			attrs = append(attrs, slog.String("operation", info.operation))
		}
		if info.class != "" {
			attrs = append(attrs, slog.String("lane", info.class))
		}
		attrs = append(attrs, slog.String("client", info.client))
		// The handler adds request_id from ctx (LogHandler).
		s.logger.LogAttrs(ctx, level, "http request", attrs...)
	})
}

// clientKey names the client for admission: its IP address. Behind a
// proxy every request shares the proxy's address; see README.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
