package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

const stixFile = "../../shared/data/mitre-attack/dprk-enterprise-attack-v18.1.json"

// upFile is a file of a multipart request: its content goes into the
// variable at path (such as "uploads.0") under the file name name.
type upFile struct {
	path, name string
	content    io.Reader
}

// multipartBody writes a GraphQL multipart request (operations, map, the
// files) into w with mime/multipart, and returns its content type.
func multipartBody(t *testing.T, w io.Writer, q string, vars map[string]any, files []upFile) (string, func() error) {
	t.Helper()
	mw := multipart.NewWriter(w)
	return mw.FormDataContentType(), func() error {
		ops, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		if err := mw.WriteField("operations", string(ops)); err != nil {
			return err
		}
		m := map[string][]string{}
		for i, f := range files {
			m[fmt.Sprint(i)] = []string{"variables." + f.path}
		}
		mb, _ := json.Marshal(m)
		if err := mw.WriteField("map", string(mb)); err != nil {
			return err
		}
		for i, f := range files {
			part, err := mw.CreateFormFile(fmt.Sprint(i), f.name)
			if err != nil {
				return err
			}
			if _, err := io.Copy(part, f.content); err != nil {
				return err
			}
		}
		return mw.Close()
	}
}

// uploadRequest posts a multipart request with the preflight header (unless
// headers say otherwise); streamed says to send it chunked, through a
// pipe, as a client streaming a large file does.
func uploadRequest(t *testing.T, ts *httptest.Server, q string, vars map[string]any, files []upFile, headers map[string]string, streamed bool) (int, gqlResponse) {
	t.Helper()
	var body io.Reader
	var ctype string
	if streamed {
		pr, pw := io.Pipe()
		var write func() error
		ctype, write = multipartBody(t, pw, q, vars, files)
		go func() { pw.CloseWithError(write()) }()
		defer pr.Close()
		body = pr
	} else {
		var buf bytes.Buffer
		var write func() error
		ctype, write = multipartBody(t, &buf, q, vars, files)
		if err := write(); err != nil {
			t.Fatal(err)
		}
		body = &buf
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("GraphQL-Require-Preflight", "1")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode %d %s: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

const uploadJobFields = `id state error rejected skipped skippedByReason { reason count } resumed
  inputs { name uploaded bytes }
  rejections { file line field recordId reason }
  progress { phase records resumedAt nodesCreated nodesUnchanged edgesCreated edgesUnchanged }`

type uploadJob struct {
	ID, State       string
	Error           *string
	Rejected        int
	Skipped         int
	SkippedByReason []struct {
		Reason string
		Count  int
	}
	Resumed int
	Inputs  []struct {
		Name     string
		Uploaded bool
		Bytes    *int
	}
	Rejections []struct {
		File   string
		Line   *int
		Reason string
	}
	Progress struct {
		Phase                                                      string
		Records, ResumedAt                                         int
		NodesCreated, NodesUnchanged, EdgesCreated, EdgesUnchanged int
	}
}

func decodeUploadJob(t *testing.T, r gqlResponse, field string) uploadJob {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %+v", field, r.Errors)
	}
	var data map[string]uploadJob
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
	return data[field]
}

// waitJob polls job id until it is over.
func waitJob(t *testing.T, ts *httptest.Server, id string) uploadJob {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j := decodeUploadJob(t, query(t, ts, `query($id: ID!) { ingestJob(id: $id) { `+uploadJobFields+` } }`, map[string]any{"id": id}), "ingestJob")
		if j.State == "SUCCEEDED" || j.State == "FAILED" || j.State == "CANCELLED" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after 60s", id, j.State)
		}
		time.Sleep(10 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
}

// personLines returns native lines: n persons, each employed by the
// previous one (edges first), and one bad line.
func personLines(prefix string, n int) string {
	var b strings.Builder
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, `{"type":"edge","kind":"EMPLOYS","from":"person:%s%d","to":"person:%s%d","sources":[{"dataset":"api"}]}`+"\n", prefix, i-1, prefix, i)
	}
	b.WriteString(`{"type":"node","kind":"WALET","key":"x","sources":[{"dataset":"api"}]}` + "\n")
	for i := range n {
		fmt.Fprintf(&b, `{"type":"node","kind":"PERSON","key":"%s%d","sources":[{"dataset":"api"}]}`+"\n", prefix, i)
	}
	return b.String()
}

// uploadServer serves store with a job manager configured by cfg.
func uploadServer(t *testing.T, store investigate.Store, cfg jobs.Config) (*httptest.Server, *jobs.Manager) {
	t.Helper()
	jm, err := jobs.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	scfg := server.DefaultConfig()
	scfg.Jobs = jm
	return start(t, store, scfg), jm
}

