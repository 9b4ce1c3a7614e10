package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// The record store (graph/state) lives in the bucket "state" of the same
// file: "state"/"records"/<collection> maps a key to an 8-byte big-endian
// version followed by the value, and "state"/"logs"/<log> maps a
// big-endian uint64 sequence (the bucket's NextSequence) to the value.
// Nothing that builds the index, reads the graph or digests it opens
// these buckets, so records never show in graph queries. A file of schema
// 3 written before the record store existed gains the bucket on Open (the
// layout of every other bucket is unchanged).
var (
	bucketState   = []byte("state")
	bucketRecords = []byte("records")
	bucketLogs    = []byte("logs")
)

// ensureBuckets adds to a file of this schema the buckets that were added
// to the schema after it was first written: prices, then the record store.
func (s *Store) ensureBuckets() error {
	var missing bool
	err := s.db.View(func(tx *bolt.Tx) error {
		st := tx.Bucket(bucketState)
		missing = tx.Bucket(bucketPrices) == nil || st == nil || st.Bucket(bucketRecords) == nil || st.Bucket(bucketLogs) == nil
		return nil
	})
	if err != nil || !missing {
		return err
	}
	s.log.Info("adding buckets to a data file written before them", "path", s.db.Path())
	return s.db.Update(createNewerBuckets)
}

func createNewerBuckets(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketPrices); err != nil {
		return err
	}
	st, err := tx.CreateBucketIfNotExists(bucketState)
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bucketRecords, bucketLogs} {
		if _, err := st.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// State returns the record store kept in this store's file. It is valid
// until the store is closed.
func (s *Store) State() state.Store { return &stateStore{s: s} }

var _ state.Provider = (*Store)(nil)

type stateStore struct{ s *Store }

// view runs fn in a read transaction under the store's read lock, so that
// Close waits for it.
func (st *stateStore) view(ctx context.Context, what string, fn func(*bolt.Bucket) error) error {
	if err := st.s.begin(ctx); err != nil {
		return err
	}
	defer st.s.mu.RUnlock()
	return stateErr(st.s.db.View(func(tx *bolt.Tx) error { return fn(tx.Bucket(bucketState)) }), what)
}

// update runs fn in one write transaction, committed when fn returns nil.
// It holds the read lock only: records are not in the index, so graph
// writers (wmu) need not wait, and bbolt serialises the transactions.
func (st *stateStore) update(ctx context.Context, what string, fn func(*bolt.Bucket) error) error {
	if err := st.s.begin(ctx); err != nil {
		return err
	}
	defer st.s.mu.RUnlock()
	return stateErr(st.s.db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket(bucketState)) }), what)
}

// stateErr keeps the record store's own errors and hides bbolt's.
func stateErr(err error, what string) error {
	var ge *graph.Error
	switch {
	case err == nil, errors.As(err, &ge):
		return err
	case errors.Is(err, bolterrors.ErrDatabaseNotOpen):
		return graph.WrapError(graph.CodeUnavailable, err, "the graph store is closed")
	}
	return internal(err, "state: "+what)
}

func encodeRecord(v state.Version, value []byte) []byte {
	b := make([]byte, 8+len(value))
	binary.BigEndian.PutUint64(b, uint64(v))
	copy(b[8:], value)
	return b
}

// decodeRecord copies the stored bytes: they live only as long as the
// transaction.
func decodeRecord(key, b []byte) (state.Record, error) {
	if len(b) < 8 {
		return state.Record{}, errors.New("record shorter than its version")
	}
	return state.Record{
		Key:     string(key),
		Version: state.Version(binary.BigEndian.Uint64(b)),
		Value:   bytes.Clone(b[8:len(b):len(b)]),
	}, nil
}

func storedVersion(b []byte) state.Version {
	if len(b) < 8 {
		return state.Absent
	}
	return state.Version(binary.BigEndian.Uint64(b))
}

