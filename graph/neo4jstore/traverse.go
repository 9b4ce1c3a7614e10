package neo4jstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

// Neighbors implements graph.Store following the rules on
// graph.NeighborQuery, with one query per level: Neo4j expands the
// frontier, drops nodes already seen, and returns how many new nodes the
// level holds and the least IDs among them, as many as the limit still
// admits plus one (to tell whether there are more). A level is expanded
// further only when it was complete, so a frontier never exceeds the
// limit; a hub at the last level costs the server one pass over its
// relationships and the client one page of IDs. The visit limit counts
// whole levels: when the last level would pass it, the answer keeps that
// level's least IDs (the embedded store keeps the least of those it saw
// before stopping) and says so.
func (s *Store) Neighbors(ctx context.Context, q graph.NeighborQuery) (graph.Subgraph, error) {
	var sub graph.Subgraph
	pat, err := relPattern(q.Direction, q.EdgeKinds, "r", "")
	if err != nil {
		return sub, err
	}
	if q.Depth < 0 || q.Limit < 0 {
		return sub, graph.Errorf(graph.CodeInvalid, "depth and limit cannot be negative")
	}
	depth, limit := s.limits.NeighborDepth(q.Depth), s.limits.NeighborLimit(q.Limit)
	if err := s.begin(ctx); err != nil {
		return sub, err
	}
	// A viewer expands over the relationships and to the nodes they see;
	// counts and limits are over those only.
	w := viewerOf(ctx)
	level := "UNWIND $frontier AS fid MATCH (a:Node {id: fid})" + pat + "(m) WHERE NOT m.id IN $seen AND " + w.and("r", "m") + " " +
		"WITH DISTINCT m.id AS mid ORDER BY mid WITH collect(mid) AS found RETURN size(found), found[..$k]"
	edges := "UNWIND $inner AS sid MATCH (a:Node {id: sid})" + pat + "(b) WHERE b.id IN $all AND " + w.pred("r") + " " +
		"WITH DISTINCT r ORDER BY r.id LIMIT $max RETURN startNode(r).id, endNode(r).id, type(r), properties(r)"

	err = s.read(ctx, "neighbors", func(tx neo4j.ManagedTransaction) error {
		sub = graph.Subgraph{}
		start, err := loadNodes(ctx, tx, []string{q.ID}, w)
		if err != nil {
			return err
		}
		if start[q.ID] == nil {
			return graph.NotFound("node", q.ID)
		}
		ids := []string{q.ID}   // returned nodes: start, then by level and ID
		inner := []any{q.ID}    // returned nodes at distance < depth
		seen := []any{q.ID}     // every node of the complete levels
		frontier := []any{q.ID} // the last complete level
		var more, visitLimit bool
		for d := 1; d <= depth && len(frontier) > 0; d++ {
			room := limit - (len(ids) - 1)
			recs, err := run(ctx, tx, level, w.params(map[string]any{"frontier": frontier, "seen": seen, "k": room + 1}))
			if err != nil {
				return err
			}
			total := int(recs[0].Values[0].(int64))
			got := recs[0].Values[1].([]any)
			if total == 0 {
				break
			}
			if len(seen)+total > s.limits.MaxVisited {
				visitLimit = true
			}
			if total > room {
				more = true
				got = got[:room]
			}
			for _, id := range got {
				ids = append(ids, id.(string))
				if d < depth {
					inner = append(inner, id)
				}
			}
			if more || visitLimit {
				break
			}
			seen = append(seen, got...)
			frontier = got
		}
		switch {
		case visitLimit:
			sub.Cut(graph.CauseVisitLimit, fmt.Sprintf("the search visited %d nodes, its limit; the farthest level is incomplete", s.limits.MaxVisited))
		case more:
			sub.Cut(graph.CauseNodeLimit, fmt.Sprintf("more than %d neighbours within %d hops; kept the nearest, in ID order", limit, depth))
		}
		all := make([]any, len(ids))
		for i, id := range ids {
			all[i] = id
		}
		recs, err := run(ctx, tx, edges, w.params(map[string]any{"inner": inner, "all": all, "max": s.limits.MaxEdges + 1}))
		if err != nil {
			return err
		}
		if len(recs) > s.limits.MaxEdges {
			recs = recs[:s.limits.MaxEdges]
			sub.Cut(graph.CauseEdgeLimit, fmt.Sprintf("more than %d edges among the neighbours; kept the first in ID order", s.limits.MaxEdges))
		}
		if sub.Edges, err = decodeEdges(recs, w); err != nil {
			return err
		}
		nodes, err := loadNodes(ctx, tx, ids, w)
		if err != nil {
			return err
		}
		sub.Nodes, err = inOrder(nodes, ids)
		return err
	})
	if err != nil {
		return graph.Subgraph{}, err
	}
	return sub, nil
}

