package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// The access matrix's graph. Every fact is written from exactly one
// source (a node asserted by two sources is two entries of one ID), so
// the oracle below can say, per viewer, which strings only hidden sources
// carry. Every label, alias, property value and dataset holds the run's
// suffix (Neo4j keeps other runs' data beside this one), and every
// address and hash is random.
//
//	path:  w1 ─T(RED a.red)→ r ─T(RED a.red)→ w2 ─DEPOSITED_AT→ svcq      (the only w1–w2 path is through r)
//	label: e1 (CLEAR "Frontco…"; b's AMBER+STRICT "Shadowname…", alias, registry) ─CONTROLS→ w3 ─SANCTIONED_BY(STRICT b)→ s1 (STRICT b)
//	hub:   p ─T→ x ─T→ q (CLEAR); x ─T(AMBER b)→ h1, h2, h3 (AMBER b); p ─T(CLEAR)→ h1 (an open edge to a hidden node)
//	search: m1 "Marlin…" (CLEAR), m2 "Marlin…x" (AMBER b)
//	flow:  f ─T 5 ETH (b's STRICT record: 66.625 ETH)→ g ─DEPOSITED_AT→ svcf (exchange); f ─T 77.125 ETH (STRICT b)→ g2 ─DEPOSITED_AT→ svcm (gambling)
//	as of:  k1 ─T→ k2, seen publicly in June 2025, by b's STRICT record in January
//	co-spend: u1 ─INPUT→ t1 ←INPUT(STRICT b)─ u2 (STRICT b)
//	persona: per1 ─USES→ id1 ←USES(STRICT b)─ per2 (STRICT b)
//	same-as: acme1 (CLEAR "Acme… Group"), acme2 (STRICT b "ACME… GROUP LLC")
//	case:  am (AMBER a), sa (AMBER+STRICT a), ra (RED a.red), ga (GREEN a), am ─ASSOCIATED_WITH(AMBER a)→ w1;
//	       ao (AMBER a) outside the case
//	red b: rb (RED to b.analyst): not even b's other users see it

// src names the sources of the fixture.
type src string

const (
	sPub     src = "pub"
	sGreenA  src = "greenA"
	sAmberA  src = "amberA"
	sStrictA src = "strictA"
	sRedA    src = "redA"
	sAmberB  src = "amberB"
	sStrictB src = "strictB"
	sRedB    src = "redB"
	// Sources first retrieved at given dates (asOf).
	sPubLate     src = "pubLate"
	sStrictEarly src = "strictEarly"
)

// fxNode and fxEdge are one source's assertion of a fact, named for the
// tests.
type fxNode struct {
	name string
	src  src
	n    graph.Node
}

type fxEdge struct {
	name string
	src  src
	e    graph.Edge
}

