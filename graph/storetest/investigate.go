package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/synth"
)

// investigateCases check the investigation queries (graph/investigate) on
// fixture graphs small enough to check by hand. The engine is shared, so
// these cases test that a store's Topology primitives give it the same
// graph; the answers expected are the same for every store.
func investigateCases() []suiteCase {
	var out []suiteCase
	for _, group := range [][]suiteCase{pathCases(), arraysCases(), nearestCases(), flowCases(), clusterCases(), communityCases(), personaCases(), sameAsCases(), hubCases(), neighborhoodCases(), riskCases()} {
		out = append(out, group...)
	}
	return out
}

// topology opens the store's investigation view for one query.
func topology(t *testing.T, e env) investigate.Topology {
	t.Helper()
	top, release, err := e.s.Topology(context.Background())
	if err != nil {
		t.Fatalf("open topology: %v", err)
	}
	t.Cleanup(release)
	return top
}

func hubCases() []suiteCase { return []suiteCase{{"HubDeadline", testHubDeadline}} }

// testHubDeadline asks every investigation query from a hub of a generated
// graph: with the default hub degree each answers (naming the hub it did
// not expand where it matters); asked to expand hubs under a deadline that
// has passed, each stops with TIMEOUT rather than running on.
func testHubDeadline(t *testing.T, e env) {
	g := synth.NewGen(7, 400, 6000)
	for b := range g.Batches(3000) {
		write(t, e.s, b)
	}
	ctx := context.Background()
	hub, other := g.WalletID(0), g.WalletID(399)
	queries := map[string]func(context.Context, investigate.Topology, int) error{
		"paths": func(ctx context.Context, top investigate.Topology, hd int) error {
			_, err := investigate.Paths(ctx, top, investigate.PathsQuery{From: hub, To: other, Limit: 5, HubDegree: hd}, investigate.Limits{})
			return err
		},
		"nearest": func(ctx context.Context, top investigate.Topology, hd int) error {
			_, err := investigate.Nearest(ctx, top, investigate.NearestQuery{From: hub, Limit: 5, HubDegree: hd, Target: investigate.NearestTarget{Sanctioned: true}}, investigate.Limits{})
			return err
		},
		"moneyFlow": func(ctx context.Context, top investigate.Topology, hd int) error {
			_, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{hub}, HubDegree: hd}, investigate.Limits{})
			return err
		},
		"exposure": func(ctx context.Context, top investigate.Topology, hd int) error {
			_, err := investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: hub, HubDegree: hd}, investigate.Limits{})
			return err
		},
		"cluster": func(ctx context.Context, top investigate.Topology, _ int) error {
			_, err := investigate.Cluster(ctx, top, investigate.ClusterQuery{ID: hub}, investigate.Limits{})
			return err
		},
	}
	for name, q := range queries {
		if err := q(ctx, topology(t, e), 50); err != nil {
			t.Errorf("%s from a hub: %v", name, err)
		}
		past, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		err := q(past, topology(t, e), -1)
		cancel()
		wantCode(t, name+" past its deadline", err, graph.CodeTimeout)
	}
}
