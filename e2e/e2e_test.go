// Package e2e runs the real redthread binary, as a user would, and checks
// the walking skeleton's promises over HTTP: the demo case answers the
// investigators' first questions, data survives a restart, ingest is
// idempotent and reports bad lines while loading the rest.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary builds redthread once per test run (or uses $REDTHREAD_BIN).
func binary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("REDTHREAD_BIN"); b != "" {
		return b
	}
	bin := filepath.Join(t.TempDir(), "redthread")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/redthread")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running `redthread serve`.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	logs *logBuffer
	// demo receives the sign-in line serve --demo prints: URL, email and
	// password.
	demo chan []string
	// metrics receives the /metrics URL serve --metrics-addr prints.
	metrics chan string
}

var demoLine = regexp.MustCompile(`sign in at (\S+) as (\S+) with password (\S+)`)

var listening = regexp.MustCompile(`listening on (http://\S+)`)

var metricsLine = regexp.MustCompile(`metrics listener on (http://\S+)`)

// adminToken is the REDTHREAD_ADMIN_TOKEN of every server the tests start:
// their requests send it (authClient).
const adminToken = "e2e-admin-token-0123456789abcdef"

// bearer adds the test administrator token to requests that have no
// Authorization header of their own.
type bearer struct{ base http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, ok := r.Header["Authorization"]; !ok {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+adminToken)
	}
	return b.base.RoundTrip(r)
}

// authClient is the tests' HTTP client: it signs every request in as the
// deployment administrator.
var authClient = &http.Client{Transport: bearer{http.DefaultTransport}}

// serve starts the binary on a free port and waits until /healthz answers.
func serve(t *testing.T, bin, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "REDTHREAD_ADMIN_TOKEN="+adminToken)
	logs := new(logBuffer)
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	s := &server{t: t, cmd: cmd, logs: logs, demo: make(chan []string, 1), metrics: make(chan string, 1)}
	t.Cleanup(func() { s.stop() })

	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
			if m := demoLine.FindStringSubmatch(sc.Text()); m != nil {
				s.demo <- m[1:]
			}
			if m := metricsLine.FindStringSubmatch(sc.Text()); m != nil {
				s.metrics <- m[1]
			}
		}
		close(urlc)
	}()
	select {
	case u, ok := <-urlc:
		if !ok {
			t.Fatalf("server exited before listening:\n%s", logs)
		}
		s.url = u
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not report its address within 60s:\n%s", logs)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz not ready: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
}

// stop asks the server to shut down gracefully and waits for it.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			s.t.Errorf("server exited with %v:\n%s", err, s.logs)
		}
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Errorf("server did not stop within 20s of SIGTERM:\n%s", s.logs)
	}
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// try posts a GraphQL operation and returns its data and errors.
func (s *server) try(q string, vars map[string]any) (json.RawMessage, []gqlError) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	resp, err := authClient.Post(s.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		s.t.Fatalf("decode response (%d): %v\n%s", resp.StatusCode, err, raw)
	}
	return env.Data, env.Errors
}

// query posts a GraphQL operation and decodes its data into out.
func (s *server) query(q string, vars map[string]any, out any) {
	s.t.Helper()
	data, errs := s.try(q, vars)
	if len(errs) > 0 {
		s.t.Fatalf("GraphQL errors: %+v\nserver log (last 4 KiB):\n%s", errs, s.logTail(4096))
	}
	if err := json.Unmarshal(data, out); err != nil {
		s.t.Fatalf("decode data: %v\n%s", err, data)
	}
}

type node struct {
	ID, Kind, Label string
}

type stats struct {
	Nodes, Edges int
}

func (s *server) stats() stats {
	var r struct{ Stats stats }
	s.query(`{ stats { nodes edges } }`, nil, &r)
	return r.Stats
}

