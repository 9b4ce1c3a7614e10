package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/algo"
)

// findEdge returns the index and stored value of the edge with id, whose
// hash is h, or a nil value.
func (x *index) findEdge(eb *bolt.Bucket, h uint64, id string) (uint32, []byte, error) {
	var v []byte
	e, ok, err := x.eids.lookup(h, func(e uint32) (bool, error) {
		v = eb.Get(seqKey(uint64(e) + 1))
		if v == nil {
			return false, fmt.Errorf("edge %d indexed but not stored", e)
		}
		got, _, err := splitValue(v)
		if err != nil {
			return false, err
		}
		return string(got) == id, nil
	})
	if err != nil || !ok {
		return 0, nil, err
	}
	return e, v, nil
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
	f, t     uint32 // node indices of from and to, algo.None for nodes new in the batch
	kind     uint8
	hash     uint64 // of the ID, for idx.eids
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
	edges, ends := prepareEdges(idx, b.Edges, nodePos, &res)

	tx, err := s.db.Begin(true)
	if err != nil {
		return graph.WriteResult{}, internal(err, "begin write")
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	enc := newEncoder()
	nb, eb := tx.Bucket(bucketNodes), tx.Bucket(bucketEdges)
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
		h := idx.eids.hash(e.ID)
		ei, old, err := idx.findEdge(eb, h, e.ID)
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
			if err := eb.Put(seqKey(uint64(ei)+1), val); err != nil {
				return graph.WriteResult{}, internal(err, "put edge")
			}
			res.EdgesUpdated++
			continue
		}
		val, err := enc.encodeEdge(e)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode edge")
		}
		seq, err := eb.NextSequence()
		if err != nil {
			return graph.WriteResult{}, internal(err, "edge sequence")
		}
		if seq != uint64(idx.g.NumEdges()+len(created))+1 {
			return graph.WriteResult{}, internal(fmt.Errorf("sequence %d for edge %d", seq, idx.g.NumEdges()+len(created)), "edge sequence")
		}
		if err := eb.Put(seqKey(seq), val); err != nil {
			return graph.WriteResult{}, internal(err, "put edge")
		}
		code, _ := edgeKindCode(e.Kind)
		created = append(created, newEdge{e.From, e.To, ends[i][0], ends[i][1], code, h})
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
		if err := idx.addEdgeAt(e.from, e.to, e.f, e.t, e.kind, e.hash); err != nil {
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
// neither stored nor among the batch's valid nodes, and merges repeats. For
// each edge returned it gives the indices of its endpoints among the stored
// nodes, algo.None for nodes the batch creates.
func prepareEdges(idx *index, in []graph.Edge, nodePos map[string]int, res *graph.WriteResult) ([]*graph.Edge, [][2]uint32) {
	pos := make(map[string]int, len(in))
	out := make([]*graph.Edge, 0, len(in))
	ends := make([][2]uint32, 0, len(in))
	node := func(id string) (uint32, bool) {
		if u, ok := idx.byID[id]; ok {
			return u, true
		}
		_, ok := nodePos[id]
		return algo.None, ok
	}
	exists := func(id string) bool { _, ok := node(id); return ok }
	for i := range in {
		e := in[i]
		// Endpoints are mostly IDs of stored or batch nodes as they are:
		// those need no normalising, nor a second look-up.
		f, fromOK := node(e.From)
		t, toOK := node(e.To)
		if err := graph.PrepareEdgeKnown(&e, fromOK, toOK); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
			continue
		}
		missing := ""
		switch {
		case !fromOK && !exists(e.From):
			missing = e.From
		case !toOK && !exists(e.To):
			missing = e.To
		}
		if !fromOK {
			f, _ = node(e.From) // normalised
		}
		if !toOK {
			t, _ = node(e.To)
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
		ends = append(ends, [2]uint32{f, t})
	}
	return out, ends
}
