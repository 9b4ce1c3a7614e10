package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// The risk fixture, drawn after the Ronin bridge exploiter's entry in
// OFAC's SDN list: R is listed under the entry and controlled by it; R2 is
// only controlled by it; T is tagged to a threat group; L received an
// incident's loot; P is a mixer's pool wallet; Y sent 3 ETH to P and 1 to
// Q (3/4 of its ETH to a mixer); Q is plain.
//
//	(SANCTION s) ◀─SANCTIONED_BY─ (ORG lazarus) ─CONTROLS─▶ R, R2
//	R ─SANCTIONED_BY─▶ s         T ─ATTRIBUTED_TO─▶ (GROUP g)
//	(INCIDENT heist) ─STOLE─▶ L   heist ─ATTRIBUTED_TO─▶ g
//	(SERVICE mixer) ─CONTROLS─▶ P   Y ─3 ETH─▶ P   Y ─1 ETH─▶ Q
var (
	rR, rR2, rT, rL, rP, rY, rQ = W(31), W(32), W(33), W(34), W(35), W(36), W(37)
	rOrg, rSanction             = "organization:ofac-sdn-27307", "sanction:ofac-27307"
	rGroup, rHeist, rMixer      = "threat_group:lazarus-group", "incident:ronin-bridge", "service:mixer-m"
)

func riskFixture() graph.Batch {
	var b graph.Batch
	for i, label := range []string{"R", "R2", "T", "L", "P", "Y", "Q"} {
		b.Nodes = append(b.Nodes, wallet(31+i, label))
	}
	n := func(kind graph.NodeKind, key, label string, p graph.Props) graph.Node {
		return graph.Node{Kind: kind, Key: key, Label: label, Props: p, Sources: src("fixture")}
	}
	b.Nodes = append(b.Nodes,
		n(graph.KindOrganization, "ofac-sdn-27307", "LAZARUS GROUP", nil),
		n(graph.KindSanction, "ofac-27307", "OFAC SDN #27307", graph.Props{"programs": []any{"DPRK3"}}),
		n(graph.KindThreatGroup, "lazarus-group", "Lazarus Group", nil),
		n(graph.KindIncident, "ronin-bridge", "Ronin bridge", nil),
		n(graph.KindService, "mixer-m", "Mixer M", graph.Props{"category": "mixer"}),
	)
	e := func(kind graph.EdgeKind, from, to string) graph.Edge {
		return graph.Edge{Kind: kind, From: from, To: to, Sources: src("fixture")}
	}
	eth := func(from, to string, amount float64) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: from, To: to, Key: "t" + to[len(to)-2:], Amount: amount, Asset: "ETH", Sources: src("fixture")}
	}
	b.Edges = append(b.Edges,
		e(graph.EdgeSanctionedBy, rOrg, rSanction), e(graph.EdgeControls, rOrg, rR), e(graph.EdgeControls, rOrg, rR2),
		e(graph.EdgeSanctionedBy, rR, rSanction), e(graph.EdgeAttributedTo, rT, rGroup),
		e(graph.EdgeStole, rHeist, rL), e(graph.EdgeAttributedTo, rHeist, rGroup),
		e(graph.EdgeControls, rMixer, rP), eth(rY, rP, 3), eth(rY, rQ, 1),
	)
	return b
}

func riskCases() []suiteCase {
	return []suiteCase{{"Risk", testRisk}, {"RiskInvalid", testRiskInvalid}, {"RiskFanout", testRiskFanout}, {"RiskTwins", testRiskTwins}}
}

// flagLine is a flag in one line: kind, via, path and the reason's start.
func flagLine(f investigate.RiskFlag) string {
	return string(f.Kind) + " via " + f.Via + " path " + strings.Join(f.Nodes, ",") + " edges " + strings.Join(f.Edges, ",") + ": " + f.Reason
}

