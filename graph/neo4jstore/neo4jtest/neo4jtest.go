// Package neo4jtest lets the tests of several packages share one test
// Neo4j. `go test ./...` runs packages side by side, and Neo4j Community
// has one database: a test that empties it (the store's conformance suite)
// would delete the records another package's test is reading. So every
// test of the shared database takes a file lock beside it for its whole
// run: shared by tests that keep to their own fresh names, exclusive by
// tests that empty the database.
package neo4jtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// URI returns the test Neo4j's NEO4J_URI. Without one the test fails,
// unless REDTHREAD_SKIP_NEO4J=1 asks explicitly for a skip.
func URI(tb testing.TB) string {
	tb.Helper()
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		if os.Getenv("REDTHREAD_SKIP_NEO4J") == "1" {
			tb.Skip("REDTHREAD_SKIP_NEO4J=1: Neo4j tests skipped")
		}
		tb.Fatal("NEO4J_URI is not set: this test needs a real Neo4j 5. Start one with `make neo4j` " +
			"(or scripts/neo4j.sh start) and export the NEO4J_URI it prints; " +
			"set REDTHREAD_SKIP_NEO4J=1 to skip it deliberately")
	}
	return uri
}

// Shared holds the database for tb's whole run against tests that empty
// it; other Shared holders run alongside. Use it in tests that write only
// under fresh names. It returns the URI.
func Shared(tb testing.TB) string { return lock(tb, syscall.LOCK_SH) }

// Exclusive holds the database for tb's whole run alone: for tests that
// empty it or count everything in it. It returns the URI.
func Exclusive(tb testing.TB) string { return lock(tb, syscall.LOCK_EX) }

// held is this process's hold on one lock file. Locks are per process
// (flock's are per open file, so two holds in one process would wait for
// each other): tests and subtests of one package share the hold, counted.
type held struct {
	f     *os.File
	how   int
	count int
}

// process is the one process-wide table of holds: the lock it stands for
// is process-wide too.
var process = struct {
	sync.Mutex
	m map[string]*held
}{m: map[string]*held{}}

func lock(tb testing.TB, how int) string {
	tb.Helper()
	uri := URI(tb)
	sum := sha256.Sum256([]byte(uri))
	path := filepath.Join(os.TempDir(), "redthread-neo4j-"+hex.EncodeToString(sum[:8])+".lock")
	process.Lock()
	defer process.Unlock()
	h := process.m[path]
	if h == nil {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			tb.Fatalf("neo4jtest: lock file: %v", err)
		}
		h = &held{f: f}
	}
	// Blocks until granted (an upgrade from shared too): the wait counts
	// against go test's -timeout, which is sized for the whole suite.
	if h.how != syscall.LOCK_EX && h.how != how {
		if err := syscall.Flock(int(h.f.Fd()), how); err != nil {
			if h.count == 0 {
				_ = h.f.Close()
			}
			tb.Fatalf("neo4jtest: lock: %v", err)
		}
		h.how = how
	}
	h.count++
	process.m[path] = h
	tb.Cleanup(func() {
		process.Lock()
		defer process.Unlock()
		if h.count--; h.count == 0 {
			_ = syscall.Flock(int(h.f.Fd()), syscall.LOCK_UN)
			_ = h.f.Close()
			delete(process.m, path)
		}
	})
	return uri
}
