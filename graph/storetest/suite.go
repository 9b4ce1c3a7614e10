// Package storetest is the conformance suite every investigate.Store passes
// with the same expectations. Fixtures are small graphs drawn in the
// comments of fixtures.go; large generated graphs come from graph/synth.
package storetest

import (
	"context"
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
	return append(append(baseCases(), investigateCases()...), priceCases()...)
}

func baseCases() []suiteCase {
	return []suiteCase{
		{"RoundTripNode", testRoundTripNode},
		{"RoundTripEdge", testRoundTripEdge},
		{"Idempotent", testIdempotent},
		{"MergeSources", testMergeSources},
		{"MergeWithinBatch", testMergeWithinBatch},
		{"Claims", testClaims},
		{"Rejections", testRejections},
		{"NodesOrder", testNodesOrder},
		{"NotFound", testNotFound},
		{"Stats", testStats},
		{"SearchRanking", testSearchRanking},
		{"SearchPagination", testSearchPagination},
		{"SearchInvalid", testSearchInvalid},
		{"ListNodes", testListNodes},
		{"Neighbors", testNeighbors},
		{"NeighborsInvalid", testNeighborsInvalid},
		{"ShortestPath", testShortestPath},
		{"ShortestPathHubs", testShortestPathHubs},
		{"ShortestPathInvalid", testShortestPathInvalid},
		{"Cancelled", testCancelled},
		{"StixRoundTrip", testStixRoundTrip},
		{"Visibility", testVisibility},
	}
}

// testCancelled: every method refuses a cancelled context with TIMEOUT, and
// a Write under one stores nothing.
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
