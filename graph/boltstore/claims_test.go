package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// claimed returns a node and an edge merged from sources that disagree, so
// that they carry claims.
func claimed(t testing.TB) (*graph.Node, *graph.Edge) {
	t.Helper()
	seoul := time.FixedZone("KST", 9*3600)
	nodes := []graph.Node{
		{Kind: graph.KindPerson, Key: "jin", Sources: []graph.Source{{Dataset: "ofac", Record: "1"}}},
		{Kind: graph.KindPerson, Key: "jin", Label: "Jin Sung-Il", Aliases: []string{"devjin"}, Props: graph.Props{"email": "j@example.com"},
			ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, seoul),
			Sources:   []graph.Source{{Dataset: "fiu", Record: "7", Agency: "fiu", User: "ann", Marking: graph.TLPRed}}},
		{Kind: graph.KindPerson, Key: "jin", Label: "Kestrel", Props: graph.Props{"handler": "unit-121", "n": 2.5},
			ValidTo: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			Sources: []graph.Source{{Dataset: "hq", Agency: "sanctions", Marking: graph.TLPAmberStrict}}},
	}
	var n *graph.Node
	for i := range nodes {
		if err := graph.PrepareNode(&nodes[i]); err != nil {
			t.Fatal(err)
		}
		if n == nil {
			n = &nodes[i]
			continue
		}
		var err error
		if n, err = graph.MergeNode(n, &nodes[i]); err != nil {
			t.Fatal(err)
		}
	}
	edges := []graph.Edge{
		{Kind: graph.EdgePays, From: "person:jin", To: "organization:front", Key: "p1", Amount: 10, Asset: "USD",
			Sources: []graph.Source{{Dataset: "bank"}}},
		{Kind: graph.EdgePays, From: "person:jin", To: "organization:front", Key: "p1", Amount: 99, ValueUSD: 99, TxHash: "0xfeed",
			Time: time.Date(2023, 4, 1, 12, 0, 0, 0, seoul), Props: graph.Props{"memo": "cover"},
			Sources: []graph.Source{{Dataset: "police", Agency: "police", Marking: graph.TLPAmberStrict}}},
	}
	var e *graph.Edge
	for i := range edges {
		if err := graph.PrepareEdge(&edges[i]); err != nil {
			t.Fatal(err)
		}
		if e == nil {
			e = &edges[i]
			continue
		}
		var err error
		if e, err = graph.MergeEdge(e, &edges[i]); err != nil {
			t.Fatal(err)
		}
	}
	if n.Claims == nil || e.Claims == nil {
		t.Fatal("the fixture carries no claims")
	}
	return n, e
}

func TestClaimsRoundTrip(t *testing.T) {
	n, e := claimed(t)
	dict := newSourceDict()
	enc := newEncoder(dict)
	v, err := enc.encodeNode(0, n)
	if err != nil {
		t.Fatal(err)
	}
	enc.commit()
	back, err := decodeNode(dict, n.ID, v)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := enc.encodeNode(0, back)
	if !same(t, back, n) || !bytes.Equal(again, v) {
		t.Fatalf("node with claims does not round-trip:\n got %+v\nwant %+v", back, n)
	}
	ids := []string{e.From, e.To}
	h := edgeHead{from: 0, to: 1, kind: func() uint8 { c, _ := edgeKindCode(e.Kind); return c }(), key: e.Key}
	v, err = enc.encodeEdge(h, e)
	if err != nil {
		t.Fatal(err)
	}
	enc.commit()
	be, err := decodeEdge(dict, ids, v)
	if err != nil {
		t.Fatal(err)
	}
	againE, _ := enc.encodeEdge(h, be)
	if !same(t, be, e) || !bytes.Equal(againE, v) {
		t.Fatalf("edge with claims does not round-trip:\n got %+v\nwant %+v", be, e)
	}
	// a wrong claim count is corrupt, not misread
	v, _ = enc.encodeNode(0, n)
	if _, err := decodeNode(dict, n.ID, append(v[:len(v):len(v)], 0)); err == nil {
		t.Fatal("trailing bytes after the claims decoded")
	}
}

