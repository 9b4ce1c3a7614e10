package cases

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
)

// open opens the embedded graph store in dir and the case store over its
// record store; closing the graph store is the returned func's job.
func open(t *testing.T, dir string) (*Store, func() error) {
	t.Helper()
	g, err := boltstore.Open(t.Context(), dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	s, err := Open(t.Context(), g.State(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, g.Close
}

const view = `{"v":1,"nodes":[{"id":"threat_group:lazarus-group","x":0,"y":0},{"id":"incident:coincheck-theft","x":10.5,"y":-3}],"edges":[]}`

func TestSaveGetListDelete(t *testing.T) {
	dir := t.TempDir()
	s, closeStore := open(t, dir)
	ctx := t.Context()
	clock := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { clock = clock.Add(time.Minute); return clock }

	a, err := s.Save(ctx, Draft{Name: " Coincheck ", View: json.RawMessage(view), By: "analyst-1"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Name != "Coincheck" || a.Version != 1 || a.Nodes != 2 || a.CreatedBy != "analyst-1" {
		t.Fatalf("created %+v", a)
	}
	b, err := s.Save(ctx, Draft{Name: "IT workers", View: json.RawMessage(`{"nodes":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == a.ID {
		t.Fatal("two cases share an ID")
	}

	// The same save again (a retried request) changes nothing.
	again, err := s.Save(ctx, Draft{ID: a.ID, Name: "Coincheck", View: json.RawMessage(" {\"v\":1, \"nodes\":[{\"id\":\"threat_group:lazarus-group\",\"x\":0,\"y\":0},{\"id\":\"incident:coincheck-theft\",\"x\":10.5,\"y\":-3}],\"edges\":[]}"), ExpectedVersion: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != 1 || !again.UpdatedAt.Equal(a.UpdatedAt) {
		t.Fatalf("idempotent save changed the case: %+v", again)
	}

	// An update bumps the version; a stale one is a conflict naming who saved.
	upd, err := s.Save(ctx, Draft{ID: a.ID, Name: "Coincheck 2018", View: json.RawMessage(view), ExpectedVersion: ptr(1), By: "analyst-2"})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Version != 2 || upd.UpdatedBy != "analyst-2" || upd.CreatedBy != "analyst-1" || !upd.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("updated %+v", upd)
	}
	_, err = s.Save(ctx, Draft{ID: a.ID, Name: "stale", View: json.RawMessage(view), ExpectedVersion: ptr(1)})
	if graph.ErrorCode(err) != graph.CodeConflict || !strings.Contains(err.Error(), "analyst-2") {
		t.Fatalf("stale save: %v, want CONFLICT naming analyst-2", err)
	}

	list, err := s.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].View != nil {
		t.Fatalf("list %+v, want the updated case first, without views", list)
	}

	// Reopened from disk, the case is the same.
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}
	s2, _ := open(t, dir)
	got, err := s2.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Coincheck 2018" || got.Version != 2 || string(got.View) != view {
		t.Fatalf("reopened %+v", got)
	}
	if err := s2.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, a.ID); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("get deleted: %v", err)
	}
	if err := s2.Delete(ctx, a.ID); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestSaveRejects(t *testing.T) {
	s, _ := open(t, t.TempDir())
	big := `{"nodes":[],"pad":"` + strings.Repeat("x", MaxViewBytes) + `"}`
	tests := []struct {
		name string
		d    Draft
		code graph.Code
		msg  string
	}{
		{"empty name", Draft{Name: "  ", View: json.RawMessage(view)}, graph.CodeInvalid, "case name: empty"},
		{"long name", Draft{Name: strings.Repeat("n", MaxNameRunes+1), View: json.RawMessage(view)}, graph.CodeInvalid, "longer than"},
		{"not an object", Draft{Name: "x", View: json.RawMessage(`[1,2]`)}, graph.CodeInvalid, "not a JSON object"},
		{"not JSON", Draft{Name: "x", View: json.RawMessage(`{"nodes":`)}, graph.CodeInvalid, "not a JSON object"},
		{"null", Draft{Name: "x", View: json.RawMessage(`null`)}, graph.CodeInvalid, "not a JSON object"},
		{"nodes not an array", Draft{Name: "x", View: json.RawMessage(`{"nodes":{}}`)}, graph.CodeInvalid, "nodes: not an array"},
		{"too big", Draft{Name: "x", View: json.RawMessage(big)}, graph.CodeLimit, "more than"},
		{"unknown case", Draft{ID: "nosuchcase", Name: "x", View: json.RawMessage(view)}, graph.CodeNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Save(t.Context(), tt.d)
			if graph.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Save: %v, want %s containing %q", err, tt.code, tt.msg)
			}
		})
	}
	if list, err := s.List(t.Context(), 0); err != nil || len(list) != 0 {
		t.Fatalf("rejected saves left %d cases (%v)", len(list), err)
	}
}

func ptr[T any](v T) *T { return &v }
