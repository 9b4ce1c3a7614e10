// Package storetest is the conformance suite every investigate.Store passes
// with the same expectations. Fixtures are small graphs drawn in the
// comments of fixtures.go; large generated graphs come from graph/synth.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// Capabilities declare where a store's answers may legitimately differ from
// the embedded store's. A missing capability makes the suite check a weaker
// promise, never skip a case.
type Capabilities struct {
	// RankedSearch: hits come exactly in tier order (exact field match,
	// all words, prefix of the last word, substring), ties by ID. Without
	// it the suite checks the hit set and the best hit only.
	RankedSearch bool
	// CanonicalPaths: among several shortest paths the store returns the
	// canonical one (see boltstore/algo.PathOptions) and the least edge ID between
	// parallel edges. Without it any valid shortest path passes.
	CanonicalPaths bool
}

// Full is what the embedded store promises.
func Full() Capabilities { return Capabilities{RankedSearch: true, CanonicalPaths: true} }

// Run runs the suite against a store with every capability. open returns a
// new, empty store configured with graph.DefaultLimits and registers its
// Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) investigate.Store) { RunWith(t, Full(), open) }

// RunWith runs the suite against a store with the given capabilities.
func RunWith(t *testing.T, caps Capabilities, open func(t *testing.T) investigate.Store) {
	run(t, caps, true, open)
}

// RunSerial is RunWith for stores whose instances share one backend, such
// as the single user database of a Neo4j Community server: the cases run
// one after another, and open returns the store emptied.
func RunSerial(t *testing.T, caps Capabilities, open func(t *testing.T) investigate.Store) {
	run(t, caps, false, open)
}

func run(t *testing.T, caps Capabilities, parallel bool, open func(t *testing.T) investigate.Store) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			c.run(t, env{s: open(t), caps: caps})
		})
	}
}

type env struct {
	s    investigate.Store
	caps Capabilities
}

type suiteCase struct {
	name string
	run  func(t *testing.T, e env)
}

func cases() []suiteCase {
	return append(baseCases(), investigateCases()...)
}

func baseCases() []suiteCase {
	return []suiteCase{
		{"RoundTripNode", testRoundTripNode},
		{"RoundTripEdge", testRoundTripEdge},
		{"Idempotent", testIdempotent},
		{"MergeSources", testMergeSources},
		{"MergeWithinBatch", testMergeWithinBatch},
		{"Rejections", testRejections},
		{"NodesOrder", testNodesOrder},
		{"NotFound", testNotFound},
		{"Stats", testStats},
		{"SearchRanking", testSearchRanking},
		{"SearchPagination", testSearchPagination},
		{"SearchInvalid", testSearchInvalid},
		{"Neighbors", testNeighbors},
		{"NeighborsInvalid", testNeighborsInvalid},
		{"ShortestPath", testShortestPath},
		{"ShortestPathHubs", testShortestPathHubs},
		{"ShortestPathInvalid", testShortestPathInvalid},
		{"Cancelled", testCancelled},
	}
}

// ---- helpers

func write(t *testing.T, s graph.Store, b graph.Batch) graph.WriteResult {
	t.Helper()
	res, err := s.Write(context.Background(), b)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("Write rejected %d records, first: %v", len(res.Rejected), res.Rejected[0].Err)
	}
	return res
}

func counts(r graph.WriteResult) [6]int {
	return [6]int{r.NodesCreated, r.NodesUpdated, r.NodesUnchanged, r.EdgesCreated, r.EdgesUpdated, r.EdgesUnchanged}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameJSON compares records through their JSON form, which is what the API
// serves: a store may give back float64(3) for int 3, or another *Location
// for UTC.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func wantCode(t *testing.T, what string, err error, code graph.Code) {
	t.Helper()
	if graph.ErrorCode(err) != code {
		t.Fatalf("%s: error %v (code %q), want code %s", what, err, graph.ErrorCode(err), code)
	}
}

func nodeIDs(ns []*graph.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		if n != nil {
			out[i] = n.ID
		}
	}
	return out
}