// decodeEdges decodes records of (from, to, type, properties), as w sees
// them (the statements return only those w sees).
func decodeEdges(recs []*neo4j.Record, w *viewer) ([]*graph.Edge, error) {
	out := make([]*graph.Edge, len(recs))
	for i, r := range recs {
		v := r.Values
		e, err := decodeEdge(v[2].(string), v[0].(string), v[1].(string), v[3].(map[string]any))
		if err != nil {
			return nil, internal(err, "decode edge")
		}
		if out[i] = w.edge(e); out[i] == nil {
			return nil, internal(fmt.Errorf("edge %q is not visible", e.ID), "decode edge")
		}
	}
	return out, nil
}

func inOrder(nodes map[string]*graph.Node, ids []string) ([]*graph.Node, error) {
	out := make([]*graph.Node, len(ids))
	for i, id := range ids {
		if out[i] = nodes[id]; out[i] == nil {
			return nil, internal(fmt.Errorf("node %q vanished", id), "load nodes")
		}
	}
	return out, nil
}

// ShortestPath implements graph.Store with Cypher's shortestPath, a
// bidirectional breadth-first search inside Neo4j bounded by the hop limit
// and by the transaction timeout (the ctx deadline). Its length is always
// the embedded store's; among several shortest paths Neo4j picks one by
// its own adjacency order, so the nodes may differ (storetest's
// CanonicalPaths is false). Between parallel edges it takes the least ID,
// like the embedded store. The visit limit does not apply: the timeout
// bounds the work instead. When the caller asked for more hops than the
// server allows and no path was found, the answer is always marked
// truncated; the embedded store can tell when its search exhausted a side
// and then says nothing.
func (s *Store) ShortestPath(ctx context.Context, q graph.PathQuery) (graph.Path, error) {
	var p graph.Path
	if q.MaxHops < 0 || q.HubDegree < 0 {
		return p, graph.Errorf(graph.CodeInvalid, "maxHops and hubDegree cannot be negative")
	}
	hops, clamped := s.limits.PathHops(q.MaxHops)
	// The hop bound cannot be a parameter; it is a validated integer.
	pathPat, err := relPattern(q.Direction, q.EdgeKinds, "", fmt.Sprintf("*..%d", hops))
	if err != nil {
		return p, err
	}
	stepPat, err := relPattern(q.Direction, q.EdgeKinds, "r", "")
	if err != nil {
		return p, err
	}
	if err := s.begin(ctx); err != nil {
		return p, err
	}
	// The hub condition is stated on every node, ends excepted, so that
	// Neo4j checks it during its search (a condition on a slice of the
	// path would make it enumerate paths); the degree counts edge ends,
	// as the embedded store does.
	// A viewer's degree decides who is a hub (vis.go), and their
	// visibility is stated as universal predicates on the path's
	// relationships and nodes, which Neo4j evaluates during its
	// bidirectional search (TestShortestPathPlanKeepsVisibilityInside).
	w := viewerOf(ctx)
	find := findPath(w, pathPat, q.HubDegree > 0)
	steps := "UNWIND range(0, size($ids) - 2) AS i MATCH (x:Node {id: $ids[i]})" + stepPat + "(y:Node {id: $ids[i + 1]}) " +
		"WHERE " + w.pred("r") + " WITH i, r ORDER BY i, r.id WITH i, collect(r)[0] AS r " +
		"RETURN startNode(r).id, endNode(r).id, type(r), properties(r) ORDER BY i"

	err = s.read(ctx, "shortestPath", func(tx neo4j.ManagedTransaction) error {
		p = graph.Path{}
		ends, err := loadNodes(ctx, tx, []string{q.From, q.To}, w)
		if err != nil {
			return err
		}
		for _, id := range []string{q.From, q.To} {
			if ends[id] == nil {
				return graph.NotFound("node", id)
			}
		}
		if q.From == q.To {
			p.Nodes, p.Edges = []*graph.Node{ends[q.From]}, []*graph.Edge{}
			return nil
		}
		if q.HubDegree > 0 {
			if err := w.withGrants(ctx, tx, &s.grants); err != nil {
				return err
			}
		}
		recs, err := run(ctx, tx, find, w.params(map[string]any{"from": q.From, "to": q.To, "hub": q.HubDegree}))
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			switch {
			case q.HubDegree > 0:
				// Neo4j does not tell whether a hub was in the way: say
				// that one may have been.
				p.Cut(graph.CauseHubSkipped, fmt.Sprintf("no path within %d hops avoiding nodes with more than %d edges (hubs); raise hubDegree to pass through them", hops, q.HubDegree))
			case clamped:
				p.Cut(graph.CauseHopLimit, fmt.Sprintf("no path within %d hops, the server's limit; a longer one may exist", hops))
			}
			return nil
		}
		var ids []string
		var anyIDs []any
		for _, id := range recs[0].Values[0].([]any) {
			ids = append(ids, id.(string))
			anyIDs = append(anyIDs, id)
		}
		recs, err = run(ctx, tx, steps, w.params(map[string]any{"ids": anyIDs}))
		if err != nil {
			return err
		}
		if len(recs) != len(ids)-1 {
			return internal(fmt.Errorf("%d edges for a path of %d nodes", len(recs), len(ids)), "shortest path")
		}
		if p.Edges, err = decodeEdges(recs, w); err != nil {
			return err
		}
		nodes, err := loadNodes(ctx, tx, ids, w)
		if err != nil {
			return err
		}
		p.Nodes, err = inOrder(nodes, slices.Clip(ids))
		return err
	})
	if err != nil {
		return graph.Path{}, err
	}
	return p, nil
}

