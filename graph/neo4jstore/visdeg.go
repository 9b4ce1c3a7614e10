package neo4jstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

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

// extraEnds returns, per node, the ends of relationships that w sees only
// through a grant (the relationship or its other end is carried, not seen
// by w's own standing): what the table, which knows classes and not
// grants, leaves out of w's degree. Such a relationship is in a shared
// case or touches a node that is; both are read from the case's side. all
// reports that the shared nodes have more than limit relationships (then
// every vmix node's degree is counted).
func extraEnds(ctx context.Context, tx neo4j.ManagedTransaction, w *viewer, limit int) (map[string]any, bool, error) {
	byKind := map[string][]any{}
	var nodes []any
	for f := range w.shared {
		if k, ok := edgeKindOfID(f); ok {
			byKind[relTypes[k]] = append(byKind[relTypes[k]], f)
		} else {
			nodes = append(nodes, f)
		}
	}
	flags := " WITH x, startNode(x) AS a, endNode(x) AS b RETURN elementId(x), a.id, b.id, " +
		w.pred("x") + ", " + w.pred("a") + ", " + w.pred("b") + ", " + w.ownPred("x") + ", " + w.ownPred("a") + ", " + w.ownPred("b")
	queries := []string{"UNWIND $ids AS id MATCH (m:Node {id: id}) WHERE NOT " + w.ownPred("m") + " MATCH (m)-[x]-() WITH DISTINCT x LIMIT $max" + flags}
	params := []map[string]any{{"ids": nodes, "max": limit + 1}}
	for _, t := range slices.Sorted(maps.Keys(byKind)) {
		queries = append(queries, "UNWIND $ids AS id MATCH ()-[x:"+t+" {id: id}]->()"+flags)
		params = append(params, map[string]any{"ids": byKind[t]})
	}
	seen := map[string]bool{}
	extra := map[string]any{}
	for i, q := range queries {
		recs, err := run(ctx, tx, q, w.params(params[i]))
		if err != nil {
			return nil, false, err
		}
		if i == 0 && len(recs) > limit {
			return nil, true, nil
		}
		for _, r := range recs {
			v := r.Values
			if seen[v[0].(string)] {
				continue
			}
			seen[v[0].(string)] = true
			a, b := v[1].(string), v[2].(string)
			see := func(x, other int) bool { return v[x] == true && v[other] == true }
			own := func(x, other int) bool { return v[x] == true && v[other] == true }
			if see(3, 5) && !own(6, 8) { // a's end: the relationship and b
				extra[a] = asInt(extra[a]) + 1
			}
			if see(3, 4) && !own(6, 7) { // b's end
				extra[b] = asInt(extra[b]) + 1
			}
		}
	}
	return extra, false, nil
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

// grantCache keeps extraEnds' answers per viewer standing and grant set,
// for the graph generation they were read at: the schema node's gen,
// which every write transaction that changes the graph bumps (on any
// server), so an answer is reused until the graph changes. A database
// without gen (written before it existed, or wiped) caches nothing.
type grantCache struct {
	mu sync.Mutex
	m  map[string]grantEntry
}

type grantEntry struct {
	gen   int64
	extra map[string]any
	all   bool
}

// maxGrantCache bounds the cached grant sets; past it the cache starts
// anew.
const maxGrantCache = 256

// bumpGeneration is the statement a changing write ends with.
const bumpGeneration = "MATCH (m:" + schemaLabel + " {name: 'graph'}) SET m.gen = coalesce(m.gen, 0) + 1"

// fingerprint names what extraEnds reads for w: its own keys and, per
// shared fact, the prefixes carried.
func (w *viewer) fingerprint() string {
	h := sha256.New()
	for _, k := range w.own {
		fmt.Fprintf(h, "%q,", k)
	}
	for _, f := range slices.Sorted(maps.Keys(w.shared)) {
		fmt.Fprintf(h, "|%q:%q", f, w.shared[f])
	}
	return string(h.Sum(nil))
}

// extraEndsCached is extraEnds through the cache c.
func (c *grantCache) extraEnds(ctx context.Context, tx neo4j.ManagedTransaction, w *viewer, limit int) (map[string]any, bool, error) {
	recs, err := run(ctx, tx, "MATCH (m:"+schemaLabel+" {name: 'graph'}) RETURN m.gen", nil)
	if err != nil {
		return nil, false, err
	}
	gen, ok := int64(-1), len(recs) > 0
	if ok {
		gen, ok = recs[0].Values[0].(int64)
	}
	key := w.fingerprint()
	if ok {
		c.mu.Lock()
		e, hit := c.m[key]
		c.mu.Unlock()
		if hit && e.gen == gen {
			return e.extra, e.all, nil
		}
	}
	extra, all, err := extraEnds(ctx, tx, w, limit)
	if err != nil || !ok {
		return extra, all, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxGrantCache {
		c.m = map[string]grantEntry{}
	}
	c.m[key] = grantEntry{gen, extra, all}
	c.mu.Unlock()
	return extra, all, nil
}
