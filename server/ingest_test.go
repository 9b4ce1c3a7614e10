package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

// gatedWriter holds the first write until the test opens the gate, so
// that a job is seen running.
type gatedWriter struct {
	investigate.Store
	once    sync.Once
	writing chan struct{}
	gate    chan struct{}
}

func (g *gatedWriter) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	g.once.Do(func() {
		close(g.writing)
		<-g.gate
	})
	return g.Store.Write(ctx, b)
}

const evidence = `{"type":"node","kind":"THREAT_GROUP","key":"kimsuky","label":"Kimsuky","sources":[{"dataset":"api-test"}]}
{"type":"node","kind":"PERSON","key":"api-persona","label":"API persona","sources":[{"dataset":"api-test"}]}
{"type":"node","kind":"WALET","key":"x","sources":[{"dataset":"api-test"}]}
{"type":"edge","kind":"PART_OF","from":"person:api-persona","to":"threat_group:kimsuky","sources":[{"dataset":"api-test"}]}
`

const jobFields = `id state error errorCode rejected path format started finished
  rejections { file line field recordId code reason }
  progress { phase records bytes totalBytes rate etaSeconds nodesCreated edgesCreated }`

type apiJob struct {
	ID, State, Path, Format string
	Error, ErrorCode        *string
	Rejected                int
	Started, Finished       *time.Time
	Rejections              []struct {
		File   string
		Line   *int
		Field  *string
		Code   string
		Reason string
	}
	Progress struct {
		Phase                      string
		Records, Bytes             int
		TotalBytes                 *int
		NodesCreated, EdgesCreated int
	}
}

func decodeJob(t *testing.T, r gqlResponse, field string) apiJob {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %+v", field, r.Errors)
	}
	var data map[string]apiJob
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
	return data[field]
}

func stats(t *testing.T, ts *httptest.Server) (nodes, edges int) {
	t.Helper()
	var out struct{ Stats struct{ Nodes, Edges int } }
	r := query(t, ts, `{ stats { nodes edges } }`, nil)
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Stats.Nodes, out.Stats.Edges
}

// sseEvents posts a subscription with Accept: text/event-stream and
// returns the payloads of its "next" events, in order, once the stream
// completes.
func sseEvents(t *testing.T, ts *httptest.Server, q string, vars map[string]any, started chan<- struct{}) []apiJob {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}
	var out []apiJob
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
			if event == "complete" {
				return out
			}
		case strings.HasPrefix(line, "data: ") && event == "next":
			var r gqlResponse
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &r); err != nil {
				t.Fatalf("event %q: %v", line, err)
			}
			out = append(out, decodeJob(t, r, "ingestProgress"))
			if len(out) == 1 && started != nil {
				close(started)
			}
		}
	}
	t.Fatalf("stream ended without a complete event (%v) after %d events", sc.Err(), len(out))
	return nil
}

