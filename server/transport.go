package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server/admission"
)

// httpTransport serves GraphQL over HTTP: GET and POST (application/json)
// per GraphQL over HTTP, and server-sent events for Accept:
// text/event-stream. It replaces gqlgen's GET, POST and SSE transports,
// which answer malformed requests with Go's error text and the body
// echoed back, and whose SSE keep-alive goroutine could write to a
// response after its handler returned (a nil dereference that ended the
// process). Here every refusal is coded, every write has a deadline and
// nothing outlives the request.
type httpTransport struct {
	admit      *admission.Controller
	writeStall time.Duration // longest a single write may block on a client that does not read
	keepAlive  time.Duration // SSE comment pings while a stream is idle
	logger     *slog.Logger
}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		return !(uploadTransport{}).Supports(r)
	}
	return false
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	params, size, status, err := decodeParams(w, r)
	if err != nil {
		writeGraphQLError(w, status, graph.ErrorCode(err), graph.ErrorMessage(err))
		return
	}
	// A decoded body takes several times its size in memory: bodies in
	// flight share the server's allowance with the answers being written.
	held, err := t.admit.Hold(decodedBytes * size)
	if err != nil {
		writeRefusal(w, err)
		return
	}
	defer held()
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	if r.Method == http.MethodPost && acceptsEventStream(r) {
		t.stream(w, r, exec, params)
		return
	}

	contentType := responseType(r)
	ctx := r.Context()
	opCtx, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		t.refuse(w, r, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), opErr), opErr)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeGraphQLError(w, http.StatusMethodNotAllowed, graph.CodeBadRequest, "a GET request may only run a query; send mutations and subscriptions with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	releaseSlot(r.Context()) // the work is done; only the writing is left
	t.write(w, r, contentType, operationStatus(resp), resp)
}

// operationStatus is 403 for an operation that was refused as a whole for
// the caller's role or scope (@requires: no data, every error FORBIDDEN),
// else 200 as GraphQL over HTTP has it.
func operationStatus(resp *graphql.Response) int {
	if resp == nil || len(resp.Errors) == 0 || (len(resp.Data) > 0 && string(resp.Data) != "null") {
		return http.StatusOK
	}
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(graph.Code); code != graph.CodeForbidden {
			if s, _ := e.Extensions["code"].(string); s != string(graph.CodeForbidden) {
				return http.StatusOK
			}
		}
	}
	return http.StatusForbidden
}

// refuse answers an operation refused before it ran: 429 or 503 with
// Retry-After when admission turned it away, else GraphQL over HTTP's
// status for a request error.
func (t httpTransport) refuse(w http.ResponseWriter, r *http.Request, contentType string, resp *graphql.Response, errs gqlerror.List) {
	status := http.StatusOK
	if info := requestInfoFrom(r.Context()); info != nil && info.refusal != nil {
		status = info.refusal.Status
		w.Header().Set("Retry-After", fmt.Sprint(info.refusal.RetryAfterSeconds()))
	} else if contentType == graphqlResponseJSON {
		status = http.StatusBadRequest
	} else if errcode.GetErrorKind(errs) == errcode.KindProtocol {
		status = http.StatusUnprocessableEntity
	}
	t.write(w, r, contentType, status, resp)
}

// write encodes resp and writes it within the stall deadline, holding its
// bytes against the server's allowance for answers being written.
func (t httpTransport) write(w http.ResponseWriter, r *http.Request, contentType string, status int, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		t.logger.ErrorContext(r.Context(), "encode graphql response", "err", err)
		writeGraphQLError(w, http.StatusInternalServerError, graph.CodeInternal, "internal error")
		return
	}
	release, err := t.admit.Hold(int64(len(b)))
	if err != nil {
		writeRefusal(w, err)
		return
	}
	defer release()
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	// A large answer to a slow reader gets the stall time per 4 MiB.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(t.writeStall * time.Duration(1+len(b)>>22)))
	_, _ = w.Write(b)
}

// writeRefusal answers an admission refusal (or another coded error) with
// its status and Retry-After.
func writeRefusal(w http.ResponseWriter, err error) {
	if ref, ok := errors.AsType[*admission.Refusal](err); ok {
		w.Header().Set("Retry-After", fmt.Sprint(ref.RetryAfterSeconds()))
		writeGraphQLError(w, ref.Status, ref.Code, ref.Message)
		return
	}
	writeGraphQLError(w, http.StatusInternalServerError, graph.ErrorCode(err), graph.ErrorMessage(err))
}

