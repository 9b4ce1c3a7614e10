package investigate

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// NearestTarget says what a nearest query looks for. Exactly one of its
// fields is set. Kind and Category match the node a path ends at; the
// others match evidence, so a path to them ends with the edge that states
// it: a designation (SANCTIONED_BY to a SANCTION node) or an attribution
// (ATTRIBUTED_TO a THREAT_GROUP), the node before it being the entity
// designated or attributed.
type NearestTarget struct {
	Kind        graph.NodeKind // a node of this kind
	Category    string         // a service, or a wallet of one, of this category (exchange, mixer...)
	Sanctioned  bool           // any sanction designation
	Program     string         // a designation under this sanctions program (DPRK3, CYBER2...)
	Attributed  bool           // an attribution to any threat group
	ThreatGroup string         // an attribution to this threat group (its node ID)
}

// NearestQuery asks for the shortest paths from a node to the nearest
// nodes that match a target.
type NearestQuery struct {
	From      string
	Target    NearestTarget
	MaxHops   int              // 0 means Limits.DefaultHops
	Limit     int              // nearest matches wanted, a path to each; 0 means 1
	Direction graph.Direction  // empty means BOTH
	Kinds     []graph.EdgeKind // empty means every kind
	Since     int64
	Until     int64
	MinValue  float64
	AsOf      int64
	HubDegree int // see PathsQuery.HubDegree
}

// checkTarget checks that exactly one thing is looked for, and that the
// query can reach it.
func checkTarget(q NearestQuery) error {
	t := q.Target
	n := 0
	for _, set := range []bool{t.Kind != "", t.Category != "", t.Sanctioned, t.Program != "", t.Attributed, t.ThreatGroup != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return graph.Errorf(graph.CodeInvalid, "target: give exactly one of kind, category, sanctioned, program, attributed, threatGroup (got %d)", n)
	}
	if t.Kind != "" && !t.Kind.Valid() {
		return graph.Errorf(graph.CodeInvalid, "target.kind: unknown node kind %q", t.Kind)
	}
	if t.evidence() != "" && q.Direction == graph.In {
		return graph.Errorf(graph.CodeInvalid, "target: a designation or attribution is an edge out of the entity; direction IN cannot end at one")
	}
	if q.Limit < 0 {
		return graph.Errorf(graph.CodeInvalid, "limit cannot be negative")
	}
	return checkDirection(q.Direction)
}

// evidence returns the kind of the edge a path to the target ends with,
// empty when the target is a node.
func (t NearestTarget) evidence() graph.EdgeKind {
	switch {
	case t.Sanctioned || t.Program != "":
		return graph.EdgeSanctionedBy
	case t.Attributed || t.ThreatGroup != "":
		return graph.EdgeAttributedTo
	}
	return ""
}

// evidenceKind is the kind of node the evidence edge points at.
func (t NearestTarget) evidenceKind() graph.NodeKind {
	if t.evidence() == graph.EdgeSanctionedBy {
		return graph.KindSanction
	}
	return graph.KindThreatGroup
}

