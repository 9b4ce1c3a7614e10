package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

// preflightHeaders are the request headers, any one of them, a multipart
// request must carry. A browser sends a cross-origin multipart POST
// without asking first (it is a "simple" request), so without this any
// web page an investigator opens could load files into the graph through
// their browser; a custom header forces the CORS preflight, which only the
// configured origins pass. Apollo's name is accepted for its clients.
var preflightHeaders = []string{"GraphQL-Require-Preflight", "Apollo-Require-Preflight"}

// uploadTransport serves the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec) for
// startIngest's uploads. gqlgen's MultipartForm keeps files in memory or in
// the system's temporary directory and reports errors without codes; this
// one streams each file to the job manager's staging directory (on the file
// system of the jobs' uploads, so starting the job moves the file rather
// than copies it), counts the bytes as they come and stops reading at the
// limit, answering LIMIT_EXCEEDED. A client that sends too slowly (idle,
// or under the minimum rate) is answered TIMEOUT and hung up on. Every
// refusal names the part and the reason; Go's error text stays in the log.
type uploadTransport struct {
	jobs    *jobs.Manager // nil: uploads disabled
	maxJSON int64         // the largest operations or map part (Config.MaxBodyBytes); 0: the default
	timeout time.Duration // to receive the whole request
	write   time.Duration // to run the operation and answer, once received
	logger  *slog.Logger

	// idleTimeout is the longest wait for the next byte of the body
	// (Config.UploadIdleTimeout); zero means 30 s, negative no limit.
	idleTimeout time.Duration
	// minRate is the slowest a body may come, in bytes per second averaged
	// over rateWindow of waiting for the client, once rateGrace of waiting
	// has passed (Config.UploadMinRate); zero means 32 KiB/s, negative no
	// limit. Zero window and grace mean 30 s and 10 s.
	minRate    int64
	rateWindow time.Duration
	rateGrace  time.Duration
}

func (uploadTransport) Supports(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mt == "multipart/form-data"
}

// jsonLimit bounds each JSON part: a GraphQL request's body limit.
func (t uploadTransport) jsonLimit() int64 {
	if t.maxJSON > 0 {
		return t.maxJSON
	}
	return DefaultMaxBodyBytes
}

func (t uploadTransport) pace() pace {
	return pace{idle: t.idleTimeout, minRate: t.minRate, window: t.rateWindow, grace: t.rateGrace}.orDefaults()
}

// uploadError is a refusal of the request itself, before any operation.
type uploadError struct {
	status int
	code   graph.Code
	msg    string
	slow   bool // the client sent too slowly
}

func (e *uploadError) Error() string { return e.msg }

