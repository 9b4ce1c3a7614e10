package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/synth"
)

var (
	killTransfers = flag.Int("kill-transfers", 200_000, "transfers in TestIngestSurvivesKill's generated data (5000000 for the M-scale run: make test-kill-m)")
	killSeed      = flag.Uint64("kill-seed", 1, "seed of TestIngestSurvivesKill's kill points")
)

// writeKillInput writes a generated transfer graph as two native files,
// arranged to exercise everything a resume must get right: the first file
// opens with a tenth of the transfers, before any wallet (deferred edges,
// linked at the end), both files hold malformed lines and edges to wallets
// that never come (the error report).
func writeKillInput(t *testing.T, dir string, g *synth.Gen) (files []string, nodes, edges int) {
	t.Helper()
	var ns []graph.Node
	var es []graph.Edge
	for b := range g.Batches(1 << 14) {
		ns = append(ns, b.Nodes...)
		es = append(es, b.Edges...)
	}
	early := len(es) / 10
	type part struct {
		nodes []graph.Node
		edges []graph.Edge
	}
	parts := []part{{nodes: ns, edges: es[:early]}, {edges: es[early:]}}
	for i, p := range parts {
		path := filepath.Join(dir, fmt.Sprintf("part%d.jsonl", i))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		line := 0
		put := func(typ string, v any) {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			// The graph types' JSON is the native format less "type"; the
			// empty id is allowed and derived.
			fmt.Fprintf(w, `{"type":%q,%s`+"\n", typ, b[1:])
			if line++; line%20_000 == 0 {
				fmt.Fprintf(w, `{"type":"node","kind":"WALET","key":"bad-%d","sources":[{"dataset":"kill"}]}`+"\n", line)
				fmt.Fprintf(w, `{"type":"edge","kind":"TRANSFER","from":%q,"to":"wallet:eth:0x%040x","sources":[{"dataset":"kill"}]}`+"\n", g.WalletID(0), line)
				line += 2
			}
		}
		for _, e := range p.edges {
			put("edge", e)
		}
		for _, n := range p.nodes {
			put("node", n)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return files, len(ns), len(es)
}

// killState is what the test reads of a job's checkpoint to pick its
// moment.
type killState struct {
	Job     string `json:"job"`
	Phase   string `json:"phase"`
	Records int    `json:"records"`
}

func readCheckpoint(data string) (killState, bool) {
	paths, _ := filepath.Glob(filepath.Join(data, "checkpoints", "*.ckpt"))
	if len(paths) != 1 {
		return killState{}, false
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		return killState{}, false
	}
	var s killState
	return s, json.Unmarshal(b, &s) == nil
}

// ingestOutcome is a finished `redthread ingest`: its exit code and what
// its summary and report say.
type ingestOutcome struct {
	code              int
	job               string
	records, rejected int
	nodes, edges      int // created + updated + unchanged
	report            []string
	stderr            string
}

var summaryLine = regexp.MustCompile(`ingest (\S+): ([\d,]+) records .*; nodes (\d+) created, (\d+) updated, (\d+) unchanged; edges (\d+) created, (\d+) updated, (\d+) unchanged; (\d+) rejected`)

func parseOutcome(t *testing.T, code int, stderr string) ingestOutcome {
	t.Helper()
	o := ingestOutcome{code: code, stderr: stderr}
	m := summaryLine.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary line in:\n%s", tail(stderr))
	}
	n := func(i int) int {
		v, _ := strconv.Atoi(strings.ReplaceAll(m[i], ",", ""))
		return v
	}
	o.job, o.records, o.rejected = m[1], n(2), n(9)
	o.nodes, o.edges = n(3)+n(4)+n(5), n(6)+n(7)+n(8)
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, ".jsonl:") {
			o.report = append(o.report, l)
		}
	}
	return o
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

