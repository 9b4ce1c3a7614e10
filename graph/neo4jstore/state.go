package neo4jstore

import (
	"context"
	"encoding/hex"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph/state"
)

// The record store (graph/state) keeps its records as
// (:RedthreadRecord {collection, key, value, version}) and its logs as
// (:RedthreadLogEntry {log, seq, value}) beside one
// (:RedthreadLog {log, last}) counter per log; values are byte arrays.
// Like the price table's nodes they carry no :Node label and no
// relationship, so no graph query (all start from :Node) reaches them,
// and Stats, which counts kind labels, does not count them. Every server
// over the database shares them.
const (
	recordLabel = "RedthreadRecord"
	entryLabel  = "RedthreadLogEntry"
	logLabel    = "RedthreadLog"
)

var stateConstraints = []string{
	"CREATE CONSTRAINT redthread_record_key IF NOT EXISTS FOR (r:" + recordLabel + ") REQUIRE (r.collection, r.key) IS UNIQUE",
	"CREATE CONSTRAINT redthread_log_entry_seq IF NOT EXISTS FOR (e:" + entryLabel + ") REQUIRE (e.log, e.seq) IS UNIQUE",
	"CREATE CONSTRAINT redthread_log_name IF NOT EXISTS FOR (l:" + logLabel + ") REQUIRE l.log IS UNIQUE",
	"CREATE INDEX redthread_record_order IF NOT EXISTS FOR (r:" + recordLabel + ") ON (r.collection, r.ord)",
}

// ord is a record key as it sorts: the hex digits of its UTF-8 bytes.
// Cypher's ORDER BY sorts strings by code point (UTF-8 byte order), but
// its < and > compare UTF-16 units, which puts U+10000 and above before
// U+E000..U+FFFF; hex digits compare alike either way, so List pages by
// ord, and a key starts with a prefix exactly when its ord starts with
// the prefix's.
func ord(key string) string { return hex.EncodeToString([]byte(key)) }

// Compare-and-set reads a version and writes after it in one transaction.
// Neo4j reads committed data, so the read first takes the node's write
// lock (SET r._lock, the locking idiom of Neo4j's "concurrent data
// access" notes): a concurrent writer waits until this transaction ends
// and then reads the version it wrote. MERGE on the uniqueness constraint
// makes two concurrent creations of one key one node.
const (
	stateGet       = "MATCH (r:" + recordLabel + " {collection: $c, key: $k}) RETURN r.value, r.version"
	stateLockMerge = "MERGE (r:" + recordLabel + " {collection: $c, key: $k}) ON CREATE SET r.version = 0 SET r._lock = true RETURN r.version"
	stateLock      = "MATCH (r:" + recordLabel + " {collection: $c, key: $k}) SET r._lock = true RETURN r.version"
	statePut       = "MATCH (r:" + recordLabel + " {collection: $c, key: $k}) SET r.value = $v, r.version = $next, r.ord = $ord REMOVE r._lock"
	stateDelete    = "MATCH (r:" + recordLabel + " {collection: $c, key: $k}) DELETE r"
	stateList      = "MATCH (r:" + recordLabel + ") WHERE r.collection = $c AND r.ord STARTS WITH $prefix AND r.ord > $after " +
		"RETURN r.key, r.value, r.version ORDER BY r.ord LIMIT $limit"
	stateLockLog = "MERGE (l:" + logLabel + " {log: $log}) ON CREATE SET l.last = 0 SET l._lock = true RETURN l.last"
	stateAppend  = "MATCH (l:" + logLabel + " {log: $log}) SET l.last = $seq REMOVE l._lock " +
		"CREATE (:" + entryLabel + " {log: $log, seq: $seq, value: $v})"
	stateRead = "MATCH (e:" + entryLabel + ") WHERE e.log = $log AND e.seq > $after " +
		"RETURN e.seq, e.value ORDER BY e.seq LIMIT $limit"
)

// State returns the record store kept in this store's database. It is
// valid until the store is closed.
func (s *Store) State() state.Store { return &stateStore{s: s} }

var _ state.Provider = (*Store)(nil)

type stateStore struct{ s *Store }

func bytesOf(v any) []byte {
	b, _ := v.([]byte)
	if b == nil {
		b = []byte{}
	}
	return b
}

