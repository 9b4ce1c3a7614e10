package storetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// The access-matrix fixture (docs/design/visibility.md §6, §7): one graph
// whose sources are CLEAR, GREEN, AMBER, AMBER+STRICT and RED across
// agencies a, b and c, read by the viewers below. Each fact names the
// viewers who see it (seen), written by hand from the rules: a node is
// seen when one of its sources is, an edge when one of its sources is and
// both its ends are.
//
//	paths     P1 ──▶ P2 (RED, a's ared) ──▶ P3          P2 is the only 2-hop route
//	          P1 ──▶ P4 (AMBER a) ──▶ P5 (GREEN c) ──▶ P3
//	actor     X: CLEAR "Open Name" + AMBER+STRICT of b "Kestrel Nine", alias, handler
//	          TG: a public threat group "KESTREL NINE" (a same-actor candidate for b only)
//	hub       HA ──▶ H ──▶ HB, and H ──▶ L3…L7 (AMBER a): a hub only for a
//	flow      F1 ─10─▶ F2 ─8 (CLEAR) / 777.25 (AMBER a, claims)─▶ F3 ══▶ exchange
//	          F1 ─1000─▶ F4 (AMBER+STRICT b) ══▶ mixer; F1 ─500 (AMBER+STRICT b)─▶ F3
//	cospend   K1, K2 (AMBER a), K3 ─INPUT─▶ TX ◀─INPUT (AMBER+STRICT b)─ K4
//	persona   Q1 ─USES─▶ EM (AMBER a) ◀─USES─ Q2
//	risk      RW ─ATTRIBUTED_TO (AMBER a)─▶ RG
//
// A grant of case "case-a" from a carries P2, P4, K2 and their edges: to c
// under cap AMBER (P4, K2) or under cap RED naming the user (P2 too).

// Viewer names of the matrix: "all" is a trusted caller (no viewer in the
// context) and sees everything.
const (
	vAll, vA, vRed, vB, vC, vCA, vCR, vNone = "all", "a", "ared", "b", "c", "cA", "cR", "nobody"
)

var visViewerNames = []string{vAll, vA, vRed, vB, vC, vCA, vCR, vNone}

// visCaseFacts are the IDs of the facts of a's shared case.
func visCaseFacts() map[string]struct{} {
	out := map[string]struct{}{}
	for _, n := range []string{"P2", "P4", "K2", "t12", "t23", "t14", "t45", "iK2"} {
		out[visID[n]] = struct{}{}
	}
	return out
}

// visCtx returns ctx carrying viewer name.
func visCtx(ctx context.Context, name string) context.Context {
	switch name {
	case vAll:
		return ctx
	case vA:
		return visibility.WithViewer(ctx, visibility.Viewer{Agency: "a", User: "ua"})
	case vRed:
		return visibility.WithViewer(ctx, visibility.Viewer{Agency: "a", User: "ared"})
	case vB:
		return visibility.WithViewer(ctx, visibility.Viewer{Agency: "b", User: "ub"})
	case vC:
		return visibility.WithViewer(ctx, visibility.Viewer{Agency: "c", User: "uc"})
	case vCA:
		return visibility.WithViewer(ctx, visibility.Viewer{Agency: "c", User: "uc", Grants: []visibility.Grant{
			{Case: "case-a", Owner: "a", Cap: graph.TLPAmber, Facts: visCaseFacts()}}})
	case vCR:
		return visibility.WithViewer(ctx, visibility.Viewer{Agency: "c", User: "uc", Grants: []visibility.Grant{
			{Case: "case-a", Owner: "a", Cap: graph.TLPRed, Named: true, Facts: visCaseFacts()}}})
	}
	return visibility.WithViewer(ctx, visibility.Viewer{})
}

var (
	visPub    = graph.Source{Dataset: "fixture"}
	visGreen  = graph.Source{Dataset: "c-green", Agency: "c", Marking: graph.TLPGreen}
	visAmberA = graph.Source{Dataset: "a-intel", Agency: "a", Marking: graph.TLPAmber}
	visRedA   = graph.Source{Dataset: "a-red", Agency: "a", User: "ared", Marking: graph.TLPRed}
	visStrict = graph.Source{Dataset: "bintel", Agency: "b", Marking: graph.TLPAmberStrict}
)

