package server_test

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/scenario"
	"github.com/redthread-dev/redthread/server"
)

// sScenario generates the S scenario, ingests it into an embedded store
// and returns the store and the scenario's truth.
func sScenario(t *testing.T) (*boltstore.Store, scenario.Truth) {
	t.Helper()
	st, truth, _ := sScenarioAt(t)
	return st, truth
}

// sScenarioAt is sScenario that also returns the generated files'
// directory, for the price table (not ingested: scenario.Sources).
func sScenarioAt(t *testing.T) (*boltstore.Store, scenario.Truth, string) {
	t.Helper()
	sc, err := scenario.ParseScale("S")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := scenario.Generate(t.Context(), dir, scenario.Config{Scale: sc, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := ingest.Run(t.Context(), st, scenario.Sources(dir), ingest.Options{BatchSize: 20_000, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, scenario.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	var truth scenario.Truth
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	return st, truth, dir
}

type flowAmount struct {
	Asset  string  `json:"asset"`
	Amount float64 `json:"amount"`
}

type flowAnswer struct {
	MoneyFlow flowAnswerFlow `json:"moneyFlow"`
}

type flowAnswerFlow struct {
	SourceValue   *float64     `json:"sourceValue"`
	SourceAmounts []flowAmount `json:"sourceAmounts"`
	Priced        bool         `json:"priced"`
	RankedBy      string       `json:"rankedBy"`
	AssetOrder    []string     `json:"assetOrder"`
	Sinks         []struct {
		Node     struct{ ID string } `json:"node"`
		ValueUSD *float64            `json:"valueUSD"`
		Amounts  []flowAmount        `json:"amounts"`
		Unpriced []string            `json:"unpriced"`
		Routes   int                 `json:"routes"`
		Summary  string              `json:"summary"`
	} `json:"sinks"`
	Routes []struct {
		Value  *float64      `json:"value"`
		Amount flowAmount    `json:"amount"`
		Alike  int           `json:"alike"`
		Hops   []scenarioHop `json:"hops"`
	} `json:"routes"`
}

const flowAssetsQuery = `query($from: [ID!]!, $taint: TaintModel, $rankBy: FlowRanking) {
  moneyFlow(from: $from, maxHops: 12, limit: 500, taint: $taint, rankBy: $rankBy) {
    sourceValue sourceAmounts { asset amount } priced rankedBy assetOrder
    sinks { node { id } valueUSD amounts { asset amount } unpriced routes summary }
    routes { value amount { asset amount } alike hops { service value tainted amount { asset amount } taintedAmount { asset amount } edge { asset amount } } }
  } }`

// TestFlowAssetsScenario traces each theft of the generated S scenario over
// GraphQL under each taint model. Its chain data carry no USD prices and its
// loot crosses a bridge from ETH to BTC, so sinks receive two assets: no
// sink, route or summary may add them together and nothing may claim a USD
// value. Under POISON the sinks rank, per asset (ETH, which the thieves
// stole, then BTC), as the scenario's truth says they received.
func TestFlowAssetsScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests the S scenario")
	}
	st, truth := sScenario(t)
	ts := start(t, st, server.DefaultConfig())
	multi := 0
	for _, r := range truth.Routes {
		if r.Incident == "" {
			continue
		}
		want := truthSinks(t, st, r)
		for _, taint := range []string{"POISON", "HAIRCUT", "FIFO"} {
			res := query(t, ts, flowAssetsQuery, map[string]any{"from": []string{"incident:" + r.Incident}, "taint": taint})
			if len(res.Errors) > 0 {
				t.Fatalf("%s %s: %v", r.Incident, taint, res.Errors)
			}
			var a flowAnswer
			if err := json.Unmarshal(res.Data, &a); err != nil {
				t.Fatal(err)
			}
			f := a.MoneyFlow
			name := r.Incident + " " + taint
			if f.SourceValue != nil || f.Priced || f.RankedBy != "ASSET" || len(f.AssetOrder) == 0 || f.AssetOrder[0] != "ETH" {
				t.Errorf("%s: sourceValue %v, priced %v, ranked %s by %v; want no USD, ASSET, ETH first", name, f.SourceValue, f.Priced, f.RankedBy, f.AssetOrder)
			}
			for _, s := range f.Sinks {
				multi += checkScenarioSink(t, name, s.Node.ID, s.ValueUSD, s.Amounts, s.Unpriced, s.Summary)
			}
			for _, rt := range f.Routes {
				checkScenarioRoute(t, name, rt.Value, rt.Amount, rt.Hops)
			}
			if taint == "POISON" {
				checkTruthRanking(t, name, f, want)
			}
		}
	}
	if multi == 0 {
		t.Fatal("no sink received two assets: the test proves nothing")
	}
	t.Logf("%d multi-asset sinks, none adding assets together", multi)
}

// checkScenarioSink checks that a sink keeps its assets apart and claims
// no USD value; it returns 1 for a sink of more than one asset.
func checkScenarioSink(t *testing.T, name, id string, usd *float64, amounts []flowAmount, unpriced []string, summary string) int {
	t.Helper()
	seen := map[string]bool{}
	for _, a := range amounts {
		if seen[a.Asset] || a.Asset == "" || a.Amount <= 0 {
			t.Errorf("%s: %s amounts %v: an asset twice, unnamed or empty", name, id, amounts)
		}
		seen[a.Asset] = true
	}
	reached := summary[strings.Index(summary, "stolen, ")+len("stolen, "):]
	reached = reached[:strings.Index(reached, " reached ")]
	parts := strings.Split(reached, " + ")
	if usd != nil || len(unpriced) != len(amounts) || len(parts) != len(amounts) || !strings.HasSuffix(summary, "; no USD prices loaded") || strings.Contains(reached, "USD") {
		t.Errorf("%s: %s USD %v, unpriced %v, amounts %v, summary %q", name, id, usd, unpriced, amounts, summary)
	}
	for i, p := range parts {
		if i < len(amounts) && !strings.HasSuffix(p, " "+amounts[i].Asset) {
			t.Errorf("%s: %s summary %q names %q where amounts have %s", name, id, summary, p, amounts[i].Asset)
		}
	}
	if len(amounts) > 1 {
		return 1
	}
	return 0
}

type scenarioHop = struct {
	Service       *string     `json:"service"`
	Value         *float64    `json:"value"`
	Tainted       *float64    `json:"tainted"`
	Amount        *flowAmount `json:"amount"`
	TaintedAmount *flowAmount `json:"taintedAmount"`
	Edge          *struct {
		Asset  *string  `json:"asset"`
		Amount *float64 `json:"amount"`
	} `json:"edge"`
}

// checkScenarioRoute checks that a route's hops carry their transfer's
// asset, crossings no value, and the route what its last transfer
// delivered, in that transfer's asset.
func checkScenarioRoute(t *testing.T, name string, value *float64, amount flowAmount, hops []scenarioHop) {
	t.Helper()
	for _, h := range hops {
		if h.Edge == nil {
			if h.Service == nil || h.Value != nil || h.Tainted != nil || h.Amount != nil || h.TaintedAmount != nil {
				t.Errorf("%s: crossing with a value: %+v", name, h)
			}
			continue
		}
		if h.Value != nil || h.Tainted != nil || h.Amount == nil || h.TaintedAmount == nil || h.Edge.Asset == nil ||
			h.Amount.Asset != *h.Edge.Asset || h.Amount.Amount != *h.Edge.Amount || h.TaintedAmount.Asset != *h.Edge.Asset ||
			h.TaintedAmount.Amount > h.Amount.Amount*(1+1e-9) {
			t.Errorf("%s: hop %+v (edge %v %v)", name, h, h.Edge.Asset, h.Edge.Amount)
		}
	}
	last := hops[len(hops)-1]
	if value != nil || last.TaintedAmount == nil || amount != *last.TaintedAmount {
		t.Errorf("%s: route delivers %v (USD %v), its last hop %+v", name, amount, value, last)
	}
}

// checkTruthRanking checks the POISON flow against the truth: every sink
// the thieves paid is found with at least what they paid it of each asset,
// and those sinks rank as the truth ranks them, by ETH, then BTC.
func checkTruthRanking(t *testing.T, name string, f flowAnswerFlow, want map[string]map[string]float64) {
	t.Helper()
	var got []string
	for _, s := range f.Sinks {
		w, ok := want[s.Node.ID]
		if !ok {
			continue
		}
		got = append(got, s.Node.ID)
		for _, a := range s.Amounts {
			if a.Amount < w[a.Asset]*(1-1e-9) {
				t.Errorf("%s: %s got %v %s, the thieves paid it %v", name, s.Node.ID, a.Amount, a.Asset, w[a.Asset])
			}
		}
	}
	ranked := slices.Collect(maps.Keys(want))
	slices.SortFunc(ranked, func(a, b string) int {
		return cmp.Or(cmp.Compare(want[b]["ETH"], want[a]["ETH"]), cmp.Compare(want[b]["BTC"], want[a]["BTC"]), cmp.Compare(a, b))
	})
	if !slices.Equal(got, ranked) {
		t.Errorf("%s: sinks rank %v, the truth %v", name, got, ranked)
	}
}

// truthSinks is what the scenario's truth says each service received from
// an incident's laundering route: the amounts of its deposit and OTC hops,
// read from the ingested transfers, by service and asset.
func truthSinks(t *testing.T, st *boltstore.Store, r scenario.Route) map[string]map[string]float64 {
	t.Helper()
	out := map[string]map[string]float64{}
	for _, h := range r.Hops {
		if h.Step != "deposit" && h.Step != "otc" {
			continue
		}
		to := "wallet:" + h.To
		sub, err := st.Neighbors(t.Context(), graph.NeighborQuery{ID: to, Direction: graph.Both, EdgeKinds: []graph.EdgeKind{graph.EdgeTransfer, graph.EdgeDepositedAt}, Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		svc := ""
		var amt float64
		var asset string
		for _, e := range sub.Edges {
			switch {
			case e.Kind == graph.EdgeDepositedAt && e.From == to:
				svc = e.To
			case e.Kind == graph.EdgeTransfer && e.To == to && e.From == "wallet:"+h.From && strings.EqualFold(e.TxHash, h.Tx):
				amt, asset = amt+e.Amount, e.Asset
			}
		}
		if svc == "" || asset == "" {
			t.Fatalf("truth hop %+v: service %q, asset %q", h, svc, asset)
		}
		if out[svc] == nil {
			out[svc] = map[string]float64{}
		}
		out[svc][asset] += amt
	}
	return out
}
