package neo4jstore

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	rtingest "github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/scenario"
)

// TestInvestigationAgrees loads one generated scenario (thefts laundered
// through mixers and bridges, IT-worker personas, services) into both
// stores and asks both every investigation query from many seeded starting
// points: the answers, serialised whole, must be identical.
func TestInvestigationAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a scenario and loads it into both stores")
	}
	ctx := context.Background()
	neo := openEmpty(t, testConfig(t))
	bolt, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	sc, err := scenario.ParseScale("S")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := scenario.Generate(ctx, dir, scenario.Config{Scale: sc, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	// One job ID for both loads, so that the sources compare equal.
	opts := rtingest.Options{BatchSize: 5000, Logger: slog.New(slog.DiscardHandler), JobID: rtingest.NewJobID(time.Now())}
	for _, st := range []rtingest.Writer{bolt, neo} {
		if _, err := rtingest.Run(ctx, st, scenario.Sources(dir), opts); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(p(scenario.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	var truth scenario.Truth
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}

	type query struct {
		name string
		run  func(investigate.Topology) (any, error)
	}
	var qs []query
	r := rand.New(rand.NewPCG(3, 3))
	l := investigate.Limits{}
	var wallets []string
	for _, a := range truth.Actors {
		for _, w := range a.Wallets {
			wallets = append(wallets, "wallet:"+w)
		}
	}
	for _, s := range truth.Services {
		for _, w := range s.Wallets {
			wallets = append(wallets, "wallet:"+w)
		}
	}
	pick := func() string { return wallets[r.IntN(len(wallets))] }
	for _, rt := range truth.Routes {
		if rt.Incident == "" {
			continue
		}
		for _, model := range []investigate.TaintModel{investigate.Poison, investigate.Haircut, investigate.FIFO} {
			q := investigate.FlowQuery{From: []string{"incident:" + rt.Incident}, MaxHops: 8, Taint: model}
			qs = append(qs, query{"flow " + rt.Incident + " " + string(model), func(top investigate.Topology) (any, error) { return investigate.Flow(ctx, top, q, l) }})
		}
	}
	for i := range 25 {
		from, to := pick(), pick()
		pq := investigate.PathsQuery{From: from, To: to, Limit: 3, MaxHops: 6}
		if i%2 == 0 {
			pq.Direction, pq.Services = "OUT", investigate.ServicesStop
		}
		qs = append(qs,
			query{"paths " + from + " " + to, func(top investigate.Topology) (any, error) { return investigate.Paths(ctx, top, pq, l) }},
			query{"exposure " + from, func(top investigate.Topology) (any, error) {
				return investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: from, MaxHops: 3}, l)
			}},
		)
		// Transfers of several wallets, page by page, and their
		// neighbourhoods in one subgraph.
		several := []string{from, to, pick()}
		qs = append(qs,
			query{"transfers " + from, func(top investigate.Topology) (any, error) { return transferPages(ctx, top, several) }},
			query{"neighborhood of several " + from, func(top investigate.Topology) (any, error) {
				return investigate.Neighborhood(ctx, top, investigate.NeighborhoodQuery{IDs: several, Depth: 2, Limit: 200, MaxEdges: 2000}, l)
			}},
		)
		if strings.HasPrefix(from, "wallet:btc:") {
			cq := investigate.ClusterQuery{ID: from, Heuristics: []investigate.Heuristic{investigate.CoSpend, investigate.OneTimeChange}}
			qs = append(qs, query{"cluster " + from, func(top investigate.Topology) (any, error) { return investigate.Cluster(ctx, top, cq, l) }})
		}
	}
	for _, person := range truth.People {
		start := "person:" + person.Personas[0]
		qs = append(qs, query{"persona " + start, func(top investigate.Topology) (any, error) {
			res, err := investigate.PersonaCluster(ctx, top, investigate.PersonaQuery{Start: start}, l)
			if err != nil {
				return res, err
			}
			var ids []string
			for _, m := range res.Members {
				ids = append(ids, m.ID)
			}
			com, err := investigate.Communities(ctx, top, investigate.CommunitiesQuery{IDs: append(ids, wallets[:20]...)}, l)
			return []any{res, com}, err
		}})
	}
	answer := func(o investigate.Opener, q query) string {
		top, release, err := o.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		res, err := q.run(top)
		b, jerr := json.Marshal(res)
		if jerr != nil {
			t.Fatal(jerr)
		}
		if err != nil {
			return "error: " + err.Error()
		}
		return string(b)
	}
	nonEmpty := 0
	for _, q := range qs {
		want, got := answer(bolt, q), answer(neo, q)
		if want != got {
			at := 0
			for at < min(len(want), len(got)) && want[at] == got[at] {
				at++
			}
			from := max(0, at-300)
			t.Errorf("%s: answers differ at byte %d:\nembedded …%.600s\n   neo4j …%.600s", q.name, at, want[from:], got[from:])
		}
		if !strings.HasPrefix(want, "error") && len(want) > 200 {
			nonEmpty++
		}
	}
	t.Logf("%d queries, %d with substantial answers, identical on both stores", len(qs), nonEmpty)
	if nonEmpty < len(qs)/3 {
		t.Errorf("only %d of %d answers say anything: the comparison proves little", nonEmpty, len(qs))
	}
}

// transferPages reads every transfer of wallets, seven to a page.
func transferPages(ctx context.Context, top investigate.Topology, wallets []string) ([]investigate.TransfersResult, error) {
	var pages []investigate.TransfersResult
	var after *investigate.TransferCursor
	for range 200 {
		res, err := investigate.Transfers(ctx, top, investigate.TransfersQuery{Wallets: wallets, First: 7, After: after})
		if err != nil || !res.HasMore {
			return append(pages, res), err
		}
		pages = append(pages, res)
		after = &res.Cursors[len(res.Cursors)-1]
	}
	return pages, nil
}
