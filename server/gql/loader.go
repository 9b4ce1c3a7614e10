package gql

import (
	"context"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Loader batching: gqlgen resolves the elements of a list concurrently, so
// the fromNode/toNode lookups of one subgraph arrive within microseconds of
// each other. The loader holds each batch open for a short window and
// fetches it with one store.Nodes call, then caches the answers for the
// rest of the operation.
const (
	loaderWait     = 2 * time.Millisecond
	loaderMaxBatch = 500
)

// NodeLoader batches and caches node lookups for one GraphQL operation.
type NodeLoader struct {
	ctx      context.Context // the operation's: its deadline bounds every batch
	fetch    func(ctx context.Context, ids []string) ([]*graph.Node, error)
	wait     time.Duration
	maxBatch int

	mu      sync.Mutex
	cache   map[string]*loadResult
	pending *loadBatch
}

type loadResult struct {
	done chan struct{}
	node *graph.Node
	err  error
}

type loadBatch struct {
	ids     []string
	results []*loadResult
	timer   *time.Timer
}

// NewNodeLoader returns a loader whose batches run under ctx.
func NewNodeLoader(ctx context.Context, s Store) *NodeLoader {
	return newNodeLoader(ctx, s.Nodes, loaderWait, loaderMaxBatch)
}

func newNodeLoader(ctx context.Context, fetch func(context.Context, []string) ([]*graph.Node, error), wait time.Duration, maxBatch int) *NodeLoader {
	return &NodeLoader{ctx: ctx, fetch: fetch, wait: wait, maxBatch: maxBatch, cache: map[string]*loadResult{}}
}

type loaderKey struct{}

// WithNodeLoader returns ctx carrying a new loader over s for one operation.
func WithNodeLoader(ctx context.Context, s Store) context.Context {
	return context.WithValue(ctx, loaderKey{}, NewNodeLoader(ctx, s))
}

func loaderFrom(ctx context.Context) *NodeLoader {
	l, _ := ctx.Value(loaderKey{}).(*NodeLoader)
	return l
}

// Load returns the node with id, or nil when it does not exist.
func (l *NodeLoader) Load(ctx context.Context, id string) (*graph.Node, error) {
	l.mu.Lock()
	r, ok := l.cache[id]
	if !ok {
		r = &loadResult{done: make(chan struct{})}
		l.cache[id] = r
		l.enqueue(id, r)
	}
	l.mu.Unlock()

	select {
	case <-r.done:
		return r.node, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Prime caches nodes the caller already holds, such as the nodes of a
// subgraph whose edges will ask for their endpoints.
func (l *NodeLoader) Prime(nodes ...*graph.Node) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if _, ok := l.cache[n.ID]; ok {
			continue
		}
		r := &loadResult{done: make(chan struct{}), node: n}
		close(r.done)
		l.cache[n.ID] = r
	}
}

// enqueue adds id to the open batch, opening one if needed; l.mu is held.
func (l *NodeLoader) enqueue(id string, r *loadResult) {
	b := l.pending
	if b == nil {
		b = &loadBatch{}
		l.pending = b
		b.timer = time.AfterFunc(l.wait, func() { l.flush(b) })
	}
	b.ids = append(b.ids, id)
	b.results = append(b.results, r)
	if len(b.ids) >= l.maxBatch && b.timer.Stop() {
		l.pending = nil
		go l.run(b)
	}
}

func (l *NodeLoader) flush(b *loadBatch) {
	l.mu.Lock()
	if l.pending == b {
		l.pending = nil
	}
	l.mu.Unlock()
	l.run(b)
}

func (l *NodeLoader) run(b *loadBatch) {
	nodes, err := l.fetch(l.ctx, b.ids)
	if err == nil && len(nodes) != len(b.ids) {
		err = graph.Errorf(graph.CodeInternal, "store returned %d nodes for %d ids", len(nodes), len(b.ids))
	}
	for i, r := range b.results {
		if err != nil {
			r.err = err
		} else {
			r.node = nodes[i]
		}
		close(r.done)
	}
}
