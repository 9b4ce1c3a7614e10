package boltstore

import (
	"context"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// ListNodes implements graph.Store: a scan of the in-memory kind index, then
// the page's records. Kinds with few nodes (entities, not wallets) are what
// it is for; the scan is one pass over a byte per node.
func (s *Store) ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error) {
	var res graph.ListResult
	if err := graph.CheckList(q); err != nil {
		return res, err
	}
	var kinds uint32
	for _, k := range q.Kinds {
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
	var idx []uint32
	for i, k := range x.nkind {
		if kinds&(1<<k) != 0 && x.ids[i] > q.After && w.node(uint32(i)) {
			idx = append(idx, uint32(i))
		}
	}
	if err := ctx.Err(); err != nil {
		return res, timeout(err)
	}
	slices.SortFunc(idx, func(a, b uint32) int {
		switch {
		case x.ids[a] < x.ids[b]:
			return -1
		case x.ids[a] > x.ids[b]:
			return 1
		}
		return 0
	})
	if len(idx) > q.Limit {
		idx, res.HasMore = idx[:q.Limit], true
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		nodes, err := s.loadNodes(tx, idx, w)
		res.Nodes = nodes
		return err
	})
	return res, err
}
