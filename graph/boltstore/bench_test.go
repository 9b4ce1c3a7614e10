package boltstore

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/synth"
)

// benchEdges is the size of the benchmark graph: 1M transfers unless
// REDTHREAD_BENCH_EDGES says otherwise (for a quick smoke run).
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

func ingest(b *testing.B, dir string, g *synth.Gen, batch int) time.Duration {
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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

// BenchmarkStore builds one generated transfer graph and measures, in one
// run: batched ingest against one record per transaction, open (index
// rebuild) time and heap, and query latency on random seeded pairs.
//
//	go test ./graph/boltstore -run '^$' -bench Store -benchtime 1x   # ingest, open once
//	go test ./graph/boltstore -run '^$' -bench 'Store/(shortest|neigh)'
func BenchmarkStore(b *testing.B) {
	edges := benchEdges(b)
	g := synth.NewGen(42, edges/4, edges)
	root := b.TempDir()
	dir := filepath.Join(root, "main")
	built := false

	b.Run("ingest/batch=10k", func(b *testing.B) {
		var took time.Duration
		for i := range b.N {
			d := filepath.Join(root, "ingest"+strconv.Itoa(i))
			took += ingest(b, d, g, 10_000)
			if !built {
				if err := os.Rename(d, dir); err != nil {
					b.Fatal(err)
				}
				built = true
			} else if err := os.RemoveAll(d); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(g.Edges())*float64(b.N)/took.Seconds(), "edges/s")
		b.ReportMetric(float64(g.Nodes()+g.Edges())*float64(b.N)/took.Seconds(), "records/s")
	})
	b.Run("ingest/perRecord", func(b *testing.B) {
		// A 1k-transfer sample, every node and edge its own transaction.
		small := synth.NewGen(43, 1_000/4, 1_000)
		ctx := context.Background()
		var took time.Duration
		for i := range b.N {
			s, err := Open(ctx, filepath.Join(root, "single"+strconv.Itoa(i)), Options{})
			if err != nil {
				b.Fatal(err)
			}
			for bt := range small.Batches(1) {
				start := time.Now()
				if _, err := s.Write(ctx, bt); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
			s.Close()
		}
		b.ReportMetric(float64(small.Edges())*float64(b.N)/took.Seconds(), "edges/s")
		b.ReportMetric(float64(small.Nodes()+small.Edges())*float64(b.N)/took.Seconds(), "records/s")
	})
	if !built {
		ingest(b, dir, g, 10_000)
	}

	ctx := context.Background()
	// open/rebuild reads every record, as a store without a current
	// snapshot does; open/snapshot reads the snapshot Close wrote.
	for _, mode := range []struct {
		name string
		opts Options
	}{{"rebuild", Options{NoSnapshot: true}}, {"snapshot", Options{}}} {
		b.Run("open/"+mode.name, func(b *testing.B) {
			for b.Loop() {
				s, err := Open(ctx, dir, mode.opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.StopTimer()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s, err := Open(ctx, dir, mode.opts)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			topo, search := s.IndexMemory()
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heap-MB")
			b.ReportMetric(float64(topo)/1e6, "topology-MB")
			b.ReportMetric(float64(search)/1e6, "search-MB")
			s.Close()
		})
	}

	s, err := Open(ctx, dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
