package investigate

import (
	"slices"
	"testing"
)

// valueFrom builds a Value from parts: asset, amount, USD (negative: unpriced).
func valueFrom(parts ...any) Value {
	var v Value
	for i := 0; i+2 < len(parts); i += 3 {
		usd := parts[i+2].(float64)
		v.add(Part{Asset: parts[i].(string), Amount: parts[i+1].(float64), USD: max(usd, 0), Priced: usd >= 0})
	}
	return v
}

func TestValueKeepsAssetsApart(t *testing.T) {
	for _, tt := range []struct {
		name   string
		v      Value
		order  []string
		text   string
		usd    float64
		priced bool
	}{
		{"one asset unpriced", valueFrom("ETH", 963.8, -1.0), nil, "963.8 ETH", 0, false},
		{"two assets unpriced", valueFrom("ETH", 900.0, -1.0, "BTC", 2.0, -1.0, "ETH", 63.8, -1.0), []string{"ETH", "BTC"}, "963.8 ETH + 2 BTC", 0, false},
		{"in the order given", valueFrom("ETH", 963.8, -1.0, "BTC", 2.0, -1.0), []string{"BTC"}, "2 BTC + 963.8 ETH", 0, false},
		{"partly priced", valueFrom("ETH", 10.0, -1.0, "BTC", 2.0, 60000.0), nil, "2 BTC + 10 ETH", 60000, false},
		{"all priced", valueFrom("ETH", 10.0, 12000.0, "BTC", 2.0, 60000.0), nil, "USD 72 k", 72000, true},
		{"nothing", Value{}, nil, "nothing", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			usd, ok := tt.v.USD()
			if got := tt.v.String(tt.order); got != tt.text || ok != tt.priced || ok && usd != tt.usd {
				t.Errorf("%q, USD %v %v; want %q, %v %v", got, usd, ok, tt.text, tt.usd, tt.priced)
			}
		})
	}
}

func TestPartOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		arc  Arc
		frac float64
		want Part
		ok   bool
	}{
		{"unpriced half", Arc{Edge: 1, Amount: 4, Asset: "BTC"}, 0.5, Part{Asset: "BTC", Amount: 2}, true},
		{"priced", Arc{Edge: 1, Amount: 4, Asset: "ETH", Value: 8000}, 0.25, Part{Asset: "ETH", Amount: 1, USD: 2000, Priced: true}, true},
		{"known only in USD", Arc{Edge: 1, Value: 500}, 1, Part{Asset: AssetUSD, Amount: 500, USD: 500, Priced: true}, true},
		{"no asset", Arc{Edge: 1, Amount: 3}, 1, Part{Asset: AssetUnknown, Amount: 3}, true},
		{"a crossing has none", Arc{Edge: None}, 1, Part{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := partOf(&tt.arc, tt.frac)
			if got != tt.want || ok != tt.ok {
				t.Errorf("%+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRanking(t *testing.T) {
	x := valueFrom("ETH", 60.0, 72000.0)
	y := valueFrom("ETH", 35.0, 42000.0, "BTC", 2.0, 60000.0)
	z := valueFrom("BTC", 3.0, -1.0)
	sent := valueFrom("ETH", 145.0, -1.0)
	order := assetOrder("", sent, []Value{z, y, x})
	if !slices.Equal(order, []string{"ETH", "BTC"}) {
		t.Fatalf("asset order %v", order)
	}
	if o := assetOrder("BTC", sent, []Value{x}); !slices.Equal(o, []string{"BTC", "ETH"}) {
		t.Errorf("asset order with BTC first %v", o)
	}
	rank := func(by RankBy, order []string, vs ...Value) []int {
		idx := []int{0, 1, 2}
		slices.SortStableFunc(idx, func(a, b int) int { return compareValues(by, order, vs[a], vs[b]) })
		return idx
	}
	for _, tt := range []struct {
		name  string
		by    RankBy
		order []string
		want  []int // indices into x, y, z
	}{
		{"by ETH, then BTC", RankAsset, []string{"ETH", "BTC"}, []int{0, 1, 2}},
		{"by BTC, then ETH", RankAsset, []string{"BTC", "ETH"}, []int{2, 1, 0}},
		// y (102 k) before x (72 k); z has no USD value: after, by asset.
		{"by USD", RankUSD, []string{"ETH", "BTC"}, []int{1, 0, 2}},
	} {
		if got := rank(tt.by, tt.order, x, y, z); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
