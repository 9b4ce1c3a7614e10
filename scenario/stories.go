package scenario

import (
	"context"
	"fmt"
	"math"
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

var groups = []struct{ key, name, alias string }{
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
var hubs = []struct{ cc, city string }{{"LA", "Vientiane"}, {"CN", "Shenyang"}, {"CN", "Dandong"}, {"RU", "Vladivostok"}, {"AE", "Dubai"}, {"VN", "Hanoi"}}
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

// thefts lays the laundering of each theft: victim → theft wallets → ETH
// peel chains shedding into mixers, exchanges and OTC desks → mixer payouts
// → bridge to BTC → co-spent consolidation → (dormant, then a burst) → BTC
// peel chains ending at exchange and OTC deposits.
func (g *gen) thefts(ctx context.Context) error {
	s := g.cfg.Scale
	ew := newErrs()
	for k := range s.Incidents {
		if err := ctx.Err(); err != nil {
			return err
		}
		gr := groups[k%3]
		victim := g.services[g.svcOrder[len(g.svcOrder)-nVictims+k%nVictims]]
		t0 := g.ts(g.start, g.start+g.span*2/3)
		amount := 2000 + g.r.ExpFloat64()*15000 // ETH
		incKey := fmt.Sprintf("synthetic-theft-%03d", k+1)
		incID := "incident:" + incKey
		ew.do(g.out.node(&graph.Node{Kind: graph.KindIncident, Key: incKey, Label: fmt.Sprintf("Theft from %s, %s", victim.name, day(t0)),
			Props:     graph.Props{"victim": victim.name, "amountUSD": math.Round(amount * ethUSD), "chain": "ETH"},
			ValidFrom: time.Unix(t0, 0).UTC(), Sources: g.src("incident/" + incKey)}))
		ew.do(g.edge(graph.EdgeAttributedTo, incID, "threat_group:"+gr.key, nil))
		ew.do(g.edge(graph.EdgeTargeted, incID, "service:"+victim.key, nil))
		actor := Actor{ID: incKey, Kind: "theft", Group: gr.key}
		rt := &route{g: g, r: Route{ID: incKey + "/laundering", Incident: incKey}, actor: &actor, touched: map[wallet]bool{}}
		var sanction string
		if k%3 == 0 {
			sanction = "sanction:synthetic-sdn-" + strconv.Itoa(k+1)
			ew.do(g.node(graph.KindSanction, "synthetic-sdn-"+strconv.Itoa(k+1), "Synthetic designation "+strconv.Itoa(k+1),
				graph.Props{"authority": "OFAC", "programs": []any{"DPRK3", "CYBER2"}}))
			ew.do(g.edge(graph.EdgeSanctionedBy, "threat_group:"+gr.key, sanction, nil))
		}

		// Theft: the victim's hot wallet drains into a few theft wallets.
		nTheft := 3 + g.r.IntN(3)
		theft := make([]wallet, nTheft)
		bal := make([]uint64, nTheft)
		for i := range theft {
			theft[i] = rt.own(g.alloc(eth))
			bal[i] = gweiOf(amount / float64(nTheft))
			ts := t0 + int64(i)*60
			rt.hop("theft", eth, g.eth(ts, victim.hot[eth][0], theft[i], bal[i]), victim.hot[eth][0], theft[i], ts)
			ew.do(g.walletNode(theft[i], fmt.Sprintf("%s theft wallet %d", incKey, i+1)))
			ew.do(g.edge(graph.EdgeStole, incID, g.id(theft[i]), nil))
			if sanction != "" {
				ew.do(g.edge(graph.EdgeSanctionedBy, g.id(theft[i]), sanction, nil))
			}
		}

		// ETH peel chains.
		mixer := g.byCategory("mixer", k)
		bridge := g.byCategory("bridge", k)
		var mixed uint64
		var bridged []uint64 // amounts bridged to BTC
		for c := range s.Chains {
			i := c % nTheft
			cur, ts := theft[i], t0+3600+int64(c)*600
			amt := bal[i] / uint64((s.Chains-1-c)/nTheft+1) // split evenly over the wallet's remaining chains
			bal[i] -= amt
			for range s.Hops {
				ts += 600 + g.r.Int64N(7200)
				peel := amt * uint64(2+g.r.IntN(6)) / 100
				if amt < peel+ethGas+gweiOf(1) {
					break
				}
				var sink wallet
				step := "deposit"
				switch x := g.r.Float64(); {
				case x < 0.5:
					sink, step = mixer.hot[eth][g.r.IntN(len(mixer.hot[eth]))], "mixer-in"
					mixed += peel
				case x < 0.8:
					sink = g.byCategory("exchange", g.r.IntN(8)).deposit(eth, g.r.IntN(1<<30))
				default:
					sink, step = g.byCategory("otc", g.r.IntN(8)).deposit(eth, g.r.IntN(1<<30)), "otc"
				}
				rt.hop(step, eth, g.eth(ts, cur, sink, peel), cur, sink, ts)
				next := rt.own(g.alloc(eth))
				fwd := amt - peel - ethGas
				rt.hop("peel", eth, g.eth(ts+30, cur, next, fwd), cur, next, ts+30)
				cur, amt = next, fwd
			}
			ts += 3600
			rt.hop("bridge-in", eth, g.eth(ts, cur, bridge.hot[eth][0], amt), cur, bridge.hot[eth][0], ts)
			bridged = append(bridged, amt)
		}

		// Mixer payouts to fresh wallets, a day or more later.
		tMix := t0 + 86400*(2+g.r.Int64N(10))
		nOut := min(40, max(4, int(mixed/gweiOf(100))))
		for j := range nOut {
			w := rt.own(g.alloc(eth))
			ts := tMix + int64(j)*900
			pool := mixer.hot[eth][j%len(mixer.hot[eth])]
			amt := max(mixed/uint64(nOut)*97/100, 2*ethGas) // the mixer's fee
			rt.hop("mixer-out", eth, g.eth(ts, pool, w, amt), pool, w, ts)
			if j%2 == 0 {
				rt.hop("bridge-in", eth, g.eth(ts+3600, w, bridge.hot[eth][0], amt-ethGas), w, bridge.hot[eth][0], ts+3600)
				bridged = append(bridged, amt-ethGas)
			} else {
				dep := g.byCategory("exchange", j).deposit(eth, g.r.IntN(1<<30))
				rt.hop("deposit", eth, g.eth(ts+7200, w, dep, amt-ethGas), w, dep, ts+7200)
			}
		}

		// Bridge out on BTC: the bridge's hot wallet pays fresh BTC wallets.
		var coins []outpoint
		tBridge := tMix + 86400
		for j, gwei := range bridged {
			sat := uint64(float64(gwei) / 10 * ethUSD / btcUSD)
			w := rt.own(g.alloc(btc))
			hot := bridge.hot[btc][0]
			ts := tBridge + int64(j)*1200
			in := g.coin(hot, sat+sat/2+5000)
			outs := g.btcTx(ts, []outpoint{in}, []btcOut{{w, sat}, {hot, sat / 2}})
			rt.hop("bridge-out", btc, outs[0].tx, hot, w, ts)
			coins = append(coins, outs[0])
		}

		// Consolidation: co-spend groups of four into one wallet each.
		tCons := tBridge + 86400*3
		var pots []outpoint
		for j := 0; j < len(coins); j += 4 {
			ins := coins[j:min(j+4, len(coins))]
			var sum uint64
			for _, in := range ins {
				sum += in.sat
			}
			w := rt.own(g.alloc(btc))
			ts := tCons + int64(j)*600
			out := g.btcTx(ts, ins, []btcOut{{w, sum - 10_000}})
			for _, in := range ins {
				rt.hop("consolidate", btc, out[0].tx, in.w, w, ts)
			}
			pots = append(pots, out[0])
		}

		// Dormant-then-burst or straight BTC peel chains to deposits.
		for j, pot := range pots {
			ts := tCons + 86400
			if g.r.Float64() < 0.3 && pot.sat > 1_000_000 {
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
				continue
			}
			cur := pot
			for range max(2, s.Hops/2) {
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
		g.truth.Actors = append(g.truth.Actors, actor)
		g.truth.Routes = append(g.truth.Routes, rt.r)
		if ew.err != nil {
			return ew.err
		}
	}
	return ew.err
}

// workers lays the IT-worker networks: teams behind front companies, real
// people each running one to three personas that share phones, photos,
// IPs and payout wallets; clients pay salaries in USDT to the payout
// wallets, which forward to the team's consolidation wallet, which sells
// at OTC desks.
func (g *gen) workers(ctx context.Context) error {
	s := g.cfg.Scale
	ew := newErrs()
	nTeams := (s.Workers + 7) / 8
	nClients := max(6, s.Workers/4)
	clientWallet := make([]wallet, nClients)
	for c := range clientWallet {
		clientWallet[c] = g.alloc(eth)
	}
	persona := 0
	for t := range nTeams {
		if err := ctx.Err(); err != nil {
			return err
		}
		team := fmt.Sprintf("it-team-%03d", t+1)
		gr := groups[2-t%2] // Andariel, APT38 alternate
		hub := hubs[t%len(hubs)]
		front := fmt.Sprintf("%s %s Trading Co", clientWords[t%len(clientWords)], hub.city)
		frontKey, _ := graph.Slug(front)
		owner := fmt.Sprintf("Facilitator %03d", t+1)
		ownerKey, _ := graph.Slug(owner)
		cons := g.alloc(eth)
		actor := Actor{ID: team, Kind: "it-team", Group: gr.key, Wallets: []string{g.key(cons)}}
		rt := &route{g: g, r: Route{ID: team + "/payroll", Team: team}, actor: &actor, touched: map[wallet]bool{cons: true}}

		// The front company, natively and as a personas row (they merge).
		ew.do(g.node(graph.KindOrganization, frontKey, front, graph.Props{"front": true, "country": hub.cc}))
		ew.do(g.node(graph.KindPerson, ownerKey, owner, nil))
		ew.do(g.edge(graph.EdgeOwns, "person:"+ownerKey, "organization:"+frontKey, nil))
		if t%4 == 0 {
			ew.do(g.edge(graph.EdgeOwns, "organization:munitions-industry-department", "organization:"+frontKey, nil))
		}
		ew.do(g.walletNode(cons, front+" wallet"))
		ew.do(g.edge(graph.EdgeControls, "organization:"+frontKey, g.id(cons), nil))
		ew.do(g.out.personaRow("type", "front", "organization", front, "owner", owner, "owner_type", "person",
			"relation", "directs", "country", hub.cc, "city", hub.city))
		g.truth.Fronts = append(g.truth.Fronts, Front{Organization: frontKey, Owner: "person:" + ownerKey, Team: team, Wallets: []string{g.key(cons)}})

		office := fmt.Sprintf("ip:2001:db8:%x::1", t+1) // shared by the whole team: not evidence of one person
		var consBal uint64
		tTeam := g.ts(g.start, g.start+g.span/2)
		for p := t * 8; p < min(s.Workers, t*8+8); p++ {
			person := fmt.Sprintf("worker-%05d", p+1)
			phone := fmt.Sprintf("phone:+856 20 %04d %04d", p/10000, p%10000)
			photo := g.hash("photo", uint64(p))
			payout := g.alloc(eth) // the person's usual payout wallet, owned once used
			tr := Person{ID: person, Team: team}
			n := 1 + g.r.IntN(2) + g.r.IntN(2)
			for range n {
				persona++
				key := fmt.Sprintf("persona-%05d", persona)
				tr.Personas = append(tr.Personas, key)
				first, last := firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]
				row := func(kv ...string) { ew.do(g.out.personaRow(append([]string{"persona", key}, kv...)...)) }
				start := tTeam + g.r.Int64N(86400*90)
				row("type", "persona", "name", first+" "+last, "nationality", claimed[g.r.IntN(len(claimed))],
					"country", claimed[g.r.IntN(len(claimed))], "platforms", "upwork;github;linkedin", "date", day(start))
				handle := fmt.Sprintf("%s%s%d", first, last, persona)
				for _, id := range []string{
					"email:" + handle + "@example.com",
					"handle:github/" + handle, "handle:upwork/" + handle, "handle:telegram/" + handle,
				} {
					row("type", "identifier", "identifier", id)
				}
				// What gives one person away: a phone, a photo, a home IP.
				if g.r.Float64() < 0.7 {
					row("type", "identifier", "identifier", phone)
				}
				if g.r.Float64() < 0.8 {
					row("type", "identifier", "identifier", fmt.Sprintf("photohash:%x", photo[:16]))
				}
				if g.r.Float64() < 0.5 {
					row("type", "identifier", "identifier", fmt.Sprintf("ip:2001:db8:%x:%x::1", t+1, p+1))
				}
				if g.r.Float64() < 0.6 {
					row("type", "identifier", "identifier", office)
				}
				if g.r.Float64() < 0.5 {
					row("type", "location", "country", hub.cc, "city", hub.city, "note", "login IPs geolocate here")
				}
				if g.r.Float64() < 0.3 {
					row("type", "attribution", "group", gr.name)
				}
				wallet := payout
				if g.r.Float64() < 0.2 {
					wallet = g.alloc(eth)
				}
				if !rt.touched[wallet] {
					tr.Wallets = append(tr.Wallets, g.key(rt.own(wallet)))
				}
				row("type", "wallet", "currency", "USDT", "address", g.addr(wallet))
				ci := g.r.IntN(nClients)
				client := fmt.Sprintf("%s %s", clientWords[ci%len(clientWords)], clientKinds[ci/len(clientWords)%len(clientKinds)])
				if ci >= len(clientWords)*len(clientKinds) {
					client += " " + strconv.Itoa(ci/(len(clientWords)*len(clientKinds))+1)
				}
				row("type", "employer", "organization", client, "role", "software developer", "date", day(start), "country", claimed[ci%len(claimed)])
				salary := uint64(3000+g.r.IntN(6000)) * 1_000_000
				for m := range 6 + g.r.IntN(13) {
					ts := start + int64(m)*30*86400 + g.r.Int64N(3*86400)
					tx := g.usdt(ts, clientWallet[ci], wallet, salary)
					rt.hop("salary", eth, tx, clientWallet[ci], wallet, ts)
					row("type", "payment", "organization", client, "amount", strconv.FormatUint(salary/1_000_000, 10),
						"currency", "USDT", "address", g.addr(wallet), "date", day(ts))
					fwd := salary * 9 / 10
					ts2 := ts + 86400*(1+g.r.Int64N(3))
					rt.hop("sweep", eth, g.usdt(ts2, wallet, cons, fwd), wallet, cons, ts2)
					consBal += fwd
					if consBal > 50_000*1_000_000 {
						dep := g.byCategory("otc", t).deposit(eth, g.r.IntN(1<<30))
						ts3 := ts2 + 86400
						rt.hop("otc", eth, g.usdt(ts3, cons, dep, consBal), cons, dep, ts3)
						consBal = 0
					}
				}
			}
			g.truth.People = append(g.truth.People, tr)
		}
		g.truth.Actors = append(g.truth.Actors, actor)
		g.truth.Routes = append(g.truth.Routes, rt.r)
	}
	return ew.err
}

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
