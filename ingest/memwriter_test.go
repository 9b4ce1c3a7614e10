package ingest_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"

	"github.com/redthread-dev/redthread/graph"
)

// memWriter is a test double of a store's write path: it applies the graph
// package's own validation and merge rules, rejects edges whose endpoints
// it does not hold with NOT_FOUND (as graph.Store.Write must), and counts
// a record unchanged when merging leaves its encoding as it was.
type memWriter struct {
	mu      sync.Mutex
	nodes   map[string][]byte
	edges   map[string][]byte
	batches []graph.Batch
	// hooks for failure cases
	onWrite func(n int) error     // called before batch n (0-based) is applied
	reject  func(id string) error // a store-level rejection of a record
}

func newMemWriter() *memWriter {
	return &memWriter{nodes: map[string][]byte{}, edges: map[string][]byte{}}
}

func (m *memWriter) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var res graph.WriteResult
	if m.onWrite != nil {
		if err := m.onWrite(len(m.batches)); err != nil {
			return res, err
		}
	}
	m.batches = append(m.batches, b)
	for i, n := range b.Nodes {
		if err := m.rejected(n.ID); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
			continue
		}
		if err := graph.PrepareNode(&n); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
			continue
		}
		merged := &n
		if old, ok := m.nodes[n.ID]; ok {
			var o graph.Node
			if err := json.Unmarshal(old, &o); err != nil {
				return res, err
			}
			var err error
			if merged, err = graph.MergeNode(&o, &n); err != nil {
				return res, err
			}
		}
		enc, _ := json.Marshal(merged)
		switch old, ok := m.nodes[n.ID]; {
		case !ok:
			res.NodesCreated++
		case string(old) == string(enc):
			res.NodesUnchanged++
		default:
			res.NodesUpdated++
		}
		m.nodes[n.ID] = enc
	}
	for i, e := range b.Edges {
		if err := m.rejected(e.ID); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
			continue
		}
		if err := graph.PrepareEdge(&e); err != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
			continue
		}
		if missing := m.missing(e.From, e.To); missing != "" {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: graph.NotFound("endpoint", missing)})
			continue
		}
		merged := &e
		if old, ok := m.edges[e.ID]; ok {
			var o graph.Edge
			if err := json.Unmarshal(old, &o); err != nil {
				return res, err
			}
			var err error
			if merged, err = graph.MergeEdge(&o, &e); err != nil {
				return res, err
			}
		}
		enc, _ := json.Marshal(merged)
		switch old, ok := m.edges[e.ID]; {
		case !ok:
			res.EdgesCreated++
		case string(old) == string(enc):
			res.EdgesUnchanged++
		default:
			res.EdgesUpdated++
		}
		m.edges[e.ID] = enc
	}
	return res, nil
}

func (m *memWriter) rejected(id string) error {
	if m.reject == nil {
		return nil
	}
	return m.reject(id)
}

func (m *memWriter) missing(ids ...string) string {
	for _, id := range ids {
		if _, ok := m.nodes[id]; !ok {
			return id
		}
	}
	return ""
}

// snapshot returns the stored bytes, to compare two states.
func (m *memWriter) snapshot() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for k, v := range m.nodes {
		out[k] = string(v)
	}
	for k, v := range m.edges {
		out[k] = string(v)
	}
	return out
}

func (m *memWriter) node(id string) *graph.Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n graph.Node
	if json.Unmarshal(m.nodes[id], &n) != nil {
		return nil
	}
	return &n
}

func (m *memWriter) edgeIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.edges))
}