// files lists the regular files below dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestUploadIngest loads uploaded files through GraphQL multipart requests,
// alone and with a file of the import directory, and checks where they
// are stored, what the job reports (skipped STIX objects among it) and
// that the graph grew.
func TestUploadIngest(t *testing.T) {
	store := openStore(t)
	imp, state := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(imp, "server.jsonl"), []byte(personLines("s", 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, _ := uploadServer(t, store, jobs.Config{ImportDir: imp, StateDir: state})
	stix, err := os.ReadFile(stixFile)
	if err != nil {
		t.Fatal(err)
	}
	const mutation = `mutation($f: String!, $p: [String!], $u: [Upload!]) { startIngest(format: $f, paths: $p, uploads: $u) { ` + uploadJobFields + ` } }`
	up := func(i int, name, content string) upFile {
		return upFile{path: fmt.Sprintf("u.%d", i), name: name, content: strings.NewReader(content)}
	}
	tests := []struct {
		name     string
		format   string
		paths    []string
		files    []upFile
		streamed bool
		inputs   []string // names the job reports
		check    func(t *testing.T, j uploadJob)
	}{
		{
			name: "STIX bundle, skipped objects counted", format: "stix",
			files:  []upFile{{path: "u.0", name: "dprk-enterprise-attack-v18.1.json", content: bytes.NewReader(stix)}},
			inputs: []string{"dprk-enterprise-attack-v18.1.json"}, streamed: true,
			check: func(t *testing.T, j uploadJob) {
				sum := 0
				for _, s := range j.SkippedByReason {
					sum += s.Count
				}
				if j.Skipped == 0 || sum != j.Skipped || j.Progress.NodesCreated == 0 {
					t.Errorf("skipped %d, by reason %+v (sum %d), %d nodes created; want skips that add up and nodes", j.Skipped, j.SkippedByReason, sum, j.Progress.NodesCreated)
				}
				if *j.Inputs[0].Bytes != len(stix) {
					t.Errorf("input of %d bytes, want %d", *j.Inputs[0].Bytes, len(stix))
				}
			},
		},
		{
			name: "traversal in the file name stays in the job's directory", format: "native",
			files:  []upFile{up(0, "../../../../evil.jsonl", personLines("t", 4)), up(1, `..\..\win.jsonl`, personLines("w", 2)), up(2, "..", personLines("d", 2))},
			inputs: []string{"evil.jsonl", "win.jsonl", "upload-3"},
			check: func(t *testing.T, j uploadJob) {
				if j.Rejected != 3 || j.Rejections[0].File != "evil.jsonl" || *j.Rejections[0].Line != 4 {
					t.Errorf("rejections %+v, want one per file, the first at evil.jsonl:4", j.Rejections)
				}
			},
		},
		{
			name: "a server file and an upload in one job", format: "native",
			paths: []string{"server.jsonl"}, files: []upFile{up(0, "client.jsonl", personLines("c", 3))},
			inputs: []string{"server.jsonl", "client.jsonl"},
			check: func(t *testing.T, j uploadJob) {
				if j.Progress.NodesCreated != 6 || j.Progress.EdgesCreated != 4 || !j.Inputs[1].Uploaded || j.Inputs[0].Uploaded {
					t.Errorf("job %+v, want 6 nodes and 4 edges from one server file and one upload", j)
				}
			},
		},
	}
	var stored []string // job directories
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]any{"f": tt.format, "p": tt.paths, "u": make([]any, len(tt.files))}
			status, r := uploadRequest(t, ts, mutation, vars, tt.files, nil, tt.streamed)
			if status != http.StatusOK {
				t.Fatalf("status %d: %+v", status, r.Errors)
			}
			j := waitJob(t, ts, decodeUploadJob(t, r, "startIngest").ID)
			if j.State != "SUCCEEDED" {
				t.Fatalf("job %s: %v", j.State, j.Error)
			}
			var names []string
			for _, in := range j.Inputs {
				names = append(names, in.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.inputs) {
				t.Errorf("inputs %q, want %q", names, tt.inputs)
			}
			var want []string
			for _, in := range j.Inputs {
				if in.Uploaded {
					want = append(want, in.Name)
				}
			}
			stored = append(stored, "jobs/uploads/"+j.ID)
			got := files(t, filepath.Join(state, "jobs", "uploads", j.ID))
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("stored files %q, want %q in the job's directory", got, want)
			}
			tt.check(t, j)
		})
	}
	// Nothing was written in the state directory but the job list and
	// the uploads in their jobs' directories.
	for _, f := range files(t, state) {
		if f != filepath.Join("jobs", "jobs.db") && !slices.ContainsFunc(stored, func(d string) bool { return strings.HasPrefix(f, d+"/") }) {
			t.Errorf("file %s in the state directory", f)
		}
	}
}

