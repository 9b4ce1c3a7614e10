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

// Lookup is optional for a Writer (graph.Store has it). With it, the runner
// keeps the job of sources the store already holds unchanged, so that
// re-running a job on identical input leaves the store's bytes unchanged and
// counts every record as unchanged. Without it every record is stamped with
// the new job, and a rerun counts as updated (only Source.Job differs).
type Lookup interface {
	Nodes(ctx context.Context, ids []string) ([]*graph.Node, error)
	Edge(ctx context.Context, id string) (*graph.Edge, error)
}

// DefaultBatchSize is the number of records written in one store transaction
// unless Options say otherwise.
const DefaultBatchSize = 5000

// Options configure a job. The zero value is usable.
type Options struct {
	// JobID is stamped into Source.Job of every source that carries no job;
	// empty means NewJobID.
	JobID string
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
	Logger    *slog.Logger     // nil discards
	Now       func() time.Time // clock, for tests; nil means time.Now
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
	Rejected int    // records rejected, whether or not Report kept them
	Deferred int    // edges retried at the end because an endpoint came later
	// Report lists rejected records by file and line, at most
	// Options.MaxReport of them.
	Report  []RecordError
	Bytes   int64
	Elapsed time.Duration
}

// Run reads every source in order, validates each record
// (graph.PrepareNode/PrepareEdge), stamps the job into its sources and
// writes the records to w in batches, nodes before edges. A record that
// fails is reported in Result.Report and the job goes on; an edge the store
// rejects as NOT_FOUND (an endpoint not loaded yet) is retried after all
// input is written and only reported if it still dangles, so files load
// completely in any order.
//
// Run stops between batches when ctx is cancelled, and on an error reading
// a source or writing to the store; it then returns what it did so far with
// the error.
func Run(ctx context.Context, w Writer, sources []Source, opts Options) (Result, error) {
	opts.BatchSize = cmp.Or(opts.BatchSize, DefaultBatchSize)
	opts.ProgressInterval = cmp.Or(opts.ProgressInterval, 100*time.Millisecond)
	opts.MaxReport = cmp.Or(opts.MaxReport, 10_000)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.JobID == "" {
		opts.JobID = NewJobID(opts.Now())
	}
	j := &job{w: w, opts: opts, start: opts.Now(), files: map[string]int{}}
	j.lookup, _ = w.(Lookup)
	j.res.JobID = opts.JobID
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
// practice: UTC time plus 24 random bits, e.g. "20240503T101500Z-9f3a1c".
func NewJobID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

type job struct {
	w      Writer
	lookup Lookup
	opts   Options
	res    Result

	batch    batch
	deferred []graph.Edge
	deferPos []Pos

	files        map[string]int // file name → source index, to sort the report
	start        time.Time
	total        int64 // bytes in all sources, -1 when unknown
	doneBytes    int64 // bytes of the sources already read
	file, phase  string
	lastProgress time.Time
}

// batch is the records of one Write with their positions, index for index.
type batch struct {
	nodes   []graph.Node
	nodePos []Pos
	edges   []graph.Edge
	edgePos []Pos
}

func (b *batch) len() int { return len(b.nodes) + len(b.edges) }

func (b *batch) reset() {
	b.nodes, b.nodePos = b.nodes[:0], b.nodePos[:0]
	b.edges, b.edgePos = b.edges[:0], b.edgePos[:0]
}

func (j *job) run(ctx context.Context, sources []Source) error {
	j.phase = "reading"
	for _, s := range sources {
		if err := j.read(ctx, s); err != nil {
			return err
		}
	}
	if err := j.flush(ctx, false); err != nil {
		return err
	}
	j.phase, j.file = "linking", ""
	j.res.Deferred = len(j.deferred)
	edges, pos := j.deferred, j.deferPos
	j.deferred, j.deferPos = nil, nil
	for i := 0; i < len(edges); i += j.opts.BatchSize {
		end := min(i+j.opts.BatchSize, len(edges))
		j.batch.edges = append(j.batch.edges, edges[i:end]...)
		j.batch.edgePos = append(j.batch.edgePos, pos[i:end]...)
		if err := j.flush(ctx, true); err != nil {
			return err
		}
	}
	return nil
}

func (j *job) read(ctx context.Context, s Source) (err error) {
	j.file = s.Name()
	r, err := s.Open(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	if c, ok := r.(io.Closer); ok {
		defer func() {
			if cerr := c.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("%s: close: %w", s.Name(), cerr)
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
			return nil
		}
		var rerr *RecordError
		switch {
		case errors.As(err, &rerr):
			j.res.Records++
			j.reject(*rerr)
		case err != nil:
			return fmt.Errorf("%s: %w", s.Name(), err)
		default:
			j.res.Records++
			j.add(rec)
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
			j.progress(false)
		}
	}
}

// add validates a record and queues it for the next batch.
func (j *job) add(rec Record) {
	switch {
	case rec.Node != nil && rec.Edge == nil:
		n := *rec.Node
		if err := graph.PrepareNode(&n); err != nil {
			j.reject(RecordError{Pos: rec.Pos, ID: n.ID, Err: err})
			return
		}
		j.batch.nodes = append(j.batch.nodes, n)
		j.batch.nodePos = append(j.batch.nodePos, rec.Pos)
	case rec.Edge != nil && rec.Node == nil:
		e := *rec.Edge
		if err := graph.PrepareEdge(&e); err != nil {
			j.reject(RecordError{Pos: rec.Pos, ID: e.ID, Err: err})
			return
		}
		j.batch.edges = append(j.batch.edges, e)
		j.batch.edgePos = append(j.batch.edgePos, rec.Pos)
	default:
		j.reject(RecordError{Pos: rec.Pos, Err: errors.New("record must hold exactly one node or edge")})
	}
}

func (j *job) reject(e RecordError) {
	j.res.Rejected++
	if j.opts.MaxReport < 0 || len(j.res.Report) < j.opts.MaxReport {
		j.res.Report = append(j.res.Report, e)
	}
}

// flush writes the pending batch. Cancellation is checked here, so a job
// stops between batches and never leaves one half-sent. On the final pass
// (linking) dangling edges are reported instead of deferred.
func (j *job) flush(ctx context.Context, final bool) error {
	if j.batch.len() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := &j.batch
	if err := j.stamp(ctx, b); err != nil {
		return err
	}
	wr, err := j.w.Write(ctx, graph.Batch{Nodes: b.nodes, Edges: b.edges})
	if err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	j.res.Nodes.Created += wr.NodesCreated
	j.res.Nodes.Updated += wr.NodesUpdated
	j.res.Nodes.Unchanged += wr.NodesUnchanged
	j.res.Edges.Created += wr.EdgesCreated
	j.res.Edges.Updated += wr.EdgesUpdated
	j.res.Edges.Unchanged += wr.EdgesUnchanged
	for _, rj := range wr.Rejected {
		switch {
		case rj.Edge && rj.Index >= 0 && rj.Index < len(b.edges):
			if !final && graph.ErrorCode(rj.Err) == graph.CodeNotFound {
				j.deferred = append(j.deferred, b.edges[rj.Index])
				j.deferPos = append(j.deferPos, b.edgePos[rj.Index])
				continue
			}
			j.reject(RecordError{Pos: b.edgePos[rj.Index], ID: cmp.Or(rj.ID, b.edges[rj.Index].ID), Err: rj.Err})
		case !rj.Edge && rj.Index >= 0 && rj.Index < len(b.nodes):
			j.reject(RecordError{Pos: b.nodePos[rj.Index], ID: cmp.Or(rj.ID, b.nodes[rj.Index].ID), Err: rj.Err})
		default:
			return fmt.Errorf("write batch: store rejected record %d of a batch of %d nodes and %d edges", rj.Index, len(b.nodes), len(b.edges))
		}
	}
	b.reset()
	j.progress(false)
	return nil
}

// stamp sets Source.Job on every source that has none. A source the store
// already holds, equal but for its job, keeps the stored job: graph.Merge
// replaces a source by its key (dataset, record, agency), so stamping the
// new job would turn an identical rerun into an update of every record.
func (j *job) stamp(ctx context.Context, b *batch) error {
	stored, err := j.storedSources(ctx, b)
	if err != nil {
		return err
	}
	for i := range b.nodes {
		b.nodes[i].Sources = j.stampSources(b.nodes[i].Sources, stored[b.nodes[i].ID])
	}
	for i := range b.edges {
		b.edges[i].Sources = j.stampSources(b.edges[i].Sources, stored[b.edges[i].ID])
	}
	return nil
}

func (j *job) stampSources(in, stored []graph.Source) []graph.Source {
	var out []graph.Source // copied on first change: the record's slice may be shared with its reader
	for i, s := range in {
		if s.Job != "" {
			continue
		}
		if out == nil {
			out = slices.Clone(in)
		}
		out[i].Job = j.opts.JobID
		for _, old := range stored {
			if sameButJob(old, s) {
				out[i].Job = old.Job
				break
			}
		}
	}
	if out == nil {
		return in
	}
	return out
}

// sameButJob reports whether two prepared sources are equal except for Job.
func sameButJob(a, b graph.Source) bool {
	return a.Dataset == b.Dataset && a.Record == b.Record && a.Agency == b.Agency &&
		a.RetrievedAt.Equal(b.RetrievedAt) && a.URL == b.URL && a.Excerpt == b.Excerpt &&
		a.Confidence == b.Confidence && a.Marking == b.Marking && a.Illustrative == b.Illustrative
}

// storedSources returns, by record ID, the sources the store holds for the
// records of b that have a source without a job.
func (j *job) storedSources(ctx context.Context, b *batch) (map[string][]graph.Source, error) {
	if j.lookup == nil {
		return nil, nil
	}
	out := map[string][]graph.Source{}
	var ids []string
	for _, n := range b.nodes {
		if needsJob(n.Sources) {
			ids = append(ids, n.ID)
		}
	}
	if len(ids) > 0 {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		nodes, err := j.lookup.Nodes(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("look up stored nodes: %w", err)
		}
		for _, n := range nodes {
			if n != nil {
				out[n.ID] = n.Sources
			}
		}
	}
	for _, e := range b.edges {
		if _, seen := out[e.ID]; seen || !needsJob(e.Sources) {
			continue
		}
		old, err := j.lookup.Edge(ctx, e.ID)
		switch {
		case graph.ErrorCode(err) == graph.CodeNotFound:
			out[e.ID] = nil
		case err != nil:
			return nil, fmt.Errorf("look up stored edge %s: %w", e.ID, err)
		default:
			out[e.ID] = old.Sources
		}
	}
	return out, nil
}

func needsJob(src []graph.Source) bool {
	return slices.ContainsFunc(src, func(s graph.Source) bool { return s.Job == "" })
}
