// Package sameasjob tells, at the end of an ingest job, how many same-actor
// candidates (graph/investigate: entities from different sources whose
// names match) involve the entities the job wrote, with the first few
// pairs: "3 same-actor candidates to review (Lazarus Group ↔ LAZARUS GROUP,
// …)". It proposes for review and never merges.
package sameasjob

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
)

// MaxRecorded bounds the entity IDs a Recorder keeps: a job writing more
// actors than this is reviewed on the first ones, and says so.
const MaxRecorded = 100_000

// Examples is the number of pairs a Summary names.
const Examples = 3

// Recorder is an ingest.Writer that passes every batch to the store and
// keeps the IDs of the actor nodes (investigate.SameAsKinds) the store
// accepted. Safe for concurrent use.
type Recorder struct {
	w    ingest.Writer
	mu   sync.Mutex
	ids  map[string]struct{}
	over bool
}

// Record returns a Recorder writing to w.
func Record(w ingest.Writer) *Recorder { return &Recorder{w: w, ids: map[string]struct{}{}} }

// Write writes b to the store, then records its actor nodes.
func (r *Recorder) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	res, err := r.w.Write(ctx, b)
	r.record(res, len(b.Nodes), func(i int) *graph.Node { return &b.Nodes[i] })
	return res, err
}

// WritePrepared is Write for a prepared batch (ingest.PreparedWriter),
// passed on as it is when the store takes one.
func (r *Recorder) WritePrepared(ctx context.Context, b *graph.PreparedBatch) (graph.WriteResult, error) {
	pw, ok := r.w.(ingest.PreparedWriter)
	if !ok {
		return r.Write(ctx, b.Batch())
	}
	res, err := pw.WritePrepared(ctx, b)
	nodes := b.Nodes()
	r.record(res, len(nodes), func(i int) *graph.Node { return nodes[i] })
	return res, err
}

// Sync syncs the store when it is an ingest.Syncer (group commit).
func (r *Recorder) Sync() error {
	if s, ok := r.w.(ingest.Syncer); ok {
		return s.Sync()
	}
	return nil
}

// record keeps the IDs of the actor nodes among the n of a batch that
// the store did not reject.
func (r *Recorder) record(res graph.WriteResult, count int, node func(i int) *graph.Node) {
	rejected := map[int]bool{}
	for _, x := range res.Rejected {
		if !x.Edge {
			rejected[x.Index] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range count {
		n := node(i)
		if rejected[i] || !slices.Contains(investigate.SameAsKinds, n.Kind) {
			continue
		}
		id := n.ID
		if id == "" {
			var idErr error
			if id, _, idErr = graph.NodeID(n.Kind, n.Key); idErr != nil {
				continue
			}
		}
		if _, ok := r.ids[id]; !ok && len(r.ids) == MaxRecorded {
			r.over = true
			continue
		}
		r.ids[id] = struct{}{}
	}
}

// IDs returns the actor IDs recorded, sorted, and whether some were left
// out (over MaxRecorded).
func (r *Recorder) IDs() ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.ids))
	for id := range r.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, r.over
}

// Pair is one candidate a Summary names.
type Pair struct {
	A      string `json:"a"` // node IDs, A before B
	B      string `json:"b"`
	LabelA string `json:"labelA"`
	LabelB string `json:"labelB"`
}

// Summary is what a job's report says of same-actor candidates.
type Summary struct {
	// Candidates is the number of candidates holding an entity of the job
	// (rejected pairs excluded, confirmed ones included).
	Candidates int `json:"candidates"`
	// Unjudged is how many of them no analyst has confirmed yet.
	Unjudged int `json:"unjudged"`
	// Pairs are the first Examples unjudged candidates, by ID.
	Pairs []Pair `json:"pairs,omitempty"`
	investigate.Truncation
}

// Review looks up the candidates of the recorded entities.
func Review(ctx context.Context, st investigate.SameAsLookupStore, r *Recorder, l investigate.Limits) (Summary, error) {
	ids, over := r.IDs()
	var s Summary
	if over {
		s.Add(graph.CauseRecordLimit, "the job wrote more than %d actors: the first %d were looked up", MaxRecorded, MaxRecorded)
	}
	if len(ids) == 0 {
		return s, nil
	}
	res, err := investigate.SameAsCandidatesOf(ctx, st, ids, l)
	if err != nil {
		return s, fmt.Errorf("same-actor candidates of the job: %w", err)
	}
	s.Merge(res.Truncation)
	s.Candidates = len(res.Candidates)
	for _, c := range res.Candidates {
		if c.Judgement != nil {
			continue
		}
		s.Unjudged++
		if len(s.Pairs) < Examples {
			s.Pairs = append(s.Pairs, Pair{A: c.A.ID, B: c.B.ID, LabelA: label(c.A), LabelB: label(c.B)})
		}
	}
	return s, nil
}

func label(n *graph.Node) string { return cmp.Or(n.Label, n.ID) }

// String is the summary's sentence for a job report: "3 same-actor
// candidates to review (Lazarus Group ↔ LAZARUS GROUP, …)", "" when there
// is nothing to review.
func (s Summary) String() string {
	if s.Unjudged == 0 {
		return ""
	}
	var b strings.Builder
	if s.Unjudged == 1 {
		b.WriteString("1 same-actor candidate to review (")
	} else {
		fmt.Fprintf(&b, "%d same-actor candidates to review (", s.Unjudged)
	}
	for i, p := range s.Pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s ↔ %s", p.LabelA, p.LabelB)
	}
	if s.Unjudged > len(s.Pairs) {
		b.WriteString(", …")
	}
	b.WriteString(")")
	if s.Truncated {
		fmt.Fprintf(&b, "; not every name was compared: %s", strings.Join(s.Reasons, "; "))
	}
	return b.String()
}
