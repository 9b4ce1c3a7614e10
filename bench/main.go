// Command bench measures Redthread end to end on this machine and prints a
// table: ingest rates against a one-record-per-transaction baseline measured
// in the same run, index rebuild time, and query latency percentiles on the
// demo case and on a generated graph of a million or more edges, both from
// the store directly and through the GraphQL HTTP server.
//
//	go run ./bench                      # 1 M transfers
//	go run ./bench -transfers 5000000   # bigger
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/storetest"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/server"
)

func main() {
	wallets := flag.Int("wallets", 250_000, "wallets in the generated graph")
	transfers := flag.Int("transfers", 1_000_000, "transfers in the generated graph")
	queries := flag.Int("queries", 1000, "queries per measured operation")
	baseline := flag.Int("baseline", 5000, "records written one per transaction for the baseline")
	seed := flag.Int64("seed", 1, "generator and query seed")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *wallets, *transfers, *queries, *baseline, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type row struct {
	scenario, metric, value, note string
}

func run(ctx context.Context, out io.Writer, wallets, transfers, queries, baseline int, seed int64) error {
	var rows []row
	add := func(s, m, v, n string) { rows = append(rows, row{s, m, v, n}) }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tmp, err := os.MkdirTemp("", "redthread-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Demo case: ingest through the real runner, then queries.
	ds, err := boltstore.Open(ctx, tmp+"/demo", boltstore.Options{Logger: quiet})
	if err != nil {
		return err
	}
	res, err := ingest.Run(ctx, ds, []ingest.Source{demo.Source()}, ingest.Options{Logger: quiet})
	if err != nil {
		return err
	}
	add("demo", "ingest (runner, one batch)", rate(float64(res.Records), res.Elapsed, "records/s"),
		fmt.Sprintf("%d records in %s", res.Records, res.Elapsed.Round(time.Microsecond)))
	exchange := "service:unnamed-russian-exchange"
	lazarus := "threat_group:lazarus-group"
	pq := graph.PathQuery{From: lazarus, To: exchange, Direction: graph.Both, MaxHops: 12}
	direct := latency(queries, func(int) error { _, err := ds.ShortestPath(ctx, pq); return err })
	add("demo", "shortestPath Lazarus→exchange (store)", direct.String(), "10 hops, BOTH")
	srv := httptest.NewServer(server.New(ds, server.DefaultConfig(), quiet).Handler())
	q := fmt.Sprintf(`{ shortestPath(from: %q, to: %q, direction: BOTH, maxHops: 12) { length nodes { id kind label } edges { id kind from to } } }`, lazarus, exchange)
	viaHTTP := latency(queries, func(int) error { return post(srv.URL, q) })
	add("demo", "shortestPath Lazarus→exchange (GraphQL/HTTP)", viaHTTP.String(),
		fmt.Sprintf("%.1f× the store call at p50", float64(viaHTTP.p50)/float64(direct.p50)))
	sq := `{ search(query: "Lazarus", first: 10) { edges { node { id label } } } }`
	add("demo", "search \"Lazarus\" (GraphQL/HTTP)", latency(queries, func(int) error { return post(srv.URL, sq) }).String(), "")
	nq := fmt.Sprintf(`{ neighbors(id: %q, depth: 2, limit: 200) { nodes { id kind label } edges { id kind from to } } }`, lazarus)
	add("demo", "neighbors depth 2 (GraphQL/HTTP)", latency(queries, func(int) error { return post(srv.URL, nq) }).String(), "")
	srv.Close()
	ds.Close()

	// Generated graph: batched ingest against one record per transaction.
	gen := storetest.NewGen(seed, wallets, transfers)
	bs, err := boltstore.Open(ctx, tmp+"/base", boltstore.Options{Logger: quiet})
	if err != nil {
		return err
	}
	var sample []graph.Batch
	n := 0
	for b := range gen.Batches(1) {
		if n >= baseline {
			break
		}
		sample = append(sample, b)
		n++
	}
	start := time.Now()
	for _, b := range sample {
		if _, err := bs.Write(ctx, b); err != nil {
			return err
		}
	}
	baseRate := float64(len(sample)) / time.Since(start).Seconds()
	bs.Close()
	add("generated", "ingest, one record per transaction (baseline)", fmt.Sprintf("%.0f records/s", baseRate),
		fmt.Sprintf("first %d records", len(sample)))

	gs, err := boltstore.Open(ctx, tmp+"/gen", boltstore.Options{Logger: quiet})
	if err != nil {
		return err
	}
	start = time.Now()
	for b := range gen.Batches(10_000) {
		if _, err := gs.Write(ctx, b); err != nil {
			return err
		}
	}
	el := time.Since(start)
	records := float64(gen.Nodes() + gen.Edges())
	add("generated", "ingest, 10k-record batches", rate(records, el, "records/s"),
		fmt.Sprintf("%d nodes + %d edges in %s; %.0f× baseline", gen.Nodes(), gen.Edges(), el.Round(time.Millisecond), records/el.Seconds()/baseRate))
	add("generated", "ingest, edges only", rate(float64(gen.Edges()), el, "edges/s"), "same run, edges per second of the whole load")
	gs.Close()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start = time.Now()
	gs, err = boltstore.Open(ctx, tmp+"/gen", boltstore.Options{Logger: quiet})
	if err != nil {
		return err
	}
	open := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	add("generated", "open (rebuild in-memory index)", open.Round(time.Millisecond).String(),
		fmt.Sprintf("heap %+.0f MiB after GC", float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20)))
	defer gs.Close()

	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	pairs := make([][2]string, queries)
	for i := range pairs {
		pairs[i] = [2]string{gen.WalletID(rng.IntN(gen.Wallets())), gen.WalletID(rng.IntN(gen.Wallets()))}
	}
	found := 0
	lat := latency(queries, func(i int) error {
		p, err := gs.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: graph.Both, MaxHops: 6})
		if p.Length() > 0 {
			found++
		}
		return err
	})
	add("generated", "shortestPath random pairs, BOTH, ≤6 hops", lat.String(), fmt.Sprintf("%d of %d pairs connected", found, queries))
	found = 0
	lat = latency(queries, func(i int) error {
		p, err := gs.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: graph.Out, MaxHops: 6})
		if p.Length() > 0 {
			found++
		}
		return err
	})
	add("generated", "shortestPath random pairs, OUT, ≤6 hops", lat.String(), fmt.Sprintf("%d of %d pairs connected", found, queries))
	lat = latency(queries, func(i int) error {
		_, err := gs.Neighbors(ctx, graph.NeighborQuery{ID: pairs[i][0], Depth: 2, Direction: graph.Both, Limit: 200})
		return err
	})
	add("generated", "neighbors depth 2, limit 200", lat.String(), "")

	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\tmeasure\tvalue\tnote\n")
	fmt.Fprintf(tw, "--------\t-------\t-----\t----\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.scenario, r.metric, r.value, r.note)
	}
	fmt.Fprintf(tw, "\nmachine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	return tw.Flush()
}

func rate(n float64, d time.Duration, unit string) string {
	return fmt.Sprintf("%.0f %s", n/d.Seconds(), unit)
}

type percentiles struct{ p50, p99, max time.Duration }

func (p percentiles) String() string {
	return fmt.Sprintf("p50 %s  p99 %s", p.p50.Round(time.Microsecond), p.p99.Round(time.Microsecond))
}

// latency runs f n times and returns the percentiles of its duration; it
// stops the program on the first error, since a failed query has no latency.
func latency(n int, f func(i int) error) percentiles {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := f(i); err != nil {
			fmt.Fprintln(os.Stderr, "bench: query failed:", err)
			os.Exit(1)
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return percentiles{p50: d[n/2], p99: d[min(n-1, n*99/100)], max: d[n-1]}
}

func post(url, query string) error {
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
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
