package boltstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// TestCoSpendSetsAndFacts: co-spend sets grow as INPUT edges are written,
// and the per-edge facts and first-seen times survive a reopen.
func TestCoSpendSetsAndFacts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, Options{})
	w := func(n int) string { return fmt.Sprintf("wallet:eth:0x%040x", n) }
	tx := func(n int) string { return fmt.Sprintf("transaction:btc:%064x", n) }
	seen := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	src := []graph.Source{{Dataset: "t", RetrievedAt: seen}}
	var b graph.Batch
	for n := 1; n <= 4; n++ {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: fmt.Sprintf("eth:0x%040x", n), Sources: src})
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindTransaction, Key: fmt.Sprintf("btc:%064x", n), Sources: src})
	}
	in := func(wn, tn int) graph.Edge {
		return graph.Edge{Kind: graph.EdgeInput, From: w(wn), To: tx(tn), Sources: src}
	}
	b.Edges = []graph.Edge{in(1, 1), in(2, 1), {Kind: graph.EdgeTransfer, From: w(3), To: w(4), Key: "k", Amount: 2, Asset: "ETH", ValueUSD: 4000,
		Time: seen.Add(-time.Hour), Sources: src}}
	if _, err := s.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, joined map[[2]int]bool) {
		t.Helper()
		top, release, err := s.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		tp := top.(*topology)
		for pair, want := range joined {
			a, _ := tp.CoSpendSet(s.idx.byID[w(pair[0])])
			c, _ := tp.CoSpendSet(s.idx.byID[w(pair[1])])
			if (a == c) != want {
				t.Errorf("wallets %v in one set: %v, want %v", pair, a == c, want)
			}
		}
		h, _ := top.Resolve(ctx, []string{w(3)})
		arcs, err := top.Expand(ctx, h, investigateFilterOut())
		if err != nil || len(arcs[0]) != 1 {
			t.Fatalf("arcs %v %v", arcs, err)
		}
		a := arcs[0][0]
		if a.Time != seen.Add(-time.Hour).Unix() || a.Value != 4000 || a.Amount != 2 || a.Asset != "ETH" || a.Seen != seen.Unix() {
			t.Errorf("arc facts %+v", a)
		}
		info, _ := top.Describe(ctx, h)
		if info[0].Seen != seen.Unix() || info[0].Degree < 1 {
			t.Errorf("node info %+v", info[0])
		}
	}
	check(s, map[[2]int]bool{{1, 2}: true, {1, 3}: false})
	// w3 spends with w2 in tx2: the two sets join.
	if _, err := s.Write(ctx, graph.Batch{Edges: []graph.Edge{in(3, 2), in(2, 2)}}); err != nil {
		t.Fatal(err)
	}
	check(s, map[[2]int]bool{{1, 3}: true, {1, 4}: false})
	s.Close()
	check(open(t, dir, Options{}), map[[2]int]bool{{1, 3}: true, {1, 4}: false, {2, 3}: true})
}

func investigateFilterOut() investigate.Filter {
	return investigate.Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeTransfer}}
}
