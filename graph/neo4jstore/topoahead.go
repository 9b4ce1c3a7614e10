package neo4jstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// Read-ahead: the searches start from one or two nodes and expand, level
// by level, the nodes they reached. When a batch is that small and light,
// Expand also reads the arcs of the neighbours it reaches that have few
// edges, in the same statement, and keeps them for the next call under the
// same filter: a statement saved per side of a search for a few dozen rows
// more. The arcs kept are those a later statement would have returned, so
// answers do not change.
const (
	aheadBatch  = 4  // batches of at most this many nodes read ahead
	aheadWeight = 64 // whose edge ends, added up, are at most this
	aheadDegree = 64 // neighbours with at most this many edge ends are read
)

// aheadKey names a filter: arcs read ahead serve only calls under the same.
type aheadKey struct {
	dir                graph.Direction
	kinds              string
	since, until, asOf int64
	minValue           float64
}

// Expand implements investigate.Topology with one query for the batch:
// kinds and direction pick the relationship pattern, the rest of the
// filter is parameters. Nodes read ahead are answered from memory.
func (t *topology) Expand(ctx context.Context, nodes []uint32, f investigate.Filter) ([][]investigate.Arc, error) {
	kinds := make([]graph.EdgeKind, 0, len(f.Kinds))
	for _, k := range f.Kinds {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds) // one query text, one cached plan, per set of kinds
	if err := t.s.begin(ctx); err != nil {
		return nil, err
	}
	key := aheadKey{dir: f.Dir, kinds: fmt.Sprint(kinds), since: f.Since, until: f.Until, asOf: f.AsOf, minValue: f.MinValue}
	out := make([][]investigate.Arc, len(nodes))
	var rest []uint32
	var restAt []int
	t.mu.Lock()
	for i, u := range nodes {
		if list, ok := t.ahead[key][u]; ok {
			out[i] = slices.Clone(list) // the engine edits its lists
		} else {
			rest, restAt = append(rest, u), append(restAt, i)
		}
	}
	t.mu.Unlock()
	if len(rest) == 0 {
		return out, nil
	}
	got, err := t.expand(ctx, rest, kinds, f, key)
	if err != nil {
		return nil, err
	}
	for k, i := range restAt {
		out[i] = got[k]
	}
	return out, nil
}

