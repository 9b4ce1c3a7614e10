package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// The multi-asset fixture: wallets A, X1, Y1, G, H, C are W(31)..W(36);
// hour n is aT0 + n hours. A is the source; G (ETH) and H (BTC) are bridge
// B's wallets, crossed; X1 and Y1 are exchanges X's and Y's deposits.
//
//	A ─1h,30 ETH─▶ X1 (twice: parallel transfers of one amount)
//	A ─2h,50 ETH─▶ G ┄crossing┄ H ─3h,2 BTC─▶ C ─4h,2 BTC─▶ Y1
//	A ─6h,35 ETH─▶ Y1
//
// So X received 60 ETH and Y 35 ETH + 2 BTC. Without prices the flow ranks
// by asset: ETH first (all the sources sent), so X before Y. At 1200 USD an
// ether and 30 000 a bitcoin, X is 72 k USD and Y 102 k: Y first. The
// bridge crossing is 50 ETH in for 2 BTC out: wholly tainted either way.
var (
	aA, aX1, aY1, aG, aH, aC = W(31), W(32), W(33), W(34), W(35), W(36)
	aX, aY, aB               = "service:exchange-ax", "service:exchange-ay", "service:bridge-ab"
	aT0                      = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
)

// assetFixture prices the assets named in priced (USD an ether, a bitcoin).
func assetFixture(priced map[string]float64) graph.Batch {
	var b graph.Batch
	for i, label := range []string{"A", "X1", "Y1", "G", "H", "C"} {
		b.Nodes = append(b.Nodes, wallet(31+i, label))
	}
	b.Nodes = append(b.Nodes,
		graph.Node{Kind: graph.KindService, Key: "exchange-ax", Label: "Exchange X", Props: graph.Props{"category": "exchange"}, Sources: src("fixture")},
		graph.Node{Kind: graph.KindService, Key: "exchange-ay", Label: "Exchange Y", Props: graph.Props{"category": "exchange"}, Sources: src("fixture")},
		graph.Node{Kind: graph.KindService, Key: "bridge-ab", Label: "Bridge B", Props: graph.Props{"category": "bridge"}, Sources: src("fixture")},
	)
	tr := func(key, from, to string, hour int, amount float64, asset string) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: from, To: to, Key: key, Amount: amount, Asset: asset, ValueUSD: amount * priced[asset],
			Time: aT0.Add(time.Duration(hour) * time.Hour), Sources: src("fixture")}
	}
	b.Edges = append(b.Edges,
		graph.Edge{Kind: graph.EdgeDepositedAt, From: aX1, To: aX, Sources: src("fixture")},
		graph.Edge{Kind: graph.EdgeDepositedAt, From: aY1, To: aY, Sources: src("fixture")},
		graph.Edge{Kind: graph.EdgeControls, From: aB, To: aG, Sources: src("fixture")},
		graph.Edge{Kind: graph.EdgeControls, From: aB, To: aH, Sources: src("fixture")},
		tr("ax1", aA, aX1, 1, 30, "ETH"), tr("ax2", aA, aX1, 1, 30, "ETH"), tr("ag", aA, aG, 2, 50, "ETH"),
		tr("hc", aH, aC, 3, 2, "BTC"), tr("cy", aC, aY1, 4, 2, "BTC"), tr("ay", aA, aY1, 6, 35, "ETH"),
	)
	return b
}

