package algo

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

type edge struct {
	src, dst uint32
	kind     uint8
}

// randomEdges returns m random edges over n nodes with kinds 0..2, a few
// parallel edges and self-loops included by chance.
func randomEdges(r *rand.Rand, n, m int) []edge {
	es := make([]edge, m)
	for i := range es {
		es[i] = edge{uint32(r.IntN(n)), uint32(r.IntN(n)), uint8(r.IntN(3))}
	}
	return es
}

// build adds the edges in order, compacting after compactAt of them (or
// never when compactAt < 0), so tests cover CSR, linked lists and both.
func build(n int, es []edge, compactAt int) *Graph {
	g := NewGraph(n, len(es))
	for range n {
		g.AddNode()
	}
	for i, e := range es {
		if i == compactAt {
			g.Compact()
		}
		g.AddEdge(e.src, e.dst, e.kind)
	}
	return g
}

// naiveDist is a plain BFS over the edge list: the reference.
func naiveDist(n int, es []edge, src uint32, dir Dir, mask KindMask) []int {
	dist := make([]int, n)
	for i := range dist {
		dist[i] = -1
	}
	dist[src] = 0
	queue := []uint32{src}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range es {
			if !mask.Has(e.kind) {
				continue
			}
			var v uint32
			switch {
			case dir&Out != 0 && e.src == u:
				v = e.dst
			case dir&In != 0 && e.dst == u:
				v = e.src
			default:
				continue
			}
			if dist[v] < 0 {
				dist[v] = dist[u] + 1
				queue = append(queue, v)
			}
		}
	}
	return dist
}

func arcSet(g *Graph, u uint32, dir Dir, mask KindMask) []Arc {
	a := g.AppendArcs(nil, u, dir, mask)
	slices.SortFunc(a, func(x, y Arc) int { return int(x.Edge) - int(y.Edge) })
	return a
}

func TestGraphArcsSameBeforeAndAfterCompaction(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 50
	es := randomEdges(r, n, 400)
	layouts := map[string]*Graph{
		"linked lists": build(n, es, -1),
		"csr":          build(n, es, -1),
		"mixed":        build(n, es, 150),
	}
	layouts["csr"].Compact()
	ref := layouts["linked lists"]
	for name, g := range layouts {
		for u := range uint32(n) {
			for _, dir := range []Dir{Out, In, Both} {
				for _, mask := range []KindMask{0, MaskOf(1), MaskOf(0, 2)} {
					got, want := arcSet(g, u, dir, mask), arcSet(ref, u, dir, mask)
					if !slices.Equal(got, want) {
						t.Fatalf("%s: arcs(%d, %d, %b) = %v, want %v", name, u, dir, mask, got, want)
					}
					if mask == 0 && g.Degree(u, dir) != len(got) {
						t.Fatalf("%s: degree(%d, %d) = %d, want %d", name, u, dir, g.Degree(u, dir), len(got))
					}
				}
			}
		}
		// arcs against the raw edge list
		for e, x := range es {
			if !slices.Contains(g.AppendArcs(nil, x.src, Out, 0), Arc{uint32(e), x.dst}) ||
				!slices.Contains(g.AppendArcs(nil, x.dst, In, 0), Arc{uint32(e), x.src}) {
				t.Fatalf("%s: edge %d %v missing from adjacency", name, e, x)
			}
		}
	}
}

func TestGraphNodesAddedAfterCompaction(t *testing.T) {
	g := build(2, []edge{{0, 1, 0}}, -1)
	g.Compact()
	c := g.AddNode()
	e := g.AddEdge(c, 0, 1)
	if got := g.AppendArcs(nil, c, Out, 0); !slices.Equal(got, []Arc{{e, 0}}) {
		t.Fatalf("arcs of new node = %v", got)
	}
	if got := arcSet(g, 0, Both, 0); !slices.Equal(got, []Arc{{0, 1}, {e, c}}) {
		t.Fatalf("arcs of old node = %v", got)
	}
}

