package investigate

import (
	"context"
	"errors"
	"fmt"

	"github.com/redthread-dev/redthread/graph"
	opbudget "github.com/redthread-dev/redthread/graph/budget"
)

// Limits bound every investigation query. A server configures them; a
// caller may ask for less, never for more. Work is bounded three ways: by
// these counts, by the context's deadline (checked between batches and
// inside long loops) and, for Neo4j, by the transaction timeout the
// deadline sets.
type Limits struct {
	DefaultHops int // path and flow length when the caller gives none
	MaxHops     int
	MaxPaths    int // paths returned by one paths query
	MaxRoutes   int // money-flow routes returned
	MaxVisited  int // nodes one query may discover
	MaxArcs     int // arcs one query may read
	// HubDegree is the default degree above which a node is not expanded
	// (it may still be a path's end): an exchange's hot wallet with a
	// million transfers joins everything to everything and explains
	// nothing. Callers may raise it up to MaxHubDegree.
	HubDegree    int
	MaxHubDegree int
	MaxMembers   int // members of one address or persona cluster
	MaxSubgraph  int // nodes given to communities
}

// DefaultLimits are the limits a server uses unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{
		DefaultHops: 6, MaxHops: 12, MaxPaths: 100, MaxRoutes: 1000,
		MaxVisited: 200_000, MaxArcs: 2_000_000, HubDegree: 1000, MaxHubDegree: 100_000,
		MaxMembers: 10_000, MaxSubgraph: 20_000,
	}
}

// OrDefaults returns l with unset (zero or negative) fields from DefaultLimits.
func (l Limits) OrDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&l.DefaultHops, d.DefaultHops}, {&l.MaxHops, d.MaxHops}, {&l.MaxPaths, d.MaxPaths},
		{&l.MaxRoutes, d.MaxRoutes}, {&l.MaxVisited, d.MaxVisited}, {&l.MaxArcs, d.MaxArcs},
		{&l.HubDegree, d.HubDegree}, {&l.MaxHubDegree, d.MaxHubDegree},
		{&l.MaxMembers, d.MaxMembers}, {&l.MaxSubgraph, d.MaxSubgraph},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	return l
}

// hops returns the hop bound for a request of n (0: the default), clamped,
// and whether it was clamped.
func (l Limits) hops(n int) (int, bool, error) {
	switch {
	case n < 0:
		return 0, false, graph.Errorf(graph.CodeInvalid, "maxHops cannot be negative")
	case n == 0:
		return l.DefaultHops, false, nil
	case n > l.MaxHops:
		return l.MaxHops, true, nil
	}
	return n, false, nil
}

// hub returns the hub degree for a request of n (0: the default; negative:
// the largest allowed), clamped to MaxHubDegree.
func (l Limits) hub(n int) int {
	switch {
	case n == 0:
		return l.HubDegree
	case n < 0 || n > l.MaxHubDegree:
		return l.MaxHubDegree
	}
	return n
}

// The bounds below are what a query asking for n runs with, as the
// queries compute them; the server reports the arguments they change
// (extensions.warnings) with the same functions.

// HopBound is the hop bound of a query asking for n hops (0: the
// default; negative ones are refused before).
func (l Limits) HopBound(n int) int {
	h, _, _ := l.OrDefaults().hops(max(n, 0))
	return h
}

// HubBound is the hub degree of a query asking for n (0: the default;
// negative: the largest allowed).
func (l Limits) HubBound(n int) int { return l.OrDefaults().hub(n) }

// PathBound is the number of paths a paths or nearest query asking for n
// returns at most.
func (l Limits) PathBound(n int) int { return min(max(n, 1), l.OrDefaults().MaxPaths) }

// RouteBound is the number of routes a money flow asking for n lists at
// most (0: 100; negative ones are refused before).
func (l Limits) RouteBound(n int) int {
	r, _ := routeLimit(max(n, 0), l.OrDefaults(), &Truncation{})
	return r
}

// MemberBound is the member limit of an address or persona cluster asking
// for n (0 or negative: the maximum).
func (l Limits) MemberBound(n int) int {
	if m := l.OrDefaults().MaxMembers; n <= 0 || n > m {
		return m
	}
	return n
}

