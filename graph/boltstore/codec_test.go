package boltstore

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/synth"
)

// fields lists a struct's field names.
func fields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		out = append(out, t.Field(i).Name)
	}
	return out
}

// TestCodecKnowsEveryField fails when graph.Node, graph.Edge or
// graph.Source gains a field the codec would silently drop.
func TestCodecKnowsEveryField(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[graph.Node](), []string{"ID", "Kind", "Key", "Label", "Aliases", "Props", "Sources", "Confidence", "Marking", "ValidFrom", "ValidTo", "Claims"}},
		{reflect.TypeFor[graph.Edge](), []string{"ID", "Kind", "From", "To", "Key", "Amount", "Asset", "ValueUSD", "Time", "TxHash", "Props", "Sources", "Confidence", "Marking", "ValidFrom", "ValidTo", "Claims"}},
		{reflect.TypeFor[graph.Source](), []string{"Dataset", "Record", "Job", "RetrievedAt", "URL", "Excerpt", "Confidence", "Marking", "Agency", "User", "Illustrative"}},
	} {
		if got := fields(c.typ); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s fields changed: update codec.go, srcdict.go and this test\n got %q", c.typ, got)
		}
	}
}

// same compares two records by their API JSON, the form users see.
func same(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// TestCodecRoundTrip: nodes and edges, generated and odd, decode to what
// was encoded (by their JSON and by re-encoding to the same bytes), with
// source contexts shared through the dictionary.
func TestCodecRoundTrip(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	odd := []string{"plain", "", `quo"te\back`, "tab\tnew\nline\r\x01", "<a&b>", "한국어 ✓", "\x7f"}
	batch := synth.Generate(3, 50, 200)
	ids := make([]string, 0, len(batch.Nodes)+2)
	nums := map[string]uint32{}
	num := func(id string) uint32 {
		if n, ok := nums[id]; ok {
			return n
		}
		nums[id] = uint32(len(ids))
		ids = append(ids, id)
		return nums[id]
	}
	nodes := batch.Nodes
	for i, s := range odd {
		nodes = append(nodes, graph.Node{Kind: graph.KindPerson, Key: "p" + string(rune('a'+i)), Label: s + "x",
			Aliases: []string{s + "y", "z"}, Props: graph.Props{"note": s, "n": 3.5},
			Sources: []graph.Source{{Dataset: s + "d", Record: s, URL: s, Excerpt: s, Agency: s, Job: "j",
				RetrievedAt: time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC), Confidence: 77, Marking: graph.TLPAmber, Illustrative: true}},
			ValidFrom: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2002, 1, 1, 0, 0, 0, 0, seoul)})
	}
	dict := newSourceDict()
	enc := newEncoder(dict)
	for i := range nodes {
		n := nodes[i]
		if err := graph.PrepareNode(&n); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		v, err := enc.encodeNode(num(n.ID), &n)
		if err != nil {
			t.Fatal(err)
		}
		enc.commit()
		back, err := decodeNode(dict, n.ID, v)
		if err != nil {
			t.Fatalf("node %s: %v", n.ID, err)
		}
		again, _ := enc.encodeNode(num(n.ID), back)
		if !same(t, back, &n) || !bytes.Equal(again, v) {
			t.Fatalf("node %s does not round-trip: %+v", n.ID, back)
		}
	}
	edges := batch.Edges
	var tr graph.Edge
	for _, e := range batch.Edges {
		if e.Kind == graph.EdgeTransfer {
			tr = e
			break
		}
	}
	f := []float64{1, 0.1, 1e-7, 1e21, 123456789.123456, 5e-324, math.MaxFloat64}
	for i, s := range odd {
		edges = append(edges, graph.Edge{Kind: graph.EdgeTransfer, From: tr.From, To: tr.To,
			Key: "k" + string(rune('a'+i)), Amount: f[i%len(f)], ValueUSD: f[(i+3)%len(f)], Asset: s, TxHash: []string{s + "h", "k" + string(rune('a'+i))}[i%2],
			Time:    time.Date(2024, 2, 29, 23, 59, 59, 123456789*(i%2), seoul),
			Props:   graph.Props{"note": s, "list": []any{"a", 1.0}, "nested": map[string]any{"z": true, "a": nil}},
			Sources: []graph.Source{{Dataset: s + "d", Record: s}, {Dataset: "b", Marking: graph.TLPRed}}})
	}
	contexts := len(dict.list)
	for i := range edges {
		e := edges[i]
		if err := graph.PrepareEdge(&e); err != nil {
			t.Fatalf("edge %d: %v", i, err)
		}
		code, _ := edgeKindCode(e.Kind)
		h := edgeHead{from: num(e.From), to: num(e.To), kind: code, key: e.Key}
		v, err := enc.encodeEdge(h, &e)
		if err != nil {
			t.Fatal(err)
		}
		enc.commit()
		back, err := decodeEdge(dict, ids, v)
		if err != nil {
			t.Fatalf("edge %s: %v", e.ID, err)
		}
		again, _ := enc.encodeEdge(h, back)
		if !same(t, back, &e) || !bytes.Equal(again, v) || !sameHead(v, h) {
			t.Fatalf("edge %s does not round-trip:\n got %+v\nwant %+v", e.ID, back, e)
		}
		if id, err := edgeIDOf(ids, v); err != nil || id != e.ID {
			t.Fatalf("edge ID %q, %v; want %q", id, err, e.ID)
		}
	}
	// The generated edges share one source context; the odd ones add theirs.
	if added := len(dict.list) - contexts; added > len(odd)+2 {
		t.Errorf("%d source contexts added for %d edges", added, len(edges))
	}
	for i, c := range dict.list {
		back, err := decodeSourceCtx(c.encode())
		if err != nil || back != c {
			t.Fatalf("source context %d: %+v, %v", i, back, err)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		e := graph.Edge{ID: "a>TRANSFER>b", Amount: bad}
		if _, err := enc.encodeEdge(edgeHead{}, &e); err == nil {
			t.Fatalf("amount %v encoded", bad)
		}
	}
}

// FuzzDecode: no stored bytes, however corrupt, make decoding panic.
func FuzzDecode(f *testing.F) {
	dict := newSourceDict()
	enc := newEncoder(dict)
	b := synth.Generate(1, 4, 4)
	n := b.Nodes[0]
	if err := graph.PrepareNode(&n); err != nil {
		f.Fatal(err)
	}
	v, _ := enc.encodeNode(0, &n)
	f.Add(v)
	e := b.Edges[0]
	if err := graph.PrepareEdge(&e); err != nil {
		f.Fatal(err)
	}
	v, _ = enc.encodeEdge(edgeHead{from: 0, to: 1, kind: 2, key: "k"}, &e)
	enc.commit()
	f.Add(v)
	cn, ce := claimed(f) // records with claims
	v, _ = enc.encodeNode(0, cn)
	f.Add(v)
	v, _ = enc.encodeEdge(edgeHead{from: 0, to: 1, kind: 2, key: "k"}, ce)
	enc.commit()
	f.Add(v)
	f.Add(dict.list[0].encode())
	ids := []string{"wallet:a", "wallet:b"}
	f.Fuzz(func(t *testing.T, v []byte) {
		_, _ = decodeNode(dict, "wallet:a", v)
		_, _ = decodeEdge(dict, ids, v)
		_, _ = decodeNodeHead(v)
		_, _ = edgeIDOf(ids, v)
		_, _ = decodeSourceCtx(v)
		sameHead(v, edgeHead{})
	})
}
