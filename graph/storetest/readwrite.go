package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func testRoundTripNode(t *testing.T, e env) {
	ctx := context.Background()
	n := fullNode()
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{n}})
	if counts(res) != [6]int{1, 0, 0, 0, 0, 0} {
		t.Fatalf("counts %v", counts(res))
	}
	want := prepared(t, n)
	got, err := e.s.Node(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "node", got, want)
	if got.Confidence != graph.ConfidenceAuthority || got.Marking != graph.TLPClear || len(got.Sources) != 2 {
		t.Fatalf("derived confidence %d, marking %s, %d sources", got.Confidence, got.Marking, len(got.Sources))
	}
}

func testRoundTripEdge(t *testing.T, e env) {
	ctx := context.Background()
	ed := fullEdge()
	write(t, e.s, graph.Batch{Nodes: []graph.Node{wallet(1, "from"), wallet(2, "to")}, Edges: []graph.Edge{ed}})
	want := preparedEdge(t, ed)
	got, err := e.s.Edge(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "edge", got, want)
	if got.Asset != "USDT" || got.ID != W(1)+">TRANSFER>"+W(2)+"#0xfeed:3" {
		t.Fatalf("edge normalisation: asset %q id %q", got.Asset, got.ID)
	}
}

func testIdempotent(t *testing.T, e env) {
	ctx := context.Background()
	b := flowFixture()
	first := write(t, e.s, b)
	if counts(first) != [6]int{10, 0, 0, 10, 0, 0} {
		t.Fatalf("first write counts %v", counts(first))
	}
	st1, err := e.s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := e.s.Node(ctx, fa)
	second := write(t, e.s, b)
	if counts(second) != [6]int{0, 0, 10, 0, 0, 10} {
		t.Fatalf("second write counts %v, want all unchanged", counts(second))
	}
	st2, err := e.s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "stats after rewrite", st2, st1)
	a2, _ := e.s.Node(ctx, fa)
	sameJSON(t, "node after rewrite", a2, a1)
}

func testMergeSources(t *testing.T, e env) {
	ctx := context.Background()
	a := graph.Node{Kind: graph.KindOrganization, Key: "chosun-expo", Label: "Chosun Expo",
		Sources: []graph.Source{{Dataset: "ofac", Record: "1", Confidence: graph.ConfidenceAuthority, Marking: graph.TLPAmber}}}
	b := graph.Node{Kind: graph.KindOrganization, Key: "Chosun Expo", Label: "Chosun Expo Joint Venture", Aliases: []string{"Korea Export Joint Venture"},
		Sources: []graph.Source{{Dataset: "stix", Record: "identity--1", Confidence: graph.ConfidenceForensic, Marking: graph.TLPGreen}}}
	write(t, e.s, graph.Batch{Nodes: []graph.Node{a}})
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{b}})
	if counts(res) != [6]int{0, 1, 0, 0, 0, 0} {
		t.Fatalf("counts %v, want one update", counts(res))
	}
	got, err := e.s.Node(ctx, "organization:chosun-expo")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := graph.MergeNode(prepared(t, a), prepared(t, b))
	sameJSON(t, "merged node", got, want)
	if got.Confidence != graph.ConfidenceAuthority || got.Marking != graph.TLPGreen || len(got.Sources) != 2 {
		t.Fatalf("merged confidence %d (want max 60), marking %s (want least restrictive GREEN), %d sources", got.Confidence, got.Marking, len(got.Sources))
	}
	if got.Label != a.Label || !slices.Contains(got.Aliases, b.Label) || !slices.Contains(got.Aliases, b.Aliases[0]) {
		t.Fatalf("label %q aliases %v: the label the key was made from wins, whatever the order, and the other becomes an alias", got.Label, got.Aliases)
	}
	for _, n := range []graph.Node{b, a} {
		if res := write(t, e.s, graph.Batch{Nodes: []graph.Node{n}}); counts(res) != [6]int{0, 0, 1, 0, 0, 0} {
			t.Fatalf("rewriting source %s: counts %v, want unchanged (merges are order-independent)", n.Sources[0].Dataset, counts(res))
		}
	}

	// edges merge the same way
	e1 := transfer(1, 2, "0xabc:0")
	e1.Sources = []graph.Source{{Dataset: "explorer", Confidence: graph.ConfidenceForensic, Marking: graph.TLPRed}}
	e2 := transfer(1, 2, "0xabc:0")
	e2.Amount, e2.ValueUSD = 2.5, 7000
	e2.Sources = []graph.Source{{Dataset: "blockchain-etl", Confidence: graph.ConfidenceOwnership, Marking: graph.TLPAmber}}
	write(t, e.s, graph.Batch{Nodes: []graph.Node{wallet(1, ""), wallet(2, "")}, Edges: []graph.Edge{e1}})
	if res := write(t, e.s, graph.Batch{Edges: []graph.Edge{e2}}); counts(res) != [6]int{0, 0, 0, 0, 1, 0} {
		t.Fatalf("edge merge counts %v", counts(res))
	}
	ge, err := e.s.Edge(ctx, preparedEdge(t, e1).ID)
	if err != nil {
		t.Fatal(err)
	}
	wantE, _ := graph.MergeEdge(preparedEdge(t, e1), preparedEdge(t, e2))
	sameJSON(t, "merged edge", ge, wantE)
	if ge.Confidence != graph.ConfidenceOwnership || ge.Marking != graph.TLPAmber || ge.Amount != 2.5 {
		t.Fatalf("merged edge confidence %d marking %s amount %v", ge.Confidence, ge.Marking, ge.Amount)
	}
}

