package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/web"
)

func TestSearchPagination(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	const q = `query($after: String) { search(query: "exploiter", kinds: [WALLET], first: 1, after: $after) {
		edges { cursor score node { id ... on Wallet { chain } } }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	type page struct {
		Search struct {
			Edges []struct {
				Cursor string
				Score  float64
				Node   struct{ ID, Chain string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
	var seen []string
	var after any
	for i := range 3 {
		resp := query(t, ts, q, map[string]any{"after": after})
		if len(resp.Errors) > 0 {
			t.Fatalf("page %d: %+v", i, resp.Errors)
		}
		var p page
		mustDecode(t, resp.Data, &p)
		s := p.Search
		if len(s.Edges) != 1 {
			t.Fatalf("page %d has %d edges, want 1: %s", i, len(s.Edges), resp.Data)
		}
		e := s.Edges[0]
		seen = append(seen, e.Node.ID)
		if e.Node.Chain != "ETH" || e.Score <= 0 || e.Cursor == "" {
			t.Errorf("page %d edge = %+v", i, e)
		}
		if s.PageInfo.EndCursor == nil || *s.PageInfo.EndCursor != e.Cursor || s.PageInfo.StartCursor == nil || *s.PageInfo.StartCursor != e.Cursor {
			t.Errorf("page %d pageInfo cursors = %v, %v; want the edge's cursor %q", i, s.PageInfo.StartCursor, s.PageInfo.EndCursor, e.Cursor)
		}
		if s.PageInfo.HasPreviousPage != (i > 0) {
			t.Errorf("page %d hasPreviousPage = %v", i, s.PageInfo.HasPreviousPage)
		}
		if !s.PageInfo.HasNextPage {
			if i != 1 {
				t.Errorf("page %d is the last, want 2 pages", i)
			}
			break
		}
		after = *s.PageInfo.EndCursor
	}
	slices.Sort(seen)
	if want := []string{idC, idB}; !slices.Equal(seen, slices.Sorted(slices.Values(want))) {
		t.Errorf("pages found %v, want %v once each", seen, want)
	}
}

func TestLimits(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.ComplexityLimit = 200
	cfg.DepthLimit = 4
	ts := start(t, openStore(t), cfg)

	tests := []struct {
		name       string
		accept     string
		query      string
		wantCode   string
		wantStatus int
	}{
		{
			name:       "within the limits",
			accept:     "application/graphql-response+json",
			query:      `{ search(query: "exploiter", first: 5) { edges { node { id } } } }`,
			wantStatus: http.StatusOK,
		},
		{
			name:       "complexity scaled by first",
			accept:     "application/graphql-response+json",
			query:      `{ search(query: "exploiter", first: 100) { edges { node { id label } } } }`,
			wantCode:   "COMPLEXITY_LIMIT_EXCEEDED",
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "complexity scaled by limit, legacy JSON answers 200",
			accept:     "application/json",
			query:      `{ neighbors(id: "incident:test-heist", limit: 1000) { nodes { id } } }`,
			wantCode:   "COMPLEXITY_LIMIT_EXCEEDED",
			wantStatus: http.StatusOK,
		},
		{
			name:       "too deep",
			accept:     "application/graphql-response+json",
			query:      `{ neighbors(id: "incident:test-heist", limit: 1) { edges { fromNode { sources { dataset } } } } }`,
			wantCode:   "DEPTH_LIMIT_EXCEEDED",
			wantStatus: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			httpResp, resp := post(t, ts, tt.accept, map[string]any{"query": tt.query})
			if httpResp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", httpResp.StatusCode, tt.wantStatus)
			}
			if got := resp.code(); got != tt.wantCode {
				t.Errorf("code = %q (%+v), want %q", got, resp.Errors, tt.wantCode)
			}
			if tt.wantCode != "" && len(resp.Data) > 0 && string(resp.Data) != "null" {
				t.Errorf("refused operation returned data %s", resp.Data)
			}
		})
	}
}

func TestQueryDeadline(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.QueryTimeout = time.Nanosecond // past before any resolver starts
	ts := start(t, openStore(t), cfg)
	resp := query(t, ts, `{ stats { nodes } node(id: "incident:test-heist") { id } }`, nil)
	if resp.code() != "TIMEOUT" {
		t.Fatalf("errors = %+v, want TIMEOUT", resp.Errors)
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] != "TIMEOUT" || e.Message != "the query ran past its deadline" {
			t.Errorf("error %+v, want TIMEOUT with the deadline message", e)
		}
	}
}

// panicky is a store whose Stats panics, standing in for a resolver bug.
type panicky struct{ *boltstore.Store }

func (panicky) Stats(context.Context) (graph.Stats, error) { panic("boom: secret detail") }

func TestPanicIsInternal(t *testing.T) {
	var logs syncBuffer
	ts := server.ServeTest(t, server.New(panicky{openStore(t)}, server.WithTestAuth(t, server.DefaultConfig()), slog.New(slog.NewTextHandler(&logs, nil))).Handler())
	resp := query(t, ts, `{ stats { nodes } }`, nil)
	if resp.code() != "INTERNAL" || resp.Errors[0].Message != "internal error" {
		t.Fatalf("errors = %+v, want INTERNAL without details", resp.Errors)
	}
	if !strings.Contains(logs.String(), `msg="panic in graphql resolver" panic="boom: secret detail"`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

// syncBuffer is a log destination safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLog(t *testing.T) {
	var logs syncBuffer
	ts := server.ServeTest(t, server.New(openStore(t), server.WithTestAuth(t, server.DefaultConfig()), slog.New(slog.NewTextHandler(&logs, nil))).Handler())
	_, resp := post(t, ts, "", map[string]any{"query": `query HeistStats { stats { nodes } }`, "operationName": "HeistStats"})
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	ts.Close() // waits for the handler, and so for its log line
	for _, want := range []string{`msg="http request" method=POST path=/graphql status=200 duration=`, "operation=HeistStats"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q lacks %q", logs.String(), want)
		}
	}
}

func TestHTTP(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.CORSOrigins = []string{"https://notebook.example"}
	ts := start(t, openStore(t), cfg)
	sameOrigin := start(t, openStore(t), server.DefaultConfig())
	closed, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	unhealthy := start(t, closed, server.DefaultConfig())

	_, uiBuilt := web.Assets()
	uiStatus, uiType, uiBody := http.StatusServiceUnavailable, "text/plain", "UI not built: run make web"
	if uiBuilt {
		uiStatus, uiType, uiBody = http.StatusOK, "text/html", "<"
	}
	bigQuery := `{ stats { nodes } }` + strings.Repeat(" ", 10<<20)
	statsQuery := "/graphql?query=" + strings.ReplaceAll("{ stats { nodes } }", " ", "%20")

	tests := []struct {
		name       string
		server     *httptest.Server
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantType   string            // Content-Type prefix
		wantBody   string            // substring
		wantHeader map[string]string // "" means absent
	}{
		{name: "healthz", server: ts, method: "GET", path: "/healthz",
			wantStatus: 200, wantType: "application/json", wantBody: `{"status":"ok"}`},
		{name: "healthz with a failing store", server: unhealthy, method: "GET", path: "/healthz",
			wantStatus: 503, wantType: "application/json", wantBody: `"code":"`},
		{name: "GraphiQL for a browser", server: ts, method: "GET", path: "/graphql", header: map[string]string{"Accept": "text/html,application/xhtml+xml"},
			wantStatus: 200, wantType: "text/html", wantBody: "graphiql"},
		{name: "GraphQL over GET", server: ts, method: "GET", path: statsQuery, header: map[string]string{"Accept": "application/json"},
			wantStatus: 200, wantType: "application/json", wantBody: `{"data":{"stats":{"nodes":7}},"extensions":{"cost":{"complexity":1,`},
		{name: "POST answers application/json by default", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Content-Type": "application/json"}, body: `{"query":"{ stats { nodes } }"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `"nodes":7`},
		{name: "POST answers graphql-response+json when accepted", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}, body: `{"query":"{ stats { nodes } }"}`,
			wantStatus: 200, wantType: "application/graphql-response+json", wantBody: `"nodes":7`},
		{name: "request body too large", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Content-Type": "application/json"}, body: `{"query":"` + bigQuery + `"}`,
			wantStatus: 413, wantType: "application/json", wantBody: "LIMIT_EXCEEDED"},
		{name: "CORS preflight from a configured origin", server: ts, method: "OPTIONS", path: "/graphql",
			header:     map[string]string{"Origin": "https://notebook.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://notebook.example"}},
		{name: "CORS preflight from another origin", server: ts, method: "OPTIONS", path: "/graphql",
			header:     map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "CORS POST from a configured origin", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Origin": "https://notebook.example", "Content-Type": "application/json"}, body: `{"query":"{ stats { nodes } }"}`,
			wantStatus: 200, wantBody: `"nodes":7`, wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://notebook.example"}},
		{name: "no CORS by default", server: sameOrigin, method: "OPTIONS", path: "/graphql",
			header:     map[string]string{"Origin": "https://notebook.example", "Access-Control-Request-Method": "POST"},
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": "", "Allow": "OPTIONS, GET, POST"}},
		{name: "web UI", server: ts, method: "GET", path: "/",
			wantStatus: uiStatus, wantType: uiType, wantBody: uiBody},
		{name: "web UI route", server: ts, method: "GET", path: "/case/demo",
			wantStatus: uiStatus, wantType: uiType, wantBody: uiBody},
		{name: "no UI under the API path", server: ts, method: "GET", path: "/graphql/x",
			wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, tt.server.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := tt.server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %.300s", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body = %.300s, want it to contain %q", body, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestPersistedQueries(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	const q = `{ stats { edges } }`
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	_, resp := post(t, ts, "", map[string]any{"extensions": ext})
	if resp.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: errors = %+v, want PERSISTED_QUERY_NOT_FOUND", resp.Errors)
	}
	if _, resp = post(t, ts, "", map[string]any{"query": q, "extensions": ext}); len(resp.Errors) > 0 {
		t.Fatalf("register: %+v", resp.Errors)
	}
	_, resp = post(t, ts, "", map[string]any{"extensions": ext})
	if len(resp.Errors) > 0 || !jsonEqual(t, resp.Data, `{"stats": {"edges": 6}}`) {
		t.Fatalf("by hash: data %s, errors %+v", resp.Data, resp.Errors)
	}
}

func TestServeShutsDownWhenCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(openStore(t), server.DefaultConfig(), testLogger(t))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve returned %v after cancel, want nil", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("listener still accepts connections after shutdown")
	}
}
