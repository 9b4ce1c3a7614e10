package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/search"
)

// Node implements graph.Store.
func (s *Store) Node(ctx context.Context, id string) (*graph.Node, error) {
	ns, err := s.Nodes(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if ns[0] == nil {
		return nil, graph.NotFound("node", id)
	}
	return ns[0], nil
}

// Nodes implements graph.Store.
func (s *Store) Nodes(ctx context.Context, ids []string) ([]*graph.Node, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]*graph.Node, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		for i, id := range ids {
			if out[i], err = getNode(tx, s.idx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Edge implements graph.Store.
func (s *Store) Edge(ctx context.Context, id string) (*graph.Edge, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var e *graph.Edge
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		e, err = getEdge(tx, s.idx, id)
		return err
	})
	if err == nil && e == nil {
		return nil, graph.NotFound("edge", id)
	}
	return e, err
}

// getNode returns the node stored under id, or nil.
func getNode(tx *bolt.Tx, x *index, id string) (*graph.Node, error) {
	v := tx.Bucket(bucketNodes).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	n, err := decodeNode(x.srcs, id, v)
	if err != nil {
		return nil, internal(err, "decode node "+id)
	}
	return n, nil
}

// getEdge returns the edge stored under id, or nil.
func getEdge(tx *bolt.Tx, x *index, id string) (*graph.Edge, error) {
	from, kind, to, key, ok := parseEdgeID(id)
	code, known := edgeKindCode(kind)
	f, ok1 := x.byID[from]
	t, ok2 := x.byID[to]
	if !ok || !known || !ok1 || !ok2 {
		return nil, nil
	}
	h := edgeHead{from: f, to: t, kind: code, key: key}
	_, v, err := x.findEdge(tx.Bucket(bucketEdges), x.eids.hash(h), h)
	if err != nil {
		return nil, internal(err, "find edge "+id)
	}
	if v == nil {
		return nil, nil
	}
	e, err := decodeEdge(x.srcs, x.ids, v)
	if err != nil {
		return nil, internal(err, "decode edge "+id)
	}
	return e, nil
}

// edgeValue returns the stored value of the edge with dense index e.
func edgeValue(tx *bolt.Tx, e uint32) ([]byte, error) {
	v := tx.Bucket(bucketEdges).Get(seqKey(uint64(e) + 1))
	if v == nil {
		return nil, internal(fmt.Errorf("edge %d indexed but not stored", e), "edge lookup")
	}
	return v, nil
}

// edgeID returns the ID of the edge with dense index e, decoding its head
// only.
func edgeID(tx *bolt.Tx, x *index, e uint32) (string, error) {
	v, err := edgeValue(tx, e)
	if err != nil {
		return "", err
	}
	id, err := edgeIDOf(x.ids, v)
	if err != nil {
		return "", internal(err, "edge lookup")
	}
	return id, nil
}

// loadNodes reads the payloads of nodes by index, in order.
func (s *Store) loadNodes(tx *bolt.Tx, idx []uint32) ([]*graph.Node, error) {
	out := make([]*graph.Node, len(idx))
	for i, u := range idx {
		n, err := getNode(tx, s.idx, s.idx.ids[u])
		if err != nil {
			return nil, err
		}
		if n == nil {
			return nil, internal(nil, "node "+s.idx.ids[u]+" indexed but not stored")
		}
		out[i] = n
	}
	return out, nil
}

// loadEdges reads the payloads of edges by index, in order.
func loadEdges(tx *bolt.Tx, x *index, idx []uint32) ([]*graph.Edge, error) {
	out := make([]*graph.Edge, len(idx))
	for i, e := range idx {
		v, err := edgeValue(tx, e)
		if err != nil {
			return nil, err
		}
		if out[i], err = decodeEdge(x.srcs, x.ids, v); err != nil {
			return nil, internal(err, "decode edge")
		}
	}
	return out, nil
}

// Stats implements graph.Store. Kinds with no records are left out of the
// maps.
func (s *Store) Stats(ctx context.Context) (graph.Stats, error) {
	if err := s.begin(ctx); err != nil {
		return graph.Stats{}, err
	}
	defer s.mu.RUnlock()
	st := graph.Stats{NodesByKind: map[graph.NodeKind]int64{}, EdgesByKind: map[graph.EdgeKind]int64{}}
	for i, c := range s.idx.nodesByKind {
		if c > 0 {
			st.NodesByKind[nodeKinds[i]] = c
			st.Nodes += c
		}
	}
	for i, c := range s.idx.edgesByKind {
		if c > 0 {
			st.EdgesByKind[edgeKinds[i]] = c
			st.Edges += c
		}
	}
	return st, nil
}

// Search implements graph.Store; see searchIndex for the ranking.
func (s *Store) Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error) {
	var res graph.SearchResult
	req, err := search.ParseRequest(q, s.limits)
	if err != nil {
		return res, err
	}
	sq, limit, after := req.Query, req.Limit, req.After
	var kinds uint32
	for _, k := range q.Kinds {
		if !k.Valid() {
			return res, graph.Errorf(graph.CodeInvalid, "unknown node kind %q", k)
		}
		kinds |= 1 << nodeKindCode(k)
	}
	if err := s.begin(ctx); err != nil {
		return res, err
	}
	defer s.mu.RUnlock()
	x := s.idx
	keep := func(i uint32) bool { return kinds == 0 || kinds&(1<<x.nkind[i]) != 0 }
	hits := x.search.find(sq, after, limit+1, x.ids, keep)
	if err := ctx.Err(); err != nil {
		return res, timeout(err)
	}
	if len(hits) > limit {
		hits, res.HasMore = hits[:limit], true
	}
	idx := make([]uint32, len(hits))
	for i, h := range hits {
		idx[i] = h.Ref
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		nodes, err := s.loadNodes(tx, idx)
		for i, n := range nodes {
			res.Hits = append(res.Hits, graph.SearchHit{
				Node:   n,
				Score:  float64(hits[i].Tier),
				Cursor: search.Cursor{Tier: hits[i].Tier, ID: hits[i].ID}.String(),
			})
		}
		return err
	})
	return res, err
}
