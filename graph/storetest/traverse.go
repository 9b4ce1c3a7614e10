package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func testNeighbors(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	tests := []struct {
		name      string
		q         graph.NeighborQuery
		nodes     []string // start, then by distance, then by ID
		edges     []string // by ID
		truncated bool
	}{
		{"out depth 1", graph.NeighborQuery{ID: fa, Depth: 1, Direction: graph.Out},
			[]string{fa, fGrp, fb, fc}, []string{eAG, eAB1, eAB2, eAC}, false},
		{"depth 0 means 1", graph.NeighborQuery{ID: fa, Direction: graph.Out},
			[]string{fa, fGrp, fb, fc}, []string{eAG, eAB1, eAB2, eAC}, false},
		{"in depth 1", graph.NeighborQuery{ID: fa, Depth: 1, Direction: graph.In},
			[]string{fa, ff}, []string{eFA}, false},
		{"both depth 1", graph.NeighborQuery{ID: fa, Depth: 1, Direction: graph.Both},
			[]string{fa, fGrp, fb, fc, ff}, []string{eAG, eAB1, eAB2, eAC, eFA}, false},
		{"empty direction means both", graph.NeighborQuery{ID: fa, Depth: 1},
			[]string{fa, fGrp, fb, fc, ff}, []string{eAG, eAB1, eAB2, eAC, eFA}, false},
		{"out depth 2", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out},
			[]string{fa, fGrp, fb, fc, fd}, []string{eAG, eAB1, eAB2, eAC, eBD, eCD}, false},
		{"in depth 2", graph.NeighborQuery{ID: fe, Depth: 2, Direction: graph.In},
			[]string{fe, fd, fh, fb, fc}, []string{eBD, eCD, eDE, eHE}, false},
		{"both depth 2 leaves edges among the farthest out", graph.NeighborQuery{ID: fd, Depth: 2, Direction: graph.Both},
			[]string{fd, fb, fc, fe, fSvc, fa, fh}, []string{eAB1, eAB2, eAC, eBD, eCD, eDE, eES, eHE}, false},
		{"depth clamped to the limit of 3", graph.NeighborQuery{ID: ff, Depth: 99, Direction: graph.Out},
			[]string{ff, fa, fGrp, fb, fc, fd}, []string{eAG, eAB1, eAB2, eAC, eBD, eCD, eFA}, false},
		{"edge kind filter", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Both, EdgeKinds: []graph.EdgeKind{graph.EdgeAttributedTo}},
			[]string{fa, fGrp}, []string{eAG}, false},
		{"two kinds", graph.NeighborQuery{ID: fe, Depth: 1, Direction: graph.Both, EdgeKinds: []graph.EdgeKind{graph.EdgeDepositedAt, graph.EdgeAttributedTo}},
			[]string{fe, fSvc}, []string{eES}, false},
		{"limit cuts a level by ID", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out, Limit: 2},
			[]string{fa, fGrp, fb}, []string{eAG, eAB1, eAB2}, true},
		{"limit at a level boundary with more below", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out, Limit: 3},
			[]string{fa, fGrp, fb, fc}, []string{eAG, eAB1, eAB2, eAC}, true},
		{"limit equal to everything", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out, Limit: 4},
			[]string{fa, fGrp, fb, fc, fd}, []string{eAG, eAB1, eAB2, eAC, eBD, eCD}, false},
		{"isolated", graph.NeighborQuery{ID: fg, Depth: 3, Direction: graph.Both},
			[]string{fg}, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := e.s.Neighbors(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := nodeIDs(sub.Nodes); !slices.Equal(got, tt.nodes) {
				t.Fatalf("nodes %q\n want %q", got, tt.nodes)
			}
			if got := edgeIDs(sub.Edges); !slices.Equal(got, tt.edges) {
				t.Fatalf("edges %q\n want %q", got, tt.edges)
			}
			if sub.Truncated != tt.truncated || sub.Truncated != (sub.Reason != "") {
				t.Fatalf("truncated %v (reason %q), want %v", sub.Truncated, sub.Reason, tt.truncated)
			}
			// Every store gives the same cause: here, only the limit cuts.
			if want := causesIf(tt.truncated, graph.CauseNodeLimit); !slices.Equal(sub.Causes, want) {
				t.Fatalf("causes %v, want %v", sub.Causes, want)
			}
		})
	}
}

