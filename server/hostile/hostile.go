// Package hostile is a corpus of hostile HTTP requests against Redthread's
// API: the shapes that once crashed the server, took it to gigabytes or
// kept it busy past every deadline (issue 14), and their variants. The
// server's tests send it in process, the end-to-end tests to the real
// binary, and the HTTP fuzz target starts from it.
package hostile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Request is one hostile request and what a well-defended server answers.
type Request struct {
	Name   string
	Method string
	Path   string // with its query string
	Header map[string]string
	Body   []byte
	// Status lists the acceptable statuses; Code the acceptable
	// extensions.code values of the first error ("" when the answer may
	// be data, as for a harmless request).
	Status []int
	Code   []string
}

// Build returns r as an HTTP request to base (scheme and host). A "Host"
// entry of Header becomes the request's Host.
func (r Request) Build(base string) (*http.Request, error) {
	req, err := http.NewRequest(r.Method, base+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

// Check returns what is wrong with an answer to r, or "".
func (r Request) Check(status int, body []byte) string {
	if !slices.Contains(r.Status, status) {
		return fmt.Sprintf("status %d, want one of %v", status, r.Status)
	}
	if m := Leak.Find(body); m != nil {
		return fmt.Sprintf("the answer leaks %q", m)
	}
	var out struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "the answer is not JSON"
	}
	if len(r.Code) == 0 {
		return ""
	}
	if len(out.Errors) == 0 {
		return fmt.Sprintf("no error, want one coded %v", r.Code)
	}
	code, _ := out.Errors[0].Extensions["code"].(string)
	if !slices.Contains(r.Code, code) {
		return fmt.Sprintf("code %q (%q), want one of %v", code, out.Errors[0].Message, r.Code)
	}
	if out.Errors[0].Message == "" {
		return "an error without a message"
	}
	return ""
}

// Leak matches text that must never reach a client: Go's error wording,
// file paths, stack traces, driver messages.
var Leak = regexp.MustCompile(`json: |cannot unmarshal|invalid character|multipart: |NextPart|malformed MIME|strconv\.|unexpected EOF|\bEOF\b|\.go:\d|/tmp/|/work/|/root/|goroutine \d|runtime error|panic|nil pointer|Neo4jError|bbolt: |http: `)

// Corpus returns the requests. They are built, not stored: several are a
// megabyte of text.
func Corpus() []Request {
	var rs []Request
	add := func(r Request) {
		if r.Method == "" {
			r.Method = http.MethodPost
		}
		if r.Path == "" {
			r.Path = "/graphql"
		}
		if r.Header == nil && r.Method == http.MethodPost {
			r.Header = map[string]string{"Content-Type": "application/json"}
		}
		rs = append(rs, r)
	}
	limit := []string{"LIMIT_EXCEEDED"}
	refused := []int{200, 400, 413}
	bad := []int{400}

	// Item 2: one alias, different arguments: the merge rule's N² errors.
	add(Request{Name: "conflicting aliases, 4000 fields (140 KB)", Body: gql(repeatN(4000, func(i int) string { return fmt.Sprintf(`a: node(id:"wallet:btc:%d")`, i) })), Status: refused, Code: limit})
	add(Request{Name: "conflicting aliases, 1000 fields", Body: gql(repeatN(1000, func(i int) string { return fmt.Sprintf(`a:node(id:"x%d"){id}`, i) })), Status: refused, Code: limit})
	add(Request{Name: "conflicting aliases, 17 fields", Body: gql(repeatN(17, func(i int) string { return fmt.Sprintf(`a:node(id:"x%d"){id}`, i) })), Status: refused, Code: limit})
	add(Request{Name: "same name nested under merged parents", Body: gql(repeatN(16, func(int) string {
		return "a:stats{" + repeatN(16, func(int) string { return "nodes" }) + "}"
	})), Status: refused, Code: limit})
	add(Request{Name: "90,000 __typename (1 MB)", Body: gql(strings.Repeat("__typename ", 90_000)), Status: []int{200, 400, 413}, Code: limit})
	add(Request{Name: "3,000 distinct aliases", Body: gql(repeatN(3000, func(i int) string { return fmt.Sprintf("a%d:__typename", i) })), Status: refused, Code: limit})

	add(Request{Name: "150 aliased __schema (6 MB answer)", Body: gql(repeatN(150, func(i int) string {
		return fmt.Sprintf("s%d:__schema{types{name description fields{name description}}}", i)
	})), Status: refused, Code: limit})

	// Item 3: aliased investigation queries.
	add(Request{Name: "100 aliased moneyFlow", Body: gql(repeatN(100, func(i int) string {
		return fmt.Sprintf(`f%d:moneyFlow(from:["incident:coincheck-2018"]){routeCount}`, i)
	})), Status: refused, Code: []string{"COMPLEXITY_LIMIT_EXCEEDED", "LIMIT_EXCEEDED"}})
	add(Request{Name: "200 aliased cluster", Body: gql(repeatN(200, func(i int) string {
		return fmt.Sprintf(`c%d:cluster(id:"wallet:btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"){size}`, i)
	})), Status: refused, Code: []string{"COMPLEXITY_LIMIT_EXCEEDED", "LIMIT_EXCEEDED"}})
	add(Request{Name: "500 aliased shortestPath(asOf:)", Body: gql(repeatN(500, func(i int) string {
		return fmt.Sprintf(`p%d:shortestPath(from:"incident:coincheck-2018",to:"threat_group:lazarus-group",asOf:"2020-01-01T00:00:00Z"){length}`, i)
	})), Status: refused, Code: []string{"COMPLEXITY_LIMIT_EXCEEDED", "LIMIT_EXCEEDED"}})

	// Item 4: work outside every deadline.
	add(Request{Name: "fragment fan-out 2^26 (1 KB)", Body: mustJSON(map[string]any{"query": fanOutDoc(26)}), Status: refused, Code: limit})
	add(Request{Name: "fragment fan-out as a cross-site GET", Method: http.MethodGet, Path: "/graphql?query=" + urlEscape(fanOutDoc(26)), Status: refused, Code: limit})
	add(Request{Name: "fragment cycle", Body: gql("...A", "fragment A on Query { ...B } fragment B on Query { ...A }"), Status: []int{200, 400, 422}, Code: []string{"GRAPHQL_VALIDATION_FAILED"}})
	add(Request{Name: "deep nesting", Body: gql(strings.Repeat("stats{", 5000) + strings.Repeat("}", 5000)), Status: []int{200, 400, 422}, Code: []string{"LIMIT_EXCEEDED", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "DEPTH_LIMIT_EXCEEDED"}})
	add(Request{Name: "1000 directives", Body: gql("stats" + strings.Repeat(" @include(if:true)", 1000) + "{nodes}"), Status: refused, Code: limit})
	add(Request{Name: "30,000 tokens of arguments", Body: gql(`search(query:"x", kinds:[` + strings.Repeat("WALLET,", 25_000) + `]){edges{cursor}}`), Status: refused, Code: limit})
	add(Request{Name: "long field name", Body: gql(strings.Repeat("x", 200_000)), Status: refused, Code: limit})

	// Item 9: malformed requests, answered with codes and our words.
	add(Request{Name: "not JSON", Body: []byte(`{"query": {`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "query is a number", Body: []byte(`{"query": 42}`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "variables is a string", Body: []byte(`{"query":"{stats{nodes}}","variables":"x"}`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "batched array", Body: []byte(`[{"query":"{stats{nodes}}"}]`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "two JSON values", Body: []byte(`{"query":"{stats{nodes}}"}{"query":"{stats{nodes}}"}`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "empty body", Body: nil, Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "JSON nested 100,000 deep in variables", Body: []byte(`{"query":"{stats{nodes}}","variables":{"v":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}}`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "invalid UTF-8 and NUL in the query", Body: []byte("{\"query\":\"{ stats \xff\x00 { nodes } }\"}"), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "body over the limit", Body: gql(`stats{nodes}` + strings.Repeat(" ", 10<<20)), Status: []int{413}, Code: limit})
	add(Request{Name: "text/plain body", Header: map[string]string{"Content-Type": "text/plain"}, Body: []byte(`{"query":"{stats{nodes}}"}`), Status: []int{415}, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "bad variables in GET", Method: http.MethodGet, Path: "/graphql?query=%7Bstats%7Bnodes%7D%7D&variables=%7Bx", Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "bad URL encoding in GET", Method: http.MethodGet, Path: "/graphql?query=%zz", Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "mutation over GET", Method: http.MethodGet, Path: "/graphql?query=" + urlEscape(`mutation{saveCase(name:"x",view:{}){id}}`), Status: []int{405, 200, 400}, Code: []string{"BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED"}})
	add(Request{Name: "PUT", Method: http.MethodPut, Body: gql("stats{nodes}"), Status: []int{405}, Code: []string{"BAD_REQUEST"}})
	// Issue 18: GraphQL over HTTP's edges.
	add(Request{Name: "query member twice", Body: []byte(`{"query":"{stats{nodes}}","query":"mutation{deleteCase(id:\"x\")}"}`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "UTF-16 body", Header: map[string]string{"Content-Type": "application/json; charset=utf-16"}, Body: []byte("\xff\xfe{\x00}\x00"), Status: []int{415}, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "Accept nothing the server writes", Header: map[string]string{"Content-Type": "application/json", "Accept": "text/html;q=1, application/json;q=0"}, Body: gql("stats{nodes}"), Status: []int{406}, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "Accept of 4,000 ranges (40 KB)", Header: map[string]string{"Content-Type": "application/json", "Accept": strings.Repeat("a/b;q=0.5,", 4000)}, Body: gql("stats{nodes}"), Status: []int{406}, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "query twice in GET", Method: http.MethodGet, Path: "/graphql?query=%7Bstats%7Bnodes%7D%7D&query=" + urlEscape(`mutation{deleteCase(id:"x")}`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "a batch of 10,000 operations", Body: []byte("[" + strings.Repeat(`{"query":"{stats{nodes}}"},`, 9_999) + `{"query":"{stats{nodes}}"}]`), Status: bad, Code: []string{"BAD_REQUEST"}})
	add(Request{Name: "Upload variable sent as JSON", Body: mustJSON(map[string]any{
		"query":     `mutation($f: [Upload!]){ startIngest(format: "ofac-csv", uploads: $f){ id } }`,
		"variables": map[string]any{"f": []any{"x"}},
	}), Status: []int{200, 400, 422}, Code: []string{"INVALID_ARGUMENT"}})
	add(Request{Name: "Time variable of the wrong JSON type", Body: mustJSON(map[string]any{
		"query":     `query($t: Time){ neighbors(id: "threat_group:lazarus-group", since: $t){ truncated } }`,
		"variables": map[string]any{"t": map[string]any{"x": 1}},
	}), Status: []int{200, 400, 422}, Code: []string{"INVALID_ARGUMENT"}})
	add(Request{Name: "multipart without a boundary", Header: map[string]string{"Content-Type": "multipart/form-data", "GraphQL-Require-Preflight": "1"}, Body: []byte("--x\r\n"), Status: []int{400, 403, 415}, Code: []string{"BAD_REQUEST", "INVALID_ARGUMENT", "FORBIDDEN"}})
	add(Request{Name: "multipart truncated", Header: map[string]string{"Content-Type": "multipart/form-data; boundary=x", "GraphQL-Require-Preflight": "1"}, Body: []byte("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":"), Status: []int{400, 403}, Code: []string{"BAD_REQUEST", "INVALID_ARGUMENT", "FORBIDDEN"}})
	add(Request{Name: "multipart malformed part header", Header: map[string]string{"Content-Type": "multipart/form-data; boundary=x", "GraphQL-Require-Preflight": "1"}, Body: []byte("--x\r\nthis is not a header\r\n\r\n{}\r\n--x--\r\n"), Status: []int{400, 403}, Code: []string{"BAD_REQUEST", "INVALID_ARGUMENT", "FORBIDDEN"}})

	// Issue 17: STIX bundles are refused before anything is written.
	stix := func(bundle string) []byte {
		return mustJSON(map[string]any{"query": `mutation($b: String!){ importCaseStix(bundle: $b){ nodes } }`, "variables": map[string]any{"b": bundle}})
	}
	add(Request{Name: "STIX bundle nested 100,000 deep", Body: stix(`{"type":"bundle","objects":[` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `]}`), Status: refused, Code: limit})
	add(Request{Name: "STIX bundle with one id twice", Body: stix(`{"type":"bundle","objects":[{"type":"note","id":"note--0b1c8c8e-3c55-4a53-9d0e-6f1c7d2f41a7"},{"type":"note","id":"note--0b1c8c8e-3c55-4a53-9d0e-6f1c7d2f41a7"}]}`), Status: refused, Code: []string{"INVALID_ARGUMENT"}})
	add(Request{Name: "5 aliased importCaseStix", Body: mustJSON(map[string]any{"query": "mutation{" + repeatN(5, func(i int) string { return fmt.Sprintf(`i%d:importCaseStix(bundle:"{}"){nodes}`, i) }) + "}"}), Status: refused, Code: []string{"COMPLEXITY_LIMIT_EXCEEDED", "LIMIT_EXCEEDED"}})

	// Item 8: DNS rebinding.
	add(Request{Name: "foreign Host", Header: map[string]string{"Content-Type": "application/json", "Host": "attacker.example"}, Body: gql("stats{nodes}"), Status: []int{421}, Code: []string{"FORBIDDEN"}})
	add(Request{Name: "foreign Host on the UI", Method: http.MethodGet, Path: "/", Header: map[string]string{"Host": "rebound.attacker.example:8080"}, Status: []int{421}, Code: []string{"FORBIDDEN"}})
	add(Request{Name: "foreign Host on an upload", Header: map[string]string{"Content-Type": "multipart/form-data; boundary=x", "Host": "attacker.example", "GraphQL-Require-Preflight": "1"}, Body: []byte("--x--\r\n"), Status: []int{421}, Code: []string{"FORBIDDEN"}})
	return rs
}

// gql is a POST body running the selection set sel, with extra
// definitions after it.
func gql(sel string, extra ...string) []byte {
	return mustJSON(map[string]any{"query": "{" + sel + "}" + strings.Join(extra, " ")})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings: cannot fail
	}
	return b
}

func repeatN(n int, f func(int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
		b.WriteByte(' ')
	}
	return b.String()
}

// fanOutDoc is a document whose fragment Fi spreads F(i+1) twice: n
// levels are 2^n fields to any walk that follows spreads.
func fanOutDoc(n int) string {
	var b strings.Builder
	b.WriteString("query{...F0}")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query{...F%d ...F%d}", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query{__typename}", n)
	return b.String()
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
