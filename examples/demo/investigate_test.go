package demo_test

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
)

// openDemo loads the demo case into a new embedded store.
func openDemo(t *testing.T) *boltstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Run(ctx, st, []ingest.Source{demo.Source()}, ingest.Options{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDemoMoneyFlow follows the Coincheck loot: from the incident, through
// the mixer and the bridge, to the Russian exchange, which received the
// 21.9 M USD the article reports (the three deposits sum to 21.93 M; haircut
// dilutes it by 0.04 %), under every taint model.
func TestDemoMoneyFlow(t *testing.T) {
	st := openDemo(t)
	ctx := context.Background()
	for _, model := range []investigate.TaintModel{investigate.Poison, investigate.Haircut, investigate.FIFO} {
		t.Run(string(model), func(t *testing.T) {
			top, release, err := st.Topology(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{"incident:coincheck-theft"}, MaxHops: 8, Taint: model}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var ru *investigate.FlowSink
			for i := range res.Sinks {
				t.Logf("sink %s: %s", res.Sinks[i].Node.ID, res.Sinks[i].Summary)
				if res.Sinks[i].Node.ID == "service:unnamed-russian-exchange" {
					ru = &res.Sinks[i]
				}
			}
			if ru == nil {
				t.Fatalf("the flow does not reach the Russian exchange; sinks %v, truncated %v", len(res.Sinks), res.Reasons)
			}
			if math.Abs(ru.ValueUSD-21.9e6) > 0.01*21.9e6 || ru.Routes == 0 || !strings.Contains(ru.Summary, "534 M") {
				t.Errorf("Russian exchange: %+v", ru)
			}
			for _, r := range res.Routes {
				if r.Sink != "service:unnamed-russian-exchange" {
					continue
				}
				var prev int64
				for _, h := range r.Hops {
					if h.Time < prev {
						t.Errorf("route goes back in time: %+v", r)
					}
					prev = h.Time
				}
			}
		})
	}
}
