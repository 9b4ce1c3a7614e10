package neo4jstore

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/storetest"
)

// TestPropertiesRoundTrip checks, without Neo4j, that every property the
// encoders set is one the write statements name (others would be dropped
// silently) and that decoding gives the record back.
func TestPropertiesRoundTrip(t *testing.T) {
	day := time.Date(2022, 3, 23, 9, 15, 0, 5, time.UTC)
	n := graph.Node{Kind: graph.KindOrganization, Key: "Korea Sobaeksu", Label: "Korea Sobaeksu", Aliases: []string{"KSTC"},
		Props: graph.Props{"country": "KP"}, Sources: []graph.Source{{Dataset: "d", RetrievedAt: day}},
		ValidFrom: day, ValidTo: day.AddDate(1, 0, 0)}
	e := graph.Edge{Kind: graph.EdgeTransfer, From: "wallet:eth:0x" + "11111111111111111111111111111111111111aa", To: "wallet:eth:0x" + "22222222222222222222222222222222222222bb",
		Key: "0xfeed:3", TxHash: "0xfeed", Amount: 1.5, Asset: "usdt", ValueUSD: 2, Time: day, Props: graph.Props{"logIndex": 3.0},
		Sources: []graph.Source{{Dataset: "d"}}, ValidFrom: day, ValidTo: day}
	if err := graph.PrepareNode(&n); err != nil {
		t.Fatal(err)
	}
	if err := graph.PrepareEdge(&e); err != nil {
		t.Fatal(err)
	}
	np, err := nodeProps(&n)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := edgeProps(&e)
	if err != nil {
		t.Fatal(err)
	}
	for k := range np {
		if !slices.Contains(nodeKeys, k) {
			t.Errorf("node property %q is not in nodeKeys", k)
		}
	}
	for k := range ep {
		if !slices.Contains(edgeKeys, k) {
			t.Errorf("edge property %q is not in edgeKeys", k)
		}
	}
	// Neo4j returns lists as []any.
	np["aliases"] = []any{"KSTC"}
	gotN, err := decodeNode(np)
	if err != nil {
		t.Fatal(err)
	}
	gotE, err := decodeEdge("TRANSFER", e.From, e.To, ep)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]any{{gotN, &n}, {gotE, &e}} {
		if same, err := sameRecord(c[0], c[1]); err != nil || !same {
			a, _ := marshal(c[0])
			b, _ := marshal(c[1])
			t.Errorf("round trip:\n got %s\nwant %s", a, b)
		}
	}
	if _, err := decodeNode(map[string]any{"id": "x", "confidence": "high"}); err == nil {
		t.Error("a mistyped property decoded without error")
	}
	if _, err := decodeEdge("OWES", "a", "b", map[string]any{}); err == nil {
		t.Error("an unknown relationship type decoded without error")
	}
}

