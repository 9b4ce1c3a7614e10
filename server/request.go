package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/redthread-dev/redthread/graph"
)

// requestError is a request refused before it is a GraphQL request: not
// well-formed, too large, or of a media type the server does not read.
type requestError struct {
	status int
	msg    string
	code   graph.Code
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: graph.CodeBadRequest, msg: fmt.Sprintf(format, args...)}
}

// decodedBytes estimates the memory a JSON body takes once decoded, per
// byte of it.
const decodedBytes = 4

// errBatch is the answer to a JSON array body. Batching is refused rather
// than served: one operation per request keeps admission, deadlines, the
// memory budget and the complexity limit per operation, and the list
// arguments (nodes(ids:), edges(ids:)) and aliases answer many look-ups
// in one operation already.
const errBatch = "batched requests (a JSON array of operations) are not supported: send one operation per request, " +
	"and use list arguments such as nodes(ids:) or aliases to ask for many things in one operation"

// decodeParams reads a GraphQL-over-HTTP request from r's query string
// (GET) or its JSON body (POST), at most limit bytes, refusing anything
// else with a coded error. It returns the size of what it read.
func decodeParams(w http.ResponseWriter, r *http.Request, limit int64) (*graphql.RawParams, int64, error) {
	if r.Method == http.MethodGet {
		p, err := decodeGET(r.URL.RawQuery)
		return p, int64(len(r.URL.RawQuery)), err
	}
	if err := checkContentType(r.Header.Values("Content-Type")); err != nil {
		return nil, 0, err
	}
	tooLarge := &requestError{status: http.StatusRequestEntityTooLarge, code: graph.CodeLimit,
		msg: fmt.Sprintf("the request body is larger than the limit of %s (the server's --max-body-bytes)", humanBytes(limit))}
	if r.ContentLength > limit {
		return nil, 0, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, 0, tooLarge
		}
		return nil, 0, badRequest("the request body could not be read to its end")
	}
	p, err := decodeBody(body)
	return p, int64(len(body)), err
}

// checkContentType accepts application/json in UTF-8, the one request
// media type GraphQL over HTTP requires (uploads have their transport).
func checkContentType(values []string) error {
	unsupported := func(msg string) error {
		return &requestError{status: http.StatusUnsupportedMediaType, code: graph.CodeBadRequest, msg: msg}
	}
	const want = "a POST request must be Content-Type: application/json (or multipart/form-data for uploads)"
	if len(values) != 1 {
		if len(values) == 0 {
			return unsupported(want + "; it has no Content-Type")
		}
		return unsupported(want + "; it has several Content-Type headers")
	}
	mt, params, err := mime.ParseMediaType(values[0])
	if err != nil || mt != "application/json" {
		return unsupported(want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return unsupported("the request body must be UTF-8: application/json with no charset or charset=utf-8")
	}
	return nil
}

// decodeGET reads the parameters of a GET request. Each may appear once;
// variables and extensions are JSON objects.
func decodeGET(rawQuery string) (*graphql.RawParams, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest("the query string is not valid URL encoding")
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions"} {
		if len(q[name]) > 1 {
			return nil, badRequest("the %s parameter appears %d times: give it once", name, len(q[name]))
		}
		if !utf8.ValidString(q.Get(name)) {
			return nil, badRequest("the %s parameter is not valid UTF-8", name)
		}
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for _, f := range []struct {
		name string
		into *map[string]any
	}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
		if v := q.Get(f.name); v != "" {
			if err := decodeJSON(strings.NewReader(v), f.into); err != nil {
				return nil, badRequest("the %s parameter must be a JSON object: %s", f.name, jsonProblem(err))
			}
		}
	}
	if _, ok := q["query"]; !ok && !persisted(p) {
		return nil, badRequest("the request has no query parameter: want ?query=<GraphQL document>")
	}
	return p, nil
}

// decodeBody reads a POST body: one JSON object whose members query (a
// string, required), operationName (a string), variables and extensions
// (objects) may each be null or absent, and appear at most once. Other
// members are reserved by the spec for later use, and ignored.
func decodeBody(body []byte) (*graphql.RawParams, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, badRequest("the request body is empty: want a JSON object with a query")
	case !utf8.Valid(body):
		return nil, badRequest("the request body is not valid UTF-8")
	case trimmed[0] == '[':
		return nil, badRequest(errBatch)
	case trimmed[0] != '{':
		return nil, badRequest("the request body is not a GraphQL request: it must be a JSON object with a query")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the '{' seen above
		return nil, badRequest("the request body is not a GraphQL request: %s", jsonProblem(err))
	}
	p := &graphql.RawParams{}
	seen := map[string]bool{}
	hasQuery := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, badRequest("the request body is not a GraphQL request: %s", jsonProblem(err))
		}
		key, _ := tok.(string) // an object's keys are strings
		if seen[key] && isParam(key) {
			return nil, badRequest("the member %q appears twice in the request body", key)
		}
		seen[key] = true
		given, err := decodeMember(dec, key, p)
		if err != nil {
			return nil, err
		}
		hasQuery = hasQuery || (key == "query" && given)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, badRequest("the request body is not a GraphQL request: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("the request body is not a GraphQL request: %s", jsonProblem(errTrailing))
	}
	if !hasQuery && !persisted(p) {
		return nil, badRequest("the request has no query: want {\"query\": \"<GraphQL document>\"}")
	}
	return p, nil
}

// persisted reports whether p names a persisted query in its extensions
// (automatic persisted queries): then the query may be left out.
func persisted(p *graphql.RawParams) bool {
	_, ok := p.Extensions["persistedQuery"]
	return ok
}

func isParam(key string) bool {
	switch key {
	case "query", "operationName", "variables", "extensions":
		return true
	}
	return false
}

// decodeMember decodes the value of key into p, with a message naming the
// member and the type it must have; given is false for null (which the
// spec reads as absent) and for members that are not parameters.
func decodeMember(dec *json.Decoder, key string, p *graphql.RawParams) (given bool, err error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return false, badRequest("the request body is not a GraphQL request: %s", jsonProblem(err))
	}
	var target any
	want := "an object"
	switch key {
	case "query":
		target, want = &p.Query, "a string"
	case "operationName":
		target, want = &p.OperationName, "a string"
	case "variables":
		target = &p.Variables
	case "extensions":
		target = &p.Extensions
	default:
		return false, nil
	}
	if string(raw) == "null" {
		return false, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(target); err != nil {
		return false, badRequest("the request body's %q must be %s or null", key, want)
	}
	return true, nil
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
		return "it is a JSON " + e.Value
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