func edgeIDs(es []*graph.Edge) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func prepared(t *testing.T, n graph.Node) *graph.Node {
	t.Helper()
	if err := graph.PrepareNode(&n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func preparedEdge(t *testing.T, e graph.Edge) *graph.Edge {
	t.Helper()
	if err := graph.PrepareEdge(&e); err != nil {
		t.Fatal(err)
	}
	return &e
}

// ---- writes and reads

func testRoundTripNode(t *testing.T, e env) {
	ctx := context.Background()
	n := fullNode()
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{n}})
	if counts(res) != [6]int{1, 0, 0, 0, 0, 0} {
		t.Fatalf("counts %v", counts(res))
	}
	want := prepared(t, n)
	got, err := e.s.Node(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "node", got, want)
	if got.Confidence != graph.ConfidenceAuthority || got.Marking != graph.TLPClear || len(got.Sources) != 2 {
		t.Fatalf("derived confidence %d, marking %s, %d sources", got.Confidence, got.Marking, len(got.Sources))
	}
}

func testRoundTripEdge(t *testing.T, e env) {
	ctx := context.Background()
	ed := fullEdge()
	write(t, e.s, graph.Batch{Nodes: []graph.Node{wallet(1, "from"), wallet(2, "to")}, Edges: []graph.Edge{ed}})
	want := preparedEdge(t, ed)
	got, err := e.s.Edge(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "edge", got, want)
	if got.Asset != "USDT" || got.ID != W(1)+">TRANSFER>"+W(2)+"#0xfeed:3" {
		t.Fatalf("edge normalisation: asset %q id %q", got.Asset, got.ID)
	}
}

func testIdempotent(t *testing.T, e env) {
	ctx := context.Background()
	b := flowFixture()
	first := write(t, e.s, b)
	if counts(first) != [6]int{10, 0, 0, 10, 0, 0} {
		t.Fatalf("first write counts %v", counts(first))
	}
	st1, err := e.s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := e.s.Node(ctx, fa)
	second := write(t, e.s, b)
	if counts(second) != [6]int{0, 0, 10, 0, 0, 10} {
		t.Fatalf("second write counts %v, want all unchanged", counts(second))
	}
	st2, err := e.s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "stats after rewrite", st2, st1)
	a2, _ := e.s.Node(ctx, fa)
	sameJSON(t, "node after rewrite", a2, a1)
}

func testMergeSources(t *testing.T, e env) {
	ctx := context.Background()
	a := graph.Node{Kind: graph.KindOrganization, Key: "chosun-expo", Label: "Chosun Expo",
		Sources: []graph.Source{{Dataset: "ofac", Record: "1", Confidence: graph.ConfidenceAuthority, Marking: graph.TLPAmber}}}
	b := graph.Node{Kind: graph.KindOrganization, Key: "Chosun Expo", Label: "Chosun Expo Joint Venture", Aliases: []string{"Korea Export Joint Venture"},
		Sources: []graph.Source{{Dataset: "stix", Record: "identity--1", Confidence: graph.ConfidenceForensic, Marking: graph.TLPGreen}}}
	write(t, e.s, graph.Batch{Nodes: []graph.Node{a}})
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{b}})
	if counts(res) != [6]int{0, 1, 0, 0, 0, 0} {
		t.Fatalf("counts %v, want one update", counts(res))
	}
	got, err := e.s.Node(ctx, "organization:chosun-expo")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := graph.MergeNode(prepared(t, a), prepared(t, b))
	sameJSON(t, "merged node", got, want)
	if got.Confidence != graph.ConfidenceAuthority || got.Marking != graph.TLPGreen || len(got.Sources) != 2 {
		t.Fatalf("merged confidence %d (want max 60), marking %s (want least restrictive GREEN), %d sources", got.Confidence, got.Marking, len(got.Sources))
	}
	if got.Label != a.Label || !slices.Contains(got.Aliases, b.Label) || !slices.Contains(got.Aliases, b.Aliases[0]) {
		t.Fatalf("label %q aliases %v: the label the key was made from wins, whatever the order, and the other becomes an alias", got.Label, got.Aliases)
	}
	for _, n := range []graph.Node{b, a} {
		if res := write(t, e.s, graph.Batch{Nodes: []graph.Node{n}}); counts(res) != [6]int{0, 0, 1, 0, 0, 0} {
			t.Fatalf("rewriting source %s: counts %v, want unchanged (merges are order-independent)", n.Sources[0].Dataset, counts(res))
		}
	}

	// edges merge the same way
	e1 := transfer(1, 2, "0xabc:0")
	e1.Sources = []graph.Source{{Dataset: "explorer", Confidence: graph.ConfidenceForensic, Marking: graph.TLPRed}}
	e2 := transfer(1, 2, "0xabc:0")
	e2.Amount, e2.ValueUSD = 2.5, 7000
	e2.Sources = []graph.Source{{Dataset: "blockchain-etl", Confidence: graph.ConfidenceOwnership, Marking: graph.TLPAmber}}
	write(t, e.s, graph.Batch{Nodes: []graph.Node{wallet(1, ""), wallet(2, "")}, Edges: []graph.Edge{e1}})
	if res := write(t, e.s, graph.Batch{Edges: []graph.Edge{e2}}); counts(res) != [6]int{0, 0, 0, 0, 1, 0} {
		t.Fatalf("edge merge counts %v", counts(res))
	}
	ge, err := e.s.Edge(ctx, preparedEdge(t, e1).ID)
	if err != nil {
		t.Fatal(err)
	}
	wantE, _ := graph.MergeEdge(preparedEdge(t, e1), preparedEdge(t, e2))
	sameJSON(t, "merged edge", ge, wantE)
	if ge.Confidence != graph.ConfidenceOwnership || ge.Marking != graph.TLPAmber || ge.Amount != 2.5 {
		t.Fatalf("merged edge confidence %d marking %s amount %v", ge.Confidence, ge.Marking, ge.Amount)
	}
}

