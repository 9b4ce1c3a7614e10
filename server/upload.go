package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
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
// limit, answering LIMIT_EXCEEDED.
type uploadTransport struct {
	jobs    *jobs.Manager // nil: uploads disabled
	timeout time.Duration // to receive the whole request
	write   time.Duration // to run the operation and answer, once received
	logger  *slog.Logger
}

func (uploadTransport) Supports(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mt == "multipart/form-data"
}

// uploadError is a refusal of the request itself, before any operation.
type uploadError struct {
	status int
	code   graph.Code
	msg    string
}

func (e *uploadError) Error() string { return e.msg }

func refuse(status int, code graph.Code, format string, args ...any) *uploadError {
	return &uploadError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func (t uploadTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts suit small requests; an upload
	// of a gigabyte takes minutes.
	_ = rc.SetReadDeadline(time.Now().Add(t.timeout))
	_ = rc.SetWriteDeadline(time.Now().Add(t.timeout + t.write))

	var stage string
	defer func() {
		if stage != "" {
			_ = os.RemoveAll(stage) // what the job took was moved out
		}
	}()
	params, files, err := t.receive(r, &stage)
	defer func() {
		for _, f := range files {
			_ = f.Close()
		}
	}()
	if err != nil {
		var ue *uploadError
		if !errors.As(err, &ue) {
			t.logger.ErrorContext(r.Context(), "receive upload", "err", err)
			ue = refuse(http.StatusInternalServerError, graph.CodeInternal, "the upload could not be stored")
		}
		// Unread bytes would be read by the HTTP server to reuse the
		// connection; close it instead.
		w.Header().Set("Connection", "close")
		writeGraphQLError(w, ue.status, ue.code, ue.msg)
		return
	}
	_ = rc.SetWriteDeadline(time.Now().Add(t.write))
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	contentType := "application/json"
	if strings.Contains(r.Header.Get("Accept"), graphqlResponseJSON) {
		contentType = graphqlResponseJSON
	}
	w.Header().Set("Content-Type", contentType)
	ctx := r.Context()
	opCtx, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusUnprocessableEntity
		if contentType == graphqlResponseJSON {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		writeJSON(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeJSON(w, responses(ctx))
}

func writeJSON(w io.Writer, resp *graphql.Response) {
	_ = json.NewEncoder(w).Encode(resp)
}

// receive reads the operations and map parts, then streams the files into
// a staging directory (set in *stage as soon as it exists), and returns
// the operation with each file in place of its variable.
func (t uploadTransport) receive(r *http.Request, stage *string) (*graphql.RawParams, []*os.File, error) {
	if t.jobs == nil || t.jobs.UploadLimit() == 0 {
		return nil, nil, refuse(http.StatusForbidden, graph.CodeForbidden, "uploads are disabled on this server")
	}
	if !hasPreflightHeader(r) {
		return nil, nil, refuse(http.StatusBadRequest, graph.CodeInvalid,
			"a multipart request must carry the header GraphQL-Require-Preflight (any value): it keeps other web pages from posting files through a visitor's browser")
	}
	limit := t.jobs.UploadLimit()
	tooLarge := func() error {
		return refuse(http.StatusRequestEntityTooLarge, graph.CodeLimit, "%s", graph.ErrorMessage(jobs.TooLarge(limit)))
	}
	// Refuse at once what cannot fit: the files plus the two JSON parts
	// and the multipart framing. The files are counted exactly below.
	bodyLimit := limit + 2*maxBodyBytes + 1<<20
	if r.ContentLength > bodyLimit {
		return nil, nil, tooLarge()
	}
	r.Body = http.MaxBytesReader(nil, r.Body, bodyLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "malformed multipart request: %v", err)
	}
	var params graphql.RawParams
	if err := readJSONPart(mr, "operations", &params); err != nil {
		return nil, nil, err
	}
	var fileMap map[string][]string
	if err := readJSONPart(mr, "map", &fileMap); err != nil {
		return nil, nil, err
	}
	if len(fileMap) > jobs.MaxFiles {
		return nil, nil, refuse(http.StatusBadRequest, graph.CodeLimit, "%d files: a request carries at most %d", len(fileMap), jobs.MaxFiles)
	}
	if params.Variables == nil {
		params.Variables = map[string]any{}
	}
	for key, paths := range fileMap {
		if len(paths) == 0 {
			return nil, nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "map: file %q goes nowhere", key)
		}
		for _, p := range paths {
			if !strings.HasPrefix(p, "variables.") {
				return nil, nil, refuse(http.StatusBadRequest, graph.CodeInvalid, "map: path %q of file %q: files go into variables", p, key)
			}
		}
	}

	dir, err := t.jobs.StageUploads()
	if err != nil {
		return nil, nil, err
	}
	*stage = dir
	var files []*os.File
	var total int64
	got := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, files, readError(err, tooLarge)
		}
		key := part.FormName()
		paths, ok := fileMap[key]
		if !ok || got[key] {
			part.Close()
			return nil, files, refuse(http.StatusBadRequest, graph.CodeInvalid, "part %q is not in the map, or comes twice", key)
		}
		got[key] = true
		// Staged under its index: the client's name is only data.
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(len(files))), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if err != nil {
			return nil, files, fmt.Errorf("stage upload: %w", err)
		}
		files = append(files, f)
		n, err := io.Copy(f, io.LimitReader(part, limit-total+1))
		total += n
		switch {
		case err != nil:
			return nil, files, readError(err, tooLarge)
		case total > limit:
			return nil, files, tooLarge()
		}
		// Durable before the job's record says the file is there.
		if err := f.Sync(); err != nil {
			return nil, files, fmt.Errorf("stage upload: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, files, fmt.Errorf("stage upload: %w", err)
		}
		up := graphql.Upload{File: f, Filename: part.FileName(), Size: n, ContentType: part.Header.Get("Content-Type")}
		for _, p := range paths {
			if err := setVariable(params.Variables, strings.TrimPrefix(p, "variables."), up); err != nil {
				return nil, files, refuse(http.StatusBadRequest, graph.CodeInvalid, "map: path %q of file %q: %v", p, key, err)
			}
		}
	}
	for key := range fileMap {
		if !got[key] {
			return nil, files, refuse(http.StatusBadRequest, graph.CodeInvalid, "map names file %q, which the request does not carry", key)
		}
	}
	return &params, files, nil
}

