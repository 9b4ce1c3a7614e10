package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func nearestCases() []suiteCase {
	return []suiteCase{{"Nearest", testNearest}}
}

// Node IDs of the nearest fixture.
const (
	nGroup = "threat_group:nearest-group"
	nOther = "threat_group:other-group"
	nSvc   = "service:nearest-exchange"
	nS1    = "sanction:nearest-1"
	nS2    = "sanction:nearest-2"
)

// nearestFixture: a group with a wallet attributed to it that paid two
// wallets, each sanctioned under another program, one of them also a
// deposit address of an exchange; both paid a fourth wallet attributed to
// another group:
//
//	(nearest-group) ┆ W1 ──▶ W2 ──▶ W4 ┆ (other-group)
//	                   │      ║      ▲
//	                   │      ╚═▶ exchange
//	                   └───▶ W3 ───┘
//	W2 ─▷ sanction 2 (DPRK3)   W3 ─▷ sanction 1 (CYBER2)
//
//	──▶ TRANSFER  ══▶ DEPOSITED_AT  ┆ ATTRIBUTED_TO  ─▷ SANCTIONED_BY
func nearestFixture() graph.Batch {
	sanction := func(key string, programs ...any) graph.Node {
		return graph.Node{Kind: graph.KindSanction, Key: key, Label: key, Props: graph.Props{"programs": programs}, Sources: src("fixture")}
	}
	b := graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindThreatGroup, Key: "nearest-group", Label: "Nearest Group", Sources: src("fixture")},
			{Kind: graph.KindThreatGroup, Key: "other-group", Label: "Other Group", Sources: src("fixture")},
			{Kind: graph.KindService, Key: "nearest-exchange", Label: "Exchange", Props: graph.Props{"category": "exchange"}, Sources: src("fixture")},
			sanction("nearest-1", "CYBER2"), sanction("nearest-2", "DPRK3", "CYBER2"),
			wallet(1, "w1"), wallet(2, "w2"), wallet(3, "w3"), wallet(4, "w4"),
		},
		Edges: []graph.Edge{
			transfer(1, 2, "n12"), transfer(1, 3, "n13"), transfer(2, 4, "n24"), transfer(3, 4, "n34"),
			{Kind: graph.EdgeAttributedTo, From: W(1), To: nGroup, Sources: src("fixture")},
			{Kind: graph.EdgeAttributedTo, From: W(4), To: nOther, Sources: src("fixture")},
			{Kind: graph.EdgeDepositedAt, From: W(2), To: nSvc, Sources: src("fixture")},
			{Kind: graph.EdgeSanctionedBy, From: W(3), To: nS1, Sources: src("fixture")},
			{Kind: graph.EdgeSanctionedBy, From: W(2), To: nS2, Sources: src("fixture")},
		},
	}
	return b
}

// testNearest checks nearest-of-a-kind answers: which matches, in which
// order, over which canonical path, within which bounds.
func testNearest(t *testing.T, e env) {
	write(t, e.s, nearestFixture())
	ctx := context.Background()
	tests := []struct {
		name  string
		q     investigate.NearestQuery
		want  [][]string
		hubs  []string
		trunc bool
	}{
		{"sanctioned", investigate.NearestQuery{From: nGroup, Target: investigate.NearestTarget{Sanctioned: true}},
			[][]string{{nGroup, W(1), W(3), nS1}}, nil, true},
		{"sanctioned, two", investigate.NearestQuery{From: nGroup, Limit: 2, Target: investigate.NearestTarget{Sanctioned: true}},
			[][]string{{nGroup, W(1), W(3), nS1}, {nGroup, W(1), W(2), nS2}}, nil, false},
		{"program", investigate.NearestQuery{From: W(4), Limit: 5, Target: investigate.NearestTarget{Program: "cyber2"}},
			[][]string{{W(4), W(3), nS1}, {W(4), W(2), nS2}}, nil, false},
		{"program, one of two", investigate.NearestQuery{From: W(4), Limit: 5, Target: investigate.NearestTarget{Program: "DPRK3"}},
			[][]string{{W(4), W(2), nS2}}, nil, false},
		{"edge kinds keep the evidence", investigate.NearestQuery{From: W(1), Kinds: []graph.EdgeKind{graph.EdgeTransfer}, Target: investigate.NearestTarget{Sanctioned: true}, Limit: 3},
			[][]string{{W(1), W(3), nS1}, {W(1), W(2), nS2}}, nil, false},
		{"category", investigate.NearestQuery{From: nGroup, Limit: 2, Target: investigate.NearestTarget{Category: "Exchange"}},
			[][]string{{nGroup, W(1), W(2)}}, nil, false},
		{"kind", investigate.NearestQuery{From: nGroup, Target: investigate.NearestTarget{Kind: graph.KindService}},
			[][]string{{nGroup, W(1), W(2), nSvc}}, nil, false},
		{"any group", investigate.NearestQuery{From: W(3), Limit: 5, Target: investigate.NearestTarget{Attributed: true}},
			[][]string{{W(3), W(1), nGroup}, {W(3), W(4), nOther}}, nil, false},
		{"one group", investigate.NearestQuery{From: W(2), Target: investigate.NearestTarget{ThreatGroup: nOther}},
			[][]string{{W(2), W(4), nOther}}, nil, false},
		{"directed", investigate.NearestQuery{From: W(1), Direction: graph.Out, Target: investigate.NearestTarget{ThreatGroup: nOther}},
			[][]string{{W(1), W(2), W(4), nOther}}, nil, false},
		{"hop bound", investigate.NearestQuery{From: nGroup, MaxHops: 2, Target: investigate.NearestTarget{Sanctioned: true}},
			nil, nil, false},
		{"hub skipped", investigate.NearestQuery{From: nGroup, HubDegree: 2, Target: investigate.NearestTarget{Sanctioned: true}},
			nil, []string{W(1)}, true},
		{"cut at the limit", investigate.NearestQuery{From: W(4), Limit: 1, Target: investigate.NearestTarget{Program: "CYBER2"}},
			[][]string{{W(4), W(3), nS1}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := investigate.Nearest(ctx, topology(t, e), tt.q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, p := range res.Paths {
				got = append(got, nodeIDs(p.Nodes))
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
	bad := []struct {
		name string
		q    investigate.NearestQuery
		code graph.Code
	}{
		{"no target", investigate.NearestQuery{From: nGroup}, graph.CodeInvalid},
		{"two targets", investigate.NearestQuery{From: nGroup, Target: investigate.NearestTarget{Sanctioned: true, Kind: graph.KindWallet}}, graph.CodeInvalid},
		{"bad kind", investigate.NearestQuery{From: nGroup, Target: investigate.NearestTarget{Kind: "DRAGON"}}, graph.CodeInvalid},
		{"evidence against the direction", investigate.NearestQuery{From: nGroup, Direction: graph.In, Target: investigate.NearestTarget{Sanctioned: true}}, graph.CodeInvalid},
		{"unknown start", investigate.NearestQuery{From: W(999), Target: investigate.NearestTarget{Sanctioned: true}}, graph.CodeNotFound},
	}
	for _, tt := range bad {
		_, err := investigate.Nearest(ctx, topology(t, e), tt.q, investigate.Limits{})
		wantCode(t, tt.name, err, tt.code)
	}
}
