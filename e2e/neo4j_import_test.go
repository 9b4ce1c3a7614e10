package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNeo4jImportAnswersLikeIngest loads the demo case the offline way —
// `redthread neo4j-import`, then `scripts/neo4j.sh import` into a new
// database — and asks the server on it the walking skeleton's questions:
// the answers must be the embedded store's.
func TestNeo4jImportAnswersLikeIngest(t *testing.T) {
	if os.Getenv("REDTHREAD_SKIP_NEO4J") == "1" {
		t.Skip("REDTHREAD_SKIP_NEO4J=1: Neo4j tests explicitly disabled")
	}
	bin := binary(t)
	demo := filepath.Join("..", "examples", "demo", "dprk.jsonl")

	emb := serve(t, bin, t.TempDir(), "--demo")
	want := ask(t, emb)
	emb.stop()

	csv := filepath.Join(t.TempDir(), "csv")
	cmd := exec.Command(bin, "neo4j-import", "--format", "native", "--out", csv, demo)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("neo4j-import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 rejected") {
		t.Fatalf("neo4j-import rejected records:\n%s", out.String())
	}

	// The importer writes into a kept data directory, which start serves.
	t.Setenv("NEO4J_DATA_DIR", t.TempDir())
	db := &neo4j{t: t, state: t.TempDir(), port: freePort(t)}
	imp := db.script("import")
	imp.Args = append(imp.Args, csv)
	if b, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("neo4j.sh import: %v\n%s", err, b)
	}
	db.start()
	t.Cleanup(func() {
		if b, err := db.script("stop").CombinedOutput(); err != nil {
			t.Errorf("neo4j stop: %v\n%s", err, b)
		}
	})

	s := serve(t, bin, t.TempDir(), "--store", "neo4j", "--neo4j-uri", db.uri, "--query-timeout", "5s")
	defer s.stop()
	sameAnswers(t, "imported neo4j", ask(t, s), want)
}
