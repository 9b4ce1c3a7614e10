package neo4jstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

// prepared is a batch validated and folded in Go, before any query.
type prepared struct {
	nodes    []*graph.Node // unique by ID, merged in batch order
	nodePos  map[string]int
	rejected []graph.Rejection // nodes that failed validation
	// edges[i] is Edges[i] prepared, nil when it failed validation (then
	// edgeErr[i] says why); endpoints are checked against the store later.
	edges   []*graph.Edge
	edgeErr []error
	prices  []graph.Price // prepared and folded (graph.PreparePrices)
}

// prepare validates the batch and merges repeated nodes, exactly as the
// embedded store does. An edge endpoint that is a node ID of the batch, or
// one known reports as a stored node's, is not normalised again
// (graph.PrepareEdgeKnown): a wallet's checksum costs more than the rest
// of an edge.
func prepare(b graph.Batch, known func(id string) bool) *prepared {
	p := &prepared{nodePos: make(map[string]int, len(b.Nodes)), edges: make([]*graph.Edge, len(b.Edges)), edgeErr: make([]error, len(b.Edges))}
	for i := range b.Nodes {
		n := b.Nodes[i]
		if err := graph.PrepareNode(&n); err != nil {
			p.rejected = append(p.rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
			continue
		}
		if j, ok := p.nodePos[n.ID]; ok {
			m, err := graph.MergeNode(p.nodes[j], &n)
			if err != nil {
				p.rejected = append(p.rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
				continue
			}
			p.nodes[j] = m
			continue
		}
		p.nodePos[n.ID] = len(p.nodes)
		p.nodes = append(p.nodes, &n)
	}
	isKnown := func(id string) bool {
		if _, ok := p.nodePos[id]; ok {
			return true
		}
		return known != nil && known(id)
	}
	for i := range b.Edges {
		e := b.Edges[i]
		if err := graph.PrepareEdgeKnown(&e, isKnown(e.From), isKnown(e.To)); err != nil {
			p.edges[i], p.edgeErr[i] = &e, err
			continue
		}
		p.edges[i] = &e
	}
	var prej []graph.Rejection
	p.prices, prej = graph.PreparePrices(b.Prices)
	p.rejected = append(p.rejected, prej...)
	return p
}

// creates reports whether the batch creates node id: it holds it, and the
// store does not.
func (p *prepared) creates(id string, stored map[string]*graph.Node) bool {
	_, inBatch := p.nodePos[id]
	return inBatch && stored[id] == nil
}

// foldEdges merges the batch's repeated edges in index order, like the
// embedded store: edges[j] merges the batch's Edges[edgeIdx[j]...], and
// rej holds the edges that failed validation or merging.
func (p *prepared) foldEdges() (edges []*graph.Edge, edgeIdx [][]int, rej []graph.Rejection) {
	edgePos := map[string]int{}
	for i, e := range p.edges {
		if err := p.edgeErr[i]; err != nil {
			rej = append(rej, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
			continue
		}
		if j, ok := edgePos[e.ID]; ok {
			m, err := graph.MergeEdge(edges[j], e)
			if err != nil {
				rej = append(rej, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
				continue
			}
			edges[j] = m
			edgeIdx[j] = append(edgeIdx[j], i)
			continue
		}
		edgePos[e.ID] = len(edges)
		edges = append(edges, e)
		edgeIdx = append(edgeIdx, []int{i})
	}
	return edges, edgeIdx, rej
}

// Write implements graph.Store. One managed write transaction per batch
// reads the stored versions of the batch's records, merges in Go with
// graph.MergeNode/MergeEdge (the embedded store's rules), leaves records
// whose merged form equals the stored one alone, and writes the rest in
// UNWIND batches per label and relationship type.
//
// Writers of one Store are serialised, like the embedded store's. Writers
// in other processes are safe for creations (the uniqueness constraints
// reject the second creator, whose transaction is then retried and merges
// into the first's record) but two updating the same record at once may
// lose one merge: run one ingesting process per database.
func (s *Store) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	if err := s.begin(ctx); err != nil {
		return graph.WriteResult{}, err
	}
	p := prepare(b, nil)
	if len(p.nodes) == 0 && len(p.edges) == 0 && len(p.prices) == 0 {
		return graph.WriteResult{Rejected: p.rejected}, nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var res graph.WriteResult
	err := s.write(ctx, "write", func(tx neo4j.ManagedTransaction) error {
		var err error
		res, err = s.writeTx(ctx, tx, p)
		var nerr *neo4j.Neo4jError
		if errors.As(err, &nerr) && nerr.Code == "Neo.ClientError.Schema.ConstraintValidationFailed" {
			// Another process created one of our records since we read:
			// run the transaction again, which will merge into it.
			nerr.MarkRetriable()
		}
		return err
	})
	if err != nil {
		return graph.WriteResult{}, err
	}
	if len(res.Rejected) > 0 {
		s.log.Debug("batch written with rejections", "rejected", len(res.Rejected), "first", res.Rejected[0].Err)
	}
	return res, nil
}

// writeTx writes p in tx: it reads the stored versions of the batch's
// records, merges the batch into them and writes those that changed.
func (s *Store) writeTx(ctx context.Context, tx neo4j.ManagedTransaction, p *prepared) (graph.WriteResult, error) {
	res := graph.WriteResult{Rejected: slices.Clone(p.rejected)}
	storedNodes, err := readNodes(ctx, tx, p.nodes)
	if err != nil {
		return res, err
	}
	// Edges are not looked up here: the CREATE below matches their
	// endpoints, and only when it creates fewer edges than asked does a
	// query find the ones whose endpoints are missing.
	edges, edgeIdx, edgeRej := p.foldEdges()
	storedEdges, err := readEdges(ctx, tx, p, edges, storedNodes)
	if err != nil {
		return res, err
	}
	nw, err := classifyNodes(p.nodes, storedNodes, &res)
	if err != nil {
		return res, err
	}
	ew, err := classifyEdges(edges, storedEdges, &res)
	if err != nil {
		return res, err
	}
	// Nodes before edges, so edges find endpoints of this batch.
	if err := nw.write(ctx, tx); err != nil {
		return res, err
	}
	rej, err := ew.write(ctx, tx, edges, edgeIdx, &res)
	if err != nil {
		return res, err
	}
	ew.deg.add(nw.changed...)
	ew.deg.changed = nw.changed
	if err := ew.deg.run(ctx, tx); err != nil {
		return res, err
	}
	edgeRej = append(edgeRej, rej...)
	if err := writePrices(ctx, tx, p.prices, &res); err != nil {
		return res, err
	}
	// Rejections in batch order: nodes, then edges by index.
	slices.SortStableFunc(edgeRej, func(a, b graph.Rejection) int { return a.Index - b.Index })
	res.Rejected = append(res.Rejected, edgeRej...)
	if res.NodesCreated+res.NodesUpdated+res.EdgesCreated+res.EdgesUpdated > 0 {
		if err := exec(ctx, tx, bumpGeneration, nil, -1, nil); err != nil { // visdeg.go
			return res, err
		}
	}
	return res, nil
}

// readNodes returns the stored versions of nodes, by ID.
func readNodes(ctx context.Context, tx neo4j.ManagedTransaction, nodes []*graph.Node) (map[string]*graph.Node, error) {
	stored := map[string]*graph.Node{}
	if len(nodes) == 0 {
		return stored, nil
	}
	ids := make([]any, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
	}
	recs, err := run(ctx, tx, "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN properties(n) AS p", map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		n, err := decodeNode(r.Values[0].(map[string]any))
		if err != nil {
			return nil, internal(err, "decode node")
		}
		stored[n.ID] = n
	}
	return stored, nil
}

// readEdges returns the stored versions of edges, by ID, looked up per
// type through its index. An edge with an endpoint that this batch
// creates cannot be stored yet (a rival creator of that node makes this
// transaction fail on the node constraint, and its retry sees the node
// stored).
func readEdges(ctx context.Context, tx neo4j.ManagedTransaction, p *prepared, edges []*graph.Edge, storedNodes map[string]*graph.Node) (map[string]*graph.Edge, error) {
	byType := map[graph.EdgeKind][]any{}
	for _, e := range edges {
		if !p.creates(e.From, storedNodes) && !p.creates(e.To, storedNodes) {
			byType[e.Kind] = append(byType[e.Kind], e.ID)
		}
	}
	stored := map[string]*graph.Edge{}
	for _, k := range graph.EdgeKinds() {
		if len(byType[k]) == 0 {
			continue
		}
		q := fmt.Sprintf("UNWIND $ids AS id MATCH (a)-[r:%s {id: id}]->(b) RETURN a.id, b.id, properties(r)", relTypes[k])
		recs, err := run(ctx, tx, q, map[string]any{"ids": byType[k]})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			e, err := decodeEdge(relTypes[k], r.Values[0].(string), r.Values[1].(string), r.Values[2].(map[string]any))
			if err != nil {
				return nil, internal(err, "decode edge")
			}
			stored[e.ID] = e
		}
	}
	return stored, nil
}

// mergeStored merges rec into its stored version old, if ok, and reports
// whether that leaves the stored record as it was.
func mergeStored[R any](rec, old *R, ok bool, merge func(old, rec *R) (*R, error), what string) (*R, bool, error) {
	if !ok {
		return rec, false, nil
	}
	rec, err := merge(old, rec)
	if err != nil {
		return nil, false, internal(err, "merge "+what)
	}
	same, err := sameRecord(rec, old)
	if err != nil {
		return nil, false, internal(err, "encode "+what)
	}
	return rec, same, nil
}

// nodeWrites are the property rows of the nodes a batch creates, by kind,
// and of those it updates.
type nodeWrites struct {
	create map[graph.NodeKind][]any
	update []any
	// restrict holds the IDs of updated nodes that were public and no
	// longer are (a source retrieved again under a stricter marking):
	// their relationships become vx and their neighbours vmix (vis.go).
	restrict []any
	changed  []string // nodes whose class changed (visdeg.go)
}

// classifyNodes merges nodes into their stored versions and sorts them
// into creations and updates, counting them (and those unchanged) in res.
func classifyNodes(nodes []*graph.Node, stored map[string]*graph.Node, res *graph.WriteResult) (nodeWrites, error) {
	w := nodeWrites{create: map[graph.NodeKind][]any{}}
	for _, n := range nodes {
		old, ok := stored[n.ID]
		rec, same, err := mergeStored(n, old, ok, graph.MergeNode, "node")
		if err != nil {
			return w, err
		}
		if same {
			res.NodesUnchanged++
			continue
		}
		row, err := nodeProps(rec)
		if err != nil {
			return w, internal(err, "encode node")
		}
		if ok {
			w.update = append(w.update, row)
			res.NodesUpdated++
			old := map[string]any{}
			visProps(old, stored[n.ID].Sources)
			if restricted(row) && !restricted(old) {
				w.restrict = append(w.restrict, n.ID)
			}
			if classChanged(old, row) {
				w.changed = append(w.changed, n.ID)
			}
		} else {
			w.create[n.Kind] = append(w.create[n.Kind], row)
			res.NodesCreated++
		}
	}
	return w, nil
}

// write creates the nodes, one statement per label, then updates.
func (w nodeWrites) write(ctx context.Context, tx neo4j.ManagedTransaction) error {
	for _, k := range graph.NodeKinds() {
		if rows := w.create[k]; len(rows) > 0 {
			q := fmt.Sprintf("UNWIND $rows AS row CREATE (n:Node:%s {%s})", nodeLabels[k], propMap(nodeKeys))
			if err := exec(ctx, tx, q, rows, len(rows), func(c neo4j.Counters) int { return c.NodesCreated() }); err != nil {
				return err
			}
		}
	}
	if len(w.update) > 0 {
		q := "UNWIND $rows AS row MATCH (n:Node {id: row.id}) SET " + propSets("n", nodeKeys[1:]) + ", " + propNulls("n", legacyNodeKeys)
		if err := exec(ctx, tx, q, w.update, -1, nil); err != nil {
			return err
		}
	}
	if len(w.restrict) > 0 {
		q := "UNWIND $rows AS id MATCH (n:Node {id: id})-[r]-(m) SET r.vx = true, n.vmix = true, m.vmix = true"
		if err := exec(ctx, tx, q, w.restrict, -1, nil); err != nil {
			return err
		}
	}
	return nil
}

// edgeWrites are the property rows of the edges a batch creates and of
// those it updates, by kind; createJ[k][i] is the position among the
// folded edges of the edge of create[k][i].
type edgeWrites struct {
	create  map[graph.EdgeKind][]any
	createJ map[graph.EdgeKind][]int
	update  map[graph.EdgeKind][]any
	deg     degreeWork // ends whose degree table may change (visdeg.go)
}

// classifyEdges merges edges into their stored versions and sorts them
// into creations and updates, counting them (and those unchanged) in res.
func classifyEdges(edges []*graph.Edge, stored map[string]*graph.Edge, res *graph.WriteResult) (edgeWrites, error) {
	w := edgeWrites{create: map[graph.EdgeKind][]any{}, createJ: map[graph.EdgeKind][]int{}, update: map[graph.EdgeKind][]any{}}
	for j, e := range edges {
		old, ok := stored[e.ID]
		rec, same, err := mergeStored(e, old, ok, graph.MergeEdge, "edge")
		if err != nil {
			return w, err
		}
		if same {
			res.EdgesUnchanged++
			continue
		}
		props, err := edgeProps(rec)
		if err != nil {
			return w, internal(err, "encode edge")
		}
		if ok {
			w.update[e.Kind] = append(w.update[e.Kind], props)
			res.EdgesUpdated++
			if ov := map[string]any{}; classChanged(props, visPropsOf(ov, old.Sources)) {
				w.deg.add(e.From, e.To)
			}
		} else {
			props["from"], props["to"] = e.From, e.To
			w.create[e.Kind] = append(w.create[e.Kind], props)
			w.createJ[e.Kind] = append(w.createJ[e.Kind], j)
			res.EdgesCreated++
		}
	}
	return w, nil
}

// write creates then updates the edges of each type, type after type, and
// returns the rejections of the edges it could not create for a missing
// endpoint, uncounting them from res.
func (w *edgeWrites) write(ctx context.Context, tx neo4j.ManagedTransaction, edges []*graph.Edge, edgeIdx [][]int, res *graph.WriteResult) ([]graph.Rejection, error) {
	var rej []graph.Rejection
	for _, k := range graph.EdgeKinds() {
		if rows := w.create[k]; len(rows) > 0 {
			r, err := createEdges(ctx, tx, k, rows, edges, w.createJ[k], edgeIdx, &w.deg)
			if err != nil {
				return nil, err
			}
			res.EdgesCreated -= len(r)
			for _, r := range r {
				rej = append(rej, r...)
			}
		}
		if rows := w.update[k]; len(rows) > 0 {
			// A relationship that becomes restricted becomes vx (vis.go).
			q := fmt.Sprintf("UNWIND $rows AS row MATCH (a)-[r:%s {id: row.id}]->(b) SET %s, %s "+
				"FOREACH (_ IN CASE WHEN row.vpub IS NULL AND r.vx IS NULL THEN [1] ELSE [] END | SET r.vx = true, a.vmix = true, b.vmix = true)",
				relTypes[k], propSets("r", edgeKeys[1:]), propNulls("r", legacyEdgeKeys))
			if err := exec(ctx, tx, q, rows, -1, nil); err != nil {
				return nil, err
			}
		}
	}
	return rej, nil
}

// createEdges creates the edges of kind k whose rows are rows and which
// are edges[js]; it returns the rejections of those with a missing
// endpoint, one slice per edge (see danglingEdges).
func createEdges(ctx context.Context, tx neo4j.ManagedTransaction, k graph.EdgeKind, rows []any, edges []*graph.Edge, js []int, edgeIdx [][]int, deg *degreeWork) ([][]graph.Rejection, error) {
	// MATCH drops the rows whose endpoints are missing: an edge stored
	// already has both, and so do edges whose endpoints are nodes of this
	// batch (written before).
	// An edge that is restricted or touches a restricted node is vx, and
	// makes its endpoints vmix (vis.go): a record without vpub is
	// restricted, or of an older schema (the same, conservatively).
	q := fmt.Sprintf("UNWIND $rows AS row MATCH (a:Node {id: row.from}) MATCH (b:Node {id: row.to}) CREATE (a)-[r:%s {%s}]->(b) "+
		"WITH a, r, b WHERE r.vpub IS NULL OR a.vpub IS NULL OR b.vpub IS NULL SET r.vx = true, a.vmix = true, b.vmix = true RETURN a.id, b.id",
		relTypes[k], propMap(edgeKeys))
	got, err := execEnds(ctx, tx, q, rows, deg)
	if err != nil {
		return nil, err
	}
	if got == len(rows) {
		return nil, nil
	}
	rej, err := danglingEdges(ctx, tx, edges, js, edgeIdx)
	if err != nil {
		return nil, err
	}
	if got+len(rej) != len(rows) {
		return nil, internal(fmt.Errorf("created %d of %d, %d dangling", got, len(rows), len(rej)), "write")
	}
	return rej, nil
}

// danglingEdges finds, among edges[js], those with an endpoint that is
// neither in the store nor in the batch, and returns their rejections,
// one slice per dangling edge, covering every batch index merged into it.
func danglingEdges(ctx context.Context, tx neo4j.ManagedTransaction, edges []*graph.Edge, js []int, edgeIdx [][]int) ([][]graph.Rejection, error) {
	var ids []any
	seen := map[string]bool{}
	for _, j := range js {
		for _, id := range []string{edges[j].From, edges[j].To} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	recs, err := run(ctx, tx, "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id", map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	exists := make(map[string]bool, len(recs))
	for _, r := range recs {
		exists[r.Values[0].(string)] = true
	}
	var out [][]graph.Rejection
	for _, j := range js {
		e := edges[j]
		missing := ""
		for _, id := range []string{e.From, e.To} {
			if !exists[id] {
				missing = id
				break
			}
		}
		if missing == "" {
			continue
		}
		err := graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, missing)
		rej := make([]graph.Rejection, len(edgeIdx[j]))
		for n, i := range edgeIdx[j] {
			rej[n] = graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err}
		}
		out = append(out, rej)
	}
	return out, nil
}

// propMap returns "k1: row.k1, k2: row.k2, ..." and propSets
// "v.k1 = row.k1, ...": properties named explicitly, unlike SET v = row,
// let the planner see that the writes cannot change what the statement
// reads (the IDs it looks up), so it streams the rows instead of
// materialising them all first (an Eager operator). A null value leaves
// the property out on CREATE and removes it on SET.
func propMap(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": row." + k
	}
	return strings.Join(parts, ", ")
}

func propSets(v string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = v + "." + k + " = row." + k
	}
	return strings.Join(parts, ", ")
}

// propNulls returns "v.k1 = null, ...": it removes schema 1 properties
// from a record written anew in schema 2.
func propNulls(v string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = v + "." + k + " = null"
	}
	return strings.Join(parts, ", ")
}

// exec runs a write statement over rows; when want >= 0 it checks that
// the statement created want entities, as counted by created.
func exec(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, rows []any, want int, created func(neo4j.Counters) int) error {
	res, err := tx.Run(ctx, cypher, map[string]any{"rows": rows})
	if err != nil {
		return err
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return err
	}
	if want >= 0 {
		if got := created(sum.Counters()); got != want {
			return internal(fmt.Errorf("created %d of %d", got, want), "write")
		}
	}
	return nil
}

// sameRecord reports whether two records have the same JSON form, which is
// what the embedded store compares to count a record unchanged.
func sameRecord(a, b any) (bool, error) {
	x, err := marshal(a)
	if err != nil {
		return false, err
	}
	y, err := marshal(b)
	return x == y, err
}
