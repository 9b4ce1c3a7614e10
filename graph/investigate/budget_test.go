package investigate_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/budget"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// tree is a binary tree of n wallets, each sending to its two children
// later than it received, so that every root-to-leaf path is a
// time-respecting route.
func tree(n int) graph.Batch {
	var b graph.Batch
	for i := range n {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: fmt.Sprintf("eth:0x%040x", i),
			Props: graph.Props{"note": strings.Repeat("n", 100)}, Sources: []graph.Source{{Dataset: "test"}}})
	}
	for c := 1; c < n; c++ {
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: cw((c - 1) / 2), To: cw(c), Key: fmt.Sprint("t", c),
			Asset: "ETH", Amount: 1, ValueUSD: 100, Time: time.Unix(1_600_000_000+int64(c)*60, 0).UTC(), Sources: []graph.Source{{Dataset: "test"}}})
	}
	return b
}

// TestOperationBudget runs each query under an operation budget: one
// large enough changes nothing but is charged; one too small stops the
// query with LIMIT_EXCEEDED instead of a truncated answer.
func TestOperationBudget(t *testing.T) {
	const n = 1023 // ten levels
	s := storeWith(t, tree(n))
	leaves := wallets(upTo(n)[n/2:]...)
	queries := []struct {
		name string
		run  func(ctx context.Context, top investigate.Topology) (any, error)
	}{
		{"paths", func(ctx context.Context, top investigate.Topology) (any, error) {
			return investigate.Paths(ctx, top, investigate.PathsQuery{From: cw(0), To: cw(n - 1), MaxHops: 10, Limit: 3}, investigate.Limits{})
		}},
		{"nearest", func(ctx context.Context, top investigate.Topology) (any, error) {
			return investigate.Nearest(ctx, top, investigate.NearestQuery{From: cw(0), MaxHops: 10, Target: investigate.NearestTarget{Kind: graph.KindService}}, investigate.Limits{})
		}},
		{"moneyFlow", func(ctx context.Context, top investigate.Topology) (any, error) {
			return investigate.Flow(ctx, top, investigate.FlowQuery{From: wallets(0), To: leaves, MaxHops: 10}, investigate.Limits{})
		}},
		{"neighborhood", func(ctx context.Context, top investigate.Topology) (any, error) {
			return investigate.Neighborhood(ctx, top, investigate.NeighborhoodQuery{ID: cw(0), Depth: 6, Filter: investigate.Filter{MinValue: 1}}, investigate.Limits{})
		}},
		{"communities", func(ctx context.Context, top investigate.Topology) (any, error) {
			return investigate.Communities(ctx, top, investigate.CommunitiesQuery{IDs: wallets(upTo(n)...)}, investigate.Limits{})
		}},
		{"exposure", func(ctx context.Context, top investigate.Topology) (any, error) {
			return investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: cw(0), MaxHops: 6, Direction: graph.Out}, investigate.Limits{})
		}},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			want, err := q.run(context.Background(), topologyOf(t, s))
			if err != nil {
				t.Fatal(err)
			}

			pool := budget.NewPool(budget.Limits{Nodes: 1 << 20, Edges: 1 << 20, Bytes: 1 << 30})
			op := pool.Start(budget.Limits{})
			got, err := q.run(budget.WithOperation(context.Background(), op), topologyOf(t, s))
			if err != nil {
				t.Fatalf("under a large budget: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the budget changed the answer:\n got %+v\nwant %+v", got, want)
			}
			used := op.Used()
			if used.Nodes == 0 || used.Edges == 0 {
				t.Errorf("used %+v: the search was not charged", used)
			}
			if pool.InUse() != used {
				t.Errorf("pool holds %+v, the operation used %+v", pool.InUse(), used)
			}
			op.Close()
			if pool.InUse() != (budget.Limits{}) {
				t.Errorf("pool holds %+v after Close", pool.InUse())
			}

			// Half of what it used: the query fails as a whole.
			small := pool.Start(budget.Limits{Nodes: used.Nodes / 2, Edges: used.Edges / 2})
			defer small.Close()
			_, err = q.run(budget.WithOperation(context.Background(), small), topologyOf(t, s))
			if graph.ErrorCode(err) != graph.CodeLimit || !strings.Contains(graph.ErrorMessage(err), "the operation's budget of") {
				t.Fatalf("over the operation's budget: err = %v, want LIMIT_EXCEEDED naming the budget", err)
			}
		})
	}
}

// TestOperationBudgetBytes charges the bytes of the nodes an answer loads.
func TestOperationBudgetBytes(t *testing.T) {
	s := storeWith(t, tree(63))
	q := investigate.NeighborhoodQuery{ID: cw(0), Depth: 6, Filter: investigate.Filter{MinValue: 1}}
	op := budget.NewPool(budget.Limits{}).Start(budget.Limits{})
	res, err := investigate.Neighborhood(budget.WithOperation(context.Background(), op), topologyOf(t, s), q, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, n := range res.Nodes {
		want += budget.NodeBytes(n)
	}
	for _, e := range res.Edges {
		want += budget.EdgeBytes(e)
	}
	if got := op.Used().Bytes; got != want {
		t.Errorf("charged %d bytes, the answer holds %d", got, want)
	}
	tight := budget.NewPool(budget.Limits{}).Start(budget.Limits{Bytes: want / 2})
	if _, err := investigate.Neighborhood(budget.WithOperation(context.Background(), tight), topologyOf(t, s), q, investigate.Limits{}); graph.ErrorCode(err) != graph.CodeLimit {
		t.Fatalf("over the byte budget: err = %v, want LIMIT_EXCEEDED", err)
	}
}
