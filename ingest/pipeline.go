package ingest

import (
	"cmp"
	"context"
	"fmt"

	"github.com/redthread-dev/redthread/graph"
)

// inflight is a batch handed to the store, with what the reader met while
// reading it and the checkpoint to take once it is committed.
type inflight struct {
	b        batch
	final    bool
	rejects  []RecordError // met while reading the batch, at most MaxReport
	rejected int           // how many were met
	at       cut
	done     chan struct{} // closed when the write returns
	wr       graph.WriteResult
	err      error
}

// cut is where the reader stood when a batch was handed over: what a
// checkpoint taken once the batch is committed must say.
type cut struct {
	phase             string
	cur, curRecords   int
	pos               *Position
	doneBytes, bytes  int64
	records, linked   int
	skipDone, skipCur map[string]int
}

// batch is the records of one Write with their positions, index for index.
// Records that came prepared (Record.Prepared) are held as they came;
// others are copied into vals, so that a reader may reuse its own.
type batch struct {
	b        graph.PreparedBatch
	nodeVals []graph.Node
	edgeVals []graph.Edge
	nodePos  []Pos
	edgePos  []Pos
	pricePos []Pos
}

func (b *batch) len() int { return b.b.Len() }

// addNode appends n, held as it is when p is its proof of preparation.
func (b *batch) addNode(n *graph.Node, p graph.Prepared, pos Pos) {
	if !p.Of(n) {
		// Pointers into vals stay valid when append moves it: the old
		// array keeps the value.
		b.nodeVals = append(b.nodeVals, *n)
		n = &b.nodeVals[len(b.nodeVals)-1]
	}
	b.b.AddNode(n, p)
	b.nodePos = append(b.nodePos, pos)
}

// addEdge appends e, held as it is when p is its proof of preparation.
func (b *batch) addEdge(e *graph.Edge, p graph.Prepared, pos Pos) {
	if !p.Of(e) {
		b.edgeVals = append(b.edgeVals, *e)
		e = &b.edgeVals[len(b.edgeVals)-1]
	}
	b.b.AddEdge(e, p)
	b.edgePos = append(b.edgePos, pos)
}

// cutNow is the reader's state, for the checkpoint of the batch handed over now.
func (j *job) cutNow() cut {
	c := cut{phase: "reading", cur: j.cur, curRecords: j.curRecords, doneBytes: j.doneBytes,
		bytes: j.res.Bytes, records: j.res.Records, linked: j.linked,
		skipDone: addSkipped(nil, j.skipDone), skipCur: j.currentSkipped()}
	if j.phase == "linking" {
		c.phase = "linking"
	}
	if p, ok := positionOf(j.reader); ok {
		c.pos = &p
	}
	return c
}

// flush hands the pending batch to the store, to be written while the
// reader goes on, once the batch before it is committed and applied.
// Cancellation is checked here, so a job stops between batches and never
// leaves one half-sent. On the final pass (linking) dangling edges are
// reported instead of deferred.
func (j *job) flush(ctx context.Context, final bool) error {
	if err := j.wait(); err != nil {
		return err
	}
	if j.batch.len() == 0 && j.pendingN == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	in := &inflight{b: j.batch, final: final, rejects: j.pending, rejected: j.pendingN, at: j.cutNow(), done: make(chan struct{})}
	j.batch, j.pending, j.pendingN = batch{}, nil, 0
	j.inflight = in
	if in.b.len() == 0 {
		close(in.done) // only rejections to report
		return nil
	}
	in.b.b.StampSources(func(s graph.Source) graph.Source { return j.opts.Stamp.apply(s, j.opts.JobID) })
	go func() {
		defer close(in.done)
		if pw, ok := j.w.(PreparedWriter); ok {
			in.wr, in.err = pw.WritePrepared(ctx, &in.b.b)
			return
		}
		in.wr, in.err = j.w.Write(ctx, in.b.b.Batch())
	}()
	return nil
}

// wait waits for the batch in flight, if any, and applies its outcome:
// counts, rejections (the reader's, then the store's), deferred edges, and
// a checkpoint at its cut.
func (j *job) wait() error {
	in := j.inflight
	if in == nil {
		return nil
	}
	<-in.done
	j.inflight = nil
	if in.err != nil {
		return fmt.Errorf("write batch: %w", in.err)
	}
	for _, e := range in.rejects {
		j.report(e)
	}
	j.res.Rejected += in.rejected - len(in.rejects) // met but beyond MaxReport
	b, wr := &in.b, in.wr
	nodes, edges, prices := b.b.Nodes(), b.b.Edges(), b.b.Prices
	j.res.Nodes.Created += wr.NodesCreated
	j.res.Nodes.Updated += wr.NodesUpdated
	j.res.Nodes.Unchanged += wr.NodesUnchanged
	j.res.Edges.Created += wr.EdgesCreated
	j.res.Edges.Updated += wr.EdgesUpdated
	j.res.Edges.Unchanged += wr.EdgesUnchanged
	j.res.Prices.Created += wr.PricesCreated
	j.res.Prices.Updated += wr.PricesUpdated
	j.res.Prices.Unchanged += wr.PricesUnchanged
	for _, rj := range wr.Rejected {
		switch {
		case rj.Price && rj.Index >= 0 && rj.Index < len(prices):
			j.report(RecordError{Pos: b.pricePos[rj.Index], ID: rj.ID, Err: rj.Err})
		case rj.Edge && rj.Index >= 0 && rj.Index < len(edges):
			if !in.final && graph.ErrorCode(rj.Err) == graph.CodeNotFound {
				j.deferred = append(j.deferred, *edges[rj.Index])
				j.deferPos = append(j.deferPos, b.edgePos[rj.Index])
				continue
			}
			j.report(RecordError{Pos: b.edgePos[rj.Index], ID: cmp.Or(rj.ID, edges[rj.Index].ID), Err: rj.Err})
		case !rj.Edge && !rj.Price && rj.Index >= 0 && rj.Index < len(nodes):
			j.report(RecordError{Pos: b.nodePos[rj.Index], ID: cmp.Or(rj.ID, nodes[rj.Index].ID), Err: rj.Err})
		default:
			return fmt.Errorf("write batch: store rejected record %d of a batch of %d nodes and %d edges", rj.Index, len(nodes), len(edges))
		}
	}
	if err := j.saveAfter(in.at, false); err != nil {
		return err
	}
	j.progress(false)
	return nil
}

// Syncer is a Writer whose commits may wait for a Sync to be durable (an
// embedded store opened with group commit). The runner syncs before each
// checkpoint, so that no checkpoint is ahead of what is durable.
type Syncer interface {
	Sync() error
}

// saveAfter takes the checkpoint at c once a batch is committed: after
// every batch, or with Options.GroupCommit after every GroupCommit-th (and
// when force is set), syncing the store first.
func (j *job) saveAfter(c cut, force bool) error {
	j.unsaved, j.lastCut = j.unsaved+1, c
	if !force && j.opts.GroupCommit > 1 && j.unsaved < j.opts.GroupCommit {
		return nil
	}
	if s, ok := j.w.(Syncer); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("sync the store: %w", err)
		}
	}
	j.unsaved = 0
	return j.save(c)
}

// saveLast takes the checkpoint of the last committed batch when group
// commit left it unsaved, so a job that stops (done, failed or cancelled)
// leaves a checkpoint of everything it wrote.
func (j *job) saveLast() error {
	if j.unsaved == 0 {
		return nil
	}
	j.unsaved-- // saveAfter counts the batch again
	return j.saveAfter(j.lastCut, true)
}
