package investigate

import (
	"context"
	"errors"

	"github.com/redthread-dev/redthread/graph"
)

// ServicePolicy says what path search does at a service (the SERVICE node,
// a wallet it controls, a deposit address credited to it).
type ServicePolicy string

// Service policies.
const (
	// ServicesThrough treats services like any other node.
	ServicesThrough ServicePolicy = "THROUGH"
	// ServicesStop lets a path end at a service, never pass through one:
	// a service is where funds pool with everyone else's, and the place to
	// send legal process.
	ServicesStop ServicePolicy = "STOP"
	// ServicesAvoid keeps services off paths altogether, except at the ends.
	ServicesAvoid ServicePolicy = "AVOID"
)

// PathsQuery asks for paths between two nodes.
type PathsQuery struct {
	From, To string
	MaxHops  int // 0 means Limits.DefaultHops
	// Limit is how many paths to return: the k shortest simple paths, or
	// with All the first of all simple paths, shortest first. 0 means 1.
	Limit     int
	All       bool
	Direction graph.Direction  // empty means BOTH
	Kinds     []graph.EdgeKind // empty means every kind
	Since     int64            // edges with a time: not before (unix seconds; 0 open)
	Until     int64            // edges with a time: not after (0 open)
	MinValue  float64          // edges with a USD value: at least this
	AsOf      int64            // ignore facts first seen after it (0: no cut-off)
	Services  ServicePolicy    // empty means THROUGH
	// HubDegree: nodes with more edges are not expanded (they may end a
	// path). 0 means Limits.HubDegree; negative means Limits.MaxHubDegree.
	HubDegree int
}

// Path is one path of an answer: len(Edges) == len(Nodes)-1.
type Path struct {
	Nodes []*graph.Node
	Edges []*graph.Edge
}

// PathsResult is the answer to a PathsQuery: paths shortest first, equal
// lengths in order of their node IDs.
type PathsResult struct {
	Paths []Path
	// SkippedHubs lists (up to 20, in ID order) nodes that were reached but
	// not expanded because of their degree: a path through them may exist.
	SkippedHubs []string
	Truncation
}

// Paths answers a PathsQuery.
func Paths(ctx context.Context, t Topology, q PathsQuery, l Limits) (PathsResult, error) {
	var res PathsResult
	l = l.OrDefaults()
	hops, clamped, err := l.hops(q.MaxHops)
	if err != nil {
		return res, err
	}
	if err := checkPathsQuery(q); err != nil {
		return res, err
	}
	k := max(q.Limit, 1)
	if k > l.MaxPaths {
		k = l.MaxPaths
		res.Add(graph.CausePathLimit, "at most %d paths are returned, the server's limit", l.MaxPaths)
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	ends, err := v.resolve(ctx, []string{q.From, q.To}, q.AsOf)
	if err != nil {
		return res, err
	}
	ps := newPathSearch(v, q, l, ends[0], ends[1], k)
	found, err := ps.run(ctx, hops, clamped, k, &res)
	if err != nil {
		return PathsResult{}, err
	}
	if q.All && len(found) > k {
		found = found[:k]
		res.Add(graph.CausePathLimit, "more than %d paths within %d hops; kept the shortest, in ID order", k, hops)
	}
	if len(ps.hubs) > 0 && len(found) < k {
		res.Add(graph.CauseHubSkipped, "%d nodes with more than %d edges (hubs) were not passed through; raise hubDegree to follow them", len(ps.hubs), ps.hub)
	}
	for _, h := range ps.sortedHubs() {
		if len(res.SkippedHubs) == 20 {
			break
		}
		res.SkippedHubs = append(res.SkippedHubs, v.id(h))
	}
	res.Paths, err = ps.load(ctx, found)
	return res, err
}

// checkPathsQuery checks a query's direction, service policy and limit.
func checkPathsQuery(q PathsQuery) error {
	if err := checkDirection(q.Direction); err != nil {
		return err
	}
	switch q.Services {
	case "", ServicesThrough, ServicesStop, ServicesAvoid:
	default:
		return graph.Errorf(graph.CodeInvalid, "unknown service policy %q (want THROUGH, STOP or AVOID)", q.Services)
	}
	if q.Limit < 0 {
		return graph.Errorf(graph.CodeInvalid, "limit cannot be negative")
	}
	return nil
}

// run searches on the topology's arrays when it can (see fastSearch), else
// through the Topology's primitives; the answers are the same.
func (ps *pathSearch) run(ctx context.Context, hops int, clamped bool, k int, res *PathsResult) ([][]step, error) {
	if !ps.fastable() {
		return ps.search(ctx, hops, clamped, k, res)
	}
	fs, err := ps.newFast()
	if err != nil {
		return nil, err
	}
	found, err := fs.search(ctx, hops, clamped, res)
	fs.done()
	if err != nil {
		return nil, err
	}
	hubs := make([]uint32, 0, len(ps.hubs))
	for h := range ps.hubs {
		hubs = append(hubs, h)
	}
	return found, ps.v.describe(ctx, hubs) // named in the answer, in ID order
}

// search grows the two sides until they hold the paths wanted (k, or with
// All one more, to tell whether there are more than k), the hop bound is
// reached, or the budget runs out; it returns the paths found.
func (ps *pathSearch) search(ctx context.Context, hops int, clamped bool, k int, res *PathsResult) ([][]step, error) {
	var found [][]step
	if ps.from == ps.to {
		found = [][]step{{}}
	}
	for found == nil || len(found) < k || (ps.q.All && len(found) <= k) {
		if ps.fwd.depth+ps.bwd.depth >= hops {
			if clamped && len(found) < k {
				res.Add(graph.CauseHopLimit, "paths longer than %d hops, the server's limit, were not searched", hops)
			}
			break
		}
		grew, err := ps.grow(ctx)
		if errors.Is(err, errBudget) {
			break
		}
		if err != nil {
			return nil, err
		}
		if !grew {
			break
		}
		if ps.single {
			p, err := ps.joinMeets(ctx)
			if err != nil {
				return nil, err
			}
			if p != nil {
				found = [][]step{p}
			}
			continue
		}
		if !ps.met() {
			continue
		}
		if found, err = ps.local(ctx, k); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func checkDirection(d graph.Direction) error {
	if d != "" && !d.Valid() {
		return graph.Errorf(graph.CodeInvalid, "unknown direction %q (want OUT, IN or BOTH)", d)
	}
	return nil
}

func reverse(d graph.Direction) graph.Direction {
	switch d {
	case graph.Out:
		return graph.In
	case graph.In:
		return graph.Out
	}
	return graph.Both
}