func TestEdgesBetween(t *testing.T) {
	// 0 ─a→ 1, 0 ─b→ 1 (kind 1), 1 ─c→ 0, 0 ─d→ 2, and 0 has many more edges
	es := []edge{{0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {0, 2, 0}}
	for range 20 {
		es = append(es, edge{0, 2, 2})
	}
	g := build(3, es, 2)
	tests := []struct {
		name string
		u, v uint32
		dir  Dir
		mask KindMask
		want []uint32
	}{
		{"out", 0, 1, Out, 0, []uint32{0, 1}},
		{"out kind", 0, 1, Out, MaskOf(1), []uint32{1}},
		{"in", 0, 1, In, 0, []uint32{2}},
		{"both", 0, 1, Both, 0, []uint32{0, 1, 2}},
		{"reverse of hub", 2, 0, In, MaskOf(0), []uint32{3}},
		{"none", 1, 2, Both, 0, nil},
	}
	for _, tt := range tests {
		if got := g.EdgesBetween(tt.u, tt.v, tt.dir, tt.mask); !slices.Equal(got, tt.want) {
			t.Errorf("%s: EdgesBetween = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLevelsMatchesNaiveBFS(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 30 {
		n := 5 + r.IntN(60)
		es := randomEdges(r, n, r.IntN(3*n))
		g := build(n, es, r.IntN(len(es)+1)-1)
		src := uint32(r.IntN(n))
		dir := []Dir{Out, In, Both}[trial%3]
		mask := []KindMask{0, MaskOf(0, 1)}[trial%2]
		dist := naiveDist(n, es, src, dir, mask)
		res, err := Levels(ctx, g, src, LevelsOptions{Dir: dir, Mask: mask, MaxDepth: 3})
		if err != nil {
			t.Fatal(err)
		}
		for d := range 4 {
			var want []uint32
			for u, du := range dist {
				if du == d {
					want = append(want, uint32(u))
				}
			}
			var got []uint32
			if d < len(res.Levels) {
				got = slices.Sorted(slices.Values(res.Levels[d]))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d: level %d = %v, want %v", trial, d, got, want)
			}
		}
	}
}

func TestLevelsWantAndVisitLimit(t *testing.T) {
	ctx := context.Background()
	// 0 → 1, 2, 3; 1 → 4; 4 → 5
	g := build(6, []edge{{0, 1, 0}, {0, 2, 0}, {0, 3, 0}, {1, 4, 0}, {4, 5, 0}}, -1)
	tests := []struct {
		name       string
		opts       LevelsOptions
		sizes      []int
		more, vlim bool
	}{
		{"all", LevelsOptions{Dir: Out, MaxDepth: 3}, []int{1, 3, 1, 1}, false, false},
		{"want cuts level 1", LevelsOptions{Dir: Out, MaxDepth: 3, Want: 2}, []int{1, 3}, true, false},
		{"want equals level 1, more below", LevelsOptions{Dir: Out, MaxDepth: 3, Want: 3}, []int{1, 3}, true, false},
		{"want equals everything", LevelsOptions{Dir: Out, MaxDepth: 3, Want: 5}, []int{1, 3, 1, 1}, false, false},
		{"want equals depth-bounded set", LevelsOptions{Dir: Out, MaxDepth: 1, Want: 3}, []int{1, 3}, false, false},
		{"visit limit", LevelsOptions{Dir: Out, MaxDepth: 3, MaxVisited: 3}, []int{1, 2}, false, true},
		{"in from leaf", LevelsOptions{Dir: In, MaxDepth: 2}, []int{1, 1}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := uint32(0)
			if tt.opts.Dir == In {
				start = 2
			}
			res, err := Levels(ctx, g, start, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for _, l := range res.Levels {
				sizes = append(sizes, len(l))
			}
			if !slices.Equal(sizes, tt.sizes) || res.More != tt.more || res.VisitLimit != tt.vlim {
				t.Fatalf("sizes %v more %v visitLimit %v, want %v %v %v", sizes, res.More, res.VisitLimit, tt.sizes, tt.more, tt.vlim)
			}
		})
	}
}

func validPath(g *Graph, p []uint32, dir Dir, mask KindMask) bool {
	for i := 0; i+1 < len(p); i++ {
		if len(g.EdgesBetween(p[i], p[i+1], dir, mask)) == 0 {
			return false
		}
	}
	return true
}

func TestShortestPathMatchesNaiveBFS(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 40 {
		n := 5 + r.IntN(80)
		es := randomEdges(r, n, r.IntN(2*n))
		g := build(n, es, -1)
		dir := []Dir{Out, In, Both}[trial%3]
		mask := []KindMask{0, MaskOf(0, 2)}[trial%2]
		for range 20 {
			src, dst := uint32(r.IntN(n)), uint32(r.IntN(n))
			want := naiveDist(n, es, src, dir, mask)[dst]
			const hops = 6
			res, err := ShortestPath(ctx, g, src, dst, PathOptions{Dir: dir, Mask: mask, MaxHops: hops})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case want < 0 || want > hops:
				if res.Nodes != nil {
					t.Fatalf("trial %d: path %v from %d to %d, want none", trial, res.Nodes, src, dst)
				}
				if want > hops && !res.HopLimit {
					t.Fatalf("trial %d: distance %d > %d hops but HopLimit not set", trial, want, hops)
				}
			case len(res.Nodes)-1 != want:
				t.Fatalf("trial %d: path %v from %d to %d has length %d, want %d", trial, res.Nodes, src, dst, len(res.Nodes)-1, want)
			case res.Nodes[0] != src || res.Nodes[len(res.Nodes)-1] != dst || !validPath(g, res.Nodes, dir, mask):
				t.Fatalf("trial %d: invalid path %v from %d to %d", trial, res.Nodes, src, dst)
			}
		}
	}
}

func TestShortestPathIsCanonical(t *testing.T) {
	// The same edges inserted in different orders, under a node order that
	// is not the index order, must give the same path.
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 8))
	const n = 60
	es := randomEdges(r, n, 150)
	rank := r.Perm(n)
	less := func(a, b uint32) bool { return rank[a] < rank[b] }
	g1 := build(n, es, -1)
	shuffled := slices.Clone(es)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	g2 := build(n, shuffled, 40)
	found := 0
	for src := range uint32(n) {
		for dst := range uint32(n) {
			opts := PathOptions{Dir: Both, MaxHops: 8, Less: less}
			p1, err1 := ShortestPath(ctx, g1, src, dst, opts)
			p2, err2 := ShortestPath(ctx, g2, src, dst, opts)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !slices.Equal(p1.Nodes, p2.Nodes) {
				t.Fatalf("%d→%d: %v vs %v", src, dst, p1.Nodes, p2.Nodes)
			}
			if len(p1.Nodes) > 2 {
				found++
			}
		}
	}
	if found < 100 {
		t.Fatalf("only %d multi-hop paths: the fixture is too sparse to test anything", found)
	}
}

