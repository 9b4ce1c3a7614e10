package algo

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// eagerPath is the search ShortestPath replaced, kept as the oracle of its
// answers: visit state in maps, every node's predecessor updated as the
// level is expanded.
func eagerPath(g *Graph, src, dst uint32, opts PathOptions) PathResult {
	type visit struct{ parent, depth uint32 }
	type side struct {
		dir      Dir
		seen     map[uint32]visit
		frontier []uint32
		depth    int
	}
	var res PathResult
	if src == dst {
		return PathResult{Nodes: []uint32{src}}
	}
	less := opts.Less
	if less == nil {
		less = func(a, b uint32) bool { return a < b }
	}
	pass := func(u uint32) bool { return u == src || u == dst || opts.Pass == nil || opts.Pass(u) }
	fwd := &side{dir: opts.Dir, seen: map[uint32]visit{src: {None, 0}}, frontier: []uint32{src}}
	bwd := &side{dir: opts.Dir.Reverse(), seen: map[uint32]visit{dst: {None, 0}}, frontier: []uint32{dst}}
	for len(fwd.frontier) > 0 && len(bwd.frontier) > 0 {
		if fwd.depth+bwd.depth >= opts.MaxHops {
			res.HopLimit = true
			return res
		}
		s, other := fwd, bwd
		if len(bwd.frontier) < len(fwd.frontier) {
			s, other = bwd, fwd
		}
		d := uint32(s.depth + 1)
		var next, meets []uint32
		for _, u := range s.frontier {
			if !pass(u) {
				continue
			}
			for _, a := range g.AppendArcs(nil, u, s.dir, opts.Mask) {
				v := a.Node
				if opts.Arc != nil && !opts.Arc(a.Edge, v) {
					continue
				}
				if vis, ok := s.seen[v]; ok {
					if vis.depth == d && less(u, vis.parent) {
						s.seen[v] = visit{u, d}
					}
					continue
				}
				if opts.MaxVisited > 0 && len(s.seen)+len(other.seen) >= opts.MaxVisited {
					res.VisitLimit = true
					return res
				}
				s.seen[v] = visit{u, d}
				next = append(next, v)
				if _, ok := other.seen[v]; ok && pass(v) {
					meets = append(meets, v)
				}
			}
		}
		s.frontier, s.depth = next, int(d)
		if len(meets) > 0 {
			m := meets[0]
			for _, v := range meets[1:] {
				if less(v, m) {
					m = v
				}
			}
			var path []uint32
			for u := m; u != None; u = fwd.seen[u].parent {
				path = append(path, u)
			}
			slices.Reverse(path)
			for u := bwd.seen[m].parent; u != None; u = bwd.seen[u].parent {
				path = append(path, u)
			}
			res.Nodes = path
			return res
		}
	}
	return res
}

func TestShortestPathMatchesEagerSearch(t *testing.T) {
	// The same answers as the map-based search, under a node order that is
	// not the index order, with nodes refused (hubs) and arcs hidden
	// (visibility), in every direction, on CSR, linked lists and both.
	ctx := context.Background()
	r := rand.New(rand.NewPCG(11, 12))
	tests := []struct {
		name      string
		compactAt func(m int) int
		pass, arc bool
		visited   int
	}{
		{"csr", func(m int) int { return m }, false, false, 0},
		{"lists", func(int) int { return -1 }, false, false, 0},
		{"mixed, refused nodes", func(m int) int { return m / 2 }, true, false, 0},
		{"mixed, hidden arcs", func(m int) int { return m / 3 }, false, true, 0},
		{"mixed, both, visit limit", func(m int) int { return m / 2 }, true, true, 25},
	}
	compared := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for trial := range 30 {
				n := 10 + r.IntN(70)
				es := randomEdges(r, n, n+r.IntN(3*n))
				g := build(n, es, tt.compactAt(len(es)))
				rank := r.Perm(n)
				opts := PathOptions{Dir: []Dir{Out, In, Both}[trial%3], Mask: []KindMask{0, MaskOf(0, 1)}[trial%2], MaxHops: 2 + r.IntN(6), MaxVisited: tt.visited,
					Less: func(a, b uint32) bool { return rank[a] < rank[b] }}
				if tt.pass {
					opts.Pass = func(u uint32) bool { return rank[u]%4 != 0 }
				}
				if tt.arc {
					opts.Arc = func(e, other uint32) bool { return (e+other)%5 != 0 }
				}
				for range 40 {
					src, dst := uint32(r.IntN(n)), uint32(r.IntN(n))
					got, err := ShortestPath(ctx, g, src, dst, opts)
					if err != nil {
						t.Fatal(err)
					}
					want := eagerPath(g, src, dst, opts)
					if !slices.Equal(got.Nodes, want.Nodes) || got.HopLimit != want.HopLimit || got.VisitLimit != want.VisitLimit {
						t.Fatalf("trial %d %d→%d: got %+v, want %+v", trial, src, dst, got, want)
					}
					if len(got.Nodes) > 2 {
						compared++
					}
				}
			}
		})
	}
	if compared < 200 {
		t.Fatalf("only %d multi-hop paths compared: the fixture is too sparse to test anything", compared)
	}
}

func TestShortestPathScratchReuse(t *testing.T) {
	// Pooled visit state must not leak between searches: across an epoch
	// wrap-around and after the graph grows past the scratch's size.
	ctx := context.Background()
	g := build(4, []edge{{0, 1, 0}, {1, 2, 0}, {2, 3, 0}}, -1)
	tests := []struct {
		name    string
		prepare func()
		src     uint32
		dst     uint32
		want    []uint32
	}{
		{"first", func() {}, 0, 3, []uint32{0, 1, 2, 3}},
		{"epoch wraps", func() {
			// Stamps of an old epoch 1 everywhere; the next search wraps
			// to epoch 1 and must not take them for its own.
			sc := g.getScratch()
			for i := range sc.side {
				for j := range sc.side[i].mark {
					sc.side[i].mark[j] = 1
				}
			}
			sc.epoch = math.MaxUint32

			g.scratch.Put(sc)
		}, 0, 3, []uint32{0, 1, 2, 3}},
		{"after the wrap", func() {}, 3, 0, nil},
		{"graph grew", func() {
			for range 100 {
				g.AddNode()
			}
			g.AddEdge(3, 100, 0)
		}, 0, 100, []uint32{0, 1, 2, 3, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prepare()
			for range 3 {
				res, err := ShortestPath(ctx, g, tt.src, tt.dst, PathOptions{Dir: Out, MaxHops: 6})
				if err != nil || !slices.Equal(res.Nodes, tt.want) {
					t.Fatalf("%d→%d: %v, %v; want %v", tt.src, tt.dst, res.Nodes, err, tt.want)
				}
			}
		})
	}
}
