// Command bench measures Redthread end to end on this machine and prints a
// table. Every figure has a baseline measured in the same run:
//
//   - the demo case on the embedded store: ingest through the real runner,
//     and the laundering-route query from the store directly and through
//     the GraphQL HTTP server;
//   - a generated transfer graph (1 M transfers by default) loaded into each
//     store in 10k-record batches, against one record per transaction on a
//     sample written into the same, full store; then shortest paths and
//     neighbourhoods between random seeded wallets;
//   - the same graph loaded into a new Neo4j database offline: CSV files
//     (neo4jstore.ImportWriter), Neo4j's importer (scripts/neo4j.sh import),
//     then start-up and index population, against the same baseline.
//
// Neo4j: with -neo4j-uri the bench uses that (empty) database; otherwise it
// starts a Neo4j of its own with scripts/neo4j.sh in a temporary directory
// and stops it at the end. -neo4j=false measures the embedded store alone.
//
// -queries measures investigation queries instead (see queries.go): the
// embedded store's native shortest path and the investigate engine on the
// embedded store and Neo4j, against networkx on the same graph.
//
//	go run ./bench
//	go run ./bench -transfers 5000000 -wallets 1000000
//	go run ./bench -queries -transfers 5000000 -wallets 1000000 -n 1000 -data /tmp/rt-bench
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/synth"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/server"
)

type config struct {
	wallets, transfers int
	queries            int
	baseWallets        int // size of the baseline sample's generator
	baseTransfers      int
	seed               int64
	neo4j              bool
	neo4jURI           string
	neo4jImport        bool
	runnerOnly         bool        // measure ingest through the runner alone
	groupCommit        int         // the runner's checkpoint interval in batches, with the store's group commit (0: off)
	q                  queryConfig // -queries mode
	results            resultsConfig
}

func main() {
	var c config
	flag.IntVar(&c.wallets, "wallets", 250_000, "wallets in the generated graph")
	flag.IntVar(&c.transfers, "transfers", 1_000_000, "transfers in the generated graph")
	flag.IntVar(&c.queries, "n", 1000, "queries per measured operation (Neo4j runs a fifth of them, at least 100, unless -queries)")
	flag.IntVar(&c.baseWallets, "baseline-wallets", 500, "wallets of the baseline sample, written one record per transaction")
	flag.IntVar(&c.baseTransfers, "baseline-transfers", 2000, "transfers of the baseline sample")
	flag.Int64Var(&c.seed, "seed", 1, "generator and query seed")
	flag.BoolVar(&c.neo4j, "neo4j", true, "measure the Neo4j store too")
	flag.StringVar(&c.neo4jURI, "neo4j-uri", os.Getenv("REDTHREAD_BENCH_NEO4J_URI"), "an empty Neo4j to measure (default: start one)")
	flag.BoolVar(&c.neo4jImport, "neo4j-import", true, "measure the offline import into a new Neo4j database too (starts one with scripts/neo4j.sh)")
	flag.IntVar(&c.groupCommit, "group-commit", 0, "ingest through the runner with group commit: a checkpoint and a sync every this many batches (0: every batch, synced)")
	flag.BoolVar(&c.runnerOnly, "runner-only", false, "measure only the embedded ingest through the runner (with -cpuprofile, -memprofile to profile it)")
	prof := profileFlags()
	c.q.flags()
	c.results.flags()
	flag.Parse()
	runner := run
	switch {
	case c.q.on:
		runner = runQueries
	case c.runnerOnly:
		runner = runRunnerOnly
	}
	stop, err := prof.start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	defer stop()
	if err := runBench(context.Background(), runner, c); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// runBench runs one kind of measurement and keeps its table in -out.
func runBench(ctx context.Context, runner func(context.Context, io.Writer, config) error, c config) error {
	if err := c.results.check(); err != nil {
		return err
	}
	began := time.Now()
	var buf bytes.Buffer
	if err := runner(ctx, io.MultiWriter(os.Stdout, &buf), c); err != nil {
		return err
	}
	return c.results.write(buf.String(), began)
}

type table struct{ rows [][4]string }

func (t *table) add(scenario, measure, value, note string) {
	t.rows = append(t.rows, [4]string{scenario, measure, value, note})
	fmt.Fprintf(os.Stderr, "bench: %s / %s: %s %s\n", scenario, measure, value, note)
}

func (t *table) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\tmeasure\tvalue\tnote\n---\t---\t---\t---\n")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3])
	}
	fmt.Fprintf(tw, "\nmachine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	return tw.Flush()
}

