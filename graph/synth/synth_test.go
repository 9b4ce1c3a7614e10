package synth

import (
	"reflect"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

// TestGen: the counts a generator announces are the records it yields,
// every edge's endpoints come before it, and the same seed and sizes give
// the same records whatever the batch size.
func TestGen(t *testing.T) {
	tests := []struct {
		name                      string
		seed                      int64
		wallets, transfers, batch int
	}{
		{"smallest", 1, 4, 4, 3},
		{"one batch", 7, 300, 1500, 1 << 16},
		{"many batches", 7, 300, 1500, 97},
		{"two hubs per chain", 3, 5000, 2000, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGen(tt.seed, tt.wallets, tt.transfers)
			seen := map[string]bool{}
			var nodes, edges int
			for b := range g.Batches(tt.batch) {
				if n := len(b.Nodes) + len(b.Edges); n == 0 || n > tt.batch {
					t.Fatalf("a batch of %d records, want 1..%d", n, tt.batch)
				}
				for _, n := range b.Nodes {
					id, _, err := graph.NodeID(n.Kind, n.Key)
					if err != nil {
						t.Fatal(err)
					}
					seen[id] = true
				}
				for _, e := range b.Edges {
					if !seen[e.From] || !seen[e.To] {
						t.Fatalf("edge %s>%s>%s before its endpoints", e.From, e.Kind, e.To)
					}
				}
				nodes, edges = nodes+len(b.Nodes), edges+len(b.Edges)
			}
			if nodes != g.Nodes() || edges != g.Edges() {
				t.Errorf("yielded %d nodes and %d edges, announced %d and %d", nodes, edges, g.Nodes(), g.Edges())
			}
			if got := Generate(tt.seed, tt.wallets, tt.transfers); !reflect.DeepEqual(got, Generate(tt.seed, tt.wallets, tt.transfers)) {
				t.Error("the same seed gave different graphs")
			}
		})
	}
	if reflect.DeepEqual(Generate(1, 100, 100), Generate(2, 100, 100)) {
		t.Error("two seeds gave the same graph")
	}
}
