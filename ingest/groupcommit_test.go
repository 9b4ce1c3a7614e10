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
