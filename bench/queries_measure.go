package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// qrow is one measured operation of one system.
type qrow struct {
	query  string // the question, shared by every system that answers it
	system string // store and implementation
	impl   string // implementation key, for the embedded baseline of ratios
	d      []time.Duration

	found, truncated, timedOut, errs int
	hidden                           int // NOT_FOUND for a viewer (-visibility), not timed

	size     int    // sum over found answers of sizeOf
	sizeOf   string // what size counts: hops, paths, sinks
	hubbed   int    // answers for which the engine skipped hubs
	firstErr string
	note     string
}

func (r *qrow) pct(p int) time.Duration {
	if len(r.d) == 0 {
		return 0
	}
	return r.d[min(len(r.d)-1, len(r.d)*p/100)]
}

// oneShot is a measure taken once: loading, components.
type oneShot struct {
	measure, system string
	took            time.Duration
	note            string
}

type qreport struct {
	rows   []*qrow
	shots  []oneShot
	header []string
	notes  []string
}

func (r *qreport) shot(measure, system string, took time.Duration, note string) {
	r.shots = append(r.shots, oneShot{measure, system, took, note})
	fmt.Fprintf(os.Stderr, "bench: %s / %s: %s %s\n", measure, system, fmtDur(took), note)
}

// answer is what one query gave.
type answer struct {
	found, truncated, hubbed bool
	size                     int
	err                      error
}

// measure runs f for i in [0, n), each under its own deadline, and counts
// the answers; a query that hits the deadline counts as timed out with the
// time it took.
func measure(ctx context.Context, query, system, impl, sizeOf string, n int, timeout time.Duration, f func(ctx context.Context, i int) answer) *qrow {
	r := newRow(query, system, impl, sizeOf, n)
	for i := range n {
		if ctx.Err() != nil {
			break // interrupted: the caller returns ctx.Err()
		}
		r.run(ctx, timeout, i, f)
	}
	r.done()
	return r
}

func newRow(query, system, impl, sizeOf string, n int) *qrow {
	return &qrow{query: query, system: system, impl: impl, sizeOf: sizeOf, d: make([]time.Duration, 0, n)}
}

// run times f(i) under its own deadline and counts its answer.
func (r *qrow) run(ctx context.Context, timeout time.Duration, i int, f func(ctx context.Context, i int) answer) {
	qctx, cancel := context.WithTimeout(ctx, timeout)
	start := time.Now()
	a := f(qctx, i)
	took := time.Since(start)
	cancel()
	if _, viewer := visibility.FromContext(ctx); viewer && graph.ErrorCode(a.err) == graph.CodeNotFound {
		r.hidden++ // an endpoint the viewer does not see: counted apart
		return
	}
	r.d = append(r.d, took)
	switch {
	case a.err != nil && graph.ErrorCode(a.err) == graph.CodeTimeout:
		r.timedOut++
	case a.err != nil:
		r.errs++
		if r.firstErr == "" {
			r.firstErr = a.err.Error()
		}
	default:
		if a.found {
			r.found++
			r.size += a.size
		}
		if a.truncated {
			r.truncated++
		}
		if a.hubbed {
			r.hubbed++
		}
	}
}

// done sorts the times and logs the row.
func (r *qrow) done() {
	slices.Sort(r.d)
	fmt.Fprintf(os.Stderr, "bench: %s / %s: p50 %s p99 %s max %s, %d found, %d truncated, %d timed out, %d errors\n",
		r.query, r.system, fmtDur(r.pct(50)), fmtDur(r.pct(99)), fmtDur(r.pct(100)), r.found, r.truncated, r.timedOut, r.errs)
}

