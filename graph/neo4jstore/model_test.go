package neo4jstore

import (
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
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
