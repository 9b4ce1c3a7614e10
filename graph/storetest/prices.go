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

func priceCases() []suiteCase {
	return []suiteCase{
		{"PricesWrite", testPricesWrite},
		{"PricesMerge", testPricesMerge},
		{"FlowPriceTable", testFlowPriceTable},
		{"PricesList", testPricesList},
	}
}

func price(asset string, day time.Time, usd float64, dataset string) graph.Price {
	return graph.Price{Asset: asset, Day: day, USD: usd, Source: graph.Source{Dataset: dataset, Record: asset + ":" + day.Format(time.DateOnly)}}
}

func readPrices(t *testing.T, e env, keys ...graph.PriceKey) []graph.Price {
	t.Helper()
	top, release, err := e.s.Topology(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release() // the embedded store's writers wait for it
	ps, err := top.Prices(context.Background(), keys)
	if err != nil {
		t.Fatalf("Prices: %v", err)
	}
	return ps
}

func priceCounts(r graph.WriteResult) [3]int {
	return [3]int{r.PricesCreated, r.PricesUpdated, r.PricesUnchanged}
}

// testPricesWrite: prices are written, normalised, read back by key and
// idempotent; bad ones are rejected one by one, coded, naming the field;
// they are no graph records (no node counted, none found).
func testPricesWrite(t *testing.T, e env) {
	d := time.Date(2024, 2, 1, 15, 4, 5, 0, time.UTC) // any time of the day: the day is kept
	b := graph.Batch{Prices: []graph.Price{price(" eth ", d, 2300.5, "prices:t.csv"), price("XBT", d, 42000, "prices:t.csv")}}
	if got := priceCounts(write(t, e.s, b)); got != [3]int{2, 0, 0} {
		t.Fatalf("first write counts %v", got)
	}
	if got := priceCounts(write(t, e.s, b)); got != [3]int{0, 0, 2} {
		t.Fatalf("rewrite counts %v, want all unchanged", got)
	}
	day := graph.Day(d)
	got := readPrices(t, e, graph.PriceKey{Asset: "ETH", Day: day}, graph.PriceKey{Asset: "BTC", Day: day}, graph.PriceKey{Asset: "ETH", Day: day.AddDate(0, 0, 1)})
	if len(got) != 2 || got[0].Asset != "BTC" || got[0].USD != 42000 || got[1].Asset != "ETH" || got[1].USD != 2300.5 || !got[1].Day.Equal(day) {
		t.Fatalf("read back %+v", got)
	}
	if got[1].Source.Dataset != "prices:t.csv" || got[1].Source.Record != " eth :2024-02-01" {
		t.Errorf("source %+v", got[1].Source)
	}
	bad := []graph.Price{
		price("", d, 1, "x"), price("ETH", d, 0, "x"), price("ETH", d, math.NaN(), "x"), price("ETH", d, math.Inf(1), "x"),
		price("ETH", d, -3, "x"), price("ETH", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), 1, "x"), price("ETH", time.Time{}, 1, "x"),
		price("ETH", time.Now().AddDate(0, 0, 3), 1, "x"), price("USD", d, 1, "x"), price("ETH", d, 1, ""),
		price(strings.Repeat("A", 40), d, 1, "x"),
	}
	res, err := e.s.Write(context.Background(), graph.Batch{Prices: bad})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != len(bad) {
		t.Fatalf("rejected %d of %d bad prices", len(res.Rejected), len(bad))
	}
	for i, r := range res.Rejected {
		if !r.Price || r.Index != i || graph.ErrorCode(r.Err) != graph.CodeInvalid {
			t.Errorf("rejection %d: %+v", i, r)
		}
	}
	st, err := e.s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Nodes != 0 || st.Edges != 0 {
		t.Errorf("prices counted as graph records: %+v", st)
	}
	if sr, err := e.s.Search(context.Background(), graph.SearchQuery{Text: "ETH"}); err != nil || len(sr.Hits) != 0 {
		t.Errorf("search found prices: %+v %v", sr.Hits, err)
	}
}

