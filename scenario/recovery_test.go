package scenario_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph/investigate"
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
	ctx := context.Background()
	_, store, _, truth := loadS(t)
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

	// Clusters, pairwise: from every Bitcoin wallet of every actor, the
	// members found are pairs claimed one owner's; the truth's pairs are
	// every two Bitcoin wallets of one actor. By co-spend alone and with
	// the one-time-change rule, which follows peel chains.
	var cp, cr float64
	for _, heur := range [][]investigate.Heuristic{{investigate.CoSpend}, {investigate.CoSpend, investigate.OneTimeChange}} {
		var hit, claimed, pairs int
		for _, a := range truth.Actors {
			var btc []string
			mine := map[string]bool{}
			for _, w := range a.Wallets {
				if strings.HasPrefix(w, "btc:") {
					btc = append(btc, "wallet:"+w)
					mine["wallet:"+w] = true
				}
			}
			pairs += len(btc) * (len(btc) - 1)
			for _, w := range btc {
				query(func(top investigate.Topology) error {
					res, err := investigate.Cluster(ctx, top, investigate.ClusterQuery{ID: w, Heuristics: heur}, investigate.Limits{})
					for _, m := range res.Members[1:] {
						claimed++
						if mine[m.ID] {
							hit++
						}
					}
					return err
				})
			}
		}
		if pairs == 0 || claimed == 0 {
			t.Fatalf("nothing to measure: %d true pairs, %d claimed", pairs, claimed)
		}
		cp, cr = float64(hit)/float64(claimed), float64(hit)/float64(pairs)
		t.Logf("clusters %v: pairwise precision %.3f (%d of %d pairs claimed are one actor's), recall %.3f (of %d true pairs)", heur, cp, hit, claimed, cr, pairs)
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
			res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{"incident:" + r.Incident}, MaxHops: 12, Limit: 1000}, investigate.Limits{})
			for _, tr := range res.Tainted {
				if tr.Edge.TxHash != "" {
					seen[strings.ToLower(tr.Edge.TxHash)] = true
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
	t.Logf("money flow: precision %.3f (%d of %d tainted transfers were laid by the thieves), recall %.3f (%d of %d laid transfers found)", fp, hit, found, fr, hit, want)
	// Floors just under what this seed gives (see the issue 5 note). The
	// scenario moves an actor's Bitcoin through consolidations into fresh
	// addresses and single-input sweeps, which neither heuristic links, so
	// pairwise cluster recall is low by design; what they do link is right.
	if cp < 0.95 || cr < 0.015 || fp < 0.85 || fr < 0.95 {
		t.Errorf("recovery below the floor: clusters P %.3f R %.3f, flow P %.3f R %.3f", cp, cr, fp, fr)
	}
}
