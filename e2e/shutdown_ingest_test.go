package e2e

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIngestJobSurvivesGracefulShutdown uploads generated blockchain-etl
// files to the real `redthread serve`, sends SIGTERM while the job runs,
// and starts the server again on the same data directory: the shutdown
// exits 0 and leaves the job RUNNING on disk with its checkpoint (not
// FAILED, not CANCELLED), the next start resumes it under its ID, and it
// ends SUCCEEDED with the counts and graph (content digest) of a run never
// stopped: no record lost or duplicated.
func TestIngestJobSurvivesGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("loads tens of thousands of records twice")
	}
	bin := binary(t)
	gen := t.TempDir()
	if out, err := exec.Command(bin, "generate", "--scale", "S", "--seed", "5", "--out", gen).CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	files := []string{filepath.Join(gen, "eth", "transactions.csv"), filepath.Join(gen, "eth", "token_transfers.csv")}

	cleanData := t.TempDir()
	cs := serve(t, bin, cleanData)
	clean := cs.waitJob(cs.upload("etl-eth", files...).ID)
	cs.stop()
	if clean.State != "SUCCEEDED" || clean.Progress.Records < 10_000 {
		t.Fatalf("clean run: %+v", clean)
	}

	data := t.TempDir()
	s := serve(t, bin, data)
	job := s.upload("etl-eth", files...)
	at := s.waitCheckpoint(data, job.ID, func(st killState) bool { return st.Records >= clean.Progress.Records/3 })
	time.Sleep(30 * time.Millisecond) //nolint:forbidigo // stop some way into the next batch
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM: the server exited with %v:\n%s", err, tail(s.logs.String()))
	}
	t.Logf("stopped at checkpoint %+v in %v", at, time.Since(start))
	if logs := s.logs.String(); !strings.Contains(logs, "interrupted by the shutdown") || strings.Contains(logs, "ingest job failed") {
		t.Fatalf("the shutdown did not leave the job to resume:\n%s", tail(logs))
	}

	s = serve(t, bin, data)
	if j := s.job(job.ID); j.State != "QUEUED" && j.State != "RUNNING" && j.State != "SUCCEEDED" {
		t.Fatalf("after the restart the job is %s", j.State)
	}
	got := s.waitJob(job.ID)
	s.stop()
	if !strings.Contains(s.logs.String(), "resuming it from its checkpoint") {
		t.Errorf("the restart did not resume the job:\n%s", tail(s.logs.String()))
	}
	if got.State != "SUCCEEDED" || got.Resumed != 1 || got.Progress.ResumedAt < at.Records {
		t.Errorf("resumed job: %s, resumed %d times at record %d; want SUCCEEDED, once, at %d or later",
			got.State, got.Resumed, got.Progress.ResumedAt, at.Records)
	}
	if got.Progress.Records != clean.Progress.Records || got.Rejected != clean.Rejected || got.nodes() != clean.nodes() ||
		got.edges() != clean.edges() || got.Skipped != clean.Skipped || !maps.Equal(got.skips(), clean.skips()) {
		t.Errorf("stopped and resumed: %d records, %d rejected, %d nodes, %d edges, skipped %v\nclean run:           %d records, %d rejected, %d nodes, %d edges, skipped %v",
			got.Progress.Records, got.Rejected, got.nodes(), got.edges(), got.skips(),
			clean.Progress.Records, clean.Rejected, clean.nodes(), clean.edges(), clean.skips())
	}
	want, have := digest(t, cleanData), digest(t, data)
	if have.Nodes != want.Nodes || have.Edges != want.Edges || have.SHA256 != want.SHA256 {
		t.Errorf("stopped and resumed: %d nodes, %d edges, sha256 %s\nclean run:           %d nodes, %d edges, sha256 %s",
			have.Nodes, have.Edges, have.SHA256, want.Nodes, want.Edges, want.SHA256)
	}
	if !slices.Equal(have.Jobs, []string{job.ID}) {
		t.Errorf("records carry jobs %v, want only %s", have.Jobs, job.ID)
	}
}
