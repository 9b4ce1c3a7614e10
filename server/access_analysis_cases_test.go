package server_test

import (
	"testing"
)

const (
	qFlow = `query($from: [ID!]!) { moneyFlow(from: $from) { sources { id label } sourceAmounts { asset amount } sinks { node { id label } category wallets amounts { asset amount } routes summary }
		routes { hops { edge { id txHash amount } from to amount { asset amount } } sink amount { asset amount } } routeCount tainted { edge { id txHash amount } } truncated reason } }`
	qExposure = `query($id: ID!) { exposure(id: $id, direction: BOTH) { received { total categories { category share value routes { nodes value } } unattributed } sent { total categories { category share value routes { nodes value } } unattributed } truncated reason } }`
	qCluster  = `query($id: ID!) { cluster(id: $id, maxMembers: 50, counterparties: 20) { members { id hops via partner heuristic } size received sent attributions { entity { id label } wallet edge { id } confidence } counterparties { id received sent service category } truncated reason } }`
	qPersona  = `query($id: ID!) { personaCluster(id: $id, maxMembers: 50) { start members { id label hops } links { a b score evidence { identifier type edges } } rejected { a b } truncated reason } }`
	qComm     = `query($ids: [ID!]!) { communities(ids: $ids) { components communities { id members internalEdges totalDegree } modularity hidden truncated reason } }`
	qSameAs   = `query { sameAsCandidates(kinds: [ORGANIZATION], first: 500) { candidates { a { id label aliases } b { id label aliases } datasetsA datasetsB matches { a b folded } } hasNextPage truncated reason } }`
)

// analysisCases: the investigation engine's answers over hidden facts.
func analysisCases(_ *testing.T, f *accessFixture) []accessCase {
	v := func(k string, x any) map[string]any { return map[string]any{k: x} }
	id := f.id
	return []accessCase{
		{name: "hidden designation: risk of a visible wallet", as: "c.analyst", query: qRisk, vars: v("id", id("w3")), check: wantNoFlag("SANCTIONED")},
		{name: "hidden designation: risk, b (control)", as: "b.analyst", query: qRisk, vars: v("id", id("w3")), check: wantContains("SANCTIONED")},
		{name: "hidden designation: nearest sanctioned", as: "c.analyst",
			query: `query($from: ID!) { nearest(from: $from, target: {sanctioned: true}) { paths { nodes { id } edges { id } } skippedHubs truncated reason } }`,
			vars:  v("from", id("w3")), check: wantNoPaths},
		{name: "hidden transfer: moneyFlow", as: "c.analyst", query: qFlow, vars: v("from", []string{id("f")}), absent: []string{"g2", "svcm"}, check: wantRouteCount(1)},
		{name: "hidden amount on a visible transfer: moneyFlow", as: "a.analyst", query: qFlow, vars: v("from", []string{id("f")}), check: wantContains(`"sourceAmounts":[{"asset":"ETH","amount":5}]`)},
		{name: "hidden amount on a visible transfer: edge", as: "c.viewer", query: qEdge, vars: v("id", id("fg")), check: wantContains(`"amount":5,`)},
		{name: "hidden amount on a visible transfer: edge, b (control)", as: "b.viewer", query: qEdge, vars: v("id", id("fg")), check: wantContains("strictmemo-" + f.g.sfx)},
		{name: "hidden transfer: moneyFlow, b (control)", as: "b.analyst", query: qFlow, vars: v("from", []string{id("f")}), check: wantContains(id("svcm"))},
		{name: "hidden transfer: exposure", as: "c.analyst", query: qExposure, vars: v("id", id("f")), absent: []string{"g2", "svcm"}, check: wantNoCategory("gambling")},
		{name: "hidden transfer: exposure, b (control)", as: "b.analyst", query: qExposure, vars: v("id", id("f")), check: wantContains("gambling")},
		{name: "hidden wallet: moneyFlow from it", as: "c.analyst", query: qFlow, vars: v("from", []string{id("u2")}), twin: "u2", code: "NOT_FOUND"},
		{name: "hidden wallet: exposure of it", as: "c.analyst", query: qExposure, vars: v("id", id("h2")), twin: "h2", code: "NOT_FOUND"},
		{name: "hidden co-spender: cluster", as: "c.analyst", query: qCluster, vars: v("id", id("u1")), check: wantClusterSize(1)},
		{name: "hidden co-spender: cluster, b (control)", as: "b.analyst", query: qCluster, vars: v("id", id("u1")), check: wantClusterSize(2)},
		{name: "hidden co-spender: cluster of it", as: "c.analyst", query: qCluster, vars: v("id", id("u2")), twin: "u2", code: "NOT_FOUND"},
		{name: "hidden persona: personaCluster", as: "c.analyst", query: qPersona, vars: v("id", id("per1")), check: wantMembers(f, "per1")},
		{name: "hidden persona: personaCluster, b (control)", as: "b.analyst", query: qPersona, vars: v("id", id("per1")), check: wantMembers(f, "per1", "per2")},
		{name: "hidden persona: personaCluster of it", as: "c.analyst", query: qPersona, vars: v("id", id("per2")), twin: "per2", code: "NOT_FOUND"},
		{name: "hidden node: communities", as: "c.analyst", query: qComm, vars: v("ids", []string{id("x"), id("p"), id("q"), id("h1")}), twin: "h1", code: "NOT_FOUND"},
		{name: "hidden transfer: communities count visible edges only", as: "c.analyst", query: qComm, vars: v("ids", []string{id("f"), id("g"), id("g2")}), check: wantTotalDegree(2, 2)},
		{name: "hidden transfer: communities, b (control)", as: "b.analyst", query: qComm, vars: v("ids", []string{id("f"), id("g"), id("g2")}), check: wantTotalDegree(4, 1)},
		{name: "hidden entity: sameAsCandidates", as: "c.analyst", query: qSameAs},
		{name: "hidden entity: sameAsCandidates, b (control)", as: "b.analyst", query: qSameAs, check: wantContains(id("acme2"))},
		{name: "hidden entity: confirmSameAs", as: "c.analyst", query: `mutation($a: ID!, $b: ID!) { confirmSameAs(a: $a, b: $b, reason: "probe") { decision by edge } }`,
			vars: map[string]any{"a": id("acme1"), "b": id("acme2")}, twin: "acme2", code: "NOT_FOUND"},
	}
}

