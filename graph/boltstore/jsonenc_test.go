package boltstore

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/storetest"
)

// tags lists a struct's fields with their JSON tags.
func tags(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		out = append(out, t.Field(i).Name+" "+t.Field(i).Tag.Get("json"))
	}
	return out
}

// TestEdgeJSONMatchesEncodingJSON: appendEdgeJSON knows every field of
// graph.Edge and graph.Source, and writes what encoding/json writes.
func TestEdgeJSONMatchesEncodingJSON(t *testing.T) {
	wantEdge := []string{"ID id", "Kind kind", "From from", "To to", "Key key,omitempty",
		"Amount amount,omitempty", "Asset asset,omitempty", "ValueUSD valueUSD,omitempty", "Time time,omitzero",
		"TxHash txHash,omitempty", "Props props,omitempty", "Sources sources", "Confidence confidence",
		"Marking marking", "ValidFrom validFrom,omitzero", "ValidTo validTo,omitzero"}
	wantSource := []string{"Dataset dataset", "Record record,omitempty", "Job job,omitempty",
		"RetrievedAt retrievedAt,omitzero", "URL url,omitempty", "Excerpt excerpt,omitempty",
		"Confidence confidence,omitempty", "Marking marking,omitempty", "Agency agency,omitempty",
		"Illustrative illustrative,omitempty"}
	if got := tags(reflect.TypeFor[graph.Edge]()); !reflect.DeepEqual(got, wantEdge) {
		t.Fatalf("graph.Edge fields changed: update appendEdgeJSON and this test\n got %q", got)
	}
	if got := tags(reflect.TypeFor[graph.Source]()); !reflect.DeepEqual(got, wantSource) {
		t.Fatalf("graph.Source fields changed: update appendSource and this test\n got %q", got)
	}

	seoul := time.FixedZone("KST", 9*3600)
	odd := []string{"plain", "", `quo"te\back`, "tab\tnew\nline\r\x01\x1f\b\f", "<a&b>", "한국어 ✓",
		"line\u2028sep\u2029", "bad\xffutf8", "\x7f"}
	edges := storetest.Generate(3, 50, 200).Edges
	for i, s := range odd {
		f := []float64{0, 1, 0.1, 1e-7, 1e-6, 9.99e-7, 1e20, 1e21, 123456789.123456, 5e-324, math.MaxFloat64, 2.5e-10}
		edges = append(edges, graph.Edge{
			Kind: graph.EdgeTransfer, From: "wallet:x", To: "wallet:y", Key: "k",
			Amount: f[i%len(f)], ValueUSD: f[(i+5)%len(f)], Asset: s, TxHash: s,
			Time:  time.Date(2024, 2, 29, 23, 59, 59, 123456789*(i%2), seoul),
			Props: graph.Props{"note": s, "n": 3.5, "list": []any{"a", 1.0}, "nested": map[string]any{"z": true, "a": nil}},
			Sources: []graph.Source{
				{Dataset: s, Record: s, Job: s, RetrievedAt: time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC), URL: s,
					Excerpt: s, Confidence: 77, Marking: graph.TLPAmber, Agency: s, Illustrative: true},
				{Dataset: "b"},
			},
			Confidence: i, Marking: graph.Marking(s),
			ValidFrom: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2002, 1, 1, 0, 0, 0, 0, seoul),
		})
	}
	edges = append(edges, graph.Edge{Kind: graph.EdgeUses, From: "a:b", To: "c:d"}) // nothing set, nil sources
	for i, ed := range edges {
		if ed.ID == "" {
			ed.ID = graph.EdgeID(ed.Kind, ed.From, ed.To, ed.Key)
		}
		enc := newEncoder()
		got, err := enc.appendEdgeJSON(nil, &ed)
		if err != nil {
			t.Fatalf("edge %d: %v", i, err)
		}
		c := ed
		c.ID, c.Kind, c.From, c.To, c.Key = "", "", "", "", ""
		want, err := newEncoder().encode(&c)
		if err != nil {
			t.Fatal(err)
		}
		want = bytes.Replace(want, []byte(`{"id":"","kind":"","from":"","to":"",`), []byte("{"), 1)
		if !bytes.Equal(got, want) {
			t.Fatalf("edge %d:\n got %s\nwant %s", i, got, want)
		}
		v, err := enc.encodeEdge(&ed)
		if err != nil {
			t.Fatal(err)
		}
		if ed.Asset == "bad\xffutf8" {
			continue // JSON turns invalid UTF-8 into U+FFFD: no round trip, as with encoding/json
		}
		back, err := decodeEdge(v)
		if err != nil {
			t.Fatal(err)
		}
		again, err := enc.encodeEdge(back)
		if err != nil || !bytes.Equal(again, v) || back.ID != ed.ID || back.Kind != ed.Kind ||
			back.From != ed.From || back.To != ed.To || back.Key != ed.Key {
			t.Fatalf("edge %d does not round-trip: %+v, %v", i, back, err)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		ed := graph.Edge{Amount: bad, Sources: []graph.Source{{Dataset: "d"}}}
		_, errGot := newEncoder().appendEdgeJSON(nil, &ed)
		_, errWant := json.Marshal(ed)
		if errGot == nil || errWant == nil || !strings.Contains(errGot.Error(), "unsupported value") {
			t.Fatalf("amount %v: %v, encoding/json: %v", bad, errGot, errWant)
		}
	}
}
