package investigate

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// CommunitiesQuery asks for the components and communities of the subgraph
// induced by a set of nodes: the visualizer's current view, say.
type CommunitiesQuery struct {
	IDs   []string         // the subgraph's nodes; required, at most Limits.MaxSubgraph
	Kinds []graph.EdgeKind // edges considered; empty means every kind
	AsOf  int64            // ignore facts first seen after it (unix seconds; 0: no cut-off)
	// Resolution is Louvain's γ: above 1 it favours more, smaller
	// communities, below 1 fewer, larger ones. 0 means 1.
	Resolution float64
}

// Community is one community of a CommunitiesResult.
type Community struct {
	ID            int      // 0..n-1, largest first, equal sizes by least member ID
	Members       []string // sorted
	InternalEdges int      // edges with both ends in the community, parallel edges and self-loops each counted
	TotalDegree   int      // sum of the members' degrees in the subgraph (a self-loop counts twice)
}

// CommunitiesResult is the answer to a CommunitiesQuery. The subgraph is
// taken as undirected; an edge weighs 1, so parallel edges add up.
type CommunitiesResult struct {
	// Components are the weakly connected components, each sorted, largest
	// first, equal sizes by least ID. Isolated nodes are components of one.
	Components [][]string
	// Communities are found by Louvain modularity optimisation.
	Communities []Community
	// Modularity is Newman's Q (resolution 1, whatever Resolution was
	// used to find the communities) of the communities on the subgraph; 0
	// for a subgraph without edges.
	Modularity float64
	// Hidden lists (sorted) nodes given in IDs but first seen after AsOf:
	// they are left out of the subgraph rather than failing the query, so
	// that a view can be replayed as of an earlier date.
	Hidden []string
	Truncation
}

// Communities answers a CommunitiesQuery. The subgraph's edges are read in
// one batch, so a remote store pays one round trip for them; components and
// communities are then computed in memory, deterministically: nodes are
// numbered in ID order, which both stores share.
func Communities(ctx context.Context, t Topology, q CommunitiesQuery, l Limits) (CommunitiesResult, error) {
	var res CommunitiesResult
	l = l.OrDefaults()
	if len(q.IDs) == 0 {
		return res, graph.Errorf(graph.CodeInvalid, "communities need the subgraph's node IDs")
	}
	if err := rejectUnknownKinds(q.Kinds); err != nil {
		return res, err
	}
	gamma := q.Resolution
	switch {
	case math.IsNaN(gamma) || math.IsInf(gamma, 0) || gamma < 0:
		return res, graph.Errorf(graph.CodeInvalid, "resolution must be a finite number ≥ 0, got %v", q.Resolution)
	case gamma == 0:
		gamma = 1
	}
	ids := slices.Compact(slices.Sorted(slices.Values(q.IDs)))
	if len(ids) > l.MaxSubgraph {
		res.Add(graph.CauseSubgraphLimit, "the subgraph has %d nodes: communities were computed for the %d with the least IDs, the server's limit", len(ids), l.MaxSubgraph)
		ids = ids[:l.MaxSubgraph]
	}

	v := newView(ctx, t, l, &res.Truncation)
	hs, err := v.resolve(ctx, ids, 0)
	if err != nil {
		return CommunitiesResult{}, err
	}
	nodes := hs[:0:0]
	for i, h := range hs {
		if q.AsOf != 0 && v.info.of(h).Seen > q.AsOf {
			res.Hidden = append(res.Hidden, ids[i])
			continue
		}
		nodes = append(nodes, h)
	}
	if err := v.b.visit(len(nodes)); err != nil {
		return communitiesBudgetOut(res, err)
	}
	lists, err := v.expand(ctx, nodes, Filter{Dir: graph.Both, Kinds: q.Kinds, AsOf: q.AsOf})
	if err != nil {
		return communitiesBudgetOut(res, err)
	}

	// Nodes are numbered in ID order (ids is sorted), so index order is ID
	// order in everything below.
	index := make(map[uint32]int32, len(nodes))
	names := make([]string, len(nodes))
	for i, h := range nodes {
		index[h] = int32(i)
		names[i] = v.id(h)
	}
	var es []wedge
	seen := map[uint32]bool{} // an edge shows up at both its ends
	for i := range nodes {
		for _, a := range lists[i] {
			from, okFrom := index[a.From]
			to, okTo := index[a.To]
			if !okFrom || !okTo || seen[a.Edge] {
				continue
			}
			seen[a.Edge] = true
			es = append(es, wedge{from, to})
		}
	}
	g := newWGraph(len(nodes), es)

	res.Components = namedGroups(names, weakComponents(len(nodes), es))
	comm, err := louvain(ctx, g, gamma)
	if err != nil {
		return CommunitiesResult{}, err
	}
	groups := labelMembers(comm)
	res.Modularity = g.modularity(comm, len(groups))
	internal, degree := make([]int, len(groups)), make([]int, len(groups))
	for _, e := range es {
		if comm[e.a] == comm[e.b] {
			internal[comm[e.a]]++
		}
		degree[comm[e.a]]++
		degree[comm[e.b]]++
	}
	order := largestFirst(groups)
	for rank, c := range order {
		res.Communities = append(res.Communities, Community{
			ID: rank, Members: memberNames(names, groups[c]), InternalEdges: internal[c], TotalDegree: degree[c],
		})
	}
	return res, nil
}

