package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/server"
)

// GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/),
// as the server follows it; README "GraphQL over HTTP" has the table.

const (
	gqlJSON  = "application/graphql-response+json"
	jsonMT   = "application/json"
	webAsks  = "application/graphql-response+json, application/json;q=0.9" // web/src/api.ts
	okQuery  = `{"query":"{ stats { nodes } }"}`
	gqlParse = `{"query":"{ stats { nodes "}`
)

// dataWant says what an answer's data entry must be.
type dataWant int

const (
	dataAny     dataWant = iota
	dataAbsent           // no data entry at all: a request error
	dataNonNull          // a data entry that is not null
)

type httpCase struct {
	name   string
	method string            // POST when empty
	path   string            // /graphql when empty
	header map[string]string // Content-Type is application/json for a POST unless given ("" drops it)
	body   string
	// The answer.
	status int
	ctype  string // its media type, without parameters
	code   string // the first error's extensions.code; "" for no error
	msg    string // a substring of the first error's message
	data   dataWant
	hdr    map[string]string // headers the answer must carry
}

// answer is one exchange's result, its body decoded keeping absent apart
// from null.
type answer struct {
	resp   *http.Response
	raw    []byte
	body   map[string]json.RawMessage
	errors []gqlError
}

func exchange(t *testing.T, client *http.Client, base string, c httpCase) answer {
	t.Helper()
	method, path := c.method, c.path
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = "/graphql"
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	return do(t, client, req)
}

// do sends req and decodes the answer, which must be a JSON object whose
// errors, if any, are GraphQL errors.
func do(t *testing.T, client *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{resp: resp, raw: raw}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("the answer is not a JSON object: %v: %.300s", err, raw)
	}
	if e, ok := a.body["errors"]; ok {
		if err := json.Unmarshal(e, &a.errors); err != nil {
			t.Fatalf("errors: %v: %s", err, e)
		}
	}
	return a
}

// check compares an answer with the case, and checks what every answer
// must have: a JSON media type in UTF-8, and on every error a code and the
// request's ID as in X-Request-Id.
func (a answer) check(t *testing.T, c httpCase) {
	t.Helper()
	if a.resp.StatusCode != c.status {
		t.Errorf("status %d, want %d: %.300s", a.resp.StatusCode, c.status, a.raw)
	}
	mt, params, err := mime.ParseMediaType(a.resp.Header.Get("Content-Type"))
	if err != nil || (c.ctype != "" && mt != c.ctype) || (mt != jsonMT && mt != gqlJSON) {
		t.Errorf("Content-Type %q, want %s", a.resp.Header.Get("Content-Type"), c.ctype)
	}
	if cs := params["charset"]; !strings.EqualFold(cs, "utf-8") {
		t.Errorf("Content-Type %q names no UTF-8 charset", a.resp.Header.Get("Content-Type"))
	}
	switch {
	case c.code == "" && len(a.errors) > 0:
		t.Errorf("errors %+v, want none", a.errors)
	case c.code != "" && len(a.errors) == 0:
		t.Errorf("no error, want one coded %s: %.300s", c.code, a.raw)
	case c.code != "" && a.errors[0].Extensions["code"] != c.code:
		t.Errorf("code %v (%q), want %s", a.errors[0].Extensions["code"], a.errors[0].Message, c.code)
	case c.msg != "" && !strings.Contains(a.errors[0].Message, c.msg):
		t.Errorf("message %q, want it to contain %q", a.errors[0].Message, c.msg)
	}
	id := a.resp.Header.Get("X-Request-Id")
	for _, e := range a.errors {
		if e.Extensions["code"] == nil || e.Message == "" {
			t.Errorf("an error without a code or a message: %+v", e)
		}
		if got, _ := e.Extensions["requestId"].(string); got == "" || got != id {
			t.Errorf("error %q has requestId %q, X-Request-Id is %q", e.Message, got, id)
		}
	}
	data, hasData := a.body["data"]
	switch c.data {
	case dataAbsent:
		if hasData {
			t.Errorf("a data entry %s, want none", data)
		}
	case dataNonNull:
		if !hasData || string(data) == "null" {
			t.Errorf("data %s, want some", data)
		}
	}
	for k, v := range c.hdr {
		if got := a.resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func runCases(t *testing.T, client *http.Client, base string, cases []httpCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			exchange(t, client, base, c).check(t, c)
		})
	}
}

func accept(v string) map[string]string { return map[string]string{"Accept": v} }

func getPath(query string, extra ...string) string {
	v := url.Values{"query": {query}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Add(extra[i], extra[i+1])
	}
	return "/graphql?" + v.Encode()
}

