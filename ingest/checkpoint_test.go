package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// crashWriter fails batch n (0-based), before or after applying it, like a
// process killed around the store's commit.
type crashWriter struct {
	*memWriter
	n, calls int
	after    bool
}

var errCrash = errors.New("crash")

func (c *crashWriter) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	defer func() { c.calls++ }()
	if c.calls == c.n && !c.after {
		return graph.WriteResult{}, errCrash
	}
	res, err := c.memWriter.Write(ctx, b)
	if c.calls == c.n {
		return graph.WriteResult{}, errCrash
	}
	return res, err
}

// checkpointInput writes two files exercising what a resume must get
// right: edges before their endpoints (deferred), malformed lines and
// records the store rejects (the report), an edge that never finds its
// endpoint (rejected while linking), and a second source.
func checkpointInput(t *testing.T, dir string) []string {
	t.Helper()
	a := []string{
		edgeLine("TRANSFER", w1, w2), // deferred: nodes come later
		nodeLine("PERSON", "p0"),
		`{"type":"node","kind":"WALET","key":"x","sources":[{"dataset":"t"}]}`,
		edgeLine("EMPLOYS", "person:p0", "person:p9"), // p9 never comes
		nodeLine("PERSON", "p1"),
		`not json`,
		`{"type":"node","kind":"PERSON","key":"big","label":"` + strings.Repeat("l", 70<<10) + `","sources":[{"dataset":"t"}]}`, // over the value limit
		edgeLine("EMPLOYS", "person:p0", "person:p1"),
		nodeLine("PERSON", "p2"),
	}
	b := []string{
		nodeLine("WALLET", strings.TrimPrefix(w1, "wallet:")),
		edgeLine("ATTRIBUTED_TO", w2, "threat_group:lazarus-group"), // deferred
		nodeLine("WALLET", strings.TrimPrefix(w2, "wallet:")),
		`{"type":"node","kind":"PERSON","sources":[{"dataset":"t"}]}`,
		nodeLine("THREAT_GROUP", "lazarus-group"),
		edgeLine("EMPLOYS", "person:p1", "person:p2"),
		nodeLine("PERSON", "p3"),
	}
	var paths []string
	for i, lines := range [][]string{a, b} {
		p := filepath.Join(dir, fmt.Sprintf("in%d.jsonl", i))
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestCheckpointResume crashes a job at every batch, before and after the
// store commits it, with and without a torn journal tail, then runs it
// again: the store, the counts and the report must be those of a run that
// never crashed, under the job ID the crashed run started.
func TestCheckpointResume(t *testing.T) {
	dir := t.TempDir()
	paths := checkpointInput(t, dir)
	formats := []struct {
		name string
		open func(string) ingest.Source
	}{
		{"seeking", native.File},
		{"re-reading", func(p string) ingest.Source { return ingest.File(p, native.Format) }},
	}
	sources := func(open func(string) ingest.Source) []ingest.Source {
		var out []ingest.Source
		for _, p := range paths {
			out = append(out, open(p))
		}
		return out
	}

	clean := newMemWriter()
	want, err := ingest.Run(context.Background(), clean, sources(native.File), opts(2))
	if err != nil {
		t.Fatal(err)
	}
	if want.Deferred != 3 || want.Rejected != 5 {
		t.Fatalf("clean run: %s, %d deferred; the input should defer 3 edges and reject 5 records:\n%s", want.Summary(), want.Deferred, report(want))
	}
	batches := len(clean.batches)

	for _, f := range formats {
		for n := range batches {
			for _, after := range []bool{false, true} {
				for _, torn := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/batch %d/after commit %v/torn %v", f.name, n, after, torn), func(t *testing.T) {
						ckpt := filepath.Join(t.TempDir(), "job.ckpt")
						w := &crashWriter{memWriter: newMemWriter(), n: n, after: after}
						o := opts(2)
						o.JobID, o.Checkpoint = "", ckpt
						crashed, err := ingest.Run(context.Background(), w, sources(f.open), o)
						if !errors.Is(err, errCrash) {
							t.Fatalf("err = %v, want the crash", err)
						}
						if torn { // appended after the last checkpoint, never counted
							j, err := os.OpenFile(ckpt+".journal", os.O_APPEND|os.O_WRONLY, 0)
							if err != nil {
								t.Fatal(err)
							}
							fmt.Fprintln(j, `{"reject":{"file":"torn","reason":"must be cut"}}`)
							j.Close()
						}
						w.n = -1
						o.JobID = ""
						got, err := ingest.Run(context.Background(), w, sources(f.open), o)
						if err != nil {
							t.Fatal(err)
						}
						if got.JobID != crashed.JobID {
							t.Errorf("resumed as job %s, want the crashed job's %s", got.JobID, crashed.JobID)
						}
						if !got.Resumed {
							t.Errorf("not resumed after a crash at batch %d", n)
						}
						if g, w := report(got), report(want); g != w {
							t.Errorf("report:\n%s\nwant:\n%s", g, w)
						}
						if g, w := codes(got), codes(want); g != w {
							t.Errorf("codes of the rejections: %s, want %s", g, w)
						}
						if got.Records != want.Records || got.Rejected != want.Rejected || got.Deferred != want.Deferred ||
							got.Nodes.Total() != want.Nodes.Total() || got.Edges.Total() != want.Edges.Total() || got.Bytes != want.Bytes {
							t.Errorf("resumed: %s, %d deferred, %d bytes\nwant:    %s, %d deferred, %d bytes",
								got.Summary(), got.Deferred, got.Bytes, want.Summary(), want.Deferred, want.Bytes)
						}
						if !after && (got.Nodes.Created != want.Nodes.Created || got.Edges.Created != want.Edges.Created) {
							t.Errorf("created %d nodes %d edges, want %d and %d", got.Nodes.Created, got.Edges.Created, want.Nodes.Created, want.Edges.Created)
						}
						if g, w := stripJob(w.snapshot(), got.JobID), stripJob(clean.snapshot(), want.JobID); fmt.Sprint(g) != fmt.Sprint(w) {
							t.Errorf("store after resume differs from a clean run:\n%v\nwant\n%v", g, w)
						}
						for _, p := range []string{ckpt, ckpt + ".journal"} {
							if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
								t.Errorf("%s left behind after success: %v", p, err)
							}
						}
					})
				}
			}
		}
	}
}