func testRisk(t *testing.T, e env) {
	write(t, e.s, riskFixture())
	ctx := context.Background()
	id := func(kind graph.EdgeKind, from, to string) string { return graph.EdgeID(kind, from, to, "") }
	want := map[string][]string{
		// Designated itself: the direct edge is the shortest justification,
		// so the controller's designation of the same sanction is not repeated.
		rR: {"SANCTIONED via " + rSanction + " path " + rR + "," + rSanction + " edges " + id(graph.EdgeSanctionedBy, rR, rSanction) +
			": designated on OFAC SDN #27307 (DPRK3)"},
		rR2: {"SANCTIONED via " + rSanction + " path " + rR2 + "," + rOrg + "," + rSanction + " edges " +
			id(graph.EdgeControls, rOrg, rR2) + "," + id(graph.EdgeSanctionedBy, rOrg, rSanction) +
			": controlled by LAZARUS GROUP, which is designated on OFAC SDN #27307 (DPRK3)"},
		rT: {"ATTRIBUTED via " + rGroup + " path " + rT + "," + rGroup + " edges " + id(graph.EdgeAttributedTo, rT, rGroup) + ": attributed to Lazarus Group"},
		rL: {
			"ATTRIBUTED via " + rGroup + " path " + rL + "," + rHeist + "," + rGroup + " edges " + id(graph.EdgeStole, rHeist, rL) + "," +
				id(graph.EdgeAttributedTo, rHeist, rGroup) + ": received the loot of Ronin bridge, which is attributed to Lazarus Group",
			"STOLEN_FUNDS via " + rHeist + " path " + rL + "," + rHeist + " edges " + id(graph.EdgeStole, rHeist, rL) + ": received the loot of Ronin bridge",
		},
		rP: {"SERVICE via " + rMixer + " path " + rP + "," + rMixer + " edges " + id(graph.EdgeControls, rMixer, rP) + ": controlled by Mixer M (mixer)"},
		rY: {"EXPOSURE via " + rP + " path " + rY + "," + rP + " edges " + graph.EdgeID(graph.EdgeTransfer, rY, rP, "t"+rP[len(rP)-2:]) +
			": 75% of the ETH it moved went directly to or from mixer counterparties (largest: P)"},
		rQ:        nil,
		rGroup:    {"ATTRIBUTED via " + rGroup + " path " + rGroup + " edges : is the threat group Lazarus Group"},
		rMixer:    {"SERVICE via " + rMixer + " path " + rMixer + " edges : is a service (mixer)"},
		rSanction: nil,
	}
	ids := []string{rR, rR2, rT, rL, rP, rY, rQ, rGroup, rMixer, rSanction, "wallet:eth:0x00000000000000000000000000000000000000ff"}
	res, err := investigate.Risk(ctx, topology(t, e), investigate.RiskQuery{IDs: ids}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes) != len(ids) {
		t.Fatalf("%d answers for %d ids", len(res.Nodes), len(ids))
	}
	for i, n := range ids {
		var got []string
		if res.Nodes[i].Truncated {
			t.Errorf("%s truncated: %v", n, res.Nodes[i].Reasons)
		}
		for _, f := range res.Nodes[i].Flags {
			got = append(got, flagLine(f))
		}
		if !slices.Equal(got, want[n]) {
			t.Errorf("%s:\n got %q\nwant %q", n, got, want[n])
		}
	}
	// A higher threshold drops Y's exposure (3/4 of its ETH) and nothing else.
	res, err = investigate.Risk(ctx, topology(t, e), investigate.RiskQuery{IDs: []string{rY, rR}, Threshold: 0.8}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes[0].Flags) != 0 || len(res.Nodes[1].Flags) != 1 {
		t.Errorf("threshold 0.8: %+v", res.Nodes)
	}
	// A hub degree below Y's two transfers: no exposure, and the answer says why.
	res, err = investigate.Risk(ctx, topology(t, e), investigate.RiskQuery{IDs: []string{rY}, HubDegree: 1}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes[0].Flags) != 0 || !res.Nodes[0].Truncated {
		t.Errorf("hub degree 1: %+v", res)
	}
}

func testRiskInvalid(t *testing.T, e env) {
	write(t, e.s, riskFixture())
	_, err := investigate.Risk(context.Background(), topology(t, e), investigate.RiskQuery{IDs: []string{rR}, Threshold: 1.5}, investigate.Limits{})
	wantCode(t, "threshold 1.5", err, graph.CodeInvalid)
}

