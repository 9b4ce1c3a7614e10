package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/server/admission"
	"github.com/redthread-dev/redthread/server/hostile"
)

// TestHostileCorpus sends every request of the corpus over real HTTP and
// checks each gets its coded refusal in our words, and that the server
// still answers a look-up afterwards.
func TestHostileCorpus(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	for _, r := range hostile.Corpus() {
		t.Run(r.Name, func(t *testing.T) {
			req, err := r.Build(ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ts.Client().Do(req.WithContext(t.Context()))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if problem := r.Check(resp.StatusCode, body); problem != "" {
				t.Errorf("%s; body %.400s", problem, body)
			}
		})
	}
	if resp := query(t, ts, `{ stats { nodes } }`, nil); len(resp.Errors) > 0 {
		t.Fatalf("after the corpus: %+v", resp.Errors)
	}
}

// gatedTopology blocks the next investigation query until the gate
// opens, so that a test can hold the heavy lane full.
type gatedTopology struct {
	investigate.Store
	armed   *atomic.Bool
	entered chan struct{}
	gate    chan struct{}
}

func (g gatedTopology) Topology(ctx context.Context) (investigate.Topology, func(), error) {
	if g.armed.CompareAndSwap(true, false) {
		g.entered <- struct{}{}
		select {
		case <-g.gate:
		case <-ctx.Done():
		}
	}
	return g.Store.Topology(ctx)
}

// clientAt is an HTTP client whose connections come from ip, another
// client to the server's admission.
func clientAt(t *testing.T, ip net.IP) *http.Client {
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}).DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: server.BearerTransport{Base: tr, Token: server.TestAdminToken}}
}

// TestAdmission fills the heavy lane and one client's allowance and checks
// that the excess is refused at once with 503 or 429 and Retry-After,
// while a look-up from another client still answers.
func TestAdmission(t *testing.T) {
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
	cheap := `{"query":"{ stats { nodes } }"}`

	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(store.gate)
	wg.Go(func() {
		_, _ = clientAt(t, net.IPv4(127, 0, 0, 1)).Post(ts.URL+"/graphql", "application/json", strings.NewReader(heavy))
	})
	<-store.entered // 127.0.0.1 runs the one heavy query the lane allows

	tests := []struct {
		name       string
		from       net.IP
		body       string
		wantStatus int
		wantCode   string
	}{
		{"the same client is over its allowance", net.IPv4(127, 0, 0, 1), cheap, http.StatusTooManyRequests, "TOO_MANY_REQUESTS"},
		{"a heavy query of another client finds the lane full", net.IPv4(127, 0, 0, 2), heavy, http.StatusServiceUnavailable, "UNAVAILABLE"},
		{"a look-up of another client answers", net.IPv4(127, 0, 0, 3), cheap, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			resp, err := clientAt(t, tt.from).Post(ts.URL+"/graphql", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out gqlResponse
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || out.code() != tt.wantCode {
				t.Fatalf("status %d code %q (%+v), want %d %q", resp.StatusCode, out.code(), out.Errors, tt.wantStatus, tt.wantCode)
			}
			if tt.wantStatus != http.StatusOK && resp.Header.Get("Retry-After") == "" {
				t.Errorf("no Retry-After on a %d", resp.StatusCode)
			}
			if d := time.Since(began); d > 2*time.Second {
				t.Errorf("answered after %s, want at once", d)
			}
		})
	}
}

// TestStreamToANonReader asks for a large answer over server-sent events
// and never reads it: the server must give up on the client within its
// write stall, without crashing (gqlgen's keep-alive once wrote to the
// finished response), and leave no request in flight.
func TestStreamToANonReader(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.WriteStall = 300 * time.Millisecond
	cfg.StreamKeepAlive = 50 * time.Millisecond
	srv := server.New(openStore(t), server.WithTestAuth(t, cfg), testLogger(t))
	ts := server.ServeTest(t, srv.Handler())

	sel := strings.Repeat("__schema{types{name description fields{name description args{name description type{name}}}}} ", 1)
	var q strings.Builder
	for i := range 150 {
		fmt.Fprintf(&q, "s%d:%s", i, sel)
	}
	body, _ := json.Marshal(map[string]any{"query": "{" + q.String() + "}"})

	for range 5 {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s", server.TestAdminToken, len(body), body)
		if err := conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
			t.Fatal(err)
		}
	}
	// Every stream ends within the stall time: nothing is left in flight.
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := srv.Admission().Stats()
		if s.Clients == 0 && s.ResponseBytes == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("streams to non-readers still in flight after 20 s: %+v", s)
		}
		time.Sleep(20 * time.Millisecond) //nolint:forbidigo // polling state no signal announces
	}
	// The server still streams to a client that reads.
	resp, err := ts.Client().Post(ts.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ stats { nodes } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the non-readers: status %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{ stats { nodes } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	sresp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sresp.Body.Close()
	sc := bufio.NewScanner(sresp.Body)
	var events []string
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: ") {
			events = append(events, sc.Text())
		}
	}
	if strings.Join(events, ",") != "event: next,event: complete" {
		t.Fatalf("events %q, want next then complete", events)
	}
}

// FuzzHandler sends arbitrary requests to the whole HTTP handler: it must
// never panic, never answer 500, and never leak Go's error text, a path or
// a stack, whatever the method, path, content type and body.
func FuzzHandler(f *testing.F) {
	for _, r := range hostile.Corpus() {
		if len(r.Body) > 64<<10 {
			continue // the fuzzer mutates small inputs better
		}
		f.Add(r.Method, r.Path, r.Header["Content-Type"], r.Header["Accept"], r.Body)
	}
	store := openStore(f)
	h := server.New(store, server.WithTestAuth(f, server.DefaultConfig()), nil).Handler()
	f.Fuzz(func(t *testing.T, method, path, contentType, accept string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(string(body)))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", accept)
		// Signed in, so that the fuzzer reaches past authentication.
		req.Header.Set("Authorization", "Bearer "+server.TestAdminToken)
		req.RemoteAddr = "192.0.2.1:4242"
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(ctx))
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %q: status %d: %.300s", method, path, rec.Code, rec.Body.Bytes())
		}
		if m := hostile.Leak.Find(rec.Body.Bytes()); m != nil && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s %q: the answer leaks %q: %.300s", method, path, m, rec.Body.Bytes())
		}
	})
}

// TestListArgumentsBounded: lists of IDs are bounded by the server's
// limits, not only by the request's size.
func TestListArgumentsBounded(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.Limits = graph.Limits{MaxEdges: 2}
	ts := start(t, openStore(t), cfg)
	for _, q := range []string{
		`{ nodes(ids: ["` + idA + `", "` + idB + `", "` + idC + `"]) { id } }`,
		`{ edges(ids: ["a:b>TRANSFER>c:d", "a:b>TRANSFER>c:e", "a:b>TRANSFER>c:f"]) { id } }`,
	} {
		if resp := query(t, ts, q, nil); resp.code() != "LIMIT_EXCEEDED" {
			t.Errorf("%s: errors %+v, want LIMIT_EXCEEDED", q, resp.Errors)
		}
	}
	if resp := query(t, ts, `{ nodes(ids: ["`+idA+`", "`+idB+`"]) { id } }`, nil); len(resp.Errors) > 0 {
		t.Errorf("two nodes within the limit: %+v", resp.Errors)
	}
}
