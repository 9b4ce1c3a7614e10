package e2e

import (
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
	clean := runCleanIngest(t, bin, 5)

	data := t.TempDir()
	s := serve(t, bin, data)
	job := s.upload("etl-eth", clean.files...)
	at := s.waitCheckpoint(data, job.ID, func(st killState) bool { return st.Records >= clean.job.Progress.Records/3 })
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
	clean.checkSameAsClean(t, "stopped and resumed", got, data)
}
