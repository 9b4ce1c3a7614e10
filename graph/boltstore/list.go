package boltstore

import (
	"bytes"
	"context"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// ListNodes implements graph.Store. The nodes bucket is keyed by ID and
// IDs begin with their kind's prefix, so each kind is a range of keys: a
// seek past the cursor per kind, read in key order until Limit+1 nodes the
// viewer sees, then the kinds merged in ID order. A page reads its own
// nodes and the hidden ones among them, never the whole kind.
func (s *Store) ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error) {
	var res graph.ListResult
	if err := graph.CheckList(q); err != nil {
		return res, err
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
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketNodes).Cursor()
		scanned := 0
		for _, k := range slices.Compact(slices.Sorted(slices.Values(q.Kinds))) {
			prefix, _ := graph.IDPrefix(k)
			from := prefix
			if q.After > prefix {
				from = q.After
			}
			taken := 0
			for key, _ := c.Seek([]byte(from)); key != nil && bytes.HasPrefix(key, []byte(prefix)) && taken <= q.Limit; key, _ = c.Next() {
				if string(key) == q.After {
					continue
				}
				if u, ok := x.byID[string(key)]; ok && w.node(u) {
					idx = append(idx, u)
					taken++
				}
				if scanned++; scanned&0xfff == 0 && ctx.Err() != nil {
					return timeout(ctx.Err())
				}
			}
		}
		slices.SortFunc(idx, func(a, b uint32) int { return strings.Compare(x.ids[a], x.ids[b]) })
		if len(idx) > q.Limit {
			idx, res.HasMore = idx[:q.Limit], true
		}
		nodes, err := s.loadNodes(tx, idx, w)
		res.Nodes = nodes
		return err
	})
	return res, err
}
