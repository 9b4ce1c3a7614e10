package casestix_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/casestix"
	"github.com/redthread-dev/redthread/graph"
)

// FuzzImport: Import never panics, and what it accepts is whole: every
// node prepared, every edge between imported nodes, a case view that the
// case store takes.
func FuzzImport(f *testing.F) {
	n := &graph.Node{Kind: graph.KindThreatGroup, Key: "lazarus-group", Label: "Lazarus Group", Sources: []graph.Source{{Dataset: "d", Marking: graph.TLPAmber}}}
	w := &graph.Node{Kind: graph.KindWallet, Key: "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", Sources: []graph.Source{{Dataset: "d"}}}
	if err := graph.PrepareNode(n); err != nil {
		f.Fatal(err)
	}
	if err := graph.PrepareNode(w); err != nil {
		f.Fatal(err)
	}
	e := &graph.Edge{Kind: graph.EdgeControls, From: n.ID, To: w.ID, Sources: []graph.Source{{Dataset: "d", Marking: graph.TLPRed}}}
	if err := graph.PrepareEdge(e); err != nil {
		f.Fatal(err)
	}
	view, _ := json.Marshal(map[string]any{"v": 1, "nodes": []any{map[string]any{"id": n.ID, "x": 1, "y": 2, "note": "n"}}})
	b, err := casestix.Export(context.Background(), cases.Case{ID: "c", Name: "c", View: view, Version: 1}, []*graph.Node{n, w}, []*graph.Edge{e}, casestix.Options{Now: time.Unix(1e9, 0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"type":"bundle","objects":[]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"note","id":"note--1"},{"type":"note","id":"note--1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := casestix.Import(context.Background(), data, casestix.ImportOptions{})
		if err != nil {
			if graph.ErrorCode(err) != graph.CodeInvalid && graph.ErrorCode(err) != graph.CodeLimit {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, n := range im.Batch.Nodes {
			ids[n.ID] = true
		}
		for _, e := range im.Batch.Edges {
			if !ids[e.From] || !ids[e.To] {
				t.Fatalf("edge %s dangles", e.ID)
			}
		}
		var v map[string]json.RawMessage
		if err := json.Unmarshal(im.Case.View, &v); err != nil || len(im.Case.View) > cases.MaxViewBytes {
			t.Fatalf("view: %v", err)
		}
	})
}