func hasPreflightHeader(r *http.Request) bool {
	for _, h := range preflightHeaders {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

// readError maps an error reading the request body.
func readError(err error, tooLarge func() error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge()
	}
	return refuse(http.StatusBadRequest, graph.CodeInvalid, "the request body could not be read: %v", err)
}

// readJSONPart decodes the next part, which must be the field name, at
// most maxBodyBytes of JSON.
func readJSONPart(mr *multipart.Reader, name string, v any) error {
	part, err := mr.NextPart()
	if err != nil {
		return refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: want the %q field first (GraphQL multipart request spec): %v", name, err)
	}
	defer part.Close()
	if part.FormName() != name {
		return refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: field %q where %q belongs (GraphQL multipart request spec)", part.FormName(), name)
	}
	data, err := io.ReadAll(io.LimitReader(part, maxBodyBytes+1))
	if err != nil {
		return refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: %s: %v", name, err)
	}
	if len(data) > maxBodyBytes {
		return refuse(http.StatusRequestEntityTooLarge, graph.CodeLimit, "multipart request: %s larger than 1 MiB", name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) && name == "operations" {
			msg = "batched operations are not supported"
		}
		return refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: %s: %s", name, msg)
	}
	return nil
}

// setVariable puts v at path ("uploads.0", "file") in vars, where the
// client left null.
func setVariable(vars map[string]any, path string, v any) error {
	keys := strings.Split(path, ".")
	var cur any = vars
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if x, ok := c[k]; !ok || x != nil {
					return errors.New("want a null there")
				}
				c[k] = v
				return nil
			}
			cur = c[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(c) {
				return fmt.Errorf("no element %s", k)
			}
			if last {
				if c[n] != nil {
					return errors.New("want a null there")
				}
				c[n] = v
				return nil
			}
			cur = c[n]
		default:
			return fmt.Errorf("no %s there", k)
		}
	}
	return errors.New("empty path")
}
