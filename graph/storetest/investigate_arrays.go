package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func arraysCases() []suiteCase { return []suiteCase{{"PathsOnArrays", testPathsOnArrays}} }

// generic hides a topology's in-memory access (investigate.Arrays), so the
// engine takes the path every store shares.
type generic struct{ investigate.Topology }

// testPathsOnArrays: the paths the engine finds on a store's own arrays
// (the embedded store; see investigate.Arrays), single and k shortest,
// under every service policy, are the ones it finds through the Topology
// primitives alone, hubs and truncation included, for every pair of nodes
// of the money fixture with parallel transfers alike in every fact, a
// self-loop and ways of equal length added, in every direction and under
// every filter; so are money flow and exposure from each node. A store
// without Arrays answers the same twice.
func testPathsOnArrays(t *testing.T, e env) {
	b := moneyFixture()
	same := func(key string) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: mB, To: mC, Key: key, Amount: 0.025, Asset: "ETH", ValueUSD: 50,
			Time: mT0.Add(3 * time.Hour), Sources: src("fixture")}
	}
	tr := func(from, to string, hour int) graph.Edge { // a second way of the same length
		return graph.Edge{Kind: graph.EdgeTransfer, From: from, To: to, Key: "alt", Amount: 1, Asset: "ETH", ValueUSD: 2000,
			Time: mT0.Add(time.Duration(hour) * time.Hour), Sources: src("fixture")}
	}
	b.Edges = append(b.Edges, same("par1"), same("par2"), tr(mD, mX1, 9), tr(mE, mD, 2), tr(mA, mE, 1),
		graph.Edge{Kind: graph.EdgeTransfer, From: mD, To: mD, Key: "loop", Amount: 1, Asset: "ETH", ValueUSD: 2000, Time: mT0, Sources: src("fixture")})
	write(t, e.s, b)
	ids := []string{mA, mB, mC, mD, mE, mF, mM1, mX1, mHeist, mX, mM}
	queries := []investigate.PathsQuery{
		{}, {HubDegree: 2}, {HubDegree: 3}, {MaxHops: 2}, {MaxHops: 20},
		{Kinds: []graph.EdgeKind{graph.EdgeTransfer}}, {Since: mT0.Add(time.Hour).Unix()}, {Until: mT0.Add(5 * time.Hour).Unix()},
		{MinValue: 100}, {AsOf: mT0.Add(-time.Hour).Unix()},
	}
	// The searches only a store with Arrays runs differently: through the
	// primitives they would be the same search twice, and on Neo4j slow.
	if hasArrays(t, e) {
		queries = append(queries, arraysOnlyQueries()...)
	}
	ctx := context.Background()
	if agreeOnArrays(ctx, t, e, ids, queries) == 0 {
		t.Error("no query found a path")
	}
	if agreeFlowOnArrays(ctx, t, e, ids) == 0 {
		t.Error("no money flow reached a sink")
	}
}

// arraysOnlyQueries are the path queries of the Arrays paths beyond the
// single one (k shortest, service policies).
func arraysOnlyQueries() []investigate.PathsQuery {
	return []investigate.PathsQuery{
		{Limit: 5}, {Limit: 5, HubDegree: 2}, {Limit: 3, All: true}, {Limit: 5, Since: mT0.Add(time.Hour).Unix()},
		{Services: investigate.ServicesStop}, {Services: investigate.ServicesAvoid},
		{Services: investigate.ServicesStop, HubDegree: 2}, {Services: investigate.ServicesAvoid, HubDegree: 2},
		{Services: investigate.ServicesStop, Limit: 5}, {Services: investigate.ServicesAvoid, Limit: 5, HubDegree: 2},
	}
}

// hasArrays reports whether the store's topology implements
// investigate.Arrays.
func hasArrays(t *testing.T, e env) bool {
	t.Helper()
	tp, release, err := e.s.Topology(context.Background())
	if err != nil {
		t.Fatalf("Topology: %v", err)
	}
	defer release()
	_, ok := tp.(investigate.Arrays)
	return ok
}