// accessGraph is the fixture's graph and the IDs of its facts by name.
type accessGraph struct {
	sfx     string
	sources map[src]graph.Source
	nodes   []fxNode
	edges   []fxEdge
	id      map[string]string // fact name → node or edge ID
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newAccessGraph builds the graph for agencies a and b with the RED
// users' IDs given.
func newAccessGraph(sfx, agencyA, agencyB, redUserA, redUserB string) *accessGraph {
	g := &accessGraph{sfx: sfx, id: map[string]string{}}
	mk := func(m graph.Marking, agency, user, tag string) graph.Source {
		return graph.Source{Dataset: "mx-" + tag + "-" + sfx, Record: "1", Confidence: 60, Marking: m, Agency: agency, User: user}
	}
	g.sources = map[src]graph.Source{
		sPub:     mk(graph.TLPClear, "", "", "pub"),
		sGreenA:  mk(graph.TLPGreen, agencyA, "", "agreen"),
		sAmberA:  mk(graph.TLPAmber, agencyA, "", "aamber"),
		sStrictA: mk(graph.TLPAmberStrict, agencyA, "", "astrict"),
		sRedA:    mk(graph.TLPRed, agencyA, redUserA, "ared"),
		sAmberB:  mk(graph.TLPAmber, agencyB, "", "bamber"),
		sStrictB: mk(graph.TLPAmberStrict, agencyB, "", "bstrict"),
		sRedB:    mk(graph.TLPRed, agencyB, redUserB, "bred"),
	}
	late, early := mk(graph.TLPClear, "", "", "publate"), mk(graph.TLPAmberStrict, agencyB, "", "bstrictearly")
	late.RetrievedAt, early.RetrievedAt = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	g.sources[sPubLate], g.sources[sStrictEarly] = late, early
	S := strings.ToUpper(sfx[:1]) + sfx[1:]
	wallet := func(name string, s src, label string, props graph.Props) {
		g.node(name, s, graph.Node{Kind: graph.KindWallet, Key: "eth:0x" + randHex(20), Label: label, Props: props})
	}
	entity := func(name string, s src, kind graph.NodeKind, key, label string, aliases []string, props graph.Props) {
		g.node(name, s, graph.Node{Kind: kind, Key: key, Label: label, Aliases: aliases, Props: props})
	}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	transfer := func(name string, s src, from, to string, amount float64, at time.Time) {
		g.edge(name, s, graph.Edge{Kind: graph.EdgeTransfer, From: g.id[from], To: g.id[to], Amount: amount, Asset: "ETH", Time: at, TxHash: "0x" + randHex(32)})
	}
	link := func(name string, s src, kind graph.EdgeKind, from, to string) {
		g.edge(name, s, graph.Edge{Kind: kind, From: g.id[from], To: g.id[to]})
	}

	// The RED node on the only path.
	wallet("w1", sPub, "Wone"+S+" Start", nil)
	wallet("r", sRedA, "Redroute"+S+" Courier", graph.Props{"note": "redsecret-" + sfx})
	wallet("w2", sPub, "Wtwo"+S+" End", nil)
	entity("svcq", sPub, graph.KindService, sfx+"-quietharbor", "Quietharbor"+S+" Exchange", nil, graph.Props{"category": "exchange"})
	transfer("w1r", sRedA, "w1", "r", 12.3456, t0)
	transfer("rw2", sRedA, "r", "w2", 12.3456, t0.Add(time.Hour))
	link("w2svcq", sPub, graph.EdgeDepositedAt, "w2", "svcq")

	// A hidden label, alias and property on a visible node; a hidden
	// designation behind its wallet's risk.
	entity("e1", sPub, graph.KindOrganization, sfx+"-frontco", "Frontco"+S+" Trading", nil, nil)
	entity("e1", sStrictB, graph.KindOrganization, sfx+"-frontco", "Shadowname"+S+" Holdings", []string{"Nightjar" + S}, graph.Props{"registry": "strictprop-" + sfx})
	wallet("w3", sPub, "Wthree"+S+" Controlled", nil)
	entity("s1", sStrictB, graph.KindSanction, sfx+"-sanctionlist", "Sanctionlist"+S+" Entry", nil, graph.Props{"program": "SECRETPROG-" + sfx})
	link("e1w3", sPub, graph.EdgeControls, "e1", "w3")
	link("w3s1", sStrictB, graph.EdgeSanctionedBy, "w3", "s1")

	// A hub only through hidden edges.
	wallet("p", sPub, "Hubp"+S+" In", nil)
	wallet("x", sPub, "Hubx"+S+" Relay", nil)
	wallet("q", sPub, "Hubq"+S+" Out", nil)
	transfer("px", sPub, "p", "x", 3, t0)
	transfer("xq", sPub, "x", "q", 3, t0.Add(time.Hour))
	for i := 1; i <= 3; i++ {
		h := "h" + strconv.Itoa(i)
		wallet(h, sAmberB, "Hidden"+h+S+" Wallet", graph.Props{"tag": "amberprop" + h + "-" + sfx})
		transfer("x"+h, sAmberB, "x", h, 1.5+float64(i), t0.Add(2*time.Hour))
	}
	transfer("ph1", sPub, "p", "h1", 2.75, t0.Add(3*time.Hour))

	// Search totals and prefixes.
	entity("m1", sPub, graph.KindOrganization, sfx+"-marlin", "Marlin"+S+" Partners", nil, nil)
	entity("m2", sAmberB, graph.KindOrganization, sfx+"-marlinx", "Marlin"+S+"x Secretco", nil, nil)

	// A money flow with a hidden transfer.
	wallet("f", sPub, "Flowf"+S+" Source", nil)
	wallet("g", sPub, "Flowg"+S+" Hop", nil)
	wallet("g2", sPub, "Flowgtwo"+S+" Hop", nil)
	entity("svcf", sPub, graph.KindService, sfx+"-openex", "Openex"+S+" Exchange", nil, graph.Props{"category": "exchange"})
	entity("svcm", sPub, graph.KindService, sfx+"-mixco", "Mixco"+S+" Casino", nil, graph.Props{"category": "gambling"})
	transfer("fg", sPub, "f", "g", 5, t0)
	// b's AMBER+STRICT record of the same transfer says more was sent.
	fg := g.edges[len(g.edges)-1].e
	fg.Amount, fg.Props = 66.625, graph.Props{"memo": "strictmemo-" + sfx}
	g.edge("fg", sStrictB, fg)
	transfer("fg2", sStrictB, "f", "g2", 77.125, t0)
	link("gsvcf", sPub, graph.EdgeDepositedAt, "g", "svcf")
	link("g2svcm", sPub, graph.EdgeDepositedAt, "g2", "svcm")

	// A transfer first seen, before June, only by b's record.
	wallet("k1", sPub, "Seenk1"+S, nil)
	wallet("k2", sPub, "Seenk2"+S, nil)
	transfer("k1k2", sPubLate, "k1", "k2", 4.25, t0)
	k := g.edges[len(g.edges)-1].e
	g.edge("k1k2", sStrictEarly, k)

	// Co-spend.
	wallet("u1", sPub, "Coinu1"+S, nil)
	wallet("u2", sStrictB, "Coinu2"+S+" Hidden", nil)
	g.node("t1", sPub, graph.Node{Kind: graph.KindTransaction, Key: "eth:0x" + randHex(32), Label: "Cotx" + S})
	link("u1t1", sPub, graph.EdgeInput, "u1", "t1")
	link("u2t1", sStrictB, graph.EdgeInput, "u2", "t1")

	// Personas.
	entity("per1", sPub, graph.KindPerson, sfx+"-per1", "Personone"+S+" Visible", nil, nil)
	entity("per2", sStrictB, graph.KindPerson, sfx+"-ghost", "Ghostpersona"+S, []string{"Ghostalias" + S}, nil)
	entity("id1", sPub, graph.KindIdentifier, "email:"+sfx+"@mail.example", sfx+"@mail.example", nil, nil)
	link("per1id1", sPub, graph.EdgeUses, "per1", "id1")
	link("per2id1", sStrictB, graph.EdgeUses, "per2", "id1")

	// Same-actor candidates.
	entity("acme1", sPub, graph.KindOrganization, sfx+"-acme", "Acme"+S+" Group", nil, nil)
	entity("acme2", sStrictB, graph.KindOrganization, sfx+"-acme-llc", "ACME"+strings.ToUpper(sfx)+" GROUP LLC", nil, nil)

	// The facts of a's case, of every marking.
	entity("am", sAmberA, graph.KindOrganization, sfx+"-amberco", "Amberco"+S+" Shared", nil, graph.Props{"file": "amberprop-" + sfx})
	entity("sa", sStrictA, graph.KindOrganization, sfx+"-strictco", "Strictco"+S+" Withheld", nil, graph.Props{"file": "strictaprop-" + sfx})
	entity("ra", sRedA, graph.KindOrganization, sfx+"-redco", "Redco"+S+" Named", nil, graph.Props{"file": "redaprop-" + sfx})
	entity("ga", sGreenA, graph.KindOrganization, sfx+"-greenco", "Greenco"+S+" Open", nil, nil)
	entity("ao", sAmberA, graph.KindOrganization, sfx+"-outsideco", "Outsideco"+S+" Unshared", nil, graph.Props{"file": "outsideprop-" + sfx})
	g.edge("amw1", sAmberA, graph.Edge{Kind: graph.EdgeAssociatedWith, From: g.id["am"], To: g.id["w1"], Props: graph.Props{"relation": "amberrel-" + sfx}})

	// RED to one user of b.
	entity("rb", sRedB, graph.KindOrganization, sfx+"-redbee", "Redbee"+S+" Private", nil, nil)
	return g
}

func (g *accessGraph) node(name string, s src, n graph.Node) {
	id, key, err := graph.NodeID(n.Kind, n.Key)
	if err != nil {
		panic(fmt.Sprintf("fixture node %s: %v", name, err))
	}
	n.ID, n.Key, n.Sources = id, key, []graph.Source{g.sources[s]}
	g.id[name] = id
	g.nodes = append(g.nodes, fxNode{name: name, src: s, n: n})
}

func (g *accessGraph) edge(name string, s src, e graph.Edge) {
	e.ID = graph.EdgeID(e.Kind, e.From, e.To, e.TxHash)
	e.Sources = []graph.Source{g.sources[s]}
	g.id[name] = e.ID
	g.edges = append(g.edges, fxEdge{name: name, src: s, e: e})
}

// batches returns the graph as one batch per source, its nodes first,
// then one per source of edges (so every edge's endpoints exist).
func (g *accessGraph) batches() []graph.Batch {
	order := []src{sPub, sGreenA, sAmberA, sStrictA, sRedA, sAmberB, sStrictB, sRedB, sPubLate, sStrictEarly}
	var out []graph.Batch
	for _, edges := range []bool{false, true} {
		for _, s := range order {
			var b graph.Batch
			for _, n := range g.nodes {
				if n.src == s && !edges {
					b.Nodes = append(b.Nodes, n.n)
				}
			}
			for _, e := range g.edges {
				if e.src == s && edges {
					b.Edges = append(b.Edges, e.e)
				}
			}
			if len(b.Nodes)+len(b.Edges) > 0 {
				out = append(out, b)
			}
		}
	}
	return out
}
