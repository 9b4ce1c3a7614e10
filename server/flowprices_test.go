package server_test

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/prices"
	"github.com/redthread-dev/redthread/scenario"
	"github.com/redthread-dev/redthread/server"
)

const flowPricesQuery = `query($from: [ID!]!) {
  moneyFlow(from: $from, maxHops: 12, limit: 200, taint: POISON) {
    priced rankedBy pricedFromTable valuation
    prices { asset day usdClose source { dataset record illustrative } }
    sinks { node { id } wallets valueUSD usdFrom amounts { asset amount } summary }
    routes { value usdFrom price { asset day usdClose } hops { value usdFrom price { asset day usdClose } edge { asset amount valueUSD time } } }
    tainted { edge { to asset amount time } taintedAmount { asset amount } usdFrom }
    reason
  } }`

type priceClose struct {
	Asset    string  `json:"asset"`
	Day      string  `json:"day"`
	UsdClose float64 `json:"usdClose"`
	Source   *struct {
		Dataset      string `json:"dataset"`
		Record       string `json:"record"`
		Illustrative bool   `json:"illustrative"`
	} `json:"source"`
}

type flowPricesAnswer struct {
	MoneyFlow flowPricesFlow `json:"moneyFlow"`
}

type flowPricesFlow struct {
	Priced          bool         `json:"priced"`
	RankedBy        string       `json:"rankedBy"`
	PricedFromTable int          `json:"pricedFromTable"`
	Valuation       string       `json:"valuation"`
	Prices          []priceClose `json:"prices"`
	Reason          *string      `json:"reason"`
	Tainted         []struct {
		Edge struct {
			To     string    `json:"to"`
			Asset  string    `json:"asset"`
			Amount float64   `json:"amount"`
			Time   time.Time `json:"time"`
		} `json:"edge"`
		TaintedAmount flowAmount `json:"taintedAmount"`
		UsdFrom       *string    `json:"usdFrom"`
	} `json:"tainted"`
	Sinks []struct {
		Node     struct{ ID string } `json:"node"`
		Wallets  []string            `json:"wallets"`
		ValueUSD *float64            `json:"valueUSD"`
		UsdFrom  []string            `json:"usdFrom"`
		Amounts  []flowAmount        `json:"amounts"`
		Summary  string              `json:"summary"`
	} `json:"sinks"`
	Routes []struct {
		Value   *float64    `json:"value"`
		UsdFrom *string     `json:"usdFrom"`
		Price   *priceClose `json:"price"`
		Hops    []struct {
			Value   *float64    `json:"value"`
			UsdFrom *string     `json:"usdFrom"`
			Price   *priceClose `json:"price"`
			Edge    *struct {
				Asset    string    `json:"asset"`
				Amount   float64   `json:"amount"`
				ValueUSD *float64  `json:"valueUSD"`
				Time     time.Time `json:"time"`
			} `json:"edge"`
		} `json:"hops"`
	} `json:"routes"`
}

// readPriceFile reads the generated price table with encoding/csv, apart
// from the prices reader: closes by "ASSET DAY".
func readPriceFile(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0][:3], ",") != "date,asset,usd_close" {
		t.Fatalf("price file header %v", rows[0])
	}
	out := map[string]float64{}
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		out[r[1]+" "+r[0]] = v
	}
	return out
}

