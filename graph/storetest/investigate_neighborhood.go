package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func neighborhoodCases() []suiteCase {
	return []suiteCase{{"Neighborhood", testNeighborhood}, {"NeighborhoodOfSeveral", testNeighborhoodOfSeveral}, {"Transfers", testTransfers}}
}

// testNeighborhood runs filtered expansions on the money fixture (see
// moneyFixture): B receives from E (hour 1, 100 USD) and A (hour 2, 100)
// and sends to C (hour 3, 50) and D (hour 4, 150).
func testNeighborhood(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	ctx := context.Background()
	hour := func(n int) int64 { return mT0.Add(time.Duration(n) * time.Hour).Unix() }
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

	// Without a filter the engine answers as the store's own Neighbors.
	for _, q := range []graph.NeighborQuery{{ID: mB, Depth: 1, Limit: 50}, {ID: mB, Depth: 2, Limit: 50}, {ID: mB, Depth: 2, Limit: 3}, {ID: mX1, Depth: 3, Limit: 50, Direction: graph.Out}} {
		want, err := e.s.Neighbors(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := investigate.Neighborhood(ctx, topology(t, e), investigate.NeighborhoodQuery{ID: q.ID, Depth: q.Depth, Limit: q.Limit, Filter: investigate.Filter{Dir: q.Direction}}, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(nodeIDs(got.Nodes), nodeIDs(want.Nodes)) || !slices.Equal(edgeIDs(got.Edges), edgeIDs(want.Edges)) || got.Truncated != want.Truncated {
			t.Errorf("%+v: engine %v %v %v, store %v %v %v", q, nodeIDs(got.Nodes), edgeIDs(got.Edges), got.Truncated,
				nodeIDs(want.Nodes), edgeIDs(want.Edges), want.Truncated)
		}
	}

	tests := []struct {
		name  string
		q     investigate.NeighborhoodQuery
		nodes []string
		edges int
		trunc bool
	}{
		{"out since hour 4", investigate.NeighborhoodQuery{ID: mB, Filter: investigate.Filter{Dir: graph.Out, Since: hour(4)}}, []string{mB, mD}, 1, false},
		{"in until hour 1", investigate.NeighborhoodQuery{ID: mB, Filter: investigate.Filter{Dir: graph.In, Until: hour(1)}}, []string{mB, mE}, 1, false},
		{"at least 100 USD", investigate.NeighborhoodQuery{ID: mB, Filter: investigate.Filter{MinValue: 100}}, append([]string{mB}, sorted(mA, mD, mE)...), 3, false},
		{"transfers only, two hops out", investigate.NeighborhoodQuery{ID: mD, Depth: 2, Filter: investigate.Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeTransfer}}},
			append([]string{mD}, append(sorted(mC, mM1), sorted(mF, mX1)...)...), 4, false},
		{"services only", investigate.NeighborhoodQuery{ID: mX1, Depth: 2, NodeKinds: []graph.NodeKind{graph.KindService}}, []string{mX1, mX}, 1, false},
		{"limit", investigate.NeighborhoodQuery{ID: mB, Limit: 2}, append([]string{mB}, sorted(mA, mC, mD, mE)[:2]...), 2, true},
		{"edge limit", investigate.NeighborhoodQuery{ID: mB, MaxEdges: 1}, append([]string{mB}, sorted(mA, mC, mD, mE)...), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := investigate.Neighborhood(ctx, topology(t, e), tt.q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(nodeIDs(res.Nodes), tt.nodes) || len(res.Edges) != tt.edges || res.Truncated != tt.trunc {
				t.Errorf("nodes %v, %d edges %v, truncated %v %v; want %v, %d edges, truncated %v",
					nodeIDs(res.Nodes), len(res.Edges), edgeIDs(res.Edges), res.Truncated, res.Reasons, tt.nodes, tt.edges, tt.trunc)
			}
			in := map[string]bool{}
			for _, id := range tt.nodes {
				in[id] = true
			}
			for _, ed := range res.Edges {
				if !in[ed.From] || !in[ed.To] {
					t.Errorf("edge %s leaves the returned nodes", ed.ID)
				}
			}
		})
	}
	_, err := investigate.Neighborhood(ctx, topology(t, e), investigate.NeighborhoodQuery{ID: W(999)}, investigate.Limits{})
	wantCode(t, "unknown node", err, graph.CodeNotFound)
}
