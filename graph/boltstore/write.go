package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// findEdge returns the sequence number and stored value of the edge with
// id among the candidates its ID hash names, or a nil value.
func findEdge(eb *bolt.Bucket, seqs []byte, id string) (uint64, []byte, error) {
	for ; len(seqs) >= 8; seqs = seqs[8:] {
		v := eb.Get(seqs[:8])
		if v == nil {
			return 0, nil, fmt.Errorf("dangling edge hash entry")
		}
		got, _, err := splitValue(v)
		if err != nil {
			return 0, nil, err
		}
		if string(got) == id {
			return binary.BigEndian.Uint64(seqs[:8]), v, nil
		}
	}
	return 0, nil, nil
}

// searchChange is a node whose indexed text must be (re)built after commit.
type searchChange struct {
	id      string
	kind    graph.NodeKind
	label   string
	aliases []string
	created bool
}

// newEdge is an edge created by the batch, in sequence order.
type newEdge struct {
	from, to string
	kind     uint8
}

// Write implements graph.Store. The whole batch is one bbolt transaction;
// when nothing in it changes a record the transaction is rolled back, so
// rewriting a batch leaves the file byte for byte as it was.
func (s *Store) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	var res graph.WriteResult
	if err := ctx.Err(); err != nil {
		return res, timeout(err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return res, graph.Errorf(graph.CodeUnavailable, "the graph store is closed")
	}
	// Only writers mutate s.idx and we hold wmu, so reading it unlocked is
	// safe until we take s.mu to apply the batch.
	idx := s.idx

	nodes, nodePos := prepareNodes(b.Nodes, &res)
	edges := prepareEdges(idx, b.Edges, nodePos, &res)

	tx, err := s.db.Begin(true)
	if err != nil {
		return graph.WriteResult{}, internal(err, "begin write")
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	enc := newEncoder()
	nb, eb, ib := tx.Bucket(bucketNodes), tx.Bucket(bucketEdges), tx.Bucket(bucketEID)
	eb.FillPercent = 1 // edges are appended in sequence order: fill pages
	var changes []searchChange
	for i, n := range nodes {
		if i%1024 == 0 && ctx.Err() != nil {
			return graph.WriteResult{}, timeout(ctx.Err())
		}
		key := []byte(n.ID)
		rec := n
		if old := nb.Get(key); old != nil {
			stored, err := decodeNode(n.ID, old)
			if err != nil {
				return graph.WriteResult{}, internal(err, "decode node "+n.ID)
			}
			if rec, err = graph.MergeNode(stored, n); err != nil {
				return graph.WriteResult{}, internal(err, "merge node")
			}
			val, err := enc.encodeNode(rec)
			if err != nil {
				return graph.WriteResult{}, internal(err, "encode node")
			}
			if bytes.Equal(val, old) {
				res.NodesUnchanged++
				continue
			}
			if err := nb.Put(key, val); err != nil {
				return graph.WriteResult{}, internal(err, "put node")
			}
			res.NodesUpdated++
			if rec.Label != stored.Label || !slices.Equal(rec.Aliases, stored.Aliases) {
				changes = append(changes, searchChange{id: n.ID, kind: n.Kind, label: rec.Label, aliases: rec.Aliases})
			}
			continue
		}
		val, err := enc.encodeNode(rec)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode node")
		}
		if err := nb.Put(key, val); err != nil {
			return graph.WriteResult{}, internal(err, "put node")
		}
		res.NodesCreated++
		changes = append(changes, searchChange{id: n.ID, kind: n.Kind, label: rec.Label, aliases: rec.Aliases, created: true})
	}
	var created []newEdge
	for i, e := range edges {
		if i%1024 == 0 && ctx.Err() != nil {
			return graph.WriteResult{}, timeout(ctx.Err())
		}
		hk := eidKey(e.ID)
		seqs := ib.Get(hk)
		seq, old, err := findEdge(eb, seqs, e.ID)
		if err != nil {
			return graph.WriteResult{}, internal(err, "find edge "+e.ID)
		}
		if old != nil {
			stored, err := decodeEdge(old)
			if err != nil {
				return graph.WriteResult{}, internal(err, "decode edge "+e.ID)
			}
			rec, err := graph.MergeEdge(stored, e)
			if err != nil {
				return graph.WriteResult{}, internal(err, "merge edge")
			}
			val, err := enc.encodeEdge(rec)
			if err != nil {
				return graph.WriteResult{}, internal(err, "encode edge")
			}
			if bytes.Equal(val, old) {
				res.EdgesUnchanged++
				continue
			}
			if err := eb.Put(seqKey(seq), val); err != nil {
				return graph.WriteResult{}, internal(err, "put edge")
			}
			res.EdgesUpdated++
			continue
		}
		val, err := enc.encodeEdge(e)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode edge")
		}
		seq, err = eb.NextSequence()
		if err != nil {
			return graph.WriteResult{}, internal(err, "edge sequence")
		}
		if err := eb.Put(seqKey(seq), val); err != nil {
			return graph.WriteResult{}, internal(err, "put edge")
		}
		if err := ib.Put(hk, append(bytes.Clone(seqs), seqKey(seq)...)); err != nil {
			return graph.WriteResult{}, internal(err, "put edge hash")
		}
		code, _ := edgeKindCode(e.Kind)
		created = append(created, newEdge{e.From, e.To, code})
		res.EdgesCreated++
	}
	if res.NodesCreated+res.NodesUpdated+res.EdgesCreated+res.EdgesUpdated == 0 {
		return res, nil // deferred rollback: the file is untouched
	}
	if err := ctx.Err(); err != nil {
		return graph.WriteResult{}, timeout(err)
	}
	if err := tx.Commit(); err != nil {
		return graph.WriteResult{}, internal(err, "commit")
	}

	// Readers see the whole batch or none of it.
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range changes {
		if c.created {
			idx.addNode(c.id, c.kind, c.label, c.aliases)
		} else {
			idx.search.set(idx.byID[c.id], c.id, c.label, c.aliases)
		}
	}
	for _, e := range created {
		if err := idx.addEdge(e.from, e.to, e.kind); err != nil {
			// Committed but not indexable: only a bug can get here.
			return res, internal(err, "index edge")
		}
	}
	idx.g.MaybeCompact()
	if len(res.Rejected) > 0 {
		s.log.Debug("batch written with rejections", "rejected", len(res.Rejected), "first", res.Rejected[0].Err)
	}
	return res, nil
}

