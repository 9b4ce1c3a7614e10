package ingest

import (
	"cmp"
	"context"
	"fmt"
	"slices"

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
type batch struct {
	nodes    []graph.Node
	nodePos  []Pos
	edges    []graph.Edge
	edgePos  []Pos
	prices   []graph.Price
	pricePos []Pos
}

func (b *batch) len() int { return len(b.nodes) + len(b.edges) + len(b.prices) }

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
	j.stamp(&in.b)
	go func() {
		defer close(in.done)
		in.wr, in.err = j.w.Write(ctx, graph.Batch{Nodes: in.b.nodes, Edges: in.b.edges, Prices: in.b.prices})
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
		case rj.Price && rj.Index >= 0 && rj.Index < len(b.prices):
			j.report(RecordError{Pos: b.pricePos[rj.Index], ID: rj.ID, Err: rj.Err})
		case rj.Edge && rj.Index >= 0 && rj.Index < len(b.edges):
			if !in.final && graph.ErrorCode(rj.Err) == graph.CodeNotFound {
				j.deferred = append(j.deferred, b.edges[rj.Index])
				j.deferPos = append(j.deferPos, b.edgePos[rj.Index])
				continue
			}
			j.report(RecordError{Pos: b.edgePos[rj.Index], ID: cmp.Or(rj.ID, b.edges[rj.Index].ID), Err: rj.Err})
		case !rj.Edge && !rj.Price && rj.Index >= 0 && rj.Index < len(b.nodes):
			j.report(RecordError{Pos: b.nodePos[rj.Index], ID: cmp.Or(rj.ID, b.nodes[rj.Index].ID), Err: rj.Err})
		default:
			return fmt.Errorf("write batch: store rejected record %d of a batch of %d nodes and %d edges", rj.Index, len(b.nodes), len(b.edges))
		}
	}
	if err := j.save(in.at); err != nil {
		return err
	}
	j.progress(false)
	return nil
}

// stamp sets Source.Job on every source that has none, and the job's
// Stamp (agency, user, default marking) on every source. Rerunning a job on
// identical input still leaves the store unchanged: graph.MergeNode and
// MergeEdge keep the earlier job of a source that differs only in its job.
func (j *job) stamp(b *batch) {
	for i := range b.nodes {
		b.nodes[i].Sources = j.stampSources(b.nodes[i].Sources)
	}
	for i := range b.edges {
		b.edges[i].Sources = j.stampSources(b.edges[i].Sources)
	}
	for i := range b.prices {
		b.prices[i].Source = j.opts.Stamp.apply(b.prices[i].Source, j.opts.JobID)
	}
}

func (j *job) stampSources(in []graph.Source) []graph.Source {
	var out []graph.Source // copied on first change: the record's slice may be shared with its reader
	for i, s := range in {
		st := j.opts.Stamp.apply(s, j.opts.JobID)
		if st == s {
			continue
		}
		if out == nil {
			out = slices.Clone(in)
		}
		out[i] = st
	}
	if out == nil {
		return in
	}
	return out
}
