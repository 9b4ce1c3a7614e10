package investigate_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/synth"
)

// storeWith opens an embedded store in a temporary directory holding b.
func storeWith(t *testing.T, b graph.Batch) *boltstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	res, err := s.Write(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("rejected %d records, first: %v", len(res.Rejected), res.Rejected[0].Err)
	}
	return s
}

// topologyOf opens one query's view of s, released when the test ends.
func topologyOf(t *testing.T, s *boltstore.Store) investigate.Topology {
	t.Helper()
	top, release, err := s.Topology(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return top
}

// cw is the ID of test wallet n of the community tests.
func cw(n int) string { return fmt.Sprintf("wallet:eth:0x%040x", n) }

// transfers returns a batch of wallets 0..n-1 and one transfer per pair
// (each pair may repeat, for parallel edges, or be a self-loop).
func transfers(n int, pairs [][2]int) graph.Batch {
	var b graph.Batch
	for i := range n {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: fmt.Sprintf("eth:0x%040x", i), Sources: []graph.Source{{Dataset: "test"}}})
	}
	for i, p := range pairs {
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: cw(p[0]), To: cw(p[1]), Key: fmt.Sprint("t", i),
			Sources: []graph.Source{{Dataset: "test"}}})
	}
	return b
}

func wallets(ns ...int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = cw(n)
	}
	return out
}

func upTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// twoCliques is the textbook example: 4-cliques {0,1,2,3} and {4,5,6,7}
// joined by the edge 3–4.
var twoCliques = [][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}, {4, 5}, {4, 6}, {4, 7}, {5, 6}, {5, 7}, {6, 7}, {3, 4}}

// karate is Zachary's karate club (networkx's karate_club_graph).
var karate = [][2]int{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0, 6}, {0, 7}, {0, 8}, {0, 10}, {0, 11}, {0, 12}, {0, 13}, {0, 17}, {0, 19}, {0, 21}, {0, 31}, {1, 2}, {1, 3}, {1, 7}, {1, 13}, {1, 17}, {1, 19}, {1, 21}, {1, 30}, {2, 3}, {2, 7}, {2, 8}, {2, 9}, {2, 13}, {2, 27}, {2, 28}, {2, 32}, {3, 7}, {3, 12}, {3, 13}, {4, 6}, {4, 10}, {5, 6}, {5, 10}, {5, 16}, {6, 16}, {8, 30}, {8, 32}, {8, 33}, {9, 33}, {13, 33}, {14, 32}, {14, 33}, {15, 32}, {15, 33}, {18, 32}, {18, 33}, {19, 33}, {20, 32}, {20, 33}, {22, 32}, {22, 33}, {23, 25}, {23, 27}, {23, 29}, {23, 32}, {23, 33}, {24, 25}, {24, 27}, {24, 31}, {25, 31}, {26, 29}, {26, 33}, {27, 33}, {28, 31}, {28, 33}, {29, 32}, {29, 33}, {30, 32}, {30, 33}, {31, 32}, {31, 33}, {32, 33}}

func TestCommunities(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		edges      [][2]int
		resolution float64
		comms      []investigate.Community
		modularity float64
	}{
		// m = 13; each clique holds 6 edges and degree 3+3+3+4 = 13:
		// Q = 2·(6/13 − (13/26)²) = 12/13 − 1/2 = 11/26 ≈ 0.423.
		{"two 4-cliques joined by an edge", 8, twoCliques, 0,
			[]investigate.Community{
				{ID: 0, Members: wallets(0, 1, 2, 3), InternalEdges: 6, TotalDegree: 13},
				{ID: 1, Members: wallets(4, 5, 6, 7), InternalEdges: 6, TotalDegree: 13},
			}, 11.0 / 26},
		// Weights: 0–1 twice (w 2), 1–2 (w 1), a self-loop at 2 (w 1);
		// m = 4, degrees 2, 3, 1+2. {0,1}: L 2, D 5; {2}: L 1, D 3:
		// Q = 2/4 − (5/8)² + 1/4 − (3/8)² = 7/32. All in one: Q = 0.
		{"parallel edges and a self-loop", 3, [][2]int{{0, 1}, {0, 1}, {1, 2}, {2, 2}}, 0,
			[]investigate.Community{
				{ID: 0, Members: wallets(0, 1), InternalEdges: 2, TotalDegree: 5},
				{ID: 1, Members: wallets(2), InternalEdges: 1, TotalDegree: 3},
			}, 7.0 / 32},
		// At γ = 10 joining any neighbour costs more than it gains
		// (1 − 10·3·3/26 < 0): singletons, ordered by ID, and
		// Q = −Σ(k/26)² = −(6·9 + 2·16)/676 = −43/338.
		{"high resolution leaves singletons", 8, twoCliques, 10,
			func() []investigate.Community {
				var out []investigate.Community
				for i := range 8 {
					deg := 3
					if i == 3 || i == 4 {
						deg = 4
					}
					out = append(out, investigate.Community{ID: i, Members: wallets(i), TotalDegree: deg})
				}
				return out
			}(), -43.0 / 338},
		{"no edges", 2, nil, 0,
			[]investigate.Community{{ID: 0, Members: wallets(0)}, {ID: 1, Members: wallets(1)}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storeWith(t, transfers(tt.n, tt.edges))
			res, err := investigate.Communities(context.Background(), topologyOf(t, s),
				investigate.CommunitiesQuery{IDs: wallets(upTo(tt.n)...), Resolution: tt.resolution}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !communitiesEqual(res.Communities, tt.comms) {
				t.Fatalf("communities\n got %v\nwant %v", res.Communities, tt.comms)
			}
			if math.Abs(res.Modularity-tt.modularity) > 1e-12 {
				t.Fatalf("modularity %v, want %v", res.Modularity, tt.modularity)
			}
			if q := referenceModularity(tt.n, tt.edges, res.Communities); math.Abs(res.Modularity-q) > 1e-12 {
				t.Fatalf("modularity %v, the reference formula gives %v", res.Modularity, q)
			}
		})
	}
}