// Seen sets.
const (
	seenSigned = "a ared b c cA cR"
	seenA      = "a ared"
	seenACase  = "a ared cA cR"
	seenRed    = "ared cR"
	seenB      = "b"
)

// visID maps the fixture's short names to IDs; visName the other way.
var visID, visName = func() (map[string]string, map[string]string) {
	id := map[string]string{
		"P1": W(0x501), "P2": W(0x502), "P3": W(0x503), "P4": W(0x504), "P5": W(0x505),
		"X": "organization:vis-x", "TG": "threat_group:tg-k9",
		"H": W(0x510), "HA": W(0x511), "HB": W(0x512),
		"F1": W(0x520), "F2": W(0x521), "F3": W(0x522), "F4": W(0x523),
		"SX": "service:vis-exchange", "SM": "service:vis-mixer",
		"K1": W(0x530), "K2": W(0x531), "K3": W(0x532), "K4": W(0x533), "TX": txID(0x5301),
		"Q1": "person:vis-q1", "Q2": "person:vis-q2", "EM": "identifier:email:quill@vis.example",
		"RW": W(0x540), "RG": "threat_group:vis-group",
	}
	for i := 3; i <= 7; i++ {
		id[fmt.Sprintf("L%d", i)] = W(0x510 + i)
	}
	for _, e := range visEdgeSpecs() {
		id[e.name] = graph.EdgeID(e.kind, id[e.from], id[e.to], e.key)
	}
	name := map[string]string{}
	for k, v := range id {
		name[v] = k
	}
	return id, name
}()

type visNodeSpec struct {
	name, seen string
	n          graph.Node
}

type visEdgeSpec struct {
	name, seen, from, to, key string
	kind                      graph.EdgeKind
	src                       []graph.Source
	amount                    float64
	at                        time.Time
}

var visT0 = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func visWallet(name string, n int, label string, s graph.Source, seen string) visNodeSpec {
	return visNodeSpec{name, seen, graph.Node{Kind: graph.KindWallet, Key: ethKey(n), Label: label, Sources: []graph.Source{s}}}
}

func visNodeSpecs() []visNodeSpec {
	ns := []visNodeSpec{
		visWallet("P1", 0x501, "Path One", visPub, seenSigned),
		visWallet("P2", 0x502, "Crimson Relay", visRedA, seenRed),
		visWallet("P3", 0x503, "Path Three", visPub, seenSigned),
		visWallet("P4", 0x504, "Amber Detour", visAmberA, seenACase),
		visWallet("P5", 0x505, "Path Five", visGreen, seenSigned),
		{"X", seenSigned, graph.Node{Kind: graph.KindOrganization, Key: "vis-x", Label: "Open Name", Props: graph.Props{"country": "nl"}, Sources: []graph.Source{visPub}}},
		{"TG", seenSigned, graph.Node{Kind: graph.KindThreatGroup, Key: "tg-k9", Label: "KESTREL NINE", Sources: []graph.Source{{Dataset: "mitre-like"}}}},
		visWallet("H", 0x510, "Hub Wallet", visPub, seenSigned),
		visWallet("HA", 0x511, "Hub Left", visPub, seenSigned),
		visWallet("HB", 0x512, "Hub Right", visPub, seenSigned),
		visWallet("F1", 0x520, "Flow Source", visPub, seenSigned),
		visWallet("F2", 0x521, "Flow Middle", visPub, seenSigned),
		visWallet("F3", 0x522, "Flow Sink", visPub, seenSigned),
		visWallet("F4", 0x523, "Strict Drain", visStrict, seenB),
		{"SX", seenSigned, graph.Node{Kind: graph.KindService, Key: "vis-exchange", Label: "Vis Exchange", Props: graph.Props{"category": "exchange"}, Sources: []graph.Source{visPub}}},
		{"SM", seenSigned, graph.Node{Kind: graph.KindService, Key: "vis-mixer", Label: "Vis Mixer", Props: graph.Props{"category": "mixer"}, Sources: []graph.Source{visPub}}},
		visWallet("K1", 0x530, "", visPub, seenSigned),
		visWallet("K2", 0x531, "Amber Cospender", visAmberA, seenACase),
		visWallet("K3", 0x532, "", visPub, seenSigned),
		visWallet("K4", 0x533, "", visPub, seenSigned),
		{"TX", seenSigned, graph.Node{Kind: graph.KindTransaction, Key: fmt.Sprintf("btc:%064x", 0x5301), Sources: []graph.Source{visPub}}},
		{"Q1", seenSigned, graph.Node{Kind: graph.KindPerson, Key: "vis-q1", Label: "Scribe One", Sources: []graph.Source{visPub}}},
		{"Q2", seenSigned, graph.Node{Kind: graph.KindPerson, Key: "vis-q2", Label: "Scribe Two", Sources: []graph.Source{visPub}}},
		{"EM", seenA, graph.Node{Kind: graph.KindIdentifier, Key: "email:quill@vis.example", Sources: []graph.Source{visAmberA}}},
		visWallet("RW", 0x540, "Risk Wallet", visPub, seenSigned),
		{"RG", seenSigned, graph.Node{Kind: graph.KindThreatGroup, Key: "Vis Group", Label: "Vis Group", Sources: []graph.Source{visPub}}},
	}
	for i := 3; i <= 7; i++ {
		ns = append(ns, visWallet(fmt.Sprintf("L%d", i), 0x510+i, fmt.Sprintf("Hidden Leaf %d", i), visAmberA, seenA))
	}
	return ns
}