func testNeighborsInvalid(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	_, err := e.s.Neighbors(ctx, graph.NeighborQuery{ID: W(99)})
	wantCode(t, "unknown node", err, graph.CodeNotFound)
	for name, q := range map[string]graph.NeighborQuery{
		"direction":      {ID: fa, Direction: "SIDEWAYS"},
		"edge kind":      {ID: fa, EdgeKinds: []graph.EdgeKind{"OWES"}},
		"negative depth": {ID: fa, Depth: -1},
		"negative limit": {ID: fa, Limit: -1},
	} {
		_, err := e.s.Neighbors(ctx, q)
		wantCode(t, name, err, graph.CodeInvalid)
	}
}

func testShortestPath(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	transfers := []graph.EdgeKind{graph.EdgeTransfer}
	tests := []struct {
		name   string
		q      graph.PathQuery
		length int      // -1: no path
		nodes  []string // the canonical path, checked with CanonicalPaths
		edges  []string
	}{
		{"out", graph.PathQuery{From: fa, To: fe, Direction: graph.Out}, 3, []string{fa, fb, fd, fe}, []string{eAB1, eBD, eDE}},
		{"against the edges", graph.PathQuery{From: fe, To: fa, Direction: graph.Out}, -1, nil, nil},
		{"in", graph.PathQuery{From: fe, To: fa, Direction: graph.In}, 3, []string{fe, fd, fb, fa}, []string{eDE, eBD, eAB1}},
		{"both", graph.PathQuery{From: fe, To: fa, Direction: graph.Both}, 3, []string{fe, fd, fb, fa}, []string{eDE, eBD, eAB1}},
		{"empty direction means both", graph.PathQuery{From: fh, To: fc}, 3, []string{fh, fe, fd, fc}, []string{eHE, eDE, eCD}},
		{"only both connects", graph.PathQuery{From: fh, To: fc, Direction: graph.Out}, -1, nil, nil},
		{"five hops", graph.PathQuery{From: ff, To: fSvc, Direction: graph.Out}, 5, []string{ff, fa, fb, fd, fe, fSvc}, []string{eFA, eAB1, eBD, eDE, eES}},
		{"five hops, max 5", graph.PathQuery{From: ff, To: fSvc, Direction: graph.Out, MaxHops: 5}, 5, nil, nil},
		{"five hops, max 4", graph.PathQuery{From: ff, To: fSvc, Direction: graph.Out, MaxHops: 4}, -1, nil, nil},
		{"parallel edges: least ID", graph.PathQuery{From: fa, To: fb, Direction: graph.Out}, 1, []string{fa, fb}, []string{eAB1}},
		{"kind filter excludes", graph.PathQuery{From: fa, To: fGrp, Direction: graph.Out, EdgeKinds: transfers}, -1, nil, nil},
		{"kind filter admits", graph.PathQuery{From: fa, To: fGrp, Direction: graph.Out, EdgeKinds: []graph.EdgeKind{graph.EdgeAttributedTo}}, 1, []string{fa, fGrp}, []string{eAG}},
		{"transfers only stop before the exchange", graph.PathQuery{From: fa, To: fSvc, Direction: graph.Both, EdgeKinds: transfers}, -1, nil, nil},
		{"same node", graph.PathQuery{From: fc, To: fc, Direction: graph.Out}, 0, []string{fc}, []string{}},
		{"isolated", graph.PathQuery{From: fa, To: fg, Direction: graph.Both}, -1, nil, nil},
		// b and d have 3 edge ends each; the ends of a path never count.
		{"hubs at the limit pass", graph.PathQuery{From: fa, To: fe, Direction: graph.Out, HubDegree: 3}, 3, []string{fa, fb, fd, fe}, []string{eAB1, eBD, eDE}},
		{"a hub may end a path", graph.PathQuery{From: fb, To: fd, Direction: graph.Out, HubDegree: 1}, 1, []string{fb, fd}, []string{eBD}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.s.ShortestPath(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Truncated || p.Reason != "" {
				t.Fatalf("truncated (%q) on a small graph", p.Reason)
			}
			if tt.length < 0 {
				if len(p.Nodes) != 0 || len(p.Edges) != 0 {
					t.Fatalf("path %q, want none", nodeIDs(p.Nodes))
				}
				return
			}
			checkPath(t, p, tt.q, tt.length)
			if e.caps.CanonicalPaths && tt.nodes != nil {
				if got := nodeIDs(p.Nodes); !slices.Equal(got, tt.nodes) {
					t.Fatalf("nodes %q, want the canonical %q", got, tt.nodes)
				}
				if got := edgeIDs(p.Edges); !slices.Equal(got, tt.edges) {
					t.Fatalf("edges %q, want %q", got, tt.edges)
				}
			}
		})
	}
}

