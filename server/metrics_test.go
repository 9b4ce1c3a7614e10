package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

const testMetricsToken = "metrics-token-0123456789abcdef0123456789"

// metricsServer serves the seeded store with ingest jobs, the test
// identity and a metrics token; it returns the server, its identity and
// the HTTP test server (whose client sends the admin token).
func metricsServer(t *testing.T, logger *slog.Logger) (*server.Server, *identity.Service, *httptest.Server) {
	t.Helper()
	store := openStore(t)
	jm, err := jobs.New(store, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	ids := server.NewTestIdentity(t)
	cfg := server.DefaultConfig()
	cfg.Identity, cfg.Jobs, cfg.MetricsToken = ids, jm, testMetricsToken
	if logger == nil {
		logger = testLogger(t)
	}
	srv := server.New(store, cfg, logger)
	return srv, ids, server.ServeTest(t, srv.Handler())
}

// get sends GET path with the Authorization header auth ("" for none).
func get(t *testing.T, url, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// scrape reads /metrics with the admin token and parses it.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := get(t, url+"/metrics", "Bearer "+server.TestAdminToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, body)
	}
	return fams
}

// value is the sample of family name whose labels include want (a
// histogram's count), summed over the matching series; -1 when none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	total, found := 0.0, false
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	if !found {
		return -1
	}
	return total
}

func TestMetricsAccess(t *testing.T) {
	_, ids, ts := metricsServer(t, nil)
	analyst := server.NewTestToken(t, ids, "fiu", "analyst@fiu.example", identity.RoleAnalyst, identity.ScopeRead)
	agencyAdmin := server.NewTestToken(t, ids, "fiu", "admin@fiu.example", identity.RoleAdmin, identity.ScopeRead)
	tests := []struct {
		name   string
		method string
		auth   string
		want   int
	}{
		{"anonymous", http.MethodGet, "", http.StatusUnauthorized},
		{"wrong token", http.MethodGet, "Bearer not-the-token", http.StatusUnauthorized},
		{"metrics token as basic", http.MethodGet, "Basic " + testMetricsToken, http.StatusUnauthorized},
		{"metrics token with junk", http.MethodGet, "Bearer " + testMetricsToken + "x", http.StatusUnauthorized},
		{"metrics token prefix", http.MethodGet, "Bearer " + testMetricsToken[:20], http.StatusUnauthorized},
		{"huge token", http.MethodGet, "Bearer " + strings.Repeat("a", 32<<10), http.StatusUnauthorized},
		{"an analyst's token", http.MethodGet, "Bearer " + analyst, http.StatusForbidden},
		{"an agency admin's token", http.MethodGet, "Bearer " + agencyAdmin, http.StatusForbidden},
		{"deployment admin token", http.MethodGet, "Bearer " + server.TestAdminToken, http.StatusOK},
		{"metrics token", http.MethodGet, "Bearer " + testMetricsToken, http.StatusOK},
		{"POST", http.MethodPost, "Bearer " + testMetricsToken, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, ts.URL+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK {
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !bytes.Contains(body, []byte("redthread_http_requests_total")) {
					t.Errorf("content type %q, body lacks the request counter", resp.Header.Get("Content-Type"))
				}
				return
			}
			// A refusal shows no metric and says why with a code.
			var out struct {
				Errors []struct {
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if bytes.Contains(body, []byte("redthread_")) || json.Unmarshal(body, &out) != nil || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] == nil {
				t.Errorf("refusal body %s", body)
			}
		})
	}
}