func testMergeWithinBatch(t *testing.T, e env) {
	ctx := context.Background()
	a := wallet(9, "Ronin exploiter")
	a.Sources = []graph.Source{{Dataset: "ofac", Confidence: 60}}
	b := wallet(9, "Ronin bridge exploiter")
	b.Sources = []graph.Source{{Dataset: "tagpack", Confidence: 100}}
	e1, e2 := transfer(9, 9, "self"), transfer(9, 9, "self")
	e1.Sources, e2.Sources = src("x"), src("y")
	res := write(t, e.s, graph.Batch{Nodes: []graph.Node{a, b}, Edges: []graph.Edge{e1, e2}})
	if counts(res) != [6]int{1, 0, 0, 1, 0, 0} {
		t.Fatalf("counts %v: duplicates within a batch are one record", counts(res))
	}
	got, err := e.s.Node(ctx, W(9))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := graph.MergeNode(prepared(t, a), prepared(t, b))
	sameJSON(t, "node merged within batch", got, want)
	ge, err := e.s.Edge(ctx, preparedEdge(t, e1).ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ge.Sources) != 2 {
		t.Fatalf("edge merged within batch has %d sources", len(ge.Sources))
	}
}

func testRejections(t *testing.T, e env) {
	ctx := context.Background()
	const person = "person:han-ri-mun"
	y := wallet(21, "bad marking")
	y.Marking = "TLP:PURPLE"
	b := graph.Batch{
		Nodes: []graph.Node{
			wallet(20, "ok"),
			{Kind: "ALIEN", Key: "x", Sources: src("f")},
			{Kind: graph.KindWallet, Key: "eth:0x123", Sources: src("f")},
			{Kind: graph.KindPerson, Key: "Han Ri Mun", Sources: src("f")},
			y,
			{Kind: graph.KindPerson, Key: "no-sources"},
		},
		Edges: []graph.Edge{
			{Kind: graph.EdgeTransfer, From: W(20), To: person, Sources: src("f")}, // person cannot receive a transfer
			{Kind: graph.EdgeControls, From: person, To: W(20), Sources: src("f")}, // ok, both nodes in this batch
			transfer(20, 22, "dangling"), // W(22) exists nowhere
			{Kind: graph.EdgeUses, From: person, To: "identifier:email:ghost@example.com"}, // no sources
			{Kind: graph.EdgeUses, From: person, To: "identifier:email:ghost@example.com", Sources: src("f")},
			transfer(20, 21, "to-rejected"), // W(21) was rejected above
		},
	}
	res, err := e.s.Write(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != [6]int{2, 0, 0, 1, 0, 0} {
		t.Fatalf("counts %v, want the 2 valid nodes and 1 valid edge written", counts(res))
	}
	type rej struct {
		edge  bool
		index int
	}
	want := map[rej]struct {
		code    graph.Code
		missing string
	}{
		{false, 1}: {graph.CodeInvalid, ""}, {false, 2}: {graph.CodeInvalid, ""}, {false, 4}: {graph.CodeInvalid, ""}, {false, 5}: {graph.CodeInvalid, ""},
		{true, 0}: {graph.CodeInvalid, ""}, {true, 2}: {graph.CodeNotFound, W(22)}, {true, 3}: {graph.CodeInvalid, ""},
		{true, 4}: {graph.CodeNotFound, "identifier:email:ghost@example.com"}, {true, 5}: {graph.CodeNotFound, W(21)},
	}
	if len(res.Rejected) != len(want) {
		t.Fatalf("%d rejections, want %d: %+v", len(res.Rejected), len(want), res.Rejected)
	}
	for _, r := range res.Rejected {
		w, ok := want[rej{r.Edge, r.Index}]
		if !ok {
			t.Fatalf("unexpected rejection %+v", r)
		}
		wantCode(t, fmt.Sprintf("rejection %+v", r), r.Err, w.code)
		if !strings.Contains(graph.ErrorMessage(r.Err), w.missing) {
			t.Fatalf("rejection %+v does not name the missing node %q", r, w.missing)
		}
		if r.Edge && w.code == graph.CodeNotFound && r.ID == "" {
			t.Fatalf("rejection %+v has no ID", r)
		}
	}
	got, err := e.s.Nodes(ctx, []string{W(20), person, W(21)})
	if err != nil {
		t.Fatal(err)
	}
	if ids := nodeIDs(got); !slices.Equal(ids, []string{W(20), person, ""}) {
		t.Fatalf("stored nodes %q", ids)
	}
	if _, err := e.s.Edge(ctx, graph.EdgeID(graph.EdgeControls, person, W(20), "")); err != nil {
		t.Fatalf("valid edge of a partly rejected batch: %v", err)
	}
	st, _ := e.s.Stats(ctx)
	if st.Nodes != 2 || st.Edges != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func testNodesOrder(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	got, err := e.s.Nodes(ctx, []string{fb, W(99), fa, fb, fSvc})
	if err != nil {
		t.Fatal(err)
	}
	if ids := nodeIDs(got); !slices.Equal(ids, []string{fb, "", fa, fb, fSvc}) || got[1] != nil {
		t.Fatalf("Nodes = %q, want ids in request order with nil for the missing one", ids)
	}
	if got, err := e.s.Nodes(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Nodes(nil) = %v, %v", got, err)
	}
}

func testNotFound(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	_, err := e.s.Node(ctx, W(99))
	wantCode(t, "missing node", err, graph.CodeNotFound)
	_, err = e.s.Edge(ctx, graph.EdgeID(graph.EdgeTransfer, fb, fa, ""))
	wantCode(t, "missing edge", err, graph.CodeNotFound)
	if n, err := e.s.Node(ctx, fGrp); err != nil || n.Label != "Lazarus Group" {
		t.Fatalf("Node(%s) = %v, %v", fGrp, n, err)
	}
}

func testStats(t *testing.T, e env) {
	ctx := context.Background()
	st, err := e.s.Stats(ctx)
	if err != nil || st.Nodes != 0 || st.Edges != 0 || len(st.NodesByKind) != 0 || len(st.EdgesByKind) != 0 {
		t.Fatalf("empty store stats %+v, %v", st, err)
	}
	write(t, e.s, flowFixture())
	st, err = e.s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := graph.Stats{
		Nodes: 10, Edges: 10,
		NodesByKind: map[graph.NodeKind]int64{graph.KindWallet: 8, graph.KindService: 1, graph.KindThreatGroup: 1},
		EdgesByKind: map[graph.EdgeKind]int64{graph.EdgeTransfer: 8, graph.EdgeDepositedAt: 1, graph.EdgeAttributedTo: 1},
	}
	sameJSON(t, "stats", st, want)
}

// ---- search

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

// ---- traversals

func testNeighbors(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	tests := []struct {
		name      string
		q         graph.NeighborQuery
		nodes     []string // start, then by distance, then by ID
		edges     []string // by ID
		truncated bool
	}{
		{"out depth 1", graph.NeighborQuery{ID: fa, Depth: 1, Direction: graph.Out},
			[]string{fa, fGrp, fb, fc}, []string{eAG, eAB1, eAB2, eAC}, false},
		{"depth 0 means 1", graph.NeighborQuery{ID: fa, Direction: graph.Out},
			[]string{fa, fGrp, fb, fc}, []string{eAG, eAB1, eAB2, eAC}, false},
		{"in depth 1", graph.NeighborQuery{ID: fa, Depth: 1, Direction: graph.In},
			[]string{fa, ff}, []string{eFA}, false},
		{"both depth 1", graph.NeighborQuery{ID: fa, Depth: 1, Direction: graph.Both},
			[]string{fa, fGrp, fb, fc, ff}, []string{eAG, eAB1, eAB2, eAC, eFA}, false},
		{"empty direction means both", graph.NeighborQuery{ID: fa, Depth: 1},
			[]string{fa, fGrp, fb, fc, ff}, []string{eAG, eAB1, eAB2, eAC, eFA}, false},
		{"out depth 2", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out},
			[]string{fa, fGrp, fb, fc, fd}, []string{eAG, eAB1, eAB2, eAC, eBD, eCD}, false},
		{"in depth 2", graph.NeighborQuery{ID: fe, Depth: 2, Direction: graph.In},
			[]string{fe, fd, fh, fb, fc}, []string{eBD, eCD, eDE, eHE}, false},
		{"both depth 2 leaves edges among the farthest out", graph.NeighborQuery{ID: fd, Depth: 2, Direction: graph.Both},
			[]string{fd, fb, fc, fe, fSvc, fa, fh}, []string{eAB1, eAB2, eAC, eBD, eCD, eDE, eES, eHE}, false},
		{"depth clamped to the limit of 3", graph.NeighborQuery{ID: ff, Depth: 99, Direction: graph.Out},
			[]string{ff, fa, fGrp, fb, fc, fd}, []string{eAG, eAB1, eAB2, eAC, eBD, eCD, eFA}, false},
		{"edge kind filter", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Both, EdgeKinds: []graph.EdgeKind{graph.EdgeAttributedTo}},
			[]string{fa, fGrp}, []string{eAG}, false},
		{"two kinds", graph.NeighborQuery{ID: fe, Depth: 1, Direction: graph.Both, EdgeKinds: []graph.EdgeKind{graph.EdgeDepositedAt, graph.EdgeAttributedTo}},
			[]string{fe, fSvc}, []string{eES}, false},
		{"limit cuts a level by ID", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out, Limit: 2},
			[]string{fa, fGrp, fb}, []string{eAG, eAB1, eAB2}, true},
		{"limit at a level boundary with more below", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out, Limit: 3},
			[]string{fa, fGrp, fb, fc}, []string{eAG, eAB1, eAB2, eAC}, true},
		{"limit equal to everything", graph.NeighborQuery{ID: fa, Depth: 2, Direction: graph.Out, Limit: 4},
			[]string{fa, fGrp, fb, fc, fd}, []string{eAG, eAB1, eAB2, eAC, eBD, eCD}, false},
		{"isolated", graph.NeighborQuery{ID: fg, Depth: 3, Direction: graph.Both},
			[]string{fg}, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := e.s.Neighbors(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := nodeIDs(sub.Nodes); !slices.Equal(got, tt.nodes) {
				t.Fatalf("nodes %q\n want %q", got, tt.nodes)
			}
			if got := edgeIDs(sub.Edges); !slices.Equal(got, tt.edges) {
				t.Fatalf("edges %q\n want %q", got, tt.edges)
			}
			if sub.Truncated != tt.truncated || sub.Truncated != (sub.Reason != "") {
				t.Fatalf("truncated %v (reason %q), want %v", sub.Truncated, sub.Reason, tt.truncated)
			}
		})
	}
}

