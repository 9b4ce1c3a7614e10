package neo4jstore

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

// A viewer's degree of a node (docs/design/visibility.md §6) without
// visiting its relationships: a node with vx relationships (vmix) keeps a
// table of them by pair of classes, vdp (the pairs, "edge class#neighbour
// class", a class being its keys each followed by ',', "" when public) and
// vdc (how many relationship ends of each). Relationships without vx are
// public with public ends, seen by every signed-in viewer; so a viewer's
// degree is the stored degree less the ends of the pairs they do not see,
// O(pairs) however big the node.
//
// The table is a function of the node's neighbourhood, recomputed from it
// (recomputeDegrees) for the nodes a write may have changed it for: the
// ends of vx relationships created or whose class changed, and the vx
// neighbours of nodes whose class changed. A grant is not in the table:
// the nodes next to a fact a grant carries are counted directly (near).

// classExpr is the class string of variable x in Cypher: "" when public,
// its keys each followed by ',' otherwise, and "?," (a key nobody has)
// for a record without visibility properties (fail closed).
func classExpr(x string) string {
	return "CASE WHEN " + x + ".vpub IS NOT NULL THEN '' WHEN " + x + ".vk IS NULL THEN '?,' ELSE reduce(s = '', k IN " + x + ".vk | s + k + ',') END"
}

// classString is classExpr in Go, for the importer.
func classString(p map[string]any) string {
	if !restricted(p) {
		return ""
	}
	keys, _ := p["vk"].([]string)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(',')
	}
	return b.String()
}

// recomputeDegrees is the statement that rebuilds the table of the vmix
// nodes among $ids: a self-loop counts twice, once per end, as in degrees.
var recomputeDegrees = "UNWIND $ids AS id MATCH (n:Node {id: id}) WHERE n.vmix IS NOT NULL " +
	"CALL (n) { MATCH (n)-[r]->(m) WHERE r.vx IS NOT NULL RETURN r, m UNION ALL MATCH (n)<-[r]-(m) WHERE r.vx IS NOT NULL RETURN r, m } " +
	"WITH n, " + classExpr("r") + " + '#' + " + classExpr("m") + " AS p, count(*) AS c ORDER BY p " +
	"WITH n, collect(p) AS ps, collect(c) AS cs SET n.vdp = ps, n.vdc = cs"

// vxNeighbours is the statement that lists the vx neighbours of $ids.
const vxNeighbours = "UNWIND $ids AS id MATCH (n:Node {id: id})-[r]-(m) WHERE r.vx IS NOT NULL RETURN DISTINCT m.id"

// degreeWork collects, during a write, the nodes whose degree table may
// have changed.
type degreeWork struct {
	ends    map[string]bool // recompute these
	changed []string        // nodes whose class changed: recompute their vx neighbours
}

func (d *degreeWork) add(ids ...string) {
	if d.ends == nil {
		d.ends = map[string]bool{}
	}
	for _, id := range ids {
		d.ends[id] = true
	}
}

// run recomputes the tables at the end of a write transaction.
func (d *degreeWork) run(ctx context.Context, tx neo4j.ManagedTransaction) error {
	if len(d.changed) > 0 {
		ids := make([]any, len(d.changed))
		for i, id := range d.changed {
			ids[i] = id
		}
		recs, err := run(ctx, tx, vxNeighbours, map[string]any{"ids": ids})
		if err != nil {
			return err
		}
		for _, r := range recs {
			d.add(r.Values[0].(string))
		}
	}
	if len(d.ends) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(d.ends))
	rows := make([]any, len(ids))
	for i, id := range ids {
		rows[i] = id
	}
	res, err := tx.Run(ctx, recomputeDegrees, map[string]any{"ids": rows})
	if err == nil {
		_, err = res.Consume(ctx)
	}
	return err
}

// classChanged reports whether two property rows (visProps) name
// different classes.
func classChanged(a, b map[string]any) bool {
	return restricted(a) != restricted(b) || classString(a) != classString(b)
}

// near returns the IDs of the nodes whose degree a grant of w may change
// (the ends of the edges its cases hold, the nodes they hold and the
// neighbours of those the viewer does not see by their own standing), to
// be counted directly; all reports that there are too many to list (then
// every vmix node is counted directly).
func near(ctx context.Context, tx neo4j.ManagedTransaction, w *viewer, limit int) (ids []any, all bool, err error) {
	set := map[string]bool{}
	var nodes []any
	for f := range w.shared {
		if _, ok := edgeKindOfID(f); ok {
			for _, id := range edgeEnds(f) {
				set[id] = true
			}
			continue
		}
		set[f] = true
		nodes = append(nodes, f)
	}
	if len(nodes) > 0 {
		recs, err := run(ctx, tx, "UNWIND $ids AS id MATCH (s:Node {id: id}) WHERE NOT "+w.ownPred("s")+" MATCH (s)--(x) "+
			"WITH DISTINCT x.id AS x LIMIT $max RETURN x", w.params(map[string]any{"ids": nodes, "max": limit + 1}))
		if err != nil {
			return nil, false, err
		}
		if len(recs) > limit {
			return nil, true, nil
		}
		for _, r := range recs {
			set[r.Values[0].(string)] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(set)) {
		ids = append(ids, id)
	}
	return ids, false, nil
}

// edgeEnds returns the endpoint IDs an edge ID ("from>KIND>to#key") may
// name: node IDs never contain '>', but a node ID may contain '#', so every
// reading of the tail is a candidate (a node too many is only counted
// directly).
func edgeEnds(id string) []string {
	from, rest, _ := strings.Cut(id, ">")
	_, rest, _ = strings.Cut(rest, ">")
	out := []string{from, rest}
	for i := range len(rest) {
		if rest[i] == '#' {
			out = append(out, rest[:i])
		}
	}
	return out
}

// visPropsOf is visProps returning p.
func visPropsOf(p map[string]any, src []graph.Source) map[string]any {
	visProps(p, src)
	return p
}

// execEnds runs createEdges' statement, which returns the ends of the vx
// relationships it created: they go to deg. It returns how many
// relationships the statement created.
func execEnds(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, rows []any, deg *degreeWork) (int, error) {
	res, err := tx.Run(ctx, cypher, map[string]any{"rows": rows})
	if err != nil {
		return 0, err
	}
	for res.Next(ctx) {
		v := res.Record().Values
		deg.add(v[0].(string), v[1].(string))
	}
	if err := res.Err(); err != nil {
		return 0, err
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return 0, err
	}
	return sum.Counters().RelationshipsCreated(), nil
}
