package statetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// RunHidden checks that records and log entries never show in the graph
// they are kept beside: open returns a new, empty graph store and its
// record store (the same backend), registering Close with t.Cleanup.
func RunHidden(t *testing.T, open func(t *testing.T) (graph.Store, state.Store)) {
	g, s := open(t)
	ctx := t.Context()
	// A wallet whose ID is also used as a record key, and a word that only
	// the records hold.
	const word = "quokkarecord"
	const (
		walletKey = "eth:0x00000000000000000000000000000000000000aa"
		otherKey  = "eth:0x00000000000000000000000000000000000000bb"
		walletID  = "wallet:" + walletKey
		otherID   = "wallet:" + otherKey
	)
	src := []graph.Source{{Dataset: "fixture"}}
	if _, err := g.Write(ctx, graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindWallet, Key: walletKey, Label: "wallet a", Sources: src},
			{Kind: graph.KindWallet, Key: otherKey, Label: "wallet b", Sources: src},
		},
		Edges: []graph.Edge{{Kind: graph.EdgeTransfer, From: walletID, To: otherID, Key: "tx", Amount: 1, Asset: "ETH", Sources: src}},
	}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, g, walletID, word)

	for i := range 20 {
		key := fmt.Sprintf("%s %s %d", word, walletID, i)
		if _, err := s.Put(ctx, "cases", key, fmt.Appendf(nil, `{"label":%q,"id":%q}`, word, walletID), state.Absent); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, "wallet", walletID, []byte(word), state.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, "audit", []byte(word+" "+walletID)); err != nil {
			t.Fatal(err)
		}
	}
	after := snapshot(t, g, walletID, word)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("the graph changed with records beside it:\nbefore %+v\nafter  %+v", before, after)
	}
	if after.hits != 0 {
		t.Fatalf("search for a word only records hold found %d nodes", after.hits)
	}
}

type view struct {
	stats      graph.Stats
	hits       int
	neighbours int
	edges      int
	listed     int
	label      string
}

func snapshot(t *testing.T, g graph.Store, id, word string) view {
	t.Helper()
	ctx := t.Context()
	var v view
	var err error
	if v.stats, err = g.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := g.Search(ctx, graph.SearchQuery{Text: word, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	v.hits = len(res.Hits)
	sub, err := g.Neighbors(ctx, graph.NeighborQuery{ID: id, Direction: graph.Both, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	v.neighbours, v.edges = len(sub.Nodes), len(sub.Edges)
	list, err := g.ListNodes(ctx, graph.ListQuery{Kinds: graph.NodeKinds(), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	v.listed = len(list.Nodes)
	n, err := g.Node(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	v.label = n.Label
	return v
}
