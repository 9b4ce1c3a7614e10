package storetest

import (
	"context"
	"testing"

	"github.com/redthread-dev/redthread/graph/investigate"
)

// investigateCases check the investigation queries (graph/investigate) on
// fixture graphs small enough to check by hand. The engine is shared, so
// these cases test that a store's Topology primitives give it the same
// graph; the answers expected are the same for every store.
func investigateCases() []suiteCase {
	var out []suiteCase
	for _, group := range [][]suiteCase{pathCases(), flowCases(), clusterCases(), communityCases(), personaCases()} {
		out = append(out, group...)
	}
	return out
}

// topology opens the store's investigation view for one query.
func topology(t *testing.T, e env) investigate.Topology {
	t.Helper()
	o, ok := e.s.(investigate.Opener)
	if !ok {
		t.Fatalf("%T does not implement investigate.Opener", e.s)
	}
	top, release, err := o.Topology(context.Background())
	if err != nil {
		t.Fatalf("open topology: %v", err)
	}
	t.Cleanup(release)
	return top
}
