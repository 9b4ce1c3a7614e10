package neo4jstore

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

// ListNodes implements graph.Store. IDs embed the kind, so each kind is a
// range of the ID index: one range seek per kind, at most a page read from
// each, merged in ID order.
func (s *Store) ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error) {
	var res graph.ListResult
	if err := graph.CheckList(q); err != nil {
		return res, err
	}
	prefixes := make([]any, 0, len(q.Kinds))
	for _, k := range q.Kinds {
		p, _ := graph.IDPrefix(k)
		prefixes = append(prefixes, p)
	}
	if err := s.begin(ctx); err != nil {
		return res, err
	}
	w := viewerOf(ctx)
	err := s.read(ctx, "list nodes", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx,
			// Each kind's range read in index order up to the page, so a
			// page never sorts a whole kind.
			"UNWIND $prefixes AS p CALL (p) { MATCH (n:Node) WHERE n.id STARTS WITH p AND n.id > $after AND "+w.pred("n")+" "+
				"RETURN n ORDER BY n.id LIMIT $limit } "+
				"RETURN n.id AS id, properties(n) AS props ORDER BY id LIMIT $limit",
			w.params(map[string]any{"prefixes": prefixes, "after": q.After, "limit": q.Limit + 1}))
		if err != nil {
			return err
		}
		res.Nodes = res.Nodes[:0]
		for _, r := range recs {
			n, err := decodeNode(r.Values[1].(map[string]any))
			if err != nil {
				return internal(err, "decode node")
			}
			res.Nodes = append(res.Nodes, w.node(n))
		}
		return nil
	})
	if err != nil {
		return graph.ListResult{}, err
	}
	if len(res.Nodes) > q.Limit {
		res.Nodes, res.HasMore = res.Nodes[:q.Limit], true
	}
	return res, nil
}