// Truncation says whether and why an answer is incomplete. Reasons are for
// people; a query collects every reason that applied.
type Truncation struct {
	Truncated bool
	Reasons   []string
}

// Add records a reason once.
func (t *Truncation) Add(format string, args ...any) {
	r := fmt.Sprintf(format, args...)
	for _, x := range t.Reasons {
		if x == r {
			return
		}
	}
	t.Truncated = true
	t.Reasons = append(t.Reasons, r)
}

// errBudget stops a search that has used its allowance; the caller turns it
// into a truncation.
var errBudget = errors.New("budget exhausted")

// budget counts the work of one query against its limits, and charges it
// to the operation's memory budget (graph/budget) when the context carries
// one: discovered nodes as nodes, arcs read as edges. The query's own
// limits truncate its answer; the operation's, shared by every field of
// the operation, stop it with LIMIT_EXCEEDED, since more of the same
// operation would be over them too.
type budget struct {
	ctx                 context.Context
	visited, arcs, work int
	maxVisited, maxArcs int
	trunc               *Truncation
	op                  *opbudget.Operation
	// Charged to op so far: ahead of the counts, a batch at a time, so
	// that op's atomics are not hit per node by searches that count one
	// at a time, and nothing counted is left uncharged when a query ends.
	opNodes, opArcs int
}

// The batches charged ahead: a query holds at most this much more of the
// operation's budget than it has used.
const (
	opNodeBatch = 256
	opArcBatch  = 4096
)

func newBudget(ctx context.Context, l Limits, trunc *Truncation) *budget {
	return &budget{ctx: ctx, maxVisited: l.MaxVisited, maxArcs: l.MaxArcs, trunc: trunc, op: opbudget.FromContext(ctx)}
}

// visit counts n newly discovered nodes.
func (b *budget) visit(n int) error {
	b.visited += n
	if b.op != nil && b.visited > b.opNodes {
		chunk := max(b.visited-b.opNodes, opNodeBatch)
		if err := b.op.Nodes(chunk); err != nil {
			return err
		}
		b.opNodes += chunk
	}
	if b.visited > b.maxVisited {
		b.trunc.Add("the query visited %d nodes, its limit", b.maxVisited)
		return errBudget
	}
	return nil
}

// read counts n arcs read and checks the deadline.
func (b *budget) read(n int) error {
	b.arcs += n
	if b.op != nil && b.arcs > b.opArcs {
		chunk := max(b.arcs-b.opArcs, opArcBatch)
		if err := b.op.Edges(chunk); err != nil {
			return err
		}
		b.opArcs += chunk
	}
	if b.arcs > b.maxArcs {
		b.trunc.Add("the query read %d edges, its limit", b.maxArcs)
		return errBudget
	}
	if err := b.ctx.Err(); err != nil {
		return graph.WrapError(graph.CodeTimeout, err, "the query ran out of time")
	}
	return nil
}

// failed returns the operation's error once it is over its budget, for
// the searches that count inside callbacks which cannot return one.
func (b *budget) failed() error { return b.op.Err() }

// load charges the operation for n whole nodes and m whole edges about to
// be loaded for an answer; loaded charges their bytes once they are in
// memory. Counting first refuses an answer over budget before it is read.
func (b *budget) load(n, m int) error {
	if err := b.op.Nodes(n); err != nil {
		return err
	}
	return b.op.Edges(m)
}

func (b *budget) loaded(ns []*graph.Node, es []*graph.Edge) error {
	if b.op == nil {
		return nil
	}
	var size int64
	for _, n := range ns {
		size += opbudget.NodeBytes(n)
	}
	for _, e := range es {
		size += opbudget.EdgeBytes(e)
	}
	return b.op.Bytes(size)
}

// tick counts n units of in-memory work (map updates, comparisons) and
// checks the deadline every 16k of them, so that a query stops within a
// few milliseconds of it even inside one huge level.
func (b *budget) tick(n int) error {
	b.work += n
	if b.work < 1<<14 {
		return nil
	}
	b.work = 0
	if err := b.ctx.Err(); err != nil {
		return graph.WrapError(graph.CodeTimeout, err, "the query ran out of time")
	}
	return nil
}