// communitiesBudgetOut turns an exhausted budget into a truncated, empty answer: a
// partition of part of the edges would mislead.
func communitiesBudgetOut(res CommunitiesResult, err error) (CommunitiesResult, error) {
	if errors.Is(err, errBudget) {
		return res, nil
	}
	return CommunitiesResult{}, err
}

// rejectUnknownKinds rejects unknown edge kinds before a store sees them.
func rejectUnknownKinds(kinds []graph.EdgeKind) error {
	for _, k := range kinds {
		if !k.Valid() {
			return graph.Errorf(graph.CodeInvalid, "unknown edge kind %q", k)
		}
	}
	return nil
}

// wedge is an undirected edge of unit weight between node indexes.
type wedge struct{ a, b int32 }

// wnbr is a weighted neighbour.
type wnbr struct {
	j int32
	w float64
}

// wgraph is an undirected weighted graph over dense indexes, the form
// Louvain works on: self-loops apart, neighbours sorted by index.
type wgraph struct {
	adj  [][]wnbr
	self []float64 // weight of each node's self-loops, counted once
	deg  []float64 // weighted degree, self-loops counted twice
	m    float64   // total weight of the edges
}

func newWGraph(n int, es []wedge) *wgraph {
	g := &wgraph{adj: make([][]wnbr, n), self: make([]float64, n), deg: make([]float64, n)}
	pairs := make(map[wedge]float64, len(es))
	for _, e := range es {
		if e.a == e.b {
			g.self[e.a]++
		} else {
			pairs[wedge{min(e.a, e.b), max(e.a, e.b)}]++
		}
		g.deg[e.a]++
		g.deg[e.b]++
		g.m++
	}
	for e, w := range pairs {
		g.adj[e.a] = append(g.adj[e.a], wnbr{e.b, w})
		g.adj[e.b] = append(g.adj[e.b], wnbr{e.a, w})
	}
	for i := range g.adj {
		slices.SortFunc(g.adj[i], func(x, y wnbr) int { return cmp.Compare(x.j, y.j) })
	}
	return g
}

// modularity is Newman's Q = Σ_c [L_c/m − (D_c/2m)²] of a partition into k
// communities, L_c the weight inside c and D_c the degrees in c.
func (g *wgraph) modularity(comm []int32, k int) float64 {
	if g.m == 0 {
		return 0
	}
	in, tot := make([]float64, k), make([]float64, k)
	for i, c := range comm {
		in[c] += g.self[i]
		tot[c] += g.deg[i]
		for _, nb := range g.adj[i] {
			if int32(i) < nb.j && comm[nb.j] == c {
				in[c] += nb.w
			}
		}
	}
	q := 0.0
	for c := range k {
		q += in[c]/g.m - (tot[c]/(2*g.m))*(tot[c]/(2*g.m))
	}
	return q
}

// louvain partitions g by Louvain modularity optimisation (Blondel et al.
// 2008) at resolution gamma: local moving until no node gains by moving,
// then aggregation of each community into one node, repeated until local
// moving changes nothing. It returns each node's community, numbered by
// least member. Deterministic: nodes are visited in index order, and
// between communities of equal gain the one with the least member wins.
func louvain(ctx context.Context, g *wgraph, gamma float64) ([]int32, error) {
	part := make([]int32, len(g.adj))
	for i := range part {
		part[i] = int32(i)
	}
	for cur := g; ; {
		comm, err := localMoving(ctx, cur, gamma)
		if err != nil {
			return nil, err
		}
		k := relabelByLeast(comm)
		for i, c := range part {
			part[i] = comm[c]
		}
		if k == len(cur.adj) {
			return part, nil
		}
		// Community c's least member is a node of the level with a lower
		// index than c+1's, so the aggregate's index order is still the
		// order of least original members: ties keep meaning "least ID".
		cur = cur.aggregate(comm, k)
	}
}

// louvainMaxSweeps bounds local moving; each move raises modularity, so it ends
// long before in exact arithmetic, but rounding must not make it loop.
const louvainMaxSweeps = 1000

