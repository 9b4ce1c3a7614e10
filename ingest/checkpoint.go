package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// A checkpoint lets a job killed at any moment (kill -9, power loss) go on
// where it stopped, and end with exactly the graph, counts and error report
// of an uninterrupted run. It is saved after every batch the store has
// committed, in two files:
//
//   - FILE, the state: the job ID, the inputs (name and fingerprint), the
//     source being read, how many of its records are done and the position
//     of the next one, the counts so far, and the length of the journal.
//     It is replaced atomically (temp file, fsync, rename, fsync of the
//     directory), so it is always one whole checkpoint.
//   - FILE.journal, append-only JSON lines: the rejections kept in the
//     report and the edges deferred to the end (an endpoint not loaded
//     yet). Only the prefix the state counts is valid: a resumed job cuts
//     the rest, written after the last checkpoint, and meets those records
//     again when it re-reads from the checkpoint's position.
//
// A record read after the last checkpoint is neither in the state nor in
// the journal, so a resumed job reads it again: rejections are never lost
// nor reported twice, and a deferred edge is never skipped. A batch the
// store committed just before the crash is written again, which the store's
// idempotent upserts make harmless; its records then count as unchanged.
const checkpointVersion = 1

type checkpoint struct {
	Version int     `json:"version"`
	Job     string  `json:"job"`
	Inputs  []input `json:"inputs"`
	// Stamp is the job's; a checkpoint of another stamp is another job's.
	Stamp Stamp `json:"stamp,omitzero"`

	Phase         string    `json:"phase"`              // "reading" or "linking"
	Source        int       `json:"source"`             // index of the source being read
	SourceRecords int       `json:"sourceRecords"`      // its records done (read, written or rejected)
	Position      *Position `json:"position,omitempty"` // of its next record, when the format says
	DoneBytes     int64     `json:"doneBytes"`          // bytes of the sources before it
	Linked        int       `json:"linked"`             // deferred edges written while linking

	Records  int    `json:"records"`
	Rejected int    `json:"rejected"`
	Bytes    int64  `json:"bytes"`
	Nodes    Counts `json:"nodes"`
	Edges    Counts `json:"edges"`
	Prices   Counts `json:"prices"`

	// Skip counts (Skipper) of the sources before Source, and of the
	// records of Source done; absent from checkpoints of older builds.
	Skipped       map[string]int `json:"skipped,omitempty"`
	SourceSkipped map[string]int `json:"sourceSkipped,omitempty"`

	Journal  int64 `json:"journal"`  // valid length of the journal
	Reported int   `json:"reported"` // rejections in it
	Deferred int   `json:"deferred"` // deferred edges in it
}

// input identifies a source, so that a checkpoint is applied only to the
// inputs it was taken on.
type input struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
}

func inputsOf(sources []Source) ([]input, error) {
	out := make([]input, len(sources))
	for i, s := range sources {
		out[i].Name = s.Name()
		if f, ok := s.(Fingerprinter); ok {
			fp, err := f.Fingerprint()
			if err != nil {
				return nil, &SourceError{File: s.Name(), Err: err}
			}
			out[i].Fingerprint = fp
		} else {
			out[i].Fingerprint = "size=" + strconv.FormatInt(s.Size(), 10)
		}
	}
	return out, nil
}

func sameInputs(a, b []input) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// journalEntry is one line of the journal: a rejection or a deferred edge.
type journalEntry struct {
	Reject *rejectJSON `json:"reject,omitempty"`
	Defer  *deferJSON  `json:"defer,omitempty"`
}

type rejectJSON struct {
	File   string     `json:"file"`
	Line   int        `json:"line,omitempty"`
	ID     string     `json:"id,omitempty"`
	Field  string     `json:"field,omitempty"`
	Code   graph.Code `json:"code,omitempty"` // absent from journals of older builds
	Reason string     `json:"reason"`
}

// err is the rejection's reason with its code.
func (r *rejectJSON) err() error {
	return &graph.Error{Code: cmp.Or(r.Code, graph.CodeInvalid), Message: r.Reason}
}

type deferJSON struct {
	Edge graph.Edge `json:"edge"`
	File string     `json:"file"`
	Line int        `json:"line,omitempty"`
}

// checkpointer saves a job's checkpoints.
type checkpointer struct {
	path    string
	journal *os.File
	size    int64 // valid journal length
}

func journalPath(path string) string { return path + ".journal" }

