package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server"
)

// callCounter is the real store with a count of the calls that reach it:
// the resolvers see it as their store, so every round trip they make is
// counted.
type callCounter struct {
	investigate.Store
	mu    sync.Mutex
	calls map[string]int
}

func (c *callCounter) count(what string) {
	c.mu.Lock()
	c.calls[what]++
	c.mu.Unlock()
}

func (c *callCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = map[string]int{}
	return out
}

func (c *callCounter) Node(ctx context.Context, id string) (*graph.Node, error) {
	c.count("Node")
	return c.Store.Node(ctx, id)
}

func (c *callCounter) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	c.count("Nodes")
	return c.Store.Nodes(ctx, ids)
}

func (c *callCounter) Edge(ctx context.Context, id string) (*graph.Edge, error) {
	c.count("Edge")
	return c.Store.Edge(ctx, id)
}

func (c *callCounter) ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error) {
	c.count("ListNodes")
	return c.Store.ListNodes(ctx, q)
}

func (c *callCounter) Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error) {
	c.count("Search")
	return c.Store.Search(ctx, q)
}

func (c *callCounter) Neighbors(ctx context.Context, q graph.NeighborQuery) (graph.Subgraph, error) {
	c.count("Neighbors")
	return c.Store.Neighbors(ctx, q)
}

func (c *callCounter) Topology(ctx context.Context) (investigate.Topology, func(), error) {
	c.count("Topology")
	return c.Store.Topology(ctx)
}

func (c *callCounter) Stats(ctx context.Context) (graph.Stats, error) {
	c.count("Stats")
	return c.Store.Stats(ctx)
}

// fanOut adds n wallets that A pays, one transfer each, so that lists of
// edges have many distinct endpoints.
func fanOut(t *testing.T, s graph.Store, n int) []string {
	t.Helper()
	src := []graph.Source{{Dataset: "redthread-server-test", Record: "fan", Confidence: 60, Marking: graph.TLPGreen}}
	var b graph.Batch
	var ids []string
	for i := range n {
		key := fmt.Sprintf("eth:0x%040x", 0xfa0000+i)
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: key, Label: fmt.Sprintf("Fan %d", i), Sources: src})
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: idA, To: "wallet:" + key, Key: fmt.Sprint(i), Amount: float64(i + 1), Asset: "ETH",
			Time: heistTime.Add(time.Duration(i+2) * time.Hour), Sources: src})
		ids = append(ids, "wallet:"+key)
	}
	res, err := s.Write(t.Context(), b)
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("write: %v %+v", err, res.Rejected)
	}
	return ids
}

// TestLoadersOneRoundTrip: the nodes reached through the fields of a list
// (edge ends, sinks, sources, degrees, risks) cost one store call per
// batch, not one per element.
func TestLoadersOneRoundTrip(t *testing.T) {
	const fans = 60
	real := openStore(t)
	fanOut(t, real, fans)
	cs := &callCounter{Store: real, calls: map[string]int{}}
	ts := start(t, cs, server.Config{})
	tests := []struct {
		name  string
		query string
		want  map[string]int // calls by method; methods not named: none
	}{
		{"transfers: both ends of 62 edges, with degrees",
			`{ transfers(wallets: ["` + idA + `", "` + idB + `"], first: 1000) { totalCount edges { node { fromNode { id label degree } toNode { id label degree } } } } }`,
			map[string]int{"Topology": 2, "Nodes": 1}},
		{"nodeList: degrees and risks of every wallet",
			`{ nodeList(kind: WALLET, first: 1000) { edges { node { id degree risk { flags { kind } } } } } }`,
			map[string]int{"ListNodes": 1, "Topology": 2}},
		{"nodes: edge ends among the nodes asked cost nothing more",
			`{ neighbors(id: "` + idA + `", limit: 1000) { edges { fromNode { id } toNode { id } } } }`,
			map[string]int{"Neighbors": 1}},
		{"neighbors of several: ends and degrees",
			`{ neighbors(ids: ["` + idA + `", "` + idC + `"], limit: 1000) { nodes { degree } edges { fromNode { id degree } toNode { id } } } }`,
			map[string]int{"Topology": 2}},
		// Sources, sinks and the tainted transfers are three lists (the
		// sinks are 60 wallets): one batch for all their degrees.
		{"moneyFlow: sources, sinks, tainted transfers' ends",
			`{ moneyFlow(from: ["` + idIncident + `"], maxHops: 4) { sources { id degree } sinks { node { id degree } } tainted { edge { fromNode { id label } toNode { id label } } } } }`,
			map[string]int{"Topology": 2, "Nodes": 1}},
		{"moneyFlow: the sinks come with the answer, the routes' hops are one batch",
			`{ moneyFlow(from: ["` + idIncident + `"], maxHops: 4) { sinks { node { id label } } routes { hops { edge { fromNode { id } toNode { id label } } } } } }`,
			map[string]int{"Topology": 1, "Nodes": 1}},
		{"paths: the ends of their edges come with the answer",
			`{ paths(from: "` + idIncident + `", to: "` + idC + `", limit: 5) { paths { edges { fromNode { id } toNode { id } } } } }`,
			map[string]int{"Topology": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs.take()
			out := query(t, ts, tt.query, nil)
			if len(out.Errors) > 0 {
				t.Fatalf("errors: %+v", out.Errors)
			}
			got := cs.take()
			for k, n := range tt.want {
				if got[k] != n {
					t.Errorf("%s called %d times, want %d (all calls: %v)", k, got[k], n, got)
				}
			}
			for k, n := range got {
				if _, ok := tt.want[k]; !ok {
					t.Errorf("%s called %d times, want none (all calls: %v)", k, n, got)
				}
			}
		})
	}
}
