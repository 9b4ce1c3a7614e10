package neo4jstore

import (
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/graph/state/statetest"
)

func TestStateConformance(t *testing.T) {
	cfg := testConfig(t)
	statetest.Run(t, func(t *testing.T) state.Store { return openEmpty(t, cfg).State() })
}

func TestStateHidden(t *testing.T) {
	cfg := testConfig(t)
	statetest.RunHidden(t, func(t *testing.T) (graph.Store, state.Store) {
		s := openEmpty(t, cfg)
		return s, s.State()
	})
}

// TestStateShared checks that two stores over one database, as two
// servers are, see each other's records and compete fairly for them.
func TestStateShared(t *testing.T) {
	cfg := testConfig(t)
	a := openEmpty(t, cfg).State()
	b, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx := t.Context()
	if _, err := a.Put(ctx, "agencies", "fiu", []byte("A"), state.Absent); err != nil {
		t.Fatal(err)
	}
	if r, err := b.State().Get(ctx, "agencies", "fiu"); err != nil || string(r.Value) != "A" {
		t.Fatalf("the other store reads %+v, %v", r, err)
	}
	if _, err := b.State().Put(ctx, "agencies", "fiu", []byte("B"), state.Absent); graph.ErrorCode(err) != graph.CodeConflict {
		t.Fatalf("the other store creates it again: %v", err)
	}
	if seq, err := b.State().Append(ctx, "audit", []byte("x")); err != nil || seq != 1 {
		t.Fatalf("append: %d, %v", seq, err)
	}
	if seq, err := a.Append(ctx, "audit", []byte("y")); err != nil || seq != 2 {
		t.Fatalf("append from the other store: %d, %v", seq, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.State().Get(ctx, "agencies", "fiu"); graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Get after Close: %v, want UNAVAILABLE", err)
	}
	if _, err := a.Get(ctx, "agencies", "fiu"); err != nil {
		t.Fatalf("the first store after the other closed: %v", err)
	}
}
