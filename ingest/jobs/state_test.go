package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

func newManagerOn(t *testing.T, w ingest.Writer, cfg jobs.Config) *jobs.Manager {
	t.Helper()
	m, err := jobs.New(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// evidence returns native lines: n persons, each employed by the previous
// one (edges first, so they wait for their endpoints), and one bad line.
func evidence(n int) string {
	var b strings.Builder
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, `{"type":"edge","kind":"EMPLOYS","from":"person:p%d","to":"person:p%d","sources":[{"dataset":"t"}]}`+"\n", i-1, i)
	}
	b.WriteString(`{"type":"node","kind":"WALET","key":"x","sources":[{"dataset":"t"}]}` + "\n")
	for i := range n {
		fmt.Fprintf(&b, `{"type":"node","kind":"PERSON","key":"p%d","sources":[{"dataset":"t"}]}`+"\n", i)
	}
	return b.String()
}

func openStore(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func digest(t *testing.T, s *boltstore.Store) boltstore.Digest {
	t.Helper()
	d, err := s.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRestartResumes stops a manager while a job runs and another waits,
// opens a new one on the same state directory, and checks both finish
// under their IDs, the interrupted one first and from its checkpoint, with
// the graph, counts and report of uninterrupted runs.
func TestRestartResumes(t *testing.T) {
	imp, state := t.TempDir(), t.TempDir()
	write(t, filepath.Join(imp, "a.jsonl"), evidence(60))
	write(t, filepath.Join(imp, "b.jsonl"), evidence(5))
	// The jobs write for an agency and a user: the resumed job must stamp
	// what it writes after the restart as the clean run does.
	stamp := ingest.Stamp{Agency: "fiu", User: "u1", Marking: graph.TLPAmber}
	start := func(m *jobs.Manager, path string) jobs.Job {
		t.Helper()
		j, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{path}, Stamp: stamp})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}

	cleanStore := openStore(t)
	clean := newManagerOn(t, cleanStore, jobs.Config{ImportDir: imp, StateDir: t.TempDir(), BatchSize: 7})
	want := final(t, clean, start(clean, "a.jsonl").ID)
	final(t, clean, start(clean, "b.jsonl").ID)

	store := openStore(t)
	w := ingesttest.NewStallStore(store, 3)
	cfg := jobs.Config{ImportDir: imp, StateDir: state, BatchSize: 7}
	m1, err := jobs.New(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, b := start(m1, "a.jsonl"), start(m1, "b.jsonl")
	<-w.Stalled
	m1.Close()
	if got, _ := m1.Job(a.ID); got.State != jobs.Running {
		t.Fatalf("after Close the running job is %s, want RUNNING (left to resume)", got.State)
	}
	if got, _ := m1.Job(b.ID); got.State != jobs.Queued {
		t.Fatalf("after Close the queued job is %s, want QUEUED", got.State)
	}

	m2 := newManagerOn(t, store, cfg)
	ga, gb := final(t, m2, a.ID), final(t, m2, b.ID)
	if ga.State != jobs.Succeeded || ga.Resumed != 1 || ga.Progress.ResumedAt == 0 {
		t.Errorf("interrupted job ended %s, resumed %d times at record %d; want SUCCEEDED, once, past record 0", ga.State, ga.Resumed, ga.Progress.ResumedAt)
	}
	if gb.State != jobs.Succeeded || gb.Resumed != 0 || gb.Started.Before(ga.Finished) {
		t.Errorf("queued job: %s, resumed %d, started %v, the interrupted one finished %v", gb.State, gb.Resumed, gb.Started, ga.Finished)
	}
	if ga.Progress.Records != want.Progress.Records || ga.Rejected != want.Rejected ||
		ga.Progress.Nodes.Total() != want.Progress.Nodes.Total() || ga.Progress.Edges.Total() != want.Progress.Edges.Total() ||
		!slices.EqualFunc(ga.Rejections, want.Rejections, func(x, y ingest.RecordError) bool { return x.Error() == y.Error() }) {
		t.Errorf("resumed job: %+v\nclean run:   %+v", ga.Progress, want.Progress)
	}
	if g, w := digest(t, store), digest(t, cleanStore); g.SHA256 != w.SHA256 || g.Nodes != w.Nodes || g.Edges != w.Edges {
		t.Errorf("resumed store %+v, clean %+v", g, w)
	}
	if ga.Stamp != stamp {
		t.Errorf("the resumed job's stamp is %+v, want %+v", ga.Stamp, stamp)
	}
	res, err := store.ListNodes(t.Context(), graph.ListQuery{Kinds: []graph.NodeKind{graph.KindPerson}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.Nodes {
		for _, s := range n.Sources {
			if s.Agency != "fiu" || s.User != "u1" || s.Marking != graph.TLPAmber {
				t.Fatalf("node %s: source %+v, not stamped by its job", n.ID, s)
			}
		}
	}
	if left, _ := os.ReadDir(filepath.Join(state, "jobs", "checkpoints")); len(left) > 0 {
		t.Errorf("checkpoints left: %v", left)
	}
}

// TestHistoryPersists: finished jobs, with their counts, rejections and
// uploads, survive a restart; the history stays bounded, and a job leaving
// it takes its uploads along.
func TestHistoryPersists(t *testing.T) {
	state := t.TempDir()
	store := openStore(t)
	cfg := jobs.Config{StateDir: state, KeepFinished: 2}
	m1 := newManagerOn(t, store, cfg)
	var ids []string
	for i := range 3 {
		j, err := m1.Start(t.Context(), jobs.Request{Format: "native", Uploads: []jobs.Upload{{Name: fmt.Sprintf("e%d.jsonl", i), File: strings.NewReader(evidence(3 + i))}}})
		if err != nil {
			t.Fatal(err)
		}
		final(t, m1, j.ID)
		ids = append(ids, j.ID)
	}
	before := m1.Jobs()
	m1.Close()
	if len(before) != 2 || before[0].ID != ids[2] || before[1].ID != ids[1] {
		t.Fatalf("history before the restart: %d jobs, want the last 2", len(before))
	}
	if _, err := os.Stat(filepath.Join(state, "jobs", "uploads", ids[0])); !os.IsNotExist(err) {
		t.Errorf("uploads of the job pushed out of the history: %v, want them gone", err)
	}

	m2 := newManagerOn(t, store, cfg)
	after := m2.Jobs()
	if len(after) != len(before) {
		t.Fatalf("history after the restart: %d jobs, want %d", len(after), len(before))
	}
	for i := range after {
		b, a := before[i], after[i]
		if a.ID != b.ID || a.State != jobs.Succeeded || a.Rejected != 1 || a.Rejected != b.Rejected ||
			len(a.Rejections) != 1 || a.Rejections[0].Error() != b.Rejections[0].Error() ||
			a.Progress.Nodes != b.Progress.Nodes || a.Progress.Records != b.Progress.Records ||
			!a.Created.Equal(b.Created) || !a.Finished.Equal(b.Finished) || !slices.Equal(a.Inputs, b.Inputs) {
			t.Errorf("job %d after the restart:\n%+v\nbefore:\n%+v", i, a, b)
		}
	}
	if r := after[0].Rejections[0].Pos.String(); r != "e2.jsonl:5" {
		t.Errorf("rejection at %s, want e2.jsonl:5 (the upload's name)", r)
	}
	j, err := m2.Start(t.Context(), jobs.Request{Format: "native", Uploads: []jobs.Upload{{Name: "e3.jsonl", File: strings.NewReader(evidence(2))}}})
	if err != nil {
		t.Fatal(err)
	}
	final(t, m2, j.ID)
	if _, err := os.Stat(filepath.Join(state, "jobs", "uploads", ids[1])); !os.IsNotExist(err) {
		t.Errorf("uploads of the job pushed out after the restart: %v, want them gone", err)
	}
	if _, err := os.Stat(filepath.Join(state, "jobs", "uploads", ids[2], "e2.jsonl")); err != nil {
		t.Errorf("uploads of a job still listed: %v", err)
	}
}

// TestStateDirLocked: two managers never share a state directory.
func TestStateDirLocked(t *testing.T) {
	state := t.TempDir()
	store := openStore(t)
	newManagerOn(t, store, jobs.Config{StateDir: state})
	if m, err := jobs.New(store, jobs.Config{StateDir: state}); err == nil {
		m.Close()
		t.Fatal("a second manager opened the same state directory")
	}
}

// TestUploads: uploads are stored under their safe names inside the job's
// directory, bounded in size, distinct, and refused without a state
// directory; a staged file is moved, not copied.
func TestUploads(t *testing.T) {
	state := t.TempDir()
	store := openStore(t)
	m := newManagerOn(t, store, jobs.Config{StateDir: state, MaxUploadBytes: 4096})
	up := func(name, content string) jobs.Upload {
		return jobs.Upload{Name: name, File: strings.NewReader(content)}
	}

	tests := []struct {
		name    string
		uploads []jobs.Upload
		code    graph.Code // "" accepted
		stored  []string
	}{
		{"traversal", []jobs.Upload{up("../../../etc/passwd.jsonl", good)}, "", []string{"passwd.jsonl"}},
		{"windows traversal", []jobs.Upload{up(`..\..\evil.jsonl`, good)}, "", []string{"evil.jsonl"}},
		{"absolute", []jobs.Upload{up("/var/lib/x.jsonl", good)}, "", []string{"x.jsonl"}},
		{"dots only", []jobs.Upload{up("..", good), up("", good)}, "", []string{"upload-1", "upload-2"}},
		{"hidden and odd characters", []jobs.Upload{up(".bashrc", good), up("a b\x00c;d.jsonl", good)}, "", []string{"_bashrc", "a_b_c_d.jsonl"}},
		{"same name twice", []jobs.Upload{up("a.jsonl", good), up("dir/A.jsonl", good)}, graph.CodeInvalid, nil},
		{"too large", []jobs.Upload{up("a.jsonl", strings.Repeat(good, 30)), up("b.jsonl", strings.Repeat(good, 30))}, graph.CodeLimit, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := m.Start(t.Context(), jobs.Request{Format: "native", Uploads: tt.uploads})
			if got := graph.ErrorCode(err); got != tt.code {
				t.Fatalf("Start = %v (code %q), want code %q", err, got, tt.code)
			}
			if err != nil {
				return
			}
			var names []string
			for _, in := range j.Inputs {
				names = append(names, in.Name)
				if !in.Upload || in.Size != int64(len(good)) {
					t.Errorf("input %+v, want an upload of %d bytes", in, len(good))
				}
			}
			if !slices.Equal(names, tt.stored) {
				t.Errorf("stored as %q, want %q", names, tt.stored)
			}
			files, _ := os.ReadDir(filepath.Join(state, "jobs", "uploads", j.ID))
			if len(files) != len(tt.stored) {
				t.Errorf("upload directory holds %d files, want %d", len(files), len(tt.stored))
			}
			if f := final(t, m, j.ID); f.State != jobs.Succeeded {
				t.Errorf("job ended %s: %s", f.State, f.Error)
			}
		})
	}
	// Refused jobs leave nothing behind.
	dirs, _ := os.ReadDir(filepath.Join(state, "jobs", "uploads"))
	if len(dirs) != len(tests)-2 {
		t.Errorf("%d upload directories, want one per accepted job (%d)", len(dirs), len(tests)-2)
	}

	t.Run("staged file is moved", func(t *testing.T) {
		stage, err := m.StageUploads()
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := os.RemoveAll(stage); err != nil {
				t.Error(err)
			}
		}()
		p := filepath.Join(stage, "0")
		write(t, p, good)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		j, err := m.Start(t.Context(), jobs.Request{Format: "native", Uploads: []jobs.Upload{{Name: "staged.jsonl", File: f}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("staged file still there: %v", err)
		}
		got, err := os.ReadFile(filepath.Join(state, "jobs", "uploads", j.ID, "staged.jsonl"))
		if err != nil || !bytes.Equal(got, []byte(good)) {
			t.Errorf("stored upload %q, %v", got, err)
		}
		final(t, m, j.ID)
	})

	t.Run("disabled", func(t *testing.T) {
		for _, cfg := range []jobs.Config{{}, {StateDir: t.TempDir(), MaxUploadBytes: -1}} {
			m := newManagerOn(t, store, cfg)
			if _, err := m.Start(t.Context(), jobs.Request{Format: "native", Uploads: []jobs.Upload{up("a.jsonl", good)}}); graph.ErrorCode(err) != graph.CodeForbidden {
				t.Errorf("config %+v: %v, want FORBIDDEN", cfg, err)
			}
			if m.UploadLimit() != 0 {
				t.Errorf("config %+v: UploadLimit %d, want 0", cfg, m.UploadLimit())
			}
		}
	})
}

func TestUploadName(t *testing.T) {
	long := strings.Repeat("é", 100) + ".jsonl"
	tests := []struct{ in, want string }{
		{"evidence.jsonl", "evidence.jsonl"},
		{"dprk-enterprise-attack-v18.1.json", "dprk-enterprise-attack-v18.1.json"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\tx.csv`, "tx.csv"},
		{"a/b/", "upload-1"},
		{".", "upload-1"},
		{"...", "upload-1"},
		{".env", "_env"},
		{"name.", "name"},
		{"우리 파일.csv", "우리_파일.csv"},
		{"a\nb\x00c", "a_b_c"},
		{"$(rm -rf).sh", "_(rm_-rf).sh"},
		{long, strings.Repeat("é", 61) + ".jsonl"},
	}
	for _, tt := range tests {
		if got := jobs.UploadName(tt.in, 0); got != tt.want {
			t.Errorf("UploadName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCloseDuringRejections: a job reading nothing but bad records (no
// batch to end) still stops at once when the manager closes, and stays to
// resume.
func TestCloseDuringRejections(t *testing.T) {
	imp := t.TempDir()
	const lines = 2_000_000
	write(t, filepath.Join(imp, "junk.jsonl"), strings.Repeat("x\n", lines))
	m, err := jobs.New(openStore(t), jobs.Config{ImportDir: imp, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	j, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"junk.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	updates, stop, err := m.Watch(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for s := range updates {
		if s.Progress.Records > 0 {
			break
		}
	}
	stop()
	m.Close()
	if got, _ := m.Job(j.ID); got.State != jobs.Running || got.Progress.Records >= lines {
		t.Errorf("after Close: %s with %d records read; want RUNNING (to resume) before the end of the file", got.State, got.Progress.Records)
	}
}
