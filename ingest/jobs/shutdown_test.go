package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

// lostConnection is a store whose write, cut short by the shutdown, fails
// the way a network store's does: cancelling a running query closes its
// connection, and the error says "unavailable" without wrapping
// context.Canceled (the Neo4j driver's connectivity errors).
type lostConnection struct{ *ingesttest.StallStore }

func (s lostConnection) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	res, err := s.StallStore.Write(ctx, b)
	if errors.Is(err, context.Canceled) {
		err = graph.WrapError(graph.CodeUnavailable, errors.New("connection reset by peer"), "the graph store is unavailable")
	}
	return res, err
}

// TestShutdownLeavesJobResumable: a job whose write fails because the
// shutdown cut it short stays RUNNING with its checkpoint, not FAILED,
// and the next manager resumes it to the graph of an uninterrupted run.
func TestShutdownLeavesJobResumable(t *testing.T) {
	imp, state := t.TempDir(), t.TempDir()
	write(t, filepath.Join(imp, "a.jsonl"), evidence(60))

	cleanStore := openStore(t)
	clean := newManagerOn(t, cleanStore, jobs.Config{ImportDir: imp, StateDir: t.TempDir(), BatchSize: 7})
	cj, err := clean.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"a.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	want := final(t, clean, cj.ID)

	store := openStore(t)
	w := lostConnection{ingesttest.NewStallStore(store, 3)}
	cfg := jobs.Config{ImportDir: imp, StateDir: state, BatchSize: 7}
	m1, err := jobs.New(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m1.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"a.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	<-w.Stalled
	m1.Close()
	if got, _ := m1.Job(a.ID); got.State != jobs.Running || got.Error != "" {
		t.Fatalf("after Close the job is %s (%q), want RUNNING, left to resume", got.State, got.Error)
	}

	m2 := newManagerOn(t, store, cfg)
	got := final(t, m2, a.ID)
	if got.State != jobs.Succeeded || got.Resumed != 1 {
		t.Fatalf("resumed job ended %s (%q), resumed %d times; want SUCCEEDED, once", got.State, got.Error, got.Resumed)
	}
	if got.Progress.Records != want.Progress.Records || got.Progress.Nodes.Total() != want.Progress.Nodes.Total() || got.Progress.Edges.Total() != want.Progress.Edges.Total() {
		t.Errorf("resumed job: %+v\nclean run:   %+v", got.Progress, want.Progress)
	}
	if g, w := digest(t, store), digest(t, cleanStore); g.SHA256 != w.SHA256 || g.Nodes != w.Nodes || g.Edges != w.Edges {
		t.Errorf("resumed store %+v, clean %+v", g, w)
	}
}