func responseType(r *http.Request) string {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json", "*/*", "application/*":
			return "application/json"
		case graphqlResponseJSON:
			return graphqlResponseJSON
		}
	}
	return "application/json"
}

func acceptsEventStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// decodedBytes estimates the memory a JSON body takes once decoded, per
// byte of it.
const decodedBytes = 4

// decodeParams reads a GraphQL request from r's query string (GET) or its
// JSON body (POST), refusing anything else with a coded error. It returns
// the size of what it read.
func decodeParams(w http.ResponseWriter, r *http.Request) (p *graphql.RawParams, size int64, status int, err error) {
	p = &graphql.RawParams{}
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, 0, http.StatusBadRequest, graph.Errorf(graph.CodeBadRequest, "the query string is not valid URL encoding")
		}
		p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
		for _, f := range []struct {
			name string
			into *map[string]any
		}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
			if v := q.Get(f.name); v != "" {
				if err := decodeJSON(strings.NewReader(v), f.into); err != nil {
					return nil, 0, http.StatusBadRequest, graph.Errorf(graph.CodeBadRequest, "the %s parameter is not a JSON object: %s", f.name, jsonProblem(err))
				}
			}
		}
		return p, int64(len(r.URL.RawQuery)), 0, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, 0, http.StatusUnsupportedMediaType, graph.Errorf(graph.CodeBadRequest, "a POST request must be application/json (or multipart/form-data for uploads)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, 0, http.StatusRequestEntityTooLarge, graph.Errorf(graph.CodeLimit, "request body larger than %s", humanBytes(maxBodyBytes))
		}
		return nil, 0, http.StatusBadRequest, graph.Errorf(graph.CodeBadRequest, "the request body could not be read to its end")
	}
	if err := decodeJSON(bytes.NewReader(body), p); err != nil {
		return nil, 0, http.StatusBadRequest, graph.Errorf(graph.CodeBadRequest, "the request body is not a GraphQL request: %s", jsonProblem(err))
	}
	return p, int64(len(body)), 0, nil
}

// errTrailing is a body with more than one JSON value.
var errTrailing = errors.New("trailing data")

func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	return nil
}

// jsonProblem says what is wrong with a JSON document in our words, never
// encoding/json's.
func jsonProblem(err error) string {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		want := map[string]string{"query": "a string", "operationName": "a string", "variables": "an object", "extensions": "an object"}[e.Field]
		if e.Field == "" || want == "" {
			return "it must be a JSON object with query, operationName, variables and extensions"
		}
		return fmt.Sprintf("%q must be %s", e.Field, want)
	}
	switch {
	case errors.Is(err, errTrailing):
		return "more than one JSON value"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	}
	return "invalid JSON"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// stream answers over server-sent events: "next" events, then "complete".
// Writes go through one lock, each with the stall deadline; a failed write
// ends the operation; the keep-alive goroutine ends before Do returns.
func (t httpTransport) stream(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sw := &sseWriter{w: w, rc: http.NewResponseController(w), stall: t.writeStall, cancel: cancel}

	opCtx, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		// Refused before it ran: a plain answer with its status, so that
		// a 429 or 503 reads the same on every transport.
		t.refuse(w, r, "application/json", exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), opErr), opErr)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if !sw.send(":\n\n") {
		return
	}
	var pinger sync.WaitGroup
	defer pinger.Wait()
	defer cancel() // runs first: stops the pinger before Wait
	if t.keepAlive > 0 {
		pinger.Go(func() {
			tick := time.NewTicker(t.keepAlive)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					if !sw.send(": ping\n\n") {
						return
					}
				}
			}
		})
	}
	responses, dctx := exec.DispatchOperation(ctx, opCtx)
	for {
		resp := responses(dctx)
		if resp == nil {
			break
		}
		b, err := json.Marshal(resp)
		if err != nil {
			t.logger.ErrorContext(ctx, "encode graphql event", "err", err)
			break
		}
		if !sw.send("event: next\ndata: " + string(b) + "\n\n") {
			return
		}
		if opCtx.Operation.Operation != ast.Subscription {
			break
		}
	}
	releaseSlot(r.Context())
	sw.send("event: complete\n\n")
}

// sseWriter serialises the writes of one event stream.
type sseWriter struct {
	mu     sync.Mutex
	w      http.ResponseWriter
	rc     *http.ResponseController
	stall  time.Duration
	cancel context.CancelFunc
	failed bool
}

// send writes and flushes s, reporting whether the stream is still good.
func (s *sseWriter) send(str string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed {
		return false
	}
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.stall))
	if _, err := io.WriteString(s.w, str); err == nil {
		if err = s.rc.Flush(); err == nil {
			return true
		}
	}
	s.failed = true
	s.cancel() // the client is gone or stalled: end the operation
	return false
}
