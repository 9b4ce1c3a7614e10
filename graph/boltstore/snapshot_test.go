package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/storetest"
	"github.com/redthread-dev/redthread/graph/synth"
)

// logBuf collects a store's log lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func logged(t *testing.T, dir string) (*Store, *logBuf) {
	t.Helper()
	var lb logBuf
	s := open(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&lb, nil))})
	return s, &lb
}

// reopening closes and reopens its store after every write, so each query
// of the suite answers from an index read back from the snapshot.
type reopening struct {
	*Store
	t   *testing.T
	dir string
}

func (r *reopening) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	res, err := r.Store.Write(ctx, b)
	if err != nil {
		return res, err
	}
	if err := r.Close(); err != nil {
		return res, err
	}
	s, lb := logged(r.t, r.dir)
	if !strings.Contains(lb.String(), "index=snapshot") {
		r.t.Errorf("reopen did not use the snapshot: %s", lb)
	}
	r.Store = s
	return res, nil
}

func TestConformanceFromSnapshot(t *testing.T) {
	storetest.Run(t, func(t *testing.T) investigate.Store {
		dir := t.TempDir()
		return &reopening{Store: open(t, dir, Options{}), t: t, dir: dir}
	})
}

func writeSynth(t *testing.T, s *Store, seed int64) {
	t.Helper()
	for b := range synth.NewGen(seed, 200, 2000).Batches(500) {
		mustWrite(t, s, b)
	}
}

// TestSnapshotEqualsRebuild compares what a snapshot gives with what a
// rebuild from the records gives, derived counts included.
func TestSnapshotEqualsRebuild(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	writeSynth(t, s, 7)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	snap, lb := logged(t, dir)
	if !strings.Contains(lb.String(), "index=snapshot") {
		t.Fatalf("snapshot not used: %s", lb)
	}
	re, err := snap.rebuild(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, b := snap.idx, re
	for _, c := range []struct {
		name string
		x, y any
	}{
		{"ids", a.ids, b.ids}, {"nkind", a.nkind, b.nkind}, {"graph", a.g.MarshalArrays(), b.g.MarshalArrays()},
		{"nodesByKind", a.nodesByKind, b.nodesByKind}, {"edgesByKind", a.edgesByKind, b.edgesByKind},
		{"etime", a.facts.etime, b.facts.etime}, {"evalue", a.facts.evalue, b.facts.evalue}, {"nseen", a.facts.nseen, b.facts.nseen},
		{"nclass", a.vis.nclass, b.vis.nclass}, {"eclass", a.vis.eclass, b.vis.eclass}, {"pairs", a.vis.pairs, b.vis.pairs},
		{"ekinds", a.vis.ekinds, b.vis.ekinds}, {"nkinds", a.vis.nkinds, b.vis.nkinds}, {"text", a.search.text, b.search.text},
	} {
		if !reflect.DeepEqual(c.x, c.y) {
			t.Errorf("%s differs between the snapshot and a rebuild", c.name)
		}
	}
	for u := range a.ids {
		if a.cospend.RootSize(a.cospend.Root(uint32(u))) != b.cospend.RootSize(b.cospend.Root(uint32(u))) {
			t.Fatalf("co-spend set of node %d differs", u)
		}
	}
}

// reopenSays reopens dir and checks how the index was loaded and, for a
// rebuild, the logged reason.
func reopenSays(t *testing.T, dir, how, reason string) *Store {
	t.Helper()
	s, lb := logged(t, dir)
	out := lb.String()
	if !strings.Contains(out, "index="+how) || !strings.Contains(out, reason) {
		t.Fatalf("want index=%s and %q in the log, got:\n%s", how, reason, out)
	}
	return s
}

func TestSnapshotRefused(t *testing.T) {
	snapOf := func(dir string) string { return dir + "/" + FileName + snapSuffix }
	closed := func(t *testing.T, seed int64) string {
		dir := t.TempDir()
		s := open(t, dir, Options{})
		writeSynth(t, s, seed)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	// reseal recomputes the checksum after a change, as a hostile writer would.
	reseal := func(b []byte) []byte {
		binary.LittleEndian.PutUint64(b[len(b)-8:], xxhash.Sum64(b[len(snapMagic):len(b)-8]))
		return b
	}
	cases := []struct {
		name, reason string
		spoil        func(t *testing.T, dir string, b []byte) []byte
	}{
		{"truncated", "not a snapshot", func(_ *testing.T, _ string, b []byte) []byte { return b[:5] }},
		{"cut short", "checksum", func(_ *testing.T, _ string, b []byte) []byte { return b[:len(b)/2] }},
		{"flipped byte", "checksum", func(_ *testing.T, _ string, b []byte) []byte { b[len(b)/3] ^= 1; return b }},
		{"empty", "not a snapshot", func(_ *testing.T, _ string, _ []byte) []byte { return nil }},
		{"hostile length", "truncated or oversized", func(_ *testing.T, _ string, b []byte) []byte {
			binary.LittleEndian.PutUint64(b[len(snapMagic):], 1<<62) // the store ID's length
			return reseal(b)
		}},
		{"hostile body", "beyond", func(_ *testing.T, _ string, b []byte) []byte {
			for i := len(b) - 9; i > len(b)-400; i-- {
				b[i] = 0xff // node and edge classes far beyond the class table
			}
			return reseal(b)
		}},
		{"oversized", "too large", func(t *testing.T, dir string, b []byte) []byte {
			fi, err := os.Stat(dir + "/" + FileName)
			if err != nil {
				t.Fatal(err)
			}
			return append(b, make([]byte, 2*fi.Size()+1<<20)...)
		}},
		{"another store", "another store", func(t *testing.T, _ string, _ []byte) []byte {
			b, err := os.ReadFile(snapOf(closed(t, 7)))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{"stale", "stale", func(t *testing.T, dir string, b []byte) []byte {
			s := open(t, dir, Options{})
			writeSynth(t, s, 9) // a write after the snapshot, then a crash before the next
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := closed(t, 7)
			b, err := os.ReadFile(snapOf(dir))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(snapOf(dir), c.spoil(t, dir, bytes.Clone(b)), 0o640); err != nil {
				t.Fatal(err)
			}
			s := reopenSays(t, dir, "rebuilt", "topology snapshot not used")
			s.Close()
			s = reopenSays(t, dir, "snapshot", "") // Close wrote a good one
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(snapOf(dir), c.spoil(t, dir, b), 0o640); err != nil {
				t.Fatal(err)
			}
			s = reopenSays(t, dir, "rebuilt", c.reason)
			re, err := s.rebuild(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.idx.g.MarshalArrays(), re.g.MarshalArrays()) || !reflect.DeepEqual(s.idx.ids, re.ids) {
				t.Fatal("the reopened store is not the rebuilt one")
			}
		})
	}
}
