package model

import (
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/ingest/sameasjob"
)

// NewIngestJob maps a job snapshot.
func NewIngestJob(j jobs.Job) *IngestJob {
	p := j.Progress
	out := &IngestJob{
		ID: j.ID, Format: j.Format, State: j.State, Rejected: j.Rejected,
		Skipped: p.Skipped, SkippedByReason: []*SkipCount{}, Resumed: j.Resumed,
		Created: j.Created, Started: optTime(j.Started), Finished: optTime(j.Finished),
		Inputs:     make([]*IngestInput, len(j.Inputs)),
		Rejections: make([]*Rejection, 0, len(j.Rejections)),
		Progress: &IngestProgress{
			Phase: p.Phase, Records: p.Records, ResumedAt: p.ResumedAt, Bytes: int(p.Bytes), Rate: p.Rate,
			ElapsedSeconds: p.Elapsed.Seconds(),
			NodesCreated:   p.Nodes.Created, NodesUpdated: p.Nodes.Updated, NodesUnchanged: p.Nodes.Unchanged,
			EdgesCreated: p.Edges.Created, EdgesUpdated: p.Edges.Updated, EdgesUnchanged: p.Edges.Unchanged,
			PricesCreated: p.Prices.Created, PricesUpdated: p.Prices.Updated, PricesUnchanged: p.Prices.Unchanged,
		},
	}
	for i, in := range j.Inputs {
		out.Inputs[i] = &IngestInput{Name: in.Name, Uploaded: in.Upload}
		if in.Size >= 0 {
			n := int(in.Size)
			out.Inputs[i].Bytes = &n
		}
	}
	if len(j.Inputs) > 0 {
		out.Path = j.Inputs[0].Name
	}
	for _, s := range ingest.SkipList(j.Skipped) {
		out.SkippedByReason = append(out.SkippedByReason, &SkipCount{Reason: s.Reason, Count: s.Count})
	}
	out.Error = optString(j.Error)
	out.ErrorCode = optString(string(j.ErrorCode))
	if p.TotalBytes >= 0 {
		n := int(p.TotalBytes)
		out.Progress.TotalBytes = &n
	}
	if p.ETA >= 0 && !p.Done {
		s := p.ETA.Seconds()
		out.Progress.EtaSeconds = &s
	}
	for _, e := range j.Rejections {
		r := &Rejection{File: e.Pos.File, Code: string(e.Code()), Reason: e.Reason()}
		if e.Pos.Line > 0 {
			r.Line = &e.Pos.Line
		}
		r.Field, r.RecordID = optString(e.Field), optString(e.ID)
		out.Rejections = append(out.Rejections, r)
	}
	out.SameActors = newIngestSameActors(j.SameAs)
	return out
}

func newIngestSameActors(s *sameasjob.Summary) *IngestSameActors {
	if s == nil {
		return nil
	}
	out := &IngestSameActors{
		Candidates: s.Candidates, ToReview: s.Unjudged, Pairs: make([]*IngestSameActorPair, len(s.Pairs)),
		Summary: optString(s.String()), Truncated: s.Truncated, Reason: reason(s.Truncation), ReasonCode: reasonCode(s.Causes), ReasonCodes: reasonCodes(s.Causes),
	}
	for i, p := range s.Pairs {
		out.Pairs[i] = &IngestSameActorPair{A: p.A, B: p.B, LabelA: p.LabelA, LabelB: p.LabelB}
	}
	return out
}
