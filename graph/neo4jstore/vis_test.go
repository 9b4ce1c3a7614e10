package neo4jstore

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/storetest"
	"github.com/redthread-dev/redthread/graph/synth"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// explain returns the plan of q as one line per operator with its details.
func explain(ctx context.Context, t *testing.T, s *Store, q string, params map[string]any) string {
	t.Helper()
	var plan []string
	err := s.read(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		plan = nil
		res, err := tx.Run(ctx, "CYPHER replan=force EXPLAIN "+strings.TrimPrefix(q, "PROFILE "), params)
		if err != nil {
			return err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return err
		}
		var walk func(p neo4j.Plan)
		walk = func(p neo4j.Plan) {
			plan = append(plan, fmt.Sprint(p.Operator(), " ", p.Arguments()["Details"]))
			for _, ch := range p.Children() {
				walk(ch)
			}
		}
		walk(sum.Plan())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

func testViewer() *viewer {
	v := visibility.Viewer{Agency: "fiu", User: "u1", Grants: []visibility.Grant{{Owner: "police", Cap: graph.TLPRed, Named: true, Facts: map[string]struct{}{"x": {}}}}}
	return viewerOf(visibility.WithViewer(context.Background(), v))
}

// TestShortestPathPlanKeepsVisibilityInside: the viewer's predicates on a
// path's relationships and nodes (and the viewer's hub degree) are
// evaluated inside Neo4j's bidirectional search, with no fallback to an
// exhaustive search of all paths (docs/design/visibility.md §5): a planner
// change that adds one fails here instead of silently enumerating paths.
func TestShortestPathPlanKeepsVisibilityInside(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	pat, err := relPattern(graph.Both, []graph.EdgeKind{graph.EdgeTransfer}, "", "*..6")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*viewer{nil, testViewer()} {
		for _, hubs := range []bool{false, true} {
			q := findPath(w, pat, hubs)
			plan := explain(ctx, t, s, q, w.params(map[string]any{"from": "a", "to": "b", "hub": 10}))
			if !strings.Contains(plan, "ShortestPath") {
				t.Errorf("viewer %v hubs %v: no ShortestPath operator:\n%s", w != nil, hubs, plan)
			}
			if w != nil && !strings.Contains(plan, "vpub") {
				t.Errorf("the plan does not carry the visibility predicate:\n%s", plan)
			}
			for _, bad := range []string{"AntiConditionalApply", "Top", "VarLengthExpand", "AllNodesScan", "NodeByLabelScan"} {
				if strings.Contains(plan, bad) {
					t.Errorf("viewer %v hubs %v: plan has %s (a fallback or scan):\n%s", w != nil, hubs, bad, plan)
				}
			}
		}
	}
}

// TestStatsPlanReadsRestrictedOnly: a viewer's Stats reads the label and
// type counts and, through indexes, the restricted records only.
func TestStatsPlanReadsRestrictedOnly(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	w := testViewer()
	for _, c := range []struct{ q, want string }{
		{"MATCH (n:Node) WHERE n.vk IS NOT NULL AND NOT " + w.pred("n") + " RETURN n.kind, count(n)", "NodeIndexScan"},
		{fmt.Sprintf("CALL () { MATCH ()-[r:TRANSFER]->() WHERE r.vx IS NOT NULL RETURN r, 'TRANSFER' AS kind } WITH r, kind, startNode(r) AS a, endNode(r) AS b WHERE NOT (%s) RETURN kind, -count(r)", w.and("r", "a", "b")), "RelationshipIndexScan"},
	} {
		plan := explain(ctx, t, s, c.q, w.params(map[string]any{}))
		if !strings.Contains(plan, c.want) {
			t.Errorf("plan lacks %s:\n%s", c.want, plan)
		}
		for _, bad := range []string{"AllNodesScan", "NodeByLabelScan", "RelationshipTypeScan", "AllRelationshipsScan"} {
			if strings.Contains(plan, bad) {
				t.Errorf("plan has %s:\n%s", bad, plan)
			}
		}
	}
}

// visProbe is a small graph: a public wallet P, an AMBER wallet of fiu A,
// a transfer P→A (public) and P→Q (public, Q public).
func visProbe() graph.Batch {
	pub := graph.Source{Dataset: "chain", Record: "r"}
	amber := graph.Source{Dataset: "intel", Record: "r", Agency: "fiu", Marking: graph.TLPAmber}
	w := func(n int, src graph.Source) graph.Node {
		return graph.Node{Kind: graph.KindWallet, Key: strings.TrimPrefix(storetest.W(n), "wallet:"), Sources: []graph.Source{src}}
	}
	tr := func(from, to int, key string) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: storetest.W(from), To: storetest.W(to), Key: key, Amount: 1, Asset: "ETH", Sources: []graph.Source{pub}}
	}
	return graph.Batch{Nodes: []graph.Node{w(1, pub), w(2, amber), w(3, pub)}, Edges: []graph.Edge{tr(1, 2, "k12"), tr(1, 3, "k13")}}
}