func communitiesEqual(a, b []investigate.Community) bool {
	return slices.EqualFunc(a, b, func(x, y investigate.Community) bool {
		return x.ID == y.ID && slices.Equal(x.Members, y.Members) && x.InternalEdges == y.InternalEdges && x.TotalDegree == y.TotalDegree
	})
}

// referenceModularity is Newman's Q = 1/2m Σ_ij [A_ij − k_i k_j/2m] δ(c_i, c_j)
// over the adjacency matrix (a self-loop adds 2 to A_ii), written apart
// from the code under test.
func referenceModularity(n int, edges [][2]int, comms []investigate.Community) float64 {
	if len(edges) == 0 {
		return 0
	}
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
	}
	k := make([]float64, n)
	for _, e := range edges {
		a[e[0]][e[1]]++
		a[e[1]][e[0]]++
		k[e[0]]++
		k[e[1]]++
	}
	comm := map[string]int{}
	for _, c := range comms {
		for _, m := range c.Members {
			comm[m] = c.ID
		}
	}
	twoM := float64(2 * len(edges))
	q := 0.0
	for i := range n {
		for j := range n {
			if comm[cw(i)] == comm[cw(j)] {
				q += a[i][j] - k[i]*k[j]/twoM
			}
		}
	}
	return q / twoM
}

// TestCommunitiesKarate runs Louvain on Zachary's karate club: the
// partition covers every member once, its modularity is what the reference
// formula gives and is as high as Louvain's known results (≈ 0.42), and the
// answer does not depend on the order of the IDs given.
func TestCommunitiesKarate(t *testing.T) {
	s := storeWith(t, transfers(34, karate))
	ids := wallets(upTo(34)...)
	res, err := investigate.Communities(context.Background(), topologyOf(t, s), investigate.CommunitiesQuery{IDs: ids}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for i, c := range res.Communities {
		if c.ID != i || !slices.IsSorted(c.Members) || i > 0 && len(c.Members) > len(res.Communities[i-1].Members) {
			t.Fatalf("community %v out of order", c)
		}
		all = append(all, c.Members...)
	}
	if slices.Sort(all); !slices.Equal(all, ids) {
		t.Fatalf("communities do not partition the nodes: %v", all)
	}
	if q := referenceModularity(34, karate, res.Communities); math.Abs(res.Modularity-q) > 1e-12 || q < 0.41 {
		t.Fatalf("modularity %v (reference %v), want ≥ 0.41", res.Modularity, q)
	}
	if len(res.Components) != 1 || len(res.Components[0]) != 34 {
		t.Fatalf("components %v", res.Components)
	}
	t.Logf("%d communities, Q = %.4f", len(res.Communities), res.Modularity)

	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := slices.Clone(ids)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again, err := investigate.Communities(context.Background(), topologyOf(t, s), investigate.CommunitiesQuery{IDs: shuffled}, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !communitiesEqual(again.Communities, res.Communities) || again.Modularity != res.Modularity {
			t.Fatalf("another order of IDs gave\n%v\nnot\n%v", again.Communities, res.Communities)
		}
	}
}

func TestCommunitiesBudgetAndDeadline(t *testing.T) {
	s := storeWith(t, transfers(8, twoCliques))
	ids := wallets(upTo(8)...)
	// 13 edges are 26 arcs: a budget of 10 cannot read the subgraph.
	res, err := investigate.Communities(context.Background(), topologyOf(t, s), investigate.CommunitiesQuery{IDs: ids}, investigate.Limits{MaxArcs: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Communities) != 0 || len(res.Components) != 0 {
		t.Fatalf("over budget: %+v", res)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = investigate.Communities(ctx, topologyOf(t, s), investigate.CommunitiesQuery{IDs: ids}, investigate.Limits{})
	if graph.ErrorCode(err) != graph.CodeTimeout {
		t.Fatalf("cancelled: %v, want TIMEOUT", err)
	}
}

// BenchmarkCommunities partitions a subgraph of the server's largest size,
// MaxSubgraph (20,000) wallets of a generated graph with skewed degrees.
func BenchmarkCommunities(b *testing.B) {
	ctx := context.Background()
	s, err := boltstore.Open(ctx, b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	g := synth.NewGen(7, 20_000, 80_000)
	for batch := range g.Batches(10_000) {
		if _, err := s.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	ids := make([]string, g.Wallets())
	for i := range ids {
		ids[i] = g.WalletID(i)
	}
	b.ResetTimer()
	for range b.N {
		top, release, err := s.Topology(ctx)
		if err != nil {
			b.Fatal(err)
		}
		res, err := investigate.Communities(ctx, top, investigate.CommunitiesQuery{IDs: ids}, investigate.Limits{})
		release()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(res.Communities)), "communities")
		b.ReportMetric(res.Modularity, "Q")
	}
}