// Nearest answers a NearestQuery: breadth-first from the start, level by
// level, until Limit matches are found or the hop bound is reached. A
// match ends a path (it is not passed through); paths come shortest first,
// equal lengths in the order of their ends' IDs, and each is the canonical
// shortest path to its end (through the least node of every level, over
// the least of parallel edges), so every store gives the same answer.
func Nearest(ctx context.Context, t Topology, q NearestQuery, l Limits) (PathsResult, error) {
	var res PathsResult
	l = l.OrDefaults()
	hops, clamped, err := l.hops(q.MaxHops)
	if err != nil {
		return res, err
	}
	if err := checkTarget(q); err != nil {
		return res, err
	}
	k := max(q.Limit, 1)
	if k > l.MaxPaths {
		k = l.MaxPaths
		res.Add(graph.CausePathLimit, "at most %d paths are returned, the server's limit", l.MaxPaths)
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	start, err := v.resolve(ctx, []string{q.From}, q.AsOf)
	if err != nil {
		return res, err
	}
	ns := newNearestSearch(v, q, l, start[0])
	found, err := ns.search(ctx, hops, k)
	if err != nil && !errors.Is(err, errBudget) {
		return PathsResult{}, err
	}
	switch {
	case len(found) > k:
		found = found[:k]
		res.Add(graph.CausePathLimit, "more than %d matches at the same distance; kept the first %d in ID order", k, k)
	case err == nil && len(found) < k && clamped && ns.depth == hops:
		res.Add(graph.CauseHopLimit, "paths longer than %d hops, the server's limit, were not searched", hops)
	}
	if len(ns.hubs) > 0 && len(found) < k {
		res.Add(graph.CauseHubSkipped, "%d nodes with more than %d edges (hubs) were not passed through; raise hubDegree to follow them", len(ns.hubs), ns.hub)
	}
	for _, h := range ns.sortedHubs() {
		if len(res.SkippedHubs) == 20 {
			break
		}
		res.SkippedHubs = append(res.SkippedHubs, v.id(h))
	}
	ps := &pathSearch{v: v, from: start[0]}
	res.Paths, err = ps.load(ctx, found)
	return res, err
}

// nearestSearch is the state of one breadth-first search for matches.
type nearestSearch struct {
	v        *view
	q        NearestQuery
	f        Filter
	hub      int
	from     uint32
	dist     map[uint32]int
	parent   map[uint32]parentLink
	frontier []uint32
	depth    int
	hubs     map[uint32]bool
}

func newNearestSearch(v *view, q NearestQuery, l Limits, from uint32) *nearestSearch {
	dir := q.Direction
	if dir == "" {
		dir = graph.Both
	}
	kinds := q.Kinds
	if ev := q.Target.evidence(); len(kinds) > 0 && ev != "" && !slices.Contains(kinds, ev) {
		kinds = append(slices.Clone(kinds), ev) // the last hop states the evidence
	}
	return &nearestSearch{
		v: v, q: q, hub: l.hub(q.HubDegree), from: from,
		f:    Filter{Dir: dir, Kinds: kinds, Since: q.Since, Until: q.Until, MinValue: q.MinValue, AsOf: q.AsOf},
		dist: map[uint32]int{from: 0}, parent: map[uint32]parentLink{}, frontier: []uint32{from}, hubs: map[uint32]bool{},
	}
}

// search grows levels until k matches are found (all of the last level's,
// in ID order), the hop bound is reached or the budget runs out; it
// returns the paths to the matches.
func (ns *nearestSearch) search(ctx context.Context, hops, k int) ([][]step, error) {
	var found [][]step
	for ns.depth < hops && len(ns.frontier) > 0 && len(found) < k {
		matches, err := ns.grow(ctx)
		if err != nil {
			return found, err
		}
		for _, m := range matches {
			found = append(found, ns.pathTo(m))
		}
	}
	return found, nil
}

// grow expands the frontier one level and returns the matches it reached,
// in ID order; the frontier becomes the nodes reached that do not match.
func (ns *nearestSearch) grow(ctx context.Context) ([]uint32, error) {
	v := ns.v
	var nodes []uint32
	for _, u := range ns.frontier {
		if u != ns.from && v.info.of(u).Degree > ns.hub {
			ns.hubs[u] = true
			continue
		}
		nodes = append(nodes, u)
	}
	lists, err := v.expandAny(ctx, nodes, ns.f)
	if err != nil {
		return nil, err
	}
	ev := ns.q.Target.evidence()
	var next []uint32
	byEvidence := map[uint32]parentLink{} // reached over an evidence edge: the least such link
	for i, u := range nodes {             // in ID order: the first to reach a node is the least
		if err := v.b.tick(len(lists[i]) + 1); err != nil {
			return nil, err
		}
		for _, a := range lists[i] {
			w := a.Other(u)
			d, seen := ns.dist[w]
			if !seen {
				ns.dist[w], d = ns.depth+1, ns.depth+1
				ns.parent[w] = parentLink{u, a}
				next = append(next, w)
			} else if pl := ns.parent[w]; d == ns.depth+1 && pl.node == u && compareArcs(v, a, pl.arc) < 0 {
				ns.parent[w] = parentLink{u, a} // the least of parallel arcs
			}
			if ev != "" && d == ns.depth+1 && a.Kind == ev && a.From == u && a.To == w {
				if pl, ok := byEvidence[w]; !ok || (pl.node == u && compareArcs(v, a, pl.arc) < 0) {
					byEvidence[w] = parentLink{u, a}
				}
			}
		}
	}
	if err := v.b.visit(len(next)); err != nil {
		return nil, err
	}
	v.sortByID(next)
	matches, rest, err := ns.split(ctx, next, byEvidence)
	if err != nil {
		return nil, err
	}
	ns.frontier, ns.depth = rest, ns.depth+1
	return matches, nil
}

// split divides the nodes reached for the first time into matches and the
// rest, keeping ID order. A node reached over an evidence edge takes that
// edge as its last hop.
func (ns *nearestSearch) split(ctx context.Context, next []uint32, byEvidence map[uint32]parentLink) (matches, rest []uint32, err error) {
	t, v := ns.q.Target, ns.v
	if t.Category != "" {
		if err := v.classify(ctx, next); err != nil {
			return nil, nil, err
		}
	}
	programs := map[uint32][]string{}
	if t.Program != "" {
		var load []uint32
		for _, w := range next {
			if _, ok := byEvidence[w]; ok && v.info.of(w).Kind == graph.KindSanction {
				load = append(load, w)
			}
		}
		if len(load) > 0 {
			nodes, err := v.nodes(ctx, load)
			if err != nil {
				return nil, nil, err
			}
			for i, w := range load {
				programs[w] = propStrings(nodes[i].Props["programs"])
			}
		}
	}
	for _, w := range next {
		ok := false
		switch {
		case t.Kind != "":
			ok = v.info.of(w).Kind == t.Kind
		case t.Category != "":
			ok = strings.EqualFold(v.classOf(w).category, t.Category)
		default:
			pl, reached := byEvidence[w]
			ok = reached && v.info.of(w).Kind == t.evidenceKind() &&
				(t.Program == "" || slices.ContainsFunc(programs[w], func(p string) bool { return strings.EqualFold(p, t.Program) })) &&
				(t.ThreatGroup == "" || v.id(w) == t.ThreatGroup)
			if ok {
				ns.parent[w] = pl
			}
		}
		if ok {
			matches = append(matches, w)
		} else {
			rest = append(rest, w)
		}
	}
	return matches, rest, nil
}

// pathTo follows parent links from a match back to the start.
func (ns *nearestSearch) pathTo(w uint32) []step {
	var path []step
	for w != ns.from {
		pl := ns.parent[w]
		path = append(path, step{pl.arc.Edge, w, pl.arc})
		w = pl.node
	}
	slices.Reverse(path)
	return path
}

func (ns *nearestSearch) sortedHubs() []uint32 {
	var out []uint32
	for h := range ns.hubs {
		out = append(out, h)
	}
	ns.v.sortByID(out)
	return out
}

// propStrings reads a property that holds one string or a list of them
// (stores give lists back as []any or []string).
func propStrings(p any) []string {
	switch x := p.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
