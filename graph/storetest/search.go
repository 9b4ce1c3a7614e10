package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func searchIDs(t *testing.T, s graph.Store, q graph.SearchQuery) ([]string, graph.SearchResult) {
	t.Helper()
	res, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.Node.ID
		if h.Cursor == "" {
			t.Fatalf("hit %s has no cursor", h.Node.ID)
		}
		if i > 0 && h.Score > res.Hits[i-1].Score {
			t.Fatalf("hit %s scores %v, above the previous %v", h.Node.ID, h.Score, res.Hits[i-1].Score)
		}
	}
	return ids, res
}

func testSearchRanking(t *testing.T, e env) {
	write(t, e.s, searchFixture())
	tests := []struct {
		name  string
		q     graph.SearchQuery
		want  []string // in rank order
		ranks bool     // false: the order within want beyond the first is not checked even with RankedSearch
	}{
		{"four tiers", graph.SearchQuery{Text: "lazarus group"}, []string{sLazarus, sWatchers, sGroupie, sBlazarus}, true},
		{"case and punctuation", graph.SearchQuery{Text: "  LAZARUS-group!"}, []string{sLazarus, sWatchers, sGroupie, sBlazarus}, true},
		{"ties by ID", graph.SearchQuery{Text: "Lazarus"}, []string{sWatchers, sGroupie, sLazarus, sBlazarus}, true},
		{"kind filter", graph.SearchQuery{Text: "lazarus group", Kinds: []graph.NodeKind{graph.KindPerson}}, []string{sGroupie}, true},
		{"kinds filter", graph.SearchQuery{Text: "lazarus group", Kinds: []graph.NodeKind{graph.KindOrganization, graph.KindThreatGroup}}, []string{sLazarus, sWatchers, sBlazarus}, true},
		{"alias exact", graph.SearchQuery{Text: "hidden cobra"}, []string{sLazarus}, true},
		{"accents folded", graph.SearchQuery{Text: "pak jin hyok"}, []string{sPak}, true},
		{"accented query", graph.SearchQuery{Text: "Pák"}, []string{sPak}, true},
		{"address exact, any case", graph.SearchQuery{Text: "0x098B716B8AAF21512996DC57EB0615E2383E2F96"}, []string{sRonin}, true},
		{"address prefix", graph.SearchQuery{Text: "0x098b716b"}, []string{sRonin}, true},
		{"address substring", graph.SearchQuery{Text: "716b8aaf2151"}, []string{sRonin}, true},
		{"wallet by label", graph.SearchQuery{Text: "ronin exploiter"}, []string{sRonin}, true},
		{"email value", graph.SearchQuery{Text: "Kim.Dev@example.com"}, []string{sEmail}, true},
		{"no match", graph.SearchQuery{Text: "andariel"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res := searchIDs(t, e.s, tt.q)
			if res.HasMore {
				t.Fatalf("HasMore with %d hits", len(got))
			}
			if e.caps.RankedSearch && tt.ranks {
				if !slices.Equal(got, tt.want) {
					t.Fatalf("hits %q, want %q", got, tt.want)
				}
				return
			}
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tt.want))) || len(got) > 0 && got[0] != tt.want[0] {
				t.Fatalf("hits %q, want the set %q with %s first", got, tt.want, tt.want[0])
			}
		})
	}
}

func testSearchPagination(t *testing.T, e env) {
	write(t, e.s, searchFixture())
	for _, tt := range []struct {
		text  string
		limit int
		total int
	}{{"peel hop", 5, peelCount}, {"peel", 12, peelCount}, {"lazarus", 1, 4}, {"lazarus", 3, 4}} {
		t.Run(fmt.Sprintf("%s by %d", tt.text, tt.limit), func(t *testing.T) {
			all, res := searchIDs(t, e.s, graph.SearchQuery{Text: tt.text, Limit: 100})
			if len(all) != tt.total || res.HasMore {
				t.Fatalf("one page: %d hits (HasMore %v), want %d", len(all), res.HasMore, tt.total)
			}
			var paged []string
			after := ""
			for page := 0; ; page++ {
				ids, res := searchIDs(t, e.s, graph.SearchQuery{Text: tt.text, Limit: tt.limit, After: after})
				if len(ids) > tt.limit || page > tt.total {
					t.Fatalf("page %d has %d hits, limit %d", page, len(ids), tt.limit)
				}
				paged = append(paged, ids...)
				if wantMore := len(paged) < tt.total; res.HasMore != wantMore {
					t.Fatalf("page %d: HasMore %v after %d of %d hits", page, res.HasMore, len(paged), tt.total)
				}
				if !res.HasMore {
					break
				}
				after = res.Hits[len(res.Hits)-1].Cursor
			}
			if !slices.Equal(paged, all) {
				t.Fatalf("pages %q differ from one page %q (duplicates or gaps)", paged, all)
			}
		})
	}
	// the default limit applies when none is given
	if ids, res := searchIDs(t, e.s, graph.SearchQuery{Text: "peel"}); len(ids) != peelCount || res.HasMore {
		t.Fatalf("default limit: %d hits", len(ids))
	}
}

func testSearchInvalid(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, searchFixture())
	for name, q := range map[string]graph.SearchQuery{
		"empty":          {Text: ""},
		"blank":          {Text: "   "},
		"no letters":     {Text: "-- ! --"},
		"negative limit": {Text: "peel", Limit: -1},
		"bad cursor":     {Text: "peel", After: "not a cursor!"},
		"bad kind":       {Text: "peel", Kinds: []graph.NodeKind{"ALIEN"}},
	} {
		_, err := e.s.Search(ctx, q)
		wantCode(t, name, err, graph.CodeInvalid)
	}
}
