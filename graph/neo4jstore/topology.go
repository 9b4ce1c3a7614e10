package neo4jstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

var _ investigate.Opener = (*Store)(nil)

// Topology implements investigate.Opener. Handles number the nodes and
// edges the topology has seen so far, in the order it saw them; each of its
// calls is one Cypher query for the whole batch (none when there is nothing
// to ask), all in one read transaction with the store's timeout and error
// mapping (topotx.go), which release ends. Redthread never deletes, so a
// handle stays valid.
func (s *Store) Topology(ctx context.Context) (investigate.Topology, func(), error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, err
	}
	t := &topology{s: s, nodeH: map[string]uint32{}, edgeH: map[string]uint32{}, info: map[uint32]investigate.NodeInfo{},
		ahead: map[aheadKey]map[uint32][]investigate.Arc{}}
	t.w = viewerOf(ctx)
	t.q = topoStatements(t.w)
	if len(t.w.sharedFacts()) > 0 {
		err := s.read(ctx, "topology.grants", func(tx neo4j.ManagedTransaction) error { return t.w.withGrants(ctx, tx, &s.grants) })
		if err != nil {
			return nil, nil, err
		}
	}
	return t, t.release(ctx), nil
}

// topology interns node and edge IDs into dense handles. The mutex guards
// the tables only: a query may call it from several goroutines.
type topology struct {
	s *Store
	// w is the viewer the topology was opened for (nil: a trusted
	// caller), q its statements: every primitive sees only what w sees,
	// and degrees are w's.
	w  *viewer
	q  topoQueries
	mu sync.Mutex
	// txMu guards held, the transaction the topology's statements run in.
	txMu  sync.Mutex
	held  topoTx
	nodes []string
	nodeH map[string]uint32
	edges []edgeRef
	edgeH map[string]uint32
	// info holds what Expand learnt of the nodes it reached, so that
	// Describe, which the engine calls on them next, costs no round trip.
	info map[uint32]investigate.NodeInfo
	// ahead holds the arcs read ahead (topoahead.go), by filter and node.
	ahead map[aheadKey]map[uint32][]investigate.Arc
}

// edgeRef is an interned relationship: its element ID and kind.
type edgeRef struct {
	id   string
	kind graph.EdgeKind
}

func (t *topology) internNode(id string) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.nodeH[id]
	if !ok {
		h = uint32(len(t.nodes))
		t.nodes = append(t.nodes, id)
		t.nodeH[id] = h
	}
	return h
}

func (t *topology) internEdge(id string, kind graph.EdgeKind) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.edgeH[id]
	if !ok {
		h = uint32(len(t.edges))
		t.edges = append(t.edges, edgeRef{id, kind})
		t.edgeH[id] = h
	}
	return h
}

// nodeIDs returns the distinct IDs of handles, as query parameters, and
// for each handle its position among them.
func (t *topology) nodeIDs(handles []uint32) (ids []any, pos []int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pos = make([]int, len(handles))
	at := make(map[uint32]int, len(handles))
	for i, h := range handles {
		if h >= uint32(len(t.nodes)) {
			return nil, nil, graph.Errorf(graph.CodeInvalid, "no node has handle %d in this investigation", h)
		}
		j, ok := at[h]
		if !ok {
			j = len(ids)
			at[h] = j
			ids = append(ids, t.nodes[h])
		}
		pos[i] = j
	}
	return ids, pos, nil
}

