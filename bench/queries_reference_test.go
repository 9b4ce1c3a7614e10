package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReferenceBFS(t *testing.T) {
	// 0 → 1 → 2 → 3 → 4, 5 → 4, a parallel edge 1 → 2 and 6 alone
	path := filepath.Join(t.TempDir(), "edges.tsv")
	if err := os.WriteFile(path, []byte("0\t1\n1\t2\n1\t2\n2\t3\n3\t4\n5\t4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g, edges, err := loadReference(path, 7)
	if err != nil || edges != 6 {
		t.Fatalf("load: %d edges, %v", edges, err)
	}
	bfs := newRefBFS(g, 7)
	tests := []struct {
		src, dst int32
		both     bool
		maxHops  int
		hops     int
		found    bool
	}{
		{0, 4, false, 6, 4, true},
		{0, 4, false, 3, 0, false}, // beyond the hop bound
		{4, 0, false, 6, 0, false}, // against the direction
		{4, 0, true, 6, 4, true},
		{0, 5, false, 6, 0, false},
		{0, 5, true, 6, 5, true},
		{0, 5, true, 4, 0, false},
		{2, 2, false, 6, 0, true},
		{0, 6, true, 6, 0, false},
	}
	for range 2 { // the second round reuses the epoch-stamped marks
		for _, tt := range tests {
			hops, found := bfs.path(tt.src, tt.dst, tt.both, tt.maxHops)
			if hops != tt.hops || found != tt.found {
				t.Errorf("%d→%d both=%v ≤%d: %d, %v; want %d, %v", tt.src, tt.dst, tt.both, tt.maxHops, hops, found, tt.hops, tt.found)
			}
		}
	}
	for _, bad := range []string{"0 1\n", "0\t9\n", "x\t1\n", "-1\t0\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := loadReference(path, 7); err == nil {
			t.Errorf("line %q loaded, want an error", bad)
		}
	}
}
