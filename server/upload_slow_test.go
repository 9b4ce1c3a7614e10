package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server/gql"
	"github.com/redthread-dev/redthread/server/gql/generated"
)

// The slow-client tests build the GraphQL handler around the upload
// transport with test-sized pace limits (the server's Config takes
// seconds), and talk to it over raw TCP connections.

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// uploadHarness is a GraphQL server whose only multipart transport is tr,
// with a job manager keeping its state (and staging) under state.
type uploadHarness struct {
	ts      *httptest.Server
	staging string
	logs    *lockedBuffer
}

func newUploadHarness(t testing.TB, tr uploadTransport) uploadHarness {
	t.Helper()
	store, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	state := t.TempDir()
	jm, err := jobs.New(store, jobs.Config{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(logs, t.Output()), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := handler.New(generated.NewExecutableSchema(generated.Config{
		Resolvers:  &gql.Resolver{Store: store, Limits: graph.DefaultLimits(), Writer: store, Logger: logger, Jobs: jm},
		Directives: generated.DirectiveRoot{Requires: requires},
	}))
	tr.jobs, tr.logger = jm, logger
	if tr.timeout == 0 {
		tr.timeout = time.Minute
	}
	tr.write = 10 * time.Second
	srv.AddTransport(tr)
	srv.SetErrorPresenter(errorPresenter(logger))
	// The harness tests the transport alone, without the server's
	// middleware: its requests run as an analyst who may ingest.
	analyst := identity.Principal{Agency: "local", User: "u1", Email: "analyst@local.test", Role: identity.RoleAnalyst, Scopes: identity.Scopes(), Via: identity.ViaToken}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(identity.WithPrincipal(r.Context(), analyst)))
	}))
	t.Cleanup(ts.Close)
	return uploadHarness{ts: ts, staging: filepath.Join(state, "jobs", "uploads", ".incoming"), logs: logs}
}

// stagedFiles lists the regular files in the staging area.
func (h uploadHarness) stagedFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(h.staging, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 10s", what)
		}
		time.Sleep(5 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
}

