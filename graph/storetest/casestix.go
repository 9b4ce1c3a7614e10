package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	casestore "github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/casestix"
	"github.com/redthread-dev/redthread/graph"
)

// testStixRoundTrip: a case exported from the store as a STIX bundle
// (cases/casestix) imports back to exactly what the store holds: every
// fact equal to the stored one, sources and markings included, and
// writing the import changes nothing.
func testStixRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	b := flowFixture()
	b.Nodes = append(b.Nodes, fullNode())
	b.Edges = append(b.Edges, fullEdge())
	write(t, e.s, b)
	var nodeIDs []string
	for _, n := range b.Nodes {
		if err := graph.PrepareNode(&n); err != nil {
			t.Fatal(err)
		}
		nodeIDs = append(nodeIDs, n.ID)
	}
	var edges []*graph.Edge
	for _, x := range b.Edges {
		if err := graph.PrepareEdge(&x); err != nil {
			t.Fatal(err)
		}
		stored, err := e.s.Edge(ctx, x.ID)
		if err != nil {
			t.Fatalf("Edge %s: %v", x.ID, err)
		}
		edges = append(edges, stored)
	}
	nodes, err := e.s.Nodes(ctx, nodeIDs)
	if err != nil {
		t.Fatal(err)
	}
	c := casestore.Case{ID: "conformance", Name: "Conformance", Version: 1, CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	bundle, err := casestix.Export(ctx, c, nodes, edges, casestix.Options{Now: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	im, err := casestix.Import(ctx, bundle, casestix.ImportOptions{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if len(im.Batch.Nodes) != len(nodes) || len(im.Batch.Edges) != len(edges) || len(im.Skipped) != 0 {
		t.Fatalf("imported %d nodes, %d edges (skipped %v); exported %d, %d", len(im.Batch.Nodes), len(im.Batch.Edges), im.Skipped, len(nodes), len(edges))
	}
	for i, n := range im.Batch.Nodes {
		if !reflect.DeepEqual(&n, nodes[i]) {
			t.Errorf("node %s:\n imported %+v\n   stored %+v", n.ID, n, *nodes[i])
		}
	}
	for i, x := range im.Batch.Edges {
		if !reflect.DeepEqual(&x, edges[i]) {
			t.Errorf("edge %s:\n imported %+v\n   stored %+v", x.ID, x, *edges[i])
		}
	}
	res := write(t, e.s, im.Batch)
	if res.NodesUnchanged != len(nodes) || res.EdgesUnchanged != len(edges) {
		t.Errorf("writing the import changed the store: %+v", res)
	}
}
