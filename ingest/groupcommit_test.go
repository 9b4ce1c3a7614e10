package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
)

// syncWatch passes batches to the real store opened with group commit and
// checks, whenever the runner calls it, that the checkpoint on disk
// covers no record written after the last Sync.
type syncWatch struct {
	t       *testing.T
	s       *boltstore.Store
	ckpt    string
	written int // records written
	synced  int // records written when Sync was last called
	syncs   int
	seen    map[int]bool // checkpoints' record counts
}

func (w *syncWatch) check() {
	w.t.Helper()
	data, err := os.ReadFile(w.ckpt)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var ck struct{ Records int }
	if err := json.Unmarshal(data, &ck); err != nil {
		w.t.Fatal(err)
	}
	w.seen[ck.Records] = true
	if ck.Records > w.synced {
		w.t.Errorf("the checkpoint covers %d records, only %d were written before the last sync", ck.Records, w.synced)
	}
}

func (w *syncWatch) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	w.t.Error("the runner wrote an unprepared batch to a store that takes prepared ones")
	return w.s.Write(ctx, b)
}

func (w *syncWatch) WritePrepared(ctx context.Context, b *graph.PreparedBatch) (graph.WriteResult, error) {
	w.check()
	w.written += b.Len()
	return w.s.WritePrepared(ctx, b)
}

func (w *syncWatch) Sync() error {
	w.check()
	w.synced = w.written
	w.syncs++
	return w.s.Sync()
}

// TestGroupCommitCheckpointNeverAhead: with group commit, the runner
// checkpoints once every GroupCommit batches, never ahead of what it has
// synced, and loads what it loads without.
func TestGroupCommitCheckpointNeverAhead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := boltstore.Open(ctx, dir, boltstore.Options{Logger: slog.New(slog.DiscardHandler), GroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var lines []string
	for i := range 40 {
		lines = append(lines, nodeLine("PERSON", "p"+string(rune('a'+i%26))+string(rune('a'+i/26))))
	}
	w := &syncWatch{t: t, s: s, ckpt: filepath.Join(dir, "job.ckpt"), seen: map[int]bool{}}
	o := opts(4) // 10 batches
	o.Checkpoint, o.GroupCommit, o.KeepCheckpoint = w.ckpt, 3, true
	res, err := ingest.Run(ctx, w, []ingest.Source{src("n.jsonl", lines...)}, o)
	if err != nil {
		t.Fatal(err)
	}
	w.check()
	if res.Nodes.Created != 40 || w.synced != 40 {
		t.Errorf("created %d nodes, synced %d records; want 40 and 40", res.Nodes.Created, w.synced)
	}
	// Checkpoints at 0 (before any write), 12, 24, 36 and 40 (the end).
	if len(w.seen) != 5 || !w.seen[12] || !w.seen[40] {
		t.Errorf("checkpoints at %v records, want 0, 12, 24, 36, 40", w.seen)
	}
}

// failAt is the real store failing its n-th write, as a crash would
// interrupt it.
type failAt struct {
	*boltstore.Store
	n, calls int
}

func (f *failAt) WritePrepared(ctx context.Context, b *graph.PreparedBatch) (graph.WriteResult, error) {
	if f.calls++; f.calls == f.n {
		return graph.WriteResult{}, errors.New("crash")
	}
	return f.Store.WritePrepared(ctx, b)
}

// TestGroupCommitResumesLinking: with group commit, a job stopped while
// linking resumes with every deferred edge of the batches it had not yet
// checkpointed: it ends with the graph and report of a run never stopped.
func TestGroupCommitResumesLinking(t *testing.T) {
	ctx := context.Background()
	lines := []string{
		edgeLine("TRANSFER", w1, w2), // deferred, then linked
		edgeLine("TRANSFER", w1, "wallet:eth:0x0000000000000000000000000000000000000003"), // dangles
		nodeLine("WALLET", "eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
		nodeLine("WALLET", "eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"),
	}
	open := func(dir string) *boltstore.Store {
		s, err := boltstore.Open(ctx, dir, boltstore.Options{Logger: slog.New(slog.DiscardHandler), GroupCommit: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	o := opts(2)
	o.GroupCommit = 100
	clean, err := ingest.Run(ctx, open(t.TempDir()), []ingest.Source{src("g.jsonl", lines...)}, o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := open(dir)
	o.Checkpoint = filepath.Join(dir, "job.ckpt")
	// Writes: the two edges (deferred), the two nodes, then linking.
	if _, err := ingest.Run(ctx, &failAt{Store: s, n: 3}, []ingest.Source{src("g.jsonl", lines...)}, o); err == nil {
		t.Fatal("the job did not stop at the failed write")
	}
	res, err := ingest.Run(ctx, s, []ingest.Source{src("g.jsonl", lines...)}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || report(res) != report(clean) || clean.Edges.Created != 1 || clean.Rejected != 1 {
		t.Errorf("resumed %v, report\n%s\nclean run's (%d edges created, %d rejected)\n%s", res.Resumed, report(res), clean.Edges.Created, clean.Rejected, report(clean))
	}
	if _, err := s.Edge(ctx, graph.EdgeID(graph.EdgeTransfer, w1, w2, "")); err != nil {
		t.Errorf("the deferred edge is not stored after the resumed run: %v", err)
	}
}