// testPricesMerge: two sources for one asset and day keep one price by
// the merge rule, whichever is written first and whether in one batch or
// two: the more confident; at equal confidence a real one over an
// illustrative one; then the smaller dataset name.
func testPricesMerge(t *testing.T, e env) {
	d := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	conf := func(p graph.Price, c int, illus bool) graph.Price {
		p.Source.Confidence, p.Source.Illustrative = c, illus
		return p
	}
	for _, tt := range []struct {
		asset string
		a, b  graph.Price
		want  float64
	}{
		{"AAA", conf(price("AAA", d, 1, "prices:a.csv"), 50, false), conf(price("AAA", d, 2, "prices:b.csv"), 80, false), 2},
		{"BBB", conf(price("BBB", d, 1, "prices:a.csv"), 50, true), conf(price("BBB", d, 2, "prices:b.csv"), 50, false), 2},
		{"CCC", price("CCC", d, 1, "prices:b.csv"), price("CCC", d, 2, "prices:a.csv"), 2},
	} {
		key := graph.PriceKey{Asset: tt.asset, Day: d}
		// Both orders, in two writes, on assets suffixed 1 and 2; and in one batch.
		for i, order := range [][]graph.Price{{tt.a, tt.b}, {tt.b, tt.a}} {
			suffix := []string{"1", "2"}[i]
			for _, p := range order {
				p.Asset += suffix
				write(t, e.s, graph.Batch{Prices: []graph.Price{p}})
			}
			k := key
			k.Asset += suffix
			if got := readPrices(t, e, k); len(got) != 1 || got[0].USD != tt.want {
				t.Errorf("%s written %s then %s: kept %+v, want close %v", k.Asset, order[0].Source.Dataset, order[1].Source.Dataset, got, tt.want)
			}
		}
		a, b := tt.a, tt.b
		a.Asset, b.Asset = tt.asset+"3", tt.asset+"3"
		write(t, e.s, graph.Batch{Prices: []graph.Price{b, a}})
		k := key
		k.Asset += "3"
		if got := readPrices(t, e, k); len(got) != 1 || got[0].USD != tt.want {
			t.Errorf("%s in one batch: kept %+v, want close %v", k.Asset, got, tt.want)
		}
	}
}

// testFlowPriceTable: the multi-asset fixture without valueUSD, priced
// from the table instead, ranks as when the transfers carry the same
// values; a day without a close leaves its transfers unpriced and says so;
// a transfer's own valueUSD is never replaced by the table.
func testFlowPriceTable(t *testing.T, e env) {
	write(t, e.s, assetFixture(nil))
	day := graph.Day(aT0)
	write(t, e.s, graph.Batch{Prices: []graph.Price{price("ETH", day, 1200, "prices:fixture.csv"), price("BTC", day.AddDate(0, 0, 1), 30000, "prices:fixture.csv")}})
	q := investigate.FlowQuery{From: []string{aA}}
	res := flowNow(t, e, q)
	if res.Priced || res.RankedBy != investigate.RankAsset || res.PricedFromTable != 4 || len(res.Prices) != 1 {
		t.Errorf("ETH priced only: priced %v, ranked by %s, %d from the table, prices %+v", res.Priced, res.RankedBy, res.PricedFromTable, res.Prices)
	}
	if want := "4 transfers valued from the price table (prices:fixture.csv) at the close of the transfer's UTC day; no BTC close in the price table for 2024-02-01: those transfers are unpriced"; res.Valuation != want {
		t.Errorf("valuation %q\n      want %q", res.Valuation, want)
	}
	checkAssetSinks(t, res, map[string]float64{"ETH": 1200}, "of USD 174 k sent by the sources, 35 ETH + 2 BTC reached Exchange Y (exchange) by 2 routes under HAIRCUT (1 transfer valued from the price table prices:fixture.csv); no USD price for BTC")

	write(t, e.s, graph.Batch{Prices: []graph.Price{price("BTC", day, 30000, "prices:fixture.csv")}})
	res = flowNow(t, e, q)
	var sinks []string
	for _, s := range res.Sinks {
		sinks = append(sinks, s.Node.ID)
		if from := s.Reached.USDFrom(); !slices.Equal(from, []investigate.USDSource{investigate.USDFromPriceTable}) {
			t.Errorf("%s: USD from %v", s.Node.ID, from)
		}
	}
	if !res.Priced || res.RankedBy != investigate.RankUSD || !slices.Equal(sinks, []string{aY, aX}) || res.PricedFromTable != 6 || len(res.Prices) != 2 {
		t.Errorf("all priced: priced %v, ranked by %s, sinks %v, %d from the table, %d prices", res.Priced, res.RankedBy, sinks, res.PricedFromTable, len(res.Prices))
	}
	checkAssetSinks(t, res, map[string]float64{"ETH": 1200, "BTC": 30000}, "of USD 174 k sent by the sources, USD 102 k reached Exchange Y (exchange) by 2 routes under HAIRCUT (2 transfers valued from the price table prices:fixture.csv)")
	for _, r := range res.Routes {
		for _, h := range r.Hops {
			if h.Edge == nil {
				continue
			}
			p := h.Transfer.Price
			if h.Transfer.USDFrom != investigate.USDFromPriceTable || p == nil || p.Asset != h.Edge.Asset || !p.Day.Equal(day) || h.Transfer.USD != h.Edge.Amount*p.USD {
				t.Errorf("hop %s: USD %v from %s, price %+v", h.Edge.ID, h.Transfer.USD, h.Transfer.USDFrom, p)
			}
		}
	}

	// A transfer's own value stands: the table values only the others.
	own := assetFixture(map[string]float64{"BTC": 31000})
	write(t, e.s, own)
	res = flowNow(t, e, q)
	for _, s := range res.Sinks {
		if s.Node.ID == aY {
			usd, ok := s.Reached.USD()
			if !ok || usd != 35*1200+2*31000 || !slices.Equal(s.Reached.USDFrom(), []investigate.USDSource{investigate.USDFromTransfer, investigate.USDFromPriceTable}) {
				t.Errorf("Y: USD %v (%v) from %v", usd, ok, s.Reached.USDFrom())
			}
		}
	}
}