// localMoving moves single nodes between communities while modularity
// rises and returns each node's community (labels are node indexes).
func localMoving(ctx context.Context, g *wgraph, gamma float64) ([]int32, error) {
	n := len(g.adj)
	comm := make([]int32, n)
	tot := make([]float64, n) // degree of each community
	least := make([]int32, n) // each community's least member, when !stale
	stale := make([]bool, n)  // least left the community; recompute on demand
	wc := make([]float64, n)  // scratch: weight from the node to each community
	var touched []int32       // communities with wc set
	for i := range n {
		comm[i], tot[i], least[i] = int32(i), g.deg[i], int32(i)
	}
	label := func(c int32) int32 {
		if stale[c] {
			least[c], stale[c] = int32(n), false
			for j, cj := range comm {
				if cj == c {
					least[c] = int32(j)
					break
				}
			}
		}
		return least[c]
	}
	twoM := 2 * g.m
	for sweep := 0; sweep < louvainMaxSweeps; sweep++ {
		if err := ctx.Err(); err != nil {
			return nil, graph.WrapError(graph.CodeTimeout, err, "the query ran out of time")
		}
		moved := false
		for i := range n {
			ci := comm[i]
			for _, nb := range g.adj[i] {
				c := comm[nb.j]
				if wc[c] == 0 {
					touched = append(touched, c)
				}
				wc[c] += nb.w
			}
			tot[ci] -= g.deg[i]
			// Gain of joining c, times m: the weight to c less what a
			// random graph with these degrees would put there.
			gain := func(c int32) float64 { return wc[c] - gamma*tot[c]*g.deg[i]/twoM }
			best, better := ci, int32(-1)
			var betterGain float64
			for _, c := range touched {
				if c == ci {
					continue
				}
				if gc := gain(c); better < 0 || gc > betterGain || gc == betterGain && label(c) < label(better) {
					better, betterGain = c, gc
				}
			}
			// Staying wins ties, so that equal-gain moves cannot cycle.
			if better >= 0 && betterGain > gain(ci) {
				best = better
			}
			tot[best] += g.deg[i]
			if best != ci {
				moved = true
				comm[i] = best
				if !stale[best] && int32(i) < least[best] {
					least[best] = int32(i)
				}
				if !stale[ci] && least[ci] == int32(i) {
					stale[ci] = true
				}
			}
			for _, c := range touched {
				wc[c] = 0
			}
			touched = touched[:0]
		}
		if !moved {
			break
		}
	}
	return comm, nil
}

// relabelByLeast relabels communities 0..k-1 in order of least member and
// returns k.
func relabelByLeast(comm []int32) int {
	next := map[int32]int32{}
	for i, c := range comm {
		r, ok := next[c]
		if !ok {
			r = int32(len(next))
			next[c] = r
		}
		comm[i] = r
	}
	return len(next)
}

// aggregate makes each of k communities one node: the weight inside a
// community becomes a self-loop, the weight between two an edge.
func (g *wgraph) aggregate(comm []int32, k int) *wgraph {
	h := &wgraph{adj: make([][]wnbr, k), self: make([]float64, k), deg: make([]float64, k), m: g.m}
	between := make([]map[int32]float64, k)
	for i, ci := range comm {
		h.self[ci] += g.self[i]
		h.deg[ci] += g.deg[i]
		for _, nb := range g.adj[i] {
			cj := comm[nb.j]
			switch {
			case cj == ci && int32(i) < nb.j:
				h.self[ci] += nb.w
			case cj != ci:
				if between[ci] == nil {
					between[ci] = map[int32]float64{}
				}
				between[ci][cj] += nb.w
			}
		}
	}
	for c, ws := range between {
		for j, w := range ws {
			h.adj[c] = append(h.adj[c], wnbr{j, w})
		}
		slices.SortFunc(h.adj[c], func(x, y wnbr) int { return cmp.Compare(x.j, y.j) })
	}
	return h
}

// weakComponents labels the weakly connected components of n nodes joined by
// es, by union-find; labels are 0..k-1 in order of least member.
func weakComponents(n int, es []wedge) []int32 {
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, e := range es {
		a, b := find(e.a), find(e.b)
		if a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	comp := make([]int32, n)
	for i := range comp {
		comp[i] = find(int32(i))
	}
	relabelByLeast(comp)
	return comp
}

// labelMembers lists the members of each label 0..k-1, in index order.
func labelMembers(labels []int32) [][]int32 {
	var groups [][]int32
	for i, c := range labels {
		for int(c) >= len(groups) {
			groups = append(groups, nil)
		}
		groups[c] = append(groups[c], int32(i))
	}
	return groups
}

// largestFirst returns group numbers largest first, equal sizes by least
// member (members are in index, that is ID, order).
func largestFirst(groups [][]int32) []int {
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(len(groups[b]), len(groups[a])), cmp.Compare(groups[a][0], groups[b][0]))
	})
	return order
}

func namedGroups(names []string, labels []int32) [][]string {
	groups := labelMembers(labels)
	out := make([][]string, 0, len(groups))
	for _, c := range largestFirst(groups) {
		out = append(out, memberNames(names, groups[c]))
	}
	return out
}

func memberNames(names []string, members []int32) []string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = names[m]
	}
	return out
}
