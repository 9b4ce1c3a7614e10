package neo4jstore

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

// Records written before schema 3 lack vpub/vk (vis.go), and a viewer's
// predicate fails closed on them: nobody but a trusted caller would see
// them. Open therefore migrates a database whose schema node lacks vis:
// it walks every node and then every relationship type in ID order
// (keyset pages on the uniqueness constraints' indexes, migrateBatch at a
// time, each page its own transaction), computes vpub, vk and vpart from
// the sources in d for the records without them, then sets vx and vmix
// from the endpoints, and finally marks the schema node vis. An
// interrupted migration resumes from the start on the next open (pages
// already done cost a read). An empty database, and one made by the
// offline importer (whose rows carry the properties), are marked without
// a walk.

const migrateBatch = 5000

// migrateVis runs the migration if the schema node asks for it.
func (s *Store) migrateVis(ctx context.Context) error {
	var done bool
	err := s.read(ctx, "schema", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, "MATCH (m:"+schemaLabel+" {name: 'graph'}) RETURN coalesce(m.vis, false)", nil)
		done = len(recs) > 0 && recs[0].Values[0] == true
		return err
	})
	if err != nil || done {
		return err
	}
	var empty bool
	err = s.read(ctx, "schema", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, "OPTIONAL MATCH (n:Node) WITH n LIMIT 1 RETURN n IS NULL", nil)
		empty = len(recs) > 0 && recs[0].Values[0] == true
		return err
	})
	if err != nil {
		return err
	}
	if empty {
		return s.autocommit(ctx, "MATCH (m:"+schemaLabel+" {name: 'graph'}) SET m.vis = true", nil)
	}
	start := time.Now()
	s.log.Info("neo4j: adding visibility properties to records of an older schema")
	n, err := s.migrateNodes(ctx)
	if err != nil {
		return fmt.Errorf("neo4j visibility migration: %w", err)
	}
	e := 0
	for _, k := range graph.EdgeKinds() {
		c, err := s.migrateEdges(ctx, k)
		if err != nil {
			return fmt.Errorf("neo4j visibility migration: %w", err)
		}
		e += c
	}
	if err := s.autocommit(ctx, "MATCH (m:"+schemaLabel+" {name: 'graph'}) SET m.vis = true", nil); err != nil {
		return fmt.Errorf("neo4j visibility migration: %w", err)
	}
	s.log.Info("neo4j: visibility properties added", "nodes", n, "relationships", e, "took", time.Since(start))
	return nil
}

// migrateNodes sets vpub/vk/vpart on the nodes without them.
func (s *Store) migrateNodes(ctx context.Context) (int, error) {
	after, count := "", 0
	for {
		var last string
		var rows []any
		err := s.write(ctx, "migrate.nodes", func(tx neo4j.ManagedTransaction) error {
			last, rows = "", nil
			recs, err := run(ctx, tx, "MATCH (n:Node) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $n "+
				"RETURN n.id, CASE WHEN n.vpub IS NULL AND n.vk IS NULL THEN properties(n) END",
				map[string]any{"after": after, "n": migrateBatch})
			if err != nil {
				return err
			}
			for _, r := range recs {
				last = r.Values[0].(string)
				if m, ok := r.Values[1].(map[string]any); ok {
					n, err := decodeNode(m)
					if err != nil {
						return internal(err, "decode node")
					}
					row := map[string]any{"id": n.ID, "vpub": nil, "vk": nil, "vpart": nil}
					visProps(row, n.Sources)
					rows = append(rows, row)
				}
			}
			if len(rows) == 0 {
				return nil
			}
			return exec(ctx, tx, "UNWIND $rows AS row MATCH (n:Node {id: row.id}) SET n.vpub = row.vpub, n.vk = row.vk, n.vpart = row.vpart",
				rows, -1, nil)
		})
		if err != nil || last == "" {
			return count, err
		}
		after, count = last, count+len(rows)
	}
}

// migrateEdges sets vpub/vk/vpart on the relationships of kind k without
// them, and vx on every one with a restricted side (marking its endpoints
// vmix).
func (s *Store) migrateEdges(ctx context.Context, k graph.EdgeKind) (int, error) {
	t := relTypes[k]
	page := fmt.Sprintf("MATCH (a)-[r:%s]->(b) WHERE r.id > $after WITH a, r, b ORDER BY r.id LIMIT $n "+
		"RETURN r.id, a.id, b.id, CASE WHEN r.vpub IS NULL AND r.vk IS NULL THEN properties(r) END", t)
	set := fmt.Sprintf("UNWIND $rows AS row MATCH ()-[r:%s {id: row.id}]->() SET r.vpub = row.vpub, r.vk = row.vk, r.vpart = row.vpart", t)
	mix := fmt.Sprintf("UNWIND $ids AS id MATCH (a)-[r:%s {id: id}]->(b) "+
		"WITH a, r, b WHERE r.vpub IS NULL OR a.vpub IS NULL OR b.vpub IS NULL SET r.vx = true, a.vmix = true, b.vmix = true", t)
	after, count := "", 0
	for {
		var last string
		var rows []any
		err := s.write(ctx, "migrate.edges", func(tx neo4j.ManagedTransaction) error {
			last, rows = "", nil
			recs, err := run(ctx, tx, page, map[string]any{"after": after, "n": migrateBatch})
			if err != nil {
				return err
			}
			ids := make([]any, 0, len(recs))
			for _, r := range recs {
				last = r.Values[0].(string)
				ids = append(ids, last)
				if m, ok := r.Values[3].(map[string]any); ok {
					e, err := decodeEdge(t, r.Values[1].(string), r.Values[2].(string), m)
					if err != nil {
						return internal(err, "decode edge")
					}
					row := map[string]any{"id": e.ID, "vpub": nil, "vk": nil, "vpart": nil}
					visProps(row, e.Sources)
					rows = append(rows, row)
				}
			}
			if len(rows) > 0 {
				if err := exec(ctx, tx, set, rows, -1, nil); err != nil {
					return err
				}
			}
			if len(ids) == 0 {
				return nil
			}
			res, err := tx.Run(ctx, mix, map[string]any{"ids": ids})
			if err == nil {
				_, err = res.Consume(ctx)
			}
			return err
		})
		if err != nil || last == "" {
			return count, err
		}
		after, count = last, count+len(rows)
	}
}
