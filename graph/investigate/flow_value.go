package investigate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// Money flow never adds different assets together: 963.8 ETH and 2 BTC
// are two amounts, not 965.8 of anything. A value in USD exists only when
// every part of it has a USD value (a transfer's valueUSD); otherwise it is
// unknown, and answers say so rather than count the unpriced parts as 0.

// AssetUSD is the pseudo-asset of a transfer that has a USD value and no
// asset or amount: its amount is known only in USD.
const AssetUSD = "USD"

// AssetUnknown is the pseudo-asset of a transfer with an amount and no
// asset.
const AssetUnknown = "unknown asset"

// Part is value of one asset: a transfer, the tainted part of one, or
// what a route delivered.
type Part struct {
	Asset  string
	Amount float64
	USD    float64 // meaningful only when Priced
	Priced bool
	// USDFrom says where USD came from when Priced; Price is the close
	// that valued it when that was the price table.
	USDFrom USDSource
	Price   *graph.Price
}

// Value is value kept per asset, with its USD value when every part of it
// has one.
type Value struct {
	Amounts  map[string]float64 // by asset
	usd      float64
	parts    int
	unpriced map[string]bool // assets with a part without a USD value
	// fromTable counts the parts valued from the price table, and
	// datasets names the price tables they were valued from.
	fromTable, fromTransfer int
	datasets                map[string]bool
}

func (v *Value) add(p Part) {
	if v.Amounts == nil {
		v.Amounts = map[string]float64{}
	}
	v.Amounts[p.Asset] += p.Amount
	v.parts++
	if p.Priced {
		v.usd += p.USD
		if p.Price != nil {
			v.fromTable++
			if v.datasets == nil {
				v.datasets = map[string]bool{}
			}
			v.datasets[p.Price.Source.Dataset] = true
		} else {
			v.fromTransfer++
		}
		return
	}
	if v.unpriced == nil {
		v.unpriced = map[string]bool{}
	}
	v.unpriced[p.Asset] = true
}

// USD returns the value in USD and whether it is known: there is value and
// every part of it has a USD value.
func (v Value) USD() (float64, bool) {
	return v.usd, v.parts > 0 && len(v.unpriced) == 0
}

// USDFrom returns where the value's USD came from, each source once:
// the transfers' own values first, then the price table.
func (v Value) USDFrom() []USDSource {
	var out []USDSource
	if v.fromTransfer > 0 {
		out = append(out, USDFromTransfer)
	}
	if v.fromTable > 0 {
		out = append(out, USDFromPriceTable)
	}
	return out
}

// FromTable returns how many parts of the value were valued from the
// price table, and from which tables (datasets), by name.
func (v Value) FromTable() (int, []string) {
	out := make([]string, 0, len(v.datasets))
	for d := range v.datasets {
		out = append(out, d)
	}
	slices.Sort(out)
	return v.fromTable, out
}