func testMergeWithinBatch(t *testing.T, e env) {
	ctx := context.Background()
	a := wallet(9, "Ronin exploiter")
	a.Sources = []graph.Source{{Dataset: "ofac", Confidence: 60}}
	b := wallet(9, "Ronin bridge exploiter")
	b.Sources = []graph.Source{{Dataset: "tagpack", Confidence: 100}}
	e1, e2 := transfer(9, 9, "self"), transfer(9, 9, "self")
	e1.Sources, e2.Sources = src("x"), src("y")
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{a, b}, Edges: []graph.Edge{e1, e2}})
	if counts(res) != [6]int{1, 0, 0, 1, 0, 0} {
		t.Fatalf("counts %v: duplicates within a batch are one record", counts(res))
	}
	got, err := e.s.Node(ctx, W(9))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := graph.MergeNode(prepared(t, a), prepared(t, b))
	sameJSON(t, "node merged within batch", got, want)
	ge, err := e.s.Edge(ctx, preparedEdge(t, e1).ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ge.Sources) != 2 {
		t.Fatalf("edge merged within batch has %d sources", len(ge.Sources))
	}
}

func testRejections(t *testing.T, e env) {
	ctx := context.Background()
	const person = "person:han-ri-mun"
	y := wallet(21, "bad marking")
	y.Marking = "TLP:PURPLE"
	b := graph.Batch{
		Nodes: []graph.Node{
			wallet(20, "ok"),
			{Kind: "ALIEN", Key: "x", Sources: src("f")},
			{Kind: graph.KindWallet, Key: "eth:0x123", Sources: src("f")},
			{Kind: graph.KindPerson, Key: "Han Ri Mun", Sources: src("f")},
			y,
			{Kind: graph.KindPerson, Key: "no-sources"},
		},
		Edges: []graph.Edge{
			{Kind: graph.EdgeTransfer, From: W(20), To: person, Sources: src("f")}, // person cannot receive a transfer
			{Kind: graph.EdgeControls, From: person, To: W(20), Sources: src("f")}, // ok, both nodes in this batch
			transfer(20, 22, "dangling"), // W(22) exists nowhere
			{Kind: graph.EdgeUses, From: person, To: "identifier:email:ghost@example.com"}, // no sources
			{Kind: graph.EdgeUses, From: person, To: "identifier:email:ghost@example.com", Sources: src("f")},
			transfer(20, 21, "to-rejected"), // W(21) was rejected above
		},
	}
	res, err := e.s.Write(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != [6]int{2, 0, 0, 1, 0, 0} {
		t.Fatalf("counts %v, want the 2 valid nodes and 1 valid edge written", counts(res))
	}
	type rej struct {
		edge  bool
		index int
	}
	want := map[rej]struct {
		code    graph.Code
		missing string
	}{
		{false, 1}: {graph.CodeInvalid, ""}, {false, 2}: {graph.CodeInvalid, ""}, {false, 4}: {graph.CodeInvalid, ""}, {false, 5}: {graph.CodeInvalid, ""},
		{true, 0}: {graph.CodeInvalid, ""}, {true, 2}: {graph.CodeNotFound, W(22)}, {true, 3}: {graph.CodeInvalid, ""},
		{true, 4}: {graph.CodeNotFound, "identifier:email:ghost@example.com"}, {true, 5}: {graph.CodeNotFound, W(21)},
	}
	if len(res.Rejected) != len(want) {
		t.Fatalf("%d rejections, want %d: %+v", len(res.Rejected), len(want), res.Rejected)
	}
	for _, r := range res.Rejected {
		w, ok := want[rej{r.Edge, r.Index}]
		if !ok {
			t.Fatalf("unexpected rejection %+v", r)
		}
		wantCode(t, fmt.Sprintf("rejection %+v", r), r.Err, w.code)
		if !strings.Contains(graph.ErrorMessage(r.Err), w.missing) {
			t.Fatalf("rejection %+v does not name the missing node %q", r, w.missing)
		}
		if r.Edge && w.code == graph.CodeNotFound && r.ID == "" {
			t.Fatalf("rejection %+v has no ID", r)
		}
	}
	got, err := e.s.Nodes(ctx, []string{W(20), person, W(21)})
	if err != nil {
		t.Fatal(err)
	}
	if ids := nodeIDs(got); !slices.Equal(ids, []string{W(20), person, ""}) {
		t.Fatalf("stored nodes %q", ids)
	}
	if _, err := e.s.Edge(ctx, graph.EdgeID(graph.EdgeControls, person, W(20), "")); err != nil {
		t.Fatalf("valid edge of a partly rejected batch: %v", err)
	}
	st, _ := e.s.Stats(ctx)
	if st.Nodes != 2 || st.Edges != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func testNodesOrder(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	got, err := e.s.Nodes(ctx, []string{fb, W(99), fa, fb, fSvc})
	if err != nil {
		t.Fatal(err)
	}
	if ids := nodeIDs(got); !slices.Equal(ids, []string{fb, "", fa, fb, fSvc}) || got[1] != nil {
		t.Fatalf("Nodes = %q, want ids in request order with nil for the missing one", ids)
	}
	if got, err := e.s.Nodes(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Nodes(nil) = %v, %v", got, err)
	}
}

func testNotFound(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	_, err := e.s.Node(ctx, W(99))
	wantCode(t, "missing node", err, graph.CodeNotFound)
	_, err = e.s.Edge(ctx, graph.EdgeID(graph.EdgeTransfer, fb, fa, ""))
	wantCode(t, "missing edge", err, graph.CodeNotFound)
	if n, err := e.s.Node(ctx, fGrp); err != nil || n.Label != "Lazarus Group" {
		t.Fatalf("Node(%s) = %v, %v", fGrp, n, err)
	}
}

func testStats(t *testing.T, e env) {
	ctx := context.Background()
	st, err := e.s.Stats(ctx)
	if err != nil || st.Nodes != 0 || st.Edges != 0 || len(st.NodesByKind) != 0 || len(st.EdgesByKind) != 0 {
		t.Fatalf("empty store stats %+v, %v", st, err)
	}
	write(t, e.s, flowFixture())
	st, err = e.s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := graph.Stats{
		Nodes: 10, Edges: 10,
		NodesByKind: map[graph.NodeKind]int64{graph.KindWallet: 8, graph.KindService: 1, graph.KindThreatGroup: 1},
		EdgesByKind: map[graph.EdgeKind]int64{graph.EdgeTransfer: 8, graph.EdgeDepositedAt: 1, graph.EdgeAttributedTo: 1},
	}
	sameJSON(t, "stats", st, want)
}
