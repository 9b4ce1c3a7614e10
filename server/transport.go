package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
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
	maxBody    int64         // the largest request body read (Config.MaxBodyBytes)
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
	answer, _ := negotiate(r) // the endpoint answered 406 already
	contentType := answer.contentType()
	params, size, err := decodeParams(w, r, t.maxBody)
	if err != nil {
		re, ok := errors.AsType[*requestError](err)
		if !ok {
			re = &requestError{status: http.StatusInternalServerError, code: graph.CodeInternal, msg: "internal error"}
		}
		writeErrorAs(w, contentType, re.status, re.code, re.msg)
		return
	}
	// A decoded body takes several times its size in memory: bodies in
	// flight share the server's allowance with the answers being written.
	held, err := t.admit.Hold(decodedBytes * size)
	if err != nil {
		writeRefusal(w, contentType, err)
		return
	}
	defer held()
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	if answer == answerStream {
		t.stream(w, r, exec, params)
		return
	}

	ctx := r.Context()
	opCtx, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		opErr = operationErrors(params, opCtx, opErr)
		t.refuse(w, r, answer, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), opErr))
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeErrorAs(w, contentType, http.StatusMethodNotAllowed, graph.CodeBadRequest,
			fmt.Sprintf("a GET request may only run a query; send a %s with POST", opCtx.Operation.Operation))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	releaseSlot(r.Context()) // the work is done; only the writing is left
	t.write(w, r, contentType, operationStatus(resp), resp, true)
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

// requestErrorStatus is the status of a GraphQL request error (raised
// before execution: a document that does not parse or validate, an
// operation that cannot be determined, variables that do not coerce, a
// limit): 429 or 503 with Retry-After when admission turned the operation
// away, else 400 under application/graphql-response+json and 200 under
// legacy application/json, as GraphQL over HTTP has it.
func requestErrorStatus(w http.ResponseWriter, r *http.Request, answer answerType) int {
	if info := requestInfoFrom(r.Context()); info != nil && info.refusal != nil {
		w.Header().Set("Retry-After", fmt.Sprint(info.refusal.RetryAfterSeconds()))
		return info.refusal.Status
	}
	if answer == answerGraphQL {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// refuse answers an operation refused before it ran. The answer has no
// data entry: none exists before execution.
func (t httpTransport) refuse(w http.ResponseWriter, r *http.Request, answer answerType, resp *graphql.Response) {
	t.write(w, r, answer.contentType(), requestErrorStatus(w, r, answer), resp, false)
}

// operationErrors words gqlgen's "operation X not found" as what it means
// to the client: the operation to run cannot be determined.
func operationErrors(p *graphql.RawParams, opCtx *graphql.OperationContext, errs gqlerror.List) gqlerror.List {
	out := make(gqlerror.List, len(errs))
	for i, e := range errs {
		out[i] = e
		if e == nil || e.Message != fmt.Sprintf("operation %s not found", p.OperationName) {
			continue
		}
		c := *e
		switch {
		case p.OperationName != "":
			name := p.OperationName
			if len(name) > 64 {
				name = name[:64] + "…" // the client's own text: quote a little of it
			}
			c.Message = fmt.Sprintf("the document has no operation named %q (operationName)", name)
		case opCtx != nil && opCtx.Doc != nil && len(opCtx.Doc.Operations) == 0:
			c.Message = "the document has no operation to run"
		default:
			c.Message = "the document has several operations: name the one to run with operationName"
		}
		out[i] = &c
	}
	return out
}

// answerBody is an answer with no data entry: a request error's.
type answerBody struct {
	Errors     gqlerror.List  `json:"errors,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// write encodes resp (with its data entry, or without it for a request
// error) and writes it within the stall deadline, holding its bytes
// against the server's allowance for answers being written.
func (t httpTransport) write(w http.ResponseWriter, r *http.Request, contentType string, status int, resp *graphql.Response, withData bool) {
	b, err := encodeAnswer(resp, withData)
	if err != nil {
		t.logger.ErrorContext(r.Context(), "encode graphql response", "err", err)
		writeErrorAs(w, contentType, http.StatusInternalServerError, graph.CodeInternal, "internal error")
		return
	}
	release, err := t.admit.Hold(int64(len(b)))
	if err != nil {
		writeRefusal(w, contentType, err)
		return
	}
	defer release()
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	// A large answer to a slow reader gets the stall time per 4 MiB.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(t.writeStall * time.Duration(1+len(b)>>22)))
	_, _ = w.Write(b)
}

func encodeAnswer(resp *graphql.Response, withData bool) ([]byte, error) {
	if withData || resp == nil {
		return json.Marshal(resp)
	}
	return json.Marshal(answerBody{Errors: resp.Errors, Extensions: resp.Extensions})
}

// writeRefusal answers an admission refusal (or another coded error) with
// its status and Retry-After.
func writeRefusal(w http.ResponseWriter, contentType string, err error) {
	if ref, ok := errors.AsType[*admission.Refusal](err); ok {
		w.Header().Set("Retry-After", fmt.Sprint(ref.RetryAfterSeconds()))
		writeErrorAs(w, contentType, ref.Status, ref.Code, ref.Message)
		return
	}
	writeErrorAs(w, contentType, http.StatusInternalServerError, graph.ErrorCode(err), graph.ErrorMessage(err))
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
		t.refuse(w, r, answerJSON, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), operationErrors(params, opCtx, opErr)))
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
