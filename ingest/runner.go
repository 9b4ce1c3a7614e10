package ingest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Writer is what the runner needs from a store; graph.Store has it.
type Writer interface {
	Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error)
}

// PreparedWriter is a Writer that takes the records a format prepared as
// they are (graph.PreparedBatch), without validating them again; the
// runner writes through it when the store has it. The embedded store does.
type PreparedWriter interface {
	WritePrepared(ctx context.Context, b *graph.PreparedBatch) (graph.WriteResult, error)
}

// DefaultBatchSize is the number of records written in one store transaction
// unless Options say otherwise.
const DefaultBatchSize = 5000

// Options configure a job. The zero value is usable.
type Options struct {
	// JobID is stamped into Source.Job of every source that carries no job;
	// empty means NewJobID.
	JobID string
	// Stamp is the agency, user and default marking stamped into every
	// source (stamp.go); the zero Stamp stamps none.
	Stamp Stamp
	// BatchSize is the number of records per Write; 0 means DefaultBatchSize.
	BatchSize int
	// Progress, when set, is called at most once per ProgressInterval while
	// the job runs and once at the end with Done set. It runs on the job's
	// goroutine: it must return quickly.
	Progress         func(Progress)
	ProgressInterval time.Duration // 0 means 100ms
	// MaxReport caps the rejections kept in Result.Report (all are
	// counted); 0 means 10,000, negative means no cap.
	MaxReport int
	// MaxValueBytes bounds each value of a record (a label, a property, a
	// source's excerpt...): a record holding a longer one is rejected,
	// naming the field, and never written. 0 means DefaultMaxValueBytes,
	// negative means no limit.
	MaxValueBytes int
	// Checkpoint, when set, is the file where the job saves its state
	// after every batch the store commits (see checkpoint.go). If the file
	// holds a checkpoint of the same inputs (and of JobID, when set), the
	// job resumes from it under the job ID it started with. A job that
	// succeeds deletes its checkpoint; one that fails keeps it, so that
	// running it again resumes.
	Checkpoint string
	// KeepCheckpoint leaves the checkpoint of a job that succeeded for the
	// caller to remove (RemoveCheckpoint) once it has recorded the job's
	// end, so that a crash in between finds the job resumable rather than
	// done but unrecorded.
	KeepCheckpoint bool
	// GroupCommit, above 1, takes a checkpoint after every GroupCommit
	// batches rather than after each, and syncs the store (Syncer) before
	// it: with a store that commits without waiting for the disk
	// (boltstore.Options.GroupCommit), one wait covers that many batches.
	// A killed job resumes from its last checkpoint and writes the
	// batches after it again, which changes nothing already stored.
	GroupCommit int
	Logger      *slog.Logger     // nil discards
	Now         func() time.Time // clock, for tests; nil means time.Now
}

// Counts says what the store did with records of one sort.
type Counts struct {
	Created, Updated, Unchanged int
}

// Total is the number of records written.
func (c Counts) Total() int { return c.Created + c.Updated + c.Unchanged }

// Result says what a job did.
type Result struct {
	JobID    string
	Records  int    // records read, valid or not
	Nodes    Counts // nodes written
	Edges    Counts // edges written
	Prices   Counts // prices written (the price table: graph.Price)
	Rejected int    // records rejected, whether or not Report kept them
	Deferred int    // edges retried at the end because an endpoint came later
	// Skipped counts, by reason, the input the formats passed over on
	// purpose (Skipper): neither written nor rejected.
	Skipped map[string]int
	// Report lists rejected records by file and line, at most
	// Options.MaxReport of them.
	Report  []RecordError
	Bytes   int64
	Elapsed time.Duration // of this run, when resumed
	// Resumed is set when the job went on from a checkpoint; ResumedAt is
	// the number of records done before this run.
	Resumed   bool
	ResumedAt int
}

