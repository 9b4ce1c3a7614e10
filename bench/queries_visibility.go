package main

// The -queries -visibility mode (docs/design/visibility.md §8): the same
// generated graph with markings (10 % of transfers and 2 % of wallets
// AMBER of agency a, 1 % of transfers AMBER+STRICT of b, 0.1 % RED to a's
// user ared, the rest CLEAR, chosen by a hash of the seed and the record
// so every store holds the same graph), and the queries of -queries as
// four viewers see it: nobody in particular (a trusted caller, unfiltered:
// the reference), a user of a, a user of c (CLEAR only), and c with a
// grant of a 500-fact case from a. Pairs whose endpoints the viewer does
// not see are answered NOT_FOUND and counted apart. The embedded store here;
// Neo4j's side, unless -neo4j=false: queries_visibility_neo4j.go.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/synth"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// visMarking returns the marking of record id in the -visibility graph,
// and its source's agency and user.
func visMarking(seed int64, id string, transfer bool) (graph.Marking, string, string) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", seed, id)
	x := h.Sum64() % 1000
	switch {
	case !transfer && x < 20, transfer && x < 100:
		return graph.TLPAmber, "a", ""
	case transfer && x < 110:
		return graph.TLPAmberStrict, "b", ""
	case transfer && x < 111:
		return graph.TLPRed, "a", "ared"
	}
	return graph.TLPClear, "", ""
}

// visCase collects the grant's case: the first 250 AMBER wallets and 250
// AMBER transfers of a.
type visCase struct {
	facts        map[string]struct{}
	nodes, edges int
}

// markBatch marks b's records in place and adds to the case.
func markBatch(seed int64, b graph.Batch, c *visCase) {
	mark := func(src []graph.Source, id string, transfer bool) bool {
		m, agency, user := visMarking(seed, id, transfer)
		for i := range src {
			src[i].Marking, src[i].Agency, src[i].User = m, agency, user
		}
		return m == graph.TLPAmber
	}
	for i := range b.Nodes {
		n := &b.Nodes[i]
		id, _, _ := graph.NodeID(n.Kind, n.Key)
		n.Sources = append([]graph.Source(nil), n.Sources...)
		if mark(n.Sources, id, false) && c.nodes < 250 {
			c.facts[id] = struct{}{}
			c.nodes++
		}
	}
	for i := range b.Edges {
		e := &b.Edges[i]
		id := graph.EdgeID(e.Kind, e.From, e.To, e.Key)
		e.Sources = append([]graph.Source(nil), e.Sources...)
		if mark(e.Sources, id, e.Kind == graph.EdgeTransfer) && c.edges < 250 {
			c.facts[id] = struct{}{}
			c.edges++
		}
	}
}

// openMarked opens the embedded store of dir/embedded-vis holding the
// marked graph, building it when needed, and returns the grant's facts.
func openMarked(ctx context.Context, r *qreport, dir string, c config, gen *synth.Gen, want graphMark, quiet *slog.Logger) (*boltstore.Store, map[string]struct{}, error) {
	path, markPath := filepath.Join(dir, "embedded-vis"), filepath.Join(dir, "embedded-vis.json")
	caseFacts := &visCase{facts: map[string]struct{}{}}
	build := false
	if m, ok := readMark(markPath); !ok || m != want {
		if err := errors.Join(removeMark(markPath), os.RemoveAll(path)); err != nil {
			return nil, nil, err
		}
		build = true
	}
	s, err := boltstore.Open(ctx, path, boltstore.Options{Logger: quiet})
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	for b := range gen.Batches(10_000) {
		markBatch(c.seed, b, caseFacts)
		if !build {
			if caseFacts.nodes+caseFacts.edges >= 500 {
				break // only the case's facts were wanted
			}
			continue
		}
		if _, err := s.Write(ctx, b); err != nil {
			return nil, nil, errors.Join(err, s.Close())
		}
	}
	if build {
		r.shot("build the marked graph", "embedded (10k-record batches)", time.Since(start), "")
		if err := writeMark(markPath, want); err != nil {
			return nil, nil, errors.Join(err, s.Close())
		}
	} else {
		r.notes = append(r.notes, "embedded: reused the marked store in "+path)
		if _, err := warmFiles(path); err != nil { // as openEmbedded does
			return nil, nil, errors.Join(err, s.Close())
		}
	}
	return s, caseFacts.facts, nil
}

// visViewer is one viewer of the measurement; trusted has none.
type visViewer struct {
	name    string
	v       visibility.Viewer
	trusted bool
}

