package scenario

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// heist is one theft being laid, stage after stage. Every stage draws from
// the generator's one random stream, so their order fixes the output.
type heist struct {
	k        int
	key, id  string // the incident's key and node ID
	t0       int64  // when it was stolen
	amount   float64
	victim   *service
	group    string // threat group key
	sanction string // node ID of the group's designation, if any
	mixer    *service
	bridge   *service
	rt       *route

	theft   []wallet // the wallets the victim was drained into
	bal     []uint64 // their balances, in gwei
	mixed   uint64   // gwei sent into the mixer
	bridged []uint64 // gwei sent over the bridge, one entry per deposit
	coins   []outpoint
	pots    []outpoint // consolidated coins
	tMix    int64      // when the mixer pays out
	tBridge int64      // when the bridge pays out on BTC
	tCons   int64      // when the bridged coins are consolidated
}

// thefts lays the laundering of each theft: victim → theft wallets → ETH
// peel chains shedding into mixers, exchanges and OTC desks → mixer payouts
// → bridge to BTC → co-spent consolidation → (dormant, then a burst) → BTC
// peel chains ending at exchange and OTC deposits.
func (g *gen) thefts(ctx context.Context) error {
	ew := newErrs()
	for k := range g.cfg.Scale.Incidents {
		if err := ctx.Err(); err != nil {
			return err
		}
		h := g.incident(k, ew)
		g.steal(h, ew)
		g.ethPeelChains(h)
		g.mixerPayouts(h)
		g.bridgeOut(h)
		g.consolidate(h)
		g.cashOut(h)
		g.truth.Actors = append(g.truth.Actors, *h.rt.actor)
		g.truth.Routes = append(g.truth.Routes, h.rt.r)
		if ew.err != nil {
			return ew.err
		}
	}
	return ew.err
}

// incident writes theft k: the incident, its attribution and victim, and
// for every third one a sanction on the group.
func (g *gen) incident(k int, ew *errs) *heist {
	gr := groups[k%3]
	h := &heist{k: k, group: gr.key, victim: g.services[g.svcOrder[len(g.svcOrder)-nVictims+k%nVictims]]}
	h.t0 = g.ts(g.start, g.start+g.span*2/3)
	h.amount = 2000 + g.r.ExpFloat64()*15000 // ETH
	h.key = fmt.Sprintf("synthetic-theft-%03d", k+1)
	h.id = "incident:" + h.key
	ew.do(g.out.node(&graph.Node{Kind: graph.KindIncident, Key: h.key, Label: fmt.Sprintf("Theft from %s, %s", h.victim.name, day(h.t0)),
		Props:     graph.Props{"victim": h.victim.name, "amountUSD": math.Round(h.amount * ethUSD), "chain": "ETH"},
		ValidFrom: time.Unix(h.t0, 0).UTC(), Sources: g.src("incident/" + h.key)}))
	ew.do(g.edge(graph.EdgeAttributedTo, h.id, "threat_group:"+gr.key, nil))
	ew.do(g.edge(graph.EdgeTargeted, h.id, "service:"+h.victim.key, nil))
	actor := Actor{ID: h.key, Kind: "theft", Group: gr.key}
	h.rt = &route{g: g, r: Route{ID: h.key + "/laundering", Incident: h.key}, actor: &actor, touched: map[wallet]bool{}}
	if k%3 == 0 {
		h.sanction = "sanction:synthetic-sdn-" + strconv.Itoa(k+1)
		ew.do(g.node(graph.KindSanction, "synthetic-sdn-"+strconv.Itoa(k+1), "Synthetic designation "+strconv.Itoa(k+1),
			graph.Props{"authority": "OFAC", "programs": []any{"DPRK3", "CYBER2"}}))
		ew.do(g.edge(graph.EdgeSanctionedBy, "threat_group:"+gr.key, h.sanction, nil))
	}
	h.mixer = g.byCategory("mixer", k)
	h.bridge = g.byCategory("bridge", k)
	return h
}