// Run reads every source in order, rejects a record holding a value over
// Options.MaxValueBytes, stamps the job into its sources and writes the
// records to w in batches, nodes before edges; the store validates them
// (the formats return them prepared: graph.PrepareNode/PrepareEdge), except
// the records that come with graph's proof of it (Record.Prepared) when w is
// a PreparedWriter. A record that fails is reported in Result.Report and the job goes on; an edge the store
// rejects as NOT_FOUND (an endpoint not loaded yet) is retried after all
// input is written and only reported if it still dangles, so files load
// completely in any order.
//
// Run stops between batches, or every few hundred records while reading,
// when ctx is cancelled, and on an error reading a source or writing to the
// store; it then returns what it did so far with the error.
func Run(ctx context.Context, w Writer, sources []Source, opts Options) (Result, error) {
	opts.BatchSize = cmp.Or(opts.BatchSize, DefaultBatchSize)
	opts.ProgressInterval = cmp.Or(opts.ProgressInterval, 100*time.Millisecond)
	opts.MaxReport = cmp.Or(opts.MaxReport, 10_000)
	opts.MaxValueBytes = cmp.Or(opts.MaxValueBytes, DefaultMaxValueBytes)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.Stamp.Check(); err != nil {
		return Result{}, fmt.Errorf("ingest job: %w", err)
	}
	j := &job{w: w, opts: opts, start: opts.Now(), files: map[string]int{}}
	if opts.Checkpoint != "" {
		if err := j.openCheckpoint(ctx, sources); err != nil {
			return j.res, fmt.Errorf("ingest job: %w", err)
		}
	}
	if j.opts.JobID == "" {
		j.opts.JobID = NewJobID(opts.Now())
	}
	opts = j.opts
	j.res.JobID = opts.JobID
	// A first checkpoint before any write fixes the job ID: records
	// committed before a crash carry it, so the resumed job must too.
	if j.ckpt != nil && j.resume == nil {
		if err := j.save(j.cutNow()); err != nil {
			_ = j.ckpt.close()
			return j.res, fmt.Errorf("ingest job %s: %w", opts.JobID, err)
		}
	}
	for i, s := range sources {
		j.files[s.Name()] = i
		if n := s.Size(); n >= 0 && j.total >= 0 {
			j.total += n
		} else {
			j.total = -1
		}
	}
	opts.Logger.DebugContext(ctx, "ingest job started", "job", opts.JobID, "sources", len(sources), "bytes", j.total)

	err := j.run(ctx, sources)
	if serr := j.saveLast(); err == nil {
		err = serr
	}
	j.res.Skipped = j.skipped()
	if j.ckpt != nil {
		if err == nil && !opts.KeepCheckpoint {
			err = j.ckpt.remove()
		} else {
			_ = j.ckpt.close() // kept for the next run to resume
		}
	}
	j.res.Elapsed = opts.Now().Sub(j.start)
	slices.SortStableFunc(j.res.Report, func(a, b RecordError) int {
		return cmp.Or(cmp.Compare(j.files[a.Pos.File], j.files[b.Pos.File]), cmp.Compare(a.Pos.Line, b.Pos.Line))
	})
	j.progress(true)
	if err != nil {
		err = fmt.Errorf("ingest job %s: %w", opts.JobID, err)
	}
	opts.Logger.DebugContext(ctx, "ingest job finished", "job", opts.JobID, "records", j.res.Records,
		"rejected", j.res.Rejected, "elapsed", j.res.Elapsed, "err", err)
	return j.res, err
}

// NewJobID returns a job ID that sorts by start time and is unique in
// practice: UTC time to the microsecond plus 24 random bits, e.g.
// "20240503T101500.250000Z-9f3a1c". The order matters: a source that a
// later job confirms keeps the earlier job (graph.MergeNode), so two jobs
// started within one second must not compare by chance.
func NewJobID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return now.UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

type job struct {
	w    Writer
	opts Options
	res  Result

	batch    batch
	deferred []graph.Edge
	deferPos []Pos

	// The pipeline: while the store writes one batch (inflight), the
	// reader fills the next. Rejections met while reading wait in pending
	// (the first MaxReport of them, all counted) and join the report when
	// their batch is applied, so the report, the counts and every
	// checkpoint are those of a run that wrote each batch before reading on.
	inflight *inflight
	pending  []RecordError
	pendingN int

	// checkpoint state: the source being read, its records done and its
	// reader; edges written while linking; what the journal holds.
	ckpt        *checkpointer
	unsaved     int // committed batches after the last checkpoint (GroupCommit)
	lastCut     cut // the last committed batch's
	inputs      []input
	resume      *checkpoint // the checkpoint this run goes on from
	cur         int
	curRecords  int
	reader      Reader
	linked      int
	reported    int // entries of res.Report in the journal
	newDeferred int // first entry of deferred not in the journal
	journaled   int // deferred edges in the journal
	baseRecords int // records and bytes done before this run, for rates
	baseBytes   int64
	// skipped by the sources read to the end, and by the part of the
	// current one a resumed job did not read again (it seeked past it)
	skipDone, skipCur map[string]int

	files        map[string]int // file name → source index, to sort the report
	start        time.Time
	total        int64 // bytes in all sources, -1 when unknown
	doneBytes    int64 // bytes of the sources already read
	file, phase  string
	lastProgress time.Time
}