// visSecret is X's second source: what only agency b knows of it.
func visSecret() graph.Node {
	return graph.Node{Kind: graph.KindOrganization, Key: "vis-x", Label: "Kestrel Nine", Aliases: []string{"kestrel9-op"},
		Props: graph.Props{"handler": "unit-77"}, Sources: []graph.Source{visStrict}}
}

func visEdgeSpecs() []visEdgeSpec {
	tr := func(name, seen, from, to string, amount float64, at time.Duration, s graph.Source) visEdgeSpec {
		return visEdgeSpec{name: name, seen: seen, from: from, to: to, key: name, kind: graph.EdgeTransfer, src: []graph.Source{s}, amount: amount, at: visT0.Add(at)}
	}
	rel := func(name, seen string, kind graph.EdgeKind, from, to string, s graph.Source) visEdgeSpec {
		return visEdgeSpec{name: name, seen: seen, from: from, to: to, kind: kind, src: []graph.Source{s}}
	}
	es := []visEdgeSpec{
		tr("t12", seenRed, "P1", "P2", 1, 0, visPub), tr("t23", seenRed, "P2", "P3", 1, 0, visPub),
		tr("t14", seenACase, "P1", "P4", 1, 0, visPub), tr("t45", seenACase, "P4", "P5", 1, 0, visPub),
		tr("t53", seenSigned, "P5", "P3", 1, 0, visPub),
		tr("th1", seenSigned, "HA", "H", 1, 0, visPub), tr("th2", seenSigned, "H", "HB", 1, 0, visPub),
		tr("tf12", seenSigned, "F1", "F2", 10, 0, visPub),
		tr("tf23", seenSigned, "F2", "F3", 8, 2*time.Hour, visPub),
		tr("tf14", seenB, "F1", "F4", 1000, time.Hour, visPub),
		tr("tf13s", seenB, "F1", "F3", 500, time.Hour, visStrict),
		rel("dF3", seenSigned, graph.EdgeDepositedAt, "F3", "SX", visPub),
		rel("dF4", seenB, graph.EdgeDepositedAt, "F4", "SM", visPub),
		rel("iK1", seenSigned, graph.EdgeInput, "K1", "TX", visPub),
		rel("iK2", seenACase, graph.EdgeInput, "K2", "TX", visPub),
		rel("iK3", seenSigned, graph.EdgeInput, "K3", "TX", visPub),
		rel("iK4", seenB, graph.EdgeInput, "K4", "TX", visStrict),
		rel("uQ1", seenA, graph.EdgeUses, "Q1", "EM", visPub),
		rel("uQ2", seenA, graph.EdgeUses, "Q2", "EM", visPub),
		rel("aRW", seenA, graph.EdgeAttributedTo, "RW", "RG", visAmberA),
	}
	for i := 3; i <= 7; i++ {
		es = append(es, tr(fmt.Sprintf("thl%d", i), seenA, "H", fmt.Sprintf("L%d", i), 1, 0, visPub))
	}
	// tf23's public source was retrieved after a's (visSecretTransfer): as
	// of a time between them, the transfer exists for a only.
	for i := range es {
		if es[i].name == "tf23" {
			es[i].src = []graph.Source{{Dataset: "fixture", RetrievedAt: visT0.Add(48 * time.Hour)}}
		}
	}
	for i := range es {
		if es[i].kind != graph.EdgeTransfer {
			es[i].key = ""
		}
	}
	return es
}