// prepareNodes validates the batch's nodes and merges repeats of one ID in
// order. It returns the unique nodes and the position of each ID.
func prepareNodes(in []graph.Node, res *graph.WriteResult) ([]*graph.Node, map[string]int) {
	pos := make(map[string]int, len(in))
	out := make([]*graph.Node, 0, len(in))
	for i := range in {
		n := in[i]
		if err := graph.PrepareNode(&n); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
			continue
		}
		if j, ok := pos[n.ID]; ok {
			m, err := graph.MergeNode(out[j], &n)
			if err != nil {
				res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
				continue
			}
			out[j] = m
			continue
		}
		pos[n.ID] = len(out)
		out = append(out, &n)
	}
	return out, pos
}

// prepareEdges validates the batch's edges, rejects those with an endpoint
// neither stored nor among the batch's valid nodes, and merges repeats.
func prepareEdges(idx *index, in []graph.Edge, nodePos map[string]int, res *graph.WriteResult) []*graph.Edge {
	pos := make(map[string]int, len(in))
	out := make([]*graph.Edge, 0, len(in))
	exists := func(id string) bool {
		if _, ok := nodePos[id]; ok {
			return true
		}
		_, ok := idx.byID[id]
		return ok
	}
	for i := range in {
		e := in[i]
		if err := graph.PrepareEdge(&e); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
			continue
		}
		missing := ""
		switch {
		case !exists(e.From):
			missing = e.From
		case !exists(e.To):
			missing = e.To
		}
		if missing != "" {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID,
				Err: graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, missing)})
			continue
		}
		if j, ok := pos[e.ID]; ok {
			m, err := graph.MergeEdge(out[j], &e)
			if err != nil {
				res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
				continue
			}
			out[j] = m
			continue
		}
		pos[e.ID] = len(out)
		out = append(out, &e)
	}
	return out
}
