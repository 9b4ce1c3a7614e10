package gql

import (
	"context"
	"fmt"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/budget"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// pricesPage is what the prices field asks for: 100 closes by default, at
// most graph.MaxListPrices (clamped, like the other pages).
func pricesPage(first *int) int { return clamp(first, 100, 1, graph.MaxListPrices) }

// priceBytes is what a close costs an operation's memory budget, about.
const priceBytes = 256

// prices lists one asset's closes; the store must keep a price table.
func (r *queryResolver) prices(ctx context.Context, asset string, from, to *time.Time, first *int, after *string) (*model.PricePage, error) {
	l, ok := r.Store.(graph.PriceLister)
	if !ok {
		return nil, graph.Errorf(graph.CodeUnavailable, "this store keeps no price table")
	}
	q := graph.PriceQuery{Asset: asset, Limit: pricesPage(first)}
	if from != nil {
		q.From = *from
	}
	if to != nil {
		q.To = *to
	}
	if after != nil && *after != "" {
		d, err := time.Parse(time.DateOnly, *after)
		if err != nil {
			return nil, graph.Errorf(graph.CodeInvalid, "after: %q is not a cursor of this list (a day such as 2024-01-22)", *after)
		}
		q.After = d
	}
	page, err := l.ListPrices(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prices: %w", err)
	}
	if err := budget.FromContext(ctx).Bytes(int64(len(page.Prices)) * priceBytes); err != nil {
		return nil, fmt.Errorf("prices: %w", err)
	}
	out := &model.PricePage{Prices: make([]*model.PriceClose, len(page.Prices)), HasNextPage: page.HasMore}
	for i := range page.Prices {
		out.Prices[i] = model.NewPriceClose(&page.Prices[i])
	}
	if n := len(page.Prices); n > 0 {
		end := page.Prices[n-1].Day.Format(time.DateOnly)
		out.EndCursor = &end
	}
	return out, nil
}
