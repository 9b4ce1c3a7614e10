package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// claimsFixture is one persona known publicly by its key, to agency "fiu"
// under a RED name given to user "ann", and to agency "sanctions" under an
// AMBER+STRICT codename; and one transfer that the police, under
// AMBER+STRICT, record with a larger amount, an earlier time and a memo.
func claimsFixture() ([]graph.Node, []graph.Edge) {
	nodes := []graph.Node{
		{Kind: graph.KindPerson, Key: "jin", Props: graph.Props{"nationality": "kp"},
			Sources: []graph.Source{{Dataset: "ofac", Record: "1", Confidence: 60}}},
		{Kind: graph.KindPerson, Key: "jin", Label: "Jin Sung-Il", Aliases: []string{"devjin"}, Props: graph.Props{"email": "jin@example.com"},
			ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			Sources:   []graph.Source{{Dataset: "fiu", Record: "7", Agency: "fiu", User: "ann", Confidence: 50, Marking: graph.TLPRed}}},
		{Kind: graph.KindPerson, Key: "jin", Label: "Codename Kestrel", Aliases: []string{"kestrel-op"}, Props: graph.Props{"handler": "unit-121"},
			Sources: []graph.Source{{Dataset: "hq", Record: "s-9", Agency: "sanctions", Confidence: 100, Marking: graph.TLPAmberStrict}}},
		wallet(1, ""), wallet(2, ""),
	}
	t0 := time.Date(2022, 3, 23, 10, 0, 0, 0, time.UTC)
	tr := func(amount float64, at time.Time, props graph.Props, s graph.Source) graph.Edge {
		e := transfer(1, 2, "0xabc:0")
		e.Amount, e.Time, e.Props, e.Sources = amount, at, props, []graph.Source{s}
		return e
	}
	edges := []graph.Edge{
		tr(1, t0, nil, graph.Source{Dataset: "etl", Confidence: 100}),
		tr(9, t0.Add(-time.Hour), graph.Props{"memo": "undercover buy"}, graph.Source{Dataset: "police", Agency: "police", Marking: graph.TLPAmberStrict}),
	}
	return nodes, edges
}

// testClaims: a record merged from sources that disagree keeps who said
// what (graph claims) in the store, written in any order and read back as
// the merge gives it, so that a viewer's redacted record (visibility.Node)
// is the same on every store and never shows what only a hidden source
// said.
func testClaims(t *testing.T, e env) {
	ctx := context.Background()
	nodes, edges := claimsFixture()
	for i := range nodes {
		write(t, e.s, graph.Batch{Nodes: nodes[i : i+1]})
	}
	for i := range edges {
		write(t, e.s, graph.Batch{Edges: edges[i : i+1]})
	}
	want := prepared(t, nodes[0])
	for _, n := range nodes[1:3] {
		want, _ = graph.MergeNode(want, prepared(t, n))
	}
	got, err := e.s.Node(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "node with claims", got, want)
	if got.Claims == nil {
		t.Fatal("the store dropped the claims")
	}
	wantE, _ := graph.MergeEdge(preparedEdge(t, edges[0]), preparedEdge(t, edges[1]))
	gotE, err := e.s.Edge(ctx, wantE.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "edge with claims", gotE, wantE)

	// written again in the other order: nothing changes
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{nodes[2], nodes[1], nodes[0]}, Edges: []graph.Edge{edges[1], edges[0]}})
	if counts(res) != [6]int{0, 0, 1, 0, 0, 1} {
		t.Fatalf("rewriting in another order: counts %v, want unchanged", counts(res))
	}

	sanctions := []string{"Codename Kestrel", "kestrel-op", "unit-121", `"hq"`}
	police := []string{"undercover", `"police"`}
	red := []string{"Jin Sung-Il", "devjin", "jin@example.com"}
	all := func(lists ...[]string) []string {
		var out []string
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	for _, c := range []struct {
		v      visibility.Viewer
		label  string
		hidden []string
		amount float64
	}{
		{visibility.Viewer{Agency: "police", User: "cat"}, "jin", all(sanctions, red), 9},
		{visibility.Viewer{Agency: "fiu", User: "bob"}, "jin", all(sanctions, police, red), 1},
		{visibility.Viewer{Agency: "fiu", User: "ann"}, "Jin Sung-Il", all(sanctions, police), 1},
		{visibility.Viewer{Agency: "sanctions", User: "dan"}, "Codename Kestrel", all(police, red), 1},
	} {
		n, ed := visibility.Node(c.v, got), visibility.Edge(c.v, gotE)
		js := jsonOf(t, n) + jsonOf(t, ed)
		for _, s := range c.hidden {
			if strings.Contains(js, s) {
				t.Errorf("viewer %s/%s: %s leaks into %s", c.v.Agency, c.v.User, s, js)
			}
		}
		if n.Label != c.label || ed.Amount != c.amount {
			t.Errorf("viewer %s/%s: label %q amount %v, want %q %v", c.v.Agency, c.v.User, n.Label, ed.Amount, c.label, c.amount)
		}
	}
}
