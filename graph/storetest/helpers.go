package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func write(t *testing.T, s graph.Store, b graph.Batch) graph.WriteResult {
	t.Helper()
	res, err := s.Write(context.Background(), b)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("Write rejected %d records, first: %v", len(res.Rejected), res.Rejected[0].Err)
	}
	return res
}

func counts(r graph.WriteResult) [6]int {
	return [6]int{r.NodesCreated, r.NodesUpdated, r.NodesUnchanged, r.EdgesCreated, r.EdgesUpdated, r.EdgesUnchanged}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameJSON compares records through their JSON form, which is what the API
// serves: a store may give back float64(3) for int 3, or another *Location
// for UTC.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func wantCode(t *testing.T, what string, err error, code graph.Code) {
	t.Helper()
	if graph.ErrorCode(err) != code {
		t.Fatalf("%s: error %v (code %q), want code %s", what, err, graph.ErrorCode(err), code)
	}
}

func nodeIDs(ns []*graph.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		if n != nil {
			out[i] = n.ID
		}
	}
	return out
}

func edgeIDs(es []*graph.Edge) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func prepared(t *testing.T, n graph.Node) *graph.Node {
	t.Helper()
	if err := graph.PrepareNode(&n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func preparedEdge(t *testing.T, e graph.Edge) *graph.Edge {
	t.Helper()
	if err := graph.PrepareEdge(&e); err != nil {
		t.Fatal(err)
	}
	return &e
}
