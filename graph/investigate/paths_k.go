package investigate

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// local computes the paths wanted over the local graph, exactly, once the
// sides have met: the k shortest, or with All the first k+1 of all simple
// paths within the sides' depths.
func (ps *pathSearch) local(ctx context.Context, k int) ([][]step, error) {
	maxLen := ps.fwd.depth + ps.bwd.depth
	if err := ps.prepare(ctx); err != nil {
		return nil, err
	}
	if ps.q.All {
		return ps.allSimple(ctx, maxLen, k+1)
	}
	return ps.kShortest(ctx, maxLen, k)
}

// prepare classifies every node of the local graph when the service
// policy needs it, so that passable can judge nodes that were reached from
// both sides but never expanded.
func (ps *pathSearch) prepare(ctx context.Context) error {
	if !ps.classifies() {
		return nil
	}
	return ps.v.classify(ctx, ps.adjNodes)
}

// sortAdj puts each node's steps in the canonical order searches follow:
// by the node they lead to, then by arc.
func (ps *pathSearch) sortAdj() {
	if ps.sortedAdj {
		return
	}
	for _, list := range ps.adj {
		slices.SortFunc(list, func(a, b step) int {
			return thenBy(ps.v.byID(a.to, b.to), func() int { return compareArcs(ps.v, ps.arcOf(a), ps.arcOf(b)) })
		})
	}
	ps.sortedAdj = true
}

// bfs finds the canonical shortest path from src to the end within maxLen
// steps avoiding banned nodes and steps: levels in ID order, each node
// reached first from the least node of the level before.
func (ps *pathSearch) bfs(src uint32, maxLen int, banNode map[uint32]bool, banStep map[stepKey]bool) []step {
	ps.sortAdj()
	if src == ps.to {
		return []step{}
	}
	parent := map[uint32]step{}
	from := map[uint32]uint32{}
	seen := map[uint32]bool{src: true}
	level := []uint32{src}
	for d := 0; d < maxLen && len(level) > 0; d++ {
		var next []uint32
		for _, u := range level {
			if !ps.passable(u) {
				continue
			}
			steps := ps.stepsOf(u)
			if ps.v.b.tick(len(steps)+1) != nil {
				return nil // out of time: kShortest reports it at its next check
			}
			for _, s := range steps {
				if seen[s.to] || banNode[s.to] || banStep[stepKey{s.edge, u}] {
					continue
				}
				seen[s.to] = true
				parent[s.to], from[s.to] = s, u
				if s.to == ps.to {
					var path []step
					for w := ps.to; w != src; w = from[w] {
						path = append(path, parent[w])
					}
					slices.Reverse(path)
					return path
				}
				next = append(next, s.to)
			}
		}
		ps.v.sortByID(next)
		level = next
	}
	return nil
}

// nodesOf returns the nodes a path visits, from the start.
func (ps *pathSearch) nodesOf(p []step) []uint32 {
	out := []uint32{ps.from}
	for _, s := range p {
		out = append(out, s.to)
	}
	return out
}

// comparePaths orders paths by length, then node IDs, then edges.
func (ps *pathSearch) comparePaths(a, b []step) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	for i := range a {
		if c := ps.v.byID(a[i].to, b[i].to); c != 0 {
			return c
		}
	}
	for i := range a {
		if c := compareArcs(ps.v, ps.arcOf(a[i]), ps.arcOf(b[i])); c != 0 {
			return c
		}
	}
	return 0
}

// kShortest is Yen's algorithm over the local graph: the k shortest
// simple paths of at most maxLen steps.
func (ps *pathSearch) kShortest(ctx context.Context, maxLen, k int) ([][]step, error) {
	first := ps.bfs(ps.from, maxLen, nil, nil)
	if first == nil {
		return nil, nil
	}
	found := [][]step{first}
	var cands [][]step
	key := func(p []step) string { return fmt.Sprint(p) }
	known := map[string]bool{key(first): true}
	for len(found) < k {
		if err := ctx.Err(); err != nil {
			return nil, graph.WrapError(graph.CodeTimeout, err, "the query ran out of time")
		}
		last := found[len(found)-1]
		lastNodes := ps.nodesOf(last)
		for i := 0; i < len(last); i++ {
			spur := lastNodes[i]
			banStep := map[stepKey]bool{}
			for _, p := range found {
				pn := ps.nodesOf(p)
				if len(p) > i && slices.Equal(pn[:i+1], lastNodes[:i+1]) && slices.Equal(edgesOf(p[:i]), edgesOf(last[:i])) {
					banStep[stepKey{p[i].edge, spur}] = true
				}
			}
			banNode := map[uint32]bool{}
			for _, u := range lastNodes[:i] {
				banNode[u] = true
			}
			tail := ps.bfs(spur, maxLen-i, banNode, banStep)
			if tail == nil {
				continue
			}
			cand := append(slices.Clone(last[:i]), tail...)
			if kk := key(cand); !known[kk] {
				known[kk] = true
				cands = append(cands, cand)
			}
		}
		if len(cands) == 0 {
			break
		}
		best := 0
		for i := range cands {
			if ps.comparePaths(cands[i], cands[best]) < 0 {
				best = i
			}
		}
		found = append(found, cands[best])
		cands = slices.Delete(cands, best, best+1)
	}
	return found, nil
}

func edgesOf(p []step) []uint32 {
	out := make([]uint32, len(p))
	for i, s := range p {
		out[i] = s.edge
	}
	return out
}

// allSimple lists simple paths of at most maxLen steps, shortest first and
// in ID order within a length, stopping after want of them.
func (ps *pathSearch) allSimple(ctx context.Context, maxLen, want int) ([][]step, error) {
	ps.sortAdj()
	toEnd := ps.distancesToEnd() // prune dead branches
	var out [][]step
	onPath := map[uint32]bool{ps.from: true}
	var cur []step
	work := 0
	var dfs func(u uint32, left int) error
	dfs = func(u uint32, left int) error {
		if len(out) >= want {
			return nil
		}
		if work++; work%4096 == 0 && ctx.Err() != nil {
			return graph.WrapError(graph.CodeTimeout, ctx.Err(), "the query ran out of time")
		}
		if left == 0 {
			if u == ps.to {
				out = append(out, slices.Clone(cur))
			}
			return nil
		}
		if u == ps.to || !ps.passable(u) {
			return nil
		}
		for _, s := range ps.stepsOf(u) {
			d, ok := toEnd[s.to]
			if !ok || d > left-1 || onPath[s.to] {
				continue
			}
			onPath[s.to] = true
			cur = append(cur, s)
			err := dfs(s.to, left-1)
			cur = cur[:len(cur)-1]
			delete(onPath, s.to)
			if err != nil {
				return err
			}
		}
		return nil
	}
	for length := 1; length <= maxLen && len(out) < want; length++ {
		if err := dfs(ps.from, length); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// distancesToEnd are the distances to the end over the local graph.
func (ps *pathSearch) distancesToEnd() map[uint32]int {
	toEnd := map[uint32]int{ps.to: 0}
	level := []uint32{ps.to}
	for d := 1; len(level) > 0; d++ {
		var next []uint32
		for _, w := range level {
			for _, u := range ps.predsOf(w) {
				if _, ok := toEnd[u]; !ok {
					toEnd[u] = d
					next = append(next, u)
				}
			}
		}
		level = next
	}
	return toEnd
}