func (st *stateStore) Get(ctx context.Context, collection, key string) (state.Record, error) {
	if err := state.CheckGet(collection, key); err != nil {
		return state.Record{}, err
	}
	var rec state.Record
	err := st.view(ctx, "get", func(b *bolt.Bucket) error {
		c := b.Bucket(bucketRecords).Bucket([]byte(collection))
		var v []byte
		if c != nil {
			v = c.Get([]byte(key))
		}
		if v == nil {
			return state.NotFound(collection)
		}
		var err error
		rec, err = decodeRecord([]byte(key), v)
		return err
	})
	return rec, err
}

func (st *stateStore) Put(ctx context.Context, collection, key string, value []byte, expect state.Version) (state.Version, error) {
	if err := state.CheckPut(collection, key, value, expect); err != nil {
		return 0, err
	}
	var next state.Version
	err := st.update(ctx, "put", func(b *bolt.Bucket) error {
		c, err := b.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(collection))
		if err != nil {
			return err
		}
		have := storedVersion(c.Get([]byte(key)))
		if err := state.Decide(collection, have, expect); err != nil {
			return err
		}
		next = have + 1
		return c.Put([]byte(key), encodeRecord(next, value))
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
	return st.update(ctx, "delete", func(b *bolt.Bucket) error {
		c := b.Bucket(bucketRecords).Bucket([]byte(collection))
		var v []byte
		if c != nil {
			v = c.Get([]byte(key))
		}
		if v == nil {
			return state.NotFound(collection)
		}
		if err := state.Decide(collection, storedVersion(v), expect); err != nil {
			return err
		}
		return c.Delete([]byte(key))
	})
}

func (st *stateStore) List(ctx context.Context, collection, prefix, after string, limit int) ([]state.Record, error) {
	limit, err := state.CheckList(collection, prefix, after, limit)
	if err != nil {
		return nil, err
	}
	var out []state.Record
	err = st.view(ctx, "list", func(b *bolt.Bucket) error {
		c := b.Bucket(bucketRecords).Bucket([]byte(collection))
		if c == nil {
			return nil
		}
		cur := c.Cursor()
		k, v := cur.Seek([]byte(max(prefix, after)))
		if k != nil && string(k) == after {
			k, v = cur.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, []byte(prefix)) && len(out) < limit; k, v = cur.Next() {
			rec, err := decodeRecord(k, v)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

func (st *stateStore) Append(ctx context.Context, log string, value []byte) (int64, error) {
	if err := state.CheckAppend(log, value); err != nil {
		return 0, err
	}
	var seq uint64
	err := st.update(ctx, "append", func(b *bolt.Bucket) error {
		l, err := b.Bucket(bucketLogs).CreateBucketIfNotExists([]byte(log))
		if err != nil {
			return err
		}
		l.FillPercent = 1 // appended in key order: fill pages
		if seq, err = l.NextSequence(); err != nil {
			return err
		}
		return l.Put(binary.BigEndian.AppendUint64(nil, seq), bytes.Clone(value))
	})
	if err != nil {
		return 0, err
	}
	return int64(seq), nil
}

func (st *stateStore) Read(ctx context.Context, log string, after int64, limit int) ([]state.Entry, error) {
	limit, err := state.CheckRead(log, after, limit)
	if err != nil {
		return nil, err
	}
	var out []state.Entry
	err = st.view(ctx, "read", func(b *bolt.Bucket) error {
		l := b.Bucket(bucketLogs).Bucket([]byte(log))
		if l == nil {
			return nil
		}
		cur := l.Cursor()
		for k, v := cur.Seek(binary.BigEndian.AppendUint64(nil, uint64(after)+1)); k != nil && len(out) < limit; k, v = cur.Next() {
			if len(k) != 8 {
				return errors.New("log entry key is not a sequence number")
			}
			out = append(out, state.Entry{Seq: int64(binary.BigEndian.Uint64(k)), Value: bytes.Clone(v)})
		}
		return nil
	})
	return out, err
}
