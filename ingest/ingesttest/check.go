package ingesttest

import (
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// CheckRecord fails t unless rec holds exactly one node or edge that the
// stores accept as it is (preparing it keeps its ID): what every reader's
// fuzz target requires of what it yields.
func CheckRecord(t testing.TB, rec ingest.Record) {
	t.Helper()
	switch {
	case rec.Node != nil && rec.Edge == nil:
		n := *rec.Node
		if err := graph.PrepareNode(&n); err != nil || n.ID != rec.Node.ID {
			t.Fatalf("yielded invalid node %+v: %v", rec.Node, err)
		}
	case rec.Edge != nil && rec.Node == nil:
		e := *rec.Edge
		if err := graph.PrepareEdge(&e); err != nil || e.ID != rec.Edge.ID {
			t.Fatalf("yielded invalid edge %+v: %v", rec.Edge, err)
		}
	case rec.Price != nil && rec.Node == nil && rec.Edge == nil:
		p := *rec.Price
		if err := graph.PreparePrice(&p); err != nil {
			t.Fatalf("yielded invalid price %+v: %v", rec.Price, err)
		}
	default:
		t.Fatalf("record with %v node, %v edge and %v price", rec.Node != nil, rec.Edge != nil, rec.Price != nil)
	}
}
