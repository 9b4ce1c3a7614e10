package server_test

import (
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server"
)

// TestIllustrativeFlags: a real node that a generated fact touches says it
// is partly synthetic; a generated node and edge say they are wholly so;
// a real node says neither — without the client reading every source.
func TestIllustrativeFlags(t *testing.T) {
	store := openStore(t)
	synth := []graph.Source{{Dataset: "synthetic/redthread-generate-seed-1", Record: "x", Confidence: 50, Illustrative: true}}
	res, err := store.Write(t.Context(), graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindThreatGroup, Key: "lazarus-group", Label: "Lazarus Group", Sources: synth},
			{Kind: graph.KindSanction, Key: "synthetic-sdn-1", Label: "Synthetic designation 1", Sources: synth},
		},
		Edges: []graph.Edge{{Kind: graph.EdgeSanctionedBy, From: idLazarus, To: "sanction:synthetic-sdn-1", Sources: synth}},
	})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("write: %v %+v", err, res.Rejected)
	}
	ts := start(t, store, server.DefaultConfig())
	out := query(t, ts, `{
		lazarus: node(id: "threat_group:lazarus-group") { illustrativeShare }
		sanction: node(id: "sanction:synthetic-sdn-1") { illustrativeShare }
		real: node(id: "person:park-jin-hyok") { illustrativeShare }
		edge: edge(id: "threat_group:lazarus-group>SANCTIONED_BY>sanction:synthetic-sdn-1") { illustrativeShare }
	}`, nil)
	if len(out.Errors) > 0 {
		t.Fatalf("errors: %+v", out.Errors)
	}
	want := `{"lazarus": {"illustrativeShare": "SOME"}, "sanction": {"illustrativeShare": "ALL"},
		"real": {"illustrativeShare": "NONE"}, "edge": {"illustrativeShare": "ALL"}}`
	if !jsonEqual(t, out.Data, want) {
		t.Errorf("got %s\nwant %s", out.Data, want)
	}
}
