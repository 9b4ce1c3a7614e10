package scenario

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redthread-dev/redthread/graph"
)

// itTeam is one IT-worker team being laid.
type itTeam struct {
	t       int
	key     string
	group   threatGroup
	hub     hub
	cons    wallet // the front's consolidation wallet
	consBal uint64 // micro-USDT in cons, not yet sold
	office  string // an IP the whole team shares
	start   int64  // when the team starts working
	rt      *route
}

// itWorker is one real person of a team, behind one to three personas.
type itWorker struct {
	p      int
	phone  string
	photo  [32]byte
	payout wallet // the person's usual payout wallet, owned once used
	tr     *Person
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
	clients := make([]wallet, nClients)
	for c := range clients {
		clients[c] = g.alloc(eth)
	}
	persona := 0
	for t := range nTeams {
		if err := ctx.Err(); err != nil {
			return err
		}
		tm := g.front(t, ew)
		tm.office = fmt.Sprintf("ip:2001:db8:%x::1", t+1) // shared by the whole team: not evidence of one person
		tm.start = g.ts(g.start, g.start+g.span/2)
		for p := t * 8; p < min(s.Workers, t*8+8); p++ {
			w := &itWorker{p: p, tr: &Person{ID: fmt.Sprintf("worker-%05d", p+1), Team: tm.key}}
			w.phone = fmt.Sprintf("phone:+856 20 %04d %04d", p/10000, p%10000)
			w.photo = g.hash("photo", uint64(p))
			w.payout = g.alloc(eth)
			n := 1 + g.r.IntN(2) + g.r.IntN(2)
			for range n {
				persona++
				g.persona(tm, w, persona, clients, ew)
			}
			g.truth.People = append(g.truth.People, *w.tr)
		}
		g.truth.Actors = append(g.truth.Actors, *tm.rt.actor)
		g.truth.Routes = append(g.truth.Routes, tm.rt.r)
	}
	return ew.err
}

// front writes team t's front company, natively and as a personas row
// (they merge), its owner and its consolidation wallet.
func (g *gen) front(t int, ew *errs) *itTeam {
	tm := &itTeam{t: t, key: fmt.Sprintf("it-team-%03d", t+1)}
	tm.group = groups[2-t%2] // Andariel, APT38 alternate
	tm.hub = hubs[t%len(hubs)]
	front := fmt.Sprintf("%s %s Trading Co", clientWords[t%len(clientWords)], tm.hub.city)
	frontKey, _ := graph.Slug(front)
	owner := fmt.Sprintf("Facilitator %03d", t+1)
	ownerKey, _ := graph.Slug(owner)
	tm.cons = g.alloc(eth)
	actor := Actor{ID: tm.key, Kind: "it-team", Group: tm.group.key, Wallets: []string{g.key(tm.cons)}}
	tm.rt = &route{g: g, r: Route{ID: tm.key + "/payroll", Team: tm.key}, actor: &actor, touched: map[wallet]bool{tm.cons: true}}

	ew.do(g.node(graph.KindOrganization, frontKey, front, graph.Props{"front": true, "country": tm.hub.cc}))
	ew.do(g.node(graph.KindPerson, ownerKey, owner, nil))
	ew.do(g.edge(graph.EdgeOwns, "person:"+ownerKey, "organization:"+frontKey, nil))
	if t%4 == 0 {
		ew.do(g.edge(graph.EdgeOwns, "organization:munitions-industry-department", "organization:"+frontKey, nil))
	}
	ew.do(g.walletNode(tm.cons, front+" wallet"))
	ew.do(g.edge(graph.EdgeControls, "organization:"+frontKey, g.id(tm.cons), nil))
	ew.do(g.out.personaRow("type", "front", "organization", front, "owner", owner, "owner_type", "person",
		"relation", "directs", "country", tm.hub.cc, "city", tm.hub.city))
	g.truth.Fronts = append(g.truth.Fronts, Front{Organization: frontKey, Owner: "person:" + ownerKey, Team: tm.key, Wallets: []string{g.key(tm.cons)}})
	return tm
}

