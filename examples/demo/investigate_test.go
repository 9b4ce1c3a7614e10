package demo_test

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
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
			if usd, ok := ru.Reached.USD(); !ok || math.Abs(usd-21.9e6) > 0.01*21.9e6 || ru.Routes == 0 || !strings.Contains(ru.Summary, "534 M") {
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

// TestDemoExposure: what the first theft wallet sent went, within three
// transfers, to the mixer; what the Russian exchange's deposit wallets
// received came from it.
func TestDemoExposure(t *testing.T) {
	st := openDemo(t)
	ctx := context.Background()
	top, release, err := st.Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	res, err := investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: "wallet:eth:0xcd8ca24f4c7cae2b7e7c2804bce4d9f6ac37403f", MaxHops: 4}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent == nil || res.Received == nil {
		t.Fatalf("both sides asked: %+v", res)
	}
	shares := map[string]float64{}
	for _, c := range res.Sent.Categories {
		shares[c.Category] = c.Share
		if len(c.Routes) == 0 || c.Routes[0].Nodes[0] != "wallet:eth:0xcd8ca24f4c7cae2b7e7c2804bce4d9f6ac37403f" {
			t.Errorf("%s: routes %+v", c.Category, c.Routes)
		}
	}
	if shares["mixer"] <= 0 || shares["mixer"] > 1 {
		t.Errorf("sent: %+v", res.Sent)
	}
	for _, c := range res.Received.Categories {
		shares["in:"+c.Category] = c.Share
	}
	if shares["in:exchange"] < 0.99 { // the loot came from Coincheck's hot wallet
		t.Errorf("received: %+v", res.Received)
	}
}

// TestDemoPaths: the k shortest paths from the Coincheck hot wallet to a
// Russian exchange deposit wallet follow transfers forward in time windows.
func TestDemoPaths(t *testing.T) {
	st := openDemo(t)
	ctx := context.Background()
	q := investigate.PathsQuery{
		From: "wallet:eth:0x04f270eb088d8d948db1e882c3d5eb6929e3dae4", To: "service:unnamed-russian-exchange",
		MaxHops: 10, Limit: 3, Direction: "BOTH", Kinds: nil,
	}
	top, release, err := st.Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	res, err := investigate.Paths(ctx, top, q, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Paths) != 3 {
		t.Fatalf("want 3 paths, got %d (%v)", len(res.Paths), res.Reasons)
	}
	for i, p := range res.Paths {
		if i > 0 && len(p.Edges) < len(res.Paths[i-1].Edges) {
			t.Errorf("path %d shorter than the one before", i)
		}
		var ids []string
		for _, n := range p.Nodes {
			ids = append(ids, n.ID)
		}
		t.Logf("path %d (%d hops): %s", i, len(p.Edges), strings.Join(ids, " → "))
	}
	// Transfers only, since 2023: the 2018 theft is filtered out, so no path.
	q.Kinds, q.Since = []graph.EdgeKind{graph.EdgeTransfer}, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	q.To = "wallet:bsc:0x09c834009b5007c5b62c7d86bacd8449ada44dd7"
	res, err = investigate.Paths(ctx, top, q, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Paths) != 0 {
		t.Errorf("a transfer path since 2023 from the 2018 hot wallet: %+v", res.Paths[0].Nodes)
	}
}
