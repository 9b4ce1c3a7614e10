package boltstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/storetest"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// visState describes what the index keeps for visibility in terms of keys,
// not class numbers (which depend on the order classes were met).
func visState(x *index) map[string]string {
	vi := x.vis
	keys := func(c uint32) string { return fmt.Sprint(vi.classes.Keys(c)) }
	out := map[string]string{}
	for u, id := range x.ids {
		pairs := map[string]int32{}
		for k, n := range vi.pairs[uint32(u)] {
			pairs[keys(uint32(k>>32))+"/"+keys(uint32(k))] += n
		}
		_, mixed := vi.nmixed[uint32(u)]
		out["node "+id] = fmt.Sprintf("%s mixed=%v pairs=%v", keys(vi.nclass[u]), mixed, pairs)
	}
	for e := range vi.eclass {
		_, mixed := vi.emixed[uint32(e)]
		out[fmt.Sprint("edge ", e)] = fmt.Sprintf("%s mixed=%v", keys(vi.eclass[e]), mixed)
	}
	for c, counts := range vi.nkinds {
		if slices.ContainsFunc(counts, func(n int64) bool { return n != 0 }) {
			out["nodes of "+keys(uint32(c))] = fmt.Sprint(counts)
		}
	}
	for cl, counts := range vi.ekinds {
		out["edges of "+keys(cl.e)+keys(cl.from)+keys(cl.to)] = fmt.Sprint(counts)
	}
	return out
}

