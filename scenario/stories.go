package scenario

import (
	"context"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// service is a service and its wallets: hot (or pool) wallets per chain and
// a contiguous range of deposit wallets per chain.
type service struct {
	key, name, category, country string
	hot                          [2][]wallet
	dep                          [2]int // first deposit wallet index
	depN                         int
}

func (s *service) deposit(c chain, k int) wallet { return wallet{c, s.dep[c] + k%s.depN} }

// threatGroup is a DPRK threat group the stories attribute activity to.
type threatGroup struct{ key, name, alias string }

var groups = []threatGroup{
	{"lazarus-group", "Lazarus Group", "Hidden Cobra"},
	{"apt38", "APT38", "BlueNoroff"},
	{"andariel", "Andariel", "Silent Chollima"},
	{"kimsuky", "Kimsuky", "Velvet Chollima"},
}

// Fictional services: the scenario must not suggest that a real business
// laundered anything.
var serviceSpecs = []struct{ name, category, country string }{
	{"Northwind Exchange", "exchange", "SC"}, {"Volga Crypto Market", "exchange", "RU"},
	{"Sunda Digital Exchange", "exchange", "SG"}, {"Harbor Bit", "exchange", "HK"},
	{"Kestrel Exchange", "exchange", "US"}, {"Baltic Coin Market", "exchange", "EE"},
	{"Eastgate OTC", "otc", "HK"}, {"Amur OTC Desk", "otc", "RU"}, {"Mekong OTC", "otc", "KH"},
	{"Fogbank Mixer", "mixer", ""}, {"Murk Pool", "mixer", ""},
	{"Hopscotch Bridge", "bridge", ""}, {"Relay Span Bridge", "bridge", ""},
	{"Coinharbor Exchange", "exchange", "JP"}, {"Vega Cross-chain Bridge", "bridge", ""},
	{"Seoul Digital Asset Exchange", "exchange", "KR"},
}

const nVictims = 3 // the last services are the victims of the thefts

var firstNames = []string{"Kenji", "Hiro", "Daniel", "Alex", "Yuki", "Ivan", "Oleh", "Marek", "Tom", "Ryan", "Kevin", "Jun", "Andrew", "Pavel", "Leo", "Sam"}
var lastNames = []string{"Sato", "Tanaka", "Miller", "Carter", "Kowalski", "Shevchenko", "Novak", "Ito", "Park", "Brooks", "Hughes", "Lin", "Reed", "Walsh", "Mori", "Grant"}
var claimed = []string{"JP", "US", "CA", "UA", "PL", "JP", "US", "GB"}

// hub is a city IT workers log in from.
type hub struct{ cc, city string }

var hubs = []hub{{"LA", "Vientiane"}, {"CN", "Shenyang"}, {"CN", "Dandong"}, {"RU", "Vladivostok"}, {"AE", "Dubai"}, {"VN", "Hanoi"}}
var clientWords = []string{"Sakura", "Maple", "Harbor", "Blue", "Summit", "Pixel", "Nimbus", "Cedar", "Orbit", "Lumen", "Atlas", "Kite"}
var clientKinds = []string{"Apps KK", "Software Inc", "Labs LLC", "Digital GmbH", "Studio Ltd", "Games Co"}

func (g *gen) run(ctx context.Context) error {
	steps := []func(context.Context) error{g.entities, g.thefts, g.workers, g.background}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		if g.err != nil {
			return g.err
		}
	}
	return nil
}

func (g *gen) src(record string) []graph.Source {
	return []graph.Source{{Dataset: "synthetic/redthread-generate-seed-" + strconv.FormatUint(g.cfg.Seed, 10), Record: record,
		Confidence: graph.ConfidenceForensic, Illustrative: true}}
}

func (g *gen) node(kind graph.NodeKind, key, label string, props graph.Props) error {
	return g.out.node(&graph.Node{Kind: kind, Key: key, Label: label, Props: props, Sources: g.src(string(kind) + "/" + key)})
}

func (g *gen) edge(kind graph.EdgeKind, from, to string, props graph.Props) error {
	return g.out.edge(&graph.Edge{Kind: kind, From: from, To: to, Props: props, Sources: g.src(string(kind) + "/" + from + "/" + to)})
}

// walletNode writes w as a native WALLET node with a label.
func (g *gen) walletNode(w wallet, label string) error {
	g.mark(w)
	return g.node(graph.KindWallet, g.key(w), label, nil)
}

func (g *gen) ts(from, to int64) int64 { return from + g.r.Int64N(max(1, to-from)) }

func day(ts int64) string { return time.Unix(ts, 0).UTC().Format("2006-01-02") }

