package storetest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// testNeighborhoodOfSeveral: the neighbourhood of several starts is the
// union of theirs, the starts first in ID order, Limit counted besides
// them; a missing start is NOT_FOUND.
func testNeighborhoodOfSeveral(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	ctx := context.Background()
	union := map[string]bool{}
	edges := map[string]bool{}
	for _, id := range []string{mE, mD} {
		sub, err := e.s.Neighbors(ctx, graph.NeighborQuery{ID: id, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range sub.Nodes {
			union[n.ID] = true
		}
		for _, ed := range sub.Edges {
			edges[ed.ID] = true
		}
	}
	res, err := investigate.Neighborhood(ctx, topology(t, e), investigate.NeighborhoodQuery{IDs: []string{mE, mD, mE}, Limit: 50}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := nodeIDs(res.Nodes)
	starts := []string{mD, mE}
	slices.Sort(starts)
	if !slices.Equal(got[:2], starts) {
		t.Errorf("starts %v, want %v first", got, starts)
	}
	if len(got) != len(union) {
		t.Errorf("nodes %v, want the union %v", got, union)
	}
	for _, id := range got {
		if !union[id] {
			t.Errorf("%s is in neither neighbourhood", id)
		}
	}
	// Edges among the union reached from a start: the union of both
	// subgraphs' edges plus any joining a node of one to a node of the other.
	for _, ed := range res.Edges {
		if !union[ed.From] || !union[ed.To] {
			t.Errorf("edge %s leaves the nodes", ed.ID)
		}
	}
	for id := range edges {
		if !slices.Contains(edgeIDs(res.Edges), id) {
			t.Errorf("edge %s of one neighbourhood is missing", id)
		}
	}
	res, err = investigate.Neighborhood(ctx, topology(t, e), investigate.NeighborhoodQuery{IDs: []string{mE, mD}, Limit: 1}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes) != 3 || !res.Truncated {
		t.Errorf("limit 1 over two starts: %v truncated %v, want the two starts and one more", nodeIDs(res.Nodes), res.Truncated)
	}
	_, err = investigate.Neighborhood(ctx, topology(t, e), investigate.NeighborhoodQuery{IDs: []string{mE, W(999)}}, investigate.Limits{})
	wantCode(t, "a missing start", err, graph.CodeNotFound)
}

// testTransfers pages through the transfers of wallets of the money
// fixture, with five more transfers out of B in one second (the order
// within a second is by ID), and checks every page against the store's
// own edges read one by one through Neighbors.
func testTransfers(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	tie := mT0.Add(90 * time.Minute)
	var extra graph.Batch
	for _, key := range []string{"tie-c", "tie-a", "tie-e", "tie-b", "tie-d"} {
		extra.Edges = append(extra.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: mB, To: mF, Key: key, Amount: 1, Asset: "BTC", ValueUSD: 20, Time: tie, Sources: src("fixture")})
	}
	write(t, e.s, extra)
	ctx := context.Background()
	tests := []struct {
		name    string
		wallets []string
		f       investigate.Filter
		asset   string
	}{
		{"one wallet", []string{mB}, investigate.Filter{}, ""},
		{"two wallets sharing a transfer", []string{mB, mD, mB}, investigate.Filter{}, ""},
		{"out", []string{mB, mD}, investigate.Filter{Dir: graph.Out}, ""},
		{"in", []string{mB, mD}, investigate.Filter{Dir: graph.In}, ""},
		{"window", []string{mB, mD}, investigate.Filter{Since: mT0.Add(90 * time.Minute).Unix(), Until: mT0.Add(4 * time.Hour).Unix()}, ""},
		{"at least 100 USD", []string{mB, mD}, investigate.Filter{MinValue: 100}, ""},
		{"asset", []string{mB, mD}, investigate.Filter{}, "btc"},
		{"a missing wallet adds nothing", []string{mB, W(999)}, investigate.Filter{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := transfersByHand(t, e, tt.wallets, tt.f, tt.asset)
			if len(want) == 0 {
				t.Fatal("the case selects no transfer")
			}
			for _, first := range []int{1, 2, 3, 100} {
				var got []string
				var after *investigate.TransferCursor
				for pages := 0; pages <= len(want); pages++ {
					res, err := investigate.Transfers(ctx, topology(t, e), investigate.TransfersQuery{Wallets: tt.wallets, Filter: tt.f, Asset: tt.asset, First: first, After: after})
					if err != nil {
						t.Fatal(err)
					}
					if res.Total != len(want) {
						t.Fatalf("total %d, want %d", res.Total, len(want))
					}
					got = append(got, edgeIDs(res.Edges)...)
					if !res.HasMore {
						break
					}
					after = &res.Cursors[len(res.Cursors)-1]
				}
				if !slices.Equal(got, want) {
					t.Errorf("first %d: %v\nwant %v", first, got, want)
				}
			}
		})
	}
	res, err := investigate.Transfers(ctx, topology(t, e), investigate.TransfersQuery{Wallets: []string{W(999)}, First: 10})
	if err != nil || res.Total != 0 || len(res.Edges) != 0 || res.HasMore {
		t.Errorf("a missing wallet: %+v %v, want nothing", res, err)
	}
}

// transfersByHand lists the wallets' TRANSFER edges passing the filter by
// reading each wallet's neighbourhood from the store, sorted by time (unix
// seconds) then ID.
func transfersByHand(t *testing.T, e env, wallets []string, f investigate.Filter, asset string) []string {
	t.Helper()
	type rec struct {
		sec int64
		id  string
	}
	seen := map[string]bool{}
	var recs []rec
	for _, w := range wallets {
		sub, err := e.s.Neighbors(context.Background(), graph.NeighborQuery{ID: w, Direction: cmp.Or(f.Dir, graph.Both), EdgeKinds: []graph.EdgeKind{graph.EdgeTransfer}, Limit: 1000})
		if graph.ErrorCode(err) == graph.CodeNotFound {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, ed := range sub.Edges {
			if (ed.From != w && ed.To != w) || seen[ed.ID] {
				continue
			}
			sec := int64(0)
			if !ed.Time.IsZero() {
				sec = ed.Time.Unix()
			}
			if (f.Since != 0 && sec != 0 && sec < f.Since) || (f.Until != 0 && sec != 0 && sec > f.Until) ||
				(f.MinValue > 0 && ed.ValueUSD != 0 && ed.ValueUSD < f.MinValue) || (asset != "" && !strings.EqualFold(ed.Asset, asset)) {
				continue
			}
			seen[ed.ID] = true
			recs = append(recs, rec{sec, ed.ID})
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.id, b.id)) })
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.id
	}
	return out
}