// loadCheckpoint reads the checkpoint at path, nil if there is none.
func loadCheckpoint(path string) (*checkpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var ck checkpoint
	if err := json.Unmarshal(data, &ck); err != nil {
		return nil, fmt.Errorf("checkpoint %s is corrupt: %w", path, err)
	}
	if ck.Version != checkpointVersion {
		return nil, fmt.Errorf("checkpoint %s has version %d, this build reads %d", path, ck.Version, checkpointVersion)
	}
	return &ck, nil
}

// openCheckpointer opens the journal of a new checkpoint (resume nil) or of
// the one being resumed, whose valid entries it returns.
func openCheckpointer(path string, resume *checkpoint) (*checkpointer, []journalEntry, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, nil, fmt.Errorf("checkpoint directory: %w", err)
	}
	f, err := os.OpenFile(journalPath(path), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, nil, fmt.Errorf("open checkpoint journal: %w", err)
	}
	c := &checkpointer{path: path, journal: f}
	var entries []journalEntry
	if resume != nil {
		c.size = resume.Journal
		entries, err = readJournal(f, resume.Journal)
		if err != nil {
			_ = f.Close() // the read error is the one to report
			return nil, nil, fmt.Errorf("checkpoint journal %s: %w", journalPath(path), err)
		}
	}
	// Cut what was appended after the last checkpoint: those records are
	// read again.
	if err := f.Truncate(c.size); err != nil {
		_ = f.Close() // the truncate error is the one to report
		return nil, nil, fmt.Errorf("truncate checkpoint journal: %w", err)
	}
	if _, err := f.Seek(c.size, io.SeekStart); err != nil {
		_ = f.Close() // the seek error is the one to report
		return nil, nil, fmt.Errorf("seek checkpoint journal: %w", err)
	}
	return c, entries, nil
}

func readJournal(f *os.File, size int64) ([]journalEntry, error) {
	sc := bufio.NewScanner(io.NewSectionReader(f, 0, size))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var out []journalEntry
	var n int64
	for sc.Scan() {
		n += int64(len(sc.Bytes())) + 1
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("entry %d: %w", len(out)+1, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if n != size {
		return nil, fmt.Errorf("shorter (%d bytes) than its checkpoint says (%d)", n, size)
	}
	return out, nil
}

// save appends entries to the journal and then replaces the checkpoint
// file, each made durable before the next step: a crash in between leaves
// the previous checkpoint, whose journal prefix is intact.
func (c *checkpointer) save(ck *checkpoint, entries []journalEntry) error {
	if len(entries) > 0 {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("encode checkpoint journal: %w", err)
			}
		}
		if _, err := c.journal.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write checkpoint journal: %w", err)
		}
		if err := c.journal.Sync(); err != nil {
			return fmt.Errorf("sync checkpoint journal: %w", err)
		}
		c.size += int64(buf.Len())
	}
	ck.Journal = c.size
	data, err := json.Marshal(ck)
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	return writeFileAtomic(c.path, data)
}

// remove deletes the checkpoint of a finished job.
func (c *checkpointer) remove() error {
	_ = c.journal.Close() // deleted next: nothing in it matters
	return RemoveCheckpoint(c.path)
}

func (c *checkpointer) close() error { return c.journal.Close() }

// writeFileAtomic replaces path with data: after a crash the file holds the
// old content or the new, never a mix.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // after a successful rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close() // removed; the write error is the one to report
		return fmt.Errorf("write checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // removed; the sync error is the one to report
		return fmt.Errorf("sync checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace checkpoint: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync checkpoint directory: %w", err)
	}
	defer func() { _ = d.Close() }() // opened only to sync: Sync reports what matters
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync checkpoint directory: %w", err)
	}
	return nil
}

// RemoveCheckpoint deletes the checkpoint at path, its journal and the
// temporary files of a save a crash interrupted, so that the next run of
// the job starts over.
func RemoveCheckpoint(path string) error {
	paths := []string{path, journalPath(path)}
	if ents, err := os.ReadDir(filepath.Dir(path)); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), filepath.Base(path)+".tmp") {
				paths = append(paths, filepath.Join(filepath.Dir(path), e.Name()))
			}
		}
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove checkpoint: %w", err)
		}
	}
	return nil
}

