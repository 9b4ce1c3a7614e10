package investigate_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/synth"
)

// BenchmarkFlowValuation prices what a price table costs a money flow: the
// same generated graph (50,000 transfers in BTC and ETH, no USD values of
// their own) traced from the same 64 wallets, without closes (the baseline:
// every answer per asset) and with a close for every day the transfers span
// (every answer in USD, each hop cited).
func BenchmarkFlowValuation(b *testing.B) {
	ctx := context.Background()
	g := synth.NewGen(11, 12_000, 50_000)
	rng := rand.New(rand.NewPCG(11, 0))
	from := make([]string, 64)
	for i := range from {
		from[i] = g.WalletID(rng.IntN(g.Wallets()))
	}
	for _, priced := range []bool{false, true} {
		name := "unpriced"
		if priced {
			name = "price-table"
		}
		b.Run(name, func(b *testing.B) {
			s := benchStore(ctx, b, g, priced)
			b.ResetTimer()
			for i := range b.N {
				top, release, err := s.Topology(ctx)
				if err != nil {
					b.Fatal(err)
				}
				res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{from[i%len(from)]}, MaxHops: 4, Taint: investigate.Haircut}, investigate.Limits{})
				release()
				if err != nil {
					b.Fatal(err)
				}
				if priced && len(res.Sinks) > 0 && res.Prices == nil {
					b.Fatal("a priced flow cites no close")
				}
			}
		})
	}
}

// benchStore writes g, and with priced a BTC and an ETH close for every day
// of its transfers, into a new embedded store.
func benchStore(ctx context.Context, b *testing.B, g *synth.Gen, priced bool) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(ctx, b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	first, last := time.Time{}, time.Time{}
	for batch := range g.Batches(10_000) {
		for _, e := range batch.Edges {
			if e.Time.IsZero() {
				continue
			}
			if first.IsZero() || e.Time.Before(first) {
				first = e.Time
			}
			if e.Time.After(last) {
				last = e.Time
			}
		}
		if _, err := s.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if !priced {
		return s
	}
	var prices []graph.Price
	src := graph.Source{Dataset: "prices:bench.csv", Confidence: graph.ConfidenceAuthority, Marking: graph.TLPClear, Illustrative: true}
	for d := first.UTC().Truncate(24 * time.Hour); !d.After(last); d = d.Add(24 * time.Hour) {
		for asset, usd := range map[string]float64{"BTC": 40_000, "ETH": 2_500} {
			p := graph.Price{Asset: asset, Day: d, USD: usd, Source: src}
			p.Source.Record = asset + ":" + d.Format(time.DateOnly)
			prices = append(prices, p)
		}
	}
	res, err := s.Write(ctx, graph.Batch{Prices: prices})
	if err != nil || len(res.Rejected) > 0 {
		b.Fatalf("prices: %v %+v", err, res.Rejected)
	}
	return s
}
