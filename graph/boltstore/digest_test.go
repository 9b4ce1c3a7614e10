package boltstore

import (
	"context"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/synth"
)

// withJob stamps job into every source of b.
func withJob(b graph.Batch, job string) graph.Batch {
	out := graph.Batch{Nodes: slices.Clone(b.Nodes), Edges: slices.Clone(b.Edges)}
	for i := range out.Nodes {
		out.Nodes[i].Sources = slices.Clone(out.Nodes[i].Sources)
		for k := range out.Nodes[i].Sources {
			out.Nodes[i].Sources[k].Job = job
		}
	}
	for i := range out.Edges {
		out.Edges[i].Sources = slices.Clone(out.Edges[i].Sources)
		for k := range out.Edges[i].Sources {
			out.Edges[i].Sources[k].Job = job
		}
	}
	return out
}

// TestDigest: the same graph written in another order under another job
// has the same digest; one changed amount changes it.
func TestDigest(t *testing.T) {
	ctx := context.Background()
	all := synth.Generate(7, 300, 2000)

	a := open(t, t.TempDir(), Options{})
	mustWrite(t, a, withJob(all, "job-a"))

	b := open(t, t.TempDir(), Options{})
	rev := withJob(all, "job-b")
	slices.Reverse(rev.Nodes)
	slices.Reverse(rev.Edges)
	mustWrite(t, b, graph.Batch{Nodes: rev.Nodes})
	for i := 0; i < len(rev.Edges); i += 333 {
		mustWrite(t, b, graph.Batch{Edges: rev.Edges[i:min(i+333, len(rev.Edges))]})
	}

	da, err := a.Digest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Digest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.Nodes != len(all.Nodes) || da.Edges != len(all.Edges) {
		t.Errorf("digest counts %d nodes %d edges, want %d and %d", da.Nodes, da.Edges, len(all.Nodes), len(all.Edges))
	}
	if da.SHA256 != db.SHA256 || da.Nodes != db.Nodes || da.Edges != db.Edges {
		t.Errorf("same graph, other order and job: %+v vs %+v", da.SHA256, db.SHA256)
	}
	if !slices.Equal(da.Jobs, []string{"job-a"}) || !slices.Equal(db.Jobs, []string{"job-b"}) {
		t.Errorf("jobs = %v and %v", da.Jobs, db.Jobs)
	}

	changed := withJob(graph.Batch{Edges: all.Edges[len(all.Edges)-1:]}, "job-b")
	changed.Edges[0].Amount += 1
	mustWrite(t, b, changed)
	if dc, err := b.Digest(ctx); err != nil || dc.SHA256 == da.SHA256 || dc.Edges != da.Edges {
		t.Errorf("after changing an amount: %+v, %v; want another digest, same counts", dc, err)
	}
}
