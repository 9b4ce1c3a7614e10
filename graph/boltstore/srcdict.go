package boltstore

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// sourceCtx is the part of a source that the records of one job share:
// everything but the record, URL and excerpt. It is comparable, so it
// keys the dictionary; the retrieval time is held as its instant (sources
// are prepared in UTC).
type sourceCtx struct {
	dataset, job, agency string
	user                 string // last in the encoding, absent when empty (schema 3 had none)
	retrieved            bool
	sec                  int64
	nsec                 int32
	confidence           int
	marking              graph.Marking
	illustrative         bool
}

func contextOf(s *graph.Source) sourceCtx {
	c := sourceCtx{dataset: s.Dataset, job: s.Job, agency: s.Agency, user: s.User, confidence: s.Confidence,
		marking: s.Marking, illustrative: s.Illustrative}
	if !s.RetrievedAt.IsZero() {
		c.retrieved, c.sec, c.nsec = true, s.RetrievedAt.Unix(), int32(s.RetrievedAt.Nanosecond())
	}
	return c
}

// source returns a Source with the context's fields set.
func (c sourceCtx) source() graph.Source {
	s := graph.Source{Dataset: c.dataset, Job: c.job, Agency: c.agency, User: c.user, Confidence: c.confidence,
		Marking: c.marking, Illustrative: c.illustrative}
	if c.retrieved {
		s.RetrievedAt = time.Unix(c.sec, int64(c.nsec)).UTC()
	}
	return s
}

func (c sourceCtx) encode() []byte {
	var flags byte
	if c.retrieved {
		flags |= 1
	}
	if c.illustrative {
		flags |= 2
	}
	b := appendStr(nil, c.dataset)
	b = appendStr(b, c.job)
	b = appendStr(b, c.agency)
	b = append(b, flags)
	if c.retrieved {
		b = binary.AppendVarint(b, c.sec)
		b = binary.AppendUvarint(b, uint64(c.nsec))
	}
	b = binary.AppendVarint(b, int64(c.confidence))
	b = appendMarking(b, c.marking)
	if c.user != "" {
		b = appendStr(b, c.user)
	}
	return b
}

func decodeSourceCtx(v []byte) (sourceCtx, error) {
	r := reader{b: v}
	c := sourceCtx{dataset: r.str(), job: r.str(), agency: r.str()}
	flags := r.byte()
	c.retrieved, c.illustrative = flags&1 != 0, flags&2 != 0
	if c.retrieved {
		c.sec = r.varint()
		nsec := r.uvarint()
		if nsec >= 1e9 {
			r.fail()
		}
		c.nsec = int32(nsec)
	}
	c.confidence = int(r.varint())
	c.marking = r.marking()
	if len(r.b) > 0 {
		if c.user = r.str(); c.user == "" {
			r.fail() // an empty user is written as none: one encoding per context
		}
	}
	return c, r.done()
}

// sourceDict numbers source contexts. Only the writer adds to it, after
// its batch commits and under the store's write lock, so readers holding
// the read lock see a consistent list.
type sourceDict struct {
	list []sourceCtx
	ids  map[sourceCtx]uint32
}

func newSourceDict() *sourceDict { return &sourceDict{ids: map[sourceCtx]uint32{}} }

func (d *sourceDict) add(c sourceCtx) {
	d.ids[c] = uint32(len(d.list))
	d.list = append(d.list, c)
}

// load reads the sources bucket, whose keys are the dense numbers 0..n-1.
func (d *sourceDict) load(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if len(k) != 4 || binary.BigEndian.Uint32(k) != uint32(len(d.list)) {
			return fmt.Errorf("source context %x out of order (want %d)", k, len(d.list))
		}
		c, err := decodeSourceCtx(v)
		if err != nil {
			return fmt.Errorf("source context %d: %w", len(d.list), err)
		}
		d.add(c)
		return nil
	})
}

// put stores the contexts an encoder added, in the batch's transaction.
func (e *encoder) put(b *bolt.Bucket) error {
	for i, c := range e.pending {
		k := binary.BigEndian.AppendUint32(nil, uint32(len(e.dict.list)+i))
		if err := b.Put(k, c.encode()); err != nil {
			return err
		}
	}
	return nil
}

// commit adds the encoder's contexts to the dictionary once stored.
func (e *encoder) commit() {
	for _, c := range e.pending {
		e.dict.add(c)
	}
	e.pending = e.pending[:0]
	clear(e.pendIDs)
}