func TestShortestPathLimitsAndCancel(t *testing.T) {
	// a chain 0 → 1 → ... → 9
	var es []edge
	for i := range uint32(9) {
		es = append(es, edge{i, i + 1, 0})
	}
	g := build(10, es, -1)
	ctx := context.Background()
	res, err := ShortestPath(ctx, g, 0, 9, PathOptions{Dir: Out, MaxHops: 8})
	if err != nil || res.Nodes != nil || !res.HopLimit {
		t.Fatalf("8 hops on a 9-hop chain: %+v, %v", res, err)
	}
	res, err = ShortestPath(ctx, g, 0, 9, PathOptions{Dir: Out, MaxHops: 9})
	if err != nil || len(res.Nodes) != 10 {
		t.Fatalf("9 hops: %+v, %v", res, err)
	}
	res, err = ShortestPath(ctx, g, 0, 9, PathOptions{Dir: Out, MaxHops: 9, MaxVisited: 5})
	if err != nil || res.Nodes != nil || !res.VisitLimit {
		t.Fatalf("visit limit: %+v, %v", res, err)
	}
	res, err = ShortestPath(ctx, g, 9, 0, PathOptions{Dir: Out, MaxHops: 12})
	if err != nil || res.Nodes != nil || res.HopLimit || res.VisitLimit {
		t.Fatalf("against the direction: %+v, %v", res, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ShortestPath(cctx, g, 0, 9, PathOptions{Dir: Out, MaxHops: 9}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := Levels(cctx, g, 0, LevelsOptions{Dir: Out, MaxDepth: 2}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled levels: %v", err)
	}
}

func TestShortestPathCancelledMidway(t *testing.T) {
	// a star big enough that the search checks its context while running
	const n = 3 * checkEvery
	es := make([]edge, 0, n)
	for i := uint32(1); i < n; i++ {
		es = append(es, edge{0, i, 0})
	}
	g := build(n+1, es, -1)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	adj := adjFunc{g, func() {
		if calls++; calls == 2 {
			cancel()
		}
	}}
	_, err := Levels(ctx, adj, 0, LevelsOptions{Dir: Both, MaxDepth: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want cancellation", err)
	}
}

// adjFunc calls hook before each adjacency lookup.
type adjFunc struct {
	g    *Graph
	hook func()
}

func (a adjFunc) NumNodes() int { return a.g.NumNodes() }
func (a adjFunc) AppendArcs(buf []Arc, u uint32, dir Dir, mask KindMask) []Arc {
	a.hook()
	return a.g.AppendArcs(buf, u, dir, mask)
}

func TestComponentsAndUnionFind(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const n = 200
	es := randomEdges(r, n, 150)
	g := build(n, es, 70)
	comp := Components(g, MaskOf(0, 1))
	for u := range uint32(n) {
		dist := naiveDist(n, es, u, Both, MaskOf(0, 1))
		least := u
		for v, d := range dist {
			if d >= 0 && uint32(v) < least {
				least = uint32(v)
			}
			if (d >= 0) != (comp[v] == comp[u]) {
				t.Fatalf("nodes %d and %d: reachable %v, same component %v", u, v, d >= 0, comp[v] == comp[u])
			}
		}
		if comp[u] != least {
			t.Fatalf("component label of %d = %d, want %d", u, comp[u], least)
		}
	}
	uf := NewUnionFind(3)
	x := uf.Add()
	if !uf.Union(0, x) || uf.Union(x, 0) || uf.Size(0) != 2 || uf.Find(1) == uf.Find(0) || uf.Len() != 4 {
		t.Fatal("union-find basics")
	}
}