// testRiskFanout: a wallet attributed to more groups than RiskFanout gets
// the first RiskFanout of them by ID, and its answer says it was cut.
func testRiskFanout(t *testing.T, e env) {
	var b graph.Batch
	b.Nodes = append(b.Nodes, wallet(40, "tagged everywhere"))
	var groups []string
	for i := range investigate.RiskFanout + 1 {
		key := fmt.Sprintf("group-%02d", i)
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindThreatGroup, Key: key, Label: key, Sources: src("fixture")})
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeAttributedTo, From: W(40), To: "threat_group:" + key, Sources: src("fixture")})
		groups = append(groups, "threat_group:"+key)
	}
	write(t, e.s, b)
	res, err := investigate.Risk(context.Background(), topology(t, e), investigate.RiskQuery{IDs: []string{W(40)}}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Nodes[0]
	var got []string
	for _, f := range r.Flags {
		got = append(got, f.Via)
	}
	if !slices.Equal(got, groups[:investigate.RiskFanout]) || !r.Truncated {
		t.Errorf("flags via %v, truncated %v %v", got, r.Truncated, r.Reasons)
	}
}

// testRiskTwins: an analyst's judgement that two entities are one actor
// carries designations and attributions across it, to the twin and to
// what the twin controls; a later DIFFERENT judgement takes them back.
func testRiskTwins(t *testing.T, e env) {
	ctx := context.Background()
	const desk, kim = "service:desk-x", "person:kim"
	b := riskFixture()
	b.Nodes = append(b.Nodes, wallet(41, "desk wallet"),
		graph.Node{Kind: graph.KindService, Key: "desk-x", Label: "Desk X", Props: graph.Props{"category": "otc"}, Sources: src("fixture")},
		graph.Node{Kind: graph.KindPerson, Key: "kim", Label: "Kim", Sources: src("fixture")})
	b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeControls, From: desk, To: W(41), Sources: src("fixture")})
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	same := investigate.Judgement(desk, rOrg, investigate.JudgementSame, "analyst", "one desk", at)
	kimSame := investigate.Judgement(kim, rGroup, investigate.JudgementSame, "analyst", "one group", at)
	// A SAME_AS from a source, with no decision, is a proposal: it carries nothing.
	proposal := graph.Edge{Kind: graph.EdgeSameAs, From: W(41), To: rT, Sources: src("fixture")}
	b.Edges = append(b.Edges, same, kimSame, proposal)
	write(t, e.s, b)
	id := func(kind graph.EdgeKind, from, to string) string { return graph.EdgeID(kind, from, to, "") }
	sameID, kimID := graph.EdgeID(same.Kind, same.From, same.To, same.Key), graph.EdgeID(kimSame.Kind, kimSame.From, kimSame.To, kimSame.Key)
	sanctioned := id(graph.EdgeSanctionedBy, rOrg, rSanction)
	want := map[string][]string{
		desk: {
			"SANCTIONED via " + rSanction + " path " + desk + "," + rOrg + "," + rSanction + " edges " + sameID + "," + sanctioned +
				": judged the same actor as LAZARUS GROUP, which is designated on OFAC SDN #27307 (DPRK3)",
			"SERVICE via " + desk + " path " + desk + " edges : is a service (otc)",
		},
		W(41): {
			"SANCTIONED via " + rSanction + " path " + W(41) + "," + desk + "," + rOrg + "," + rSanction + " edges " +
				id(graph.EdgeControls, desk, W(41)) + "," + sameID + "," + sanctioned +
				": controlled by Desk X, judged the same actor as LAZARUS GROUP, which is designated on OFAC SDN #27307 (DPRK3)",
			"SERVICE via " + desk + " path " + W(41) + "," + desk + " edges " + id(graph.EdgeControls, desk, W(41)) + ": controlled by Desk X (otc)",
		},
		kim: {"ATTRIBUTED via " + rGroup + " path " + kim + "," + rGroup + " edges " + kimID + ": judged the same actor as the threat group Lazarus Group"},
	}
	ids := []string{desk, W(41), kim}
	check := func(what string, want map[string][]string) {
		t.Helper()
		// The topology is a read view: released before the next write.
		top, release, err := e.s.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := investigate.Risk(ctx, top, investigate.RiskQuery{IDs: ids}, investigate.Limits{})
		release()
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range ids {
			var got []string
			for _, f := range res.Nodes[i].Flags {
				got = append(got, flagLine(f))
			}
			if !slices.Equal(got, want[n]) {
				t.Errorf("%s, %s:\n got %q\nwant %q", what, n, got, want[n])
			}
		}
	}
	check("confirmed", want)
	write(t, e.s, graph.Batch{Edges: []graph.Edge{investigate.Judgement(desk, rOrg, investigate.JudgementDifferent, "analyst", "two desks", at.Add(time.Minute))}})
	want[desk] = want[desk][1:]
	want[W(41)] = want[W(41)][1:]
	check("rejected later", want)
}
