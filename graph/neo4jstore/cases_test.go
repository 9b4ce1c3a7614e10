package neo4jstore

import (
	"encoding/json"
	"testing"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
)

// TestCasesSharedByTwoServers opens two stores on one Neo4j, as two
// servers do, each with its case store: a case saved through one is read,
// updated and deleted through the other. It lives here, not in package
// cases, because the tests of this package are the ones that take turns
// on the shared test database.
func TestCasesSharedByTwoServers(t *testing.T) {
	cfg := testConfig(t)
	ctx := t.Context()
	a := openEmpty(t, cfg)
	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ca, err := cases.Open(ctx, a.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := cases.Open(ctx, b.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	const view = `{"v":1,"nodes":[{"id":"threat_group:lazarus-group","x":1,"y":2}]}`
	c, err := ca.Save(ctx, cases.Draft{Name: "Bybit", View: json.RawMessage(view), By: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cb.Get(ctx, c.ID)
	if err != nil || got.Name != "Bybit" || string(got.View) != view || got.Version != 1 || got.CreatedBy != "ana" {
		t.Fatalf("the other server reads %+v, %v", got, err)
	}
	one := 1
	if _, err := cb.Save(ctx, cases.Draft{ID: c.ID, Name: "Bybit 2025", View: json.RawMessage(view), ExpectedVersion: &one, By: "ben"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Save(ctx, cases.Draft{ID: c.ID, Name: "stale", View: json.RawMessage(view), ExpectedVersion: &one}); graph.ErrorCode(err) != graph.CodeConflict {
		t.Fatalf("a stale save through the first server: %v, want CONFLICT", err)
	}
	list, err := ca.List(ctx, 10)
	if err != nil || len(list) != 1 || list[0].Name != "Bybit 2025" || list[0].Version != 2 || list[0].UpdatedBy != "ben" {
		t.Fatalf("the first server lists %+v, %v", list, err)
	}
	if err := ca.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Get(ctx, c.ID); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("the other server after the delete: %v", err)
	}
	if st, err := b.Stats(ctx); err != nil || st.Nodes != 0 {
		t.Fatalf("cases show in the graph: %+v, %v", st, err)
	}
}