func (j *job) run(ctx context.Context, sources []Source) (err error) {
	defer func() {
		// Never return while the store is still writing a batch (the
		// caller may close it); an error of that write is the job's.
		if werr := j.wait(); err == nil {
			err = werr
		}
	}()
	first, linked := 0, 0
	var at *checkpoint // where to resume in sources[first]
	if ck := j.resume; ck != nil {
		if ck.Phase == "linking" {
			first, linked = len(sources), ck.Linked
		} else {
			first, at = ck.Source, ck
		}
	}
	j.phase = "reading"
	for i := first; i < len(sources); i++ {
		if err := j.read(ctx, i, sources[i], at); err != nil {
			return err
		}
		at = nil
	}
	// Every source is done: a checkpoint from here on resumes linking.
	j.cur, j.curRecords, j.reader = len(sources), 0, nil
	if err := j.flush(ctx, false); err != nil {
		return err
	}
	if err := j.wait(); err != nil { // every deferred edge is known
		return err
	}
	// The deferred edges leave the journal's bookkeeping below: a batch
	// group commit left unsaved must journal its own first.
	if err := j.saveLast(); err != nil {
		return err
	}
	j.phase, j.file = "linking", ""
	j.res.Deferred = len(j.deferred)
	edges, pos := j.deferred, j.deferPos
	j.deferred, j.deferPos, j.newDeferred = nil, nil, 0
	for i := linked; i < len(edges); i += j.opts.BatchSize {
		end := min(i+j.opts.BatchSize, len(edges))
		for k := i; k < end; k++ {
			j.batch.b.AddEdge(&edges[k], graph.Prepared{}) // the job's own: validated again
			j.batch.edgePos = append(j.batch.edgePos, pos[k])
		}
		j.linked = end // saved by flush once the batch is committed
		if err := j.flush(ctx, true); err != nil {
			return err
		}
	}
	return nil
}

// open opens source i, at the checkpoint at when it is set: seeking to the
// next record when the source can, else re-reading from the top and
// skipping the records done (their rejections are in the journal already).
func (j *job) open(ctx context.Context, s Source, at *checkpoint) (Reader, error) {
	if at == nil || at.SourceRecords == 0 {
		return s.Open(ctx)
	}
	j.curRecords = at.SourceRecords
	if rs, ok := s.(Resumer); ok && at.Position != nil {
		// Skip counts of the records before the position are not met
		// again; re-reading from the top (below) counts them anew.
		j.skipCur = addSkipped(nil, at.SourceSkipped)
		return rs.OpenAt(ctx, *at.Position)
	}
	r, err := s.Open(ctx)
	if err != nil {
		return nil, err
	}
	for n := 0; n < at.SourceRecords; n++ {
		_, err := r.Next()
		var rerr *RecordError
		switch {
		case err == io.EOF:
			err = fmt.Errorf("ends after %d records, before record %d where the checkpoint stands", n, at.SourceRecords+1)
		case errors.As(err, &rerr):
			err = nil
		}
		if err != nil {
			if c, ok := r.(io.Closer); ok {
				_ = c.Close()
			}
			return nil, err
		}
	}
	return r, nil
}