func testNeighborsInvalid(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	_, err := e.s.Neighbors(ctx, graph.NeighborQuery{ID: W(99)})
	wantCode(t, "unknown node", err, graph.CodeNotFound)
	for name, q := range map[string]graph.NeighborQuery{
		"direction":      {ID: fa, Direction: "SIDEWAYS"},
		"edge kind":      {ID: fa, EdgeKinds: []graph.EdgeKind{"OWES"}},
		"negative depth": {ID: fa, Depth: -1},
		"negative limit": {ID: fa, Limit: -1},
	} {
		_, err := e.s.Neighbors(ctx, q)
		wantCode(t, name, err, graph.CodeInvalid)
	}
}

func testShortestPath(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	transfers := []graph.EdgeKind{graph.EdgeTransfer}
	tests := []struct {
		name   string
		q      graph.PathQuery
		length int      // -1: no path
		nodes  []string // the canonical path, checked with CanonicalPaths
		edges  []string
	}{
		{"out", graph.PathQuery{From: fa, To: fe, Direction: graph.Out}, 3, []string{fa, fb, fd, fe}, []string{eAB1, eBD, eDE}},
		{"against the edges", graph.PathQuery{From: fe, To: fa, Direction: graph.Out}, -1, nil, nil},
		{"in", graph.PathQuery{From: fe, To: fa, Direction: graph.In}, 3, []string{fe, fd, fb, fa}, []string{eDE, eBD, eAB1}},
		{"both", graph.PathQuery{From: fe, To: fa, Direction: graph.Both}, 3, []string{fe, fd, fb, fa}, []string{eDE, eBD, eAB1}},
		{"empty direction means both", graph.PathQuery{From: fh, To: fc}, 3, []string{fh, fe, fd, fc}, []string{eHE, eDE, eCD}},
		{"only both connects", graph.PathQuery{From: fh, To: fc, Direction: graph.Out}, -1, nil, nil},
		{"five hops", graph.PathQuery{From: ff, To: fSvc, Direction: graph.Out}, 5, []string{ff, fa, fb, fd, fe, fSvc}, []string{eFA, eAB1, eBD, eDE, eES}},
		{"five hops, max 5", graph.PathQuery{From: ff, To: fSvc, Direction: graph.Out, MaxHops: 5}, 5, nil, nil},
		{"five hops, max 4", graph.PathQuery{From: ff, To: fSvc, Direction: graph.Out, MaxHops: 4}, -1, nil, nil},
		{"parallel edges: least ID", graph.PathQuery{From: fa, To: fb, Direction: graph.Out}, 1, []string{fa, fb}, []string{eAB1}},
		{"kind filter excludes", graph.PathQuery{From: fa, To: fGrp, Direction: graph.Out, EdgeKinds: transfers}, -1, nil, nil},
		{"kind filter admits", graph.PathQuery{From: fa, To: fGrp, Direction: graph.Out, EdgeKinds: []graph.EdgeKind{graph.EdgeAttributedTo}}, 1, []string{fa, fGrp}, []string{eAG}},
		{"transfers only stop before the exchange", graph.PathQuery{From: fa, To: fSvc, Direction: graph.Both, EdgeKinds: transfers}, -1, nil, nil},
		{"same node", graph.PathQuery{From: fc, To: fc, Direction: graph.Out}, 0, []string{fc}, []string{}},
		{"isolated", graph.PathQuery{From: fa, To: fg, Direction: graph.Both}, -1, nil, nil},
		// b and d have 3 edge ends each; the ends of a path never count.
		{"hubs at the limit pass", graph.PathQuery{From: fa, To: fe, Direction: graph.Out, HubDegree: 3}, 3, []string{fa, fb, fd, fe}, []string{eAB1, eBD, eDE}},
		{"a hub may end a path", graph.PathQuery{From: fb, To: fd, Direction: graph.Out, HubDegree: 1}, 1, []string{fb, fd}, []string{eBD}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.s.ShortestPath(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Truncated || p.Reason != "" {
				t.Fatalf("truncated (%q) on a small graph", p.Reason)
			}
			if tt.length < 0 {
				if len(p.Nodes) != 0 || len(p.Edges) != 0 {
					t.Fatalf("path %q, want none", nodeIDs(p.Nodes))
				}
				return
			}
			checkPath(t, p, tt.q, tt.length)
			if e.caps.CanonicalPaths && tt.nodes != nil {
				if got := nodeIDs(p.Nodes); !slices.Equal(got, tt.nodes) {
					t.Fatalf("nodes %q, want the canonical %q", got, tt.nodes)
				}
				if got := edgeIDs(p.Edges); !slices.Equal(got, tt.edges) {
					t.Fatalf("edges %q, want %q", got, tt.edges)
				}
			}
		})
	}
}