func testMoneyFlowAssets(t *testing.T, e env) {
	ctx := context.Background()
	both := map[string]float64{"ETH": 1200, "BTC": 30000}
	for _, tt := range []struct {
		name      string
		priced    map[string]float64
		rankBy    investigate.RankBy
		rankAsset string
		ranked    investigate.RankBy
		sinks     []string
		delivered []string // the routes' delivered parts, in order
		summaryY  string
	}{
		{"no prices", nil, "", "", investigate.RankAsset, []string{aX, aY}, []string{"35 ETH", "30 ETH", "2 BTC"},
			"of 145 ETH sent by the sources, 35 ETH + 2 BTC reached Exchange Y (exchange) by 2 routes under HAIRCUT; no USD prices loaded"},
		{"no prices, bitcoin first", nil, investigate.RankAsset, "BTC", investigate.RankAsset, []string{aY, aX}, []string{"2 BTC", "35 ETH", "30 ETH"},
			"of 145 ETH sent by the sources, 2 BTC + 35 ETH reached Exchange Y (exchange) by 2 routes under HAIRCUT; no USD prices loaded"},
		{"bitcoin priced", map[string]float64{"BTC": 30000}, "", "", investigate.RankAsset, []string{aX, aY}, []string{"35 ETH", "30 ETH", "2 BTC"},
			"of 145 ETH sent by the sources, 35 ETH + 2 BTC reached Exchange Y (exchange) by 2 routes under HAIRCUT; no USD price for ETH"},
		{"priced", both, "", "", investigate.RankUSD, []string{aY, aX}, []string{"2 BTC", "35 ETH", "30 ETH"},
			"of USD 174 k sent by the sources, USD 102 k reached Exchange Y (exchange) by 2 routes under HAIRCUT"},
		{"priced, by asset", both, investigate.RankAsset, "", investigate.RankAsset, []string{aX, aY}, []string{"35 ETH", "30 ETH", "2 BTC"},
			"of USD 174 k sent by the sources, USD 102 k reached Exchange Y (exchange) by 2 routes under HAIRCUT"},
	} {
		// Rewriting an edge keeps the larger valueUSD, so the cases
		// price more and more, never less.
		t.Run(tt.name, func(t *testing.T) {
			write(t, e.s, assetFixture(tt.priced))
			res, err := investigate.Flow(ctx, topology(t, e), investigate.FlowQuery{From: []string{aA}, RankBy: tt.rankBy, RankAsset: tt.rankAsset}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var sinks []string
			for _, s := range res.Sinks {
				sinks = append(sinks, s.Node.ID)
			}
			if res.RankedBy != tt.ranked || !slices.Equal(sinks, tt.sinks) {
				t.Errorf("ranked by %s: sinks %v, want %s: %v", res.RankedBy, sinks, tt.ranked, tt.sinks)
			}
			checkAssetSinks(t, res, tt.priced, tt.summaryY)
			var delivered []string
			for _, r := range res.Routes {
				delivered = append(delivered, fmtPart(r.Delivered))
				checkAssetRoute(t, r, tt.priced)
			}
			if !slices.Equal(delivered, tt.delivered) || res.RouteCount != 4 {
				t.Errorf("routes deliver %v (%d found), want %v (4 found)", delivered, res.RouteCount, tt.delivered)
			}
		})
	}
}

// checkAssetSinks checks the sinks' amounts per asset and their USD
// values: known only where every part is priced.
func checkAssetSinks(t *testing.T, res investigate.FlowResult, priced map[string]float64, summaryY string) {
	t.Helper()
	want := map[string]map[string]float64{aX: {"ETH": 60}, aY: {"ETH": 35, "BTC": 2}}
	for _, s := range res.Sinks {
		if !maps.Equal(s.Reached.Amounts, want[s.Node.ID]) {
			t.Errorf("%s: amounts %v, want %v", s.Node.ID, s.Reached.Amounts, want[s.Node.ID])
		}
		usd, ok := s.Reached.USD()
		wantOK := true
		var wantUSD float64
		for a, amt := range want[s.Node.ID] {
			p, has := priced[a]
			wantOK = wantOK && has
			wantUSD += amt * p
		}
		if ok != wantOK || ok && usd != wantUSD {
			t.Errorf("%s: USD %v (%v), want %v (%v)", s.Node.ID, usd, ok, wantUSD, wantOK)
		}
		if s.Node.ID == aY && s.Summary != summaryY {
			t.Errorf("summary %q\n   want %q", s.Summary, summaryY)
		}
	}
	if sent := res.Sent.Amounts; !maps.Equal(sent, map[string]float64{"ETH": 145}) {
		t.Errorf("sent %v", sent)
	}
}

// checkAssetRoute checks a route's hops: transfers carry their asset,
// crossings no value; the parallel transfers to X1 fold into one route.
func checkAssetRoute(t *testing.T, r investigate.Route, priced map[string]float64) {
	t.Helper()
	for _, h := range r.Hops {
		switch {
		case h.Edge == nil:
			if h.Service != aB || h.Transfer != (investigate.Part{}) || h.Tainted != (investigate.Part{}) {
				t.Errorf("crossing %+v", h)
			}
		case h.Transfer.Asset != h.Edge.Asset || h.Tainted.Asset != h.Edge.Asset || h.Transfer.Priced != (priced[h.Edge.Asset] != 0):
			t.Errorf("hop %+v", h)
		}
	}
	wantAlike := 1
	if r.Sink == aX {
		wantAlike = 2
	}
	if r.Alike != wantAlike {
		t.Errorf("route to %s stands for %d alike, want %d", r.Sink, r.Alike, wantAlike)
	}
}

func fmtPart(p investigate.Part) string { return fmt.Sprintf("%g %s", p.Amount, p.Asset) }
