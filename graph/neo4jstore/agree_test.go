package neo4jstore

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/synth"
)

// TestAgreesWithEmbeddedStore loads one generated graph, hubs and peel
// chains included, into both stores and compares their answers on random
// seeded queries: write counts, path lengths, neighbourhoods (nodes,
// edges, truncation) and search pages.
func TestAgreesWithEmbeddedStore(t *testing.T) {
	ctx := context.Background()
	neo := openEmpty(t, testConfig(t))
	bolt, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	g := synth.NewGen(11, 1500, 6000)
	for b := range g.Batches(2500) {
		rb, err1 := bolt.Write(ctx, b)
		rn, err2 := neo.Write(ctx, b)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if rb.NodesCreated != rn.NodesCreated || rb.EdgesCreated != rn.EdgesCreated || rb.NodesUpdated != rn.NodesUpdated ||
			rb.EdgesUpdated != rn.EdgesUpdated || rb.NodesUnchanged != rn.NodesUnchanged || rb.EdgesUnchanged != rn.EdgesUnchanged {
			t.Fatalf("write counts differ: embedded %+v, neo4j %+v", rb, rn)
		}
	}
	ids := func(ns []*graph.Node) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = n.ID
		}
		return out
	}
	eids := func(es []*graph.Edge) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.ID
		}
		return out
	}
	r := rand.New(rand.NewPCG(5, 5))
	for i := range 60 {
		from, to := g.WalletID(r.IntN(g.Wallets())), g.WalletID(r.IntN(g.Wallets()))
		if i%10 == 0 {
			from = g.WalletID(0) // a hub
		}
		for _, dir := range []graph.Direction{graph.Out, graph.In, graph.Both} {
			pq := graph.PathQuery{From: from, To: to, Direction: dir, MaxHops: 5}
			pb, err1 := bolt.ShortestPath(ctx, pq)
			pn, err2 := neo.ShortestPath(ctx, pq)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if pb.Length() != pn.Length() || len(pb.Nodes) != len(pn.Nodes) {
				t.Fatalf("%+v: path length embedded %d, neo4j %d", pq, pb.Length(), pn.Length())
			}
			nq := graph.NeighborQuery{ID: from, Direction: dir, Depth: 1 + i%3, Limit: []int{5, 40, 200}[i%3]}
			sb, err1 := bolt.Neighbors(ctx, nq)
			sn, err2 := neo.Neighbors(ctx, nq)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !slices.Equal(ids(sb.Nodes), ids(sn.Nodes)) || !slices.Equal(eids(sb.Edges), eids(sn.Edges)) ||
				sb.Truncated != sn.Truncated || sb.Reason != sn.Reason {
				t.Fatalf("%+v: neighbourhoods differ:\nembedded %q %q %v %q\n   neo4j %q %q %v %q", nq,
					ids(sb.Nodes), eids(sb.Edges), sb.Truncated, sb.Reason, ids(sn.Nodes), eids(sn.Edges), sn.Truncated, sn.Reason)
			}
		}
		// prefixes, words and substrings of addresses and labels
		id := g.WalletID(r.IntN(g.Wallets()))
		addr := id[len("wallet:btc:"):]
		for _, text := range []string{addr[:3], addr[2:9], "exchange", "exchange 1", "hot wal", "xchan"} {
			q := graph.SearchQuery{Text: text, Limit: 7}
			for page := 0; page < 3; page++ {
				rb, err1 := bolt.Search(ctx, q)
				rn, err2 := neo.Search(ctx, q)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				var hb, hn []string
				for _, h := range rb.Hits {
					hb = append(hb, h.Node.ID+"@"+h.Cursor)
				}
				for _, h := range rn.Hits {
					hn = append(hn, h.Node.ID+"@"+h.Cursor)
				}
				if !slices.Equal(hb, hn) || rb.HasMore != rn.HasMore {
					t.Fatalf("search %+v: embedded %q (more %v), neo4j %q (more %v)", q, hb, rb.HasMore, hn, rn.HasMore)
				}
				if !rb.HasMore {
					break
				}
				q.After = rb.Hits[len(rb.Hits)-1].Cursor
			}
		}
	}
}
