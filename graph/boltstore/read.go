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
	w, err := s.seerOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Node, len(ids))
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		for i, id := range ids {
			// The index says whether the viewer sees it before the file
			// is read: a hidden node costs what a missing one does.
			if u, ok := s.idx.byID[id]; !ok || !w.node(u) {
				continue
			}
			if out[i], err = getNode(tx, s.idx, id); err != nil {
				return err
			}
			out[i] = w.viewNode(out[i])
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
	w, err := s.seerOf(ctx)
	if err != nil {
		return nil, err
	}
	var e *graph.Edge
	err = s.db.View(func(tx *bolt.Tx) error {
		n, ok, err := findEdgeByID(tx, s.idx, id)
		if err != nil || !ok || !w.edge(n) {
			return err
		}
		e, err = getEdge(tx, s.idx, id)
		e = w.viewEdge(e)
		return err
	})
	if err == nil && e == nil {
		return nil, graph.NotFound("edge", id)
	}
	return e, err
}

// getNode returns the node stored under id, or nil.
func getNode(tx *bolt.Tx, x *index, id string) (*graph.Node, error) {
	return nodeIn(tx.Bucket(bucketNodes), x, id)
}

// nodeIn is getNode in the nodes bucket b, opened once by a caller that
// reads several.
func nodeIn(b *bolt.Bucket, x *index, id string) (*graph.Node, error) {
	v := b.Get([]byte(id))
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
	return edgeValueIn(tx.Bucket(bucketEdges), e)
}

// edgeValueIn is edgeValue in the edges bucket b.
func edgeValueIn(b *bolt.Bucket, e uint32) ([]byte, error) {
	v := b.Get(seqKey(uint64(e) + 1))
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

// loadNodes reads the payloads of nodes by index, in order, as the viewer
// sees them; the caller found them visible.
func (s *Store) loadNodes(tx *bolt.Tx, idx []uint32, w *seer) ([]*graph.Node, error) {
	out := make([]*graph.Node, len(idx))
	b := tx.Bucket(bucketNodes)
	for i, u := range idx {
		n, err := nodeIn(b, s.idx, s.idx.ids[u])
		if err != nil {
			return nil, err
		}
		if n == nil {
			return nil, internal(nil, "node "+s.idx.ids[u]+" indexed but not stored")
		}
		if out[i] = w.viewNode(n); out[i] == nil {
			return nil, internal(nil, "node "+s.idx.ids[u]+" loaded for a viewer who does not see it")
		}
	}
	return out, nil
}

// loadEdges reads the payloads of edges by index, in order, as the viewer
// sees them; the caller found them visible.
func loadEdges(tx *bolt.Tx, x *index, idx []uint32, w *seer) ([]*graph.Edge, error) {
	out := make([]*graph.Edge, len(idx))
	b := tx.Bucket(bucketEdges)
	for i, e := range idx {
		v, err := edgeValueIn(b, e)
		if err != nil {
			return nil, err
		}
		if out[i], err = viewEdgeValue(x, v, w); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// viewEdgeValue decodes a stored edge value as the viewer sees it; the
// caller found the edge visible.
func viewEdgeValue(x *index, v []byte, w *seer) (*graph.Edge, error) {
	e, err := decodeEdge(x.srcs, x.ids, v)
	if err != nil {
		return nil, internal(err, "decode edge")
	}
	if e = w.viewEdge(e); e == nil {
		return nil, internal(nil, "edge loaded for a viewer who does not see it")
	}
	return e, nil
}

// Stats implements graph.Store. Kinds with no records are left out of the
// maps.
func (s *Store) Stats(ctx context.Context) (graph.Stats, error) {
	if err := s.begin(ctx); err != nil {
		return graph.Stats{}, err
	}
	defer s.mu.RUnlock()
	w, err := s.seerOf(ctx)
	if err != nil || w != nil {
		return w.stats(s.idx), err
	}
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
	w, err := s.seerOf(ctx)
	if err != nil {
		return res, err
	}
	keep := func(i uint32) bool { return (kinds == 0 || kinds&(1<<x.nkind[i]) != 0) && w.node(i) }
	text := func(i uint32) string { return x.search.text[i] }
	if w != nil && len(x.vis.nmixed) > 0 {
		text = func(i uint32) string { return w.searchText(x, i) }
	}
	hits := x.search.find(sq, after, limit+1, x.ids, keep, text)
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
		nodes, err := s.loadNodes(tx, idx, w)
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