func TestMetricsContent(t *testing.T) {
	_, ids, ts := metricsServer(t, nil)
	server.NewTestToken(t, ids, "fiu", "analyst@fiu.example", identity.RoleAnalyst, identity.ScopeRead)
	for range 2 {
		if out := query(t, ts, `query Alpha { stats { nodes } }`, nil); len(out.Errors) > 0 {
			t.Fatalf("Alpha: %+v", out.Errors)
		}
	}
	if out := query(t, ts, `{ node(id: "wallet:eth:0x0000000000000000000000000000000000000001") { id } }`, nil); len(out.Errors) > 0 {
		t.Fatalf("anonymous: %+v", out.Errors)
	}
	if out := query(t, ts, `query Broken { nosuchfield }`, nil); len(out.Errors) == 0 {
		t.Fatal("Broken: no error")
	}
	fams := scrape(t, ts.URL)
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"redthread_http_requests_total", map[string]string{"route": "graphql", "operation": "Alpha", "code": "200"}, 2},
		{"redthread_http_requests_total", map[string]string{"route": "graphql", "operation": "anonymous", "code": "200"}, 1},
		// A document that fails validation has no operation to name.
		{"redthread_http_requests_total", map[string]string{"route": "graphql", "operation": "anonymous"}, 2},
		{"redthread_http_request_duration_seconds", map[string]string{"route": "graphql", "operation": "Alpha"}, 2},
		{"redthread_store_call_duration_seconds", map[string]string{"method": "Stats"}, 2},
		{"redthread_store_call_duration_seconds", map[string]string{"method": "Node"}, 1},
		{"redthread_ingest_jobs", map[string]string{"state": "running"}, 0},
		{"redthread_ingest_records", map[string]string{"state": "succeeded"}, 0},
		{"redthread_admission_running", map[string]string{}, 0},
		{"redthread_identity_tokens", nil, 1},
		{"redthread_identity_sessions", nil, 0},
		{"go_goroutines", nil, 1},
	}
	for _, c := range checks {
		if got := value(fams, c.name, c.labels); got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
}

// TestMetricsOperationCardinality: a client inventing operation names
// cannot grow the series: past the first 100 names they count as other.
func TestMetricsOperationCardinality(t *testing.T) {
	_, _, ts := metricsServer(t, nil)
	const names = 130
	for i := range names {
		if out := query(t, ts, fmt.Sprintf(`query Op%d { stats { nodes } }`, i), nil); len(out.Errors) > 0 {
			t.Fatalf("Op%d: %+v", i, out.Errors)
		}
	}
	fams := scrape(t, ts.URL)
	ops := map[string]bool{}
	for _, m := range fams["redthread_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "operation" {
				ops[l.GetValue()] = true
			}
		}
	}
	delete(ops, "") // routes other than /graphql
	if len(ops) != 101 || !ops["other"] {
		t.Errorf("%d operation labels (other: %v), want 100 names and other", len(ops), ops["other"])
	}
	if got := value(fams, "redthread_http_requests_total", map[string]string{"operation": "other"}); got != names-100 {
		t.Errorf("other = %v, want %d", got, names-100)
	}
}

// jsonLines decodes a JSON log.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestRequestIDOnEveryLogLine: a store failure logged deep in a request
// and the request's own line carry the request's ID, once; the store
// failure is counted by method and code.
func TestRequestIDOnEveryLogLine(t *testing.T) {
	store, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	srv := server.New(store, server.WithTestAuth(t, server.DefaultConfig()), logger)
	ts := server.ServeTest(t, srv.Handler())
	// A real store, closed: every read fails UNAVAILABLE, which the server
	// logs inside the request.
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	const id = "trace-0123-abc"
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"query Failing { stats { nodes } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", id)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != id {
		t.Fatalf("X-Request-Id = %q", resp.Header.Get("X-Request-Id"))
	}
	seen := map[string]bool{}
	for _, l := range jsonLines(t, logs.String()) {
		msg, _ := l["msg"].(string)
		if msg != "graphql error" && msg != "http request" {
			continue
		}
		seen[msg] = true
		if l["request_id"] != id {
			t.Errorf("%q logged with request_id %v, want %q", msg, l["request_id"], id)
		}
	}
	if !seen["graphql error"] || !seen["http request"] {
		t.Errorf("lines seen %v, want the store failure and the request", seen)
	}
	// The duplicate check: JSON would keep both keys in the raw text.
	if n := strings.Count(logs.String(), `"request_id"`); n != 2 {
		t.Errorf("request_id appears %d times in the log, want 2 (one per line)", n)
	}
	fams := scrape(t, ts.URL)
	if got := value(fams, "redthread_store_call_errors_total", map[string]string{"method": "Stats", "code": "UNAVAILABLE"}); got < 1 {
		t.Errorf("store errors counted: %v", got)
	}
}
