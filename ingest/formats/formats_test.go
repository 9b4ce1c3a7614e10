package formats_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/ingest/formats"
)

func TestLookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.jsonl")
	if err := os.WriteFile(path, []byte(`{"type":"node","kind":"PERSON","key":"p","sources":[{"dataset":"t"}]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range formats.Names() {
		if _, ok := formats.Lookup(name); !ok {
			t.Errorf("Lookup(%q) failed for a listed name", name)
		}
	}
	if !slices.IsSorted(formats.Names()) || !slices.Contains(formats.Names(), "native") {
		t.Errorf("Names() = %v, want sorted with native", formats.Names())
	}
	if _, ok := formats.Lookup("nope"); ok {
		t.Error("Lookup(nope) succeeded")
	}
	f, _ := formats.Lookup("native")
	srcs, err := f.Sources(context.Background(), path)
	if err != nil || len(srcs) != 1 {
		t.Fatalf("Sources = %v, %v", srcs, err)
	}
	r, err := srcs[0].Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil || rec.Node == nil || rec.Node.ID != "person:p" {
		t.Errorf("native record = %+v, %v", rec, err)
	}
}
