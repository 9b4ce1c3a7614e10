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