// persona writes persona number n of worker w: its profile, the
// identifiers it shows (some of them the person's own, which give the
// personas of one person away), its payout wallet and a client paying it.
func (g *gen) persona(tm *itTeam, w *itWorker, n int, clients []wallet, ew *errs) {
	key := fmt.Sprintf("persona-%05d", n)
	w.tr.Personas = append(w.tr.Personas, key)
	first, last := firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]
	row := func(kv ...string) { ew.do(g.out.personaRow(append([]string{"persona", key}, kv...)...)) }
	start := tm.start + g.r.Int64N(86400*90)
	row("type", "persona", "name", first+" "+last, "nationality", claimed[g.r.IntN(len(claimed))],
		"country", claimed[g.r.IntN(len(claimed))], "platforms", "upwork;github;linkedin", "date", day(start))
	handle := fmt.Sprintf("%s%s%d", first, last, n)
	for _, id := range []string{
		"email:" + handle + "@example.com",
		"handle:github/" + handle, "handle:upwork/" + handle, "handle:telegram/" + handle,
	} {
		row("type", "identifier", "identifier", id)
	}
	// What gives one person away: a phone, a photo, a home IP.
	if g.r.Float64() < 0.7 {
		row("type", "identifier", "identifier", w.phone)
	}
	if g.r.Float64() < 0.8 {
		row("type", "identifier", "identifier", fmt.Sprintf("photohash:%x", w.photo[:16]))
	}
	if g.r.Float64() < 0.5 {
		row("type", "identifier", "identifier", fmt.Sprintf("ip:2001:db8:%x:%x::1", tm.t+1, w.p+1))
	}
	if g.r.Float64() < 0.6 {
		row("type", "identifier", "identifier", tm.office)
	}
	if g.r.Float64() < 0.5 {
		row("type", "location", "country", tm.hub.cc, "city", tm.hub.city, "note", "login IPs geolocate here")
	}
	if g.r.Float64() < 0.3 {
		row("type", "attribution", "group", tm.group.name)
	}
	wallet := w.payout
	if g.r.Float64() < 0.2 {
		wallet = g.alloc(eth)
	}
	if !tm.rt.touched[wallet] {
		w.tr.Wallets = append(w.tr.Wallets, g.key(tm.rt.own(wallet)))
	}
	row("type", "wallet", "currency", "USDT", "address", g.addr(wallet))
	ci := g.r.IntN(len(clients))
	client := fmt.Sprintf("%s %s", clientWords[ci%len(clientWords)], clientKinds[ci/len(clientWords)%len(clientKinds)])
	if ci >= len(clientWords)*len(clientKinds) {
		client += " " + strconv.Itoa(ci/(len(clientWords)*len(clientKinds))+1)
	}
	row("type", "employer", "organization", client, "role", "software developer", "date", day(start), "country", claimed[ci%len(claimed)])
	g.payroll(tm, client, clients[ci], wallet, start, row)
}

// payroll has the client pay the persona's wallet a monthly salary from
// start; the wallet sweeps it to the team's consolidation wallet, which
// sells at an OTC desk whenever it holds enough.
func (g *gen) payroll(tm *itTeam, client string, from, wallet wallet, start int64, row func(kv ...string)) {
	rt := tm.rt
	salary := uint64(3000+g.r.IntN(6000)) * 1_000_000
	for m := range 6 + g.r.IntN(13) {
		ts := start + int64(m)*30*86400 + g.r.Int64N(3*86400)
		tx := g.usdt(ts, from, wallet, salary)
		rt.hop("salary", eth, tx, from, wallet, ts)
		row("type", "payment", "organization", client, "amount", strconv.FormatUint(salary/1_000_000, 10),
			"currency", "USDT", "address", g.addr(wallet), "date", day(ts))
		fwd := salary * 9 / 10
		ts2 := ts + 86400*(1+g.r.Int64N(3))
		rt.hop("sweep", eth, g.usdt(ts2, wallet, tm.cons, fwd), wallet, tm.cons, ts2)
		tm.consBal += fwd
		if tm.consBal > 50_000*1_000_000 {
			dep := g.byCategory("otc", tm.t).deposit(eth, g.r.IntN(1<<30))
			ts3 := ts2 + 86400
			rt.hop("otc", eth, g.usdt(ts3, tm.cons, dep, tm.consBal), tm.cons, dep, ts3)
			tm.consBal = 0
		}
	}
}