func refuse(status int, code graph.Code, format string, args ...any) *uploadError {
	return &uploadError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// staged is what a request has put in its staging directory.
type staged struct {
	dir   string
	files []*os.File
}

// discard closes the files and removes the directory: what a job took
// was moved out of it already.
func (s *staged) discard() {
	for _, f := range s.files {
		_ = f.Close()
	}
	s.files = nil
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}

func (t uploadTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts suit small requests; an upload
	// of a gigabyte takes minutes, as long as it keeps coming.
	_ = rc.SetWriteDeadline(time.Now().Add(t.timeout + t.write))
	body := newPacedBody(r.Body, rc, t.pace(), t.timeout)
	if body.deadlineErr != nil {
		t.logger.WarnContext(r.Context(), "upload without read deadlines: idle clients are not cut", "err", body.deadlineErr)
	}
	var st staged
	defer st.discard()
	params, err := t.receive(r, body, &st)
	if err != nil {
		st.discard() // before answering: nothing of a refused request stays
		t.reject(w, r, body, err)
		return
	}
	body.done()
	_ = rc.SetWriteDeadline(time.Now().Add(t.write))
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	answer, _ := negotiate(r) // the endpoint answered 406 already
	w.Header().Set("Content-Type", answer.contentType())
	ctx := r.Context()
	opCtx, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		// A request error: no data entry, GraphQL over HTTP's status.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), operationErrors(params, opCtx, opErr))
		w.WriteHeader(requestErrorStatus(w, r, answer))
		_ = json.NewEncoder(w).Encode(answerBody{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeJSON(w, responses(ctx))
}

// reject answers a request refused while it was received, and hangs up:
// the rest of its body is never read, however slowly it comes.
func (t uploadTransport) reject(w http.ResponseWriter, r *http.Request, body *pacedBody, err error) {
	ue, ok := errors.AsType[*uploadError](err)
	switch {
	case !ok:
		t.logger.ErrorContext(r.Context(), "receive upload", "err", err)
		ue = refuse(http.StatusInternalServerError, graph.CodeInternal, "the upload could not be stored")
	case ue.slow:
		t.logger.WarnContext(r.Context(), "upload refused: the client sent too slowly",
			"reason", ue.msg, "remote", r.RemoteAddr, "bytes", body.total, "waited", body.waited.Round(time.Millisecond))
	}
	hangUp(w, ue)
}

func writeJSON(w io.Writer, resp *graphql.Response) {
	_ = json.NewEncoder(w).Encode(resp)
}

// receive reads the operations and map parts, then streams the files into
// a staging directory (recorded in st as it fills), and returns the
// operation with each file in place of its variable.
func (t uploadTransport) receive(r *http.Request, body *pacedBody, st *staged) (*graphql.RawParams, error) {
	if t.jobs == nil || t.jobs.UploadLimit() == 0 {
		return nil, refuse(http.StatusForbidden, graph.CodeForbidden, "uploads are disabled on this server")
	}
	if !hasPreflightHeader(r) {
		return nil, refuse(http.StatusBadRequest, graph.CodeInvalid,
			"a multipart request must carry the header GraphQL-Require-Preflight (any value): it keeps other web pages from posting files through a visitor's browser")
	}
	limit := t.jobs.UploadLimit()
	tooLarge := refuse(http.StatusRequestEntityTooLarge, graph.CodeLimit, "%s", graph.ErrorMessage(jobs.TooLarge(limit)))
	// Refuse at once what cannot fit: the files plus the two JSON parts
	// and the multipart framing. The files are counted exactly below.
	bodyLimit := limit + 2*t.jsonLimit() + 1<<20
	if r.ContentLength > bodyLimit {
		return nil, tooLarge
	}
	_, ps, _ := mime.ParseMediaType(r.Header.Get("Content-Type")) // Supports parsed it
	boundary := ps["boundary"]
	if boundary == "" {
		return nil, refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: the Content-Type header names no boundary (multipart/form-data; boundary=...)")
	}
	mr := newPartReader(http.MaxBytesReader(nil, io.NopCloser(body), bodyLimit), boundary, body, tooLarge, t.jsonLimit())

	var params graphql.RawParams
	if err := mr.readJSON("operations", &params, operationsShape); err != nil {
		return nil, err
	}
	var rawMap map[string]any
	if err := mr.readJSON("map", &rawMap, mapShape); err != nil {
		return nil, err
	}
	fileMap, err := fileMapOf(rawMap)
	if err != nil {
		return nil, err
	}
	if params.Variables == nil {
		params.Variables = map[string]any{}
	}

	dir, err := t.jobs.StageUploads()
	if err != nil {
		return nil, err
	}
	st.dir = dir
	var total int64
	got := map[string]bool{}
	for {
		at := "after the last file"
		if len(got) < len(fileMap) {
			at = fmt.Sprintf("at file part %d of %d", len(got)+1, len(fileMap))
		}
		part, err := mr.next(at)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		key := part.FormName()
		paths, ok := fileMap[key]
		switch {
		case !ok:
			return nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: part %s is not in the map", quoted(key))
		case got[key]:
			return nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: file %s comes twice", quoted(key))
		}
		got[key] = true
		// Staged under its index: the client's name is only data.
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(len(st.files))), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if err != nil {
			return nil, fmt.Errorf("stage upload: %w", err)
		}
		st.files = append(st.files, f)
		n, readErr, writeErr := copyPart(f, io.LimitReader(part, limit-total+1))
		total += n
		switch {
		case readErr != nil:
			return nil, mr.refusal(readErr, "in file "+quoted(key))
		case writeErr != nil:
			return nil, fmt.Errorf("stage upload: %w", writeErr)
		case total > limit:
			return nil, tooLarge
		}
		// Durable before the job's record says the file is there.
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("stage upload: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("stage upload: %w", err)
		}
		up := graphql.Upload{File: f, Filename: part.FileName(), Size: n, ContentType: part.Header.Get("Content-Type")}
		for _, p := range paths {
			if err := setVariable(params.Variables, strings.TrimPrefix(p, "variables."), up); err != nil {
				return nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "map: path %s of file %s: %v", quoted(p), quoted(key), err)
			}
		}
	}
	if err := mr.finish(); err != nil {
		return nil, err
	}
	for key := range fileMap {
		if !got[key] {
			return nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "map names file %s, which the request does not carry", quoted(key))
		}
	}
	return &params, nil
}

func hasPreflightHeader(r *http.Request) bool {
	for _, h := range preflightHeaders {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}