// TestGraphQLOverHTTPAccept: the answer's media type follows Accept, with
// q-values; none acceptable is 406.
func TestGraphQLOverHTTPAccept(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	ok := func(name, acc, want string) httpCase {
		return httpCase{name: name, header: accept(acc), body: okQuery, status: 200, ctype: want, data: dataNonNull}
	}
	notAcceptable := func(name, acc string) httpCase {
		return httpCase{name: name, header: accept(acc), body: okQuery, status: 406, ctype: jsonMT, code: "BAD_REQUEST", msg: "Accept", data: dataAbsent}
	}
	runCases(t, ts.Client(), ts.URL, []httpCase{
		ok("no Accept: legacy application/json", "", jsonMT),
		ok("application/json", "application/json", jsonMT),
		ok("graphql-response+json", gqlJSON, gqlJSON),
		ok("both, equal: graphql-response+json", "application/json, "+gqlJSON, gqlJSON),
		ok("both, the web client's header", webAsks, gqlJSON),
		ok("both, with charset as the spec recommends", gqlJSON+"; charset=utf-8, application/json; charset=utf-8", gqlJSON),
		ok("q-values prefer application/json", gqlJSON+";q=0.5, application/json;q=0.8", jsonMT),
		ok("q-values prefer graphql-response+json", "application/json;q=0.1, "+gqlJSON+";q=0.2", gqlJSON),
		ok("*/*: application/json", "*/*", jsonMT),
		ok("application/*: application/json", "application/*", jsonMT),
		ok("named beats a wildcard at equal q", "*/*, "+gqlJSON, gqlJSON),
		ok("a browser's Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", jsonMT),
		ok("application/json refused by q=0, the rest by */*", "application/json;q=0, */*", gqlJSON),
		ok("malformed ranges are skipped", "garbage;;;, application/json", jsonMT),
		ok("an unknown type beside a known one", "text/plain, application/json", jsonMT),
		notAcceptable("text/html only", "text/html"),
		notAcceptable("application/xml", "application/xml"),
		notAcceptable("q=0 for the only type", "application/json;q=0"),
		notAcceptable("every type q=0", "application/json;q=0, "+gqlJSON+";q=0, */*;q=0"),
		notAcceptable("a charset the server does not write", "application/json; charset=iso-8859-1"),
		notAcceptable("nothing parses", "???, ;;;"),
		notAcceptable("a bad q-value", "application/json;q=2"),
		{name: "event stream only, over GET", method: http.MethodGet, path: getPath("{ stats { nodes } }"), header: accept("text/event-stream"),
			status: 406, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent},
		{name: "GraphQL over GET, graphql-response+json", method: http.MethodGet, path: getPath("{ stats { nodes } }"), header: accept(gqlJSON),
			status: 200, ctype: gqlJSON, data: dataNonNull},
	})

	t.Run("a POST with text/event-stream streams", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(okQuery))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream, application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") || !strings.Contains(string(body), `"nodes":7`) {
			t.Fatalf("status %d, Content-Type %q, body %.200s", resp.StatusCode, ct, body)
		}
	})
	t.Run("two Accept lines are one list", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(okQuery))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Add("Accept", "text/html")
		req.Header.Add("Accept", gqlJSON+";q=0.5")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); resp.StatusCode != 200 || mt != gqlJSON {
			t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
	t.Run("a browser opening /graphql gets GraphiQL", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/graphql", nil)
		req.Header.Set("Accept", "text/html")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

// TestGraphQLOverHTTPStatus: request errors answer 200 under
// application/json and 400 under graphql-response+json, with no data
// entry; field errors answer 200 with data; GET runs queries only.
func TestGraphQLOverHTTPStatus(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	body := func(query string, rest ...any) string {
		m := map[string]any{"query": query}
		for i := 0; i+1 < len(rest); i += 2 {
			m[rest[i].(string)] = rest[i+1]
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	twoOps := `query A { stats { nodes } } query B { stats { edges } }`
	costly := "" // eight neighbourhoods at the largest limit
	for i := range 8 {
		costly += fmt.Sprintf(`n%d: neighbors(id: "incident:test-heist", limit: 5000) { nodes { id label kind } edges { id from to kind } } `, i)
	}
	coerce := `query($f: Int!) { search(query: "exploiter", first: $f) { edges { cursor } } }`
	type requestErr struct {
		name, body, code, msg string
	}
	requestErrors := []requestErr{
		{"document does not parse", gqlParse, "GRAPHQL_PARSE_FAILED", ""},
		{"document does not validate", body(`{ nope }`), "GRAPHQL_VALIDATION_FAILED", "nope"},
		{"variable does not coerce", body(coerce, "variables", map[string]any{"f": "ten"}), "GRAPHQL_VALIDATION_FAILED", ""},
		{"required variable missing", body(coerce), "GRAPHQL_VALIDATION_FAILED", ""},
		{"unknown operationName", body(twoOps, "operationName", "C"), "GRAPHQL_VALIDATION_FAILED", `no operation named "C"`},
		{"several operations, no operationName", body(twoOps), "GRAPHQL_VALIDATION_FAILED", "name the one to run with operationName"},
		{"empty document", body(""), "GRAPHQL_VALIDATION_FAILED", ""},
		{"over the complexity limit", body("{" + costly + "}"), "COMPLEXITY_LIMIT_EXCEEDED", ""},
	}
	var cases []httpCase
	for _, e := range requestErrors {
		cases = append(cases,
			httpCase{name: e.name + ", application/json: 200", header: accept("application/json"), body: e.body,
				status: 200, ctype: jsonMT, code: e.code, msg: e.msg, data: dataAbsent},
			httpCase{name: e.name + ", graphql-response+json: 400", header: accept(gqlJSON), body: e.body,
				status: 400, ctype: gqlJSON, code: e.code, msg: e.msg, data: dataAbsent},
		)
	}
	getMutation := getPath(`mutation { deleteCase(id: "x") }`)
	cases = append(cases, []httpCase{
		{name: "operationName picks one of several", header: accept(gqlJSON), body: body(twoOps, "operationName", "B"),
			status: 200, ctype: gqlJSON, data: dataNonNull},
		{name: "a field error answers 200 with data, graphql-response+json", header: accept(gqlJSON),
			body: body(`{ stats { nodes } node(id: "not an id") { id } }`), status: 200, ctype: gqlJSON, code: "INVALID_ARGUMENT", data: dataNonNull},
		{name: "a field error answers 200 with data, application/json", header: accept("application/json"),
			body: body(`{ stats { nodes } node(id: "not an id") { id } }`), status: 200, ctype: jsonMT, code: "INVALID_ARGUMENT", data: dataNonNull},
		{name: "GET runs a query", method: http.MethodGet, path: getPath(`query($n: String!) { search(query: $n, first: 1) { edges { cursor } } }`, "variables", `{"n":"exploiter"}`),
			status: 200, ctype: jsonMT, data: dataNonNull},
		{name: "GET mutation, application/json: 405", method: http.MethodGet, path: getMutation, header: accept("application/json"),
			status: 405, ctype: jsonMT, code: "BAD_REQUEST", msg: "POST", data: dataAbsent, hdr: map[string]string{"Allow": "POST"}},
		{name: "GET mutation, graphql-response+json: 405", method: http.MethodGet, path: getMutation, header: accept(gqlJSON),
			status: 405, ctype: gqlJSON, code: "BAD_REQUEST", msg: "POST", data: dataAbsent, hdr: map[string]string{"Allow": "POST"}},
		{name: "GET subscription: 405", method: http.MethodGet, path: getPath(`subscription { ingestProgress(id: "x") { id } }`),
			status: 405, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent, hdr: map[string]string{"Allow": "POST"}},
		{name: "GET whose operationName picks the mutation: 405", method: http.MethodGet,
			path:   getPath(`query Q { stats { nodes } } mutation M { deleteCase(id: "x") }`, "operationName", "M"),
			status: 405, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent},
		{name: "GET whose operationName picks the query", method: http.MethodGet,
			path:   getPath(`query Q { stats { nodes } } mutation M { deleteCase(id: "x") }`, "operationName", "Q"),
			status: 200, ctype: jsonMT, data: dataNonNull},
		{name: "GET without a query", method: http.MethodGet, path: "/graphql?operationName=Q", header: accept(gqlJSON),
			status: 400, ctype: gqlJSON, code: "BAD_REQUEST", msg: "no query", data: dataAbsent},
		{name: "GET with the query twice", method: http.MethodGet, path: "/graphql?query=%7Bstats%7Bnodes%7D%7D&query=%7Bstats%7Bedges%7D%7D",
			status: 400, ctype: jsonMT, code: "BAD_REQUEST", msg: "appears 2 times", data: dataAbsent},
		{name: "GET variables not an object", method: http.MethodGet, path: getPath(`{ stats { nodes } }`, "variables", `[1]`),
			status: 400, ctype: jsonMT, code: "BAD_REQUEST", msg: "variables", data: dataAbsent},
		{name: "GET extensions not JSON", method: http.MethodGet, path: getPath(`{ stats { nodes } }`, "extensions", `{x`), header: accept(gqlJSON),
			status: 400, ctype: gqlJSON, code: "BAD_REQUEST", msg: "extensions", data: dataAbsent},
		{name: "GET with invalid UTF-8", method: http.MethodGet, path: "/graphql?query=%7B%FF%7D",
			status: 400, ctype: jsonMT, code: "BAD_REQUEST", msg: "UTF-8", data: dataAbsent},
		{name: "a mutation over POST is not refused for its method (this store keeps no cases)", body: body(`mutation { deleteCase(id: "x") }`),
			status: 200, ctype: jsonMT, code: "UNAVAILABLE"},
	}...)
	runCases(t, ts.Client(), ts.URL, cases)
}