func run(ctx context.Context, out io.Writer, c config) (err error) {
	quiet := slog.New(slog.DiscardHandler)
	tmp, err := os.MkdirTemp("", "redthread-bench-")
	if err != nil {
		return err
	}
	defer removeTemp(tmp)
	t := &table{}

	if err := benchDemo(ctx, t, tmp, c.queries, quiet); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	emb, err := boltstore.Open(ctx, filepath.Join(tmp, "gen"), boltstore.Options{Logger: quiet})
	if err != nil {
		return err
	}
	if _, err := benchGenerated(ctx, t, "embedded", emb, c, c.queries); err != nil {
		return errors.Join(fmt.Errorf("embedded: %w", err), emb.Close())
	}
	if err := emb.Close(); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	if err := benchReopen(ctx, t, filepath.Join(tmp, "gen"), quiet); err != nil {
		return err
	}
	if err := benchRunner(ctx, t, tmp, c, quiet); err != nil {
		return fmt.Errorf("runner: %w", err)
	}

	if c.neo4j {
		uri := c.neo4jURI
		if uri == "" {
			stop, u, err := startNeo4j(tmp, "neo4j", nil)
			if err != nil {
				return err
			}
			defer stop()
			uri = u
		}
		neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
		if err != nil {
			return err
		}
		defer closeInto(&err, "neo4j", neo)
		if st, err := neo.Stats(ctx); err != nil || st.Nodes > 0 {
			return fmt.Errorf("the Neo4j at %s must be empty (nodes: %d, err: %v)", uri, st.Nodes, err)
		}
		base, err := benchGenerated(ctx, t, "neo4j", neo, c, max(c.queries/5, 100))
		if err != nil {
			return fmt.Errorf("neo4j: %w", err)
		}
		if c.neo4jImport {
			if err := benchNeo4jImport(ctx, t, tmp, c, base, quiet); err != nil {
				return fmt.Errorf("neo4j import: %w", err)
			}
		}
	}
	return t.print(out)
}

// benchDemo loads the demo case with the real runner and times the
// laundering-route query from the store and through GraphQL over HTTP.
func benchDemo(ctx context.Context, t *table, tmp string, queries int, quiet *slog.Logger) (err error) {
	ds, err := boltstore.Open(ctx, filepath.Join(tmp, "demo"), boltstore.Options{Logger: quiet})
	if err != nil {
		return err
	}
	defer closeInto(&err, "demo store", ds)
	res, err := ingest.Run(ctx, ds, []ingest.Source{demo.Source()}, ingest.Options{Logger: quiet})
	if err != nil {
		return err
	}
	t.add("demo, embedded", "ingest (runner, one batch, fsync)", rate(float64(res.Records), res.Elapsed, "records/s"),
		fmt.Sprintf("%d records in %s", res.Records, res.Elapsed.Round(time.Microsecond)))
	lazarus, exchange := "threat_group:lazarus-group", "service:unnamed-russian-exchange"
	pq := graph.PathQuery{From: lazarus, To: exchange, Direction: graph.Both, MaxHops: 12}
	direct, err := latency(queries, func(int) error { _, err := ds.ShortestPath(ctx, pq); return err })
	if err != nil {
		return err
	}
	t.add("demo, embedded", "shortestPath Lazarus→exchange, store call", direct.String(), "10 hops, BOTH")
	ids, err := identity.New(ds.State(), identity.Options{Logger: quiet})
	if err != nil {
		return err
	}
	if err := ids.Bootstrap(ctx, benchToken); err != nil {
		return err
	}
	scfg := server.DefaultConfig()
	scfg.Identity = ids
	srv := httptest.NewServer(server.New(ds, scfg, quiet).Handler())
	defer srv.Close()
	q := fmt.Sprintf(`{ shortestPath(from: %q, to: %q, direction: BOTH, maxHops: 12) { length nodes { id kind label } edges { id kind from to } } }`, lazarus, exchange)
	viaHTTP, err := latency(queries, func(int) error { return post(srv.URL, q) })
	if err != nil {
		return err
	}
	t.add("demo, embedded", "shortestPath Lazarus→exchange, GraphQL/HTTP", viaHTTP.String(),
		fmt.Sprintf("%.1f× the store call at p50", float64(viaHTTP.p50)/float64(direct.p50)))
	for _, c := range []struct{ name, q string }{
		{`search "Lazarus", GraphQL/HTTP`, `{ search(query: "Lazarus", first: 10) { edges { node { id label } } } }`},
		{"neighbors depth 2, GraphQL/HTTP", fmt.Sprintf(`{ neighbors(id: %q, depth: 2, limit: 200) { nodes { id kind label } edges { id kind from to } } }`, lazarus)},
	} {
		l, err := latency(queries, func(int) error { return post(srv.URL, c.q) })
		if err != nil {
			return err
		}
		t.add("demo, embedded", c.name, l.String(), "")
	}
	return nil
}

