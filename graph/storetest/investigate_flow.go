package storetest

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// The money fixture: wallets A..F are W(11)..W(16), M1 is W(17), X1 W(18);
// hour n is t0 + n hours; values in USD.
//
//	(heist) ─STOLE─▶ A ─2h,100─▶ B ─3h,50──▶ C ─5h,50───────────────────▶ X1 ══▶ (exchange X)
//	           E ─1h,100─▶ B ─4h,150─▶ D ─6h,150─▶ M1 ─7h,150─▶ F ─8h,150─▶ X1
//	                                   D ─0h,5──▶ C        (mixer M controls M1)
//
// B mixes 100 clean (from E) with 100 stolen; C holds 5 clean before B's
// 50 arrive; D's transfer to C predates D's receipts, so no route uses it.
var (
	mA, mB, mC, mD, mE, mF, mM1, mX1 = W(11), W(12), W(13), W(14), W(15), W(16), W(17), W(18)
	mHeist, mX, mM                   = "incident:heist", "service:exchange-x", "service:mixer-m"
	mT0                              = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

func moneyFixture() graph.Batch {
	var b graph.Batch
	for i, label := range []string{"A", "B", "C", "D", "E", "F", "M1", "X1"} {
		b.Nodes = append(b.Nodes, wallet(11+i, label))
	}
	b.Nodes = append(b.Nodes,
		graph.Node{Kind: graph.KindIncident, Key: "heist", Label: "Heist", Props: graph.Props{"amountUSD": 1000.0}, Sources: src("fixture")},
		graph.Node{Kind: graph.KindService, Key: "exchange-x", Label: "Exchange X", Props: graph.Props{"category": "exchange"}, Sources: src("fixture")},
		graph.Node{Kind: graph.KindService, Key: "mixer-m", Label: "Mixer M", Props: graph.Props{"category": "mixer"}, Sources: src("fixture")},
	)
	tr := func(from, to string, hour int, usd float64) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: from, To: to, Key: "t" + from[len(from)-2:] + to[len(to)-2:],
			Amount: usd / 2000, Asset: "ETH", ValueUSD: usd, Time: mT0.Add(time.Duration(hour) * time.Hour), Sources: src("fixture")}
	}
	b.Edges = append(b.Edges,
		graph.Edge{Kind: graph.EdgeStole, From: mHeist, To: mA, Sources: src("fixture")},
		graph.Edge{Kind: graph.EdgeDepositedAt, From: mX1, To: mX, Sources: src("fixture")},
		graph.Edge{Kind: graph.EdgeControls, From: mM, To: mM1, Sources: src("fixture")},
		tr(mE, mB, 1, 100), tr(mA, mB, 2, 100), tr(mB, mC, 3, 50), tr(mB, mD, 4, 150), tr(mC, mX1, 5, 50),
		tr(mD, mM1, 6, 150), tr(mM1, mF, 7, 150), tr(mF, mX1, 8, 150), tr(mD, mC, 0, 5),
	)
	return b
}

func flowCases() []suiteCase {
	return []suiteCase{{"MoneyFlow", testMoneyFlow}, {"MoneyFlowAssets", testMoneyFlowAssets}, {"MoneyFlowInvalid", testMoneyFlowInvalid}, {"Exposure", testExposure}, {"AsOf", testAsOf}}
}

