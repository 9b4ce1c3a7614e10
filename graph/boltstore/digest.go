package boltstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

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
	// order of the hash of their IDs (the eid bucket's order), which, like
	// ID order, does not depend on the order they were written in.
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
			n, err := decodeNode(string(k), v)
			if err != nil {
				return fmt.Errorf("node %q: %w", k, err)
			}
			return write("N", n.ID, n, n.Sources)
		})
		if err != nil {
			return err
		}
		eb := tx.Bucket(bucketEdges)
		return tx.Bucket(bucketEID).ForEach(func(k, seqs []byte) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var edges []*graph.Edge // more than one only when IDs collide in the hash
			for i := 0; i+8 <= len(seqs); i += 8 {
				v := eb.Get(seqs[i : i+8])
				if v == nil {
					return fmt.Errorf("edge sequence %x indexed but not stored", seqs[i:i+8])
				}
				e, err := decodeEdge(v)
				if err != nil {
					return fmt.Errorf("edge sequence %x: %w", seqs[i:i+8], err)
				}
				edges = append(edges, e)
			}
			slices.SortFunc(edges, func(a, b *graph.Edge) int {
				switch {
				case a.ID < b.ID:
					return -1
				case a.ID > b.ID:
					return 1
				}
				return 0
			})
			for _, e := range edges {
				d.Edges++
				if err := write("E", e.ID, e, e.Sources); err != nil {
					return err
				}
			}
			return nil
		})
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