// openCheckpoint loads the checkpoint of Options.Checkpoint when it was
// taken on the same inputs (and job ID, when one is given) and restores the
// job's state from it; any other checkpoint there is removed.
func (j *job) openCheckpoint(ctx context.Context, sources []Source) error {
	path := j.opts.Checkpoint
	inputs, err := inputsOf(sources)
	if err != nil {
		return err
	}
	ck, err := loadCheckpoint(path)
	if err != nil {
		return fmt.Errorf("%w (remove it to start over)", err)
	}
	if ck != nil && (!sameInputs(ck.Inputs, inputs) || j.opts.JobID != "" && ck.Job != j.opts.JobID || ck.Stamp != j.opts.Stamp) {
		j.opts.Logger.WarnContext(ctx, "checkpoint taken on other inputs, another job or another agency, user or marking: starting over", "checkpoint", path, "job", ck.Job)
		if err := RemoveCheckpoint(path); err != nil {
			return err
		}
		ck = nil
	}
	c, entries, err := openCheckpointer(path, ck)
	if err != nil {
		return err
	}
	j.ckpt, j.inputs = c, inputs
	if ck == nil {
		return nil
	}
	j.resume = ck
	j.opts.JobID = ck.Job
	j.res.Resumed, j.res.ResumedAt = true, ck.Records
	j.res.Records, j.res.Rejected, j.res.Bytes = ck.Records, ck.Rejected, ck.Bytes
	j.res.Nodes, j.res.Edges, j.res.Prices = ck.Nodes, ck.Edges, ck.Prices
	j.doneBytes, j.linked = ck.DoneBytes, ck.Linked
	j.skipDone = addSkipped(nil, ck.Skipped)
	j.baseRecords, j.baseBytes = ck.Records, ck.Bytes
	for _, e := range entries {
		switch {
		case e.Reject != nil:
			r := e.Reject
			j.res.Report = append(j.res.Report, RecordError{Pos: Pos{File: r.File, Line: r.Line}, ID: r.ID, Field: r.Field, Err: r.err()})
		case e.Defer != nil:
			j.deferred = append(j.deferred, e.Defer.Edge)
			j.deferPos = append(j.deferPos, Pos{File: e.Defer.File, Line: e.Defer.Line})
		}
	}
	if len(j.res.Report) != ck.Reported || len(j.deferred) != ck.Deferred {
		return fmt.Errorf("checkpoint journal %s holds %d rejections and %d deferred edges, the checkpoint says %d and %d (remove both files to start over)",
			journalPath(path), len(j.res.Report), len(j.deferred), ck.Reported, ck.Deferred)
	}
	j.reported, j.journaled, j.newDeferred = len(j.res.Report), len(j.deferred), len(j.deferred)
	j.opts.Logger.InfoContext(ctx, "ingest job resumed from its checkpoint", "job", ck.Job, "records", ck.Records, "phase", ck.Phase)
	return nil
}

// save checkpoints the job after a committed batch, when it has a
// checkpoint file.
func (j *job) save(c cut) error {
	if j.ckpt == nil {
		return nil
	}
	var entries []journalEntry
	for _, e := range j.res.Report[j.reported:] {
		entries = append(entries, journalEntry{Reject: &rejectJSON{File: e.Pos.File, Line: e.Pos.Line, ID: e.ID, Field: e.Field, Code: e.Code(), Reason: e.Reason()}})
	}
	for i := j.newDeferred; i < len(j.deferred); i++ {
		entries = append(entries, journalEntry{Defer: &deferJSON{Edge: j.deferred[i], File: j.deferPos[i].File, Line: j.deferPos[i].Line}})
	}
	ck := &checkpoint{
		Version: checkpointVersion, Job: j.opts.JobID, Inputs: j.inputs, Stamp: j.opts.Stamp,
		Phase: c.phase, Source: c.cur, SourceRecords: c.curRecords, DoneBytes: c.doneBytes, Linked: c.linked,
		Records: c.records, Rejected: j.res.Rejected, Bytes: c.bytes, Nodes: j.res.Nodes, Edges: j.res.Edges, Prices: j.res.Prices,
		Reported: len(j.res.Report), Deferred: j.journaled + len(j.deferred) - j.newDeferred,
		Skipped: c.skipDone, SourceSkipped: c.skipCur, Position: c.pos,
	}
	if err := j.ckpt.save(ck, entries); err != nil {
		return err
	}
	j.reported, j.journaled, j.newDeferred = ck.Reported, ck.Deferred, len(j.deferred)
	return nil
}