// slowPrefix is the start of an upload: operations, map and the first
// bytes of the file, enough for the file to be staged; complete, the whole
// request, what follows being its epilogue.
func slowPrefix(t *testing.T, complete bool) (ctype string, prefix []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	ops := `{"query": "mutation($u: [Upload!]) { startIngest(format: \"native\", uploads: $u) { id } }", "variables": {"u": [null]}}`
	if err := mw.WriteField("operations", ops); err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteField("map", `{"0": ["variables.u.0"]}`); err != nil {
		t.Fatal(err)
	}
	part, err := mw.CreateFormFile("0", "slow.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(part, `{"type":"node","kind":"PERSON","key":"slow","sources":[{"dataset":"api"}]}`+"\n")
	if complete {
		_ = mw.Close()
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// TestUploadSlowClients: a client that stops sending, one that trickles
// under the minimum rate and one that trickles past the whole request's
// deadline are each answered 408 TIMEOUT saying why, over a connection the
// server then closes; their staged file is removed and a warning logged.
func TestUploadSlowClients(t *testing.T) {
	tight := uploadTransport{idleTimeout: 5 * time.Second, minRate: 32 << 10, rateWindow: 400 * time.Millisecond, rateGrace: 200 * time.Millisecond}
	tests := []struct {
		name     string
		tr       uploadTransport
		complete bool // the whole request before the trickle, which is its epilogue
		trickle  bool // one byte every 10 ms after the prefix; else nothing
		says     string
	}{
		{"idle", uploadTransport{idleTimeout: 300 * time.Millisecond, minRate: -1}, false, false, "no data received for 300ms: the upload was idle too long"},
		{"under the minimum rate", tight, false, true, "the upload was too slow: under 32 KiB/s over 400ms"},
		{"an epilogue under the minimum rate", tight, true, true, "the upload was too slow: under 32 KiB/s over 400ms"},
		{"past the request's deadline", uploadTransport{timeout: 500 * time.Millisecond, idleTimeout: -1, minRate: -1}, false, true, "the upload took longer than 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newUploadHarness(t, tt.tr)
			ctype, prefix := slowPrefix(t, tt.complete)
			conn, err := net.Dial("tcp", h.ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			head := fmt.Sprintf("POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nGraphQL-Require-Preflight: 1\r\nContent-Length: %d\r\n\r\n",
				h.ts.Listener.Addr(), ctype, 1<<20)
			if _, err := conn.Write(append([]byte(head), prefix...)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "staged", func() bool { return len(h.stagedFiles(t)) == 1 })

			stop := make(chan struct{})
			var wg sync.WaitGroup
			if tt.trickle {
				wg.Go(func() {
					tick := time.NewTicker(10 * time.Millisecond) // the client's pace
					defer tick.Stop()
					for {
						select {
						case <-stop:
							return
						case <-tick.C:
							if _, err := conn.Write([]byte("x")); err != nil {
								return
							}
						}
					}
				})
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read the answer: %v", err)
			}
			var r struct {
				Errors []struct {
					Message    string
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) != 1 {
				t.Fatalf("answer %d %s: %v", resp.StatusCode, raw, err)
			}
			if resp.StatusCode != http.StatusRequestTimeout || r.Errors[0].Extensions.Code != "TIMEOUT" || !strings.Contains(r.Errors[0].Message, tt.says) {
				t.Errorf("answer %d %s; want 408 TIMEOUT saying %q", resp.StatusCode, raw, tt.says)
			}
			for _, s := range []string{"i/o timeout", "deadline", "EOF", "tcp", ".go", "/tmp"} {
				if strings.Contains(string(raw), s) {
					t.Errorf("answer carries %q: %s", s, raw)
				}
			}

			// The server ends the stream after the answer, then closes the
			// connection: writes start failing.
			if n, err := br.Read(make([]byte, 1)); n != 0 || err == nil || isTimeout(err) {
				t.Errorf("after the answer: %d bytes, %v; want the end of the stream", n, err)
			}
			close(stop)
			wg.Wait()
			waitFor(t, "closed by the server", func() bool {
				_, err := conn.Write([]byte("x"))
				return err != nil
			})
			if left := h.stagedFiles(t); len(left) > 0 {
				t.Errorf("staged files left: %q", left)
			}
			if logs := h.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "too slowly") {
				t.Errorf("no warning logged: %s", logs)
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestUploadFastClientUnderPace: the pace limits leave a client that sends
// at network speed alone, however tight they are.
func TestUploadFastClientUnderPace(t *testing.T) {
	h := newUploadHarness(t, uploadTransport{idleTimeout: 300 * time.Millisecond, minRate: 32 << 10, rateWindow: 400 * time.Millisecond, rateGrace: 200 * time.Millisecond})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", `{"query": "mutation($u: [Upload!]) { startIngest(format: \"native\", uploads: $u) { id } }", "variables": {"u": [null]}}`)
	_ = mw.WriteField("map", `{"0": ["variables.u.0"]}`)
	part, _ := mw.CreateFormFile("0", "fast.jsonl")
	for i := range 40_000 { // about 4 MB
		fmt.Fprintf(part, `{"type":"node","kind":"PERSON","key":"fast%d","sources":[{"dataset":"api"}]}`+"\n", i)
	}
	_ = mw.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.ts.URL, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("GraphQL-Require-Preflight", "1")
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"startIngest":{"id":`) {
		t.Errorf("answer %d %s; want the job started", resp.StatusCode, raw)
	}
}

// fakeClient is a request body on a fake clock: each Read waits wait (the
// client's time), then gives n bytes.
type fakeClient struct {
	clock *time.Time
	wait  func(i int) time.Duration
	n     int
	i     int
}

func (c *fakeClient) Read(p []byte) (int, error) {
	*c.clock = c.clock.Add(c.wait(c.i))
	c.i++
	return copy(p, bytes.Repeat([]byte("x"), min(c.n, len(p)))), nil
}

// TestPacedBodyRate checks the sliding window of the minimum rate on a
// fake clock: what trips it and what does not, the server's own pauses
// included.
func TestPacedBodyRate(t *testing.T) {
	p := pace{idle: -1, minRate: 1000, window: 10 * time.Second, grace: 2 * time.Second}
	steady := func(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }
	tests := []struct {
		name   string
		wait   func(i int) time.Duration
		n      int           // bytes per read
		pause  time.Duration // the server's time between reads
		reads  int
		tripAt int // read that trips, -1 never
	}{
		{"fast", steady(time.Millisecond), 4096, 0, 10_000, -1},
		{"just above the rate", steady(100 * time.Millisecond), 101, 0, 1000, -1},
		{"just under the rate, after the grace", steady(100 * time.Millisecond), 99, 0, 1000, 19},
		{"a byte a second", steady(time.Second), 1, 0, 100, 1},
		{"server pauses do not count", steady(10 * time.Millisecond), 20, time.Second, 1000, -1},
		// 30 s fast, then 1 byte every 500 ms: the window forgets the fast
		// start within about 10 s of waiting.
		{"slow after a fast start", func(i int) time.Duration {
			if i < 300 {
				return 100 * time.Millisecond
			}
			return 500 * time.Millisecond
		}, 0, 0, 400, -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Unix(0, 0)
			client := &fakeClient{clock: &clock, wait: tt.wait, n: tt.n}
			if tt.tripAt == -2 { // the last case: 1000 bytes per read, then 1
				client.n = 1000
			}
			b := newPacedBody(client, http.NewResponseController(httptest.NewRecorder()), p, time.Hour)
			b.now = func() time.Time { return clock }
			buf := make([]byte, 4096)
			tripped := -1
			for i := range tt.reads {
				if tt.tripAt == -2 && i == 300 {
					client.n = 1
				}
				clock = clock.Add(tt.pause)
				if _, err := b.Read(buf); err != nil {
					if ue, ok := errors.AsType[*uploadError](err); !ok || !ue.slow || ue.code != graph.CodeTimeout {
						t.Fatalf("read %d: %v, want a slow refusal", i, err)
					}
					tripped = i
					break
				}
			}
			switch {
			case tt.tripAt == -2:
				// Tripped within the window (plus one sample) after the
				// pace fell, not before it fell.
				if tripped < 300 || tripped > 300+22 {
					t.Errorf("tripped at read %d, want between 300 and 322", tripped)
				}
			case tripped != tt.tripAt:
				t.Errorf("tripped at read %d, want %d", tripped, tt.tripAt)
			}
			if len(b.marks) > 20 {
				t.Errorf("%d marks kept, want the window's 17 or so", len(b.marks))
			}
		})
	}
}

// BenchmarkUploadTransport posts a 16 MiB upload over loopback through the
// transport, with the default pace checks and without; the operation
// refuses its format, so no job runs beside the benchmark.
func BenchmarkUploadTransport(b *testing.B) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", `{"query": "mutation($u: [Upload!]) { startIngest(format: \"nope\", uploads: $u) { id } }", "variables": {"u": [null]}}`)
	_ = mw.WriteField("map", `{"0": ["variables.u.0"]}`)
	part, _ := mw.CreateFormFile("0", "bench.jsonl")
	_, _ = part.Write(bytes.Repeat([]byte("0123456789abcdef"), 1<<20))
	_ = mw.Close()
	body := buf.Bytes()
	for _, bc := range []struct {
		name string
		tr   uploadTransport
	}{
		{"paced", uploadTransport{}},
		{"unpaced", uploadTransport{idleTimeout: -1, minRate: -1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newUploadHarness(b, bc.tr)
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, h.ts.URL, bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("GraphQL-Require-Preflight", "1")
				resp, err := h.ts.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(raw), "INVALID_ARGUMENT") {
					b.Fatalf("answer %d %s", resp.StatusCode, raw)
				}
			}
		})
	}
}

// BenchmarkPacedBody is the pace checks' cost per 4 KiB read, the reads
// the multipart reader makes.
func BenchmarkPacedBody(b *testing.B) {
	rc := http.NewResponseController(httptest.NewRecorder())
	body := newPacedBody(zeros{}, rc, pace{}.orDefaults(), time.Hour)
	buf := make([]byte, 4<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := body.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { return len(p), nil }
