package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newManager(t *testing.T, importDir string) *jobs.Manager {
	t.Helper()
	s, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := jobs.New(s, jobs.Config{ImportDir: importDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m
}

const good = `{"type":"node","kind":"PERSON","key":"p","sources":[{"dataset":"t"}]}` + "\n"

// TestStartRefusesPaths: only regular files inside the import directory
// are read, whatever the path says and wherever links lead.
func TestStartRefusesPaths(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "import")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "ok.jsonl"), good)
	write(t, filepath.Join(dir, "sub", "ok.jsonl"), good)
	write(t, filepath.Join(root, "secret.jsonl"), good)
	if err := os.Symlink(filepath.Join(root, "secret.jsonl"), filepath.Join(dir, "link.jsonl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(root, filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "ok.jsonl"), filepath.Join(dir, "inner-link.jsonl")); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, dir)
	tests := []struct {
		path string
		code graph.Code // "" accepted
	}{
		{"ok.jsonl", ""},
		{"sub/ok.jsonl", ""},
		{"sub/../ok.jsonl", ""},
		{"inner-link.jsonl", ""},
		{filepath.Join(dir, "ok.jsonl"), ""},
		{"../secret.jsonl", graph.CodeForbidden},
		{"sub/../../secret.jsonl", graph.CodeForbidden},
		{filepath.Join(root, "secret.jsonl"), graph.CodeForbidden},
		{"/etc/passwd", graph.CodeForbidden},
		{"link.jsonl", graph.CodeForbidden},
		{"up/secret.jsonl", graph.CodeForbidden},
		{"missing.jsonl", graph.CodeNotFound},
		{"sub", graph.CodeInvalid},
		{"", graph.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{tt.path}})
			if got := graph.ErrorCode(err); got != tt.code {
				t.Fatalf("Start(%q) = %v (code %q), want code %q", tt.path, err, got, tt.code)
			}
			if err != nil && strings.Contains(err.Error(), root) && !strings.Contains(tt.path, root) {
				t.Errorf("error %q reveals the server's path", err)
			}
		})
	}
	if _, err := m.Start(t.Context(), jobs.Request{Format: "nope", Paths: []string{"ok.jsonl"}}); graph.ErrorCode(err) != graph.CodeInvalid {
		t.Errorf("unknown format: %v", err)
	}
}

func TestStartDisabled(t *testing.T) {
	m := newManager(t, "")
	_, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"ok.jsonl"}})
	if graph.ErrorCode(err) != graph.CodeForbidden || !strings.Contains(err.Error(), "--import-dir") {
		t.Errorf("err = %v, want FORBIDDEN naming --import-dir", err)
	}
}

// TestRunWatch runs a job to the end while watching it.
func TestRunWatch(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.jsonl"), good+"not json\n")
	m := newManager(t, dir)
	j, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"f.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	updates, stop, err := m.Watch(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var last jobs.Job
	timeout := time.After(30 * time.Second)
	for open := true; open; {
		select {
		case s, ok := <-updates:
			if ok {
				last = s
			}
			open = ok
		case <-timeout:
			t.Fatalf("no final state within 30s; last %+v", last)
		}
	}
	if last.State != jobs.Succeeded || last.Rejected != 1 || len(last.Rejections) != 1 || last.Rejections[0].Pos.String() != "f.jsonl:2" ||
		last.Progress.Nodes.Created != 1 || last.Started.IsZero() || last.Finished.IsZero() {
		t.Errorf("final = %+v", last)
	}
	if got, ok := m.Job(j.ID); !ok || got.State != jobs.Succeeded {
		t.Errorf("Job(%s) = %+v, %v", j.ID, got, ok)
	}
	if list := m.Jobs(); len(list) != 1 || list[0].ID != j.ID {
		t.Errorf("Jobs() = %+v", list)
	}
	if _, err := m.Cancel("nope"); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Errorf("Cancel(nope) = %v", err)
	}
	c, err := m.Cancel(j.ID)
	if err != nil || c.State != jobs.Succeeded {
		t.Errorf("cancelling a finished job: %+v, %v", c, err)
	}
}

// blockingWriter blocks every Write until its context ends.
type blockingWriter struct{ writing chan struct{} }

func (b blockingWriter) Write(ctx context.Context, _ graph.Batch) (graph.WriteResult, error) {
	b.writing <- struct{}{}
	<-ctx.Done()
	return graph.WriteResult{}, ctx.Err()
}

// final waits for job id's final state.
func final(t *testing.T, m *jobs.Manager, id string) jobs.Job {
	t.Helper()
	updates, stop, err := m.Watch(id)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var last jobs.Job
	timeout := time.After(30 * time.Second)
	for {
		select {
		case s, ok := <-updates:
			if !ok {
				return last
			}
			last = s
		case <-timeout:
			t.Fatalf("job %s: no final state within 30s; last %+v", id, last)
		}
	}
}

// TestCancel cancels a job queued behind a running one, then the running
// one, then shuts down with a job queued.
func TestCancel(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.jsonl"), good)
	w := blockingWriter{writing: make(chan struct{}, 1)}
	m, err := jobs.New(w, jobs.Config{ImportDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	running, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"f.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	<-w.writing
	queued, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"f.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Job(running.ID); got.State != jobs.Running {
		t.Errorf("first job %s, want RUNNING", got.State)
	}
	if got, err := m.Cancel(queued.ID); err != nil || got.State != jobs.Cancelled {
		t.Errorf("cancel queued: %+v, %v", got, err)
	}
	if _, err := m.Cancel(running.ID); err != nil {
		t.Fatal(err)
	}
	if got := final(t, m, running.ID); got.State != jobs.Cancelled || got.Error != "cancelled" {
		t.Errorf("cancelled running job ended %s (%q)", got.State, got.Error)
	}

	third, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"f.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	<-w.writing
	m.Close()
	if got, _ := m.Job(third.ID); got.State != jobs.Cancelled || got.Error != "the server shut down" {
		t.Errorf("after Close: %s (%q), want CANCELLED by shutdown", got.State, got.Error)
	}
	if _, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"f.jsonl"}}); graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Errorf("Start after Close: %v", err)
	}

}
