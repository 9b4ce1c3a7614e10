package gql

import (
	"context"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
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

// Loader batches and caches keyed lookups (nodes, degrees) for one GraphQL
// operation.
type Loader[T any] struct {
	ctx      context.Context // the operation's: its deadline bounds every batch
	fetch    func(ctx context.Context, ids []string) ([]T, error)
	what     string // for errors: "nodes", "degrees"
	wait     time.Duration
	maxBatch int

	mu      sync.Mutex
	cache   map[string]*loadResult[T]
	pending *loadBatch[T]
}

// NodeLoader batches and caches node lookups.
type NodeLoader = Loader[*graph.Node]

type loadResult[T any] struct {
	done chan struct{}
	v    T
	err  error
}

type loadBatch[T any] struct {
	ids     []string
	results []*loadResult[T]
	timer   *time.Timer
}

// NewNodeLoader returns a loader whose batches run under ctx and are
// charged to the memory budget ctx carries (graph/budget).
func NewNodeLoader(ctx context.Context, s Store) *NodeLoader {
	fetch := func(ctx context.Context, ids []string) ([]*graph.Node, error) {
		ns, err := s.Nodes(ctx, ids)
		if err != nil {
			return nil, err
		}
		return ns, chargeAnswer(ctx, "nodes", ns, nil)
	}
	return newLoader(ctx, "nodes", fetch, loaderWait, loaderMaxBatch)
}

func newLoader[T any](ctx context.Context, what string, fetch func(context.Context, []string) ([]T, error), wait time.Duration, maxBatch int) *Loader[T] {
	return &Loader[T]{ctx: ctx, what: what, fetch: fetch, wait: wait, maxBatch: maxBatch, cache: map[string]*loadResult[T]{}}
}

// loaders are the batch loaders of one operation.
type loaders struct {
	ctx     context.Context // the operation's, for loaders made on first use
	nodes   *NodeLoader
	degrees *Loader[int]

	mu    sync.Mutex
	risks *Loader[investigate.NodeRisk] // see riskLoaderFrom
}

type loaderKey struct{}

// WithNodeLoader returns ctx carrying new loaders over s for one operation:
// nodes, and node degrees (through the store's Topology).
func WithNodeLoader(ctx context.Context, s Store) context.Context {
	return context.WithValue(ctx, loaderKey{}, &loaders{
		ctx:     ctx,
		nodes:   NewNodeLoader(ctx, s),
		degrees: newLoader(ctx, "degrees", func(ctx context.Context, ids []string) ([]int, error) { return degrees(ctx, s, ids) }, loaderWait, loaderMaxBatch),
	})
}

func loaderFrom(ctx context.Context) *NodeLoader {
	if l, _ := ctx.Value(loaderKey{}).(*loaders); l != nil {
		return l.nodes
	}
	return nil
}

func degreeLoaderFrom(ctx context.Context) *Loader[int] {
	if l, _ := ctx.Value(loaderKey{}).(*loaders); l != nil {
		return l.degrees
	}
	return nil
}

// degrees counts the edge ends at each node (0 for a node that does not
// exist), one Topology batch for all of them.
func degrees(ctx context.Context, s Store, ids []string) ([]int, error) {
	t, release, err := s.Topology(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	hs, err := t.Resolve(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ids))
	known := make([]uint32, 0, len(hs))
	at := make([]int, 0, len(hs))
	for i, h := range hs {
		if h != investigate.None {
			known = append(known, h)
			at = append(at, i)
		}
	}
	if len(known) == 0 {
		return out, nil
	}
	infos, err := t.Describe(ctx, known)
	if err != nil {
		return nil, err
	}
	for j, info := range infos {
		out[at[j]] = info.Degree
	}
	return out, nil
}

// Load returns the value for id (the zero value when it does not exist).
func (l *Loader[T]) Load(ctx context.Context, id string) (T, error) {
	l.mu.Lock()
	r, ok := l.cache[id]
	if !ok {
		r = &loadResult[T]{done: make(chan struct{})}
		l.cache[id] = r
		l.enqueue(id, r)
	}
	l.mu.Unlock()

	select {
	case <-r.done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Prime caches a value the caller already holds, such as the nodes of a
// subgraph whose edges will ask for their endpoints.
func (l *Loader[T]) Prime(id string, v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.cache[id]; ok {
		return
	}
	r := &loadResult[T]{done: make(chan struct{}), v: v}
	close(r.done)
	l.cache[id] = r
}

// enqueue adds id to the open batch, opening one if needed; l.mu is held.
func (l *Loader[T]) enqueue(id string, r *loadResult[T]) {
	b := l.pending
	if b == nil {
		b = &loadBatch[T]{}
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

func (l *Loader[T]) flush(b *loadBatch[T]) {
	l.mu.Lock()
	if l.pending == b {
		l.pending = nil
	}
	l.mu.Unlock()
	l.run(b)
}

func (l *Loader[T]) run(b *loadBatch[T]) {
	vs, err := l.fetch(l.ctx, b.ids)
	if err == nil && len(vs) != len(b.ids) {
		err = graph.Errorf(graph.CodeInternal, "store returned %d %s for %d ids", len(vs), l.what, len(b.ids))
	}
	for i, r := range b.results {
		if err != nil {
			r.err = err
		} else {
			r.v = vs[i]
		}
		close(r.done)
	}
}