// entities writes the groups, parent bodies and services.
func (g *gen) entities(ctx context.Context) error {
	ew := newErrs()
	ew.do(g.node(graph.KindOrganization, "reconnaissance-general-bureau", "Reconnaissance General Bureau", graph.Props{"country": "KP"}))
	ew.do(g.node(graph.KindOrganization, "munitions-industry-department", "Munitions Industry Department", graph.Props{"country": "KP"}))
	for _, gr := range groups {
		ew.do(g.out.node(&graph.Node{Kind: graph.KindThreatGroup, Key: gr.key, Label: gr.name, Aliases: []string{gr.alias},
			Props: graph.Props{"country": "KP"}, Sources: g.src("group/" + gr.key)}))
		ew.do(g.edge(graph.EdgePartOf, "threat_group:"+gr.key, "organization:reconnaissance-general-bureau", nil))
	}
	for _, sp := range serviceSpecs {
		key, _ := graph.Slug(sp.name)
		s := &service{key: key, name: sp.name, category: sp.category, country: sp.country}
		props := graph.Props{"category": sp.category}
		if sp.country != "" {
			props["country"] = sp.country
		}
		ew.do(g.node(graph.KindService, key, sp.name, props))
		hot := 1
		if sp.category == "mixer" {
			hot = 4 // pools of fixed denominations
		}
		for c := range chain(2) {
			for range hot {
				w := g.alloc(c)
				s.hot[c] = append(s.hot[c], w)
				ew.do(g.walletNode(w, sp.name+" "+map[bool]string{true: "pool", false: "hot wallet"}[sp.category == "mixer"]))
				ew.do(g.edge(graph.EdgeControls, "service:"+key, g.id(w), graph.Props{"role": "hot"}))
			}
		}
		ts := TruthService{Key: key, Category: sp.category}
		for c := range chain(2) {
			for _, w := range s.hot[c] {
				ts.Wallets = append(ts.Wallets, g.key(w))
			}
		}
		if sp.category == "exchange" || sp.category == "otc" {
			s.depN = max(8, g.n[eth]/400)
			for c := range chain(2) {
				s.dep[c] = g.next[c]
				for k := range s.depN {
					w := g.alloc(c)
					ew.do(g.walletNode(w, sp.name+" deposit "+strconv.Itoa(k)))
					ew.do(g.edge(graph.EdgeDepositedAt, g.id(w), "service:"+key, nil))
				}
			}
			ts.Deposits = 2 * s.depN
		}
		g.services[key] = s
		g.svcOrder = append(g.svcOrder, key)
		g.truth.Services = append(g.truth.Services, ts)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ew.err
}

// errs keeps the first error of a run of writes.
type errs struct{ err error }

func newErrs() *errs { return &errs{} }

func (e *errs) do(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (g *gen) byCategory(cat string, k int) *service {
	var list []*service
	for _, key := range g.svcOrder[:len(g.svcOrder)-nVictims] {
		if s := g.services[key]; s.category == cat {
			list = append(list, s)
		}
	}
	return list[k%len(list)]
}

// route accumulates the hops of one route and the wallets of its actor.
type route struct {
	g       *gen
	r       Route
	actor   *Actor
	touched map[wallet]bool
}

func (rt *route) hop(step string, c chain, tx string, from, to wallet, ts int64) {
	rt.r.Hops = append(rt.r.Hops, Hop{Step: step, Chain: [2]string{"BTC", "ETH"}[c], Tx: tx, From: rt.g.key(from), To: rt.g.key(to), Time: ts})
}

// own adds w to the actor's wallets.
func (rt *route) own(w wallet) wallet {
	if !rt.touched[w] {
		rt.touched[w] = true
		rt.actor.Wallets = append(rt.actor.Wallets, rt.g.key(w))
	}
	return w
}

func gweiOf(eth float64) uint64 { return uint64(eth * 1e9) }

// ethGas is what a simple transfer costs in gwei (21000 gas at 20 gwei).
const ethGas = 420_000

// background fills the rest of the transfer budget with ordinary traffic:
// payments between users, deposits to exchanges, sweeps from deposit to
// hot wallets, and withdrawals. It is what the illicit flows hide in.
func (g *gen) background(ctx context.Context) error {
	var exch []*service
	for _, key := range g.svcOrder {
		if s := g.services[key]; s.depN > 0 {
			exch = append(exch, s)
		}
	}
	for i := 0; g.transfers < g.cfg.Scale.Transfers; i++ {
		if i%10_000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ts := g.ts(g.start, g.start+g.span)
		x := g.r.Float64()
		c := eth
		if x < 0.5 {
			c = btc
		}
		from, to := g.ordinary(c), g.ordinary(c)
		svc := exch[g.r.IntN(len(exch))]
		switch y := g.r.Float64(); {
		case y < 0.3: // deposit: each user has their own deposit address
			to = svc.deposit(c, from.i*7919)
		case y < 0.4: // sweep
			from, to = svc.deposit(c, g.r.IntN(1<<30)), svc.hot[c][0]
		case y < 0.6: // withdrawal
			from = svc.hot[c][0]
		}
		if from == to {
			continue
		}
		switch {
		case c == btc:
			sat := uint64(g.r.ExpFloat64()*5e6) + 10_000
			outs := []btcOut{{to, sat}}
			if g.r.IntN(2) == 0 {
				outs = append(outs, btcOut{from, sat / 3})
			}
			g.btcTx(ts, []outpoint{g.coin(from, sat+sat/3+2_000)}, outs)
		case x < 0.8:
			g.eth(ts, from, to, uint64(g.r.ExpFloat64()*1e9)+1)
		default:
			g.usdt(ts, from, to, uint64(g.r.ExpFloat64()*2e9)+1)
		}
	}
	return nil
}
