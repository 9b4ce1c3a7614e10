package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// bucketPrices holds the price table: key "ASSET\x00YYYY-MM-DD", value the
// price as JSON. Prices are not in the in-memory index, so no graph query
// sees them. A file of schema 3 written before prices existed lacks the
// bucket; Open adds it (ensureBuckets, in state.go).
var bucketPrices = []byte("prices")

func priceKey(k graph.PriceKey) []byte {
	return []byte(k.Asset + "\x00" + k.Day.Format("2006-01-02"))
}

// putPrices writes prepared prices, merging each with the stored one of
// its (asset, day) by graph.MergePrice.
func putPrices(ctx context.Context, tx *bolt.Tx, prices []graph.Price, res *graph.WriteResult) error {
	if len(prices) == 0 {
		return nil
	}
	b := tx.Bucket(bucketPrices)
	for i, p := range prices {
		if i%1024 == 0 && ctx.Err() != nil {
			return timeout(ctx.Err())
		}
		k := priceKey(p.Key())
		old := b.Get(k)
		if old != nil {
			var o graph.Price
			if err := json.Unmarshal(old, &o); err != nil {
				return internal(err, "decode price "+p.Key().String())
			}
			kept, changed := graph.MergePrice(o, p)
			if !changed {
				res.PricesUnchanged++
				continue
			}
			p = kept
		}
		v, err := json.Marshal(p)
		if err != nil {
			return internal(err, "encode price")
		}
		if old != nil && bytes.Equal(old, v) {
			res.PricesUnchanged++
			continue
		}
		if err := b.Put(k, v); err != nil {
			return internal(err, "put price")
		}
		if old == nil {
			res.PricesCreated++
		} else {
			res.PricesUpdated++
		}
	}
	return nil
}

// readPrices returns the stored prices of keys, in key order, skipping
// keys without one.
func (s *Store) readPrices(ctx context.Context, keys []graph.PriceKey) ([]graph.Price, error) {
	var out []graph.Price
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPrices)
		for i, k := range keys {
			if i%1024 == 0 && ctx.Err() != nil {
				return timeout(ctx.Err())
			}
			v := b.Get(priceKey(k))
			if v == nil {
				continue
			}
			var p graph.Price
			if err := json.Unmarshal(v, &p); err != nil {
				return internal(err, "decode price "+k.String())
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read prices: %w", err)
	}
	slices.SortFunc(out, graph.ComparePrices)
	return out, nil
}

// Prices implements investigate.Topology.
func (t *topology) Prices(ctx context.Context, keys []graph.PriceKey) ([]graph.Price, error) {
	return t.s.readPrices(ctx, keys)
}

var _ graph.PriceLister = (*Store)(nil)

// ListPrices implements graph.PriceLister: a cursor over the asset's keys
// from the first day asked.
func (s *Store) ListPrices(ctx context.Context, q graph.PriceQuery) (graph.PricePage, error) {
	var page graph.PricePage
	if err := q.Prepare(); err != nil {
		return page, err
	}
	if err := s.begin(ctx); err != nil {
		return page, err
	}
	defer s.mu.RUnlock()
	prefix := []byte(q.Asset + "\x00")
	from := prefix
	if start := q.Start(); !start.IsZero() {
		from = priceKey(graph.PriceKey{Asset: q.Asset, Day: start})
	}
	var to []byte
	if !q.To.IsZero() {
		to = priceKey(graph.PriceKey{Asset: q.Asset, Day: q.To})
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPrices).Cursor()
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix) && (to == nil || bytes.Compare(k, to) <= 0); k, v = c.Next() {
			if len(page.Prices) == q.Limit {
				page.HasMore = true
				return nil
			}
			var p graph.Price
			if err := json.Unmarshal(v, &p); err != nil {
				return internal(err, "decode price")
			}
			page.Prices = append(page.Prices, p)
		}
		return ctx.Err()
	})
	if err != nil {
		return graph.PricePage{}, fmt.Errorf("list prices: %w", err)
	}
	return page, nil
}
