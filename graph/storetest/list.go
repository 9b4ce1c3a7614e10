package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

// testListNodes: the nodes of the kinds asked, in ID order, page by page
// after an ID; bad queries are INVALID_ARGUMENT.
func testListNodes(t *testing.T, e env) {
	write(t, e.s, searchFixture())
	ctx := context.Background()
	actors := []graph.NodeKind{graph.KindThreatGroup, graph.KindOrganization}
	want := []string{sBlazarus, sWatchers, sKimsuky, sLazarus}
	slices.Sort(want)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		res, err := e.s.ListNodes(ctx, graph.ListQuery{Kinds: actors, After: after, Limit: 3})
		if err != nil {
			t.Fatalf("ListNodes: %v", err)
		}
		for _, n := range res.Nodes {
			got = append(got, n.ID)
			if n.Label == "" || len(n.Sources) == 0 {
				t.Fatalf("%s came without its label or sources: %+v", n.ID, n)
			}
		}
		if !res.HasMore {
			break
		}
		if pages > len(want) {
			t.Fatalf("more pages than nodes: %v", got)
		}
		after = got[len(got)-1]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ListNodes(threat groups, organizations) = %v, want %v", got, want)
	}
	res, err := e.s.ListNodes(ctx, graph.ListQuery{Kinds: []graph.NodeKind{graph.KindThreatGroup}, Limit: 10})
	if err != nil {
		t.Fatalf("ListNodes: %v", err)
	}
	if len(res.Nodes) != 2 || res.HasMore || res.Nodes[0].ID != sKimsuky || res.Nodes[1].ID != sLazarus {
		t.Fatalf("threat groups: %+v", res)
	}
	if a := res.Nodes[1].Aliases; !slices.Equal(a, []string{"Guardians of Peace", "Hidden Cobra"}) {
		t.Fatalf("Lazarus Group's aliases: %v", a)
	}
	for _, q := range []graph.ListQuery{
		{Limit: 10},
		{Kinds: []graph.NodeKind{"DRAGON"}, Limit: 10},
		{Kinds: actors},
		{Kinds: actors, Limit: graph.MaxListNodes + 1},
	} {
		_, err := e.s.ListNodes(ctx, q)
		wantCode(t, "ListNodes", err, graph.CodeInvalid)
	}
}