// steal drains the victim's hot wallet into a few theft wallets.
func (g *gen) steal(h *heist, ew *errs) {
	nTheft := 3 + g.r.IntN(3)
	h.theft = make([]wallet, nTheft)
	h.bal = make([]uint64, nTheft)
	hot := h.victim.hot[eth][0]
	for i := range h.theft {
		h.theft[i] = h.rt.own(g.alloc(eth))
		h.bal[i] = gweiOf(h.amount / float64(nTheft))
		ts := h.t0 + int64(i)*60
		h.rt.hop("theft", eth, g.eth(ts, hot, h.theft[i], h.bal[i]), hot, h.theft[i], ts)
		ew.do(g.walletNode(h.theft[i], fmt.Sprintf("%s theft wallet %d", h.key, i+1)))
		ew.do(g.edge(graph.EdgeStole, h.id, g.id(h.theft[i]), nil))
		if h.sanction != "" {
			ew.do(g.edge(graph.EdgeSanctionedBy, g.id(h.theft[i]), h.sanction, nil))
		}
	}
}

// ethPeelChains splits the theft wallets' balances over the scale's peel
// chains; each hop sheds a few percent into the mixer, an exchange or an
// OTC desk, and what is left of the chain goes into the bridge.
func (g *gen) ethPeelChains(h *heist) {
	s := g.cfg.Scale
	nTheft := len(h.theft)
	for c := range s.Chains {
		i := c % nTheft
		cur, ts := h.theft[i], h.t0+3600+int64(c)*600
		amt := h.bal[i] / uint64((s.Chains-1-c)/nTheft+1) // split evenly over the wallet's remaining chains
		h.bal[i] -= amt
		for range s.Hops {
			ts += 600 + g.r.Int64N(7200)
			peel := amt * uint64(2+g.r.IntN(6)) / 100
			if amt < peel+ethGas+gweiOf(1) {
				break
			}
			sink, step := g.ethPeelSink(h, peel)
			h.rt.hop(step, eth, g.eth(ts, cur, sink, peel), cur, sink, ts)
			next := h.rt.own(g.alloc(eth))
			fwd := amt - peel - ethGas
			h.rt.hop("peel", eth, g.eth(ts+30, cur, next, fwd), cur, next, ts+30)
			cur, amt = next, fwd
		}
		ts += 3600
		bridge := h.bridge.hot[eth][0]
		h.rt.hop("bridge-in", eth, g.eth(ts, cur, bridge, amt), cur, bridge, ts)
		h.bridged = append(h.bridged, amt)
	}
}

// ethPeelSink picks where one ETH peel goes, and the route step it is.
func (g *gen) ethPeelSink(h *heist, peel uint64) (wallet, string) {
	switch x := g.r.Float64(); {
	case x < 0.5:
		h.mixed += peel
		return h.mixer.hot[eth][g.r.IntN(len(h.mixer.hot[eth]))], "mixer-in"
	case x < 0.8:
		return g.byCategory("exchange", g.r.IntN(8)).deposit(eth, g.r.IntN(1<<30)), "deposit"
	default:
		return g.byCategory("otc", g.r.IntN(8)).deposit(eth, g.r.IntN(1<<30)), "otc"
	}
}

// mixerPayouts pays the mixed ether out to fresh wallets, a day or more
// later; every other payout goes on to the bridge, the rest to exchanges.
func (g *gen) mixerPayouts(h *heist) {
	h.tMix = h.t0 + 86400*(2+g.r.Int64N(10))
	nOut := min(40, max(4, int(h.mixed/gweiOf(100))))
	bridge := h.bridge.hot[eth][0]
	for j := range nOut {
		w := h.rt.own(g.alloc(eth))
		ts := h.tMix + int64(j)*900
		pool := h.mixer.hot[eth][j%len(h.mixer.hot[eth])]
		amt := max(h.mixed/uint64(nOut)*97/100, 2*ethGas) // the mixer's fee
		h.rt.hop("mixer-out", eth, g.eth(ts, pool, w, amt), pool, w, ts)
		if j%2 == 0 {
			h.rt.hop("bridge-in", eth, g.eth(ts+3600, w, bridge, amt-ethGas), w, bridge, ts+3600)
			h.bridged = append(h.bridged, amt-ethGas)
		} else {
			dep := g.byCategory("exchange", j).deposit(eth, g.r.IntN(1<<30))
			h.rt.hop("deposit", eth, g.eth(ts+7200, w, dep, amt-ethGas), w, dep, ts+7200)
		}
	}
}