// TestUploadTooLarge: an upload beyond the limit is refused while it
// streams, leaves no file behind, and the server goes on answering,
// small uploads included.
func TestUploadTooLarge(t *testing.T) {
	store := openStore(t)
	state := t.TempDir()
	ts, _ := uploadServer(t, store, jobs.Config{StateDir: state, MaxUploadBytes: 64 << 10})
	const mutation = `mutation($u: [Upload!]) { startIngest(format: "native", uploads: $u) { id } }`
	big := strings.Repeat(personLines("big", 2), 1<<20/200)
	tests := []struct {
		name     string
		files    []upFile
		streamed bool
	}{
		{"one file, streamed", []upFile{{"u.0", "big.jsonl", strings.NewReader(big)}}, true},
		{"one file, length known", []upFile{{"u.0", "big.jsonl", strings.NewReader(big)}}, false},
		{"files that fit alone, not together", []upFile{{"u.0", "a.jsonl", strings.NewReader(big[:40<<10])}, {"u.1", "b.jsonl", strings.NewReader(big[:40<<10])}}, true},
		{"body far beyond, refused before reading", []upFile{{"u.0", "huge.jsonl", strings.NewReader(strings.Repeat(big, 4))}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r := uploadRequest(t, ts, mutation, map[string]any{"u": make([]any, len(tt.files))}, tt.files, nil, tt.streamed)
			if status != http.StatusRequestEntityTooLarge || r.code() != "LIMIT_EXCEEDED" || !strings.Contains(r.Errors[0].Message, "64 KiB") {
				t.Errorf("status %d, errors %+v; want 413 LIMIT_EXCEEDED naming the 64 KiB limit", status, r.Errors)
			}
			if left := files(t, filepath.Join(state, "jobs", "uploads")); len(left) > 0 {
				t.Errorf("files left after a refused upload: %q", left)
			}
		})
	}
	if n, _ := stats(t, ts); n == 0 {
		t.Error("the store answers no more")
	}
	status, r := uploadRequest(t, ts, mutation, map[string]any{"u": []any{nil}}, []upFile{{"u.0", "small.jsonl", strings.NewReader(personLines("s", 2))}}, nil, true)
	if status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("small upload after the refusals: %d %+v", status, r.Errors)
	}
	var data struct{ StartIngest struct{ ID string } }
	_ = json.Unmarshal(r.Data, &data)
	if j := waitJob(t, ts, data.StartIngest.ID); j.State != "SUCCEEDED" {
		t.Errorf("small upload: %s", j.State)
	}
}

// TestUploadRefusals: requests the server refuses, each with its code.
func TestUploadRefusals(t *testing.T) {
	store := openStore(t)
	ts, _ := uploadServer(t, store, jobs.Config{StateDir: t.TempDir()})
	noState, _ := uploadServer(t, store, jobs.Config{})
	const mutation = `mutation($u: [Upload!]) { startIngest(format: "native", uploads: $u) { id } }`
	file := func() []upFile { return []upFile{{"u.0", "a.jsonl", strings.NewReader(personLines("a", 1))}} }
	tests := []struct {
		name    string
		ts      *httptest.Server
		query   string
		vars    map[string]any
		files   []upFile
		headers map[string]string
		status  int
		code    string
	}{
		{"no preflight header", ts, mutation, map[string]any{"u": []any{nil}}, file(), map[string]string{"GraphQL-Require-Preflight": ""}, http.StatusBadRequest, "INVALID_ARGUMENT"},
		{"Apollo's preflight header", ts, mutation, map[string]any{"u": []any{nil}}, file(), map[string]string{"GraphQL-Require-Preflight": "", "Apollo-Require-Preflight": "true"}, http.StatusOK, ""},
		{"no state directory", noState, mutation, map[string]any{"u": []any{nil}}, file(), nil, http.StatusForbidden, "FORBIDDEN"},
		{"map points at a variable that is not null", ts, mutation, map[string]any{"u": []any{"x"}}, file(), nil, http.StatusBadRequest, "INVALID_ARGUMENT"},
		{"map points nowhere", ts, mutation, map[string]any{}, file(), nil, http.StatusBadRequest, "INVALID_ARGUMENT"},
		{"unknown format", ts, `mutation($u: [Upload!]) { startIngest(format: "nope", uploads: $u) { id } }`, map[string]any{"u": []any{nil}}, file(), nil, http.StatusOK, "INVALID_ARGUMENT"},
		{"path and paths", ts, `mutation($u: [Upload!]) { startIngest(format: "native", path: "a", paths: ["b"], uploads: $u) { id } }`, map[string]any{"u": []any{nil}}, file(), nil, http.StatusOK, "INVALID_ARGUMENT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r := uploadRequest(t, tt.ts, tt.query, tt.vars, tt.files, tt.headers, false)
			if status != tt.status || r.code() != tt.code {
				t.Errorf("status %d, errors %+v; want %d and code %q", status, r.Errors, tt.status, tt.code)
			}
		})
	}
	// Without any file, startIngest says what it needs.
	if r := query(t, ts, `mutation { startIngest(format: "native") { id } }`, nil); r.code() != "INVALID_ARGUMENT" {
		t.Errorf("startIngest without files: %+v", r.Errors)
	}
	// A JSON POST cannot carry uploads.
	if r := query(t, ts, mutation, map[string]any{"u": []any{"not a file"}}); len(r.Errors) == 0 {
		t.Error("a JSON string was taken for an upload")
	}
}

