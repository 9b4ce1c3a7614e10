package investigate

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// MaxTransferEnds bounds a transfers query: the wallets asked may have at
// most this many edge ends in all (of every kind, as Describe counts them),
// so that one page never reads more arcs than this.
const MaxTransferEnds = 100_000

// TransfersQuery asks for the TRANSFER edges of some wallets, one page in
// (time, edge ID) order.
type TransfersQuery struct {
	Wallets []string // node IDs; ones that do not exist add nothing
	// Filter: direction relative to the wallets, time window, minimum USD
	// value; its Kinds are ignored (TRANSFER only).
	Filter Filter
	Asset  string          // only transfers of this asset (case-insensitive); empty for all
	After  *TransferCursor // nil on the first page
	First  int             // page size, at least 1
}

// TransferCursor is the position of a transfer in the order: its time
// (unix seconds, 0 without one) and ID.
type TransferCursor struct {
	Time int64
	ID   string
}

func (c TransferCursor) compare(o TransferCursor) int {
	return cmp.Or(cmp.Compare(c.Time, o.Time), cmp.Compare(c.ID, o.ID))
}

// TransfersResult is one page: the edges with their positions, whether
// more follow, and how many transfers match in all.
type TransfersResult struct {
	Edges   []*graph.Edge
	Cursors []TransferCursor
	HasMore bool
	Total   int
}

// Transfers answers q. Only the page and the transfers that share a
// second with its ends are loaded: the order within a second needs IDs.
func Transfers(ctx context.Context, t Topology, q TransfersQuery) (TransfersResult, error) {
	var res TransfersResult
	arcs, err := transferArcs(ctx, t, q)
	if err != nil {
		return res, err
	}
	res.Total = len(arcs)
	slices.SortFunc(arcs, func(a, b Arc) int { return cmp.Compare(a.Time, b.Time) })
	// Candidates: the transfers in the cursor's second (some may precede
	// it), then First+1 more, then every one sharing the last's second.
	lo, _ := slices.BinarySearchFunc(arcs, q.After, func(a Arc, c *TransferCursor) int {
		if c == nil {
			return 1
		}
		return cmp.Compare(a.Time, c.Time)
	})
	tied := 0
	for q.After != nil && lo+tied < len(arcs) && arcs[lo+tied].Time == q.After.Time {
		tied++
	}
	hi := min(len(arcs), lo+tied+q.First+1)
	for hi > lo && hi < len(arcs) && arcs[hi].Time == arcs[hi-1].Time {
		hi++
	}
	cand := arcs[lo:hi]
	handles := make([]uint32, len(cand))
	for i, a := range cand {
		handles[i] = a.Edge
	}
	edges, err := t.Edges(ctx, handles)
	if err != nil {
		return res, err
	}
	type item struct {
		e *graph.Edge
		c TransferCursor
	}
	items := make([]item, 0, len(edges))
	for i, e := range edges {
		if e == nil {
			continue
		}
		c := TransferCursor{Time: cand[i].Time, ID: e.ID}
		if q.After == nil || c.compare(*q.After) > 0 {
			items = append(items, item{e, c})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return a.c.compare(b.c) })
	if len(items) > q.First {
		items, res.HasMore = items[:q.First], true
	}
	for _, it := range items {
		res.Edges = append(res.Edges, it.e)
		res.Cursors = append(res.Cursors, it.c)
	}
	return res, nil
}

// transferArcs reads the wallets' transfers that pass q's filters, each
// edge once (one between two of the wallets is an arc at both).
func transferArcs(ctx context.Context, t Topology, q TransfersQuery) ([]Arc, error) {
	hs, err := t.Resolve(ctx, q.Wallets)
	if err != nil {
		return nil, err
	}
	var known []uint32
	seen := map[uint32]bool{}
	for _, h := range hs {
		if h != None && !seen[h] {
			seen[h] = true
			known = append(known, h)
		}
	}
	if len(known) == 0 {
		return nil, nil
	}
	infos, err := t.Describe(ctx, known)
	if err != nil {
		return nil, err
	}
	ends := 0
	for _, info := range infos {
		ends += info.Degree
	}
	if ends > MaxTransferEnds {
		return nil, graph.Errorf(graph.CodeLimit, "the wallets have %d edge ends, at most %d can be listed: ask for fewer wallets, or follow a hot wallet with neighbors or moneyFlow", ends, MaxTransferEnds)
	}
	f := q.Filter
	f.Kinds = []graph.EdgeKind{graph.EdgeTransfer}
	lists, err := t.Expand(ctx, known, f)
	if err != nil {
		return nil, err
	}
	var out []Arc
	taken := map[uint32]bool{}
	for _, list := range lists {
		for _, a := range list {
			if a.Kind != graph.EdgeTransfer || taken[a.Edge] || !f.Pass(&a) {
				continue
			}
			if q.Asset != "" && !strings.EqualFold(a.Asset, q.Asset) {
				continue
			}
			taken[a.Edge] = true
			out = append(out, a)
		}
	}
	return out, ctx.Err()
}
