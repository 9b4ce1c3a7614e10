package neo4jstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

// priceLabel labels the price table's nodes. They carry no :Node label and
// no relationship, so no graph query (all of which start from :Node)
// reaches them, and Stats, which counts kind labels, does not count them.
// A composite uniqueness constraint on (asset, day) backs the MERGE below.
const priceLabel = "RedthreadPrice"

const priceConstraint = "CREATE CONSTRAINT redthread_price_key IF NOT EXISTS FOR (p:" + priceLabel + ") REQUIRE (p.asset, p.day) IS UNIQUE"

// priceRow is a price as stored: the day as YYYY-MM-DD, the source as JSON.
func priceRow(p graph.Price) (map[string]any, error) {
	src, err := json.Marshal(p.Source)
	if err != nil {
		return nil, internal(err, "encode price source")
	}
	return map[string]any{"asset": p.Asset, "day": p.Day.Format(time.DateOnly), "usd": p.USD, "source": string(src)}, nil
}

func decodePrice(m map[string]any) (graph.Price, error) {
	var p graph.Price
	asset, _ := m["asset"].(string)
	day, _ := m["day"].(string)
	usd, _ := m["usd"].(float64)
	src, _ := m["source"].(string)
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return p, fmt.Errorf("price %s day %q: %w", asset, day, err)
	}
	p = graph.Price{Asset: asset, Day: d, USD: usd}
	if err := json.Unmarshal([]byte(src), &p.Source); err != nil {
		return p, fmt.Errorf("price %s %s source: %w", asset, day, err)
	}
	return p, nil
}

func keyRows(keys []graph.PriceKey) []any {
	rows := make([]any, len(keys))
	for i, k := range keys {
		rows[i] = map[string]any{"asset": k.Asset, "day": k.Day.Format(time.DateOnly)}
	}
	return rows
}

// loadPrices reads the stored prices of keys, in key order.
func loadPrices(ctx context.Context, tx neo4j.ManagedTransaction, keys []graph.PriceKey) ([]graph.Price, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	recs, err := run(ctx, tx, "UNWIND $keys AS k MATCH (p:"+priceLabel+" {asset: k.asset, day: k.day}) RETURN properties(p)", map[string]any{"keys": keyRows(keys)})
	if err != nil {
		return nil, err
	}
	out := make([]graph.Price, 0, len(recs))
	for _, r := range recs {
		p, err := decodePrice(r.Values[0].(map[string]any))
		if err != nil {
			return nil, internal(err, "decode price")
		}
		out = append(out, p)
	}
	slices.SortFunc(out, graph.ComparePrices)
	return out, nil
}

// writePrices merges prepared prices into the stored ones by
// graph.MergePrice and writes those that changed, counting in res.
func writePrices(ctx context.Context, tx neo4j.ManagedTransaction, prices []graph.Price, res *graph.WriteResult) error {
	if len(prices) == 0 {
		return nil
	}
	keys := make([]graph.PriceKey, len(prices))
	for i, p := range prices {
		keys[i] = p.Key()
	}
	stored, err := loadPrices(ctx, tx, keys)
	if err != nil {
		return err
	}
	old := make(map[graph.PriceKey]graph.Price, len(stored))
	for _, p := range stored {
		old[p.Key()] = p
	}
	var rows []any
	for _, p := range prices {
		if o, ok := old[p.Key()]; ok {
			kept, changed := graph.MergePrice(o, p)
			if !changed {
				res.PricesUnchanged++
				continue
			}
			p = kept
			res.PricesUpdated++
		} else {
			res.PricesCreated++
		}
		row, err := priceRow(p)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	q := "UNWIND $rows AS row MERGE (p:" + priceLabel + " {asset: row.asset, day: row.day}) SET p.usd = row.usd, p.source = row.source"
	return exec(ctx, tx, q, rows, -1, nil)
}

// Prices implements investigate.Topology: the stored prices of keys.
func (t *topology) Prices(ctx context.Context, keys []graph.PriceKey) ([]graph.Price, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var out []graph.Price
	err := t.read(ctx, "prices", func(tx neo4j.ManagedTransaction) error {
		var err error
		out, err = loadPrices(ctx, tx, keys)
		return err
	})
	return out, err
}

var _ graph.PriceLister = (*Store)(nil)

// ListPrices implements graph.PriceLister: a range over the (asset, day)
// constraint's index, one page and one more to tell whether there is more.
func (s *Store) ListPrices(ctx context.Context, q graph.PriceQuery) (graph.PricePage, error) {
	var page graph.PricePage
	if err := q.Prepare(); err != nil {
		return page, err
	}
	day := func(t time.Time, open string) string {
		if t.IsZero() {
			return open
		}
		return t.Format(time.DateOnly)
	}
	params := map[string]any{"asset": q.Asset, "from": day(q.Start(), ""), "to": day(q.To, "9999-12-31"), "limit": q.Limit + 1}
	err := s.read(ctx, "prices", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, "MATCH (p:"+priceLabel+") WHERE p.asset = $asset AND p.day >= $from AND p.day <= $to "+
			"RETURN properties(p) ORDER BY p.day LIMIT $limit", params)
		if err != nil {
			return err
		}
		page = graph.PricePage{}
		for _, r := range recs {
			p, err := decodePrice(r.Values[0].(map[string]any))
			if err != nil {
				return internal(err, "decode price")
			}
			page.Prices = append(page.Prices, p)
		}
		return nil
	})
	if err != nil {
		return graph.PricePage{}, err
	}
	if len(page.Prices) > q.Limit {
		page.Prices, page.HasMore = page.Prices[:q.Limit], true
	}
	return page, nil
}
