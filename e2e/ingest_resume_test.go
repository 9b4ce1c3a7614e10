package e2e

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// cleanIngest is a run of an ingest job never interrupted: what an
// interrupted and resumed run of the same files must end equal to.
type cleanIngest struct {
	files []string // the generated etl-eth files uploaded
	job   apiJob   // the job as it ended
	data  string   // its data directory, for the graph's digest
}

// runCleanIngest generates S-scale blockchain-etl files with seed and
// loads them through a real server that is never stopped.
func runCleanIngest(t *testing.T, bin string, seed int) cleanIngest {
	t.Helper()
	gen := t.TempDir()
	if out, err := exec.Command(bin, "generate", "--scale", "S", "--seed", strconv.Itoa(seed), "--out", gen).CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	c := cleanIngest{
		files: []string{filepath.Join(gen, "eth", "transactions.csv"), filepath.Join(gen, "eth", "token_transfers.csv")},
		data:  t.TempDir(),
	}
	s := serve(t, bin, c.data)
	c.job = s.waitJob(s.upload("etl-eth", c.files...).ID)
	s.stop()
	if c.job.State != "SUCCEEDED" || c.job.Skipped == 0 || c.job.Progress.Records < 10_000 {
		t.Fatalf("clean run: %+v; want SUCCEEDED, some skipped rows and 10k+ records", c.job)
	}
	t.Logf("clean run: %d records, %d skipped, %d nodes, %d edges", c.job.Progress.Records, c.job.Skipped, c.job.nodes(), c.job.edges())
	return c
}

// checkSameAsClean fails unless the job got, interrupted (how says how)
// and resumed in data, ended with the clean run's counts, skipped records
// and graph (content digest), its records carrying only its own job ID.
func (c cleanIngest) checkSameAsClean(t *testing.T, how string, got apiJob, data string) {
	t.Helper()
	clean := c.job
	if got.Progress.Records != clean.Progress.Records || got.Rejected != clean.Rejected || got.nodes() != clean.nodes() || got.edges() != clean.edges() ||
		got.Skipped != clean.Skipped || !maps.Equal(got.skips(), clean.skips()) {
		t.Errorf("%s: %d records, %d rejected, %d nodes, %d edges, skipped %v\nclean run: %d records, %d rejected, %d nodes, %d edges, skipped %v",
			how, got.Progress.Records, got.Rejected, got.nodes(), got.edges(), got.skips(),
			clean.Progress.Records, clean.Rejected, clean.nodes(), clean.edges(), clean.skips())
	}
	want, have := digest(t, c.data), digest(t, data)
	if have.Nodes != want.Nodes || have.Edges != want.Edges || have.SHA256 != want.SHA256 {
		t.Errorf("%s: %d nodes, %d edges, sha256 %s\nclean run: %d nodes, %d edges, sha256 %s",
			how, have.Nodes, have.Edges, have.SHA256, want.Nodes, want.Edges, want.SHA256)
	}
	if !slices.Equal(have.Jobs, []string{got.ID}) {
		t.Errorf("records carry jobs %v, want only %s", have.Jobs, got.ID)
	}
}
