package neo4jstore

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

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
	out := make([]*graph.Node, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var byID map[string]*graph.Node
	w := viewerOf(ctx)
	err := s.read(ctx, "nodes", func(tx neo4j.ManagedTransaction) error {
		var err error
		byID, err = loadNodes(ctx, tx, ids, w)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// loadNodes returns the stored nodes among ids that w sees, by ID, as w
// sees them.
func loadNodes(ctx context.Context, tx neo4j.ManagedTransaction, ids []string, w *viewer) (map[string]*graph.Node, error) {
	uniq := make([]any, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	recs, err := run(ctx, tx, "UNWIND $ids AS id MATCH (n:Node {id: id}) WHERE "+w.pred("n")+" RETURN properties(n)",
		w.params(map[string]any{"ids": uniq}))
	if err != nil {
		return nil, err
	}
	out := make(map[string]*graph.Node, len(recs))
	for _, r := range recs {
		n, err := decodeNode(r.Values[0].(map[string]any))
		if err != nil {
			return nil, internal(err, "decode node")
		}
		if n = w.node(n); n != nil {
			out[n.ID] = n
		}
	}
	return out, nil
}

// Edge implements graph.Store. The kind inside the ID picks the
// relationship type, so the lookup is one seek in that type's index.
func (s *Store) Edge(ctx context.Context, id string) (*graph.Edge, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	kind, ok := edgeKindOfID(id)
	if !ok {
		return nil, graph.NotFound("edge", id)
	}
	var e *graph.Edge
	w := viewerOf(ctx)
	err := s.read(ctx, "edge", func(tx neo4j.ManagedTransaction) error {
		e = nil
		q := fmt.Sprintf("MATCH (a)-[r:%s {id: $id}]->(b) WHERE %s RETURN a.id, b.id, properties(r)", relTypes[kind], w.and("r", "a", "b"))
		recs, err := run(ctx, tx, q, w.params(map[string]any{"id": id}))
		if err != nil || len(recs) == 0 {
			return err
		}
		r := recs[0]
		e, err = decodeEdge(relTypes[kind], r.Values[0].(string), r.Values[1].(string), r.Values[2].(map[string]any))
		if err != nil {
			return internal(err, "decode edge")
		}
		e = w.edge(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, graph.NotFound("edge", id)
	}
	return e, nil
}

// Stats implements graph.Store from Neo4j's count store: counting a label
// or a relationship type costs the same on ten nodes as on ten million.
// Kinds with no records are left out of the maps.
func (s *Store) Stats(ctx context.Context) (graph.Stats, error) {
	st := graph.Stats{NodesByKind: map[graph.NodeKind]int64{}, EdgesByKind: map[graph.EdgeKind]int64{}}
	var parts []string
	for _, k := range graph.NodeKinds() {
		parts = append(parts, fmt.Sprintf("MATCH (n:%s) RETURN 'n' AS what, '%s' AS kind, count(n) AS c", nodeLabels[k], k))
	}
	for _, k := range graph.EdgeKinds() {
		parts = append(parts, fmt.Sprintf("MATCH ()-[r:%s]->() RETURN 'e' AS what, '%s' AS kind, count(r) AS c", relTypes[k], k))
	}
	w := viewerOf(ctx)
	if w.signedOut() {
		return st, s.begin(ctx)
	}
	stmts := []string{strings.Join(parts, " UNION ALL ")}
	if w.filtered() {
		// What the viewer does not see, among the records some signed-in
		// user does not see (vk, vx: vis.go), read through their indexes,
		// and taken off the counts: the work is the restricted part of the
		// graph, never the whole. Each its own statement, the predicate
		// written once: a union of many filtered branches takes Neo4j
		// seconds to plan on a cold start.
		stmts = append(stmts, "MATCH (n:Node) WHERE n.vk IS NOT NULL AND NOT "+w.pred("n")+" RETURN 'n' AS what, n.kind AS kind, -count(n) AS c")
		var rels []string
		for _, k := range graph.EdgeKinds() {
			rels = append(rels, fmt.Sprintf("MATCH ()-[r:%s]->() WHERE r.vx IS NOT NULL RETURN r, '%s' AS kind", relTypes[k], k))
		}
		stmts = append(stmts, "CALL () { "+strings.Join(rels, " UNION ALL ")+" } WITH r, kind, startNode(r) AS a, endNode(r) AS b WHERE NOT ("+
			w.and("r", "a", "b")+") RETURN 'e' AS what, kind, -count(r) AS c")
	}
	err := s.read(ctx, "stats", func(tx neo4j.ManagedTransaction) error {
		st = graph.Stats{NodesByKind: map[graph.NodeKind]int64{}, EdgesByKind: map[graph.EdgeKind]int64{}}
		for _, q := range stmts {
			recs, err := run(ctx, tx, q, w.params(map[string]any{}))
			if err != nil {
				return err
			}
			for _, r := range recs {
				c := r.Values[2].(int64)
				kind, _ := r.Values[1].(string)
				if r.Values[0] == "n" {
					st.NodesByKind[graph.NodeKind(kind)] += c
					st.Nodes += c
				} else {
					st.EdgesByKind[graph.EdgeKind(kind)] += c
					st.Edges += c
				}
			}
		}
		// Kinds with no records are left out.
		maps.DeleteFunc(st.NodesByKind, func(_ graph.NodeKind, c int64) bool { return c == 0 })
		maps.DeleteFunc(st.EdgesByKind, func(_ graph.EdgeKind, c int64) bool { return c == 0 })
		return nil
	})
	return st, err
}

// maxLuceneToken is the longest token Lucene's whitespace tokenizer keeps
// whole; longer query tokens take the substring index instead.
const maxLuceneToken = 255

// Search implements graph.Store with the ranking of graph/search. The
// candidates for the upper tiers (exact, words, prefix) are exactly the
// nodes whose tokens include every query token but the last and a token
// starting with the last: one full-text query (+t1 +t2 +last*) over the
// folded tokens finds them all. Substring hits rank below every other, so
// the trigram text index is asked for them, in ID order, only when a page
// is not full yet. Every candidate is ranked in Go by search.Query.Tier.
func (s *Store) Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error) {
	var res graph.SearchResult
	req, err := search.ParseRequest(q, s.limits)
	if err != nil {
		return res, err
	}
	sq, limit, after := req.Query, req.Limit, req.After
	kinds := []any{}
	for _, k := range q.Kinds {
		if !k.Valid() {
			return res, graph.Errorf(graph.CodeInvalid, "unknown node kind %q", k)
		}
		kinds = append(kinds, string(k))
	}
	if err := s.begin(ctx); err != nil {
		return res, err
	}
	w := viewerOf(ctx)
	if w.signedOut() {
		// Nobody signed in sees nothing (and "AND false" would leave
		// the planner no way to honour the text index hint below).
		return res, nil
	}
	params := w.params(map[string]any{"kinds": kinds, "norm": sq.Norm})
	// A viewer gets the hits they see, ranked on the text of the sources
	// they see: the index holds every source's text, so a node some of
	// whose sources the viewer does not see (vpart) comes back whole and
	// is ranked in Go on its view (searchText); a hidden label or alias
	// never matches.
	vis, part := w.pred("n"), "null"
	if w.filtered() {
		part = "CASE WHEN n.vpart IS NOT NULL THEN properties(n) END"
	}
	ret := " RETURN n.id, n.search_text, " + part + " AS part"
	upper := "CALL db.index.fulltext.queryNodes('" + indexFulltext + "', $lucene) YIELD node AS n " +
		"WHERE (size($kinds) = 0 OR n.kind IN $kinds) AND " + vis + ret
	longest := ""
	for _, t := range sq.Tokens {
		if utf8.RuneCountInString(t) > utf8.RuneCountInString(longest) {
			longest = t
		}
	}
	if utf8.RuneCountInString(longest) > maxLuceneToken {
		// Every upper-tier node contains each query token as a substring.
		upper = "MATCH (n:Node) WHERE n.search_text CONTAINS $long AND (size($kinds) = 0 OR n.kind IN $kinds) AND " + vis + ret
		params["long"] = longest
	} else {
		terms := make([]string, len(sq.Tokens))
		for i, t := range sq.Tokens {
			terms[i] = "+" + t // tokens are letters and digits: nothing to escape
		}
		terms[len(terms)-1] += "*"
		params["lucene"] = strings.Join(terms, " ")
	}
	params["from"] = ""
	if after != nil && after.Tier == search.TierSubstring {
		params["from"] = after.ID
	}
	lower := "MATCH (n:Node) USING TEXT INDEX n:Node(search_text) WHERE n.search_text CONTAINS $norm AND (size($kinds) = 0 OR n.kind IN $kinds) AND n.id > $from " +
		"AND " + vis + ret + " ORDER BY n.id"

	err = s.read(ctx, "search", func(tx neo4j.ManagedTransaction) error {
		top := search.NewTop[struct{}](limit+1, after)
		if after == nil || after.Tier > search.TierSubstring {
			r, err := tx.Run(ctx, upper, params)
			if err != nil {
				return err
			}
			for r.Next(ctx) {
				v := r.Record().Values
				id, text, err := searchText(v, w)
				if err != nil {
					return err
				}
				if t := sq.Tier(text); t > search.TierSubstring {
					top.Offer(search.Hit[struct{}]{Tier: t, ID: id})
				}
			}
			if err := r.Err(); err != nil {
				return err
			}
		}
		if !top.Full() {
			r, err := tx.Run(ctx, lower, params)
			if err != nil {
				return err
			}
			for !top.Full() && r.Next(ctx) {
				id, text, err := searchText(r.Record().Values, w)
				if err != nil {
					return err
				}
				if sq.Tier(text) == search.TierSubstring {
					top.Offer(search.Hit[struct{}]{Tier: search.TierSubstring, ID: id})
				}
			}
			if err := r.Err(); err != nil {
				return err
			}
			if _, err := r.Consume(ctx); err != nil { // stop the stream early
				return err
			}
		}
		hits := top.Hits()
		res = graph.SearchResult{}
		if len(hits) > limit {
			hits, res.HasMore = hits[:limit], true
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
		}
		nodes, err := loadNodes(ctx, tx, ids, w)
		if err != nil {
			return err
		}
		for _, h := range hits {
			n := nodes[h.ID]
			if n == nil {
				return internal(fmt.Errorf("hit %q vanished", h.ID), "search")
			}
			res.Hits = append(res.Hits, graph.SearchHit{Node: n, Score: float64(h.Tier), Cursor: search.Cursor{Tier: h.Tier, ID: h.ID}.String()})
		}
		return nil
	})
	if err != nil {
		return graph.SearchResult{}, err
	}
	return res, nil
}

// searchText reads a search row (id, search_text, properties of a vpart
// node or null) and returns the text the viewer's hit is ranked on: that
// of the sources w sees.
func searchText(v []any, w *viewer) (id, text string, err error) {
	id, text = v[0].(string), v[1].(string)
	m, ok := v[2].(map[string]any)
	if !ok {
		return id, text, nil
	}
	n, err := decodeNode(m)
	if err != nil {
		return "", "", internal(err, "decode node")
	}
	if n = w.node(n); n == nil {
		return id, "", nil
	}
	text, _ = search.Fields(n.ID, n.Label, n.Aliases)
	return id, text, nil
}
