package storetest

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func communityCases() []suiteCase {
	return []suiteCase{
		{"Communities", testCommunities},
		{"CommunitiesInvalid", testCommunitiesInvalid},
	}
}

// Node IDs of the community fixture.
var (
	cmA1, cmA2, cmA3, cmA4 = W(0x201), W(0x202), W(0x203), W(0x204)
	cmB1, cmB2, cmB3, cmB4 = W(0x205), W(0x206), W(0x207), W(0x208)
	cmI, cmJ, cmL          = W(0x209), W(0x20a), W(0x20b)

	cmCliqueA = []string{cmA1, cmA2, cmA3, cmA4}
	cmCliqueB = []string{cmB1, cmB2, cmB3, cmB4}
)

// communityLate is when the fixture's late facts were first seen;
// communityCut is an as-of date before it.
var (
	communityLate = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	communityCut  = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// communityFixture is two 4-cliques of transfers joined by one transfer
// a4 → b1 and one ASSOCIATED_WITH a1 ┄ b1, two isolated wallets i and j,
// and two facts first seen in June 2024: the wallet l (with a transfer
// l → a1) and the transfer b4 → i. Wallets are W(0x201)… in the order
// a1 a2 a3 a4 b1 b2 b3 b4 i j l, which is also their ID order.
//
//	l ····▶ a1 ───── a2           b1 ───── b2
//	 (late) │ ╲   ╱ │      ┌───▶ │ ╲   ╱ │
//	        │   ╳   │      │ ┄┄┄ │   ╳   │       j
//	        │ ╱   ╲ │      │     │ ╱   ╲ │
//	       a3 ───── a4 ────┘     b3 ───── b4 ····▶ i
//	                                        (late)
//
// Every clique edge runs from the lesser to the greater wallet; a1 ┄ b1
// is the ASSOCIATED_WITH edge.
func communityFixture() graph.Batch {
	var b graph.Batch
	for n := 0x201; n <= 0x20a; n++ {
		b.Nodes = append(b.Nodes, wallet(n, ""))
	}
	late := wallet(0x20b, "late")
	late.Sources = []graph.Source{{Dataset: "fixture", RetrievedAt: communityLate}}
	b.Nodes = append(b.Nodes, late)
	for _, base := range []int{0x201, 0x205} {
		for x := range 4 {
			for y := x + 1; y < 4; y++ {
				b.Edges = append(b.Edges, transfer(base+x, base+y, "clique"))
			}
		}
	}
	lateEdge := transfer(0x208, 0x209, "late")
	lateEdge.Sources = []graph.Source{{Dataset: "fixture", RetrievedAt: communityLate}}
	b.Edges = append(b.Edges, transfer(0x204, 0x205, "bridge"), lateEdge, transfer(0x20b, 0x201, "from-late"),
		graph.Edge{Kind: graph.EdgeAssociatedWith, From: cmA1, To: cmB1, Props: graph.Props{"relation": "same operator"}, Sources: src("fixture")})
	return b
}

func testCommunities(t *testing.T, e env) {
	write(t, e.s, communityFixture())
	transfers := []graph.EdgeKind{graph.EdgeTransfer}
	cliques := append(slices.Clone(cmCliqueA), cmCliqueB...)
	// Hand calculation, transfers only: m = 6+6+1 = 13; each clique holds
	// 6 edges and degree 3+3+3+4 = 13, so Q = 2·(6/13 − (13/26)²) = 11/26.
	// With the ASSOCIATED_WITH edge too: m = 14, each clique's degree 14,
	// Q = 2·(6/14 − (14/28)²) = 5/14. Louvain finds the cliques either way
	// (moving b1 to a's side gives Q = 11/14 − (19²+9²)/28² ≈ 0.22).
	commA := func(internal, degree int) investigate.Community {
		return investigate.Community{ID: 0, Members: cmCliqueA, InternalEdges: internal, TotalDegree: degree}
	}
	commB := func(internal, degree int) investigate.Community {
		return investigate.Community{ID: 1, Members: cmCliqueB, InternalEdges: internal, TotalDegree: degree}
	}
	alone := func(id int, n string) investigate.Community {
		return investigate.Community{ID: id, Members: []string{n}}
	}
	tests := []struct {
		name       string
		q          investigate.CommunitiesQuery
		l          investigate.Limits
		components [][]string
		comms      []investigate.Community // nil: not checked
		modularity float64
		hidden     []string
		truncated  bool
	}{
		{"two communities", investigate.CommunitiesQuery{IDs: cliques, Kinds: transfers},
			investigate.Limits{}, [][]string{cliques},
			[]investigate.Community{commA(6, 13), commB(6, 13)}, 11.0 / 26, nil, false},
		{"every edge kind", investigate.CommunitiesQuery{IDs: cliques},
			investigate.Limits{}, [][]string{cliques},
			[]investigate.Community{commA(6, 14), commB(6, 14)}, 5.0 / 14, nil, false},
		{"IDs in any order, repeated", investigate.CommunitiesQuery{IDs: []string{cmB4, cmA1, cmB1, cmA3, cmB2, cmA2, cmB3, cmA4, cmA1}, Kinds: transfers},
			investigate.Limits{}, [][]string{cliques},
			[]investigate.Community{commA(6, 13), commB(6, 13)}, 11.0 / 26, nil, false},
		// Only edges among the given nodes count: a4 and b1 are left out,
		// so the bridge goes and each triangle is its own component.
		// m = 6, Q = 2·(3/6 − (6/12)²) = 1/2.
		{"induced subgraph", investigate.CommunitiesQuery{IDs: []string{cmA1, cmA2, cmA3, cmB2, cmB3, cmB4}, Kinds: transfers},
			investigate.Limits{}, [][]string{{cmA1, cmA2, cmA3}, {cmB2, cmB3, cmB4}},
			[]investigate.Community{{ID: 0, Members: []string{cmA1, cmA2, cmA3}, InternalEdges: 3, TotalDegree: 6},
				{ID: 1, Members: []string{cmB2, cmB3, cmB4}, InternalEdges: 3, TotalDegree: 6}}, 0.5, nil, false},
		// j has no edge: a component and a community of its own, adding
		// nothing to Q.
		{"isolated node", investigate.CommunitiesQuery{IDs: append(slices.Clone(cliques), cmJ), Kinds: transfers},
			investigate.Limits{}, [][]string{cliques, {cmJ}},
			[]investigate.Community{commA(6, 13), commB(6, 13), alone(2, cmJ)}, 11.0 / 26, nil, false},
		// As of 2024-01-01 the wallet l and the transfer b4 → i are not
		// known yet: l is hidden, i isolated.
		{"as of hides a node and an edge", investigate.CommunitiesQuery{IDs: append(slices.Clone(cliques), cmI, cmJ, cmL), Kinds: transfers, AsOf: communityCut},
			investigate.Limits{}, [][]string{cliques, {cmI}, {cmJ}},
			[]investigate.Community{commA(6, 13), commB(6, 13), alone(2, cmI), alone(3, cmJ)}, 11.0 / 26, []string{cmL}, false},
		{"without as of", investigate.CommunitiesQuery{IDs: append(slices.Clone(cliques), cmI, cmJ, cmL), Kinds: transfers},
			investigate.Limits{}, [][]string{append(slices.Clone(cliques), cmI, cmL), {cmJ}},
			nil, 0, nil, false},
		// The 4 least IDs are clique a: one community holding all m = 6
		// edges, Q = 6/6 − (12/12)² = 0.
		{"truncated at MaxSubgraph", investigate.CommunitiesQuery{IDs: reversedIDs(cliques), Kinds: transfers},
			investigate.Limits{MaxSubgraph: 4}, [][]string{cmCliqueA},
			[]investigate.Community{commA(6, 12)}, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := investigate.Communities(context.Background(), topology(t, e), tt.q, tt.l)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "components", res.Components, tt.components)
			sameJSON(t, "hidden", res.Hidden, tt.hidden)
			if res.Truncated != tt.truncated || res.Truncated != (len(res.Reasons) > 0) {
				t.Fatalf("truncated %v %q, want %v", res.Truncated, res.Reasons, tt.truncated)
			}
			if tt.comms == nil {
				return
			}
			sameJSON(t, "communities", res.Communities, tt.comms)
			if math.Abs(res.Modularity-tt.modularity) > 1e-12 {
				t.Fatalf("modularity %v, want %v", res.Modularity, tt.modularity)
			}
		})
	}
}

func testCommunitiesInvalid(t *testing.T, e env) {
	write(t, e.s, communityFixture())
	ctx := context.Background()
	_, err := investigate.Communities(ctx, topology(t, e), investigate.CommunitiesQuery{IDs: []string{cmA1, W(0x2ff)}}, investigate.Limits{})
	wantCode(t, "unknown node", err, graph.CodeNotFound)
	for name, q := range map[string]investigate.CommunitiesQuery{
		"no nodes":            {},
		"unknown edge kind":   {IDs: []string{cmA1}, Kinds: []graph.EdgeKind{"OWES"}},
		"negative resolution": {IDs: []string{cmA1}, Resolution: -1},
	} {
		_, err := investigate.Communities(ctx, topology(t, e), q, investigate.Limits{})
		wantCode(t, name, err, graph.CodeInvalid)
	}
}

func reversedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}