// readsAhead reports whether a batch is small and light enough to read its
// neighbours' arcs with it.
func (t *topology) readsAhead(nodes []uint32) bool {
	if len(nodes) > aheadBatch {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	w := 0
	for _, u := range nodes {
		in, ok := t.info[u]
		if !ok {
			return false
		}
		w += in.Degree
	}
	return w <= aheadWeight
}

// expand reads the arcs of nodes, and of the neighbours read ahead, which
// it keeps under key.
func (t *topology) expand(ctx context.Context, nodes []uint32, kinds []graph.EdgeKind, f investigate.Filter, key aheadKey) ([][]investigate.Arc, error) {
	pat, err := relPattern(f.Dir, kinds, "r", "")
	if err != nil {
		return nil, err
	}
	ids, pos, err := t.nodeIDs(nodes)
	if err != nil {
		return nil, err
	}
	out := make([][]investigate.Arc, len(nodes))
	if len(ids) == 0 {
		return out, nil
	}
	params := map[string]any{"ids": ids, "since": nil, "until": nil, "min": nil, "asOf": nil}
	if f.Since != 0 {
		params["since"] = f.Since
	}
	if f.Until != 0 {
		params["until"] = f.Until
	}
	if f.MinValue > 0 {
		params["min"] = f.MinValue
	}
	if f.AsOf != 0 {
		params["asOf"] = f.AsOf
	}
	// Slots: the batch's nodes first, then those read ahead, each with its
	// handle, so that rows need not intern them again.
	sl := &slots{at: map[string]int{}}
	for _, id := range ids {
		sl.add(id.(string), t.internNode(id.(string)))
	}
	q := fmt.Sprintf(t.q.expand, pat)
	ahead := t.readsAhead(nodes)
	if ahead {
		pat0, err := relPattern(f.Dir, kinds, "r0", "")
		if err != nil {
			return nil, err
		}
		q = fmt.Sprintf(t.q.expandAhead, pat0, pat)
		params["ahead"] = aheadDegree
	}
	t.w.params(params)
	err = t.read(ctx, "topology.expand", func(tx neo4j.ManagedTransaction) error {
		sl.reset(len(ids))
		res, err := tx.Run(ctx, q, params)
		if err != nil {
			return err
		}
		for res.Next(ctx) {
			if err := t.expandRow(res.Record().Values, sl, f); err != nil {
				return err
			}
		}
		return res.Err()
	})
	if err != nil {
		return nil, err
	}
	if ahead {
		t.keep(key, sl, len(ids))
	}
	used := make([]bool, len(ids))
	for i, j := range pos {
		if used[j] {
			out[i] = slices.Clone(sl.arcs[j]) // a repeated node gets its own slice
		} else {
			out[i], used[j] = sl.arcs[j], true
		}
	}
	return out, nil
}

// slots are the nodes of an expand statement's rows and their arcs.
type slots struct {
	ids  []string
	hs   []uint32
	at   map[string]int
	arcs [][]investigate.Arc
}

func (s *slots) add(id string, h uint32) int {
	s.at[id] = len(s.ids)
	s.ids, s.hs = append(s.ids, id), append(s.hs, h)
	s.arcs = append(s.arcs, nil)
	return len(s.ids) - 1
}

// reset forgets what a failed attempt read: the arcs, and the nodes
// beyond the batch's first n.
func (s *slots) reset(n int) {
	for _, id := range s.ids[n:] {
		delete(s.at, id)
	}
	s.ids, s.hs, s.arcs = s.ids[:n], s.hs[:n], s.arcs[:n]
	clear(s.arcs)
}

// slot returns the slot of a row's first column: the batch index of
// expand, or the node ID of expandAhead (a new slot for a node read ahead).
func (t *topology) slot(s *slots, v any) int {
	if i, ok := v.(int64); ok {
		return int(i)
	}
	id := v.(string)
	if i, ok := s.at[id]; ok {
		return i
	}
	return s.add(id, t.internNode(id))
}

// keep remembers the arcs of the nodes read ahead (slots from n on).
func (t *topology) keep(key aheadKey, s *slots, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.ahead[key]
	if m == nil {
		m = map[uint32][]investigate.Arc{}
		t.ahead[key] = m
	}
	for j := n; j < len(s.ids); j++ {
		m[s.hs[j]] = s.arcs[j]
	}
}

// expandRow adds the arc of one expand row to its node's slot.
func (t *topology) expandRow(v []any, sl *slots, f investigate.Filter) error {
	i := t.slot(sl, v[0])
	typ := v[2].(string)
	kind, ok := edgeKindOf[typ]
	if !ok {
		return internal(fmt.Errorf("relationship type %q is not an edge kind", typ), "topology.expand")
	}
	mid := v[3].(string)
	u := sl.hs[i]
	a := investigate.Arc{Edge: t.internEdge(v[1].(string), kind), Kind: kind,
		Time: asInt(v[5]), Value: asFloat(v[6]), Amount: asFloat(v[7]), Seen: asInt(v[9])}
	a.Asset, _ = v[8].(string)
	from, to := sl.ids[i], mid
	if !v[4].(bool) {
		from, to = to, from
	}
	if pass, err := t.partArc(&a, v[13], from, to, f); err != nil || !pass {
		return err
	}
	seen, err := t.partSeen(v[12], v[14])
	if err != nil {
		return err
	}
	learnt := []any{v[10], v[11], seen}
	if mid == sl.ids[i] {
		// A self-loop: an undirected pattern may meet it from both ends.
		if slices.ContainsFunc(sl.arcs[i], func(b investigate.Arc) bool { return b.Edge == a.Edge }) {
			return nil
		}
		a.From, a.To = u, u
	} else if w := t.internNode(mid); v[4].(bool) {
		a.From, a.To = u, w
		t.learn(w, mid, learnt)
	} else {
		a.From, a.To = w, u
		t.learn(w, mid, learnt)
	}
	sl.arcs[i] = append(sl.arcs[i], a)
	return nil
}
