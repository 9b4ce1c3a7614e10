package boltstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// Digest summarises a store's content, to tell whether two stores hold the
// same graph (say, one loaded by an ingest job killed and resumed several
// times and one loaded in a single run).
type Digest struct {
	Nodes, Edges int
	// SHA256 hashes every node, then every edge, as JSON without
	// Source.Job: each run of a job stamps its own job ID, and two runs of
	// one input must compare equal. Nodes come in ID order; edges in the
	// order of the FNV-1a hash of their IDs, then by ID, which, like ID
	// order, does not depend on the order they were written in (and holds
	// 16 bytes per edge while sorting, not the IDs).
	SHA256 string
	// Jobs are the distinct Source.Job values, sorted.
	Jobs []string
}

// Digest reads the whole store in one read transaction.
func (s *Store) Digest(ctx context.Context) (Digest, error) {
	if err := s.begin(ctx); err != nil {
		return Digest{}, err
	}
	defer s.mu.RUnlock()
	var d Digest
	h := sha256.New()
	jobs := map[string]bool{}
	write := func(tag, id string, v any, sources []graph.Source) error {
		for i := range sources {
			jobs[sources[i].Job] = true
			sources[i].Job = ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %s %d\n", tag, id, len(b))
		h.Write(b)
		return nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketNodes).ForEach(func(k, v []byte) error {
			if d.Nodes++; d.Nodes%65536 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			n, err := decodeNode(s.idx.srcs, string(k), v)
			if err != nil {
				return fmt.Errorf("node %q: %w", k, err)
			}
			return write("N", n.ID, n, n.Sources)
		})
		if err != nil {
			return err
		}
		eb := tx.Bucket(bucketEdges)
		type ref struct {
			h   uint64
			seq uint64
		}
		refs := make([]ref, 0, eb.Sequence())
		c := eb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(refs)%65536 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			id, err := edgeIDOf(s.idx.ids, v)
			if err != nil {
				return fmt.Errorf("edge sequence %x: %w", k, err)
			}
			h := fnv.New64a()
			h.Write([]byte(id))
			refs = append(refs, ref{h.Sum64(), binary.BigEndian.Uint64(k)})
		}
		var sortErr error
		idOf := func(seq uint64) string {
			id, err := edgeIDOf(s.idx.ids, eb.Get(seqKey(seq)))
			if err != nil && sortErr == nil {
				sortErr = fmt.Errorf("edge sequence %d: %w", seq, err)
			}
			return id
		}
		slices.SortFunc(refs, func(a, b ref) int {
			if c := cmp.Compare(a.h, b.h); c != 0 {
				return c
			}
			return strings.Compare(idOf(a.seq), idOf(b.seq)) // IDs that collide in the hash
		})
		if sortErr != nil {
			return sortErr
		}
		for i, r := range refs {
			if i%65536 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			e, err := decodeEdge(s.idx.srcs, s.idx.ids, eb.Get(seqKey(r.seq)))
			if err != nil {
				return fmt.Errorf("edge sequence %d: %w", r.seq, err)
			}
			d.Edges++
			if err := write("E", e.ID, e, e.Sources); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Digest{}, mapErr(err)
	}
	d.SHA256 = hex.EncodeToString(h.Sum(nil))
	for j := range jobs {
		d.Jobs = append(d.Jobs, j)
	}
	slices.Sort(d.Jobs)
	return d, nil
}
