package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// testVisibility runs the access matrix: every viewer asks every store
// method and every investigation query of the fixture in
// visibility_fixture.go; each answer is what the rules give that viewer,
// and its JSON holds none of what they do not see.
func testVisibility(t *testing.T, e env) {
	WriteVisibilityFixture(t, e.s)
	visMatrix(t, e)
}

// WriteVisibilityFixture writes the access matrix's graph into s.
func WriteVisibilityFixture(t *testing.T, s graph.Store) {
	t.Helper()
	for _, b := range visFixture() {
		write(t, s, b)
	}
}

// VisibilityMatrix runs the access matrix on s, which holds the fixture
// (WriteVisibilityFixture): for a store to check that what it keeps in
// memory to filter is the same after it reopens its file.
func VisibilityMatrix(t *testing.T, s investigate.Store) { visMatrix(t, env{s: s, caps: Full()}) }

func visMatrix(t *testing.T, e env) {
	for _, name := range visViewerNames {
		t.Run(name, func(t *testing.T) {
			ctx := visCtx(context.Background(), name)
			scan := func(what string, answer any) {
				t.Helper()
				js := jsonOf(t, answer)
				for _, h := range visHidden(name) {
					if i := strings.Index(js, h); i >= 0 {
						t.Errorf("%s: %q leaks to viewer %s: …%s…", what, h, name, js[max(0, i-120):min(len(js), i+len(h)+40)])
						return // one leak per answer says enough
					}
				}
			}
			visRecords(ctx, t, e, name, scan)
			visStats(ctx, t, e, name, scan)
			visSearch(ctx, t, e, name, scan)
			visList(ctx, t, e, name, scan)
			visNeighbors(ctx, t, e, name, scan)
			visShortestPath(ctx, t, e, name, scan)
			visEngine(ctx, t, e, name, scan)
			queries := []investigate.PathsQuery{{}, {HubDegree: 4}, {HubDegree: 1}}
			if hasArrays(t, e) {
				queries = append(queries, investigate.PathsQuery{Services: investigate.ServicesStop},
					investigate.PathsQuery{Services: investigate.ServicesAvoid, HubDegree: 1}, investigate.PathsQuery{Limit: 3})
			}
			if found := agreeOnArrays(ctx, t, e, visArraysIDs(), queries); (found > 0) != (name != vNone) {
				t.Errorf("%d single paths found on arrays", found)
			}
			agreeFlowOnArrays(ctx, t, e, visArraysIDs())
		})
	}
}

type visScan func(what string, answer any)

// visNotFound checks that err is the NOT_FOUND of a missing id, word for
// word.
func visNotFound(t *testing.T, what string, err error, kind, id string) {
	t.Helper()
	if graph.ErrorCode(err) != graph.CodeNotFound || err.Error() != graph.NotFound(kind, id).Error() {
		t.Errorf("%s: error %v, want exactly %v", what, err, graph.NotFound(kind, id))
	}
}