func (s *server) search(text string, kinds ...string) []node {
	var r struct {
		Search struct{ Edges []struct{ Node node } }
	}
	vars := map[string]any{"q": text}
	q := `query($q: String!) { search(query: $q, first: 20) { edges { node { id kind label } } } }`
	if len(kinds) > 0 {
		vars["k"] = kinds
		q = `query($q: String!, $k: [NodeKind!]) { search(query: $q, kinds: $k, first: 20) { edges { node { id kind label } } } }`
	}
	s.query(q, vars, &r)
	var out []node
	for _, e := range r.Search.Edges {
		out = append(out, e.Node)
	}
	return out
}

type path struct {
	Length int
	Nodes  []node
	Edges  []struct{ ID, Kind, From, To string }
}

func (s *server) shortestPath(from, to, dir string) path {
	var r struct{ ShortestPath path }
	s.query(`query($f: ID!, $t: ID!, $d: Direction) {
	  shortestPath(from: $f, to: $t, direction: $d, maxHops: 12) {
	    length nodes { id kind label } edges { id kind from to } } }`,
		map[string]any{"f": from, "t": to, "d": dir}, &r)
	return r.ShortestPath
}

// checkPath asserts p is a walk from `from` to `to`.
func checkPath(t *testing.T, p path, from, to string) {
	t.Helper()
	if p.Length == 0 || len(p.Nodes) != p.Length+1 || len(p.Edges) != p.Length {
		t.Fatalf("no path from %s to %s: %+v", from, to, p)
	}
	if p.Nodes[0].ID != from || p.Nodes[len(p.Nodes)-1].ID != to {
		t.Fatalf("path runs %s → %s, want %s → %s", p.Nodes[0].ID, p.Nodes[len(p.Nodes)-1].ID, from, to)
	}
	for i, e := range p.Edges {
		a, b := p.Nodes[i].ID, p.Nodes[i+1].ID
		if (e.From != a || e.To != b) && (e.From != b || e.To != a) {
			t.Fatalf("edge %d (%s) does not join %s and %s", i, e.ID, a, b)
		}
	}
}

func first(t *testing.T, nodes []node, kind string) node {
	t.Helper()
	for _, n := range nodes {
		if n.Kind == kind {
			return n
		}
	}
	t.Fatalf("no %s among %+v", kind, nodes)
	return node{}
}

func TestDemoCaseOverHTTP(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	s := serve(t, bin, data, "--demo")

	before := s.stats()
	if before.Nodes < 30 || before.Edges < 30 {
		t.Fatalf("demo case looks too small: %+v", before)
	}

	lazarus := first(t, s.search("Lazarus"), "THREAT_GROUP")
	if lazarus.ID != "threat_group:lazarus-group" || lazarus.Label != "Lazarus Group" {
		t.Fatalf("search Lazarus found %+v", lazarus)
	}
	exchange := first(t, s.search("Russian"), "SERVICE")
	if !strings.Contains(exchange.Label, "Russian exchange") {
		t.Fatalf("search Russian found service %+v", exchange)
	}

	t.Run("laundering route from the group to the exchange", func(t *testing.T) {
		p := s.shortestPath(lazarus.ID, exchange.ID, "BOTH")
		checkPath(t, p, lazarus.ID, exchange.ID)
		kinds := map[string]int{}
		for _, n := range p.Nodes {
			kinds[n.Kind]++
		}
		if kinds["INCIDENT"] == 0 || kinds["WALLET"] < 2 {
			t.Fatalf("route should run through the theft and its wallets, got %+v", p.Nodes)
		}
		if p.Edges[len(p.Edges)-1].Kind != "DEPOSITED_AT" {
			t.Fatalf("route should end with a deposit at the exchange, ends with %s", p.Edges[len(p.Edges)-1].Kind)
		}
		// Following edges forward only, the group reaches nothing: attribution
		// points from the incident to the group.
		if out := s.shortestPath(lazarus.ID, exchange.ID, "OUT"); out.Length != 0 {
			t.Fatalf("OUT path should not exist, got length %d", out.Length)
		}
	})

	t.Run("persona reaches the Laos company", func(t *testing.T) {
		laos := first(t, s.search("Laos", "ORGANIZATION"), "ORGANIZATION")
		personas := s.search("IT worker", "PERSON")
		if len(personas) < 3 {
			personas = s.search("persona", "PERSON")
		}
		if len(personas) == 0 {
			t.Fatal("no personas found")
		}
		for _, p := range personas {
			checkPath(t, s.shortestPath(p.ID, laos.ID, "BOTH"), p.ID, laos.ID)
		}
	})

	t.Run("unknown node is an INVALID_ARGUMENT or NOT_FOUND error with a code", func(t *testing.T) {
		body := `{"query":"{ shortestPath(from: \"nonsense\", to: \"threat_group:lazarus-group\") { length } }"}`
		resp, err := authClient.Post(s.url+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct{ Errors []gqlError }
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			t.Fatal(err)
		}
		if len(env.Errors) == 0 || env.Errors[0].Extensions["code"] != "INVALID_ARGUMENT" {
			t.Fatalf("want INVALID_ARGUMENT, got %+v", env.Errors)
		}
	})

	// Restart: the data is on disk; --demo does not load twice.
	s.stop()
	s2 := serve(t, bin, data)
	if after := s2.stats(); after != before {
		t.Fatalf("stats after restart %+v, before %+v", after, before)
	}
	if got := first(t, s2.search("Lazarus"), "THREAT_GROUP"); got.ID != lazarus.ID {
		t.Fatalf("after restart search Lazarus found %+v", got)
	}
}