// checkPath checks what every store promises: ends, length, and that each
// edge joins its two nodes in the allowed direction with an allowed kind.
// Every way from a to e passes d (3 edge ends): above a hub degree of 2
// there is no path, and the answer says hubs may be why.
func testShortestPathHubs(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	p, err := e.s.ShortestPath(context.Background(), graph.PathQuery{From: fa, To: fe, Direction: graph.Out, HubDegree: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != 0 || !p.Truncated || !strings.Contains(p.Reason, "hubDegree") || !slices.Equal(p.Causes, []graph.Cause{graph.CauseHubSkipped}) {
		t.Fatalf("path %q truncated %v (%q, %v): want none, cut short by hubs", nodeIDs(p.Nodes), p.Truncated, p.Reason, p.Causes)
	}
	_, err = e.s.ShortestPath(context.Background(), graph.PathQuery{From: fa, To: fe, HubDegree: -1})
	wantCode(t, "negative hub degree", err, graph.CodeInvalid)
}

func checkPath(t *testing.T, p graph.Path, q graph.PathQuery, length int) {
	t.Helper()
	ids := nodeIDs(p.Nodes)
	if p.Length() != length || len(p.Nodes) != length+1 {
		t.Fatalf("path %q with %d edges, want length %d", ids, len(p.Edges), length)
	}
	if ids[0] != q.From || ids[len(ids)-1] != q.To {
		t.Fatalf("path %q does not run from %s to %s", ids, q.From, q.To)
	}
	for i, ed := range p.Edges {
		fwd := ed.From == ids[i] && ed.To == ids[i+1]
		bwd := ed.From == ids[i+1] && ed.To == ids[i]
		ok := q.Direction == graph.Out && fwd || q.Direction == graph.In && bwd || (q.Direction == graph.Both || q.Direction == "") && (fwd || bwd)
		if !ok || len(q.EdgeKinds) > 0 && !slices.Contains(q.EdgeKinds, ed.Kind) {
			t.Fatalf("edge %d (%s) does not join %s and %s as the query allows", i, ed.ID, ids[i], ids[i+1])
		}
	}
}

func testShortestPathInvalid(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	_, err := e.s.ShortestPath(ctx, graph.PathQuery{From: W(99), To: fa})
	wantCode(t, "unknown from", err, graph.CodeNotFound)
	_, err = e.s.ShortestPath(ctx, graph.PathQuery{From: fa, To: W(99)})
	wantCode(t, "unknown to", err, graph.CodeNotFound)
	for name, q := range map[string]graph.PathQuery{
		"direction":         {From: fa, To: fe, Direction: "UP"},
		"edge kind":         {From: fa, To: fe, EdgeKinds: []graph.EdgeKind{"OWES"}},
		"negative max hops": {From: fa, To: fe, MaxHops: -2},
	} {
		_, err := e.s.ShortestPath(ctx, q)
		wantCode(t, name, err, graph.CodeInvalid)
	}
}

// causesIf is []graph.Cause{c} when truncated, else none.
func causesIf(truncated bool, c graph.Cause) []graph.Cause {
	if truncated {
		return []graph.Cause{c}
	}
	return nil
}
