package cases

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// writeLegacy writes a cases.db as Redthread kept it before cases moved
// into the graph store: bucket "cases", one JSON record per case.
func writeLegacy(t *testing.T, dir string, recs ...string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, LegacyFile), 0o640, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("cases"))
		if err != nil {
			return err
		}
		for _, r := range recs {
			var id struct{ ID string }
			if err := json.Unmarshal([]byte(r), &id); err != nil {
				return err
			}
			if err := b.Put([]byte(id.ID), []byte(r)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestImportLegacyOnce(t *testing.T) {
	dir := t.TempDir()
	writeLegacy(t, dir,
		`{"id":"oldcaseaaaaaaaaa","name":"Ronin bridge","view":{"v":1,"nodes":[{"id":"incident:ronin"}]},"version":4,"nodes":1,"createdAt":"2026-10-01T08:00:00Z","updatedAt":"2026-10-03T09:30:00.5Z","createdBy":"ana","updatedBy":"ben"}`,
		`{"id":"oldcasebbbbbbbbb","name":"Harmony","view":{"nodes":[]},"version":1,"nodes":0,"createdAt":"2026-10-02T08:00:00Z","updatedAt":"2026-10-02T08:00:00Z"}`,
		`{"id":"oldcasebroken123","name":"broken","view":[1],"version":1}`,
	)
	file, err := os.ReadFile(filepath.Join(dir, LegacyFile))
	if err != nil {
		t.Fatal(err)
	}
	s, closeStore := open(t, dir)
	ctx := t.Context()
	list, err := s.List(ctx, 0)
	if err != nil || len(list) != 2 {
		t.Fatalf("imported %+v, %v; want the two valid cases", list, err)
	}
	got, err := s.Get(ctx, "oldcaseaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	want := Case{ID: "oldcaseaaaaaaaaa", Name: "Ronin bridge", Version: 4, Nodes: 1, View: json.RawMessage(`{"v":1,"nodes":[{"id":"incident:ronin"}]}`),
		CreatedAt: time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 10, 3, 9, 30, 0, 5e8, time.UTC), CreatedBy: "ana", UpdatedBy: "ben"}
	if got.ID != want.ID || got.Name != want.Name || got.Version != want.Version || got.Nodes != want.Nodes || string(got.View) != string(want.View) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || got.CreatedBy != want.CreatedBy || got.UpdatedBy != want.UpdatedBy {
		t.Fatalf("imported case\n%+v\nwant\n%+v", got, want)
	}
	// Its version goes on from the imported one.
	upd, err := s.Save(ctx, Draft{ID: got.ID, Name: "Ronin bridge 2022", View: got.View, ExpectedVersion: ptr(4)})
	if err != nil || upd.Version != 5 {
		t.Fatalf("save over the imported case: %+v, %v", upd, err)
	}
	if err := s.Delete(ctx, "oldcasebbbbbbbbb"); err != nil {
		t.Fatal(err)
	}
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}

	// Opened again, nothing is imported twice and the deleted case stays
	// deleted; the file is as it was.
	s, _ = open(t, dir)
	list, err = s.List(ctx, 0)
	if err != nil || len(list) != 1 || list[0].Name != "Ronin bridge 2022" || list[0].Version != 5 {
		t.Fatalf("after reopening: %+v, %v", list, err)
	}
	after, err := os.ReadFile(filepath.Join(dir, LegacyFile))
	if err != nil || !bytes.Equal(file, after) {
		t.Fatalf("the earlier file changed (%v)", err)
	}
}

func TestOddIDsAreNotFound(t *testing.T) {
	s, _ := open(t, t.TempDir())
	for _, id := range []string{"", "a/b", "x\x00", strings.Repeat("k", 600), "\xff"} {
		if _, err := s.Get(t.Context(), id); graph.ErrorCode(err) != graph.CodeNotFound {
			t.Errorf("Get(%q): %v, want NOT_FOUND", id, err)
		}
		if err := s.Delete(t.Context(), id); graph.ErrorCode(err) != graph.CodeNotFound {
			t.Errorf("Delete(%q): %v, want NOT_FOUND", id, err)
		}
		if id == "" {
			continue // an empty ID creates a case
		}
		if _, err := s.Save(t.Context(), Draft{ID: id, Name: "x", View: json.RawMessage(view)}); graph.ErrorCode(err) != graph.CodeNotFound {
			t.Errorf("Save(%q): %v, want NOT_FOUND", id, err)
		}
	}
}

// TestConcurrentSaves has savers update one case at once without an
// expected version: every save lands (the last one wins), the case ends
// at one more version per save, and no view is left behind.
func TestConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir)
	ctx := t.Context()
	c, err := s.Save(ctx, Draft{Name: "race", View: json.RawMessage(view)})
	if err != nil {
		t.Fatal(err)
	}
	const savers = 6
	var wg sync.WaitGroup
	errs := make(chan error, savers)
	for i := range savers {
		wg.Go(func() {
			_, err := s.Save(ctx, Draft{ID: c.ID, Name: "race", View: json.RawMessage(`{"nodes":[],"n":` + string(rune('0'+i)) + `}`)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx, c.ID)
	if err != nil || got.Version != 1+savers {
		t.Fatalf("after %d saves: version %d, %v", savers, got.Version, err)
	}
	views, err := s.st.List(ctx, collViews, "", "", state.MaxList)
	if err != nil || len(views) != 1 || string(views[0].Value) != string(got.View) {
		t.Fatalf("views stored: %d (%v), want the one of the last save", len(views), err)
	}
	if err := s.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if views, err := s.st.List(ctx, collViews, "", "", state.MaxList); err != nil || len(views) != 0 {
		t.Fatalf("views left after Delete: %d (%v)", len(views), err)
	}
}

// TestStoreFailuresSurface closes the graph store under the case store:
// every call fails UNAVAILABLE rather than pretending.
func TestStoreFailuresSurface(t *testing.T) {
	s, closeStore := open(t, t.TempDir())
	c, err := s.Save(t.Context(), Draft{Name: "x", View: json.RawMessage(view)})
	if err != nil {
		t.Fatal(err)
	}
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"create": func() error { _, err := s.Save(t.Context(), Draft{Name: "y", View: json.RawMessage(view)}); return err },
		"update": func() error {
			_, err := s.Save(t.Context(), Draft{ID: c.ID, Name: "y", View: json.RawMessage(view)})
			return err
		},
		"get":    func() error { _, err := s.Get(t.Context(), c.ID); return err },
		"list":   func() error { _, err := s.List(t.Context(), 0); return err },
		"delete": func() error { return s.Delete(t.Context(), c.ID) },
	}
	for name, call := range calls {
		if err := call(); graph.ErrorCode(err) != graph.CodeUnavailable {
			t.Errorf("%s on a closed store: %v, want UNAVAILABLE", name, err)
		}
	}
}
