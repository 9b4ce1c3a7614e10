package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// apiJob is what the test reads of an ingest job over GraphQL.
type apiJob struct {
	ID, State       string
	Error           *string
	Rejected        int
	Skipped         int
	SkippedByReason []struct {
		Reason string
		Count  int
	}
	Resumed int
	Inputs  []struct {
		Name     string
		Uploaded bool
	}
	Progress struct {
		Records, ResumedAt                                                                     int
		NodesCreated, NodesUpdated, NodesUnchanged, EdgesCreated, EdgesUpdated, EdgesUnchanged int
	}
}

const apiJobFields = `id state error rejected skipped skippedByReason { reason count } resumed
  inputs { name uploaded }
  progress { records resumedAt nodesCreated nodesUpdated nodesUnchanged edgesCreated edgesUpdated edgesUnchanged }`

func (j apiJob) nodes() int {
	return j.Progress.NodesCreated + j.Progress.NodesUpdated + j.Progress.NodesUnchanged
}

func (j apiJob) edges() int {
	return j.Progress.EdgesCreated + j.Progress.EdgesUpdated + j.Progress.EdgesUnchanged
}

func (j apiJob) skips() map[string]int {
	out := map[string]int{}
	for _, s := range j.SkippedByReason {
		out[s.Reason] = s.Count
	}
	return out
}

// upload starts an ingest job on files through a GraphQL multipart
// request, streamed as curl -F sends it.
func (s *server) upload(format string, files ...string) apiJob {
	s.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			ops, _ := json.Marshal(map[string]any{
				"query":     `mutation($f: String!, $u: [Upload!]) { startIngest(format: $f, uploads: $u) { ` + apiJobFields + ` } }`,
				"variables": map[string]any{"f": format, "u": make([]any, len(files))},
			})
			if err := mw.WriteField("operations", string(ops)); err != nil {
				return err
			}
			m := map[string][]string{}
			for i := range files {
				m[fmt.Sprint(i)] = []string{fmt.Sprintf("variables.u.%d", i)}
			}
			mb, _ := json.Marshal(m)
			if err := mw.WriteField("map", string(mb)); err != nil {
				return err
			}
			for i, path := range files {
				part, err := mw.CreateFormFile(fmt.Sprint(i), filepath.Base(path))
				if err != nil {
					return err
				}
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				_, err = io.Copy(part, f)
				f.Close()
				if err != nil {
					return err
				}
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, s.url+"/graphql", pr)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("GraphQL-Require-Preflight", "1")
	resp, err := authClient.Do(req)
	if err != nil {
		s.t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Data   struct{ StartIngest apiJob }
		Errors []gqlError
	}
	if err := json.Unmarshal(raw, &env); err != nil || len(env.Errors) > 0 || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("upload: %d %s (%v)", resp.StatusCode, raw, err)
	}
	return env.Data.StartIngest
}

func (s *server) job(id string) apiJob {
	s.t.Helper()
	var r struct{ IngestJob *apiJob }
	s.query(`query($id: ID!) { ingestJob(id: $id) { `+apiJobFields+` } }`, map[string]any{"id": id}, &r)
	if r.IngestJob == nil {
		s.t.Fatalf("job %s unknown to the server", id)
	}
	return *r.IngestJob
}

// waitJob polls job id until it is over.
func (s *server) waitJob(id string) apiJob {
	s.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		j := s.job(id)
		switch j.State {
		case "SUCCEEDED", "FAILED", "CANCELLED":
			return j
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("job %s still %s after 3 minutes", id, j.State)
		}
		time.Sleep(20 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
}

// kill ends the server with SIGKILL and returns its log.
func (s *server) kill() string {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	err := s.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		s.t.Fatalf("server ended with %v before the kill:\n%s", err, s.logs)
	}
	return s.logs.String()
}

// waitCheckpoint polls the API job's checkpoint until reached says yes
// of it. The job must not end first.
func (s *server) waitCheckpoint(data, id string, reached func(killState) bool) killState {
	s.t.Helper()
	path := filepath.Join(data, "jobs", "checkpoints", id+".ckpt")
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			var st killState
			if json.Unmarshal(b, &st) == nil && st.Job == id && reached(st) {
				return st
			}
		}
		time.Sleep(2 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
	s.t.Fatalf("checkpoint of job %s never reached the point to kill at; job %+v", id, s.job(id))
	return killState{}
}

// TestAPIIngestSurvivesKill uploads generated blockchain-etl files to the
// real `redthread serve`, SIGKILLs the server twice while the job runs and
// starts it again each time on the same data directory: the job goes on
// under its ID from its checkpoint, RUNNING again, and ends SUCCEEDED with
// the counts, skipped records and graph (content digest) of a run never
// killed.
func TestAPIIngestSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("loads tens of thousands of records three times")
	}
	bin := binary(t)
	clean := runCleanIngest(t, bin, 3)

	data := t.TempDir()
	s := serve(t, bin, data)
	job := s.upload("etl-eth", clean.files...)
	var kills []killState
	// Kill past a third of the records, right after a checkpoint, then past
	// half, some way into the next batch.
	for i, k := range []struct {
		frac  int
		delay time.Duration
	}{{3, 0}, {2, 40 * time.Millisecond}} {
		target := clean.job.Progress.Records / k.frac
		at := s.waitCheckpoint(data, job.ID, func(st killState) bool { return st.Records >= target })
		time.Sleep(k.delay) //nolint:forbidigo // kills at a different point of the write
		logs := s.kill()
		kills = append(kills, at)
		t.Logf("killed run %d at checkpoint %+v", i+1, at)
		s = serve(t, bin, data)
		if i > 0 && !strings.Contains(logs, "resuming it from its checkpoint") {
			t.Errorf("run %d did not log the resumption:\n%s", i+1, tail(logs))
		}
		// The job is known again at once, under its ID, queued or running.
		if j := s.job(job.ID); j.State != "QUEUED" && j.State != "RUNNING" {
			t.Fatalf("after restart %d the job is %s", i+1, j.State)
		}
	}
	// RUNNING again: the job takes hundreds of milliseconds more.
	for deadline := time.Now().Add(time.Minute); ; {
		j := s.job(job.ID)
		if j.State == "RUNNING" {
			break
		}
		if j.State != "QUEUED" || time.Now().After(deadline) {
			t.Fatalf("after the last restart the job went %s without being seen RUNNING", j.State)
		}
		time.Sleep(2 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
	got := s.waitJob(job.ID)
	s.stop()
	if !strings.Contains(s.logs.String(), "resuming it from its checkpoint") {
		t.Errorf("the last run did not log the resumption:\n%s", tail(s.logs.String()))
	}

	if got.State != "SUCCEEDED" || got.Resumed != len(kills) || got.Progress.ResumedAt < kills[len(kills)-1].Records {
		t.Errorf("resumed job: %s, resumed %d times, last at record %d; want SUCCEEDED, %d times, at record %d or later",
			got.State, got.Resumed, got.Progress.ResumedAt, len(kills), kills[len(kills)-1].Records)
	}
	clean.checkSameAsClean(t, "killed and resumed", got, data)
	if left, _ := filepath.Glob(filepath.Join(data, "jobs", "checkpoints", "*")); len(left) > 0 {
		t.Errorf("checkpoint files left after the job succeeded: %v", left)
	}
	if stored, _ := filepath.Glob(filepath.Join(data, "jobs", "uploads", job.ID, "*")); len(stored) != len(clean.files) {
		t.Errorf("uploads of a job still listed: %v, want its %d files", stored, len(clean.files))
	}
}
