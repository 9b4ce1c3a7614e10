package server_test

import (
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/server"
)

// TestCaseStix exports a saved case as a STIX bundle over GraphQL from one
// server and imports it into another with an empty store: the second
// serves the same facts in a new case.
func TestCaseStix(t *testing.T) {
	first := openStore(t)
	cs, err := cases.Open(t.Context(), first.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	cfg := server.DefaultConfig()
	cfg.Cases = cs
	ts := start(t, first, cfg)

	var nb struct {
		Neighbors struct{ Edges []struct{ ID string } }
	}
	res := query(t, ts, `query($id: ID!) { neighbors(id: $id) { edges { id } } }`, map[string]any{"id": idA})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &nb)
	var edgeIDs []string
	for _, e := range nb.Neighbors.Edges {
		if strings.HasPrefix(e.ID, idIncident+">") || strings.HasPrefix(e.ID, idA+">TRANSFER>"+idB) {
			edgeIDs = append(edgeIDs, e.ID)
		}
	}
	if len(edgeIDs) != 2 {
		t.Fatalf("edges %v", nb.Neighbors.Edges)
	}
	view := map[string]any{"v": 1, "edges": edgeIDs, "filters": map[string]any{}, "nodes": []any{
		map[string]any{"id": idIncident, "x": 0, "y": 0, "note": "the theft"},
		map[string]any{"id": idA, "x": 10, "y": 0},
		map[string]any{"id": idB, "x": 20, "y": 0},
		map[string]any{"id": idLazarus, "x": 30, "y": 0},
	}}
	var saved struct{ SaveCase struct{ ID string } }
	res = query(t, ts, `mutation($view: JSON!) { saveCase(name: "Test heist", view: $view) { id } }`, map[string]any{"view": view})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &saved)
	var exp struct{ ExportCaseStix string }
	res = query(t, ts, `query($id: ID!) { exportCaseStix(id: $id) }`, map[string]any{"id": saved.SaveCase.ID})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &exp)
	for _, want := range []string{`"type": "bundle"`, `"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"`, `"relationship_type": "stole"`, `"content": "the theft"`} {
		if !strings.Contains(exp.ExportCaseStix, want) {
			t.Errorf("export lacks %s", want)
		}
	}

	empty, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = empty.Close() })
	other, err := cases.Open(t.Context(), empty.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	cfg2 := server.DefaultConfig()
	cfg2.Cases = other
	ts2 := start(t, empty, cfg2)
	const imp = `mutation($b: String!) { importCaseStix(bundle: $b) { case { name nodeCount createdBy } nodes edges skipped } }`
	res = query(t, ts2, imp, map[string]any{"b": exp.ExportCaseStix})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	if !jsonEqual(t, res.Data, `{"importCaseStix":{"case":{"name":"Test heist","nodeCount":4,"createdBy":"deployment administrator"},"nodes":4,"edges":2,"skipped":[]}}`) {
		t.Errorf("import: %s", res.Data)
	}
	// The second server serves the facts as the first does; who imported is
	// the caller (here the test's administrator token), never an argument.
	const facts = `query($n: [ID!]!, $e: [ID!]!) { nodes(ids: $n) { id kind label marking confidence sources { dataset record marking } }
		edges(ids: $e) { id kind amount asset txHash time marking sources { dataset marking } } }`
	vars := map[string]any{"n": []string{idIncident, idA, idB, idLazarus}, "e": edgeIDs}
	want, got := query(t, ts, facts, vars), query(t, ts2, facts, vars)
	if len(want.Errors)+len(got.Errors) > 0 || !jsonEqual(t, got.Data, string(want.Data)) || strings.Contains(string(want.Data), "[null") {
		t.Errorf("imported facts:\n got %s\nwant %s %v %v", got.Data, want.Data, want.Errors, got.Errors)
	}

	for _, tc := range []struct{ name, q, code string }{
		{"unknown case", `{ exportCaseStix(id: "nosuch") }`, "NOT_FOUND"},
		{"not a bundle", `mutation { importCaseStix(bundle: "{}") { nodes } }`, "INVALID_ARGUMENT"},
		{"not JSON", `mutation { importCaseStix(bundle: "[[[") { nodes } }`, "INVALID_ARGUMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := query(t, ts2, tc.q, nil); res.code() != tc.code {
				t.Errorf("code %q (%v), want %s", res.code(), res.Errors, tc.code)
			}
		})
	}
}
