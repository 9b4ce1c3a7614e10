package server_test

import (
	"testing"
)

// nodeFields is everything a node answers that could carry a hidden fact.
const nodeFields = `id kind key label aliases properties { key value } sources { dataset record marking confidence } confidence marking degree`

const edgeFields = `id kind from to amount asset valueUSD time txHash properties { key value } sources { dataset record marking } confidence marking`

const (
	qNode      = `query($id: ID!) { node(id: $id) { ` + nodeFields + ` } }`
	qNodes     = `query($ids: [ID!]!) { nodes(ids: $ids) { ` + nodeFields + ` } }`
	qEdge      = `query($id: ID!) { edge(id: $id) { ` + edgeFields + ` fromNode { id label } toNode { id label } } }`
	qNeighbors = `query($id: ID!, $limit: Int) { neighbors(id: $id, direction: BOTH, limit: $limit) { nodes { ` + nodeFields + ` } edges { ` + edgeFields + ` } truncated reason } }`
	qShortest  = `query($from: ID!, $to: ID!, $hub: Int) { shortestPath(from: $from, to: $to, direction: BOTH, hubDegree: $hub) { nodes { id label } edges { id txHash } length truncated reason } }`
	// With since, the investigation engine answers instead of the store.
	qShortestEngine = `query($from: ID!, $to: ID!) { shortestPath(from: $from, to: $to, direction: BOTH, since: "2000-01-01T00:00:00Z") { nodes { id label } edges { id txHash } length truncated reason } }`
	qPaths          = `query($from: ID!, $to: ID!, $hub: Int) { paths(from: $from, to: $to, hubDegree: $hub) { paths { nodes { id label } edges { id txHash amount } length } skippedHubs truncated reason } }`
	qSearch         = `query($q: String!, $first: Int) { search(query: $q, first: $first) { edges { cursor score node { id label aliases } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	qAsOf           = `query($id: ID!) { neighbors(id: $id, direction: BOTH, asOf: "2025-03-01T00:00:00Z") { nodes { ` + nodeFields + ` } edges { ` + edgeFields + ` } truncated reason } }`
	qRisk           = `query($id: ID!) { node(id: $id) { id label risk { flags { kind reason category via nodes edges } truncated reason } } }`
)

// graphCases: node look-ups, neighbourhoods, paths, search and counts.
func graphCases(_ *testing.T, f *accessFixture) []accessCase {
	v := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	id := f.id
	return []accessCase{
		// The RED node on the only path between w1 and w2.
		{name: "RED node: node, another user of its agency", as: "a.analyst", query: qNode, vars: v("id", id("r")), twin: "r", check: wantNull("node")},
		{name: "RED node: node, deployment administrator", as: "root", query: qNode, vars: v("id", id("r")), twin: "r", check: wantNull("node")},
		{name: "RED node: node, its user (control)", as: "a.red", query: qNode, vars: v("id", id("r")), check: wantLabel("node", "Redroute")},
		{name: "RED node: shortestPath (store) does not pass through it", as: "a.analyst", query: qShortest, vars: v("from", id("w1"), "to", id("w2")), like: [2]string{"w2", "ga"}, check: wantLength("shortestPath", 0)},
		{name: "RED node: shortestPath (engine) does not pass through it", as: "c.analyst", query: qShortestEngine, vars: v("from", id("w1"), "to", id("w2")), like: [2]string{"w2", "ga"}, check: wantNoPath("shortestPath")},
		{name: "RED node: shortestPath, its user (control)", as: "a.red", query: qShortest, vars: v("from", id("w1"), "to", id("w2")), check: wantLength("shortestPath", 2)},
		{name: "RED node: paths", as: "a.analyst", query: qPaths, vars: v("from", id("w1"), "to", id("w2")), like: [2]string{"w2", "ga"}, check: wantNoPaths},
		{name: "RED node: moneyFlow stops before it", as: "c.analyst", absent: []string{"w2", "svcq"},
			query: `query($from: [ID!]!) { moneyFlow(from: $from) { sources { id } sinks { node { id label } wallets routes } routes { hops { edge { id } from to } sink } routeCount tainted { edge { id } } truncated reason } }`,
			vars:  v("from", []string{id("w1")}), check: wantRouteCount(0)},
		{name: "RED node: nearest service not reached through it", as: "a.viewer", absent: []string{"w2", "svcq"},
			query: `query($from: ID!) { nearest(from: $from, target: {kind: SERVICE}) { paths { nodes { id label } edges { id } } skippedHubs truncated reason } }`,
			vars:  v("from", id("w1")), like: [2]string{"w1", "ga"}, check: wantNoPaths},
		{name: "RED node: nearest, its user (control)", as: "a.red",
			query: `query($from: ID!) { nearest(from: $from, target: {kind: SERVICE}) { paths { nodes { id } } truncated reason } }`,
			vars:  v("from", id("w1")), check: wantContains(id("svcq"))},
		{name: "RED to one user of b: another user of b", as: "b.viewer", query: qNode, vars: v("id", id("rb")), twin: "rb", check: wantNull("node")},
		{name: "RED to one user of b: b's admin", as: "b.admin", query: qNode, vars: v("id", id("rb")), twin: "rb", check: wantNull("node")},

		// Hidden nodes and edges by ID.
		{name: "hidden node: node", as: "c.analyst", query: qNode, vars: v("id", id("h1")), twin: "h1", check: wantNull("node")},
		{name: "hidden node: nodes among visible ones", as: "c.analyst", query: qNodes, vars: v("ids", []string{id("x"), id("h1"), id("p")}), twin: "h1"},
		{name: "hidden edge: edge", as: "c.analyst", query: qEdge, vars: v("id", id("xh1")), twin: "xh1", check: wantNull("edge")},
		{name: "open edge to a hidden node: edge", as: "c.analyst", query: qEdge, vars: v("id", id("ph1")), twin: "ph1", check: wantNull("edge")},
		{name: "hidden node: edges", as: "c.analyst", query: `query($ids: [ID!]!) { edges(ids: $ids) { ` + edgeFields + ` } }`, vars: v("ids", []string{id("px"), id("xh2")}), twin: "xh2"},
		{name: "hidden node: neighbors", as: "c.analyst", query: qNeighbors, vars: v("id", id("h2")), twin: "h2", code: "NOT_FOUND"},
		{name: "hidden node: shortestPath to it", as: "c.analyst", query: qShortest, vars: v("from", id("x"), "to", id("h3")), twin: "h3", code: "NOT_FOUND"},
		{name: "hidden node: paths from it", as: "c.analyst", query: qPaths, vars: v("from", id("h3"), "to", id("q")), twin: "h3", code: "NOT_FOUND"},

		// A hub only through hidden edges.
		{name: "hub: neighbors within the limit are not truncated", as: "c.analyst", query: qNeighbors, vars: v("id", id("x"), "limit", 2),
			check: wantSubgraph(f, []string{"x", "p", "q"}, []string{"px", "xq"})},
		{name: "hub: neighbors, b sees it truncated (control)", as: "b.analyst", query: qNeighbors, vars: v("id", id("x"), "limit", 2), check: wantContains(`"truncated":true`)},
		{name: "hub: degree counts visible edges only", as: "c.viewer", query: qNode, vars: v("id", id("x")), check: wantDegree(2)},
		{name: "hub: degree, b (control)", as: "b.viewer", query: qNode, vars: v("id", id("x")), check: wantDegree(5)},
		{name: "hub: shortestPath passes a node that is a hub only through hidden edges", as: "c.analyst", query: qShortest, vars: v("from", id("p"), "to", id("q"), "hub", 2), check: wantLength("shortestPath", 2)},
		{name: "hub: paths skip no hub", as: "c.analyst", query: qPaths, vars: v("from", id("p"), "to", id("q"), "hub", 2), check: wantContains(`"skippedHubs":[]`)},
		{name: "hub: b's path skips it (control)", as: "b.analyst", query: qPaths, vars: v("from", id("p"), "to", id("q"), "hub", 2), check: wantContains(id("x"))},

		// First seen by a hidden source.
		{name: "as of: a transfer only a hidden source had seen", as: "c.analyst", query: qAsOf, vars: v("id", id("k1")), check: wantSubgraph(f, []string{"k1"}, nil)},
		{name: "as of: b had seen it (control)", as: "b.analyst", query: qAsOf, vars: v("id", id("k1")), check: wantSubgraph(f, []string{"k1", "k2"}, []string{"k1k2"})},

		// Counts.
		{name: "stats count visible facts only", as: "c.analyst", query: `{ stats { nodes edges nodesByKind { kind count } edgesByKind { kind count } } }`, check: wantStats},

		// Search totals, pages and prefixes.
		{name: "search: a hidden hit is not counted", as: "c.analyst", query: qSearch, vars: v("q", "marlin"+f.g.sfx, "first", 1), check: wantHits(f, []string{"m1"}, false)},
		{name: "search: autocomplete prefix", as: "c.viewer", query: qSearch, vars: v("q", "marlin"+f.g.sfx[:5], "first", 1), check: wantHits(f, []string{"m1"}, false)},
		{name: "search: b has a second page (control)", as: "b.analyst", query: qSearch, vars: v("q", "marlin"+f.g.sfx, "first", 1), check: wantContains(`"hasNextPage":true`)},
		{name: "search: by a hidden label", as: "c.analyst", query: qSearch, vars: v("q", "shadowname"+f.g.sfx, "first", 10), check: wantHits(f, nil, false)},
		{name: "search: by a hidden alias", as: "a.analyst", query: qSearch, vars: v("q", "nightjar"+f.g.sfx, "first", 10), check: wantHits(f, nil, false)},
		{name: "search: by a hidden node's label", as: "c.analyst", query: qSearch, vars: v("q", "ghostpersona"+f.g.sfx, "first", 10), check: wantHits(f, nil, false)},

		// A label, alias and property known only from b's AMBER+STRICT source.
		{name: "hidden label: node shows the visible source's record", as: "c.analyst", query: qNode, vars: v("id", id("e1")), check: wantLabel("node", "Frontco")},
		{name: "hidden label: b sees its own (control)", as: "b.analyst", query: qNode, vars: v("id", id("e1")), check: wantContains("Nightjar")},
		{name: "hidden label: neighbors", as: "a.analyst", query: qNeighbors, vars: v("id", id("w3")), check: wantContains(id("e1"))},
		{name: "hidden label: search by the visible label", as: "c.analyst", query: qSearch, vars: v("q", "frontco"+f.g.sfx, "first", 10), check: wantHits(f, []string{"e1"}, false)},
	}
}

// wantNull: data.field is null.
func wantNull(field string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d map[string]any
		data(t, body, &d)
		if d[field] != nil {
			t.Errorf("%s is %v, want null", field, d[field])
		}
	}
}

func wantLabel(field, prefix string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d map[string]*struct{ Label string }
		data(t, body, &d)
		if d[field] == nil || len(d[field].Label) < len(prefix) || d[field].Label[:len(prefix)] != prefix {
			t.Errorf("%s: want the label %s…: %s", field, prefix, clip(body))
		}
	}
}

func wantContains(s string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		if !holds(body, s) {
			t.Errorf("want %q in %s", s, clip(body))
		}
	}
}

func wantNoPath(field string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d map[string]struct {
			Nodes     []idObj
			Truncated bool
			Reason    *string
		}
		data(t, body, &d)
		if p := d[field]; len(p.Nodes) != 0 || p.Truncated || p.Reason != nil {
			t.Errorf("want no path, not truncated, no reason: %s", clip(body))
		}
	}
}

func wantLength(field string, n int) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d map[string]struct{ Length int }
		data(t, body, &d)
		if d[field].Length != n {
			t.Errorf("length %d, want %d: %s", d[field].Length, n, clip(body))
		}
	}
}

// wantNoPaths: a PathList with no path, no skipped hub, not truncated.
func wantNoPaths(t *testing.T, _ *accessFixture, body string) {
	var d map[string]struct {
		Paths       []any
		SkippedHubs []string
		Truncated   bool
		Reason      *string
	}
	data(t, body, &d)
	for k, p := range d {
		if len(p.Paths) != 0 || len(p.SkippedHubs) != 0 || p.Truncated || p.Reason != nil {
			t.Errorf("%s: want no path, no hub, no reason: %s", k, clip(body))
		}
	}
}

func wantRouteCount(n int) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			MoneyFlow struct {
				RouteCount int
				Truncated  bool
				Reason     *string
			}
		}
		data(t, body, &d)
		if d.MoneyFlow.RouteCount != n || d.MoneyFlow.Truncated || d.MoneyFlow.Reason != nil {
			t.Errorf("routeCount %d, want %d, not truncated: %s", d.MoneyFlow.RouteCount, n, clip(body))
		}
	}
}

func wantDegree(n int) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct{ Node struct{ Degree int } }
		data(t, body, &d)
		if d.Node.Degree != n {
			t.Errorf("degree %d, want %d", d.Node.Degree, n)
		}
	}
}

// wantSubgraph: exactly these nodes and edges, not truncated.
func wantSubgraph(f *accessFixture, nodes, edges []string) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			Neighbors struct {
				Nodes, Edges []idObj
				Truncated    bool
				Reason       *string
			}
		}
		data(t, body, &d)
		n := d.Neighbors
		if !sameSet(idsOf(n.Nodes), f.idList(nodes...)) || !sameSet(idsOf(n.Edges), f.idList(edges...)) || n.Truncated || n.Reason != nil {
			t.Errorf("want nodes %v, edges %v, not truncated: %s", nodes, edges, clip(body))
		}
	}
}

// wantHits: the search hits exactly these facts, and hasNextPage.
func wantHits(f *accessFixture, names []string, next bool) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		var d struct {
			Search struct {
				Edges []struct{ Node idObj }
				Info  struct{ HasNextPage bool } `json:"pageInfo"`
			}
		}
		data(t, body, &d)
		var got []string
		for _, e := range d.Search.Edges {
			got = append(got, e.Node.ID)
		}
		if !sameSet(got, f.idList(names...)) || d.Search.Info.HasNextPage != next {
			t.Errorf("want hits %v, hasNextPage %v: %s", names, next, clip(body))
		}
	}
}

// wantStats: Stats count what the viewer sees: exactly, on a store that
// held nothing else; and on any store, the difference to another
// agency's user is the difference of what they see.
func wantStats(t *testing.T, f *accessFixture, body string) {
	var d struct{ Stats accessStats }
	data(t, body, &d)
	c, b := f.who["c.analyst"], f.who["b.analyst"]
	if f.fresh {
		if d.Stats.Nodes != len(f.g.visibleNodes(c)) || d.Stats.Edges != len(f.g.visibleEdges(c)) {
			t.Errorf("stats %+v, want %d nodes, %d edges", d.Stats, len(f.g.visibleNodes(c)), len(f.g.visibleEdges(c)))
		}
	}
	wantN := len(f.g.visibleNodes(b)) - len(f.g.visibleNodes(c))
	wantE := len(f.g.visibleEdges(b)) - len(f.g.visibleEdges(c))
	// Another package's test may write to a shared Neo4j meanwhile: read
	// until two readings of c agree around b's.
	for range 5 {
		c1, sb, c2 := f.stats(t, "c.analyst"), f.stats(t, "b.analyst"), f.stats(t, "c.analyst")
		if c1 != c2 {
			continue
		}
		if sb.Nodes-c1.Nodes != wantN || sb.Edges-c1.Edges != wantE {
			t.Errorf("b sees %+v, c %+v: want b to see %d more nodes and %d more edges", sb, c1, wantN, wantE)
		}
		return
	}
	t.Error("the store's counts kept changing")
}

// ids returns the IDs of fixture facts.
func (f *accessFixture) idList(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = f.id(n)
	}
	return out
}
