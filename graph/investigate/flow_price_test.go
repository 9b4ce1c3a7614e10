package investigate

import (
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// TestPriceable: the price table values only transfers with an asset, an
// amount and a time and no USD value of their own.
func TestPriceable(t *testing.T) {
	ts := time.Date(2024, 1, 2, 23, 30, 0, 0, time.UTC).Unix()
	for _, tt := range []struct {
		name string
		a    Arc
		want bool
	}{
		{"chain transfer", Arc{Edge: 1, Asset: "ETH", Amount: 2, Time: ts}, true},
		{"its own USD", Arc{Edge: 1, Asset: "ETH", Amount: 2, Time: ts, Value: 10}, false},
		{"no time", Arc{Edge: 1, Asset: "ETH", Amount: 2}, false},
		{"no amount", Arc{Edge: 1, Asset: "ETH", Time: ts}, false},
		{"no asset", Arc{Edge: 1, Amount: 2, Time: ts}, false},
		{"USD itself", Arc{Edge: 1, Asset: AssetUSD, Amount: 2, Time: ts}, false},
		{"a crossing", Arc{Edge: None, Asset: "ETH", Amount: 2, Time: ts}, false},
	} {
		if got := priceable(&tt.a); got != tt.want {
			t.Errorf("%s: priceable %v, want %v", tt.name, got, tt.want)
		}
	}
	// The UTC day, whatever the hour.
	if k := priceKeyOf(&Arc{Asset: "ETH", Time: ts}); k.Day.Format(time.DateOnly) != "2024-01-02" || k.Asset != "ETH" {
		t.Errorf("key %v", k)
	}
}

func TestValuationSentence(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	table := []graph.Price{{Asset: "ETH", Source: graph.Source{Dataset: "prices:b.csv"}}, {Asset: "BTC", Source: graph.Source{Dataset: "prices:a.csv"}}}
	missing := map[string]map[time.Time]bool{"BTC": {day("2024-01-05"): true, day("2024-01-02"): true, day("2024-01-03"): true, day("2024-01-04"): true}}
	for _, tt := range []struct {
		name                  string
		fromTransfer, fromTab int
		prices                []graph.Price
		missing               map[string]map[time.Time]bool
		want                  string
	}{
		{"nothing", 0, 0, nil, nil, "no transfer has a USD value and no price table applies"},
		{"own values", 3, 0, nil, nil, "3 transfers carry their own USD value"},
		{"table and gaps", 1, 2, table, missing,
			"1 transfer carries its own USD value; 2 transfers valued from the price table (prices:a.csv, prices:b.csv) at the close of the transfer's UTC day; " +
				"no BTC close in the price table for 2024-01-02, 2024-01-03, 2024-01-04 and 1 more: those transfers are unpriced"},
	} {
		if got := valuation(tt.fromTransfer, tt.fromTab, tt.prices, tt.missing); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}
