package search

import (
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func TestFold(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"  LAZARUS-group!", []string{"lazarus", "group"}},
		{"PÁK Jin Hyok", []string{"pak", "jin", "hyok"}},
		{"Kim.Dev@example.com", []string{"kim", "dev", "example", "com"}},
		{"-- ! --", nil},
		{"조선 Expo", []string{"조선", "expo"}},
	} {
		if got := Fold(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTier(t *testing.T) {
	text, toks := Fields("threat_group:lazarus-group", "Lazarus Group", []string{"Hidden Cobra"})
	if want := "\x00lazarus group\x00hidden cobra\x00"; text != want {
		t.Fatalf("text %q, want %q", text, want)
	}
	if !slices.Equal(toks, []string{"lazarus", "group", "hidden", "cobra"}) {
		t.Fatalf("tokens %q", toks)
	}
	for _, tt := range []struct {
		q    string
		want int
	}{
		{"lazarus group", TierExact},
		{"hidden cobra", TierExact},
		{"group lazarus", TierWords},
		{"cobra", TierWords},
		{"lazarus gro", TierPrefix},
		{"hid", TierPrefix},
		{"azarus", TierSubstring},
		{"s group", TierSubstring},
		{"kimsuky", 0},
		{"group hidden", TierWords},
	} {
		q, err := ParseQuery(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Tier(text); got != tt.want {
			t.Errorf("Tier(%q) = %d, want %d", tt.q, got, tt.want)
		}
	}
	if _, err := ParseQuery(" ?! "); graph.ErrorCode(err) != graph.CodeInvalid {
		t.Fatalf("ParseQuery without letters: %v", err)
	}
}

func TestCursor(t *testing.T) {
	c := Cursor{TierPrefix, "wallet:eth:0xab"}
	got, err := ParseCursor(c.String())
	if err != nil || got != c {
		t.Fatalf("round trip %+v: %+v, %v", c, got, err)
	}
	for _, bad := range []string{"", "not a cursor!", Cursor{9, "x"}.String(), Cursor{TierExact, ""}.String()} {
		if _, err := ParseCursor(bad); graph.ErrorCode(err) != graph.CodeInvalid {
			t.Errorf("ParseCursor(%q): %v", bad, err)
		}
	}
}

func TestTop(t *testing.T) {
	offers := []Hit[int]{{1, "d", 0}, {4, "z", 1}, {2, "b", 2}, {2, "a", 3}, {4, "c", 4}, {1, "a", 5}}
	ids := func(hs []Hit[int]) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	top := NewTop[int](3, nil)
	for _, h := range offers {
		top.Offer(h)
	}
	if got := ids(top.Hits()); !slices.Equal(got, []string{"c", "z", "a"}) || !top.Full() {
		t.Fatalf("first page %q", got)
	}
	after := Cursor{2, "a"}
	next := NewTop[int](3, &after)
	for _, h := range offers {
		next.Offer(h)
	}
	if got := ids(next.Hits()); !slices.Equal(got, []string{"b", "a", "d"}) {
		t.Fatalf("page after (2, a): %q", got)
	}
}

func TestParseRequest(t *testing.T) {
	lim := graph.DefaultLimits()
	tests := []struct {
		q       graph.SearchQuery
		limit   int
		wantErr graph.Code
	}{
		{graph.SearchQuery{Text: "lazarus"}, lim.DefaultSearch, ""},
		{graph.SearchQuery{Text: "lazarus", Limit: 5}, 5, ""},
		{graph.SearchQuery{Text: "lazarus", Limit: 10_000}, lim.MaxSearch, ""},
		{graph.SearchQuery{Text: "lazarus", Limit: -1}, 0, graph.CodeInvalid},
		{graph.SearchQuery{Text: "  "}, 0, graph.CodeInvalid},
		{graph.SearchQuery{Text: "lazarus", After: "not a cursor"}, 0, graph.CodeInvalid},
	}
	for _, tt := range tests {
		r, err := ParseRequest(tt.q, lim)
		if graph.ErrorCode(err) != tt.wantErr {
			t.Errorf("ParseRequest(%+v): error %v, want code %q", tt.q, err, tt.wantErr)
			continue
		}
		if err == nil && (r.Limit != tt.limit || r.After != nil) {
			t.Errorf("ParseRequest(%+v) = limit %d, after %v; want %d, nil", tt.q, r.Limit, r.After, tt.limit)
		}
	}
}