// legacyNode is the schema 3 encoding of n: no claims, no fClaims.
func legacyNode(t *testing.T, enc *encoder, num uint32, n *graph.Node) []byte {
	t.Helper()
	b := binary.AppendUvarint(nil, uint64(num))
	b = appendStr(b, n.Label)
	b = binary.AppendUvarint(b, uint64(len(n.Aliases)))
	for _, a := range n.Aliases {
		b = appendStr(b, a)
	}
	b = binary.AppendUvarint(b, bodyFlags(n.Props, n.ValidFrom, n.ValidTo))
	b, err := enc.appendBody(b, n.Props, n.ValidFrom, n.ValidTo, n.Confidence, n.Marking, n.Sources)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSchema3Upgrade: a file written before claims opens, says schema 4
// from then on, gives a viewer of every source the record as it was and a
// viewer of some only the bare key (who said what is unknown), until the
// sources are loaded again.
func TestSchema3Upgrade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n, _ := claimed(t)
	parts := make([]graph.Node, 0, 3)
	s := open(t, dir, Options{})
	for _, src := range n.Sources { // load the three sources again as they came
		p := graph.Node{Kind: n.Kind, Key: n.Key, Sources: []graph.Source{src}}
		for i := range n.Sources {
			if n.Sources[i] == src {
				c := n.ClaimAt(i)
				p.Label, p.Aliases, p.Props, p.ValidFrom, p.ValidTo = c.Label, c.Aliases, c.Props, c.ValidFrom, c.ValidTo
			}
		}
		parts = append(parts, p)
		mustWrite(t, s, graph.Batch{Nodes: []graph.Node{p}})
	}
	stored, err := s.Node(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !same(t, stored, n) {
		t.Fatalf("stored %+v\nwant %+v", stored, n)
	}
	s.Close()

	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		dict := newSourceDict()
		if err := dict.load(tx.Bucket(bucketSources)); err != nil {
			return err
		}
		nodes := tx.Bucket(bucketNodes)
		h, err := decodeNodeHead(nodes.Get([]byte(n.ID)))
		if err != nil {
			return err
		}
		if err := nodes.Put([]byte(n.ID), legacyNode(t, newEncoder(dict), h.num, stored)); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("3"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s = open(t, dir, Options{})
	old, err := s.Node(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if all := graph.ViewNode(old, func(graph.Source) bool { return true }); all.Label != n.Label || !same(t, all.Props, n.Props) {
		t.Fatalf("a viewer of every source gets %+v", all)
	}
	public := func(s graph.Source) bool { return s.Agency == "" }
	if v := graph.ViewNode(old, public); v.Label != n.Key || v.Props != nil || len(v.Aliases) != 0 {
		t.Fatalf("a legacy record gives a partial viewer %+v, want the bare key", v)
	}
	for _, p := range parts { // loading the sources again tells who said what
		mustWrite(t, s, graph.Batch{Nodes: []graph.Node{p}})
	}
	again, err := s.Node(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !same(t, again, n) {
		t.Fatalf("after reloading: %+v\nwant %+v", again, n)
	}
	if v := graph.ViewNode(again, public); v.Label != n.Key || len(v.Sources) != 1 {
		t.Fatalf("public view %+v", v)
	}
	if v := graph.ViewNode(again, func(s graph.Source) bool { return s.Agency != "sanctions" }); v.Label != "Jin Sung-Il" || v.Props["handler"] != nil {
		t.Fatalf("view without the strict source %+v", v)
	}
	s.Close()
	db, err = bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySchema); string(v) != schemaVersion {
			t.Errorf("schema %q after opening a schema 3 file, want %q", v, schemaVersion)
		}
		return nil
	})
}