// agreeFlowOnArrays compares money flow from, and exposure of, each of
// ids with and without the store's Arrays, under every taint model and
// filter; it returns how many flows reached a sink, -1 for a store
// without Arrays (the same search twice).
func agreeFlowOnArrays(ctx context.Context, t *testing.T, e env, ids []string) int {
	t.Helper()
	top, release, err := e.s.Topology(ctx)
	if err != nil {
		t.Fatalf("Topology: %v", err)
	}
	defer release()
	if _, ok := top.(investigate.Arrays); !ok {
		return -1
	}
	same := func(what string, q any, want, got any, werr, gerr error) {
		t.Helper()
		if w, g := jsonOf(t, want), jsonOf(t, got); w != g || graph.ErrorCode(werr) != graph.ErrorCode(gerr) {
			t.Errorf("%s %+v: on arrays %s (%v), through the primitives %s (%v)", what, q, g, gerr, w, werr)
		}
	}
	hour := func(h int) int64 { return mT0.Add(time.Duration(h) * time.Hour).Unix() }
	flows := []investigate.FlowQuery{
		{}, {Taint: investigate.Poison}, {Taint: investigate.FIFO}, {Since: hour(3)}, {Until: hour(6)}, {MinValue: 100},
		{AsOf: hour(-1)}, {HubDegree: 2}, {MaxHops: 2}, {To: []string{mX}}, {Through: []string{}}, {Limit: 1},
	}
	exposures := []investigate.ExposureQuery{{}, {Since: hour(3)}, {Until: hour(6)}, {AsOf: hour(-1)}, {HubDegree: 2}, {MaxHops: 1}, {Routes: 1}}
	n := 0
	for _, id := range ids {
		for _, q := range flows {
			q.From = []string{id}
			want, werr := investigate.Flow(ctx, generic{top}, q, investigate.Limits{})
			got, gerr := investigate.Flow(ctx, top, q, investigate.Limits{})
			same("Flow", q, want, got, werr, gerr)
			if len(got.Sinks) > 0 {
				n++
			}
		}
		for _, q := range exposures {
			for _, dir := range []graph.Direction{graph.Out, graph.In, graph.Both} {
				q.ID, q.Direction = id, dir
				want, werr := investigate.Exposure(ctx, generic{top}, q, investigate.Limits{})
				got, gerr := investigate.Exposure(ctx, top, q, investigate.Limits{})
				same("Exposure", q, want, got, werr, gerr)
			}
		}
	}
	return n
}

// agreeOnArrays compares the engine's single paths between every pair of
// ids, in every direction, with and without the store's Arrays; it returns
// how many found a path.
func agreeOnArrays(ctx context.Context, t *testing.T, e env, ids []string, queries []investigate.PathsQuery) int {
	t.Helper()
	top, release, err := e.s.Topology(ctx)
	if err != nil {
		t.Fatalf("Topology: %v", err)
	}
	defer release()
	n := 0
	for _, q := range queries {
		for _, dir := range []graph.Direction{graph.Out, graph.In, graph.Both} {
			for _, from := range ids {
				for _, to := range ids {
					q.From, q.To, q.Direction = from, to, dir
					want, werr := investigate.Paths(ctx, generic{top}, q, investigate.Limits{})
					got, gerr := investigate.Paths(ctx, top, q, investigate.Limits{})
					if w, g := jsonOf(t, want), jsonOf(t, got); w != g || graph.ErrorCode(werr) != graph.ErrorCode(gerr) {
						t.Errorf("%+v: on arrays %s (%v), through the primitives %s (%v)", q, g, gerr, w, werr)
					}
					if len(got.Paths) > 0 {
						n++
					}
				}
			}
		}
	}
	return n
}

// visArraysIDs is every node of the visibility fixture, in name order.
func visArraysIDs() []string {
	names := make([]string, 0, len(visID))
	for n := range visID {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = visID[n]
	}
	return out
}
