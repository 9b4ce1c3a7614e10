package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/casestix"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/server/admission"
)

// TestGraphQLOverHTTPBodies: a POST body that is not a well-formed
// GraphQL-over-HTTP request answers 400 under either media type, with a
// coded message in our words and no data entry; null parameters and
// members the spec reserves are accepted.
func TestGraphQLOverHTTPBodies(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	bad := []struct{ name, body, msg string }{
		{"empty body", "", "empty"},
		{"whitespace only", " \n\t ", "empty"},
		{"not JSON", "NONSENSE", "JSON object"},
		{"JSON cut short", `{"query":`, "JSON"},
		{"a JSON string", `"{ stats { nodes } }"`, "JSON object"},
		{"a JSON number", `42`, "JSON object"},
		{"JSON null", `null`, "JSON object"},
		{"query a number", `{"query": 42}`, `"query" must be a string`},
		{"query an object", `{"query": {"x": 1}}`, `"query" must be a string`},
		{"query an array", `{"query": ["{ stats { nodes } }"]}`, `"query" must be a string`},
		{"query a boolean", `{"query": false}`, `"query" must be a string`},
		{"no query", `{"variables": {}}`, "no query"},
		{"query null", `{"query": null}`, "no query"},
		{"query misspelt", `{"qeury": "{ stats { nodes } }"}`, "no query"},
		{"operationName a number", `{"query": "{ stats { nodes } }", "operationName": 1}`, `"operationName" must be a string`},
		{"variables a string", `{"query": "{ stats { nodes } }", "variables": "{}"}`, `"variables" must be an object`},
		{"variables an array", `{"query": "query Q($i: Int) { stats { nodes } }", "variables": [7]}`, `"variables" must be an object`},
		{"variables a number", `{"query": "{ stats { nodes } }", "variables": 0}`, `"variables" must be an object`},
		{"extensions a string", `{"query": "{ stats { nodes } }", "extensions": "x"}`, `"extensions" must be an object`},
		{"extensions an array", `{"query": "{ stats { nodes } }", "extensions": []}`, `"extensions" must be an object`},
		{"query twice", `{"query": "{ stats { nodes } }", "query": "mutation { deleteCase(id: \"x\") }"}`, `"query" appears twice`},
		{"variables twice", `{"query": "{ stats { nodes } }", "variables": {}, "variables": {}}`, `"variables" appears twice`},
		{"two JSON values", okQuery + okQuery, "more than one JSON value"},
		{"trailing garbage", okQuery + "x", "JSON"},
		{"invalid UTF-8", "{\"query\": \"{ stats { nodes } }\xff\"}", "UTF-8"},
		{"NUL in a string", "{\"query\": \"{ stats \x00{ nodes } }\"}", "invalid JSON"},
		{"nested 100,000 deep", `{"query": "{ stats { nodes } }", "variables": {"v": ` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}}`, "JSON"},
		{"a batch of two", `[` + okQuery + `,` + okQuery + `]`, "batched requests"},
		{"a batch of one", `[` + okQuery + `]`, "batched requests"},
		{"an empty batch", `[]`, "batched requests"},
	}
	var cases []httpCase
	for _, b := range bad {
		for _, acc := range []string{"", "application/json", gqlJSON} {
			want := jsonMT
			if acc == gqlJSON {
				want = gqlJSON
			}
			cases = append(cases, httpCase{name: b.name + " (Accept " + acc + ")", header: accept(acc), body: b.body,
				status: 400, ctype: want, code: "BAD_REQUEST", msg: b.msg, data: dataAbsent})
		}
	}
	for _, good := range []struct{ name, body string }{
		{"variables null", `{"query": "{ stats { nodes } }", "variables": null}`},
		{"operationName null", `{"query": "{ stats { nodes } }", "operationName": null}`},
		{"extensions null", `{"query": "{ stats { nodes } }", "extensions": null}`},
		{"extensions an object", `{"query": "{ stats { nodes } }", "extensions": {"some": "value"}}`},
		{"a reserved member is ignored", `{"query": "{ stats { nodes } }", "futureThing": [1, 2]}`},
		{"whitespace around the object", "\n " + okQuery + " \n"},
	} {
		cases = append(cases, httpCase{name: good.name, header: accept(gqlJSON), body: good.body, status: 200, ctype: gqlJSON, data: dataNonNull})
	}
	ct := func(v string) map[string]string { return map[string]string{"Content-Type": v, "Accept": gqlJSON} }
	unsupported := func(name, v, msg string) httpCase {
		return httpCase{name: name, header: ct(v), body: okQuery, status: 415, ctype: gqlJSON, code: "BAD_REQUEST", msg: msg, data: dataAbsent}
	}
	cases = append(cases,
		unsupported("no Content-Type", "", "no Content-Type"),
		unsupported("text/plain", "text/plain", "application/json"),
		unsupported("form-urlencoded", "application/x-www-form-urlencoded", "application/json"),
		unsupported("application/graphql", "application/graphql", "application/json"),
		unsupported("a malformed Content-Type", "application/json; charset", "application/json"),
		unsupported("UTF-16", "application/json; charset=utf-16", "UTF-8"),
		unsupported("Latin-1", "application/json; charset=iso-8859-1", "UTF-8"),
		httpCase{name: "charset=utf-8", header: ct("application/json; charset=utf-8"), body: okQuery, status: 200, ctype: gqlJSON, data: dataNonNull},
		httpCase{name: "charset=UTF-8", header: ct("application/json;charset=UTF-8"), body: okQuery, status: 200, ctype: gqlJSON, data: dataNonNull},
		httpCase{name: "a UTF-8 query beyond ASCII", header: accept(gqlJSON), body: `{"query":"{ search(query: \"Kim Il-sŏng 김일성\", first: 1) { edges { cursor } } }"}`,
			status: 200, ctype: gqlJSON, data: dataNonNull},
	)
	runCases(t, ts.Client(), ts.URL, cases)

	t.Run("two Content-Type headers", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(okQuery))
		req.Header.Add("Content-Type", "application/json")
		req.Header.Add("Content-Type", "text/plain")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415", resp.StatusCode)
		}
	})
}

// padded is a request body of exactly n bytes: okQuery and spaces.
func padded(n int) string { return okQuery + strings.Repeat(" ", n-len(okQuery)) }

// TestGraphQLOverHTTPBodyLimit: a body at the limit is read, one byte over
// is 413 naming the limit, with or without a Content-Length; the default
// fits 20,000 realistic IDs in nodes(ids:) and edges(ids:).
func TestGraphQLOverHTTPBodyLimit(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.MaxBodyBytes = 64 << 10
	small := start(t, openStore(t), cfg)
	over := httpCase{status: 413, ctype: gqlJSON, code: "LIMIT_EXCEEDED", msg: "64 KiB", data: dataAbsent}
	for _, c := range []struct {
		name    string
		n       int
		chunked bool
		want    httpCase
	}{
		{"at the limit", 64 << 10, false, httpCase{status: 200, ctype: gqlJSON, data: dataNonNull}},
		{"one byte over", 64<<10 + 1, false, over},
		{"one byte over, without Content-Length", 64<<10 + 1, true, over},
		{"a megabyte over, without Content-Length", 64<<10 + 1<<20, true, over},
		{"at the limit, without Content-Length", 64 << 10, true, httpCase{status: 200, ctype: gqlJSON, data: dataNonNull}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(padded(c.n))
			if c.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, small.URL+"/graphql", body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", gqlJSON)
			a := do(t, small.Client(), req)
			a.check(t, c.want)
		})
	}

	t.Run("20,000 realistic IDs fit the default", func(t *testing.T) {
		ts := start(t, openStore(t), server.DefaultConfig())
		nodeIDs, edgeIDs := make([]string, 20_000), make([]string, 20_000)
		for i := range nodeIDs {
			from, to := realisticWallet(i), realisticWallet(i+1)
			nodeIDs[i] = from
			edgeIDs[i] = from + ">TRANSFER>" + to + "#eth:0x" + strings.Repeat("5f", 32) + ":" + strconv.Itoa(i)
		}
		nodeIDs[0], edgeIDs[0] = idA, idA+">TRANSFER>"+idB+"#eth:"+txAB+":0"
		for _, q := range []struct {
			field string
			ids   []string
		}{{"nodes", nodeIDs}, {"edges", edgeIDs}} {
			b, _ := json.Marshal(map[string]any{"query": "query($ids: [ID!]!) { " + q.field + "(ids: $ids) { id } }", "variables": map[string]any{"ids": q.ids}})
			if int64(len(b)) <= 1<<20 {
				t.Fatalf("%s: the body is %d bytes: not the case the issue names (over 1 MiB)", q.field, len(b))
			}
			t.Logf("%s(ids:) with 20,000 IDs: %.2f MiB of body, limit %d MiB", q.field, float64(len(b))/(1<<20), server.DefaultMaxBodyBytes>>20)
			began := time.Now()
			resp, out := post(t, ts, gqlJSON, map[string]any{"query": "query($ids: [ID!]!) { " + q.field + "(ids: $ids) { id } }", "variables": map[string]any{"ids": q.ids}})
			t.Logf("%s(ids:) with 20,000 IDs answered in %s", q.field, time.Since(began).Round(time.Millisecond))
			if resp.StatusCode != 200 || len(out.Errors) > 0 {
				t.Fatalf("%s: status %d, errors %+v", q.field, resp.StatusCode, out.Errors)
			}
			var data map[string][]*struct{ ID string }
			mustDecode(t, out.Data, &data)
			if got := data[q.field]; len(got) != len(q.ids) || (q.field == "nodes" && (got[0] == nil || got[0].ID != idA)) {
				t.Fatalf("%s: %d answers, first %+v", q.field, len(got), got[0])
			}
		}
	})
}

// TestBodyLimitFitsCaseLimits: the default body limit holds what the case
// API accepts: a case view of cases.MaxViewBytes (saveCase's view, a JSON
// object) and a STIX bundle of casestix.MaxBundleBytes (importCaseStix's
// bundle, a JSON string, so escaped once more).
func TestBodyLimitFitsCaseLimits(t *testing.T) {
	st := openStore(t)
	cs, err := cases.Open(t.Context(), st.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	cfg := server.DefaultConfig()
	cfg.Cases = cs
	cfg.QueryTimeout = 2 * time.Minute // the subject is the body limit, not the speed of an 8 MiB save
	ts := start(t, st, cfg)

	t.Run("a case view at its limit", func(t *testing.T) {
		// The most nodes and edges a view may hold, with positions, and
		// analysts' notes to just under the byte limit.
		nodes, edges := make([]map[string]any, 20_000), make([]string, 20_000)
		for i := range nodes {
			nodes[i] = map[string]any{"id": realisticWallet(i), "x": -1234.567, "y": 8901.234}
			edges[i] = realisticWallet(i) + ">TRANSFER>" + realisticWallet(i+1) + "#eth:0x" + strings.Repeat("5f", 32) + ":" + strconv.Itoa(i)
		}
		view := map[string]any{"v": 1, "nodes": nodes, "edges": edges, "groups": []any{}, "filters": map[string]any{}}
		b, _ := json.Marshal(view)
		note := strings.Repeat("Peel chain hop seen in the exchange's deposit records. ", 18)
		entry, _ := json.Marshal(map[string]any{"node": realisticWallet(0), "text": note}) // every entry's length
		var notes []map[string]any
		for n := len(b) + len(`,"notes":[]`); n+len(entry)+1 <= cases.MaxViewBytes; n += len(entry) + 1 {
			notes = append(notes, map[string]any{"node": realisticWallet(len(notes)), "text": note})
		}
		view["notes"] = notes
		if b, _ = json.Marshal(view); len(b) > cases.MaxViewBytes {
			t.Fatalf("the view is %d bytes, over %d", len(b), cases.MaxViewBytes)
		}
		body, _ := json.Marshal(map[string]any{"query": `mutation($v: JSON!) { saveCase(name: "at the limit", view: $v) { id } }`, "variables": map[string]any{"v": view}})
		t.Logf("a view of %.3f MiB (limit %d MiB) is a body of %.2f MiB (limit %d MiB)",
			float64(len(b))/(1<<20), cases.MaxViewBytes>>20, float64(len(body))/(1<<20), server.DefaultMaxBodyBytes>>20)
		resp, out := post(t, ts, gqlJSON, map[string]any{"query": `mutation($v: JSON!) { saveCase(name: "at the limit", view: $v) { id } }`, "variables": map[string]any{"v": view}})
		if resp.StatusCode != 200 || len(out.Errors) > 0 {
			t.Fatalf("status %d, errors %+v", resp.StatusCode, out.Errors)
		}
	})
	t.Run("a STIX bundle at its limit", func(t *testing.T) {
		raw, err := os.ReadFile(stixFile)
		if err != nil {
			t.Fatal(err)
		}
		var real struct {
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(raw, &real); err != nil {
			t.Fatal(err)
		}
		// ATT&CK's own objects, over and over, to just under the limit.
		var bundle bytes.Buffer
		bundle.WriteString(`{"type":"bundle","id":"bundle--0b1c8c8e-3c55-4a53-9d0e-6f1c7d2f41a7","objects":[`)
		for i := 0; ; i++ {
			o := real.Objects[i%len(real.Objects)]
			if bundle.Len()+len(o)+3 > casestix.MaxBundleBytes {
				break
			}
			if i > 0 {
				bundle.WriteByte(',')
			}
			bundle.Write(o)
		}
		bundle.WriteString(`]}`)
		body, _ := json.Marshal(map[string]any{"query": `mutation($b: String!) { importCaseStix(bundle: $b) { nodes } }`, "variables": map[string]any{"b": bundle.String()}})
		t.Logf("a bundle of %.2f MiB (limit %d MiB) is a body of %.2f MiB (limit %d MiB)",
			float64(bundle.Len())/(1<<20), casestix.MaxBundleBytes>>20, float64(len(body))/(1<<20), server.DefaultMaxBodyBytes>>20)
		resp, out := post(t, ts, gqlJSON, map[string]any{"query": `mutation($b: String!) { importCaseStix(bundle: $b) { nodes } }`, "variables": map[string]any{"b": bundle.String()}})
		// The bundle repeats its objects, so the import refuses it; the
		// transport must not.
		if resp.StatusCode == http.StatusRequestEntityTooLarge || out.code() == "LIMIT_EXCEEDED" {
			t.Fatalf("status %d, errors %+v", resp.StatusCode, out.Errors)
		}
	})
}

// realisticWallet is an Ethereum wallet ID as the store writes them.
func realisticWallet(i int) string { return fmt.Sprintf("wallet:eth:0x%040x", i*7919) }

// TestGraphQLOverHTTPRefusals: the refusals of the HTTP layers (401, 403,
// 404, 405, 406, 413, 415, 421, 429) are JSON errors with a code and the
// request's ID, and 429 and 503 say when to come back.
func TestGraphQLOverHTTPRefusals(t *testing.T) {
	cfg := server.WithTestAuth(t, server.DefaultConfig())
	ts := start(t, openStore(t), cfg)
	viewer := server.NewTestToken(t, cfg.Identity, "fiu", "vic@fiu.example", "viewer", "read")
	anonymous := &http.Client{}
	bearer := func(tok string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + tok, "Accept": gqlJSON}
	}
	runCases(t, anonymous, ts.URL, []httpCase{
		{name: "401 without credentials", body: okQuery, status: 401, ctype: jsonMT, code: "UNAUTHENTICATED", data: dataAbsent},
		{name: "401 with a wrong token", header: bearer("rt_nope_nope"), body: okQuery, status: 401, ctype: jsonMT, code: "UNAUTHENTICATED", data: dataAbsent},
		{name: "403 for an upload by a viewer", header: map[string]string{"Authorization": "Bearer " + viewer, "Content-Type": "multipart/form-data; boundary=x", "GraphQL-Require-Preflight": "1", "Accept": gqlJSON},
			body: "--x--\r\n", status: 403, ctype: gqlJSON, code: "FORBIDDEN", data: dataAbsent},
		{name: "403 for a mutation the role may not run", header: bearer(viewer), body: `{"query":"mutation { deleteCase(id: \"x\") }"}`,
			status: 403, ctype: gqlJSON, code: "FORBIDDEN"},
	})
	runCases(t, ts.Client(), ts.URL, []httpCase{
		{name: "404 under /graphql/", method: http.MethodGet, path: "/graphql/x", status: 404, ctype: jsonMT, code: "NOT_FOUND", data: dataAbsent},
		{name: "404 under /healthz/", method: http.MethodGet, path: "/healthz/x", status: 404, ctype: jsonMT, code: "NOT_FOUND", data: dataAbsent},
		{name: "405 PUT /graphql", method: http.MethodPut, body: okQuery, status: 405, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent,
			hdr: map[string]string{"Allow": "GET, POST, OPTIONS"}},
		{name: "405 POST /healthz", path: "/healthz", body: okQuery, status: 405, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent,
			hdr: map[string]string{"Allow": "GET, HEAD"}},
		{name: "406", header: accept("text/csv"), body: okQuery, status: 406, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent},
		{name: "413", header: accept(gqlJSON), body: padded(int(server.DefaultMaxBodyBytes) + 1), status: 413, ctype: gqlJSON, code: "LIMIT_EXCEEDED", msg: "10 MiB", data: dataAbsent},
		{name: "415", header: map[string]string{"Content-Type": "text/plain"}, body: okQuery, status: 415, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent},
	})

	t.Run("421 for a foreign Host", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(okQuery))
		req.Host = "attacker.example"
		req.Header.Set("Content-Type", "application/json")
		checkRefusal(t, ts.Client(), req, 421, "FORBIDDEN")
	})
	t.Run("503 when credentials cannot be checked, with Retry-After", func(t *testing.T) {
		idStore, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := identity.New(idStore.State(), identity.Options{Argon2: server.CheapArgon2})
		if err != nil {
			t.Fatal(err)
		}
		c := server.DefaultConfig()
		c.Identity = ids
		broken := start(t, openStore(t), c)
		token := server.NewTestToken(t, ids, "fiu", "ana@fiu.example", "analyst", "read")
		_ = idStore.Close() // the identity store fails from now on
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, broken.URL+"/graphql", strings.NewReader(okQuery))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		a := checkRefusal(t, anonymous, req, 503, "UNAVAILABLE")
		if a.resp.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	})
	t.Run("a client's request ID comes back in the error", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(gqlParse))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", "notebook-cell-7")
		a := checkRefusal(t, ts.Client(), req, 200, "GRAPHQL_PARSE_FAILED")
		if got := a.errors[0].Extensions["requestId"]; got != "notebook-cell-7" {
			t.Fatalf("requestId %v, want the client's", got)
		}
	})
	t.Run("429 after too many wrong tokens, with Retry-After", func(t *testing.T) {
		var last *http.Response
		for range 40 {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(okQuery))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer rt_wrong_wrong")
			resp, err := anonymous.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if last = resp; resp.StatusCode == http.StatusTooManyRequests {
				break
			}
		}
		if last.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("40 wrong tokens: still %d", last.StatusCode)
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(okQuery))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer rt_wrong_wrong")
		a := checkRefusal(t, anonymous, req, 429, "TOO_MANY_REQUESTS")
		if a.resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}

// checkRefusal sends req and checks the answer is one coded JSON error
// carrying the request's ID.
func checkRefusal(t *testing.T, client *http.Client, req *http.Request, status int, code string) answer {
	t.Helper()
	a := do(t, client, req)
	a.check(t, httpCase{status: status, code: code, data: dataAbsent})
	return a
}

// TestGraphQLOverHTTPAdmission: admission's refusals (429 for a client
// over its allowance, 503 for a full lane) are coded errors in the
// negotiated media type, with the request's ID and Retry-After.
func TestGraphQLOverHTTPAdmission(t *testing.T) {
	armed := new(atomic.Bool)
	armed.Store(true)
	store := gatedTopology{Store: openStore(t), armed: armed, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	cfg := server.DefaultConfig()
	cfg.Admission = admission.Config{
		Lanes:     [admission.NumClasses]admission.Lane{admission.Heavy: {Running: 1, Queue: 0}},
		PerClient: 1, PerClientHeavy: 1,
	}
	ts := start(t, store, cfg)
	heavy := `{"query":"{ exposure(id: \"` + idA + `\") { truncated } }"}`

	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(store.gate)
	wg.Go(func() {
		_, _ = clientAt(t, net.IPv4(127, 0, 0, 1)).Post(ts.URL+"/graphql", "application/json", strings.NewReader(heavy))
	})
	<-store.entered // 127.0.0.1 holds the heavy lane's one slot

	for _, c := range []struct {
		from net.IP
		c    httpCase
	}{
		{net.IPv4(127, 0, 0, 1), httpCase{name: "429, application/json", header: accept("application/json"), body: okQuery,
			status: 429, ctype: jsonMT, code: "TOO_MANY_REQUESTS", data: dataAbsent}},
		{net.IPv4(127, 0, 0, 1), httpCase{name: "429, graphql-response+json", header: accept(gqlJSON), body: okQuery,
			status: 429, ctype: gqlJSON, code: "TOO_MANY_REQUESTS", data: dataAbsent}},
		{net.IPv4(127, 0, 0, 2), httpCase{name: "503, application/json", header: accept("application/json"), body: heavy,
			status: 503, ctype: jsonMT, code: "UNAVAILABLE", data: dataAbsent}},
		{net.IPv4(127, 0, 0, 3), httpCase{name: "503, graphql-response+json", header: accept(gqlJSON), body: heavy,
			status: 503, ctype: gqlJSON, code: "UNAVAILABLE", data: dataAbsent}},
	} {
		t.Run(c.c.name, func(t *testing.T) {
			a := exchange(t, clientAt(t, c.from), ts.URL, c.c)
			a.check(t, c.c)
			if a.resp.Header.Get("Retry-After") == "" {
				t.Errorf("%d without Retry-After", a.resp.StatusCode)
			}
		})
	}
}

// TestGraphQLOverHTTPUploads: a multipart request follows the same rules:
// request errors by media type without data, its JSON parts bounded by
// the body limit.
func TestGraphQLOverHTTPUploads(t *testing.T) {
	st := openStore(t)
	jm, err := jobs.New(st, jobs.Config{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg := server.DefaultConfig()
	cfg.Jobs, cfg.MaxBodyBytes = jm, 64<<10
	ts := start(t, st, cfg)
	multipart := func(query string, vars map[string]any) (ctype, body string) {
		var buf bytes.Buffer
		ctype, write := multipartBody(t, &buf, query, vars, []upFile{{path: "u.0", name: "x.jsonl", content: strings.NewReader("{}\n")}})
		if err := write(); err != nil {
			t.Fatal(err)
		}
		return ctype, buf.String()
	}
	upload := `mutation($u: [Upload!]) { startIngest(format: "native", uploads: $u) { id } }`
	invalidType, invalid := multipart(`mutation($u: [Upload!]) { startIngest(format: "native", uploads: $u) { nope } }`, map[string]any{"u": []any{nil}})
	bigType, big := multipart(upload, map[string]any{"u": []any{nil}, "pad": strings.Repeat("x", 64<<10)})
	hdr := func(ctype, acc string) map[string]string {
		return map[string]string{"Content-Type": ctype, "GraphQL-Require-Preflight": "1", "Accept": acc}
	}
	runCases(t, ts.Client(), ts.URL, []httpCase{
		{name: "validation failure, application/json", header: hdr(invalidType, "application/json"), body: invalid,
			status: 200, ctype: jsonMT, code: "GRAPHQL_VALIDATION_FAILED", data: dataAbsent},
		{name: "validation failure, graphql-response+json", header: hdr(invalidType, gqlJSON), body: invalid,
			status: 400, ctype: gqlJSON, code: "GRAPHQL_VALIDATION_FAILED", data: dataAbsent},
		{name: "operations part over the body limit", header: hdr(bigType, gqlJSON), body: big,
			status: 413, code: "LIMIT_EXCEEDED", msg: "64 KiB", data: dataAbsent},
		{name: "406 before a byte is read", header: hdr(bigType, "text/html"), body: big,
			status: 406, ctype: jsonMT, code: "BAD_REQUEST", data: dataAbsent},
	})
}