func digest(t *testing.T, data string) boltstore.Digest {
	t.Helper()
	s, err := boltstore.Open(context.Background(), data, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIngestSurvivesKill kills `redthread ingest` with SIGKILL at random
// moments (seeded: -kill-seed), while reading and while linking deferred
// edges, runs the same command again until it finishes, and checks that the
// store, the summary and the error report equal those of a run never
// killed: same node and edge counts, same content digest, one job ID.
func TestIngestSurvivesKill(t *testing.T) { ingestSurvivesKill(t) }

// TestIngestSurvivesKillGroupCommit is TestIngestSurvivesKill with group
// commit: killed between the syncs that its checkpoints wait for, the job
// resumes to the clean run's store and report.
func TestIngestSurvivesKillGroupCommit(t *testing.T) { ingestSurvivesKill(t, "--group-commit", "3") }

func ingestSurvivesKill(t *testing.T, extra ...string) {
	if testing.Short() {
		t.Skip("loads a few hundred thousand records several times")
	}
	start := time.Now()
	bin := binary(t)
	g := synth.NewGen(42, max(*killTransfers/6, 40), *killTransfers)
	files, nodes, edges := writeKillInput(t, t.TempDir(), g)
	args := append(append([]string{"--format", "native", "--batch-size", "5000"}, extra...), files...)
	t.Logf("input: %d nodes, %d edges in %d files (%s)", nodes, edges, len(files), time.Since(start).Round(time.Millisecond))

	cleanData := t.TempDir()
	code, out := ingest(t, bin, cleanData, args...)
	clean := parseOutcome(t, code, out)
	if clean.code != 3 || clean.rejected == 0 {
		t.Fatalf("clean run: exit %d, %d rejected; want 3 and some rejections\n%s", clean.code, clean.rejected, tail(out))
	}
	t.Logf("clean run: %d records, %d rejected (%s)", clean.records, clean.rejected, time.Since(start).Round(time.Millisecond))

	// Kill points: four at random record counts while reading, one while
	// linking; each after a random delay into the batch following a
	// checkpoint, so kills land in reading, writing and checkpointing.
	rng := rand.New(rand.NewPCG(*killSeed, 0x6b111))
	var targets []int
	for range 4 {
		targets = append(targets, 1+rng.IntN(clean.records))
	}
	slices.Sort(targets)
	data := t.TempDir()
	kills, job := 0, ""
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatalf("still not finished after %d runs", i)
		}
		var reached func(killState) bool
		switch {
		case i < len(targets):
			target := targets[i]
			reached = func(s killState) bool { return s.Records >= target }
		case i == len(targets):
			reached = func(s killState) bool { return s.Phase == "linking" }
		}
		res := runMaybeKill(t, bin, data, args, reached, time.Duration(rng.IntN(150))*time.Millisecond)
		if job == "" {
			job = res.job
		}
		if !res.killed {
			final := parseOutcome(t, res.code, res.stderr)
			t.Logf("run %d finished: exit %d", i+1, final.code)
			compareOutcomes(t, final, clean, job)
			break
		}
		kills++
		t.Logf("run %d killed at checkpoint %+v", i+1, res.at)
		if res.job != job {
			t.Errorf("run %d checkpointed as job %s, the first run was %s", i+1, res.job, job)
		}
	}
	if kills < 3 {
		t.Errorf("only %d kills landed before the job finished; want at least 3", kills)
	}

	want, got := digest(t, cleanData), digest(t, data)
	if got.Nodes != nodes || got.Edges != edges {
		t.Errorf("resumed store holds %d nodes and %d edges, the input %d and %d", got.Nodes, got.Edges, nodes, edges)
	}
	if got.Nodes != want.Nodes || got.Edges != want.Edges || got.SHA256 != want.SHA256 {
		t.Errorf("killed and resumed: %d nodes, %d edges, sha256 %s\nclean run:          %d nodes, %d edges, sha256 %s",
			got.Nodes, got.Edges, got.SHA256, want.Nodes, want.Edges, want.SHA256)
	}
	if !slices.Equal(got.Jobs, []string{job}) {
		t.Errorf("records carry jobs %v, want only the first run's %s", got.Jobs, job)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "checkpoints", "*")); len(left) > 0 {
		t.Errorf("checkpoint files left after the job finished: %v", left)
	}
	t.Logf("%d kills, %d records, %s in all", kills, clean.records, time.Since(start).Round(time.Millisecond))
}

func compareOutcomes(t *testing.T, got, want ingestOutcome, job string) {
	t.Helper()
	if got.code != want.code || got.records != want.records || got.rejected != want.rejected || got.nodes != want.nodes || got.edges != want.edges {
		t.Errorf("resumed run: exit %d, %d records, %d rejected, %d nodes, %d edges\nclean run:   exit %d, %d records, %d rejected, %d nodes, %d edges",
			got.code, got.records, got.rejected, got.nodes, got.edges, want.code, want.records, want.rejected, want.nodes, want.edges)
	}
	if got.job != job {
		t.Errorf("finished as job %s, started as %s", got.job, job)
	}
	if !slices.Equal(got.report, want.report) {
		t.Errorf("error report differs from the clean run's:\n%s\nwant:\n%s", strings.Join(got.report, "\n"), strings.Join(want.report, "\n"))
	}
}

type runResult struct {
	killed bool
	at     killState
	job    string
	code   int
	stderr string
}

// runMaybeKill runs `redthread ingest` and, once reached says yes of its
// checkpoint, waits delay and kills it with SIGKILL. reached nil lets it
// finish.
func runMaybeKill(t *testing.T, bin, data string, args []string, reached func(killState) bool, delay time.Duration) runResult {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"ingest", "--data", data}, args...)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(runTimeout(t))
	poll := time.NewTicker(2 * time.Millisecond) // polling interval, bounded by the deadline
	defer poll.Stop()
	var res runResult
	for !res.killed {
		select {
		case err := <-done:
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("ingest: %v", err)
			}
			res.code, res.stderr = cmd.ProcessState.ExitCode(), stderr.String()
			if m := summaryLine.FindStringSubmatch(res.stderr); m != nil {
				res.job = m[1]
			}
			return res
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("ingest did not finish within %s:\n%s", runTimeout(t), tail(stderr.String()))
		case <-poll.C:
			s, ok := readCheckpoint(data)
			if ok {
				res.job = s.Job
			}
			if !ok || reached == nil || !reached(s) {
				continue
			}
			res.at = s
			select {
			case err := <-done: // finished during the delay
				done <- err
				continue
			case <-time.After(delay):
			}
			if _, ok := readCheckpoint(data); !ok {
				// The job has finished and removed its checkpoint: a kill
				// now would land between the end of the job and the end of
				// the process, which a rerun rightly treats as a new job.
				continue
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			res.killed = true
		}
	}
	if err := <-done; err != nil && !res.killed {
		t.Logf("ingest exited: %v", err) // the caller judges by the data
	}
	return res
}
