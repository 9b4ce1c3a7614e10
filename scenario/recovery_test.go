package scenario_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/etlbtc"
	"github.com/redthread-dev/redthread/ingest/etleth"
	"github.com/redthread-dev/redthread/ingest/native"
	"github.com/redthread-dev/redthread/ingest/personas"
	"github.com/redthread-dev/redthread/scenario"
)

// TestRecovery measures how well the investigation queries recover what
// the scenario laid down (truth.json): co-spend clusters against the
// actors' Bitcoin wallets, and money flow from each theft against the
// laundering routes' transfers. It prints precision and recall and fails
// when either falls below what the heuristics are known to reach here.
func TestRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests the S scenario")
	}
	dir, _ := generate(t, 1)
	ctx := context.Background()
	store, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	p := func(name string) string { return filepath.Join(dir, name) }
	if _, err := ingest.Run(ctx, store, []ingest.Source{
		native.File(p(scenario.NativeFile)), etleth.File(p(scenario.ETHTransactionFile)), etleth.File(p(scenario.ETHTokenFile)),
		etlbtc.File(p(scenario.BTCTransactionFile)), personas.File(p(scenario.PersonasFile)),
	}, ingest.Options{BatchSize: 20_000}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p(scenario.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	var truth scenario.Truth
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	query := func(f func(investigate.Topology) error) {
		t.Helper()
		top, release, err := store.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if err := f(top); err != nil {
			t.Fatal(err)
		}
	}

	// Clusters: from each actor's first Bitcoin wallet, by co-spend alone
	// and with the one-time-change rule, which follows peel chains.
	var cp, cr float64
	for _, heur := range [][]investigate.Heuristic{{investigate.CoSpend}, {investigate.CoSpend, investigate.OneTimeChange}} {
		var hit, found, want int
		for _, a := range truth.Actors {
			var btc []string
			for _, w := range a.Wallets {
				if strings.HasPrefix(w, "btc:") {
					btc = append(btc, "wallet:"+w)
				}
			}
			if len(btc) < 2 {
				continue
			}
			mine := map[string]bool{}
			for _, w := range btc {
				mine[w] = true
			}
			query(func(top investigate.Topology) error {
				res, err := investigate.Cluster(ctx, top, investigate.ClusterQuery{ID: btc[0], Heuristics: heur}, investigate.Limits{})
				for _, m := range res.Members {
					found++
					if mine[m.ID] {
						hit++
					}
				}
				return err
			})
			want += len(btc)
		}
		if want == 0 {
			t.Fatal("no actor has two Bitcoin wallets")
		}
		cp, cr = float64(hit)/float64(found), float64(hit)/float64(want)
		t.Logf("clusters %v: precision %.3f (%d of %d members are the actor's), recall %.3f (%d of %d actor wallets)", heur, cp, hit, found, cr, hit, want)
	}

	// Money flow: from each incident, the transfers of its laundering route.
	var hit, found, want int
	for _, r := range truth.Routes {
		if r.Incident == "" {
			continue
		}
		laid := map[string]bool{}
		for _, h := range r.Hops {
			if h.Step != "theft" {
				laid[strings.ToLower(h.Tx)] = true
			}
		}
		seen := map[string]bool{}
		query(func(top investigate.Topology) error {
			res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{"incident:" + r.Incident}, MaxHops: 8, Limit: 1000}, investigate.Limits{})
			for _, rt := range res.Routes {
				for _, h := range rt.Hops {
					if h.Edge != nil && h.Edge.TxHash != "" {
						seen[strings.ToLower(h.Edge.TxHash)] = true
					}
				}
			}
			return err
		})
		for tx := range seen {
			found++
			if laid[tx] {
				hit++
			}
		}
		want += len(laid)
	}
	fp, fr := float64(hit)/float64(max(found, 1)), float64(hit)/float64(max(want, 1))
	t.Logf("money flow: precision %.3f (%d of %d route transfers were laid by the thieves), recall %.3f (%d of %d laid transfers found)", fp, hit, found, fr, hit, want)
	// Floors just under what this seed gives (see the issue 5 note): co-spend
	// links few of the actors' Bitcoin wallets, which the scenario moves by
	// peel chains and single-input sweeps.
	if cp < 0.95 || cr < 0.05 || fp < 0.85 || fr < 0.35 {
		t.Errorf("recovery below the floor: clusters P %.3f R %.3f, flow P %.3f R %.3f", cp, cr, fp, fr)
	}
}
