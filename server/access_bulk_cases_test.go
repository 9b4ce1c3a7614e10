package server_test

import (
	"strings"
	"testing"
)

const (
	qNodeList        = `query($kind: NodeKind, $first: Int) { nodeList(kind: $kind, first: $first) { totalCount edges { cursor node { ` + nodeFields + ` props } } pageInfo { hasNextPage endCursor } } }`
	qTransfers       = `query($wallets: [ID!]!) { transfers(wallets: $wallets) { totalCount edges { node { ` + edgeFields + ` props fromNode { id label } toNode { id label } } } pageInfo { hasNextPage } } }`
	qNeighborsOf     = `query($ids: [ID!]) { neighbors(ids: $ids, direction: BOTH) { nodes { ` + nodeFields + ` } edges { ` + edgeFields + ` } truncated reason } }`
	qSearchCount     = `query($q: String!) { search(query: $q, first: 1) { totalCount edges { node { id } } } }`
	qNodesMalformed  = `query($ids: [ID!]!) { nodes(ids: $ids) { ` + nodeFields + ` props } }`
	walletListLength = 1000
)

// bulkCases: listing, counts, bulk look-ups and batched reads hide and
// never count what the viewer does not see.
func bulkCases(_ *testing.T, f *accessFixture) []accessCase {
	v := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	id := f.id
	return []accessCase{
		{name: "hidden node: nodeList neither lists nor counts it", as: "c.analyst", query: qNodeList, vars: v("kind", "WALLET", "first", walletListLength), check: wantWalletList("c.analyst")},
		{name: "hidden node: nodeList, b lists and counts it (control)", as: "b.analyst", query: qNodeList, vars: v("kind", "WALLET", "first", walletListLength), check: wantWalletList("b.analyst")},
		{name: "RED node: nodeList of every kind, another user of its agency", as: "a.analyst", query: qNodeList, vars: v("first", walletListLength)},
		{name: "hidden node: nodes with a malformed ID beside it", as: "c.analyst", query: qNodesMalformed, vars: v("ids", []string{id("x"), id("h1"), "not an id"}), twin: "h1", code: "INVALID_ARGUMENT",
			check: wantNodesItems(2)},
		{name: "hub: transfers of x, hidden ones neither listed nor counted", as: "c.analyst", query: qTransfers, vars: v("wallets", []string{id("x")}), check: wantTransfers(f, "px", "xq")},
		{name: "hub: transfers of x, b (control)", as: "b.analyst", query: qTransfers, vars: v("wallets", []string{id("x")}), check: wantTransfers(f, "px", "xq", "xh1", "xh2", "xh3")},
		{name: "hidden node: transfers of it", as: "c.analyst", query: qTransfers, vars: v("wallets", []string{id("h1")}), twin: "h1", check: wantTransfers(f)},
		{name: "RED node: transfers of its neighbour", as: "a.analyst", query: qTransfers, vars: v("wallets", []string{id("w1"), id("w2")}), check: wantTransfers(f)},
		{name: "RED node: transfers, its user (control)", as: "a.red", query: qTransfers, vars: v("wallets", []string{id("w1"), id("w2")}), check: wantTransfers(f, "w1r", "rw2")},
		{name: "hub: neighbors of several", as: "c.analyst", query: qNeighborsOf, vars: v("ids", []string{id("x"), id("p")}), check: wantSubgraph(f, []string{"x", "p", "q"}, []string{"px", "xq"})},
		{name: "hidden node: neighbors of several with it", as: "c.analyst", query: qNeighborsOf, vars: v("ids", []string{id("x"), id("h2")}), twin: "h2", code: "NOT_FOUND"},
		{name: "search: totalCount leaves a hidden hit out", as: "c.analyst", query: qSearchCount, vars: v("q", "marlin"+f.g.sfx), check: wantContains(`"totalCount":1`)},
		{name: "search: totalCount, b (control)", as: "b.analyst", query: qSearchCount, vars: v("q", "marlin"+f.g.sfx), check: wantContains(`"totalCount":2`)},
	}
}

// wantWalletList: the fixture's wallets the viewer sees are listed (on a
// store holding nothing else, exactly those, and totalCount counts them);
// on any store, the difference of totalCount to another agency's user is
// the difference of the wallets they see.
func wantWalletList(as string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, f *accessFixture, body string) {
		var d struct {
			NodeList struct {
				TotalCount int
				Edges      []struct{ Node idObj }
			}
		}
		data(t, body, &d)
		var listed []string
		for _, e := range d.NodeList.Edges {
			listed = append(listed, e.Node.ID)
		}
		want := f.visibleWallets(as)
		if f.fresh && (!sameSet(listed, want) || d.NodeList.TotalCount != len(want)) {
			t.Errorf("listed %v (totalCount %d), want %v", listed, d.NodeList.TotalCount, want)
		}
		other := "b.analyst"
		if as == other {
			other = "c.analyst"
		}
		for range 5 {
			a1, o, a2 := f.walletCount(t, as), f.walletCount(t, other), f.walletCount(t, as)
			if a1 != a2 {
				continue
			}
			if got, want := a1-o, len(want)-len(f.visibleWallets(other)); got != want {
				t.Errorf("%s counts %d wallets, %s %d: want a difference of %d", as, a1, other, o, want)
			}
			return
		}
		t.Error("the store's counts kept changing")
	}
}

func (f *accessFixture) visibleWallets(as string) []string {
	var out []string
	for id := range f.g.visibleNodes(f.who[as]) {
		if strings.HasPrefix(id, "wallet:") {
			out = append(out, id)
		}
	}
	return out
}

func (f *accessFixture) walletCount(t *testing.T, as string) int {
	t.Helper()
	_, body := f.gql(t, as, `{ nodeList(kind: WALLET, first: 1) { totalCount } }`, nil)
	var d struct{ NodeList struct{ TotalCount int } }
	data(t, body, &d)
	return d.NodeList.TotalCount
}

// wantTransfers: exactly these transfers, counted.
func wantTransfers(f *accessFixture, names ...string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			Transfers struct {
				TotalCount int
				Edges      []struct{ Node idObj }
			}
		}
		data(t, body, &d)
		var got []string
		for _, e := range d.Transfers.Edges {
			got = append(got, e.Node.ID)
		}
		if !sameSet(got, f.idList(names...)) || d.Transfers.TotalCount != len(names) {
			t.Errorf("want transfers %v, counted: %s", names, clip(body))
		}
	}
}

// wantNodesItems: the malformed ID's item is null with an error at its
// index, and the first item is answered.
func wantNodesItems(bad int) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		if !strings.Contains(body, `"path":["nodes",`) || !strings.Contains(body, `"data":{"nodes":[{`) {
			t.Errorf("want the first node answered and an error at [nodes, %d]: %s", bad, clip(body))
		}
	}
}