// visState returns each record's visibility properties, by ID, as text.
func visState(ctx context.Context, t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.read(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, "MATCH (n:Node) RETURN n.id AS id, [n.vpub, n.vk, n.vpart, n.vmix, n.vdp, n.vdc] AS v UNION ALL "+
			"MATCH ()-[r]->() RETURN r.id AS id, [r.vpub, r.vk, r.vpart, r.vx] AS v", nil)
		for _, r := range recs {
			out[r.Values[0].(string)] = fmt.Sprint(r.Values[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVisibilityMigratesOlderRecords: records of a database written before
// schema 3 (no visibility properties, schema node without vis) get them
// when Open migrates, exactly as Write would have set them, and a viewer
// sees them again.
func TestVisibilityMigratesOlderRecords(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	s := openEmpty(t, cfg)
	if _, err := s.Write(ctx, visProbe()); err != nil {
		t.Fatal(err)
	}
	want := visState(ctx, t, s)
	if want[storetest.W(2)] != "[<nil> [A|fiu|] <nil> true [#] [1]]" || !strings.HasSuffix(want[graph.EdgeID(graph.EdgeTransfer, storetest.W(1), storetest.W(2), "k12")], " true]") {
		t.Fatalf("written: %v", want)
	}
	for _, q := range []string{
		"MATCH (n:Node) REMOVE n.vpub, n.vk, n.vpart, n.vmix, n.vdp, n.vdc",
		"MATCH ()-[r]->() REMOVE r.vpub, r.vk, r.vpart, r.vx",
		"MERGE (m:" + schemaLabel + " {name: 'graph'}) SET m.version = 2 REMOVE m.vis",
	} {
		if err := s.autocommit(ctx, q, nil); err != nil {
			t.Fatal(err)
		}
	}
	fiu := visibility.WithViewer(ctx, visibility.Viewer{Agency: "fiu", User: "u"})
	if _, err := s.Node(fiu, storetest.W(1)); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("a record without visibility properties: %v, want NOT_FOUND (fail closed)", err)
	}
	s2, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := visState(ctx, t, s2); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated:\n%v\nwant\n%v", got, want)
	}
	for id, ok := range map[string]bool{storetest.W(1): true, storetest.W(2): true} {
		if _, err := s2.Node(fiu, id); (err == nil) != ok {
			t.Errorf("fiu reads %s after migration: %v", id, err)
		}
	}
	if _, err := s2.Node(visibility.WithViewer(ctx, visibility.Viewer{Agency: "c", User: "u"}), storetest.W(2)); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Errorf("c reads fiu's AMBER wallet after migration: %v", err)
	}
}

// TestVisibilityNarrowedSource: a public record whose only source is
// retrieved again under AMBER becomes restricted, and its relationships
// vx and its neighbours vmix, so that another agency's counts and degrees
// no longer hold it.
func TestVisibilityNarrowedSource(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	if _, err := s.Write(ctx, visProbe()); err != nil {
		t.Fatal(err)
	}
	c := visibility.WithViewer(ctx, visibility.Viewer{Agency: "c", User: "u"})
	before, err := s.Stats(c)
	if err != nil || before.Nodes != 2 || before.Edges != 1 {
		t.Fatalf("c's stats before: %+v %v, want 2 nodes and 1 edge", before, err)
	}
	later := graph.Source{Dataset: "chain", Record: "r", Agency: "fiu", Marking: graph.TLPAmber, RetrievedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	n3 := visProbe().Nodes[2]
	n3.Sources = []graph.Source{later}
	n3.Sources[0].Agency = ""
	if _, err := s.Write(ctx, graph.Batch{Nodes: []graph.Node{n3}}); err != nil {
		t.Fatal(err)
	}
	st := visState(ctx, t, s)
	if e13 := graph.EdgeID(graph.EdgeTransfer, storetest.W(1), storetest.W(3), "k13"); !strings.HasSuffix(st[e13], " true]") || !strings.Contains(st[storetest.W(1)], " true [") {
		t.Fatalf("after narrowing: %v", st)
	}
	after, err := s.Stats(c)
	if err != nil || after.Nodes != 1 || after.Edges != 0 {
		t.Errorf("c's stats after: %+v %v, want 1 node and no edge", after, err)
	}
	top, release, err := s.Topology(c)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	h, err := top.Resolve(c, []string{storetest.W(1)})
	if err != nil {
		t.Fatal(err)
	}
	info, err := top.Describe(c, h)
	if err != nil || info[0].Degree != 0 {
		t.Errorf("c's degree of the public wallet: %+v %v, want 0", info, err)
	}
}

// TestViewerDegreeTable: a viewer's degree from the tables (visdeg.go)
// equals the count of the relationships they see to nodes they see, for
// every node of a marked graph and every viewer, after writes that add
// marked records, narrow a public one and widen a restricted one (with
// the store's grant cache, which the writes must invalidate).
func TestViewerDegreeTable(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	// The schema node openEmpty wiped, so that the grant cache (visdeg.go)
	// works, and is shown to follow writes.
	if err := s.autocommit(ctx, "MERGE (m:"+schemaLabel+" {name: 'graph'}) SET m.version = $v, m.vis = true, m.gen = 0", map[string]any{"v": schemaVersion}); err != nil {
		t.Fatal(err)
	}
	marks := []graph.Source{
		{Dataset: "pub"}, {Dataset: "amber", Agency: "a", Marking: graph.TLPAmber},
		{Dataset: "strict", Agency: "b", Marking: graph.TLPAmberStrict}, {Dataset: "red", Agency: "a", User: "ared", Marking: graph.TLPRed},
	}
	mark := func(id string, i int) []graph.Source {
		h := 0
		for _, c := range id {
			h = h*31 + int(c)
		}
		src := marks[(h%7+7)%7%len(marks)]
		src.Record = fmt.Sprint(i)
		return []graph.Source{src}
	}
	var ids []string
	facts := map[string]struct{}{}
	for b := range synth.NewGen(5, 60, 400).Batches(200) {
		for i := range b.Nodes {
			id, _, _ := graph.NodeID(b.Nodes[i].Kind, b.Nodes[i].Key)
			b.Nodes[i].Sources = mark(id, 0)
			ids = append(ids, id)
		}
		for i := range b.Edges {
			e := &b.Edges[i]
			e.Sources = mark(graph.EdgeID(e.Kind, e.From, e.To, e.Key), 0)
			if len(facts) < 40 {
				facts[graph.EdgeID(e.Kind, e.From, e.To, e.Key)] = struct{}{}
			}
		}
		if _, err := s.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[10:30] {
		facts[id] = struct{}{}
	}
	viewers := []visibility.Viewer{{Agency: "a", User: "ua"}, {Agency: "a", User: "ared"}, {Agency: "b", User: "ub"}, {Agency: "c", User: "uc"},
		{Agency: "c", User: "uc", Grants: []visibility.Grant{{Owner: "a", Cap: graph.TLPRed, Named: true, Facts: facts}}}}
	check := func(when string) {
		t.Helper()
		for _, v := range viewers {
			w := viewerOf(visibility.WithViewer(ctx, v))
			exact := &viewer{v: w.v, own: w.own, shared: w.shared, extraAll: true}
			q := "MATCH (m:Node) RETURN m.id, " + w.degree("m") + ", " + exact.degree("m") + ", m.vmix IS NOT NULL"
			mixed := 0
			err := s.read(ctx, "test", func(tx neo4j.ManagedTransaction) error {
				if err := w.withGrants(ctx, tx, &s.grants); err != nil {
					return err
				}
				recs, err := run(ctx, tx, q, w.params(map[string]any{}))
				for _, r := range recs {
					if r.Values[1] != r.Values[2] {
						t.Errorf("%s: viewer %s/%s, %s: degree %v from the table, %v counted", when, v.Agency, v.User, r.Values[0], r.Values[1], r.Values[2])
					}
					if r.Values[3] == true {
						mixed++
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if mixed == 0 {
				t.Fatalf("%s: no mixed node: the test tests nothing", when)
			}
		}
	}
	check("written")
	// Narrow a public node and widen a restricted one, with the same
	// sources retrieved again later, and add a source to a third.
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	var change []graph.Node
	for _, id := range ids[:40] {
		n, err := s.Node(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		src := n.Sources[0]
		src.RetrievedAt = later
		// The same source (dataset, record, agency) under another
		// marking: public to the home agency's AMBER, restricted to
		// CLEAR.
		if src.Marking == graph.TLPClear {
			src.Marking = graph.TLPAmber
		} else {
			src.Marking = graph.TLPClear
		}
		change = append(change, graph.Node{Kind: n.Kind, Key: n.Key, Label: n.Label, Sources: []graph.Source{src}})
	}
	if _, err := s.Write(ctx, graph.Batch{Nodes: change}); err != nil {
		t.Fatal(err)
	}
	check("after narrowing and widening")
}