// checkPath checks what every store promises: ends, length, and that each
// edge joins its two nodes in the allowed direction with an allowed kind.
// Every way from a to e passes d (3 edge ends): above a hub degree of 2
// there is no path, and the answer says hubs may be why.
func testShortestPathHubs(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	p, err := e.s.ShortestPath(context.Background(), graph.PathQuery{From: fa, To: fe, Direction: graph.Out, HubDegree: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != 0 || !p.Truncated || !strings.Contains(p.Reason, "hubDegree") {
		t.Fatalf("path %q truncated %v (%q): want none, cut short by hubs", nodeIDs(p.Nodes), p.Truncated, p.Reason)
	}
	_, err = e.s.ShortestPath(context.Background(), graph.PathQuery{From: fa, To: fe, HubDegree: -1})
	wantCode(t, "negative hub degree", err, graph.CodeInvalid)
}

func checkPath(t *testing.T, p graph.Path, q graph.PathQuery, length int) {
	t.Helper()
	ids := nodeIDs(p.Nodes)
	if p.Length() != length || len(p.Nodes) != length+1 {
		t.Fatalf("path %q with %d edges, want length %d", ids, len(p.Edges), length)
	}
	if ids[0] != q.From || ids[len(ids)-1] != q.To {
		t.Fatalf("path %q does not run from %s to %s", ids, q.From, q.To)
	}
	for i, ed := range p.Edges {
		fwd := ed.From == ids[i] && ed.To == ids[i+1]
		bwd := ed.From == ids[i+1] && ed.To == ids[i]
		ok := q.Direction == graph.Out && fwd || q.Direction == graph.In && bwd || (q.Direction == graph.Both || q.Direction == "") && (fwd || bwd)
		if !ok || len(q.EdgeKinds) > 0 && !slices.Contains(q.EdgeKinds, ed.Kind) {
			t.Fatalf("edge %d (%s) does not join %s and %s as the query allows", i, ed.ID, ids[i], ids[i+1])
		}
	}
}

func testShortestPathInvalid(t *testing.T, e env) {
	ctx := context.Background()
	write(t, e.s, flowFixture())
	_, err := e.s.ShortestPath(ctx, graph.PathQuery{From: W(99), To: fa})
	wantCode(t, "unknown from", err, graph.CodeNotFound)
	_, err = e.s.ShortestPath(ctx, graph.PathQuery{From: fa, To: W(99)})
	wantCode(t, "unknown to", err, graph.CodeNotFound)
	for name, q := range map[string]graph.PathQuery{
		"direction":         {From: fa, To: fe, Direction: "UP"},
		"edge kind":         {From: fa, To: fe, EdgeKinds: []graph.EdgeKind{"OWES"}},
		"negative max hops": {From: fa, To: fe, MaxHops: -2},
	} {
		_, err := e.s.ShortestPath(ctx, q)
		wantCode(t, name, err, graph.CodeInvalid)
	}
}

func testCancelled(t *testing.T, e env) {
	write(t, e.s, flowFixture())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.s.Write(ctx, graph.Batch{Nodes: []graph.Node{wallet(50, "late")}})
	wantCode(t, "Write", err, graph.CodeTimeout)
	_, err = e.s.Search(ctx, graph.SearchQuery{Text: "wallet"})
	wantCode(t, "Search", err, graph.CodeTimeout)
	_, err = e.s.Neighbors(ctx, graph.NeighborQuery{ID: fa})
	wantCode(t, "Neighbors", err, graph.CodeTimeout)
	_, err = e.s.ShortestPath(ctx, graph.PathQuery{From: fa, To: fe})
	wantCode(t, "ShortestPath", err, graph.CodeTimeout)
	_, err = e.s.Node(ctx, fa)
	wantCode(t, "Node", err, graph.CodeTimeout)
	_, err = e.s.Nodes(ctx, []string{fa})
	wantCode(t, "Nodes", err, graph.CodeTimeout)
	_, err = e.s.Edge(ctx, eAB1)
	wantCode(t, "Edge", err, graph.CodeTimeout)
	_, err = e.s.Stats(ctx)
	wantCode(t, "Stats", err, graph.CodeTimeout)
	if _, err := e.s.Node(context.Background(), W(50)); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("a Write with a cancelled context stored its batch: %v", err)
	}
}