// TestFlowPricesScenario loads the S scenario and then its generated price
// table, and traces each theft under POISON over GraphQL: every tainted
// transfer is now valued from the table, the flow ranks by USD by default,
// and the sinks the thieves paid rank as the truth does in USD, computed
// here from the truth's deposits and the price file read on its own. Each
// hop's USD is its amount times the close of its UTC day, cited.
func TestFlowPricesScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests the S scenario")
	}
	st, truth, dir := sScenarioAt(t)
	path := filepath.Join(dir, scenario.PricesFile)
	res, err := ingest.Run(t.Context(), st, []ingest.Source{prices.File(path)}, ingest.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil || res.Rejected > 0 || res.Prices.Created == 0 || res.Nodes.Total()+res.Edges.Total() != 0 {
		t.Fatalf("price table: %+v %v", res, err)
	}
	closes := readPriceFile(t, path)
	ts := start(t, st, server.DefaultConfig())
	checked := 0
	for _, r := range truth.Routes {
		if r.Incident == "" {
			continue
		}
		want := truthUSD(t, st, r, closes)
		out := query(t, ts, flowPricesQuery, map[string]any{"from": []string{"incident:" + r.Incident}})
		if len(out.Errors) > 0 {
			t.Fatalf("%s: %v", r.Incident, out.Errors)
		}
		var a flowPricesAnswer
		if err := json.Unmarshal(out.Data, &a); err != nil {
			t.Fatal(err)
		}
		f := a.MoneyFlow
		if !f.Priced || f.RankedBy != "USD" || f.PricedFromTable == 0 || len(f.Prices) == 0 || !strings.Contains(f.Valuation, "valued from the price table (prices:prices.csv)") {
			t.Errorf("%s: priced %v, ranked by %s, %d from the table, %d closes, valuation %q", r.Incident, f.Priced, f.RankedBy, f.PricedFromTable, len(f.Prices), f.Valuation)
		}
		for _, p := range f.Prices {
			if c := closes[p.Asset+" "+p.Day]; c != p.UsdClose || p.Source == nil || p.Source.Dataset != "prices:prices.csv" || p.Source.Record != p.Asset+":"+p.Day || !p.Source.Illustrative {
				t.Errorf("%s: close %+v (file says %v)", r.Incident, p, c)
			}
		}
		checkUSDRanking(t, r.Incident, f, want, closes)
		for _, rt := range f.Routes {
			for _, h := range rt.Hops {
				if h.Edge == nil {
					continue
				}
				day := h.Edge.Time.UTC().Format(time.DateOnly)
				c := closes[h.Edge.Asset+" "+day]
				if h.Edge.ValueUSD != nil || h.UsdFrom == nil || *h.UsdFrom != "PRICE_TABLE" || h.Price == nil || h.Price.Day != day || h.Price.UsdClose != c || h.Value == nil || *h.Value != h.Edge.Amount*c {
					t.Errorf("%s: hop of %v %s on %s: USD %v from %v by %+v (close %v)", r.Incident, h.Edge.Amount, h.Edge.Asset, day, h.Value, h.UsdFrom, h.Price, c)
				}
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no theft in the truth: the test proves nothing")
	}
}

// checkUSDRanking checks the sinks' USD values and order against a
// valuation made here: each tainted transfer into a sink's wallets, its
// tainted amount times its asset's close on its UTC day in the price file.
// The sinks the thieves paid got at least what the truth says they paid.
func checkUSDRanking(t *testing.T, name string, f flowPricesFlow, want map[string]float64, closes map[string]float64) {
	t.Helper()
	if f.Reason != nil && strings.Contains(*f.Reason, "carried tainted value") {
		t.Fatalf("%s: tainted transfers truncated (%s): the valuation here would be short", name, *f.Reason)
	}
	into := map[string]float64{} // by wallet
	for _, tr := range f.Tainted {
		c, ok := closes[tr.Edge.Asset+" "+tr.Edge.Time.UTC().Format(time.DateOnly)]
		if !ok || tr.UsdFrom == nil || *tr.UsdFrom != "PRICE_TABLE" || tr.TaintedAmount.Asset != tr.Edge.Asset {
			t.Fatalf("%s: tainted %+v: close %v (%v)", name, tr, c, ok)
		}
		into[tr.Edge.To] += tr.TaintedAmount.Amount * c
	}
	usd := map[string]float64{}
	var shown []string
	for _, s := range f.Sinks {
		for _, w := range s.Wallets {
			usd[s.Node.ID] += into[w]
		}
		shown = append(shown, s.Node.ID)
		v := usd[s.Node.ID]
		if s.ValueUSD == nil || math.Abs(*s.ValueUSD-v) > 1e-9*v || !slices.Equal(s.UsdFrom, []string{"PRICE_TABLE"}) || !strings.Contains(s.Summary, "valued from the price table prices:prices.csv") {
			t.Errorf("%s: %s USD %v from %v, valued here %v: %q", name, s.Node.ID, s.ValueUSD, s.UsdFrom, v, s.Summary)
		}
		if w, ok := want[s.Node.ID]; ok && v < w*(1-1e-9) {
			t.Errorf("%s: %s got USD %v, the thieves paid it USD %v", name, s.Node.ID, v, w)
		}
	}
	for id := range want {
		if !slices.Contains(shown, id) {
			t.Errorf("%s: the thieves paid %s, not among the sinks", name, id)
		}
	}
	ranked := slices.Clone(shown)
	slices.SortStableFunc(ranked, func(a, b string) int { return cmp.Or(cmp.Compare(usd[b], usd[a]), cmp.Compare(a, b)) })
	if !slices.Equal(shown, ranked) {
		t.Errorf("%s: sinks rank %v, by the USD valued here %v (%v)", name, shown, ranked, usd)
	}
}

// truthUSD is what the truth says each service received from an
// incident's laundering route, in USD: each deposit and OTC transfer's
// amount times its asset's close on its UTC day in the price file.
func truthUSD(t *testing.T, st *boltstore.Store, r scenario.Route, closes map[string]float64) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
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
		var usd float64
		for _, e := range sub.Edges {
			switch {
			case e.Kind == graph.EdgeDepositedAt && e.From == to:
				svc = e.To
			case e.Kind == graph.EdgeTransfer && e.To == to && e.From == "wallet:"+h.From && strings.EqualFold(e.TxHash, h.Tx):
				c, ok := closes[e.Asset+" "+e.Time.UTC().Format(time.DateOnly)]
				if !ok {
					t.Fatalf("no close in the price file for %s on %s", e.Asset, e.Time.UTC().Format(time.DateOnly))
				}
				usd += e.Amount * c
			}
		}
		if svc == "" || usd == 0 {
			t.Fatalf("truth hop %+v: service %q, USD %v", h, svc, usd)
		}
		out[svc] += usd
	}
	return out
}
