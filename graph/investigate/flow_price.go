package investigate

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// A transfer of chain data carries an amount of an asset and, unlike the
// demo's, often no USD value. Money flow values such a transfer from the
// price table (graph.Price): its amount times the asset's close on the
// transfer's UTC day. Only that day's close counts: a transfer on a day
// without one stays unpriced, and the answer says which asset and days
// lacked a close, rather than carry an older close forward or interpolate.
// Valuation comes after the taint replay, so loading a price table changes
// what the answer says in USD, never which funds are tainted.

// USDSource says where a USD value came from.
type USDSource string

// USD sources.
const (
	USDFromTransfer   USDSource = "TRANSFER"    // the transfer's own valueUSD
	USDFromPriceTable USDSource = "PRICE_TABLE" // amount × the asset's close that day
)

// priceable reports whether the price table can value arc a: a transfer
// with an asset, an amount and a time, and no USD value of its own.
func priceable(a *Arc) bool {
	return a.Edge != None && a.Value == 0 && a.Amount > 0 && a.Time != 0 && a.Asset != "" && a.Asset != AssetUSD
}

func priceKeyOf(a *Arc) graph.PriceKey {
	return graph.PriceKey{Asset: a.Asset, Day: graph.Day(time.Unix(a.Time, 0))}
}

// price values the region's transfers that have no USD value from the
// price table, reading every close it needs in one call, and says how in
// res.Valuation. The answer lists at most ten closes per route asked (the
// price of the answer's size; hops still cite the close that valued them).
func (fs *flowSearch) price(ctx context.Context, res *FlowResult, limit int) error {
	need := map[graph.PriceKey]bool{}
	for _, st := range fs.steps {
		if priceable(&st.arc) {
			need[priceKeyOf(&st.arc)] = true
		}
	}
	fromTransfer := 0
	for _, st := range fs.steps {
		if st.arc.Edge != None && st.arc.Value != 0 {
			fromTransfer++
		}
	}
	if len(need) == 0 {
		res.Valuation = valuation(fromTransfer, 0, nil, nil)
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(need), func(a, b graph.PriceKey) int {
		return cmp.Or(strings.Compare(a.Asset, b.Asset), a.Day.Compare(b.Day))
	})
	// Closes count as edges read: a query may not read a price table
	// larger than the graph it may read.
	if err := fs.v.b.read(len(keys)); err != nil {
		return err
	}
	prices, err := fs.v.t.Prices(ctx, keys)
	if err != nil {
		return err
	}
	if err := fs.v.b.op.Bytes(int64(len(prices)) * priceBytes); err != nil {
		return err
	}
	if len(prices) > 0 { // nil when none: the stores answer alike
		res.Prices = prices
	}
	at := make(map[graph.PriceKey]*graph.Price, len(prices))
	for i := range res.Prices {
		at[res.Prices[i].Key()] = &res.Prices[i]
	}
	missing := map[string]map[time.Time]bool{}
	valued := 0
	for _, st := range fs.steps {
		if !priceable(&st.arc) {
			continue
		}
		k := priceKeyOf(&st.arc)
		p := at[k]
		if p == nil {
			if missing[k.Asset] == nil {
				missing[k.Asset] = map[time.Time]bool{}
			}
			missing[k.Asset][k.Day] = true
			continue
		}
		st.arc.Value = st.arc.Amount * p.USD
		st.priced = p
		valued++
	}
	res.PricedFromTable = valued
	res.Valuation = valuation(fromTransfer, valued, res.Prices, missing)
	if len(res.Prices) > 10*limit {
		res.Add(graph.CauseListLimit, "%d price-table closes valued the flow; listed the first %d by asset and day", len(res.Prices), 10*limit)
		res.Prices = slices.Clone(res.Prices[:10*limit]) // hops keep pointers into the whole list
	}
	return nil
}

// priceBytes is what a price held for an answer costs, about.
const priceBytes = 256

// valuation is the answer's sentence on where its USD values came from.
func valuation(fromTransfer, fromTable int, prices []graph.Price, missing map[string]map[time.Time]bool) string {
	var parts []string
	if fromTransfer > 0 {
		carry := "transfers carry their"
		if fromTransfer == 1 {
			carry = "transfer carries its"
		}
		parts = append(parts, fmt.Sprintf("%d %s own USD value", fromTransfer, carry))
	}
	if fromTable > 0 {
		parts = append(parts, fmt.Sprintf("%d transfer%s valued from the price table (%s) at the close of the transfer's UTC day",
			fromTable, plural(fromTable), strings.Join(priceDatasets(prices), ", ")))
	}
	for _, a := range slices.Sorted(maps.Keys(missing)) {
		days := slices.SortedFunc(maps.Keys(missing[a]), time.Time.Compare)
		shown := make([]string, 0, 3)
		for _, d := range days[:min(3, len(days))] {
			shown = append(shown, d.Format(time.DateOnly))
		}
		more := ""
		if len(days) > 3 {
			more = fmt.Sprintf(" and %d more", len(days)-3)
		}
		parts = append(parts, fmt.Sprintf("no %s close in the price table for %s%s: those transfers are unpriced", a, strings.Join(shown, ", "), more))
	}
	if len(parts) == 0 {
		return "no transfer has a USD value and no price table applies"
	}
	return strings.Join(parts, "; ")
}

// priceDatasets are the datasets prices came from, by name.
func priceDatasets(prices []graph.Price) []string {
	set := map[string]bool{}
	for _, p := range prices {
		set[p.Source.Dataset] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// stepPart is partOf for a step of the flow, knowing where its USD came
// from.
func stepPart(st *flowStep, frac float64) (Part, bool) {
	p, ok := partOf(&st.arc, frac)
	if ok && p.Priced {
		p.USDFrom = USDFromTransfer
		if st.priced != nil {
			p.USDFrom, p.Price = USDFromPriceTable, st.priced
		}
	}
	return p, ok
}
