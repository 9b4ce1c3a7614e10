package neo4jstore

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/synth"
)

// benchEdges is the size of the benchmark graph: 1M transfers unless
// REDTHREAD_BENCH_EDGES says otherwise (for a quick run). The graph, the
// pairs and the queries are boltstore's (graph/boltstore/bench_test.go), so
// the two stores' figures compare.
func benchEdges(b *testing.B) int {
	if v := os.Getenv("REDTHREAD_BENCH_EDGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("REDTHREAD_BENCH_EDGES: %v", err)
		}
		return n
	}
	return 1_000_000
}

func ingest(b *testing.B, s *Store, g *synth.Gen, batch int) time.Duration {
	ctx := context.Background()
	var took time.Duration // in Write only: generating the records is not ingest
	for bt := range g.Batches(batch) {
		start := time.Now()
		res, err := s.Write(ctx, bt)
		took += time.Since(start)
		if err != nil || len(res.Rejected) > 0 {
			b.Fatalf("write: %v %+v", err, res.Rejected)
		}
	}
	return took
}

// BenchmarkStore loads one generated transfer graph into the test Neo4j
// (emptied first) and measures, in one run: batched ingest against one
// record per transaction, and query latency on random seeded pairs.
//
//	NEO4J_URI=... go test ./graph/neo4jstore -run '^$' -bench Store -benchtime 1x
func BenchmarkStore(b *testing.B) {
	cfg := testConfig(b)
	edges := benchEdges(b)
	g := synth.NewGen(42, edges/4, edges)
	ctx := context.Background()

	b.Run("ingest/perRecord", func(b *testing.B) {
		// A 1k-transfer sample, every node and edge its own transaction.
		small := synth.NewGen(43, 1_000/4, 1_000)
		var took time.Duration
		for range b.N {
			s := openEmpty(b, cfg)
			for bt := range small.Batches(1) {
				start := time.Now()
				if _, err := s.Write(ctx, bt); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
		}
		b.ReportMetric(float64(small.Edges())*float64(b.N)/took.Seconds(), "edges/s")
		b.ReportMetric(float64(small.Nodes()+small.Edges())*float64(b.N)/took.Seconds(), "records/s")
	})
	built := false
	b.Run("ingest/batch=10k", func(b *testing.B) {
		var took time.Duration
		for range b.N {
			took += ingest(b, openEmpty(b, cfg), g, 10_000)
		}
		built = true
		b.ReportMetric(float64(g.Edges())*float64(b.N)/took.Seconds(), "edges/s")
		b.ReportMetric(float64(g.Nodes()+g.Edges())*float64(b.N)/took.Seconds(), "records/s")
	})
	s, err := Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if st, err := s.Stats(ctx); !built || err != nil || st.Edges != int64(g.Edges()) {
		ingest(b, openEmpty(b, cfg), g, 10_000)
	}

	r := rand.New(rand.NewPCG(7, 7))
	pairs := make([][2]string, 1024)
	for i := range pairs {
		pairs[i] = [2]string{g.WalletID(r.IntN(g.Wallets())), g.WalletID(r.IntN(g.Wallets()))}
	}
	for _, dir := range []graph.Direction{graph.Out, graph.Both} {
		b.Run("shortestPath/"+string(dir), func(b *testing.B) {
			found, hops := 0, 0
			i := 0
			for b.Loop() {
				p := pairs[i%len(pairs)]
				i++
				res, err := s.ShortestPath(ctx, graph.PathQuery{From: p[0], To: p[1], Direction: dir})
				if err != nil {
					b.Fatal(err)
				}
				if res.Length() > 0 {
					found++
					hops += res.Length()
				}
			}
			b.ReportMetric(float64(found)/float64(i), "found/op")
			if found > 0 {
				b.ReportMetric(float64(hops)/float64(found), "hops/path")
			}
		})
		b.Run("neighbors/depth=2/"+string(dir), func(b *testing.B) {
			nodes, i := 0, 0
			for b.Loop() {
				p := pairs[i%len(pairs)]
				i++
				sub, err := s.Neighbors(ctx, graph.NeighborQuery{ID: p[0], Depth: 2, Direction: dir})
				if err != nil {
					b.Fatal(err)
				}
				nodes += len(sub.Nodes)
			}
			b.ReportMetric(float64(nodes)/float64(i), "nodes/op")
		})
	}
	b.Run("search/prefix", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := pairs[i%len(pairs)]
			i++
			q := p[0][len("wallet:btc:") : len("wallet:btc:")+6]
			if _, err := s.Search(ctx, graph.SearchQuery{Text: q}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIngest measures batched ingest alone (10k-record batches into an
// emptied database), the figure BenchmarkStore/ingest/batch=10k reports,
// without the query benchmarks that follow it there.
//
//	NEO4J_URI=... go test ./graph/neo4jstore -run '^$' -bench Ingest -benchtime 1x
func BenchmarkIngest(b *testing.B) {
	cfg := testConfig(b)
	edges := benchEdges(b)
	g := synth.NewGen(42, edges/4, edges)
	var took time.Duration
	for range b.N {
		took += ingest(b, openEmpty(b, cfg), g, 10_000)
	}
	b.ReportMetric(float64(g.Edges())*float64(b.N)/took.Seconds(), "edges/s")
	b.ReportMetric(float64(g.Nodes()+g.Edges())*float64(b.N)/took.Seconds(), "records/s")
}
