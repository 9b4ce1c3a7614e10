package gql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/budget"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/generated"
)

// chain stores wallets 0 → 1 → … → n-1, one transfer each.
func chain(t *testing.T, n int) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var b graph.Batch
	for i := range n {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: chainKey(i), Label: fmt.Sprint("wallet ", i),
			Props: graph.Props{"note": strings.Repeat("n", 200)}, Sources: []graph.Source{{Dataset: "test"}}})
	}
	for i := 1; i < n; i++ {
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: chainID(i - 1), To: chainID(i), Key: fmt.Sprint("t", i),
			Asset: "ETH", Amount: 1, ValueUSD: 5000, Time: time.Unix(1_600_000_000+int64(i)*60, 0).UTC(), Sources: []graph.Source{{Dataset: "test"}}})
	}
	res, err := s.Write(t.Context(), b)
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("seed: %v %+v", err, res.Rejected)
	}
	return s
}

func chainKey(i int) string { return fmt.Sprintf("eth:0x%040x", i) }
func chainID(i int) string  { return "wallet:" + chainKey(i) }

// budgetServer serves the schema over s with one operation budget per
// operation, as the server does, and reports each operation's budget to
// ops. Errors carry their code as the server's presenter sets it.
func budgetServer(t *testing.T, s Store, limits budget.Limits, ops *[]*budget.Operation) *client.Client {
	t.Helper()
	schema := generated.NewExecutableSchema(generated.Config{
		Resolvers:  &Resolver{Store: s, Limits: graph.DefaultLimits(), Investigate: investigate.DefaultLimits()},
		Complexity: Complexity(graph.DefaultLimits(), investigate.Limits{}),
	})
	srv := handler.New(schema)
	srv.AddTransport(transport.POST{})
	pool := budget.NewPool(budget.Limits{})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		op := pool.Start(limits)
		defer op.Close()
		*ops = append(*ops, op)
		ctx = budget.WithOperation(ctx, op)
		return next(WithNodeLoader(ctx, s))
	})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		e := graphql.DefaultErrorPresenter(ctx, err)
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Err != nil {
			err = ge.Err
		}
		e.Message = graph.ErrorMessage(err)
		e.Extensions = map[string]any{"code": string(graph.ErrorCode(err))}
		return e
	})
	t.Cleanup(func() {
		if got := pool.InUse(); got != (budget.Limits{}) {
			t.Errorf("the pool holds %+v after every operation", got)
		}
	})
	return client.New(srv)
}

// TestResolversChargeTheBudget: every field that returns stored nodes or
// edges charges them (and their bytes) to the operation, and an answer
// over the operation's budget fails with LIMIT_EXCEEDED.
func TestResolversChargeTheBudget(t *testing.T) {
	const n = 8
	s := chain(t, n)
	last := chainID(n - 1)
	tests := []struct {
		name  string
		query string
		nodes bool // charges nodes (else edges)
	}{
		{"node", fmt.Sprintf(`{ node(id: %q) { id } }`, chainID(0)), true},
		{"nodes", fmt.Sprintf(`{ nodes(ids: [%q, %q]) { id } }`, chainID(0), chainID(1)), true},
		{"edge", fmt.Sprintf(`{ edge(id: "%s>TRANSFER>%s#t1") { id } }`, chainID(0), chainID(1)), false},
		{"edges", fmt.Sprintf(`{ edges(ids: ["%s>TRANSFER>%s#t1"]) { id } }`, chainID(0), chainID(1)), false},
		{"edge endpoints through the loader", fmt.Sprintf(`{ edge(id: "%s>TRANSFER>%s#t1") { fromNode { id } } }`, chainID(0), chainID(1)), true},
		{"search", `{ search(query: "wallet") { edges { node { id } } } }`, true},
		{"neighbors", fmt.Sprintf(`{ neighbors(id: %q, depth: 2) { nodes { id } edges { id } } }`, chainID(3)), true},
		{"neighbors filtered", fmt.Sprintf(`{ neighbors(id: %q, depth: 2, minAmount: 10) { nodes { id } edges { id } } }`, chainID(3)), true},
		{"shortestPath", fmt.Sprintf(`{ shortestPath(from: %q, to: %q, maxHops: 12) { length } }`, chainID(0), last), true},
		{"shortestPath filtered", fmt.Sprintf(`{ shortestPath(from: %q, to: %q, maxHops: 12, minAmount: 10) { length } }`, chainID(0), last), true},
		{"moneyFlow", fmt.Sprintf(`{ moneyFlow(from: [%q], to: [%q], maxHops: 12) { routeCount } }`, chainID(0), last), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ops []*budget.Operation
			c := budgetServer(t, s, budget.Limits{}, &ops)
			var resp map[string]any
			if err := c.Post(tt.query, &resp); err != nil {
				t.Fatalf("unbounded: %v", err)
			}
			used := ops[0].Used()
			if (tt.nodes && used.Nodes == 0) || (!tt.nodes && used.Edges == 0) || used.Bytes == 0 {
				t.Fatalf("used %+v: the answer was not charged", used)
			}

			// A budget of one byte: every answer is over it.
			c = budgetServer(t, s, budget.Limits{Bytes: 1}, &ops)
			raw, err := c.RawPost(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw.Errors), `"code":"LIMIT_EXCEEDED"`) || !strings.Contains(string(raw.Errors), "the operation's budget of 1 bytes") {
				t.Errorf("over the budget: errors %s, want LIMIT_EXCEEDED naming the budget", raw.Errors)
			}
		})
	}
}