// bridgeOut has the bridge's BTC hot wallet pay fresh BTC wallets what
// was bridged.
func (g *gen) bridgeOut(h *heist) {
	h.tBridge = h.tMix + 86400
	hot := h.bridge.hot[btc][0]
	for j, gwei := range h.bridged {
		sat := uint64(float64(gwei) / 10 * ethUSD / btcUSD)
		w := h.rt.own(g.alloc(btc))
		ts := h.tBridge + int64(j)*1200
		in := g.coin(hot, sat+sat/2+5000)
		outs := g.btcTx(ts, []outpoint{in}, []btcOut{{w, sat}, {hot, sat / 2}})
		h.rt.hop("bridge-out", btc, outs[0].tx, hot, w, ts)
		h.coins = append(h.coins, outs[0])
	}
}

// consolidate co-spends the bridged coins in groups of four, each into
// one wallet.
func (g *gen) consolidate(h *heist) {
	h.tCons = h.tBridge + 86400*3
	for j := 0; j < len(h.coins); j += 4 {
		ins := h.coins[j:min(j+4, len(h.coins))]
		var sum uint64
		for _, in := range ins {
			sum += in.sat
		}
		w := h.rt.own(g.alloc(btc))
		ts := h.tCons + int64(j)*600
		out := g.btcTx(ts, ins, []btcOut{{w, sum - 10_000}})
		for _, in := range ins {
			h.rt.hop("consolidate", btc, out[0].tx, in.w, w, ts)
		}
		h.pots = append(h.pots, out[0])
	}
}

// cashOut sends each consolidated coin to exchange and OTC deposits:
// some lie dormant for months and then burst, the rest go down BTC peel
// chains.
func (g *gen) cashOut(h *heist) {
	for j, pot := range h.pots {
		ts := h.tCons + 86400
		if g.r.Float64() < 0.3 && pot.sat > 1_000_000 {
			g.dormantBurst(h, j, pot, ts)
			continue
		}
		g.btcPeelChain(h, pot, ts)
	}
}

// dormantBurst leaves pot idle for months, then splits it over fresh
// wallets that each pay an exchange deposit.
func (g *gen) dormantBurst(h *heist, j int, pot outpoint, ts int64) {
	rt := h.rt
	ts += 86400 * (180 + g.r.Int64N(360)) // months idle
	g.truth.Dormant = append(g.truth.Dormant, g.key(pot.w))
	n := 8 + g.r.IntN(16)
	outs := make([]btcOut, n)
	for m := range outs {
		outs[m] = btcOut{rt.own(g.alloc(btc)), (pot.sat - 20_000) / uint64(n)}
	}
	res := g.btcTx(ts, []outpoint{pot}, outs)
	for m, o := range res {
		rt.hop("dormant-burst", btc, o.tx, pot.w, o.w, ts)
		dep := g.byCategory("exchange", j+m).deposit(btc, g.r.IntN(1<<30))
		t := ts + 600 + int64(m)*300
		if o.sat <= 5_000 {
			continue
		}
		dout := g.btcTx(t, []outpoint{o}, []btcOut{{dep, o.sat - 5_000}})
		rt.hop("deposit", btc, dout[0].tx, o.w, dep, t)
	}
}

// btcPeelChain peels cur into exchange and OTC deposits, hop after hop,
// until it runs low.
func (g *gen) btcPeelChain(h *heist, cur outpoint, ts int64) {
	rt := h.rt
	for range max(2, g.cfg.Scale.Hops/2) {
		ts += 1800 + g.r.Int64N(7200)
		if cur.sat < 100_000 {
			break
		}
		peel := cur.sat * uint64(5+g.r.IntN(10)) / 100
		svc := g.byCategory("exchange", g.r.IntN(8))
		step := "deposit"
		if g.r.IntN(3) == 0 {
			svc, step = g.byCategory("otc", g.r.IntN(8)), "otc"
		}
		dep := svc.deposit(btc, g.r.IntN(1<<30))
		next := rt.own(g.alloc(btc))
		out := g.btcTx(ts, []outpoint{cur}, []btcOut{{dep, peel}, {next, cur.sat - peel - 4_000}})
		rt.hop(step, btc, out[0].tx, cur.w, dep, ts)
		rt.hop("peel", btc, out[1].tx, cur.w, next, ts)
		cur = out[1]
	}
}