// TestVisibilityRebuilt: what the index keeps to filter, maintained write
// by write (nodes changing class after their edges exist included), is
// what a rebuild from the file gives; and the access matrix answers the
// same after reopening.
func TestVisibilityRebuilt(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.WriteVisibilityFixture(t, s)
	written := visState(s.idx)
	// Reclassify nodes that have edges: a hidden leaf of the hub gains a
	// RED source of b's user, the hub an AMBER one of c (written after the
	// matrix has run on the reopened store).
	leaf := "wallet:eth:0x" + fmt.Sprintf("%040x", 0x513)
	hub := "wallet:eth:0x" + fmt.Sprintf("%040x", 0x510)
	extra := graph.Batch{Nodes: []graph.Node{
		{Kind: graph.KindWallet, Key: "eth:0x" + fmt.Sprintf("%040x", 0x513), Sources: []graph.Source{{Dataset: "b-red", Agency: "b", User: "ub", Marking: graph.TLPRed}}},
		{Kind: graph.KindWallet, Key: "eth:0x" + fmt.Sprintf("%040x", 0x510), Sources: []graph.Source{{Dataset: "c-amber", Agency: "c", Marking: graph.TLPAmber}}},
	}}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	if got := visState(s.idx); !maps.Equal(got, written) {
		t.Fatalf("rebuilt:\n%v\nwritten:\n%v", got, written)
	}
	storetest.VisibilityMatrix(t, s)

	if _, err := s.Write(context.Background(), extra); err != nil {
		t.Fatal(err)
	}
	changed := visState(s.idx)
	if changed["node "+leaf] == written["node "+leaf] || changed["node "+hub] == written["node "+hub] {
		t.Errorf("reclassifying changed nothing: leaf %s, hub %s", changed["node "+leaf], changed["node "+hub])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	if got := visState(s.idx); !maps.Equal(got, changed) {
		t.Fatalf("rebuilt after reclassifying:\n%v\nwritten:\n%v", got, changed)
	}
	// b's user now sees the leaf and its edge to the hub: the hub's degree
	// for them is 3; a's users still see all 7; c's, 2.
	for _, c := range []struct {
		v    visibility.Viewer
		want int
	}{
		{visibility.Viewer{Agency: "b", User: "ub"}, 3},
		{visibility.Viewer{Agency: "a", User: "ua"}, 7},
		{visibility.Viewer{Agency: "c", User: "uc"}, 2},
	} {
		ctx := visibility.WithViewer(context.Background(), c.v)
		top, release, err := s.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hs, _ := top.Resolve(ctx, []string{hub})
		info, err := top.Describe(ctx, hs)
		release()
		if err != nil || info[0].Degree != c.want {
			t.Errorf("%s/%s: hub degree %+v %v, want %d", c.v.Agency, c.v.User, info, err, c.want)
		}
	}
}

// TestUnownedRestrictedIsLocal: a restricted source without an agency,
// loaded before agencies existed, is the home agency's: the demo analyst
// of "local" sees it, another agency does not, in records, searches and
// counts alike.
func TestUnownedRestrictedIsLocal(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	n := graph.Node{Kind: graph.KindPerson, Key: "old-persona", Label: "Old Persona", Sources: []graph.Source{{Dataset: "legacy", Marking: graph.TLPAmber}}}
	if _, err := s.Write(context.Background(), graph.Batch{Nodes: []graph.Node{n}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		agency string
		want   int64
	}{{visibility.HomeAgency, 1}, {"other", 0}} {
		ctx := visibility.WithViewer(context.Background(), visibility.Viewer{Agency: c.agency, User: "u"})
		_, err := s.Node(ctx, "person:old-persona")
		st, _ := s.Stats(ctx)
		res, _ := s.Search(ctx, graph.SearchQuery{Text: "old persona"})
		if (err == nil) != (c.want == 1) || st.Nodes != c.want || int64(len(res.Hits)) != c.want {
			t.Errorf("agency %s: node error %v, %d nodes counted, %d hits; want %d", c.agency, err, st.Nodes, len(res.Hits), c.want)
		}
	}
}

// TestGrantDegree: a grant adds to a viewer's degrees exactly the arcs it
// shows, whether the shared node's arcs fit the compile's budget (walked
// once) or not (tested pair by pair): here a budget of 256 arcs.
func TestGrantDegree(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	const grantSmallDegree = 256
	s.grantArcBudget = grantSmallDegree
	w := func(n int, src graph.Source) graph.Node {
		return graph.Node{Kind: graph.KindWallet, Key: "eth:0x" + fmt.Sprintf("%040x", n), Sources: []graph.Source{src}}
	}
	id := func(n int) string { return "wallet:eth:0x" + fmt.Sprintf("%040x", n) }
	amber := graph.Source{Dataset: "a-intel", Agency: "a", Marking: graph.TLPAmber}
	pub := graph.Source{Dataset: "chain"}
	b := graph.Batch{Nodes: []graph.Node{w(1, amber), w(2, amber)}}
	for i := range grantSmallDegree + 44 {
		b.Nodes = append(b.Nodes, w(100+i, pub))
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: id(1), To: id(100 + i), Key: fmt.Sprint("h", i), Sources: []graph.Source{pub}})
	}
	b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: id(2), To: id(100), Key: "s", Sources: []graph.Source{pub}},
		graph.Edge{Kind: graph.EdgeTransfer, From: id(100), To: id(101), Key: "x", Sources: []graph.Source{amber}})
	if _, err := s.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	grant := func(ids ...string) []visibility.Grant {
		facts := map[string]struct{}{}
		for _, i := range ids {
			facts[i] = struct{}{}
		}
		return []visibility.Grant{{Owner: "a", Facts: facts}}
	}
	hubN := grantSmallDegree + 44
	for _, c := range []struct {
		name   string
		grants []visibility.Grant
		want   map[string]int // node → degree
	}{
		{"no grant", nil, map[string]int{id(100): 0, id(101): 0}},
		{"the hub shared", grant(id(1)), map[string]int{id(1): hubN, id(100): 1, id(101): 1}},
		{"the small node shared", grant(id(2)), map[string]int{id(2): 1, id(100): 1, id(101): 0}},
		{"both", grant(id(1), id(2)), map[string]int{id(1): hubN, id(2): 1, id(100): 2, id(101): 1}},
		{"an edge shared", grant(graph.EdgeID(graph.EdgeTransfer, id(100), id(101), "x")), map[string]int{id(100): 1, id(101): 1, id(102): 0}},
		{"an edge and its hub shared", grant(id(1), graph.EdgeID(graph.EdgeTransfer, id(100), id(101), "x")), map[string]int{id(1): hubN, id(100): 2, id(101): 2}},
	} {
		ctx := visibility.WithViewer(context.Background(), visibility.Viewer{Agency: "c", User: "u", Grants: c.grants})
		top, release, err := s.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for node, want := range c.want {
			hs, _ := top.Resolve(ctx, []string{node})
			info, err := top.Describe(ctx, hs)
			if err != nil || info[0].Degree != want {
				t.Errorf("%s: degree of %s %+v %v, want %d", c.name, node, info, err, want)
			}
		}
		release()
	}
	// The same grant after a write: the viewer compiled for it before is
	// not reused.
	degreeOf := func(node string) int {
		ctx := visibility.WithViewer(context.Background(), visibility.Viewer{Agency: "c", User: "u", Grants: grant(id(2))})
		top, release, err := s.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		hs, _ := top.Resolve(ctx, []string{node})
		info, err := top.Describe(ctx, hs)
		if err != nil {
			t.Fatal(err)
		}
		return info[0].Degree
	}
	before := degreeOf(id(101))
	if _, err := s.Write(context.Background(), graph.Batch{Edges: []graph.Edge{{Kind: graph.EdgeTransfer, From: id(2), To: id(101), Key: "s2", Sources: []graph.Source{pub}}}}); err != nil {
		t.Fatal(err)
	}
	if after := degreeOf(id(101)); before != 0 || after != 1 {
		t.Errorf("degree of %s through the shared node: %d, then %d after a write; want 0 then 1", id(101), before, after)
	}
}

// TestGrantViewsConcurrent: readers with one grant share its compiled view
// (run under -race).
func TestGrantViewsConcurrent(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	storetest.WriteVisibilityFixture(t, s)
	hub := "wallet:eth:0x" + fmt.Sprintf("%040x", 0x510)
	facts := map[string]struct{}{"wallet:eth:0x" + fmt.Sprintf("%040x", 0x513): {}}
	v := visibility.Viewer{Agency: "c", User: "uc", Grants: []visibility.Grant{{Owner: "a", Cap: graph.TLPAmber, Facts: facts}}}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			ctx := visibility.WithViewer(context.Background(), v)
			for range 50 {
				top, release, err := s.Topology(ctx)
				if err != nil {
					errs <- err
					return
				}
				hs, _ := top.Resolve(ctx, []string{hub})
				info, err := top.Describe(ctx, hs)
				release()
				if err == nil && info[0].Degree != 3 { // HA, HB and the shared leaf
					err = fmt.Errorf("hub degree %d, want 3", info[0].Degree)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