func testMoneyFlow(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	ctx := context.Background()
	tests := []struct {
		name   string
		q      investigate.FlowQuery
		value  float64 // reaching exchange X
		routes int
		hops   [][]string // the routes, most value first
	}{
		// B: 100 of 200 tainted, so half of each transfer out; C then
		// holds 25 tainted of 55, D 75 of 150.
		{"haircut", investigate.FlowQuery{From: []string{mHeist}}, 25.0/55*50 + 75, 2,
			[][]string{{mA, mB, mD, mM1, mF, mX1}, {mA, mB, mC, mX1}}},
		// B holds tainted funds, so everything it sends is tainted.
		{"poison", investigate.FlowQuery{From: []string{mA}, Taint: investigate.Poison}, 200, 2,
			[][]string{{mA, mB, mD, mM1, mF, mX1}, {mA, mB, mC, mX1}}},
		// B spends E's 100 first: C gets 50 clean, D 50 clean and 100 stolen.
		{"fifo", investigate.FlowQuery{From: []string{mHeist}, Taint: investigate.FIFO}, 100, 1,
			[][]string{{mA, mB, mD, mM1, mF, mX1}}},
		// Not following mixers: the flow stops at mixer M, which gets D's 75.
		{"stop at mixers", investigate.FlowQuery{From: []string{mHeist}, Through: []string{}}, 25.0 / 55 * 50, 1,
			[][]string{{mA, mB, mD, mM1}, {mA, mB, mC, mX1}}},
		// Three transfers reach only C's route.
		{"hops", investigate.FlowQuery{From: []string{mHeist}, MaxHops: 3}, 25.0 / 55 * 50, 1,
			[][]string{{mA, mB, mC, mX1}}},
		// Until hour 7: F's transfer to X1 is out of the window.
		{"until", investigate.FlowQuery{From: []string{mHeist}, Until: mT0.Add(7 * time.Hour).Unix()}, 25.0 / 55 * 50, 1,
			[][]string{{mA, mB, mC, mX1}}},
		// At least 100 USD: B→C and C→X1 do not count, E's 100 still does.
		{"min amount", investigate.FlowQuery{From: []string{mHeist}, MinValue: 100}, 75, 1,
			[][]string{{mA, mB, mD, mM1, mF, mX1}}},
		{"explicit sink", investigate.FlowQuery{From: []string{mA}, To: []string{mX}}, 25.0/55*50 + 75, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := topology(t, e)
			res, err := investigate.Flow(ctx, top, tt.q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Sources) != 1 || res.Sources[0].ID != mA {
				t.Errorf("sources %v", nodeIDs(res.Sources))
			}
			var s investigate.FlowSink
			for _, sk := range res.Sinks {
				switch sk.Node.ID {
				case mX:
					s = sk
				case mM: // a sink only when mixers are not followed
					if v, ok := sk.Reached.USD(); tt.q.Through == nil || !ok || v != 75 {
						t.Errorf("mixer sink: %+v", sk)
					}
				default:
					t.Errorf("unexpected sink %+v", sk)
				}
			}
			if v, ok := s.Reached.USD(); !ok || math.Abs(v-tt.value) > 1e-9 || s.Routes != tt.routes || s.Category != "exchange" || s.Wallets[0] != mX1 {
				t.Errorf("sink: value %v routes %d (want %v, %d): %+v", v, s.Routes, tt.value, tt.routes, s)
			}
			if tt.hops == nil {
				return
			}
			var got [][]string
			for _, r := range res.Routes {
				path := []string{r.Hops[0].From}
				for _, h := range r.Hops {
					if h.Edge == nil {
						t.Errorf("unexpected crossing %+v", h)
						continue
					}
					path = append(path, h.To)
				}
				got = append(got, path)
			}
			if !slices.EqualFunc(got, tt.hops, slices.Equal) {
				t.Errorf("routes %v, want %v", got, tt.hops)
			}
		})
	}
	res, err := investigate.Flow(ctx, topology(t, e), investigate.FlowQuery{From: []string{mHeist}}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stolen != 1000 || !strings.HasPrefix(res.Sinks[0].Summary, "of USD 1 k stolen, USD 97.7 reached Exchange X (exchange) by 2 routes under HAIRCUT") {
		t.Errorf("stolen %v, summary %q", res.Stolen, res.Sinks[0].Summary)
	}
}

// sinkUSD is a sink's value in USD, NaN when not known in USD.
func sinkUSD(s investigate.FlowSink) float64 {
	if v, ok := s.Reached.USD(); ok {
		return v
	}
	return math.NaN()
}

func testMoneyFlowInvalid(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		q    investigate.FlowQuery
		code graph.Code
	}{
		{"no source", investigate.FlowQuery{}, graph.CodeInvalid},
		{"unknown source", investigate.FlowQuery{From: []string{W(999)}}, graph.CodeNotFound},
		{"bad model", investigate.FlowQuery{From: []string{mA}, Taint: "LIFO"}, graph.CodeInvalid},
		{"bad ranking", investigate.FlowQuery{From: []string{mA}, RankBy: "EUR"}, graph.CodeInvalid},
		{"long rank asset", investigate.FlowQuery{From: []string{mA}, RankAsset: strings.Repeat("X", 65)}, graph.CodeInvalid},
		{"negative hops", investigate.FlowQuery{From: []string{mA}, MaxHops: -1}, graph.CodeInvalid},
		{"entity without wallets", investigate.FlowQuery{From: []string{mX}}, graph.CodeInvalid},
	} {
		_, err := investigate.Flow(ctx, topology(t, e), tt.q, investigate.Limits{})
		wantCode(t, tt.name, err, tt.code)
	}
}