func (j *job) read(ctx context.Context, i int, s Source, at *checkpoint) (err error) {
	j.file, j.cur, j.curRecords, j.skipCur = s.Name(), i, 0, nil
	r, err := j.open(ctx, s, at)
	if err != nil {
		return &SourceError{File: s.Name(), Err: err}
	}
	if d, ok := r.(MarkingDefaulter); ok && j.opts.Stamp.Marking != "" {
		d.SetDefaultMarking(j.opts.Stamp.Marking)
	}
	j.reader = r
	if c, ok := r.(io.Closer); ok {
		defer func() {
			if cerr := c.Close(); cerr != nil && err == nil {
				err = &SourceError{File: s.Name(), Err: fmt.Errorf("close: %w", cerr)}
			}
		}()
	}
	counter, _ := r.(interface{ BytesRead() int64 })
	defer func() {
		if counter != nil {
			j.doneBytes += counter.BytesRead()
		} else if n := s.Size(); n > 0 {
			j.doneBytes += n
		}
		j.res.Bytes = j.doneBytes
	}()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			// The source is done: its skips move to the total, and a
			// checkpoint from here on starts at the next source.
			j.skipDone = addSkipped(j.skipDone, j.currentSkipped())
			j.cur, j.curRecords, j.reader, j.skipCur = i+1, 0, nil, nil
			return nil
		}
		j.curRecords++
		var rerr *RecordError
		switch {
		case errors.As(err, &rerr):
			j.res.Records++
			j.reject(*rerr)
		case err != nil:
			return &SourceError{File: s.Name(), Err: err}
		default:
			j.res.Records++
			if rerr := checkValues(rec, j.opts.MaxValueBytes); rerr != nil {
				j.reject(*rerr)
			} else {
				j.add(rec)
			}
		}
		if counter != nil {
			j.res.Bytes = j.doneBytes + counter.BytesRead()
		}
		if j.batch.len() >= j.opts.BatchSize {
			if err := j.flush(ctx, false); err != nil {
				return err
			}
		}
		if j.res.Records%256 == 0 {
			// Rejected records never fill a batch, so cancellation is
			// checked here too: a file of garbage must not hold up a
			// shutdown. What is pending is dropped, as in a crash; a
			// checkpointed job reads it again.
			if err := ctx.Err(); err != nil {
				return err
			}
			j.progress(false)
		}
	}
}

// add queues a record for the next batch. The store validates it (and
// reports it by index, which maps back to its position): validating here
// too would check every address twice.
func (j *job) add(rec Record) {
	switch {
	case rec.Price != nil && rec.Node == nil && rec.Edge == nil:
		j.batch.b.Prices = append(j.batch.b.Prices, *rec.Price)
		j.batch.pricePos = append(j.batch.pricePos, rec.Pos)
	case rec.Node != nil && rec.Edge == nil && rec.Price == nil:
		if j.batch.nodePos == nil {
			j.batch.nodePos = make([]Pos, 0, j.batchCap())
		}
		j.batch.addNode(rec.Node, rec.Prepared, rec.Pos)
	case rec.Edge != nil && rec.Node == nil && rec.Price == nil:
		if j.batch.edgePos == nil {
			j.batch.edgePos = make([]Pos, 0, j.batchCap())
		}
		j.batch.addEdge(rec.Edge, rec.Prepared, rec.Pos)
	default:
		j.reject(RecordError{Pos: rec.Pos, Err: errors.New("record must hold exactly one node, edge or price")})
	}
}

// batchCap is the capacity a batch's nodes or edges start with: a full
// batch, so that filling it copies no record, up to a bound, so that a
// large BatchSize costs memory only as records come.
func (j *job) batchCap() int { return min(j.opts.BatchSize, 16_384) }

// reject notes a record rejected while reading; it is reported when the
// batch being read is applied.
func (j *job) reject(e RecordError) {
	j.pendingN++
	if j.opts.MaxReport < 0 || len(j.pending) < j.opts.MaxReport {
		j.pending = append(j.pending, e.bounded())
	}
}

// report counts a rejection and keeps it, bounded, within MaxReport.
func (j *job) report(e RecordError) {
	j.res.Rejected++
	if j.opts.MaxReport < 0 || len(j.res.Report) < j.opts.MaxReport {
		j.res.Report = append(j.res.Report, e.bounded())
	}
}

// currentSkipped is what the source being read has skipped so far.
func (j *job) currentSkipped() map[string]int {
	var r map[string]int
	if j.reader != nil {
		r = skippedOf(j.reader)
	}
	return addSkipped(j.skipCur, r)
}

// skipped is what the job has skipped so far, by reason.
func (j *job) skipped() map[string]int { return addSkipped(j.skipDone, j.currentSkipped()) }

// positionOf returns where r's next record starts, when r knows.
func positionOf(r Reader) (Position, bool) {
	switch r := r.(type) {
	case nil:
		return Position{}, false
	case interface{ position() (Position, bool) }:
		return r.position()
	case Positioner:
		return r.Position(), true
	}
	return Position{}, false
}
