package main

// The reference row: a plain bidirectional BFS over CSR int32 arrays built
// from the bench's own edges.tsv, on the same pairs as the stores and
// networkx. It answers nothing but "is there a path of at most maxHops, and
// how long": no IDs, no visibility, no canonical choice, no records. It is
// the limit a traversal in Go over the same graph can reach, printed beside
// the store so every run shows how far from it the store is.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// refCSR is one adjacency: the neighbours of u are adj[off[u]:off[u+1]].
type refCSR struct {
	off []int32
	adj []int32
}

// refGraph holds the out, in and undirected (both) adjacencies.
type refGraph struct {
	out, in, both refCSR
}

// refSearch is one side's visit state, stamped by epoch so that a query
// clears nothing: a node is seen when mark[u] == epoch.
type refSearch struct {
	mark     []uint32
	dist     []uint8
	frontier []int32
	next     []int32
	depth    int
}

// refBFS is the reference search with its reusable state.
type refBFS struct {
	g        *refGraph
	fwd, bwd refSearch
	epoch    uint32
}

// loadReference reads "from\tto" lines of node handles in [0, nodes) and
// builds the three CSRs.
func loadReference(path string, nodes int) (*refGraph, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = f.Close() }()
	var src, dst []int32
	sc := bufio.NewScanner(bufio.NewReaderSize(f, 1<<20))
	for sc.Scan() {
		a, b, ok := bytes.Cut(sc.Bytes(), []byte{'\t'})
		if !ok {
			return nil, 0, fmt.Errorf("%s: line %d is not from\\tto", path, len(src)+1)
		}
		u, err1 := strconv.ParseInt(string(a), 10, 32)
		v, err2 := strconv.ParseInt(string(b), 10, 32)
		if err1 != nil || err2 != nil || u < 0 || v < 0 || int(u) >= nodes || int(v) >= nodes {
			return nil, 0, fmt.Errorf("%s: line %d: bad node handles", path, len(src)+1)
		}
		src, dst = append(src, int32(u)), append(dst, int32(v))
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	g := &refGraph{
		out:  buildRefCSR(nodes, src, dst, nil, nil),
		in:   buildRefCSR(nodes, dst, src, nil, nil),
		both: buildRefCSR(nodes, src, dst, dst, src),
	}
	return g, len(src), nil
}

// buildRefCSR counting-sorts arcs key[i] → val[i] (and key2[i] → val2[i]).
func buildRefCSR(n int, key, val, key2, val2 []int32) refCSR {
	off := make([]int32, n+1)
	for _, u := range key {
		off[u+1]++
	}
	for _, u := range key2 {
		off[u+1]++
	}
	for i := 1; i <= n; i++ {
		off[i] += off[i-1]
	}
	adj := make([]int32, off[n])
	pos := make([]int32, n)
	copy(pos, off[:n])
	for i, u := range key {
		adj[pos[u]] = val[i]
		pos[u]++
	}
	for i, u := range key2 {
		adj[pos[u]] = val2[i]
		pos[u]++
	}
	return refCSR{off: off, adj: adj}
}

func newRefBFS(g *refGraph, nodes int) *refBFS {
	return &refBFS{g: g,
		fwd: refSearch{mark: make([]uint32, nodes), dist: make([]uint8, nodes)},
		bwd: refSearch{mark: make([]uint32, nodes), dist: make([]uint8, nodes)},
	}
}

// path returns the length of a shortest path from src to dst of at most
// maxHops hops (OUT or BOTH), expanding the smaller frontier a whole level
// at a time.
func (r *refBFS) path(src, dst int32, both bool, maxHops int) (int, bool) {
	if src == dst {
		return 0, true
	}
	r.epoch++
	ep := r.epoch
	fa, ba := &r.g.out, &r.g.in
	if both {
		fa, ba = &r.g.both, &r.g.both
	}
	f, b := &r.fwd, &r.bwd
	f.frontier, f.depth, b.frontier, b.depth = append(f.frontier[:0], src), 0, append(b.frontier[:0], dst), 0
	f.mark[src], f.dist[src], b.mark[dst], b.dist[dst] = ep, 0, ep, 0
	for len(f.frontier) > 0 && len(b.frontier) > 0 && f.depth+b.depth < maxHops {
		s, o, a := f, b, fa
		if len(b.frontier) < len(f.frontier) {
			s, o, a = b, f, ba
		}
		d := uint8(s.depth + 1)
		best := -1
		s.next = s.next[:0]
		for _, u := range s.frontier {
			for _, v := range a.adj[a.off[u]:a.off[u+1]] {
				if s.mark[v] == ep {
					continue
				}
				s.mark[v], s.dist[v] = ep, d
				s.next = append(s.next, v)
				if o.mark[v] == ep {
					if l := int(d) + int(o.dist[v]); best < 0 || l < best {
						best = l
					}
				}
			}
		}
		s.frontier, s.next = s.next, s.frontier
		s.depth = int(d)
		if best >= 0 {
			return best, true
		}
	}
	return 0, false
}

// runReference loads the reference CSRs from edgesPath and times the
// reference search on the pairs' handles, OUT and BOTH.
func runReference(ctx context.Context, r *qreport, c config, edgesPath string, nodes int, handles [][2]int64) error {
	start := time.Now()
	g, edges, err := loadReference(edgesPath, nodes)
	if err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	r.shot("load the whole graph into memory", "reference CSR", time.Since(start),
		fmt.Sprintf("%d edge lines parsed into int32 CSRs (out, in, both)", edges))
	bfs := newRefBFS(g, nodes)
	hops := c.q.maxHops
	for _, dir := range []graph.Direction{graph.Out, graph.Both} {
		query := fmt.Sprintf("shortest path %s ≤%d", dir, hops)
		row := measure(ctx, query, "reference, CSR int32 bidirectional BFS", "reference", "hops", len(handles), c.q.timeout, func(_ context.Context, i int) answer {
			l, ok := bfs.path(int32(handles[i][0]), int32(handles[i][1]), dir == graph.Both, hops)
			return answer{found: ok, size: l}
		})
		row.note = "lengths only: no IDs, visibility or records"
		r.rows = append(r.rows, row)
	}
	return nil
}