// TestReadsSchema1 stores a node and an edge as schema 1 wrote them (every
// field a property): the store reads them as they were, counts a repeat
// unchanged, and rewrites a changed record in schema 2 without its schema
// 1 properties.
func TestReadsSchema1(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	a, b := storetest.W(1), storetest.W(2)
	day := time.Date(2022, 3, 23, 9, 15, 0, 0, time.UTC)
	src := `[{"dataset":"etl","record":"1","confidence":50,"marking":"TLP:AMBER","agency":"fiu-a"}]`
	err := s.write(ctx, "test", func(tx neoTx) error {
		_, err := run(ctx, tx, "CREATE (a:Node:Wallet {id: $a, kind: 'WALLET', key: $ka, label: 'Hot', aliases: ['H'], confidence: 50, "+
			"marking: 'TLP:AMBER', sources: $src, props: '{\"x\":1}', validFrom: $day, search_text: 'x', search_tokens: 'x'}) "+
			"CREATE (b:Node:Wallet {id: $b, kind: 'WALLET', key: $kb, label: $kb, confidence: 50, marking: 'TLP:AMBER', sources: $src, search_text: 'y', search_tokens: 'y'}) "+
			"CREATE (a)-[:TRANSFER {id: $e, key: '0xabc:0', txHash: '0xabc', amount: 1.5, asset: 'ETH', time: $day, confidence: 50, "+
			"marking: 'TLP:AMBER', sources: $src}]->(b)",
			map[string]any{"a": a, "b": b, "ka": a[len("wallet:"):], "kb": b[len("wallet:"):], "src": src, "day": day,
				"e": graph.EdgeID(graph.EdgeTransfer, a, b, "0xabc:0")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srcs := []graph.Source{{Dataset: "etl", Record: "1", Confidence: 50, Marking: graph.TLPAmber, Agency: "fiu-a"}}
	wantN := graph.Node{ID: a, Kind: graph.KindWallet, Key: a[len("wallet:"):], Label: "Hot", Aliases: []string{"H"}, Props: graph.Props{"x": 1.0},
		Sources: srcs, Confidence: 50, Marking: graph.TLPAmber, ValidFrom: day}
	wantE := graph.Edge{ID: graph.EdgeID(graph.EdgeTransfer, a, b, "0xabc:0"), Kind: graph.EdgeTransfer, From: a, To: b, Key: "0xabc:0",
		TxHash: "0xabc", Amount: 1.5, Asset: "ETH", Time: day, Sources: srcs, Confidence: 50, Marking: graph.TLPAmber}
	gotN, err := s.Node(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	gotE, err := s.Edge(ctx, wantE.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]any{{gotN, &wantN}, {gotE, &wantE}} {
		if same, _ := sameRecord(c[0], c[1]); !same {
			x, _ := marshal(c[0])
			y, _ := marshal(c[1])
			t.Fatalf("schema 1 record read as\n%s\nwant\n%s", x, y)
		}
	}
	in := wantE
	in.ID, in.Confidence, in.Marking = "", 0, ""
	res, err := s.Write(ctx, graph.Batch{Edges: []graph.Edge{in}})
	if err != nil || res.EdgesUnchanged != 1 {
		t.Fatalf("repeating a schema 1 edge: %+v %v, want it unchanged", res, err)
	}
	in.Sources = []graph.Source{{Dataset: "other"}}
	if res, err := s.Write(ctx, graph.Batch{Edges: []graph.Edge{in}}); err != nil || res.EdgesUpdated != 1 {
		t.Fatalf("merging into a schema 1 edge: %+v %v", res, err)
	}
	var keys []any
	err = s.read(ctx, "test", func(tx neoTx) error {
		recs, err := run(ctx, tx, "MATCH ()-[r:TRANSFER]->() RETURN keys(r)", nil)
		if err == nil {
			keys = recs[0].Values[0].([]any)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if slices.Contains(legacyEdgeKeys, k.(string)) {
			t.Errorf("rewritten edge keeps the schema 1 property %s (keys %v)", k, keys)
		}
	}
	got, err := s.Edge(ctx, wantE.ID)
	if err != nil || len(got.Sources) != 2 || got.TxHash != "0xabc" || got.Key != "0xabc:0" {
		t.Fatalf("rewritten edge: %+v %v", got, err)
	}
}

// TestOpenRefusesNewerSchema: records of a newer layout would be misread
// and overwritten, so Open says what to do instead.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	s := openEmpty(t, cfg)
	set := func(v int) {
		err := s.autocommit(ctx, "MERGE (m:"+schemaLabel+" {name: 'graph'}) SET m.version = $v", map[string]any{"v": v})
		if err != nil {
			t.Fatal(err)
		}
	}
	set(schemaVersion + 1)
	t.Cleanup(func() { set(schemaVersion) })
	_, err := Open(ctx, cfg)
	if graph.ErrorCode(err) != graph.CodeUnavailable || !strings.Contains(graph.ErrorMessage(err), "upgrade") {
		t.Fatalf("Open on a schema %d database: %v, want UNAVAILABLE asking for an upgrade", schemaVersion+1, err)
	}
}

// TestLayoutCoversEveryField fails when graph.Node, graph.Edge or
// graph.Source gain a field: the layout would drop it silently. Add it to
// nodeProps/edgeProps or nodeData/edgeData/source and to this list.
func TestLayoutCoversEveryField(t *testing.T) {
	for _, c := range []struct {
		v     any
		known string
	}{
		{graph.Node{}, "ID Kind Key Label Aliases Props Sources Confidence Marking ValidFrom ValidTo Claims"},
		{graph.Edge{}, "ID Kind From To Key Amount Asset ValueUSD Time TxHash Props Sources Confidence Marking ValidFrom ValidTo Claims"},
		{graph.Source{}, "Dataset Record Job RetrievedAt URL Excerpt Confidence Marking Agency User Illustrative"},
	} {
		typ := reflect.TypeOf(c.v)
		var names []string
		for i := range typ.NumField() {
			names = append(names, typ.Field(i).Name)
		}
		if got := strings.Join(names, " "); got != c.known {
			t.Errorf("%s has fields %q; the Neo4j layout stores %q", typ, got, c.known)
		}
	}
	if n := reflect.TypeOf(source{}).NumField(); n != reflect.TypeOf(graph.Source{}).NumField() {
		t.Errorf("source has %d fields, graph.Source %d", n, reflect.TypeOf(graph.Source{}).NumField())
	}
}
