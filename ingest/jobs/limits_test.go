package jobs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

// gateWriter holds the first Write until open is closed (or its context
// ends), then writes to w: a job that keeps the worker busy while a test
// changes the files of the next one.
type gateWriter struct {
	w       ingest.Writer
	writing chan struct{} // receives when the first Write waits
	open    chan struct{}
	once    sync.Once
}

func newGate(w ingest.Writer) *gateWriter {
	return &gateWriter{w: w, writing: make(chan struct{}, 1), open: make(chan struct{})}
}

func (g *gateWriter) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		g.writing <- struct{}{}
		select {
		case <-g.open:
		case <-ctx.Done():
			return graph.WriteResult{}, ctx.Err()
		}
	}
	return g.w.Write(ctx, b)
}

// behind starts a job that holds the worker, then job req, and returns
// the second job's ID once the worker is held: what the test does next
// happens after req was accepted and before its files are opened. release
// lets the worker go on.
func behind(t *testing.T, m *jobs.Manager, g *gateWriter, dir string, req jobs.Request) (id string, release func()) {
	t.Helper()
	write(t, filepath.Join(dir, "holder.jsonl"), good)
	if _, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"holder.jsonl"}}); err != nil {
		t.Fatal(err)
	}
	<-g.writing
	j, err := m.Start(t.Context(), req)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return j.ID, func() { close(g.open) }
}

// TestSymlinkSwap: a file swapped for a symbolic link out of the import
// directory after its job was accepted, and before the worker opens it, is
// not followed: the job fails with a coded reason, nothing outside is read.
func TestSymlinkSwap(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "import")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	const secret = `{"type":"node","kind":"PERSON","key":"secret","sources":[{"dataset":"t"}]}` + "\n"
	write(t, filepath.Join(root, "secret.jsonl"), secret)
	tests := []struct {
		name, path string
		swap       func(t *testing.T)
	}{
		{"file swapped for a link", "f.jsonl", func(t *testing.T) {
			if err := os.Remove(filepath.Join(dir, "f.jsonl")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(root, "secret.jsonl"), filepath.Join(dir, "f.jsonl")); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory swapped for a link", "sub/f.jsonl", func(t *testing.T) {
			if err := os.RemoveAll(filepath.Join(dir, "sub")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(root, filepath.Join(dir, "sub")); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(root, "f.jsonl"), secret)
		}},
		{"file swapped for a relative link", "f.jsonl", func(t *testing.T) {
			if err := os.Remove(filepath.Join(dir, "f.jsonl")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("../secret.jsonl", filepath.Join(dir, "f.jsonl")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.RemoveAll(filepath.Join(dir, "f.jsonl"))
			_ = os.RemoveAll(filepath.Join(dir, "sub"))
			if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, tt.path), good)
			store := openStore(t)
			g := newGate(store)
			m := newManagerOn(t, g, jobs.Config{ImportDir: dir})
			id, release := behind(t, m, g, dir, jobs.Request{Format: "native", Paths: []string{tt.path}})
			tt.swap(t)
			release()
			got := final(t, m, id)
			if got.State != jobs.Failed || got.ErrorCode != graph.CodeForbidden || got.Progress.Records != 0 ||
				!strings.HasPrefix(got.Error, tt.path+": ") || strings.Contains(got.Error, root) {
				t.Errorf("job ended %s, %s %q, %d records", got.State, got.ErrorCode, got.Error, got.Progress.Records)
			}
			if nodes, err := store.Nodes(t.Context(), []string{"person:secret"}); err != nil || nodes[0] != nil {
				t.Errorf("the file outside was read: %v, %v", nodes, err)
			}
		})
	}
}

