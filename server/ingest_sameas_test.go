package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

// TestIngestSameActorsOverAPI: a job's status names the same-actor
// candidates its entities take part in once it succeeds.
func TestIngestSameActorsOverAPI(t *testing.T) {
	store := openStore(t)
	dir := t.TempDir()
	for name, line := range map[string]string{
		"mitre.jsonl": `{"type":"node","kind":"THREAT_GROUP","key":"lazarus-group","label":"Lazarus Group","aliases":["Guardians of Peace"],"sources":[{"dataset":"mitre"}]}`,
		"ofac.jsonl":  `{"type":"node","kind":"ORGANIZATION","key":"ofac-sdn-27307","label":"LAZARUS GROUP","aliases":["GUARDIANS OF PEACE"],"sources":[{"dataset":"ofac"}]}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	jm, err := jobs.New(store, jobs.Config{ImportDir: dir, SameAs: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg := server.DefaultConfig()
	cfg.Jobs = jm
	ts := start(t, store, cfg)

	type sameActors struct {
		Candidates, ToReview int
		Summary              *string
		Pairs                []struct{ A, B, LabelA, LabelB string }
		Truncated            bool
	}
	type job struct {
		ID, State  string
		SameActors *sameActors
	}
	const fields = `id state sameActors { candidates toReview summary truncated pairs { a b labelA labelB } }`
	run := func(path string) job {
		t.Helper()
		r := query(t, ts, `mutation($p: String!) { startIngest(format: "native", path: $p) { `+fields+` } }`, map[string]any{"p": path})
		var d struct{ StartIngest, IngestJob job }
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("startIngest: %v %+v", err, r.Errors)
		}
		j := d.StartIngest
		for deadline := time.Now().Add(30 * time.Second); j.State == "QUEUED" || j.State == "RUNNING"; {
			if time.Now().After(deadline) {
				t.Fatalf("job still %s after 30 s", j.State)
			}
			time.Sleep(10 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
			r := query(t, ts, `query($id: ID!) { ingestJob(id: $id) { `+fields+` } }`, map[string]any{"id": j.ID})
			if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
				t.Fatalf("ingestJob: %v %+v", err, r.Errors)
			}
			j = d.IngestJob
		}
		return j
	}
	if j := run("mitre.jsonl"); j.State != "SUCCEEDED" || j.SameActors == nil || j.SameActors.Candidates != 0 || j.SameActors.Summary != nil {
		t.Fatalf("the first job: %+v", j)
	}
	j := run("ofac.jsonl")
	if j.State != "SUCCEEDED" || j.SameActors == nil || j.SameActors.ToReview != 1 || j.SameActors.Summary == nil ||
		*j.SameActors.Summary != "1 same-actor candidate to review (LAZARUS GROUP ↔ Lazarus Group)" ||
		len(j.SameActors.Pairs) != 1 || j.SameActors.Pairs[0].B != "threat_group:lazarus-group" {
		t.Fatalf("the OFAC job: %+v %+v", j, j.SameActors)
	}
}