func runVisibility(ctx context.Context, out io.Writer, c config, dir string, gen *synth.Gen, want graphMark) (err error) {
	quiet := slog.New(slog.DiscardHandler)
	want.Visibility = true
	r := &qreport{}
	s, caseFacts, err := openMarked(ctx, r, dir, c, gen, want, quiet)
	if err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	defer closeInto(&err, "embedded", s)
	runtime.GC()
	rng := rand.New(rand.NewPCG(uint64(c.seed), 3))
	pairs := make([][2]string, c.queries)
	for i := range pairs {
		pairs[i] = [2]string{gen.WalletID(rng.IntN(gen.Wallets())), gen.WalletID(rng.IntN(gen.Wallets()))}
	}
	viewers := []visViewer{
		{name: "unfiltered (trusted caller)", trusted: true},
		{name: "user of a", v: visibility.Viewer{Agency: "a", User: "ua"}},
		{name: "user of c (CLEAR only)", v: visibility.Viewer{Agency: "c", User: "uc"}},
		{name: fmt.Sprintf("c + grant of a %d-fact case of a", len(caseFacts)), v: visibility.Viewer{Agency: "c", User: "uc",
			Grants: []visibility.Grant{{Case: "bench", Owner: "a", Cap: graph.TLPAmber, Facts: caseFacts}}}},
	}
	ctxs := make([]context.Context, len(viewers))
	for v, vw := range viewers {
		ctxs[v] = ctx
		if !vw.trusted {
			ctxs[v] = visibility.WithViewer(ctx, vw.v)
		}
	}
	var rows []*qrow
	for _, vq := range visQueries(s, pairs, c) {
		// A pass to warm the caches, then each pair asked by every viewer
		// in turn, so the machine's noise falls on all of them alike.
		warm := newRow(vq.query, "warm-up", "", vq.sizeOf, 0)
		for i := range min(len(pairs), 100) {
			warm.run(ctx, c.q.timeout, i, vq.f)
		}
		qrows := make([]*qrow, len(viewers))
		for v, vw := range viewers {
			qrows[v] = newRow(vq.query, vw.name, vq.impl, vq.sizeOf, len(pairs))
		}
		for i := range pairs {
			for v := range viewers {
				qrows[v].run(ctxs[v], c.q.timeout, i, vq.f)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, r := range qrows {
			r.done()
		}
		rows = append(rows, qrows...)
	}
	fmt.Fprintf(out, "graph: synth.NewGen(seed %d, %d wallets, %d transfers), marked: 10%% of transfers and 2%% of wallets AMBER of a, 1%% of transfers AMBER+STRICT of b, 0.1%% RED to a user of a\n",
		c.seed, gen.Wallets(), c.transfers)
	fmt.Fprintf(out, "queries: %d random wallet pairs (seed %d), deadline %s; machine %s/%s, %d CPUs, %s\n\n", c.queries, c.seed, c.q.timeout, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if err := printVisibility(out, r, rows); err != nil || !c.neo4j {
		return err
	}
	return runVisibilityNeo4j(ctx, out, c, dir, gen, want, viewers, pairs) // queries_visibility_neo4j.go
}

// visQuery is one of the queries of §8.
type visQuery struct {
	query, impl, sizeOf string
	f                   func(ctx context.Context, i int) answer
}

// visQueries are the queries of §8 over the pairs: the store's shortest
// path (with GraphQL's default hub degree), the engine's 5 shortest paths
// and its money flow, each from a Topology opened for the context's viewer.
func visQueries(s investigate.Store, pairs [][2]string, c config) []visQuery {
	q, limits := c.q, investigate.DefaultLimits()
	hops := q.maxHops
	engine := func(f func(ctx context.Context, top investigate.Topology, i int) answer) func(ctx context.Context, i int) answer {
		return func(ctx context.Context, i int) answer {
			top, release, err := s.Topology(ctx)
			if err != nil {
				return answer{err: err}
			}
			defer release()
			return f(ctx, top, i)
		}
	}
	return []visQuery{
		{fmt.Sprintf("shortestPath BOTH ≤%d", hops), "native", "hops", func(ctx context.Context, i int) answer {
			p, err := s.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], MaxHops: hops, HubDegree: limits.HubDegree})
			return answer{found: len(p.Nodes) > 0, truncated: p.Truncated, size: p.Length(), err: err}
		}},
		{fmt.Sprintf("paths k=5 BOTH ≤%d", hops), "engine", "paths", engine(func(ctx context.Context, top investigate.Topology, i int) answer {
			res, err := investigate.Paths(ctx, top, investigate.PathsQuery{From: pairs[i][0], To: pairs[i][1], MaxHops: hops, Limit: 5}, limits)
			return answer{found: len(res.Paths) > 0, truncated: res.Truncated, hubbed: len(res.SkippedHubs) > 0, size: len(res.Paths), err: err}
		})},
		{fmt.Sprintf("moneyFlow HAIRCUT ≤%d", q.flowHops), "engine", "sinks", engine(func(ctx context.Context, top investigate.Topology, i int) answer {
			res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{pairs[i][0]}, MaxHops: q.flowHops, Taint: investigate.Haircut}, limits)
			return answer{found: len(res.Sinks) > 0, truncated: res.Truncated, size: len(res.Sinks), err: err}
		})},
	}
}

// printVisibility prints p50/p99 per query and viewer, and the ratio to
// the unfiltered reference of the same query.
func printVisibility(w io.Writer, r *qreport, rows []*qrow) error {
	base := map[string]*qrow{}
	var order []string
	for _, row := range rows {
		if base[row.query] == nil {
			base[row.query] = row // the first viewer is the trusted one
			order = append(order, row.query)
		}
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "query\tviewer\tp50\tp99\tp50 / p99 vs unfiltered\tfound\thidden (NOT_FOUND)\ttruncated\ttimed out\terrors\n")
	fmt.Fprintf(tw, "---\t---\t---\t---\t---\t---\t---\t---\t---\t---\n")
	for _, query := range order {
		for _, row := range rows {
			if row.query != query {
				continue
			}
			ratio := ""
			if b := base[query]; b != row && b.pct(50) > 0 && b.pct(99) > 0 {
				ratio = fmt.Sprintf("%.2f× / %.2f×", float64(row.pct(50))/float64(b.pct(50)), float64(row.pct(99))/float64(b.pct(99)))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%d\t%d\t%d\t%d\n", row.query, row.system, fmtDur(row.pct(50)), fmtDur(row.pct(99)),
				ratio, row.found, len(row.d), row.hidden, row.truncated, row.timedOut, row.errs)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, s := range r.shots {
		fmt.Fprintf(w, "%s / %s: %s\n", s.measure, s.system, fmtDur(s.took))
	}
	for _, n := range r.notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w, "p50/p99 are over the pairs the viewer sees; hidden pairs are answered NOT_FOUND (not timed in the percentiles).")
	return nil
}