func wantNoFlag(kind string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			Node struct {
				Risk struct {
					Flags     []struct{ Kind string }
					Truncated bool
				}
			}
		}
		data(t, body, &d)
		for _, fl := range d.Node.Risk.Flags {
			if fl.Kind == kind {
				t.Errorf("a %s flag: %s", kind, clip(body))
			}
		}
		if d.Node.Risk.Truncated {
			t.Errorf("truncated: %s", clip(body))
		}
	}
}

func wantNoCategory(cat string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		if holds(body, `"`+cat+`"`) {
			t.Errorf("category %s: %s", cat, clip(body))
		}
	}
}

func wantClusterSize(n int) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			Cluster struct {
				Members   []idObj
				Size      int
				Truncated bool
			}
		}
		data(t, body, &d)
		if d.Cluster.Size != n || len(d.Cluster.Members) != n || d.Cluster.Truncated {
			t.Errorf("cluster size %d (%d members), want %d: %s", d.Cluster.Size, len(d.Cluster.Members), n, clip(body))
		}
	}
}

func wantMembers(f *accessFixture, names ...string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct{ PersonaCluster struct{ Members []idObj } }
		data(t, body, &d)
		if !sameSet(idsOf(d.PersonaCluster.Members), f.idList(names...)) {
			t.Errorf("members, want %v: %s", names, clip(body))
		}
	}
}

// wantTotalDegree: the communities' degrees add up to n, in so many
// connected components.
func wantTotalDegree(n, components int) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			Communities struct {
				Components  [][]string
				Communities []struct{ TotalDegree int }
			}
		}
		data(t, body, &d)
		sum := 0
		for _, c := range d.Communities.Communities {
			sum += c.TotalDegree
		}
		if sum != n || len(d.Communities.Components) != components {
			t.Errorf("total degree %d in %d components, want %d in %d: %s", sum, len(d.Communities.Components), n, components, clip(body))
		}
	}
}
