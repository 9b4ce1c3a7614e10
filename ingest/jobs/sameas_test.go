package jobs_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

// TestSameActors: a job that succeeds reports the same-actor candidates of
// the entities it wrote, and the report outlives a restart; without
// Config.SameAs it reports none.
func TestSameActors(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "mitre.jsonl"), `{"type":"node","kind":"THREAT_GROUP","key":"lazarus-group","label":"Lazarus Group","aliases":["HIDDEN COBRA"],"sources":[{"dataset":"mitre"}]}`+"\n")
	write(t, filepath.Join(dir, "ofac.jsonl"), `{"type":"node","kind":"ORGANIZATION","key":"ofac-sdn-27307","label":"LAZARUS GROUP","aliases":["Hidden Cobra"],"sources":[{"dataset":"ofac"}]}`+"\n"+
		`{"type":"node","kind":"ORGANIZATION","key":"ofac-sdn-1","label":"NOBODY ELSE","sources":[{"dataset":"ofac"}]}`+"\n")
	s, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	open := func() *jobs.Manager {
		m, err := jobs.New(s, jobs.Config{ImportDir: dir, StateDir: state, SameAs: s})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := open()
	run := func(path string) jobs.Job {
		j, err := m.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{path}})
		if err != nil {
			t.Fatal(err)
		}
		return final(t, m, j.ID)
	}
	if j := run("mitre.jsonl"); j.State != jobs.Succeeded || j.SameAs == nil || j.SameAs.Candidates != 0 || j.SameAs.String() != "" {
		t.Fatalf("the first job has nothing to compare with: %+v", j)
	}
	j := run("ofac.jsonl")
	const want = "1 same-actor candidate to review (LAZARUS GROUP ↔ Lazarus Group)"
	if j.State != jobs.Succeeded || j.SameAs == nil || j.SameAs.String() != want || j.SameAs.Pairs[0].A != "organization:ofac-sdn-27307" {
		t.Fatalf("the OFAC job: %+v, want %q", j.SameAs, want)
	}
	m.Close()
	m = open()
	defer m.Close()
	if again, ok := m.Job(j.ID); !ok || again.SameAs == nil || again.SameAs.String() != want {
		t.Errorf("after a restart: %+v", again.SameAs)
	}

	plain := newManager(t, dir)
	p, err := plain.Start(t.Context(), jobs.Request{Format: "native", Paths: []string{"ofac.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := final(t, plain, p.ID); got.State != jobs.Succeeded || got.SameAs != nil {
		t.Errorf("without Config.SameAs: %+v", got)
	}
}
