// Package state is the small, durable record store beside the graph: the
// deployment's agencies, users, API tokens and sessions, saved cases and
// their shares, and the append-only audit log. It lives in the graph
// store's own backend (a bbolt bucket set in the embedded store's file;
// nodes of their own labels in Neo4j), so several servers over one Neo4j
// share it, and it never shows in graph queries.
//
// Records are opaque bytes under (collection, key), written with
// compare-and-set on a version so that two servers cannot lose each
// other's updates; logs are append-only sequences. The packages that own
// the records (identity, cases, audit) encode them.
package state

import (
	"context"
	"errors"
)

// Bounds that every backend enforces (a record is rejected, not cut).
const (
	MaxCollection = 64      // bytes of a collection or log name: [a-z0-9_-]
	MaxKey        = 512     // bytes of a key
	MaxValue      = 9 << 20 // bytes of a value (a case view is at most 8 MiB)
	MaxList       = 1000    // records a List or Read returns at most
)

// Errors the backends return (wrapped; test with errors.Is). They come
// inside a *graph.Error whose code is NOT_FOUND, CONFLICT or
// INVALID_ARGUMENT and whose message names the argument or collection,
// never a key or a value (see check.go); a failure of the backend itself
// is the graph store's own error (INTERNAL, UNAVAILABLE, TIMEOUT).
var (
	// ErrNotFound: no record under that key.
	ErrNotFound = errors.New("state: not found")
	// ErrConflict: the record's version is not the one expected.
	ErrConflict = errors.New("state: version conflict")
	// ErrInvalid: a name, key or value out of bounds.
	ErrInvalid = errors.New("state: invalid argument")
)

// Version of a record: 1 for its first write, one more for each write
// after. AnyVersion and Absent are what Put may expect.
type Version int64

const (
	// AnyVersion writes whatever is stored (last writer wins).
	AnyVersion Version = -1
	// Absent writes only when no record exists under the key (create).
	Absent Version = 0
)

// Record is one stored record.
type Record struct {
	Key     string
	Value   []byte
	Version Version
}

// Entry is one entry of a log, numbered from 1 in the order appended.
type Entry struct {
	Seq   int64
	Value []byte
}

// Store is the record store. Every method is safe for concurrent use, and
// each call is atomic on its own (a Put is all or nothing).
type Store interface {
	// Get returns the record under key, or ErrNotFound.
	Get(ctx context.Context, collection, key string) (Record, error)
	// Put writes value under key if the stored version is expect (Absent:
	// no record; AnyVersion: any), else ErrConflict; it returns the new
	// version.
	Put(ctx context.Context, collection, key string, value []byte, expect Version) (Version, error)
	// Delete removes the record under key if its version is expect
	// (AnyVersion: any; Absent is invalid); deleting what is absent is
	// ErrNotFound. A record written again after a Delete starts at 1.
	Delete(ctx context.Context, collection, key string, expect Version) error
	// List returns up to limit records (limit clamped to 1..MaxList)
	// whose keys start with prefix and sort after after, in key order
	// (bytewise, which for UTF-8 is code point order). A page ends early
	// only at the end: the next page starts after the last key.
	List(ctx context.Context, collection, prefix, after string, limit int) ([]Record, error)
	// Append adds value to the end of log and returns its sequence number.
	Append(ctx context.Context, log string, value []byte) (int64, error)
	// Read returns up to limit entries (limit clamped to 1..MaxList) of
	// log after seq after, oldest first.
	Read(ctx context.Context, log string, after int64, limit int) ([]Entry, error)
}

// Provider is a graph store that keeps a record store in its backend.
type Provider interface {
	State() Store
}