func testExposure(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	ctx := context.Background()
	// B sent 50 to C and 150 to D. C passes its 50 on to X1 (exchange);
	// D its 150 to M1 (mixer), so within 2 hops: exchange 50/200,
	// mixer 150/200, and D→C (5) is D's too: D sent 155, 150 to the mixer.
	res, err := investigate.Exposure(ctx, topology(t, e), investigate.ExposureQuery{ID: mB, MaxHops: 2, Direction: graph.Out}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Received != nil || res.Sent == nil {
		t.Fatalf("sides: %+v", res)
	}
	got := map[string]float64{}
	for _, c := range res.Sent.Categories {
		got[c.Category] = c.Value
	}
	mixer := 150 * 150.0 / 155
	if res.Sent.Total != 200 || math.Abs(got["exchange"]-50) > 1e-9 || math.Abs(got["mixer"]-mixer) > 1e-9 ||
		math.Abs(res.Sent.Unattributed-(150-mixer)) > 1e-9 {
		t.Errorf("sent: total %v, shares %v, unattributed %v", res.Sent.Total, got, res.Sent.Unattributed)
	}
	if c := res.Sent.Categories[0]; c.Category != "mixer" || !slices.Equal(c.Routes[0].Nodes, []string{mB, mD, mM1}) {
		t.Errorf("top category %+v", c)
	}
	// X1 received 50 from C and 150 from F: one hop back, nothing is
	// categorised; two back, B and M1 (mixer 150).
	res, err = investigate.Exposure(ctx, topology(t, e), investigate.ExposureQuery{ID: mX1, MaxHops: 2, Direction: graph.In}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]float64{}
	for _, c := range res.Received.Categories {
		got[c.Category] = c.Value
	}
	if res.Received.Total != 200 || math.Abs(got["mixer"]-150) > 1e-9 || len(got) != 1 {
		t.Errorf("received: total %v shares %v", res.Received.Total, got)
	}
}

// testAsOf: a transfer first seen in 2030 (its source was retrieved then)
// counts in today's answers and not in answers as of 2029.
func testAsOf(t *testing.T, e env) {
	write(t, e.s, moneyFixture())
	late := graph.Edge{Kind: graph.EdgeTransfer, From: mC, To: mX1, Key: "late", Amount: 5.0 / 2000, Asset: "ETH", ValueUSD: 5,
		Time: mT0.Add(9 * time.Hour), Sources: []graph.Source{{Dataset: "later", RetrievedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	write(t, e.s, graph.Batch{Edges: []graph.Edge{late}})
	ctx := context.Background()
	asOf := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	// After C→X1 at hour 5, C holds 5 USD of which 25 - 25·50/55 tainted.
	extra := 25 - 25.0/55*50
	for _, tt := range []struct {
		asOf  int64
		value float64
		paths int
	}{{0, 25.0/55*50 + 75 + extra, 2}, {asOf, 25.0/55*50 + 75, 1}} {
		res, err := investigate.Flow(ctx, topology(t, e), investigate.FlowQuery{From: []string{mHeist}, AsOf: tt.asOf}, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Sinks) == 0 || math.Abs(sinkUSD(res.Sinks[0])-tt.value) > 1e-9 {
			t.Errorf("as of %d: sinks %+v, want value %v", tt.asOf, res.Sinks, tt.value)
		}
		// Two parallel C→X1 edges make two one-hop paths from C.
		p, err := investigate.Paths(ctx, topology(t, e), investigate.PathsQuery{From: mC, To: mX1, Limit: 5, MaxHops: 1, AsOf: tt.asOf}, investigate.Limits{})
		if err != nil || len(p.Paths) != tt.paths {
			t.Errorf("as of %d: %d one-hop paths (%v), want %d", tt.asOf, len(p.Paths), err, tt.paths)
		}
	}
}