// findPath is ShortestPath's search statement.
func findPath(w *viewer, pathPat string, hubs bool) string {
	return "MATCH (a:Node {id: $from}) MATCH (b:Node {id: $to}) " +
		"MATCH path = shortestPath((a)" + pathPat + "(b)) " + pathWhere(w, hubs) + "RETURN [n IN nodes(path) | n.id]"
}

// pathWhere is the WHERE clause of ShortestPath's search: w's visibility
// on every relationship and every node (the ends are visible already),
// and, with hubs, a degree bound (w's degree) on every node but the ends.
// The hub condition is stated on every node so that Neo4j checks it
// during its search (a condition on a slice of the path would make it
// enumerate paths); the degree counts edge ends, as the embedded store
// does.
func pathWhere(w *viewer, hubs bool) string {
	var conds []string
	if w.filtered() {
		conds = append(conds, "all(x IN relationships(path) WHERE "+w.pred("x")+")", "all(x IN nodes(path) WHERE "+w.pred("x")+")")
	}
	if hubs {
		// A viewer's degree is at most everyone's: most nodes pass on
		// the degree store alone.
		deg := w.degree("n") + " <= $hub"
		if w.filtered() {
			deg = "CASE WHEN COUNT { (n)-->() } + COUNT { (n)<--() } <= $hub THEN true ELSE " + deg + " END"
		}
		conds = append(conds, "all(n IN nodes(path) WHERE n = a OR n = b OR "+deg+")")
	}
	if len(conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(conds, " AND ") + " "
}