// queryStore measures every query on one store: its native shortest path
// and the investigate engine over its Topology.
func queryStore(ctx context.Context, name string, s investigate.Store, pairs [][2]string, c config) []*qrow {
	q := c.q
	n := len(pairs)
	limits := investigate.DefaultLimits()
	hops := q.maxHops
	var rows []*qrow
	for _, dir := range []graph.Direction{graph.Out, graph.Both} {
		query := fmt.Sprintf("shortest path %s ≤%d", dir, hops)
		rows = append(rows, measure(ctx, query, name+", Store.ShortestPath", "native", "hops", n, q.timeout, func(ctx context.Context, i int) answer {
			p, err := s.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: hops})
			return answer{found: len(p.Nodes) > 0, truncated: p.Truncated, size: p.Length(), err: err}
		}))
		// What GraphQL's shortestPath runs without filters: the store's
		// search, passing no node with more than the default hub degree.
		rows = append(rows, measure(ctx, query, name+", Store.ShortestPath hubDegree 1000", "native hubDegree", "hops", n, q.timeout, func(ctx context.Context, i int) answer {
			p, err := s.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: hops, HubDegree: limits.HubDegree})
			return answer{found: len(p.Nodes) > 0, truncated: p.Truncated, size: p.Length(), err: err}
		}))
	}
	if !q.engine {
		return rows
	}
	engine := func(query, impl, sizeOf string, f func(ctx context.Context, top investigate.Topology, i int) answer) *qrow {
		return measure(ctx, query, name+", "+impl, impl, sizeOf, n, q.timeout, func(ctx context.Context, i int) answer {
			top, release, err := s.Topology(ctx)
			if err != nil {
				return answer{err: err}
			}
			defer release()
			return f(ctx, top, i)
		})
	}
	for _, k := range []int{1, 5} {
		for _, dir := range []graph.Direction{graph.Out, graph.Both} {
			query := fmt.Sprintf("shortest path %s ≤%d", dir, hops)
			sizeOf := "hops"
			if k > 1 {
				query = fmt.Sprintf("%d shortest paths %s ≤%d", k, dir, hops)
				sizeOf = "paths"
			}
			rows = append(rows, engine(query, fmt.Sprintf("investigate.Paths k=%d", k), sizeOf, func(ctx context.Context, top investigate.Topology, i int) answer {
				res, err := investigate.Paths(ctx, top, investigate.PathsQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: hops, Limit: k}, limits)
				a := answer{found: len(res.Paths) > 0, truncated: res.Truncated, hubbed: len(res.SkippedHubs) > 0, err: err}
				if k == 1 && a.found {
					a.size = len(res.Paths[0].Edges)
				} else {
					a.size = len(res.Paths)
				}
				return a
			}))
		}
	}
	rows = append(rows, engine(fmt.Sprintf("money flow HAIRCUT ≤%d, 1 source wallet", q.flowHops), "investigate.Flow", "sinks", func(ctx context.Context, top investigate.Topology, i int) answer {
		res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{pairs[i][0]}, MaxHops: q.flowHops, Taint: investigate.Haircut}, limits)
		return answer{found: len(res.Sinks) > 0, truncated: res.Truncated, size: len(res.Sinks), err: err}
	}))
	rows = append(rows, engine("exposure BOTH ≤3, 1 wallet", "investigate.Exposure", "categories", func(ctx context.Context, top investigate.Topology, i int) answer {
		res, err := investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: pairs[i][0], MaxHops: 3, Direction: graph.Both}, limits)
		cats := 0
		for _, side := range []*investigate.ExposureSide{res.Received, res.Sent} {
			if side != nil {
				cats += len(side.Categories)
			}
		}
		return answer{found: cats > 0, truncated: res.Truncated, size: cats, err: err}
	}))
	rows = append(rows, engine("address cluster CO_SPEND, 1 wallet", "investigate.Cluster", "members", func(ctx context.Context, top investigate.Topology, i int) answer {
		res, err := investigate.Cluster(ctx, top, investigate.ClusterQuery{ID: pairs[i][0], Heuristics: []investigate.Heuristic{investigate.CoSpend}}, limits)
		return answer{found: len(res.Members) > 1, truncated: res.Truncated, size: len(res.Members), err: err} // found: more than the wallet itself
	}))
	return rows
}