// codes lists the codes of the rejections in r's report: a resumed job
// reads them from its journal.
func codes(r ingest.Result) string {
	var out []string
	for _, e := range r.Report {
		out = append(out, string(e.Code()))
	}
	return strings.Join(out, " ")
}

// stripJob replaces the job ID in stored records, so that runs under two
// job IDs compare.
func stripJob(snap map[string]string, job string) map[string]string {
	out := map[string]string{}
	for k, v := range snap {
		out[k] = strings.ReplaceAll(v, job, "JOB")
	}
	return out
}

// TestCheckpointOtherInputs: a checkpoint taken on another version of a
// file, or under another explicit job ID, is not applied: the job starts
// over.
func TestCheckpointOtherInputs(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, path string, o *ingest.Options)
	}{
		{"file edited", func(t *testing.T, path string, o *ingest.Options) {
			data, _ := os.ReadFile(path)
			if err := os.WriteFile(path, append(data, nodeLine("PERSON", "extra")+"\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"other job", func(t *testing.T, path string, o *ingest.Options) { o.JobID = "job-other" }},
		{"other agency", func(t *testing.T, path string, o *ingest.Options) { o.Stamp.Agency = "cyber" }},
		{"other marking", func(t *testing.T, path string, o *ingest.Options) { o.Stamp.Marking = graph.TLPRed }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := checkpointInput(t, dir)
			ckpt := filepath.Join(dir, "job.ckpt")
			w := &crashWriter{memWriter: newMemWriter(), n: 3}
			o := opts(2)
			o.Checkpoint = ckpt
			if _, err := ingest.Run(context.Background(), w, []ingest.Source{native.File(paths[0]), native.File(paths[1])}, o); !errors.Is(err, errCrash) {
				t.Fatalf("err = %v, want the crash", err)
			}
			tt.change(t, paths[0], &o)
			w.n = -1
			got, err := ingest.Run(context.Background(), w, []ingest.Source{native.File(paths[0]), native.File(paths[1])}, o)
			if err != nil {
				t.Fatal(err)
			}
			if got.Resumed || got.ResumedAt != 0 || got.JobID != o.JobID {
				t.Errorf("resumed = %v at %d as %s; want a fresh job %s", got.Resumed, got.ResumedAt, got.JobID, o.JobID)
			}
			if got.Rejected != 5 {
				t.Errorf("rejected %d, want the 5 of the whole input:\n%s", got.Rejected, report(got))
			}
		})
	}
}

// TestCheckpointTempFilesRemoved: a save killed between writing its
// temporary file and renaming it leaves the file; the job's end removes it
// with the checkpoint.
func TestCheckpointTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "job.ckpt")
	stale := ckpt + ".tmp123456"
	if err := os.WriteFile(stale, []byte(`{"version":1,"jo`), 0o644); err != nil {
		t.Fatal(err)
	}
	o := opts(2)
	o.Checkpoint = ckpt
	if _, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{src("a.jsonl", nodeLine("PERSON", "p1"))}, o); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("files left after the job: %v", left)
	}
}
