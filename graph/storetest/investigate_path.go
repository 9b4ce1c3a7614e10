package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func pathCases() []suiteCase {
	return []suiteCase{{"Paths", testPaths}}
}

// testPaths runs path queries on the money fixture (see moneyFixture)
// taken without direction over transfers: from A to X1 the simple paths
// are A-B-C-X1, A-B-D-C-X1, A-B-D-M1-F-X1 and A-B-C-D-M1-F-X1.
func testPaths(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	ctx := context.Background()
	transfers := []graph.EdgeKind{graph.EdgeTransfer}
	short, mid, long := []string{mA, mB, mC, mX1}, []string{mA, mB, mD, mC, mX1}, []string{mA, mB, mD, mM1, mF, mX1}
	back := []string{mA, mB, mC, mD, mM1, mF, mX1} // C-D against D→C's direction
	tests := []struct {
		name  string
		q     investigate.PathsQuery
		want  [][]string
		hubs  []string
		trunc bool
	}{
		{"shortest", investigate.PathsQuery{}, [][]string{short}, nil, false},
		{"k shortest", investigate.PathsQuery{Limit: 5}, [][]string{short, mid, long, back}, nil, false},
		{"all simple", investigate.PathsQuery{All: true, Limit: 5}, [][]string{short, mid, long, back}, nil, false},
		{"all simple, cut", investigate.PathsQuery{All: true, Limit: 2}, [][]string{short, mid}, nil, true},
		{"hop bound", investigate.PathsQuery{Limit: 5, MaxHops: 4}, [][]string{short, mid}, nil, false},
		{"directed", investigate.PathsQuery{Limit: 5, Direction: graph.Out}, [][]string{short, mid, long}, nil, false},
		{"stop at services", investigate.PathsQuery{Limit: 5, Services: investigate.ServicesStop}, [][]string{short, mid}, nil, false},
		{"since hour 1", investigate.PathsQuery{Limit: 5, Since: mT0.Add(3600e9).Unix()}, [][]string{short, long}, nil, false},
		{"until hour 7", investigate.PathsQuery{Limit: 5, Until: mT0.Add(7 * 3600e9).Unix()}, [][]string{short, mid}, nil, false},
		{"min amount", investigate.PathsQuery{Limit: 5, MinValue: 100}, [][]string{long}, nil, false},
		{"avoid services", investigate.PathsQuery{Limit: 5, Services: investigate.ServicesAvoid}, [][]string{short, mid}, nil, false},
		{"hub skipped", investigate.PathsQuery{HubDegree: 3}, nil, []string{mB}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.From, q.To, q.Kinds = mA, mX1, transfers
			res, err := investigate.Paths(ctx, topology(t, e), q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, p := range res.Paths {
				got = append(got, nodeIDs(p.Nodes))
				if len(p.Edges) != len(p.Nodes)-1 {
					t.Errorf("%d edges for %d nodes", len(p.Edges), len(p.Nodes))
				}
				for i, ed := range p.Edges {
					if ed.Other(p.Nodes[i].ID) != p.Nodes[i+1].ID {
						t.Errorf("edge %s does not join %s and %s", ed.ID, p.Nodes[i].ID, p.Nodes[i+1].ID)
					}
				}
			}
			checkCauses(t, res.Truncation)
			if !slices.EqualFunc(got, tt.want, slices.Equal) || !slices.Equal(res.SkippedHubs, tt.hubs) || res.Truncated != tt.trunc {
				t.Errorf("paths %v hubs %v truncated %v (%v), want %v %v %v", got, res.SkippedHubs, res.Truncated, res.Reasons, tt.want, tt.hubs, tt.trunc)
			}
		})
	}
	_, err := investigate.Paths(ctx, topology(t, e), investigate.PathsQuery{From: mA, To: W(999)}, investigate.Limits{})
	wantCode(t, "unknown end", err, graph.CodeNotFound)
	_, err = investigate.Paths(ctx, topology(t, e), investigate.PathsQuery{From: mA, To: mB, Services: "SOMETIMES"}, investigate.Limits{})
	wantCode(t, "bad policy", err, graph.CodeInvalid)
}
