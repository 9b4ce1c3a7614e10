package investigate_test

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/synth"
)

// BenchmarkEngine times the engine's path, flow and exposure queries on the
// embedded store over one generated graph (synth seed 1, 25,000 wallets,
// 100,000 transfers), the same random wallet pairs for every query. With
// REDTHREAD_ENGINE_BENCH_DATA set to a directory written by
// `go run ./bench -queries -data DIR` (1 M transfers, seed 1), it reuses
// that directory's store instead: the queries the bench times, under a
// profiler.
func BenchmarkEngine(b *testing.B) {
	ctx := context.Background()
	g := synth.NewGen(1, 25_000, 100_000)
	var s *boltstore.Store
	if dir := os.Getenv("REDTHREAD_ENGINE_BENCH_DATA"); dir != "" {
		g = synth.NewGen(1, 250_000, 1_000_000)
		var err error
		if s, err = boltstore.Open(ctx, dir+"/embedded", boltstore.Options{}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
	} else {
		s = benchStore(ctx, b, g, false)
	}
	rng := rand.New(rand.NewPCG(1, 3))
	pairs := make([][2]string, 1000)
	for i := range pairs {
		pairs[i] = [2]string{g.WalletID(rng.IntN(g.Wallets())), g.WalletID(rng.IntN(g.Wallets()))}
	}
	l := investigate.DefaultLimits()
	run := func(name string, f func(ctx context.Context, top investigate.Topology, p [2]string) error) {
		b.Run(name, func(b *testing.B) {
			for i := range b.N {
				top, release, err := s.Topology(ctx)
				if err != nil {
					b.Fatal(err)
				}
				err = f(ctx, top, pairs[i%len(pairs)])
				release()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, k := range []int{1, 5} {
		for _, dir := range []graph.Direction{graph.Out, graph.Both} {
			run("paths-k"+string(rune('0'+k))+"-"+string(dir), func(ctx context.Context, top investigate.Topology, p [2]string) error {
				_, err := investigate.Paths(ctx, top, investigate.PathsQuery{From: p[0], To: p[1], Direction: dir, MaxHops: 6, Limit: k}, l)
				return err
			})
		}
	}
	run("flow", func(ctx context.Context, top investigate.Topology, p [2]string) error {
		_, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{p[0]}, MaxHops: 4, Taint: investigate.Haircut}, l)
		return err
	})
	run("exposure", func(ctx context.Context, top investigate.Topology, p [2]string) error {
		_, err := investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: p[0], MaxHops: 3, Direction: graph.Both}, l)
		return err
	})
}