// Unpriced returns the assets with parts that have no USD value, by name.
func (v Value) Unpriced() []string {
	out := make([]string, 0, len(v.unpriced))
	for a := range v.unpriced {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Assets returns the value's assets by name.
func (v Value) Assets() []string {
	out := make([]string, 0, len(v.Amounts))
	for a := range v.Amounts {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// String writes the value for people: "USD 21.9 M" when it is known in
// USD, else its amounts by asset, "963.8 ETH + 2 BTC", in the order given
// (then by name).
func (v Value) String(order []string) string {
	if usd, ok := v.USD(); ok {
		return "USD " + money(usd)
	}
	assets := v.Assets()
	slices.SortStableFunc(assets, func(a, b string) int { return cmp.Compare(rankOf(order, a), rankOf(order, b)) })
	parts := make([]string, 0, len(assets))
	for _, a := range assets {
		parts = append(parts, amount(v.Amounts[a])+" "+a)
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " + ")
}

// partOf is the part of arc a that the fraction frac of it is: the
// tainted part for frac the taint, the whole transfer for 1. A crossing
// inside a service has no part (ok false).
func partOf(a *Arc, frac float64) (Part, bool) {
	if a.Edge == None {
		return Part{}, false
	}
	p := Part{Asset: a.Asset, Amount: frac * a.Amount, USD: frac * a.Value, Priced: a.Value != 0}
	switch {
	case a.Asset != "":
	case a.Amount == 0 && a.Value != 0:
		p.Asset, p.Amount = AssetUSD, frac*a.Value
	default:
		p.Asset = AssetUnknown
	}
	return p, true
}

// maxAssetName bounds a query's rankAsset: asset tickers are short.
const maxAssetName = 64

// RankBy says how sinks and routes are ordered.
type RankBy string

// Rankings.
const (
	// RankAuto ranks by USD when every tainted transfer has a USD value,
	// else by asset.
	RankAuto RankBy = ""
	// RankUSD ranks by USD value, largest first; values not known in USD
	// come after, by asset.
	RankUSD RankBy = "USD"
	// RankAsset ranks by amount of the first asset of the flow's asset
	// order, largest first, then of the second, and so on: assets the
	// sources sent, the most sent first, then other assets by name. The
	// query's rank asset, if any, goes first.
	RankAsset RankBy = "ASSET"
)

func rankBy(r RankBy) (RankBy, error) {
	switch r {
	case RankAuto, RankUSD, RankAsset:
		return r, nil
	}
	return r, graph.Errorf(graph.CodeInvalid, "unknown rankBy %q (want USD or ASSET)", r)
}

// rankOf is a's place in order; assets not in it come last, by name.
func rankOf(order []string, a string) int {
	if i := slices.Index(order, a); i >= 0 {
		return i
	}
	return len(order)
}

// assetOrder is the flow's asset order: first the query's rank asset,
// then the assets the sources sent, the most sent first (amounts of
// different assets compared as numbers: a convention, stated, to be
// deterministic), then the other assets that reached sinks, by name.
func assetOrder(first string, sent Value, reached []Value) []string {
	var order []string
	if first != "" {
		order = append(order, first)
	}
	sentAssets := sent.Assets()
	slices.SortStableFunc(sentAssets, func(a, b string) int { return cmp.Compare(sent.Amounts[b], sent.Amounts[a]) })
	others := map[string]bool{}
	for _, v := range reached {
		for a := range v.Amounts {
			others[a] = true
		}
	}
	rest := make([]string, 0, len(others))
	for a := range others {
		rest = append(rest, a)
	}
	slices.Sort(rest)
	for _, a := range append(sentAssets, rest...) {
		if !slices.Contains(order, a) {
			order = append(order, a)
		}
	}
	return order
}

// compareValues orders two values, the larger first, under the ranking:
// by USD when both are known in USD and ranking by USD (known before
// unknown), else by amount of each asset of order in turn.
func compareValues(by RankBy, order []string, a, b Value) int {
	if by == RankUSD {
		ua, oka := a.USD()
		ub, okb := b.USD()
		switch {
		case oka && okb:
			if c := cmp.Compare(ub, ua); c != 0 {
				return c
			}
		case oka:
			return -1
		case okb:
			return 1
		}
	}
	for _, asset := range order {
		if c := cmp.Compare(b.Amounts[asset], a.Amounts[asset]); c != 0 {
			return c
		}
	}
	return 0
}

// compareParts orders two one-asset values as compareValues does, without
// building their Values (sorting a wide flow's transfers compares many).
func compareParts(by RankBy, order []string, a, b Part) int {
	if by == RankUSD {
		switch {
		case a.Priced && b.Priced:
			if c := cmp.Compare(b.USD, a.USD); c != 0 {
				return c
			}
		case a.Priced:
			return -1
		case b.Priced:
			return 1
		}
	}
	for _, asset := range order {
		if c := cmp.Compare(b.amountOf(asset), a.amountOf(asset)); c != 0 {
			return c
		}
	}
	return 0
}

// amountOf is the part's amount of asset, as its Value's Amounts holds it.
func (p Part) amountOf(asset string) float64 {
	if p.Asset == asset {
		return 0 + p.Amount
	}
	return 0
}

// amount writes an amount of an asset for people: 963.8, 2, 12.4 k.
func amount(x float64) string {
	if math.Abs(x) >= 1e4 {
		return money(x)
	}
	return fmt.Sprintf("%.4g", x)
}
