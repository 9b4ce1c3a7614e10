package boltstore

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/cespare/xxhash/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// The topology snapshot: the in-memory index written beside the bbolt file
// at Close and read in one go at Open, so a large store opens without
// decoding every record. It is trusted only when its checksum holds, it
// names this store (a random ID kept in the meta bucket) and bbolt's
// transaction ID is still the one it was written at: every committed write
// transaction advances that ID, so a write after the snapshot (a crash
// before the next Close) makes it stale. Anything else rebuilds from bbolt
// and says why in the log. Counts and co-spend sets are derived again from
// the arrays rather than stored, so there is less to trust.

// snapMagic starts a snapshot file; the digit is the format version.
// Version 2 added the description table (descTable).
var snapMagic = []byte("RTSNAP02")

// keyStoreID names the store in the meta bucket.
var keyStoreID = []byte("store-id")

// snapSuffix is appended to the bbolt file's path.
const snapSuffix = ".snap"

// stamp is what ties a snapshot to the store's state.
type stamp struct {
	id   []byte // the store's random ID
	txid uint64 // bbolt's last committed transaction
}

func (s *Store) readStamp() (st stamp, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			st.id = bytes.Clone(b.Get(keyStoreID))
		}
		st.txid = uint64(tx.ID())
		return nil
	})
	return st, err
}

// ensureStoreID gives a store without one its random ID.
func ensureStoreID(tx *bolt.Tx) error {
	b := tx.Bucket(bucketMeta)
	if b.Get(keyStoreID) != nil {
		return nil
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return b.Put(keyStoreID, id)
}

// snapExtra holds the snapshot's few irregular parts, as JSON: the classes
// and the records whose sources differ in visibility.
type snapExtra struct {
	Classes    [][]visibility.Key
	Nodes      []snapMixedNode
	Edges      []snapMixedEdge
	EIDSeed    uint64
	EIDEntries int
}

type snapMixedNode struct {
	At            uint32
	Stub          *graph.Node
	Classes, Seen []uint32
}

type snapMixedEdge struct {
	At            uint32
	Stub          *graph.Edge
	Classes, Seen []uint32
}

// saveSnapshot writes the index's snapshot; the caller holds both locks and
// no write is in flight. It writes a temporary file and renames it, so a
// crash leaves the old snapshot (stale, detected) or the new one.
func (s *Store) saveSnapshot() error {
	st, err := s.readStamp()
	if err != nil || st.id == nil {
		return errors.Join(err, errors.New("the store has no ID"))
	}
	path := s.db.Path() + snapSuffix
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	_, _ = bw.Write(snapMagic)
	w := newSnapWriter(bw)
	w.bytes(st.id)
	w.u64(st.txid)
	w.str(schemaVersion)
	if err := s.idx.writeSnapshot(w); err != nil {
		return errors.Join(err, f.Close(), os.Remove(tmp))
	}
	w.flush()
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], w.sum.Sum64())
	_, _ = bw.Write(sum[:])
	err = errors.Join(w.err, bw.Flush(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}

func (x *index) writeSnapshot(w *snapWriter) error {
	extra := snapExtra{Classes: make([][]visibility.Key, x.vis.classes.Len()), EIDSeed: x.eids.seed, EIDEntries: x.eids.n}
	for i := range extra.Classes {
		extra.Classes[i] = x.vis.classes.Keys(uint32(i))
	}
	for u, m := range x.vis.nmixed {
		extra.Nodes = append(extra.Nodes, snapMixedNode{u, m.stub, m.classes, m.seen})
	}
	for e, m := range x.vis.emixed {
		extra.Edges = append(extra.Edges, snapMixedEdge{e, m.stub, m.classes, m.seen})
	}
	js, err := json.Marshal(extra)
	if err != nil {
		return err
	}
	w.bytes(js)
	w.strs(x.ids)
	w.bytes(x.nkind)
	ga := x.g.MarshalArrays()
	w.u64(uint64(ga.Nodes))
	w.u32s(ga.Src)
	w.u32s(ga.Dst)
	w.bytes(ga.Kind)
	fa := x.facts
	w.u32s(fa.nseen)
	w.u32s(fa.etime)
	w.u32s(fa.eseen)
	w.f64s(fa.evalue)
	w.f64s(fa.eamount)
	w.bytes(fa.easset)
	w.strs(fa.assets)
	w.u64s(x.eids.slots)
	x.search.sortMu.Lock()
	x.search.sortPending()
	x.search.sortMu.Unlock()
	w.strs(x.search.text)
	w.strs(x.search.tokens)
	w.u32s(x.search.sorted)
	w.u64(uint64(len(x.search.postings)))
	for _, p := range x.search.postings {
		w.u32s(p)
	}
	w.u32s(x.desc.noff)
	w.u32s(x.desc.eoff)
	w.bytes(x.desc.arena)
	w.u64(uint64(x.desc.dead))
	w.u32s(x.vis.nclass)
	w.u32s(x.vis.eclass)
	return nil
}

// loadSnapshot reads the snapshot for stamp st, or says why it cannot be
// used. The source dictionary is read from bbolt (it is small).
func (s *Store) loadSnapshot(st stamp) (*index, error) {
	path := s.db.Path() + snapSuffix
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	db, err := os.Stat(s.db.Path())
	if err != nil {
		return nil, err
	}
	// The index is smaller than the records it is built from: a larger
	// file is not read into memory.
	if fi.Size() > 2*db.Size()+1<<20 {
		return nil, fmt.Errorf("%d bytes for a data file of %d: too large", fi.Size(), db.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < len(snapMagic)+8 || !bytes.Equal(b[:len(snapMagic)], snapMagic) {
		return nil, errors.New("not a snapshot of this format")
	}
	body := b[len(snapMagic) : len(b)-8]
	if xxhash.Sum64(body) != binary.LittleEndian.Uint64(b[len(b)-8:]) {
		return nil, errors.New("checksum mismatch")
	}
	r := &snapReader{b: body}
	id, txid, schema := r.bytes(), r.u64(), r.str()
	switch {
	case r.err != nil:
		return nil, r.err
	case st.id == nil || !bytes.Equal(id, st.id):
		return nil, errors.New("written for another store")
	case schema != schemaVersion:
		return nil, fmt.Errorf("written for schema %q", schema)
	case txid != st.txid:
		return nil, fmt.Errorf("stale: written at transaction %d, the store is at %d", txid, st.txid)
	}
	x, err := readIndex(r)
	if err != nil {
		return nil, err
	}
	if x.desc.budget = s.descBudget; len(x.desc.arena) > s.descBudget {
		x.desc.drop() // written under a larger budget
	}
	err = s.db.View(func(tx *bolt.Tx) error { return x.srcs.load(tx.Bucket(bucketSources)) })
	return x, err
}
