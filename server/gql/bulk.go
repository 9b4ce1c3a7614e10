package gql

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// Bulk reads for notebooks and partner tools: nodes by ID with per-item
// errors, listing by kind, several neighbourhoods at once.

// Bounds of the bulk and listing fields.
const (
	// DefaultPage is the page size of nodeList and transfers without first.
	DefaultPage = 100
	// MaxPage is the largest page of nodeList and transfers.
	MaxPage = 1000
	// MaxBulkIDs bounds neighbors(ids) and transfers(wallets).
	MaxBulkIDs = 1000
	// MaxItemErrors bounds the per-item errors of nodes(ids): 20,000
	// malformed IDs must not make a response of 20,000 errors.
	MaxItemErrors = 100
	// SearchCountCap is where search's totalCount stops counting (ten
	// pages of the largest search page), so a broad word costs a bounded
	// read.
	SearchCountCap = 1000
)

// pageSize reads a page-size argument: DefaultPage when absent, else
// INVALID_ARGUMENT outside 1..MaxPage.
func pageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPage, nil
	}
	if *first < 1 || *first > MaxPage {
		return 0, graph.Errorf(graph.CodeInvalid, "first must be between 1 and %d, got %d", MaxPage, *first)
	}
	return *first, nil
}

// bulkNodes answers nodes(ids): a malformed ID is null at its index with
// an INVALID_ARGUMENT error at ["nodes", i]; missing and hidden ones are
// null without an error; the rest are answered.
func (r *Resolver) bulkNodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if max := r.Limits.OrDefaults().MaxEdges; len(ids) > max {
		return nil, graph.Errorf(graph.CodeLimit, "%d node IDs asked, at most %d", len(ids), max)
	}
	norm := make([]string, 0, len(ids))
	at := make([]int, 0, len(ids))
	bad := 0
	for i, id := range ids {
		n, err := nodeID(id)
		if err != nil {
			if bad++; bad <= MaxItemErrors {
				addItemError(ctx, i, graph.WrapError(graph.CodeInvalid, err, "ids[%d]: %s", i, graph.ErrorMessage(err)))
			}
			continue
		}
		norm = append(norm, n)
		at = append(at, i)
	}
	if bad > MaxItemErrors {
		graphql.AddError(ctx, &gqlerror.Error{Err: graph.Errorf(graph.CodeInvalid, "ids: %d more malformed IDs (null), not listed one by one", bad-MaxItemErrors),
			Message: "", Path: graphql.GetPath(ctx)})
	}
	out := make([]model.Node, len(ids))
	if len(norm) == 0 {
		return out, nil
	}
	ns, err := r.Store.Nodes(ctx, norm)
	if err != nil {
		return nil, fmt.Errorf("nodes: %w", err)
	}
	if err := chargeAnswer(ctx, "nodes", ns, nil); err != nil {
		return nil, err
	}
	r.warm(ctx, ns, nil)
	for j, n := range ns {
		out[at[j]] = model.NewNode(n)
	}
	return out, nil
}

// addItemError reports err at element i of the current field's list.
func addItemError(ctx context.Context, i int, err error) {
	path := append(slices.Clone(graphql.GetPath(ctx)), ast.PathIndex(i))
	graphql.AddError(ctx, &gqlerror.Error{Err: err, Message: graph.ErrorMessage(err), Path: path})
}

// listCursor is nodeList's cursor: the last node's ID, opaque.
func listCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte("l1:" + id)) }

func parseListCursor(s string) (string, error) {
	bad := graph.Errorf(graph.CodeInvalid, "after: %q is not a nodeList cursor (use a page's endCursor)", clip(s))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", bad
	}
	id, ok := strings.CutPrefix(string(b), "l1:")
	if !ok {
		return "", bad
	}
	if _, _, err := graph.ParseNodeID(id); err != nil {
		return "", bad
	}
	return id, nil
}

// clip shortens a client's string quoted back in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// nodeList answers nodeList: a page of the store's listing, counted from
// the store's per-kind counts, which honour the viewer as the listing does.
func (r *Resolver) nodeList(ctx context.Context, kind *graph.NodeKind, first *int, after *string) (*model.NodeConnection, error) {
	size, err := pageSize(first)
	if err != nil {
		return nil, err
	}
	q := graph.ListQuery{Kinds: graph.NodeKinds(), Limit: size}
	if kind != nil {
		q.Kinds = []graph.NodeKind{*kind}
	}
	if after != nil {
		if q.After, err = parseListCursor(*after); err != nil {
			return nil, err
		}
	}
	res, err := r.Store.ListNodes(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("nodeList: %w", err)
	}
	if err := chargeAnswer(ctx, "nodeList", res.Nodes, nil); err != nil {
		return nil, err
	}
	r.warm(ctx, res.Nodes, nil)
	c := &model.NodeConnection{Edges: make([]*model.NodeEdge, 0, len(res.Nodes)),
		PageInfo: &model.PageInfo{HasNextPage: res.HasMore, HasPreviousPage: after != nil}}
	for _, n := range res.Nodes {
		c.Edges = append(c.Edges, &model.NodeEdge{Cursor: listCursor(n.ID), Node: model.NewNode(n)})
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[n-1].Cursor
	}
	return c.Counted(func(ctx context.Context) (int, error) {
		st, err := r.Store.Stats(ctx)
		if err != nil {
			return 0, fmt.Errorf("nodeList totalCount: %w", err)
		}
		if kind != nil {
			return int(st.NodesByKind[*kind]), nil
		}
		return int(st.Nodes), nil
	}), nil
}

// searchCount counts a search's visible matches, up to SearchCountCap, by
// paging through the store's search from the start.
func (r *Resolver) searchCount(ctx context.Context, q graph.SearchQuery) (int, error) {
	q.After, q.Limit = "", r.Limits.OrDefaults().MaxSearch
	n := 0
	for n < SearchCountCap {
		res, err := r.Store.Search(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("search totalCount: %w", err)
		}
		for _, h := range res.Hits {
			if h.Node != nil {
				n++
			}
		}
		if !res.HasMore || len(res.Hits) == 0 {
			break
		}
		q.After = res.Hits[len(res.Hits)-1].Cursor
	}
	return min(n, SearchCountCap), nil
}

// bulkIDs checks a list of node IDs named arg: at most MaxBulkIDs, each
// well formed (INVALID_ARGUMENT naming arg[i]), duplicates dropped.
func bulkIDs(arg string, ids []string) ([]string, error) {
	if len(ids) > MaxBulkIDs {
		return nil, graph.Errorf(graph.CodeInvalid, "%s: %d IDs, at most %d", arg, len(ids), MaxBulkIDs)
	}
	if len(ids) == 0 {
		return nil, graph.Errorf(graph.CodeInvalid, "%s: at least one ID", arg)
	}
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		n, err := nodeID(id)
		if err != nil {
			return nil, graph.WrapError(graph.CodeInvalid, err, "%s[%d]: %s", arg, i, graph.ErrorMessage(err))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// neighborStarts reads neighbors' id and ids: exactly one of them.
func neighborStarts(id *string, ids []string) (string, []string, error) {
	switch {
	case id != nil && ids != nil:
		return "", nil, graph.Errorf(graph.CodeInvalid, "neighbors takes exactly one of id and ids, got both")
	case id == nil && ids == nil:
		return "", nil, graph.Errorf(graph.CodeInvalid, "neighbors takes exactly one of id and ids, got neither")
	case id != nil:
		n, err := nodeID(*id)
		return n, nil, err
	}
	ns, err := bulkIDs("ids", ids)
	return "", ns, err
}