// ingest runs `redthread ingest` and returns its exit code and stderr.
// runTimeout bounds one run of the binary: two minutes, or what is left of
// the test's deadline when that is longer (an M-scale run under -timeout).
func runTimeout(t *testing.T) time.Duration {
	if d, ok := t.Deadline(); ok {
		if left := time.Until(d) - 30*time.Second; left > 2*time.Minute {
			return left
		}
	}
	return 2 * time.Minute
}

func ingest(t *testing.T, bin, data string, files ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout(t))
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"ingest", "--data", data, "--format", "native"}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stderr.String()
	}
	t.Fatalf("ingest: %v\n%s", err, stderr.String())
	return -1, ""
}

func TestIngestDemoTwiceIsIdempotent(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	demo := filepath.Join("..", "examples", "demo", "dprk.jsonl")

	var counts []stats
	for run := 1; run <= 2; run++ {
		if code, out := ingest(t, bin, data, demo); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, code, out)
		}
		s := serve(t, bin, data)
		counts = append(counts, s.stats())
		s.stop()
	}
	if counts[0] != counts[1] || counts[0].Nodes == 0 {
		t.Fatalf("stats after first and second load differ or are empty: %+v", counts)
	}
}

func TestIngestReportsMalformedLine(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "evidence.jsonl")
	src := `{"type":"node","kind":"THREAT_GROUP","key":"lazarus-group","label":"Lazarus Group","sources":[{"dataset":"test"}]}
{"type":"node","kind":"INCIDENT","key":"coincheck-2018","label":"Coincheck theft","sources":[{"dataset":"test"}]}
{"type":"node","kind":"WALLET","key":"btc:1a1zp1ep5qgefi2dmptftl5slmv7divfna","sources":[{"dataset":"test"}]}
{"type":"node","kind":"SERVICE","key":"coincheck","label":"Coincheck" "sources":[{"dataset":"test"}]}
{"type":"edge","kind":"ATTRIBUTED_TO","from":"incident:coincheck-2018","to":"threat_group:lazarus-group","sources":[{"dataset":"test"}]}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := ingest(t, bin, data, file)
	if code != 3 {
		t.Fatalf("exit %d, want 3 (some records rejected)\n%s", code, out)
	}
	for _, want := range []string{"evidence.jsonl:3", "evidence.jsonl:4"} {
		if !strings.Contains(out, want) {
			t.Errorf("report does not name %s:\n%s", want, out)
		}
	}
	s := serve(t, bin, data)
	if got := s.stats(); got != (stats{Nodes: 2, Edges: 1}) {
		t.Fatalf("stats %+v, want the 2 good nodes and 1 edge", got)
	}
}

// logTail is the end of the server's log, for a failure's message.
func (s *server) logTail(n int) string {
	b := s.logs.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