// flowNow runs a flow query and releases its view, so that the test may
// write again.
func flowNow(t *testing.T, e env, q investigate.FlowQuery) investigate.FlowResult {
	t.Helper()
	top, release, err := e.s.Topology(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	res, err := investigate.Flow(context.Background(), top, q, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// testPricesList pages through one asset's closes over a span of days.
func testPricesList(t *testing.T, e env) {
	l, ok := e.s.(graph.PriceLister)
	if !ok {
		t.Fatal("the store lists no prices (graph.PriceLister)")
	}
	d := func(n int) time.Time { return time.Date(2024, 5, n, 0, 0, 0, 0, time.UTC) }
	var b graph.Batch
	for n := 1; n <= 5; n++ {
		b.Prices = append(b.Prices, price("ETH", d(n), float64(3000+n), "prices:l.csv"), price("BTC", d(n), float64(60000+n), "prices:l.csv"))
	}
	write(t, e.s, b)
	ctx := context.Background()
	days := func(p graph.PricePage) []int {
		var out []int
		for _, x := range p.Prices {
			if x.Asset != "ETH" || x.USD != float64(3000+x.Day.Day()) {
				t.Errorf("listed %+v", x)
			}
			out = append(out, x.Day.Day())
		}
		return out
	}
	for _, tt := range []struct {
		name string
		q    graph.PriceQuery
		want []int
		more bool
	}{
		{"first page", graph.PriceQuery{Asset: "eth", From: d(2), To: d(4), Limit: 2}, []int{2, 3}, true},
		{"next page", graph.PriceQuery{Asset: "ETH", From: d(2), To: d(4), After: d(3), Limit: 2}, []int{4}, false},
		{"open span", graph.PriceQuery{Asset: "ETH", Limit: 10}, []int{1, 2, 3, 4, 5}, false},
		{"exactly a page", graph.PriceQuery{Asset: "ETH", From: d(4), Limit: 2}, []int{4, 5}, false},
		{"none", graph.PriceQuery{Asset: "USDT", Limit: 10}, nil, false},
	} {
		page, err := l.ListPrices(ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := days(page); !slices.Equal(got, tt.want) || page.HasMore != tt.more {
			t.Errorf("%s: days %v (more %v), want %v (more %v)", tt.name, got, page.HasMore, tt.want, tt.more)
		}
	}
	for _, q := range []graph.PriceQuery{{Limit: 10}, {Asset: "ETH"}, {Asset: "ETH", Limit: graph.MaxListPrices + 1}, {Asset: "ETH", From: d(3), To: d(2), Limit: 1}} {
		_, err := l.ListPrices(ctx, q)
		wantCode(t, "ListPrices", err, graph.CodeInvalid)
	}
}
