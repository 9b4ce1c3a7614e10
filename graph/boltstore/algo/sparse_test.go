package algo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSparseArcs: with kinds kept in per-node lists (SetSparse), AppendArcs
// lists the same arcs in the same order as the row scan, for masks of
// sparse kinds, before and after compaction, with self-loops and edges
// added since; other masks read the rows as before.
func TestSparseArcs(t *testing.T) {
	const nodes, kinds = 40, 5
	sparse := MaskOf(3, 4)
	rng := rand.New(rand.NewPCG(7, 9))
	plain, kept := NewGraph(0, 0), NewGraph(0, 0)
	kept.SetSparse(sparse)
	add := func(n int) {
		for range n {
			u, v, k := uint32(rng.IntN(nodes)), uint32(rng.IntN(nodes)), uint8(rng.IntN(kinds))
			if rng.IntN(10) == 0 {
				v = u
			}
			plain.AddEdge(u, v, k)
			kept.AddEdge(u, v, k)
		}
	}
	for range nodes {
		plain.AddNode()
		kept.AddNode()
	}
	check := func(stage string) {
		t.Helper()
		for _, mask := range []KindMask{MaskOf(3), MaskOf(4), sparse, MaskOf(2, 3), 0} {
			for _, dir := range []Dir{Out, In, Both} {
				for u := range uint32(nodes) {
					want := plain.AppendArcs(nil, u, dir, mask)
					got := kept.AppendArcs(nil, u, dir, mask)
					if !slices.Equal(want, got) {
						t.Fatalf("%s: node %d dir %d mask %b: sparse %v, rows %v", stage, u, dir, mask, got, want)
					}
				}
			}
		}
	}
	add(300)
	check("uncompacted")
	plain.Compact()
	kept.Compact()
	check("compacted")
	add(400)
	check("edges added since")
	rebuilt, err := FromArrays(kept.MarshalArrays(), kinds)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt.SetSparse(sparse)
	kept = rebuilt
	plain.Compact()
	check("from arrays")
}