// TestFailedJobReason: a job that fails as a whole says why in its record,
// with a code and the client's name of the file, never the server's path
// nor Go's error text; for every format, and for the formats' own fatal
// errors.
func TestFailedJobReason(t *testing.T) {
	type job struct {
		format, file, content string
		change                func(t *testing.T, path string) // after the job is accepted
		code                  graph.Code
		reason                string
	}
	remove := func(t *testing.T, path string) {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	toDir := func(t *testing.T, path string) {
		remove(t, path)
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fifo := func(t *testing.T, path string) {
		remove(t, path)
		if err := mkfifo(path); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	var tests []job
	for _, format := range []string{"native", "ofac-csv", "ftm", "stix", "tagpack", "incidents", "etl-eth", "etl-btc", "personas"} {
		tests = append(tests,
			job{format, "gone.txt", "x\n", remove, graph.CodeNotFound, "gone.txt: it is no longer in the import directory"},
			job{format, "dir.txt", "x\n", toDir, graph.CodeForbidden, "dir.txt: it is no longer a regular file: refused"})
	}
	tests = append(tests,
		job{"native", "fifo.jsonl", good, fifo, graph.CodeForbidden, "fifo.jsonl: it is no longer a regular file: refused"},
		job{"ofac-csv", "unknown.csv", "hello,world,again\n1,2,3\n", nil, graph.CodeInvalid, `unknown.csv: not an OFAC file this format knows: first line "hello,world,again"`},
		job{"ofac-csv", "addresses.txt", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\n", nil, graph.CodeInvalid, "addresses.txt: a plain address list does not say its currency"},
		job{"ofac-csv", "sanctioned_addresses_ETH.json", "[\n\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\",\n\"0x", nil, graph.CodeInvalid, "sanctioned_addresses_ETH.json: the JSON ends before it is complete, after line 2"},
		job{"ofac-csv", "sdn.json", "{\"metadata\": {},\n \"addresses\": {\"0xab\": ]}", nil, graph.CodeInvalid, "sdn.json: invalid JSON at line 2"},
		job{"tagpack", "actors.yaml", "actors: 5\n", nil, graph.CodeInvalid, "actors.yaml: not an ActorPack: no list of actors"},
	)
	for _, tt := range tests {
		for _, state := range []bool{false, true} { // with a state directory, files are fingerprinted first
			name := tt.format + "/" + tt.file
			if state {
				name += "/state"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, tt.file)
				write(t, path, tt.content)
				g := newGate(openStore(t))
				cfg := jobs.Config{ImportDir: dir}
				if state {
					cfg.StateDir = t.TempDir()
				}
				m := newManagerOn(t, g, cfg)
				id, release := behind(t, m, g, dir, jobs.Request{Format: tt.format, Paths: []string{tt.file}})
				if tt.change != nil {
					tt.change(t, path)
				}
				release()
				got := final(t, m, id)
				if got.State != jobs.Failed || got.ErrorCode != tt.code || !strings.HasPrefix(got.Error, tt.reason) {
					t.Errorf("job ended %s: %s %q, want %s %q…", got.State, got.ErrorCode, got.Error, tt.code, tt.reason)
				}
				for _, leak := range []string{dir, "open ", "openat", "no such file", "is a directory", "invalid character", "unexpected EOF", "yaml: line", "internal error", "read "} {
					if strings.Contains(got.Error, leak) {
						t.Errorf("reason %q shows %q", got.Error, leak)
					}
				}
			})
		}
	}
}

// TestHugeValuesJob: cells and properties of megabytes are rejected with
// their positions, the job's record (in memory, on disk, and after a
// restart) keeps only excerpts and codes, and the other records load.
func TestHugeValuesJob(t *testing.T) {
	imp, state := t.TempDir(), t.TempDir()
	mb := strings.Repeat("v", 4<<20)
	write(t, filepath.Join(imp, "p.csv"), "type,persona,name,note\n"+
		"persona,persona-a,A,\""+mb+"\"\n"+
		mb+",persona-b,,\n"+
		"persona,persona-c,\""+strings.Repeat("w", ingest.MaxRecordBytes+1)+"\",\n"+
		"persona,persona-d,D,\n")
	write(t, filepath.Join(imp, "n.jsonl"), good+
		`{"type":"node","kind":"PERSON","key":"big","props":{"cv":"`+mb+`"},"sources":[{"dataset":"t"}]}`+"\n"+
		`{"type":"node","kind":"PERSON","key":"`+mb+`","sources":[{"dataset":"t"}]}`+"\n")
	store := openStore(t)
	m := newManagerOn(t, store, jobs.Config{ImportDir: imp, StateDir: state})
	want := map[string][]string{
		"personas": {`p.csv:2 sources[0].excerpt LIMIT_EXCEEDED the value is 4 MiB (4194304 bytes), over the limit of 64 KiB`,
			`p.csv:3 type INVALID_ARGUMENT "` + strings.Repeat("v", ingest.MaxExcerpt) + `…": want one of persona, identifier, wallet, employer, payment, front, location, attribution`,
			`p.csv:4 name LIMIT_EXCEEDED the row is 16.0 MiB (16777239 bytes), over the limit of 16 MiB`},
		"native": {`n.jsonl:2 props.cv LIMIT_EXCEEDED the value is 4 MiB (4194304 bytes), over the limit of 64 KiB`,
			`n.jsonl:3 id LIMIT_EXCEEDED the value is 4.0 MiB (4194311 bytes), over the limit of 64 KiB`},
	}
	rejections := func(j jobs.Job) []string {
		var out []string
		for _, r := range j.Rejections {
			out = append(out, r.Pos.String()+" "+r.Field+" "+string(r.Code())+" "+r.Reason())
		}
		return out
	}
	var ids []string
	for _, req := range []jobs.Request{{Format: "personas", Paths: []string{"p.csv"}}, {Format: "native", Paths: []string{"n.jsonl"}}} {
		j, err := m.Start(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		got := final(t, m, j.ID)
		if got.State != jobs.Succeeded || strings.Join(rejections(got), "\n") != strings.Join(want[req.Format], "\n") {
			t.Errorf("%s job: %s, rejections\n%s\nwant\n%s", req.Format, got.State, strings.Join(rejections(got), "\n"), strings.Join(want[req.Format], "\n"))
		}
		if b, _ := json.Marshal(got); len(b) > 8<<10 {
			t.Errorf("%s job: a snapshot of %d bytes", req.Format, len(b))
		}
		for _, r := range got.Rejections {
			if len(r.ID) > ingest.MaxExcerpt+3 {
				t.Errorf("rejection ID of %d bytes", len(r.ID))
			}
		}
		ids = append(ids, j.ID)
	}
	nodes, err := store.Nodes(t.Context(), []string{"person:persona-a", "person:persona-d", "person:p", "person:big"})
	if err != nil || nodes[0] != nil || nodes[1] == nil || nodes[2] == nil || nodes[3] != nil {
		t.Errorf("stored %v, %v; want persona-d and p only", nodes, err)
	}
	m.Close()
	if fi, err := os.Stat(filepath.Join(state, "jobs", "jobs.db")); err != nil || fi.Size() > 1<<20 {
		t.Errorf("job list: %v bytes, %v", fi.Size(), err)
	}
	again := newManagerOn(t, store, jobs.Config{ImportDir: imp, StateDir: state})
	for i, id := range ids {
		j, ok := again.Job(id)
		format := []string{"personas", "native"}[i]
		if !ok || strings.Join(rejections(j), "\n") != strings.Join(want[format], "\n") {
			t.Errorf("after a restart, %s job: %v\n%s", format, ok, strings.Join(rejections(j), "\n"))
		}
	}
}

// TestMaxValueBytes: the limit is the configured one.
func TestMaxValueBytes(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "n.jsonl"), `{"type":"node","kind":"PERSON","key":"p","label":"`+strings.Repeat("l", 2000)+`","sources":[{"dataset":"t"}]}`+"\n")
	for _, tt := range []struct {
		max      int
		rejected int
	}{{0, 0}, {1 << 10, 1}, {-1, 0}} {
		m := newManagerOn(t, openStore(t), jobs.Config{ImportDir: dir, MaxValueBytes: tt.max})
		j, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"n.jsonl"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := final(t, m, j.ID); got.State != jobs.Succeeded || got.Rejected != tt.rejected {
			t.Errorf("limit %d: %s with %d rejected, want %d", tt.max, got.State, got.Rejected, tt.rejected)
		}
	}
}
