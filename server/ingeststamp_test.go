package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// TestIngestStampsThePrincipal: an API job writes for its caller: their
// agency owns every source (whatever the file claims), they are its user,
// and unmarked sources get the job's marking (AMBER by default).
func TestIngestStampsThePrincipal(t *testing.T) {
	f := newAdminFixture(t)
	tests := []struct {
		name, marking string
		want          graph.Marking
	}{{"default marking", "", graph.TLPAmber}, {"marking given", "TLP_GREEN", graph.TLPGreen}}
	for i, tt := range tests {
		p := func(n int) string { return fmt.Sprintf("person:stamped-%d-%d", i, n) }
		lines := fmt.Sprintf(`{"type":"node","kind":"PERSON","key":"stamped-%d-1","sources":[{"dataset":"t"}]}
{"type":"node","kind":"PERSON","key":"stamped-%d-2","sources":[{"dataset":"t","agency":"cyber","marking":"TLP:RED"}]}
`, i, i)
		if err := os.WriteFile(filepath.Join(f.imp, "in.jsonl"), []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		vars := map[string]any{}
		if tt.marking != "" {
			vars["m"] = tt.marking
		}
		var started struct{ StartIngest struct{ ID string } }
		decodeData(t, f.gql(t, f.tok["fiu-analyst"], `mutation($m: Marking) { startIngest(format: "native", path: "in.jsonl", marking: $m) { id } }`, vars, ""), &started)
		id := started.StartIngest.ID
		deadline := time.Now().Add(30 * time.Second)
		for {
			var job struct{ IngestJob struct{ State string } }
			decodeData(t, f.gql(t, f.tok["fiu-analyst"], `query($id: ID!) { ingestJob(id: $id) { state } }`, map[string]any{"id": id}, ""), &job)
			if job.IngestJob.State == "SUCCEEDED" {
				break
			}
			if job.IngestJob.State == "FAILED" || time.Now().After(deadline) {
				t.Fatalf("%s: job %s", tt.name, job.IngestJob.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for key, marking := range map[string]graph.Marking{p(1): tt.want, p(2): graph.TLPRed} {
			n, err := f.store.Node(t.Context(), key)
			if err != nil {
				t.Fatal(err)
			}
			if len(n.Sources) != 1 {
				t.Fatalf("%s: %s sources %+v", tt.name, key, n.Sources)
			}
			for _, s := range n.Sources {
				if s.Job != id || s.Agency != "fiu" || s.User != f.users["fiu-analyst"] || s.Marking != marking {
					t.Errorf("%s: %s source %+v, want job %s, agency fiu, the analyst, %s", tt.name, key, s, id, marking)
				}
			}
		}
		if got := has(f.entries(t, "fiu"), "ingest.start", "ok", "analyst@fiu.example", id); got != 1 {
			t.Errorf("%s: %d ingest.start entries for job %s", tt.name, got, id)
		}
	}
}