// visSecretTransfer is tf23 as agency a records it: a larger amount at an
// earlier time, which must not shape anyone else's flow.
func visSecretTransfer() graph.Edge {
	e := visEdge(visEdgeSpec{name: "tf23", from: "F2", to: "F3", key: "tf23", kind: graph.EdgeTransfer,
		src: []graph.Source{{Dataset: "aintel", Agency: "a", Marking: graph.TLPAmber, RetrievedAt: visT0.Add(24 * time.Hour)}}, amount: 777.25, at: visT0.Add(90 * time.Minute)})
	e.Props = graph.Props{"memo": "aintel-memo"}
	return e
}

func visEdge(s visEdgeSpec) graph.Edge {
	e := graph.Edge{Kind: s.kind, From: visID[s.from], To: visID[s.to], Key: s.key, Sources: s.src}
	if s.kind == graph.EdgeTransfer {
		e.Amount, e.Asset, e.Time = s.amount, "ETH", s.at
	}
	return e
}

// visFixture writes the matrix graph: records one at a time where two
// sources make one record, so that the store merges them.
func visFixture() []graph.Batch {
	var b graph.Batch
	for _, n := range visNodeSpecs() {
		b.Nodes = append(b.Nodes, n.n)
	}
	for _, e := range visEdgeSpecs() {
		b.Edges = append(b.Edges, visEdge(e))
	}
	return []graph.Batch{b, {Nodes: []graph.Node{visSecret()}, Edges: []graph.Edge{visSecretTransfer()}}}
}

// visSeen reports whether viewer sees the fact named name.
func visSeen(viewer, name string) bool {
	if viewer == vAll {
		return true
	}
	for _, n := range visNodeSpecs() {
		if n.name == name {
			return strings.Contains(" "+n.seen+" ", " "+viewer+" ")
		}
	}
	for _, e := range visEdgeSpecs() {
		if e.name == name {
			return strings.Contains(" "+e.seen+" ", " "+viewer+" ")
		}
	}
	panic("unknown fixture fact " + name)
}

// visHidden lists what viewer must never find in an answer: the IDs and
// labels of the facts they do not see, and what the sources they do not
// see say of the facts they do.
func visHidden(viewer string) []string {
	if viewer == vAll {
		return nil
	}
	var out []string
	for _, n := range visNodeSpecs() {
		if !visSeen(viewer, n.name) {
			out = append(out, visID[n.name])
			if n.n.Label != "" {
				out = append(out, n.n.Label)
			}
		}
	}
	for _, e := range visEdgeSpecs() {
		if !visSeen(viewer, e.name) {
			out = append(out, visID[e.name])
		}
	}
	if viewer != vB {
		out = append(out, "Kestrel Nine", "kestrel9-op", "unit-77", "bintel")
	}
	if viewer != vA && viewer != vRed {
		out = append(out, "777.25", "aintel")
	}
	if !visSeen(viewer, "P4") {
		out = append(out, "a-intel")
	}
	if !visSeen(viewer, "P2") {
		out = append(out, "a-red")
	}
	return out
}