// Resolve implements investigate.Topology: IDs interned already are
// answered from memory, the others with one query.
func (t *topology) Resolve(ctx context.Context, ids []string) ([]uint32, error) {
	if err := t.s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([]uint32, len(ids))
	var ask []any
	asked := map[string]bool{}
	t.mu.Lock()
	for i, id := range ids {
		h, ok := t.nodeH[id]
		if !ok {
			h = investigate.None
			if !asked[id] {
				asked[id] = true
				ask = append(ask, id)
			}
		}
		out[i] = h
	}
	t.mu.Unlock()
	if len(ask) == 0 {
		return out, nil
	}
	found := map[string][]any{}
	err := t.read(ctx, "topology.resolve", func(tx neo4j.ManagedTransaction) error {
		clear(found)
		recs, err := run(ctx, tx, t.q.resolve, t.w.params(map[string]any{"ids": ask}))
		for _, r := range recs {
			v := r.Values
			seen, err := t.partSeen(v[3], v[4])
			if err != nil {
				return err
			}
			found[v[0].(string)] = []any{v[1], v[2], seen}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if learnt, ok := found[id]; ok && out[i] == investigate.None {
			out[i] = t.internNode(id)
			t.learn(out[i], id, learnt)
		}
	}
	return out, nil
}

// The statements of a topology. $ids holds distinct node IDs; rows carry
// an ID's index in it rather than the ID. Each ID is one seek in the index
// of the uniqueness constraint on Node.id.
//
// Times and first-seen times are whole unix seconds, as in investigate.Arc
// and as the embedded store keeps them: in 32 unsigned bits, so that a time
// outside (1970, 2106] reads as unknown (0) in both stores (maxUnix).
const maxUnix = 1<<32 - 1

// topoQueries are a topology's statements for its viewer.
type topoQueries struct {
	resolve, edges, describe, expand, expandAhead string
}

// topoStatements returns the statements for w. For a trusted caller they
// are those from before visibility; a viewer adds the predicates of
// vis.go to every node and relationship reached, counts degrees over what
// they see, and gets the properties of the records only some of whose
// sources they see (vpart), whose time, value and first seen are then
// theirs, computed in Go (partArc, partSeen).
func topoStatements(w *viewer) topoQueries {
	edgePart, nodePart, window := "null", "null", ""
	if w.filtered() {
		edgePart = "CASE WHEN r.vpart IS NOT NULL THEN properties(r) END"
		nodePart = "CASE WHEN m.vpart IS NOT NULL THEN properties(m) END"
		window = "r.vpart IS NOT NULL OR "
	}
	expandTail := expandTail(w, edgePart, nodePart, window)
	return topoQueries{
		// resolve also says what describe would, since the engine
		// describes every node it resolves: one round trip fewer.
		resolve: "UNWIND $ids AS id MATCH (m:Node {id: id}) WHERE " + w.pred("m") + " " +
			"RETURN m.id, m.kind, " + w.degree("m") + ", m.seen, " + nodePart + " AS mpart",
		edges: "UNWIND range(0, size($eids) - 1) AS i WITH i, $eids[i] AS eid MATCH (a)-[r]->(b) WHERE elementId(r) = eid AND " + w.and("r", "a", "b") + " " +
			"RETURN i, a.id, b.id, type(r), properties(r)",
		// Both counts are answered from the node's degree store, without
		// visiting a relationship, but for a viewer's mixed nodes
		// (viewer.degree); a self-loop counts twice, once per end, as in
		// the embedded store's adjacency.
		describe: "UNWIND range(0, size($ids) - 1) AS i WITH i, $ids[i] AS id MATCH (n:Node {id: id}) WITH i, n AS m " +
			"RETURN i, m.kind, " + w.degree("m") + ", m.seen, " + nodePart + " AS mpart",
		// expand states investigate.Filter.Pass in Cypher (%s is the
		// relationship pattern, from relPattern): the window applies to
		// relationships with a time, the minimum to those with a value,
		// the as-of date to those with a seen; a null parameter is an open
		// bound. Times compare as Arc.Time does, in whole seconds
		// (epochSeconds rounds down, like Go's Unix): a transfer at
		// 12:00:00.5 is inside a window that ends at 12:00:00 in both
		// stores. A viewer's vpart rows pass here and are tested in Go.
		expand: "UNWIND range(0, size($ids) - 1) AS i WITH i, $ids[i] AS id MATCH (n:Node {id: id})%s(m) " + expandTail,
		// expandAhead is expand for the batch and, read ahead, the
		// neighbours it reaches through a relationship of the pattern that
		// have at most $ahead edge ends (topoahead.go); a row's i is then
		// the ID of the node it expands. The first %s is the pattern with
		// r0 for r.
		expandAhead: "UNWIND $ids AS id MATCH (n0:Node {id: id}) " +
			"OPTIONAL MATCH (n0)%s(x) WHERE " + w.and("r0", "x") + " AND COUNT { (x)--() } <= $ahead " +
			"UNWIND [n0, x] AS n WITH DISTINCT n WHERE n IS NOT NULL WITH n, n.id AS i MATCH (n)%s(m) " + expandTail,
	}
}

// expandTail is what expand and expandAhead share: from the relationship r
// between a node n and its neighbour m, the filter and the row.
func expandTail(w *viewer, edgePart, nodePart, window string) string {
	return "WHERE " + w.and("r", "m") + " " +
		"WITH i, n, r, m, r.time.epochSeconds AS t, r.valueUSD AS v, r.seen AS seen " +
		"WITH i, n, r, m, v, CASE WHEN 0 < t <= 4294967295 THEN t ELSE 0 END AS t, CASE WHEN 0 < seen <= 4294967295 THEN seen ELSE 0 END AS seen " +
		"WHERE " + window + "((t = 0 OR (($since IS NULL OR t >= $since) AND ($until IS NULL OR t <= $until))) " +
		"AND ($min IS NULL OR v IS NULL OR v = 0 OR v >= $min) " +
		"AND ($asOf IS NULL OR seen = 0 OR seen <= $asOf)) " +
		"RETURN i, elementId(r), type(r), m.id, startNode(r) = n, t, v, r.amount, r.asset, seen, " +
		"m.kind, " + w.degree("m") + ", m.seen, " + edgePart + " AS rpart, " + nodePart + " AS mpart"
}

// unixSeconds reads an optional time in unix seconds as the statements do.
func unixSeconds(v any) int64 {
	if t := asInt(v); t > 0 && t <= maxUnix {
		return t
	}
	return 0
}

// Describe implements investigate.Topology.
func (t *topology) Describe(ctx context.Context, nodes []uint32) ([]investigate.NodeInfo, error) {
	if err := t.s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([]investigate.NodeInfo, len(nodes))
	var rest []uint32
	var restAt []int
	t.mu.Lock()
	for i, h := range nodes {
		if in, ok := t.info[h]; ok {
			out[i] = in
		} else {
			rest = append(rest, h)
			restAt = append(restAt, i)
		}
	}
	t.mu.Unlock()
	ids, pos, err := t.nodeIDs(rest)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return out, nil
	}
	info := make([]investigate.NodeInfo, len(ids))
	got := make([]bool, len(ids))
	err = t.read(ctx, "topology.describe", func(tx neo4j.ManagedTransaction) error {
		clear(got)
		res, err := tx.Run(ctx, t.q.describe, t.w.params(map[string]any{"ids": ids}))
		if err != nil {
			return err
		}
		for res.Next(ctx) {
			v := res.Record().Values
			i := int(v[0].(int64))
			kind, _ := v[1].(string)
			seen, err := t.partSeen(v[3], v[4])
			if err != nil {
				return err
			}
			info[i] = investigate.NodeInfo{ID: ids[i].(string), Kind: graph.NodeKind(kind), Degree: int(v[2].(int64)), Seen: seen}
			got[i] = true
		}
		return res.Err()
	})
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, j := range pos {
		if !got[j] {
			return nil, internal(fmt.Errorf("node %q vanished", ids[j]), "topology.describe")
		}
		out[restAt[k]] = info[j]
		t.info[rest[k]] = info[j]
	}
	return out, nil
}

// learn keeps what an Expand row says of the node it reached.
func (t *topology) learn(h uint32, id string, v []any) {
	kind, _ := v[0].(string)
	t.mu.Lock()
	t.info[h] = investigate.NodeInfo{ID: id, Kind: graph.NodeKind(kind), Degree: int(asInt(v[1])), Seen: v[2].(int64)}
	t.mu.Unlock()
}

// Nodes implements investigate.Topology.
func (t *topology) Nodes(ctx context.Context, nodes []uint32) ([]*graph.Node, error) {
	if err := t.s.begin(ctx); err != nil {
		return nil, err
	}
	ids, pos, err := t.nodeIDs(nodes)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Node, len(nodes))
	if len(ids) == 0 {
		return out, nil
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.(string)
	}
	var byID map[string]*graph.Node
	err = t.read(ctx, "topology.nodes", func(tx neo4j.ManagedTransaction) error {
		var err error
		byID, err = loadNodes(ctx, tx, strs, t.w)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, j := range pos {
		if out[i] = byID[strs[j]]; out[i] == nil {
			return nil, internal(fmt.Errorf("node %q vanished", strs[j]), "topology.nodes")
		}
	}
	return out, nil
}

// Edges implements investigate.Topology with one query: the topology
// interns relationships by their element IDs (a path search reads many
// relationships and loads few, and an element ID is a fraction of the size
// of Redthread's readable edge ID), each a direct seek.
func (t *topology) Edges(ctx context.Context, edges []uint32) ([]*graph.Edge, error) {
	if err := t.s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([]*graph.Edge, len(edges))
	if len(edges) == 0 {
		return out, nil
	}
	var eids []any
	at := map[uint32]int{}
	t.mu.Lock()
	for _, h := range edges {
		if h >= uint32(len(t.edges)) {
			t.mu.Unlock()
			return nil, graph.Errorf(graph.CodeInvalid, "no edge has handle %d in this investigation", h)
		}
		if _, ok := at[h]; !ok {
			at[h] = len(eids)
			eids = append(eids, t.edges[h].id)
		}
	}
	t.mu.Unlock()
	got := make([]*graph.Edge, len(eids))
	err := t.read(ctx, "topology.edges", func(tx neo4j.ManagedTransaction) error {
		clear(got)
		res, err := tx.Run(ctx, t.q.edges, t.w.params(map[string]any{"eids": eids}))
		if err != nil {
			return err
		}
		for res.Next(ctx) {
			v := res.Record().Values
			e, err := decodeEdge(v[3].(string), v[1].(string), v[2].(string), v[4].(map[string]any))
			if err != nil {
				return internal(err, "decode edge")
			}
			got[int(v[0].(int64))] = t.w.edge(e)
		}
		return res.Err()
	})
	if err != nil {
		return nil, err
	}
	for i, h := range edges {
		if out[i] = got[at[h]]; out[i] == nil {
			return nil, internal(fmt.Errorf("relationship %v vanished", eids[at[h]]), "topology.edges")
		}
	}
	return out, nil
}

// asInt and asFloat read optional numeric values (null is 0).
func asInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 0
}

func asFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	return 0
}
