package casestix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/casestix"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/stix"
)

// TestRoundTrip exports the case, imports the bundle into a new store and
// case, and finds the same nodes and edges (IDs, kinds, keys, labels,
// amounts, every source with its marking) and the case's notes and layout.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	c, nodes, edges := fixture(t)
	b, err := casestix.Export(ctx, c, nodes, edges, casestix.Options{Agency: "fiu", Now: exportTime})
	if err != nil {
		t.Fatal(err)
	}
	again, err := casestix.Export(ctx, c, nodes, edges, casestix.Options{Agency: "fiu", Now: exportTime})
	if err != nil || !bytes.Equal(b, again) {
		t.Fatalf("a second export of the same case differs (%v)", err)
	}
	im, err := casestix.Import(ctx, b, casestix.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Skipped) != 0 {
		t.Errorf("skipped %v", im.Skipped)
	}
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	res, err := st.Write(ctx, im.Batch)
	if err != nil || len(res.Rejected) != 0 || res.NodesCreated != len(nodes) || res.EdgesCreated != len(edges) {
		t.Fatalf("write: %+v %v", res, err)
	}
	for _, want := range nodes {
		got, err := st.Node(ctx, want.ID)
		if err != nil {
			t.Fatalf("node %s: %v", want.ID, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("node %s:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
	for _, want := range edges {
		got, err := st.Edge(ctx, want.ID)
		if err != nil {
			t.Fatalf("edge %s: %v", want.ID, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("edge %s:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
	// The new case views every fact where the old one had it, with its note.
	if im.Case.ID != "" || im.Case.Name != c.Name {
		t.Errorf("case %q %q", im.Case.ID, im.Case.Name)
	}
	var old, view struct {
		Nodes []struct {
			ID   string
			X, Y float64
			Note string
		}
		Edges []string
	}
	if err := json.Unmarshal(c.View, &old); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(im.Case.View, &view); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(view.Nodes, old.Nodes) || !reflect.DeepEqual(view.Edges, old.Edges) {
		t.Errorf("view:\n got %+v\nwant %+v", view, old)
	}
	cs, err := cases.Open(ctx, st.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if saved, err := cs.Save(ctx, im.Case); err != nil || saved.Nodes != len(nodes) {
		t.Errorf("save the imported case: %+v %v", saved, err)
	}
}

// TestMarkings checks the marking of each object: its most restrictive
// source's, so that no source travels under a looser marking; the case's
// report and notes take the most restrictive of the case.
func TestMarkings(t *testing.T) {
	c, nodes, edges := fixture(t)
	b, err := casestix.Export(context.Background(), c, nodes, edges, casestix.Options{Agency: "fiu", Now: exportTime})
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Objects []map[string]any
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // fact ID or object type → TLP 2.0 marking definition
		"threat_group:lazarus-group":   "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", // CLEAR and an AMBER source
		"identifier:phone:+1555010023": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", // RED
		"person:illustrative-it-worker-persona-a>USES>identifier:phone:+1555010023":                 "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		"threat_group:lazarus-group>CONTROLS>wallet:eth:0x04f270eb088d8d948db1e882c3d5eb6929e3dae4": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		"wallet:eth:0x04f270eb088d8d948db1e882c3d5eb6929e3dae4":                                     "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"report": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
		"note":   "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	}
	defs := map[string]bool{}
	seen := 0
	for _, o := range bundle.Objects {
		if o["type"] == "marking-definition" {
			defs[o["id"].(string)] = true
			continue
		}
		refs, _ := o["object_marking_refs"].([]any)
		if len(refs) != 1 {
			t.Errorf("%s: marking refs %v", o["id"], refs)
			continue
		}
		for _, r := range refs {
			if !defs[r.(string)] {
				t.Errorf("%s: marking %s is not defined before it", o["id"], r)
			}
		}
		key, _ := o["type"].(string)
		exts, _ := o["extensions"].(map[string]any)
		for _, ext := range exts {
			if id, ok := ext.(map[string]any)["id"].(string); ok {
				key = id
			}
		}
		if w, ok := want[key]; ok {
			seen++
			if refs[0] != w {
				t.Errorf("%s: marked %s, want %s", key, refs[0], w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d objects, want %d", seen, len(want))
	}
}

// TestReingest reads an export with the STIX ingest reader: where its
// mapping has the kind (threat groups, wallets, e-mail addresses,
// handles), it gives the same node IDs.
func TestReingest(t *testing.T) {
	ctx := context.Background()
	c, nodes, edges := fixture(t)
	b, err := casestix.Export(ctx, c, nodes, edges, casestix.Options{Now: exportTime})
	if err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Run(ctx, st, []ingest.Source{stix.Bytes("case.json", b)}, ingest.Options{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, n := range nodes {
		switch {
		case n.Kind == graph.KindWallet, n.Kind == graph.KindThreatGroup,
			n.Kind == graph.KindIdentifier && (strings.HasPrefix(n.Key, "email:") || strings.HasPrefix(n.Key, "handle:")):
			checked++
			if _, err := st.Node(ctx, n.ID); err != nil {
				t.Errorf("%s: not read back by ingest/stix: %v", n.ID, err)
			}
		}
	}
	if checked < 25 {
		t.Errorf("checked %d nodes", checked)
	}
}

// TestImportHostile refuses hostile bundles whole, with a code and the
// object at fault, and reports objects it does not read.
func TestImportHostile(t *testing.T) {
	ctx := context.Background()
	c, nodes, _ := fixture(t)
	good, err := casestix.Export(ctx, c, nodes[:3], nil, casestix.Options{Now: exportTime})
	if err != nil {
		t.Fatal(err)
	}
	var bundle map[string]any
	if err := json.Unmarshal(good, &bundle); err != nil {
		t.Fatal(err)
	}
	objects := bundle["objects"].([]any)
	with := func(objs ...any) []byte {
		b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--0b1c8c8e-3c55-4a53-9d0e-6f1c7d2f41a7", "objects": append(append([]any{}, objects...), objs...)})
		return b
	}
	lazarus := func() map[string]any { // the Lazarus Group's object, copied
		for _, o := range objects {
			if o.(map[string]any)["type"] == "intrusion-set" {
				b, _ := json.Marshal(o)
				var m map[string]any
				_ = json.Unmarshal(b, &m)
				return m
			}
		}
		t.Fatal("no intrusion-set")
		return nil
	}
	deep := strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)
	relabel := lazarus()
	relabel["id"] = "intrusion-set--9f2b6a52-2a50-4b7d-8b4c-111111111111"
	badMark := lazarus()
	badMark["id"] = "intrusion-set--9f2b6a52-2a50-4b7d-8b4c-222222222222"
	badMark["object_marking_refs"] = []string{"marking-definition--00000000-0000-4000-8000-000000000000"}
	for _, tc := range []struct {
		name, bundle string
		code         graph.Code
		says         string
	}{
		{"not a bundle", `{"type":"report"}`, graph.CodeInvalid, "not a STIX bundle"},
		{"too large", `{"type":"bundle","objects":[],"x":"` + strings.Repeat("a", casestix.MaxBundleBytes) + `"}`, graph.CodeLimit, "over the limit"},
		{"deep nesting", `{"type":"bundle","objects":[{"type":"x-a","id":"x-a--1","deep":` + deep + `}]}`, graph.CodeLimit, "objects[0]: nested more than"},
		{"huge string", `{"type":"bundle","objects":[{"type":"x-a","id":"x-a--1","s":"` + strings.Repeat("a", casestix.MaxStringBytes+1) + `"}]}`, graph.CodeLimit, "objects[0]: a string of"},
		{"duplicate id", string(with(lazarus())), graph.CodeInvalid, "the bundle holds this id twice"},
		{"same node twice", string(with(relabel)), graph.CodeInvalid, "node threat_group:lazarus-group is already another object"},
		{"unknown marking", string(with(badMark)), graph.CodeInvalid, "marking marking-definition--00000000"},
		{"dangling ref", string(with(map[string]any{
			"type": "relationship", "spec_version": "2.1", "id": "relationship--9f2b6a52-2a50-4b7d-8b4c-333333333333",
			"source_ref": relabel["id"], "target_ref": relabel["id"], "relationship_type": "uses",
			"extensions": map[string]any{extFactID(t, objects): map[string]any{"extension_type": "property-extension", "id": "x", "kind": "USES", "sources": []any{map[string]any{"dataset": "d"}}}},
		})), graph.CodeInvalid, "relationship--9f2b6a52-2a50-4b7d-8b4c-333333333333: source_ref"},
		{"same edge twice", string(withEdgeTwice(t)), graph.CodeInvalid, "is already another object"},
		{"id of another type", `{"type":"bundle","objects":[{"type":"identity","id":"report--1"}]}`, graph.CodeInvalid, "objects[0] report--1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := casestix.Import(ctx, []byte(tc.bundle), casestix.ImportOptions{})
			if graph.ErrorCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v (%s), want %s saying %q", err, graph.ErrorCode(err), tc.code, tc.says)
			}
		})
	}
	// Objects of another producer are reported, not fatal.
	im, err := casestix.Import(ctx, with(map[string]any{"type": "malware", "spec_version": "2.1", "id": "malware--9f2b6a52-2a50-4b7d-8b4c-444444444444", "name": "AppleJeus", "is_family": true}), casestix.ImportOptions{})
	// A node whose sources differ comes as one record per source.
	distinct := map[string]bool{}
	for _, n := range im.Batch.Nodes {
		distinct[n.ID] = true
	}
	if err != nil || len(distinct) != 3 || len(im.Skipped) != 1 || !strings.HasPrefix(im.Skipped[0], "malware--9f2b6a52-2a50-4b7d-8b4c-444444444444: ") {
		t.Errorf("foreign object: %v %d nodes, skipped %v", err, len(distinct), im.Skipped)
	}
}

// extFactID finds the id of Redthread's fact extension in an export.
func extFactID(t *testing.T, objects []any) string {
	for _, o := range objects {
		m := o.(map[string]any)
		if m["type"] == "extension-definition" && m["name"] == "Redthread fact" {
			return m["id"].(string)
		}
	}
	t.Fatal("no fact extension definition")
	return ""
}

// TestImportAgency gives every imported source to the importing agency,
// whatever owner the bundle names, and keeps the markings.
func TestImportAgency(t *testing.T) {
	ctx := context.Background()
	c, nodes, edges := fixture(t)
	b, err := casestix.Export(ctx, c, nodes, edges, casestix.Options{Agency: "fiu", Now: exportTime})
	if err != nil {
		t.Fatal(err)
	}
	im, err := casestix.Import(ctx, b, casestix.ImportOptions{Agency: "sanctions-office"})
	if err != nil {
		t.Fatal(err)
	}
	marks := map[graph.Marking]int{}
	for _, n := range im.Batch.Nodes {
		for _, s := range n.Sources {
			marks[s.Marking]++
			if s.Agency != "sanctions-office" {
				t.Errorf("%s: source %s owned by %q", n.ID, s.Dataset, s.Agency)
			}
		}
	}
	for _, e := range im.Batch.Edges {
		for _, s := range e.Sources {
			marks[s.Marking]++
			if s.Agency != "sanctions-office" {
				t.Errorf("%s: source %s owned by %q", e.ID, s.Dataset, s.Agency)
			}
		}
	}
	if len(marks) != 5 {
		t.Errorf("markings of the imported sources: %v, want all five", marks)
	}
}

// withEdgeTwice is an export of two nodes and the edge between them, with
// the relationship copied under a second id.
func withEdgeTwice(t *testing.T) []byte {
	t.Helper()
	c, nodes, edges := fixture(t)
	var e *graph.Edge
	for _, x := range edges {
		if x.Kind == graph.EdgePartOf {
			e = x
			break
		}
	}
	var ends []*graph.Node
	for _, n := range nodes {
		if n.ID == e.From || n.ID == e.To {
			ends = append(ends, n)
		}
	}
	b, err := casestix.Export(context.Background(), c, ends, []*graph.Edge{e}, casestix.Options{Now: exportTime})
	if err != nil {
		t.Fatal(err)
	}
	var bundle map[string]any
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	objects := bundle["objects"].([]any)
	for _, o := range objects {
		if m := o.(map[string]any); m["type"] == "relationship" {
			copied := map[string]any{}
			for k, v := range m {
				copied[k] = v
			}
			copied["id"] = "relationship--9f2b6a52-2a50-4b7d-8b4c-555555555555"
			bundle["objects"] = append(objects, copied)
			break
		}
	}
	out, err := json.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