// visRecords: Node, Nodes and Edge give every seen fact as the viewer's
// redaction of the whole record, and every other one as missing.
func visRecords(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	bg := context.Background()
	v, filtered := visibility.FromContext(ctx)
	var ids []string
	var want []*graph.Node
	for _, n := range visNodeSpecs() {
		id := visID[n.name]
		full, err := e.s.Node(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		w := full
		if filtered {
			w = visibility.Node(v, full)
		}
		got, err := e.s.Node(ctx, id)
		switch seen := visSeen(name, n.name); {
		case !seen:
			visNotFound(t, "Node "+n.name, err, "node", id)
			w = nil
		case err != nil:
			t.Errorf("Node %s: %v", n.name, err)
		default:
			if jsonOf(t, got) != jsonOf(t, w) {
				t.Errorf("Node %s:\n got %s\nwant %s", n.name, jsonOf(t, got), jsonOf(t, w))
			}
			scan("Node "+n.name, got)
		}
		ids, want = append(ids, id), append(want, w)
	}
	got, err := e.s.Nodes(ctx, append(ids, W(0xdead)))
	if err != nil {
		t.Fatalf("Nodes: %v", err)
	}
	if jsonOf(t, got) != jsonOf(t, append(want, nil)) {
		t.Errorf("Nodes:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, append(want, nil)))
	}
	scan("Nodes", got)
	for _, es := range visEdgeSpecs() {
		id := visID[es.name]
		full, err := e.s.Edge(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.s.Edge(ctx, id)
		switch seen := visSeen(name, es.name); {
		case !seen:
			visNotFound(t, "Edge "+es.name, err, "edge", id)
		case err != nil:
			t.Errorf("Edge %s: %v", es.name, err)
		default:
			w := full
			if filtered {
				w = visibility.Edge(v, full)
			}
			if jsonOf(t, got) != jsonOf(t, w) {
				t.Errorf("Edge %s:\n got %s\nwant %s", es.name, jsonOf(t, got), jsonOf(t, w))
			}
			scan("Edge "+es.name, got)
		}
	}
	if name != vB && name != vAll {
		if n, err := e.s.Node(ctx, visID["X"]); err == nil && (n.Label != "Open Name" || len(n.Aliases) > 0) {
			t.Errorf("X as %s: label %q aliases %v, want the public claim only", name, n.Label, n.Aliases)
		}
		if ed, err := e.s.Edge(ctx, visID["tf23"]); err == nil && name != vA && name != vRed && ed.Amount != 8 {
			t.Errorf("tf23 as %s: amount %v, want the public 8", name, ed.Amount)
		}
	}
}

// visStats: the counts are those of the facts the viewer sees.
func visStats(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	want := graph.Stats{NodesByKind: map[graph.NodeKind]int64{}, EdgesByKind: map[graph.EdgeKind]int64{}}
	for _, n := range visNodeSpecs() {
		if visSeen(name, n.name) {
			want.Nodes++
			want.NodesByKind[n.n.Kind]++
		}
	}
	for _, es := range visEdgeSpecs() {
		if visSeen(name, es.name) {
			want.Edges++
			want.EdgesByKind[es.kind]++
		}
	}
	got, err := e.s.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if got.Nodes != want.Nodes || got.Edges != want.Edges || !visSameCounts(got.NodesByKind, want.NodesByKind) || !visSameCounts(got.EdgesByKind, want.EdgesByKind) {
		t.Errorf("Stats: got %+v, want %+v", got, want)
	}
}

// visSameCounts compares per-kind counts, a missing kind counting 0.
func visSameCounts[K comparable](a, b map[K]int64) bool {
	for k, n := range a {
		if b[k] != n {
			return false
		}
	}
	for k, n := range b {
		if a[k] != n {
			return false
		}
	}
	return true
}

// visSearch: a hidden label, alias or identifier never matches; pages and
// HasMore count the viewer's hits only.
func visSearch(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	for _, c := range []struct {
		text string
		want map[string]string // viewer → hits by short name, sorted; absent: none
	}{
		{"kestrel9", map[string]string{vAll: "X", vB: "X"}},
		{"Kestrel", map[string]string{vAll: "TG X", vB: "TG X", vA: "TG", vRed: "TG", vC: "TG", vCA: "TG", vCR: "TG"}},
		{"Open Name", map[string]string{vAll: "X", vA: "X", vRed: "X", vB: "X", vC: "X", vCA: "X", vCR: "X"}},
		{"Crimson", map[string]string{vAll: "P2", vRed: "P2", vCR: "P2"}},
		{"quill@vis", map[string]string{vAll: "EM", vA: "EM", vRed: "EM"}},
		{"Amber", map[string]string{vAll: "K2 P4", vA: "K2 P4", vRed: "K2 P4", vCA: "K2 P4", vCR: "K2 P4"}},
		{"Hidden Leaf", map[string]string{vAll: "L3 L4 L5 L6 L7", vA: "L3 L4 L5 L6 L7", vRed: "L3 L4 L5 L6 L7"}},
	} {
		var hits []string
		pages, after := 0, ""
		for {
			res, err := e.s.Search(ctx, graph.SearchQuery{Text: c.text, Limit: 2, After: after})
			if err != nil {
				t.Fatalf("Search %q: %v", c.text, err)
			}
			scan("Search "+c.text, res)
			for _, h := range res.Hits {
				hits = append(hits, visName[h.Node.ID])
			}
			pages++
			if !res.HasMore || pages > 10 {
				if res.HasMore || (len(res.Hits) == 0 && pages > 1) {
					t.Errorf("Search %q: page %d: %d hits, hasMore %v", c.text, pages, len(res.Hits), res.HasMore)
				}
				break
			}
			after = res.Hits[len(res.Hits)-1].Cursor
		}
		slices.Sort(hits)
		if got := strings.Join(hits, " "); got != c.want[name] {
			t.Errorf("Search %q: hits %q, want %q", c.text, got, c.want[name])
		}
		if wantPages := max(1, (len(hits)+1)/2); pages != wantPages {
			t.Errorf("Search %q: %d pages for %d hits, want %d", c.text, pages, len(hits), wantPages)
		}
	}
}

// visList: paging through wallets gives the viewer's wallets.
func visList(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	var want, got []string
	for _, n := range visNodeSpecs() {
		if n.n.Kind == graph.KindWallet && visSeen(name, n.name) {
			want = append(want, visID[n.name])
		}
	}
	slices.Sort(want)
	after := ""
	for pages := 0; pages < 20; pages++ {
		res, err := e.s.ListNodes(ctx, graph.ListQuery{Kinds: []graph.NodeKind{graph.KindWallet}, After: after, Limit: 4})
		if err != nil {
			t.Fatalf("ListNodes: %v", err)
		}
		scan("ListNodes", res)
		got = append(got, nodeIDs(res.Nodes)...)
		if !res.HasMore {
			break
		}
		if len(res.Nodes) == 0 {
			t.Fatal("ListNodes: an empty page says it has more")
		}
		after = res.Nodes[len(res.Nodes)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListNodes: %v, want %v", got, want)
	}
	// The count a listing shows (nodeList's totalCount) is the store's
	// count by kind: hidden nodes are neither listed nor counted.
	st, err := e.s.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if n := st.NodesByKind[graph.KindWallet]; n != int64(len(want)) {
		t.Errorf("Stats counts %d wallets, the listing has %d", n, len(want))
	}
}

// visNeighbors: the neighbourhood of the hub and of P1 holds what the
// viewer sees; a hidden start is missing.
func visNeighbors(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	for _, c := range []struct{ start, nodes, edges string }{
		{"H", "H HA HB L3 L4 L5 L6 L7", "th1 th2 thl3 thl4 thl5 thl6 thl7"},
		{"P1", "P1 P2 P4", "t12 t14"},
		{"P4", "P1 P4 P5", "t14 t45"},
	} {
		res, err := e.s.Neighbors(ctx, graph.NeighborQuery{ID: visID[c.start]})
		if !visSeen(name, c.start) {
			visNotFound(t, "Neighbors "+c.start, err, "node", visID[c.start])
			continue
		}
		if err != nil {
			t.Fatalf("Neighbors %s: %v", c.start, err)
		}
		scan("Neighbors "+c.start, res)
		if got, want := visNames(nodeIDs(res.Nodes)), visSeenOf(name, c.nodes); got != want {
			t.Errorf("Neighbors %s: nodes %q, want %q", c.start, got, want)
		}
		if got, want := visNames(edgeIDs(res.Edges)), visSeenOf(name, c.edges); got != want {
			t.Errorf("Neighbors %s: edges %q, want %q", c.start, got, want)
		}
		if res.Truncated {
			t.Errorf("Neighbors %s: truncated (%s)", c.start, res.Reason)
		}
	}
}

// visShortestPath: the store's shortest path crosses only what the viewer
// sees, and hub flags come from the viewer's degrees.
func visShortestPath(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	for _, c := range []struct {
		from, to  string
		hubDegree int
		want      map[string]string // viewer → the path's nodes, or "truncated"; absent: no path
	}{
		{"P1", "P3", 0, map[string]string{vAll: "P1 P2 P3", vRed: "P1 P2 P3", vCR: "P1 P2 P3", vA: "P1 P4 P5 P3", vCA: "P1 P4 P5 P3"}},
		{"HA", "HB", 4, map[string]string{vAll: "truncated", vA: "truncated", vRed: "truncated",
			vB: "HA H HB", vC: "HA H HB", vCA: "HA H HB", vCR: "HA H HB"}},
	} {
		p, err := e.s.ShortestPath(ctx, graph.PathQuery{From: visID[c.from], To: visID[c.to], HubDegree: c.hubDegree})
		if name == vNone {
			visNotFound(t, "ShortestPath", err, "node", visID[c.from])
			continue
		}
		if err != nil {
			t.Fatalf("ShortestPath %s→%s: %v", c.from, c.to, err)
		}
		scan("ShortestPath", p)
		got := visPathNames(p.Nodes)
		if p.Truncated {
			got = "truncated"
		}
		if got != c.want[name] {
			t.Errorf("ShortestPath %s→%s: %q, want %q (reason %q)", c.from, c.to, got, c.want[name], p.Reason)
		}
	}
	_, err := e.s.ShortestPath(ctx, graph.PathQuery{From: visID["P2"], To: visID["P3"]})
	if !visSeen(name, "P2") {
		visNotFound(t, "ShortestPath from a hidden node", err, "node", visID["P2"])
	}
}

// visNames gives IDs as sorted short names.
func visNames(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = visName[id]
		if out[i] == "" {
			out[i] = id
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// visSeenOf keeps, of space-separated short names, those the viewer sees,
// sorted.
func visSeenOf(viewer, names string) string {
	var out []string
	for _, n := range strings.Fields(names) {
		if visSeen(viewer, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// visPathNames gives a path's nodes in order.
func visPathNames(ns []*graph.Node) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = visName[n.ID]
		if out[i] == "" {
			out[i] = fmt.Sprint(n.ID)
		}
	}
	return strings.Join(out, " ")
}