// TestJobsSurviveRestart stops the server (its job manager) during an
// upload job and starts a new one on the same state directory: the job is
// listed with its ID, runs again from its checkpoint and succeeds with the
// counts of a run never stopped; the history of finished jobs is kept.
func TestJobsSurviveRestart(t *testing.T) {
	store := openStore(t)
	state := t.TempDir()
	const n = 50
	content := personLines("r", n)
	const mutation = `mutation($u: [Upload!]) { startIngest(format: "native", uploads: $u) { id } }`
	startJob := func(ts *httptest.Server, name string) string {
		t.Helper()
		status, r := uploadRequest(t, ts, mutation, map[string]any{"u": []any{nil}}, []upFile{{"u.0", name, strings.NewReader(content)}}, nil, false)
		var data struct{ StartIngest struct{ ID string } }
		if err := json.Unmarshal(r.Data, &data); status != http.StatusOK || err != nil || data.StartIngest.ID == "" {
			t.Fatalf("startIngest: %d %+v", status, r.Errors)
		}
		return data.StartIngest.ID
	}
	nodes0, edges0 := stats(t, start(t, store, server.DefaultConfig()))

	stall := ingesttest.NewStallStore(store, 3)
	jm1, err := jobs.New(stall, jobs.Config{StateDir: state, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Jobs = jm1
	ts1 := server.ServeTest(t, server.New(store, server.WithTestAuth(t, cfg), testLogger(t)).Handler())
	id := startJob(ts1, "restart.jsonl")
	<-stall.Stalled
	jm1.Close() // what Serve does when its context ends
	ts1.Close()

	ts2, _ := uploadServer(t, store, jobs.Config{StateDir: state, BatchSize: 8})
	j := waitJob(t, ts2, id)
	if j.State != "SUCCEEDED" || j.Resumed != 1 || j.Progress.ResumedAt == 0 || len(j.Inputs) != 1 || j.Inputs[0].Name != "restart.jsonl" {
		t.Fatalf("after the restart: %+v; want SUCCEEDED, resumed once past record 0", j)
	}
	if j.Progress.Records != 2*n || j.Rejected != 1 || j.Progress.NodesCreated+j.Progress.NodesUnchanged != n || j.Progress.EdgesCreated+j.Progress.EdgesUnchanged != n-1 {
		t.Errorf("counts %+v, %d rejected; want %d records, %d nodes, %d edges, 1 rejected", j.Progress, j.Rejected, 2*n, n, n-1)
	}
	if nodes, edges := stats(t, ts2); nodes != nodes0+n || edges != edges0+n-1 {
		t.Errorf("graph %d nodes %d edges, want %d and %d", nodes, edges, nodes0+n, edges0+n-1)
	}
	var list struct{ IngestJobs []struct{ ID, State string } }
	if err := json.Unmarshal(query(t, ts2, `{ ingestJobs { id state } }`, nil).Data, &list); err != nil || len(list.IngestJobs) != 1 || list.IngestJobs[0].ID != id {
		t.Errorf("ingestJobs = %+v, %v", list, err)
	}
	if left := files(t, filepath.Join(state, "jobs", "checkpoints")); len(left) > 0 {
		t.Errorf("checkpoints left after the job succeeded: %q", left)
	}
}
