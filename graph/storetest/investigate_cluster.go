package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// The UTXO fixture: wallets C1..C9 are W(21)..W(29), transactions tx1..tx3.
//
//	C1 ─┐         ┌─▶ C3 (appears only here: one-time change)
//	    ├─▶ tx1 ──┤
//	C2 ─┤         └─▶ C9 ◀── tx3 ◀── C5
//	    └─▶ tx2 ◀── C4 ◀─CONTROLS─ (acme, confidence 60)
//
//	C4 ─TRANSFER 10─▶ C6        C7 ─TRANSFER 5─▶ C1
var (
	c1, c2, c3, c4, c5, c6, c7, c9 = W(21), W(22), W(23), W(24), W(25), W(26), W(27), W(29)
	tx1, tx2, tx3                  = txID(1), txID(2), txID(3)
	acme                           = "organization:acme"
)

func txID(n int) string { return fmt.Sprintf("transaction:btc:%064x", n) }

func utxoFixture() graph.Batch {
	var b graph.Batch
	for _, n := range []int{21, 22, 23, 24, 25, 26, 27, 29} {
		b.Nodes = append(b.Nodes, wallet(n, ""))
	}
	for n := 1; n <= 3; n++ {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindTransaction, Key: fmt.Sprintf("btc:%064x", n), Sources: src("fixture")})
	}
	b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindOrganization, Key: "acme", Label: "Acme", Sources: src("fixture")})
	edge := func(kind graph.EdgeKind, from, to string) graph.Edge {
		return graph.Edge{Kind: kind, From: from, To: to, Sources: src("fixture")}
	}
	ctl := edge(graph.EdgeControls, acme, c4)
	ctl.Sources[0].Confidence = 60
	b.Edges = append(b.Edges,
		edge(graph.EdgeInput, c1, tx1), edge(graph.EdgeInput, c2, tx1), edge(graph.EdgeOutput, tx1, c3), edge(graph.EdgeOutput, tx1, c9),
		edge(graph.EdgeInput, c2, tx2), edge(graph.EdgeInput, c4, tx2),
		edge(graph.EdgeInput, c5, tx3), edge(graph.EdgeOutput, tx3, c9),
		ctl,
		graph.Edge{Kind: graph.EdgeTransfer, From: c4, To: c6, Key: "t46", ValueUSD: 10, Time: mT0, Sources: src("fixture")},
		graph.Edge{Kind: graph.EdgeTransfer, From: c7, To: c1, Key: "t71", ValueUSD: 5, Time: mT0.Add(3600e9), Sources: src("fixture")},
	)
	return b
}

func clusterCases() []suiteCase { return []suiteCase{{"AddressCluster", testAddressCluster}} }

func testAddressCluster(t *testing.T, e env) {
	write(t, e.s, utxoFixture())
	ctx := context.Background()
	member := func(id string, hops int, via, partner string, h investigate.Heuristic) investigate.ClusterMember {
		return investigate.ClusterMember{ID: id, Hops: hops, Via: via, Partner: partner, Heuristic: h}
	}
	coSpend := []investigate.ClusterMember{
		{ID: c1}, member(c2, 1, tx1, c1, investigate.CoSpend), member(c4, 2, tx2, c2, investigate.CoSpend),
	}
	for _, tt := range []struct {
		name string
		q    investigate.ClusterQuery
		want []investigate.ClusterMember
	}{
		{"co-spend", investigate.ClusterQuery{ID: c1}, coSpend},
		{"from the far end", investigate.ClusterQuery{ID: c4}, []investigate.ClusterMember{
			{ID: c4}, member(c2, 1, tx2, c4, investigate.CoSpend), member(c1, 2, tx1, c2, investigate.CoSpend)}},
		{"with change", investigate.ClusterQuery{ID: c1, Heuristics: []investigate.Heuristic{investigate.CoSpend, investigate.OneTimeChange}}, []investigate.ClusterMember{
			{ID: c1}, member(c2, 1, tx1, c1, investigate.CoSpend), member(c3, 1, tx1, c1, investigate.OneTimeChange), member(c4, 2, tx2, c2, investigate.CoSpend)}},
		{"alone", investigate.ClusterQuery{ID: c5}, []investigate.ClusterMember{{ID: c5}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := investigate.Cluster(ctx, topology(t, e), tt.q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Members, tt.want) {
				t.Errorf("members %+v, want %+v", res.Members, tt.want)
			}
		})
	}
	res, err := investigate.Cluster(ctx, topology(t, e), investigate.ClusterQuery{ID: c1}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Received != 5 || res.Sent != 10 || res.First != mT0.Unix() || res.Last != mT0.Unix()+3600 {
		t.Errorf("totals: received %v sent %v first %v last %v", res.Received, res.Sent, res.First, res.Last)
	}
	if len(res.Attributions) != 1 || res.Attributions[0].Entity.ID != acme || res.Attributions[0].Wallet != c4 || res.Attributions[0].Confidence != 60 {
		t.Errorf("attributions %+v", res.Attributions)
	}
	if len(res.Counterparties) != 2 || res.Counterparties[0].ID != c6 || res.Counterparties[0].Received != 10 || res.Counterparties[1].Sent != 5 {
		t.Errorf("counterparties %+v", res.Counterparties)
	}
	res, err = investigate.Cluster(ctx, topology(t, e), investigate.ClusterQuery{ID: c1, MaxMembers: 2}, investigate.Limits{})
	if err != nil || len(res.Members) != 2 || !res.Truncated {
		t.Errorf("capped: %+v, %v", res, err)
	}
	_, err = investigate.Cluster(ctx, topology(t, e), investigate.ClusterQuery{ID: acme}, investigate.Limits{})
	wantCode(t, "not a wallet", err, graph.CodeInvalid)
	_, err = investigate.Cluster(ctx, topology(t, e), investigate.ClusterQuery{ID: c1, Heuristics: []investigate.Heuristic{"PEEL"}}, investigate.Limits{})
	wantCode(t, "bad heuristic", err, graph.CodeInvalid)
}