// TestIngestOverAPI starts a job on a file of the import directory,
// follows it over server-sent events and by polling, and checks the graph
// grew and the rejected line is reported.
func TestIngestOverAPI(t *testing.T) {
	store := openStore(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "evidence.jsonl"), []byte(evidence), 0o644); err != nil {
		t.Fatal(err)
	}
	w := &gatedWriter{Store: store, writing: make(chan struct{}), gate: make(chan struct{})}
	ts := startWithJobs(t, store, w, dir)
	nodes0, edges0 := stats(t, ts)

	job := decodeJob(t, query(t, ts, `mutation($p: String!) { startIngest(format: "native", path: $p) { `+jobFields+` } }`,
		map[string]any{"p": "evidence.jsonl"}), "startIngest")
	if job.ID == "" || job.State != "QUEUED" && job.State != "RUNNING" || job.Path != "evidence.jsonl" || job.Format != "native" {
		t.Fatalf("started job = %+v", job)
	}
	<-w.writing // the job is running, held in its first write

	t.Run("SSE stream: progress, then the final state", func(t *testing.T) {
		started := make(chan struct{})
		go func() {
			<-started // the first event is out: let the job finish
			close(w.gate)
		}()
		events := sseEvents(t, ts, `subscription($id: ID!) { ingestProgress(id: $id) { `+jobFields+` } }`, map[string]any{"id": job.ID}, started)
		if len(events) < 2 {
			t.Fatalf("%d events, want the running state then the final one: %+v", len(events), events)
		}
		if events[0].State != "RUNNING" {
			t.Errorf("first event %s, want RUNNING", events[0].State)
		}
		last := events[len(events)-1]
		if last.State != "SUCCEEDED" || last.Progress.Phase != "done" || last.Finished == nil {
			t.Errorf("last event = %+v, want SUCCEEDED and done", last)
		}
		for i, e := range events[:len(events)-1] {
			if e.State != "RUNNING" || (i > 0 && e.Progress.Records < events[i-1].Progress.Records) {
				t.Errorf("event %d = %+v", i, e)
			}
		}
	})

	// Polling sees the same end.
	deadline := time.Now().Add(30 * time.Second)
	for job.State != "SUCCEEDED" {
		if time.Now().After(deadline) || job.State == "FAILED" || job.State == "CANCELLED" {
			t.Fatalf("job = %+v", job)
		}
		time.Sleep(10 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
		job = decodeJob(t, query(t, ts, `query($id: ID!) { ingestJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": job.ID}), "ingestJob")
	}
	if job.Rejected != 1 || len(job.Rejections) != 1 {
		t.Fatalf("rejections = %d %+v, want the WALET line", job.Rejected, job.Rejections)
	}
	rj := job.Rejections[0]
	if rj.File != "evidence.jsonl" || rj.Line == nil || *rj.Line != 3 || rj.Field == nil || *rj.Field != "kind" || rj.Code != "INVALID_ARGUMENT" || !strings.Contains(rj.Reason, "WALET") {
		t.Errorf("rejection = %+v, want evidence.jsonl:3 field kind", rj)
	}
	if job.Progress.NodesCreated != 2 || job.Progress.EdgesCreated != 1 || job.Progress.Records != 4 ||
		job.Progress.TotalBytes == nil || job.Progress.Bytes != *job.Progress.TotalBytes || job.Started == nil {
		t.Errorf("progress = %+v", job.Progress)
	}
	if n, e := stats(t, ts); n != nodes0+2 || e != edges0+1 {
		t.Errorf("stats %d nodes %d edges, want %d and %d", n, e, nodes0+2, edges0+1)
	}
	var list struct{ IngestJobs []apiJob }
	if err := json.Unmarshal(query(t, ts, `{ ingestJobs { id state } }`, nil).Data, &list); err != nil || len(list.IngestJobs) != 1 || list.IngestJobs[0].ID != job.ID {
		t.Errorf("ingestJobs = %+v, %v", list, err)
	}

	t.Run("refusals", func(t *testing.T) {
		secret := filepath.Join(filepath.Dir(dir), "secret.jsonl")
		if err := os.WriteFile(secret, []byte(evidence), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, filepath.Join(dir, "link.jsonl")); err != nil {
			t.Fatal(err)
		}
		tests := []struct{ format, path, code string }{
			{"native", "../secret.jsonl", "FORBIDDEN"},
			{"native", secret, "FORBIDDEN"},
			{"native", "link.jsonl", "FORBIDDEN"},
			{"native", "missing.jsonl", "NOT_FOUND"},
			{"nope", "evidence.jsonl", "INVALID_ARGUMENT"},
		}
		for _, tt := range tests {
			r := query(t, ts, `mutation($f: String!, $p: String!) { startIngest(format: $f, path: $p) { id } }`, map[string]any{"f": tt.format, "p": tt.path})
			if r.code() != tt.code {
				t.Errorf("startIngest(%s, %s): %+v, want %s", tt.format, tt.path, r.Errors, tt.code)
			}
			if len(r.Errors) > 0 && strings.Contains(r.Errors[0].Message, dir) {
				t.Errorf("error message %q reveals the import directory", r.Errors[0].Message)
			}
		}
		if r := query(t, ts, `mutation { cancelIngest(id: "nope") { id } }`, nil); r.code() != "NOT_FOUND" {
			t.Errorf("cancelIngest(nope): %+v", r.Errors)
		}
		if r := query(t, ts, `{ ingestJob(id: "nope") { id } }`, nil); len(r.Errors) > 0 || !jsonEqual(t, r.Data, `{"ingestJob":null}`) {
			t.Errorf("ingestJob(nope) = %s %+v", r.Data, r.Errors)
		}
	})
}

// TestIngestDisabled: without an import directory the mutation says how
// to enable it; without a job runner it is refused too.
func TestIngestDisabled(t *testing.T) {
	store := openStore(t)
	jm, err := jobs.New(store, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg := server.DefaultConfig()
	cfg.Jobs = jm
	r := query(t, start(t, store, cfg), `mutation { startIngest(format: "native", path: "x.jsonl") { id } }`, nil)
	if r.code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "--import-dir") {
		t.Errorf("no import dir: %+v", r.Errors)
	}
	r = query(t, start(t, store, server.DefaultConfig()), `mutation { startIngest(format: "native", path: "x.jsonl") { id } }`, nil)
	if r.code() != "FORBIDDEN" {
		t.Errorf("no job runner: %+v", r.Errors)
	}
}

// TestFailedJobReasonOverAPI: a job that fails as a whole says why in its
// record, with a code, and names no server path.
func TestFailedJobReasonOverAPI(t *testing.T) {
	store := openStore(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "list.csv"), []byte("hello,world,again\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startWithJobs(t, store, store, dir)

	job := decodeJob(t, query(t, ts, `mutation { startIngest(format: "ofac-csv", path: "list.csv") { `+jobFields+` } }`, nil), "startIngest")
	deadline := time.Now().Add(30 * time.Second)
	for job.State == "QUEUED" || job.State == "RUNNING" {
		if time.Now().After(deadline) {
			t.Fatalf("job still %s after 30 s", job.State)
		}
		time.Sleep(10 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
		job = decodeJob(t, query(t, ts, `query($id: ID!) { ingestJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": job.ID}), "ingestJob")
	}
	if job.State != "FAILED" || job.Error == nil || job.ErrorCode == nil || *job.ErrorCode == "INTERNAL" {
		t.Fatalf("job = %+v, want FAILED with a coded reason", job)
	}
	if !strings.Contains(*job.Error, "list.csv") || strings.Contains(*job.Error, dir) {
		t.Errorf("error %q: want the file's name and no server path", *job.Error)
	}
}

// startWithJobs serves store with ingest jobs that write through w and
// read the import directory dir.
func startWithJobs(t *testing.T, store investigate.Store, w ingest.Writer, dir string) *httptest.Server {
	t.Helper()
	jm, err := jobs.New(w, jobs.Config{ImportDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg := server.DefaultConfig()
	cfg.Jobs = jm
	return start(t, store, cfg)
}