func versionOf(v any) state.Version {
	n, _ := v.(int64)
	return state.Version(n)
}

// nonNil keeps an empty value a byte array: a nil one would be null.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (st *stateStore) Get(ctx context.Context, collection, key string) (state.Record, error) {
	if err := state.CheckGet(collection, key); err != nil {
		return state.Record{}, err
	}
	var rec state.Record
	err := st.s.read(ctx, "state get", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, stateGet, map[string]any{"c": collection, "k": key})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return state.NotFound(collection)
		}
		rec = state.Record{Key: key, Value: bytesOf(recs[0].Values[0]), Version: versionOf(recs[0].Values[1])}
		return nil
	})
	return rec, err
}

func (st *stateStore) Put(ctx context.Context, collection, key string, value []byte, expect state.Version) (state.Version, error) {
	if err := state.CheckPut(collection, key, value, expect); err != nil {
		return 0, err
	}
	var next state.Version
	err := st.s.write(ctx, "state put", func(tx neo4j.ManagedTransaction) error {
		params := map[string]any{"c": collection, "k": key}
		recs, err := run(ctx, tx, stateLockMerge, params)
		if err != nil {
			return err
		}
		have := versionOf(recs[0].Values[0])
		if err := state.Decide(collection, have, expect); err != nil {
			return err // the transaction rolls back, with the node MERGE made
		}
		next = have + 1
		params["v"], params["next"], params["ord"] = nonNil(value), int64(next), ord(key)
		_, err = run(ctx, tx, statePut, params)
		return err
	})
	if err != nil {
		return 0, err
	}
	return next, nil
}

func (st *stateStore) Delete(ctx context.Context, collection, key string, expect state.Version) error {
	if err := state.CheckDelete(collection, key, expect); err != nil {
		return err
	}
	return st.s.write(ctx, "state delete", func(tx neo4j.ManagedTransaction) error {
		params := map[string]any{"c": collection, "k": key}
		recs, err := run(ctx, tx, stateLock, params)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return state.NotFound(collection)
		}
		if err := state.Decide(collection, versionOf(recs[0].Values[0]), expect); err != nil {
			return err
		}
		_, err = run(ctx, tx, stateDelete, params)
		return err
	})
}

func (st *stateStore) List(ctx context.Context, collection, prefix, after string, limit int) ([]state.Record, error) {
	limit, err := state.CheckList(collection, prefix, after, limit)
	if err != nil {
		return nil, err
	}
	var out []state.Record
	err = st.s.read(ctx, "state list", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, stateList, map[string]any{"c": collection, "prefix": ord(prefix), "after": ord(after), "limit": int64(limit)})
		if err != nil {
			return err
		}
		out = make([]state.Record, len(recs))
		for i, r := range recs {
			k, _ := r.Values[0].(string)
			out[i] = state.Record{Key: k, Value: bytesOf(r.Values[1]), Version: versionOf(r.Values[2])}
		}
		return nil
	})
	return out, err
}

func (st *stateStore) Append(ctx context.Context, log string, value []byte) (int64, error) {
	if err := state.CheckAppend(log, value); err != nil {
		return 0, err
	}
	var seq int64
	err := st.s.write(ctx, "state append", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, stateLockLog, map[string]any{"log": log})
		if err != nil {
			return err
		}
		last, _ := recs[0].Values[0].(int64)
		seq = last + 1
		_, err = run(ctx, tx, stateAppend, map[string]any{"log": log, "seq": seq, "v": nonNil(value)})
		return err
	})
	if err != nil {
		return 0, err
	}
	return seq, nil
}

func (st *stateStore) Read(ctx context.Context, log string, after int64, limit int) ([]state.Entry, error) {
	limit, err := state.CheckRead(log, after, limit)
	if err != nil {
		return nil, err
	}
	var out []state.Entry
	err = st.s.read(ctx, "state read", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, stateRead, map[string]any{"log": log, "after": after, "limit": int64(limit)})
		if err != nil {
			return err
		}
		out = make([]state.Entry, len(recs))
		for i, r := range recs {
			seq, _ := r.Values[0].(int64)
			out[i] = state.Entry{Seq: seq, Value: bytesOf(r.Values[1])}
		}
		return nil
	})
	return out, err
}
