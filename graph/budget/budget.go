// Package budget bounds the memory that GraphQL operations may build: the
// nodes, edges and bytes of their answers and of the searches behind them.
// Each operation has its own budget and draws on a pool shared by the
// whole server, so that one operation cannot take the process past its
// means and many together cannot either: past either bound a charge fails
// with LIMIT_EXCEEDED naming the budget, and the operation stops.
//
// Charges are counted with atomics, without locks; callers charge in
// batches (a level of a search, a page of an answer), not per node.
package budget

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/redthread-dev/redthread/graph"
)

// Limits are amounts of nodes, edges and bytes; a zero (or negative) field
// means no limit.
type Limits struct{ Nodes, Edges, Bytes int64 }

// resource indexes the three counters.
type resource int

const (
	nodes resource = iota
	edges
	bytes
	resources
)

func (l Limits) get(r resource) int64 {
	switch r {
	case nodes:
		return l.Nodes
	case edges:
		return l.Edges
	}
	return l.Bytes
}

func (l *Limits) set(r resource, v int64) {
	switch r {
	case nodes:
		l.Nodes = v
	case edges:
		l.Edges = v
	default:
		l.Bytes = v
	}
}

// closedBit marks an operation's counter once Close has returned it to the
// pool; counters stay below it (see maxCount).
const (
	closedBit = int64(1) << 62
	maxCount  = closedBit - 1
)

// Pool is the server-wide budget that operations draw on. It is safe for
// concurrent use.
type Pool struct {
	limit [resources]int64
	used  [resources]atomic.Int64
}

// NewPool returns a pool of total (zero fields: unlimited, but counted).
func NewPool(total Limits) *Pool {
	p := &Pool{}
	for r := range resources {
		p.limit[r] = max(total.get(r), 0)
	}
	return p
}

// InUse returns what the operations running hold.
func (p *Pool) InUse() Limits {
	var l Limits
	if p == nil {
		return l
	}
	for r := range resources {
		l.set(r, p.used[r].Load())
	}
	return l
}

// take charges n of r, or fails without charging when the pool is full.
// It compares and swaps rather than adding and undoing, so that the pool
// is never seen over its limit, not even for a moment.
func (p *Pool) take(r resource, n int64) *graph.Error {
	lim := p.limit[r]
	if lim <= 0 {
		p.used[r].Add(n)
		return nil
	}
	for {
		v := p.used[r].Load()
		if n > lim-v {
			return graph.Errorf(graph.CodeLimit, "the server's memory budget of %s is in use by other operations; try again shortly", amount(r, lim))
		}
		if p.used[r].CompareAndSwap(v, v+n) {
			return nil
		}
	}
}

func (p *Pool) give(r resource, n int64) {
	if p != nil && n != 0 {
		p.used[r].Add(-n)
	}
}

// Start begins an operation with its own budget op (zero fields:
// unlimited but for the pool). A nil pool gives an operation bounded only
// by op.
func (p *Pool) Start(op Limits) *Operation {
	o := &Operation{pool: p}
	for r := range resources {
		o.limit[r] = max(op.get(r), 0)
	}
	return o
}

// Operation is one GraphQL operation's budget. It is safe for concurrent
// use: the resolvers of one operation run in parallel. The methods of a nil
// *Operation charge nothing and never fail, so code can charge whatever
// FromContext returns.
type Operation struct {
	pool   *Pool
	limit  [resources]int64
	used   [resources]atomic.Int64 // committed charges, each already taken from the pool
	failed atomic.Pointer[graph.Error]
	closed atomic.Bool
}

// Nodes charges n nodes.
func (o *Operation) Nodes(n int) error { return o.charge(nodes, int64(n)) }

// Edges charges n edges.
func (o *Operation) Edges(n int) error { return o.charge(edges, int64(n)) }

// Bytes charges n bytes.
func (o *Operation) Bytes(n int64) error { return o.charge(bytes, n) }

// Used returns what the operation has charged (after Close, what it had
// charged when it closed).
func (o *Operation) Used() Limits {
	var l Limits
	if o == nil {
		return l
	}
	for r := range resources {
		l.set(r, o.used[r].Load()&^closedBit)
	}
	return l
}

// Err returns the error that stopped the operation, nil while it has not
// failed.
func (o *Operation) Err() error {
	if o == nil {
		return nil
	}
	if err := o.failed.Load(); err != nil {
		return err
	}
	return nil
}

// Close returns everything the operation charged to the pool. It is
// idempotent; charges after it fail.
func (o *Operation) Close() {
	if o == nil || !o.closed.CompareAndSwap(false, true) {
		return
	}
	for r := range resources {
		// Setting the bit stops further commits (charge checks it in its
		// compare-and-swap), so what it returns is exactly what was
		// committed, and every commit had taken its share of the pool.
		old := o.used[r].Or(closedBit)
		o.pool.give(r, old&^closedBit)
	}
}

// charge takes n of r from the operation's budget and the pool, both or
// neither. The pool is charged before the operation's counter commits, so
// that Close, which returns what the counter holds, never returns more
// than was taken.
func (o *Operation) charge(r resource, n int64) error {
	if o == nil {
		return nil
	}
	if err := o.failed.Load(); err != nil {
		return err
	}
	if n <= 0 {
		return nil
	}
	u := o.used[r].Load()
	if err := o.check(r, u, n); err != nil {
		return o.fail(err)
	}
	if o.pool != nil {
		if err := o.pool.take(r, n); err != nil {
			return o.fail(err)
		}
	}
	for !o.used[r].CompareAndSwap(u, u+n) {
		u = o.used[r].Load()
		if err := o.check(r, u, n); err != nil {
			o.pool.give(r, n)
			return o.fail(err)
		}
	}
	return nil
}

// check says whether n more of r fit the operation whose counter reads u.
func (o *Operation) check(r resource, u, n int64) *graph.Error {
	if u&closedBit != 0 {
		return graph.Errorf(graph.CodeLimit, "the operation is over: its memory budget is closed")
	}
	lim := o.limit[r]
	if n > maxCount-u || (lim > 0 && u+n > lim) {
		if lim <= 0 {
			lim = maxCount
		}
		return graph.Errorf(graph.CodeLimit, "the operation's budget of %s is used up; ask for less (fewer fields or aliases, lower limits)", amount(r, lim))
	}
	return nil
}

// fail records the operation's first failure and returns it: once over a
// budget, an operation stays over it.
func (o *Operation) fail(err *graph.Error) error {
	o.failed.CompareAndSwap(nil, err)
	return o.failed.Load()
}

type ctxKey struct{}

// WithOperation returns ctx carrying o.
func WithOperation(ctx context.Context, o *Operation) context.Context {
	return context.WithValue(ctx, ctxKey{}, o)
}

// FromContext returns the operation ctx carries, nil when none.
func FromContext(ctx context.Context) *Operation {
	o, _ := ctx.Value(ctxKey{}).(*Operation)
	return o
}

// amount names n of r for people: "500,000 nodes", "512 MiB".
func amount(r resource, n int64) string {
	switch r {
	case nodes:
		return commas(n) + " nodes"
	case edges:
		return commas(n) + " edges"
	}
	const unit = 1024
	if n < unit {
		return commas(n) + " bytes"
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64) + " " + suffix
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + suffix
}

// commas formats n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