// benchGenerated loads the generated graph into s in 10k-record batches,
// then writes a sample of other records one per transaction (the baseline),
// then times queries between random wallets. It returns the baseline's
// records/s.
func benchGenerated(ctx context.Context, t *table, name string, s graph.Store, c config, queries int) (float64, error) {
	scen := fmt.Sprintf("%s, %s transfers", name, short(c.transfers))
	gen := synth.NewGen(c.seed, c.wallets, c.transfers)
	start := time.Now()
	for b := range gen.Batches(10_000) {
		if _, err := s.Write(ctx, b); err != nil {
			return 0, err
		}
	}
	el := time.Since(start)
	records := float64(gen.Nodes() + gen.Edges())
	batched := records / el.Seconds()
	t.add(scen, "ingest, 10k-record batches", fmt.Sprintf("%.0f records/s", batched),
		fmt.Sprintf("%d nodes + %d edges in %s = %.0f edges/s; bench process peak RSS %s", gen.Nodes(), gen.Edges(), el.Round(time.Millisecond), float64(gen.Edges())/el.Seconds(), peakRSS()))

	// Baseline: another generator's records (so each one is new), written
	// one per transaction into the store that already holds the full graph.
	base := synth.NewGen(c.seed+1000, c.baseWallets, c.baseTransfers)
	n := 0
	start = time.Now()
	for b := range base.Batches(1) {
		if _, err := s.Write(ctx, b); err != nil {
			return 0, err
		}
		n++
	}
	perRecord := float64(n) / time.Since(start).Seconds()
	t.add(scen, "ingest, one record per transaction (baseline)", fmt.Sprintf("%.0f records/s", perRecord),
		fmt.Sprintf("%d records; batching is %.0f× faster", n, batched/perRecord))

	rng := rand.New(rand.NewPCG(uint64(c.seed), 2))
	pairs := make([][2]string, queries)
	for i := range pairs {
		pairs[i] = [2]string{gen.WalletID(rng.IntN(gen.Wallets())), gen.WalletID(rng.IntN(gen.Wallets()))}
	}
	for _, dir := range []graph.Direction{graph.Out, graph.Both} {
		found, hops := 0, 0
		l, err := latency(queries, func(i int) error {
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			p, err := s.ShortestPath(qctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: 6})
			if p.Length() > 0 {
				found++
				hops += p.Length()
			}
			return err
		})
		if err != nil {
			return 0, err
		}
		t.add(scen, fmt.Sprintf("shortestPath %s, ≤6 hops", dir), l.String(),
			fmt.Sprintf("%d random pairs, %d connected, mean %.1f hops", queries, found, float64(hops)/float64(max(found, 1))))
	}
	l, err := latency(queries, func(i int) error {
		_, err := s.Neighbors(ctx, graph.NeighborQuery{ID: pairs[i][0], Depth: 2, Direction: graph.Both, Limit: 200})
		return err
	})
	if err != nil {
		return 0, err
	}
	t.add(scen, "neighbors BOTH depth 2, limit 200", l.String(), fmt.Sprintf("%d random wallets", queries))
	return perRecord, nil
}

// benchReopen times opening the embedded store twice: rebuilding the
// in-memory index from the file (no snapshot), then reading the topology
// snapshot the first Close wrote, so the ratio is of one run.
func benchReopen(ctx context.Context, t *table, dir string, quiet *slog.Logger) error {
	for _, mode := range []struct {
		name string
		opts boltstore.Options
	}{
		{"open (rebuild in-memory index)", boltstore.Options{Logger: quiet, NoSnapshot: true}},
		{"open (topology snapshot)", boltstore.Options{Logger: quiet}},
	} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		s, err := boltstore.Open(ctx, dir, mode.opts)
		if err != nil {
			return err
		}
		el := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		st, err := s.Stats(ctx)
		if err := errors.Join(err, s.Close()); err != nil {
			return err
		}
		t.add("embedded", mode.name, el.Round(time.Millisecond).String(),
			fmt.Sprintf("%d nodes, %d edges; heap %+.0f MiB after GC", st.Nodes, st.Edges, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20)))
	}
	return nil
}

// peakRSS is the bench process's largest resident set so far: the
// embedded store's memory (Neo4j runs in its own JVM and is not counted).
func peakRSS() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d MiB", ru.Maxrss/1024) // Linux reports KiB
}

func rate(n float64, d time.Duration, unit string) string {
	return fmt.Sprintf("%.0f %s", n/d.Seconds(), unit)
}

func short(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%d M", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%d k", n/1000)
	}
	return strconv.Itoa(n)
}

type percentiles struct{ p50, p99 time.Duration }

func (p percentiles) String() string {
	return fmt.Sprintf("p50 %s  p99 %s", p.p50.Round(time.Microsecond), p.p99.Round(time.Microsecond))
}

// latency runs f n times and returns the percentiles of its duration; a
// failed query has no latency, so the first error ends the measurement.
func latency(n int, f func(i int) error) (percentiles, error) {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := f(i); err != nil {
			return percentiles{}, fmt.Errorf("query %d: %w", i, err)
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return percentiles{p50: d[n/2], p99: d[min(n-1, n*99/100)]}, nil
}

// benchToken is the administrator token of the benchmark's server.
const benchToken = "bench-admin-token-0123456789abcdef"

func post(url, query string) error {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+benchToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read to the end: nothing left to report
	var env struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	if len(env.Errors) > 0 {
		return fmt.Errorf("graphql: %s", env.Errors[0].Message)
	}
	return nil
}

// closeInto closes c when a function ends and adds its error to the
// function's: a store that cannot close cleanly may have lost what the run
// measured.
func closeInto(err *error, what string, c io.Closer) {
	if cerr := c.Close(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("close %s: %w", what, cerr))
	}
}

// removeTemp removes a run's temporary directory, and says so when it
// cannot: a generated graph left behind may take gigabytes.
func removeTemp(dir string) {
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench: remove temporary data:", err)
	}
}
