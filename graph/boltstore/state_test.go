package boltstore

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/graph/state/statetest"
)

func TestStateConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store { return open(t, t.TempDir(), Options{}).State() })
}

func TestStateHidden(t *testing.T) {
	statetest.RunHidden(t, func(t *testing.T) (graph.Store, state.Store) {
		s := open(t, t.TempDir(), Options{})
		return s, s.State()
	})
}

// TestStateSurvivesReopen checks that records are durable and that a file
// written before the record store existed gains its buckets on Open,
// keeping its graph.
func TestStateSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := open(t, dir, Options{})
	if _, err := s.Write(ctx, graph.Batch{Nodes: []graph.Node{{Kind: graph.KindThreatGroup, Key: "Lazarus Group", Label: "Lazarus Group", Sources: []graph.Source{{Dataset: "t"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.State().Put(ctx, "cases", "c1", []byte("kept"), state.Absent); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	if r, err := s.State().Get(ctx, "cases", "c1"); err != nil || string(r.Value) != "kept" || r.Version != 1 {
		t.Fatalf("after reopening: %+v, %v", r, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Make it a file of before the record store and the price table.
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o640, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketState); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketPrices)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	if st, err := s.Stats(ctx); err != nil || st.Nodes != 1 {
		t.Fatalf("graph of the older file: %+v, %v", st, err)
	}
	if _, err := s.State().Get(ctx, "cases", "c1"); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("Get in the older file: %v", err)
	}
	if v, err := s.State().Put(ctx, "cases", "c1", []byte("new"), state.Absent); err != nil || v != 1 {
		t.Fatalf("Put in the older file: %d, %v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.State().Get(ctx, "cases", "c1"); graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Get after Close: %v, want UNAVAILABLE", err)
	}
}
