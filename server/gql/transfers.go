package gql

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// transferArgs are the transfers field's filters.
type transferArgs struct {
	since, until *time.Time
	minAmount    *float64
	asset        *string
}

// transfers answers the transfers field through the engine, whose answer
// is the same from every store (graph/storetest).
func (r *Resolver) transfers(ctx context.Context, wallets []string, direction *graph.Direction, a transferArgs, first *int, after *string) (*model.EdgeConnection, error) {
	q, err := a.query(wallets, direction, first, after)
	if err != nil {
		return nil, err
	}
	res, err := investigateWith(ctx, r, "transfers", func(t investigate.Topology, _ investigate.Limits) (investigate.TransfersResult, error) {
		return investigate.Transfers(ctx, t, q)
	})
	if err != nil {
		return nil, err
	}
	if err := chargeAnswer(ctx, "transfers", nil, res.Edges); err != nil {
		return nil, err
	}
	r.warm(ctx, nil, res.Edges)
	c := &model.EdgeConnection{Edges: make([]*model.EdgeEdge, 0, len(res.Edges)), TotalCount: res.Total,
		PageInfo: &model.PageInfo{HasNextPage: res.HasMore, HasPreviousPage: after != nil}}
	for i, e := range res.Edges {
		c.Edges = append(c.Edges, &model.EdgeEdge{Cursor: transferCursor(res.Cursors[i]), Node: model.NewEdge(e)})
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[n-1].Cursor
	}
	return c, nil
}

// query checks the arguments: wallet IDs of wallets (INVALID_ARGUMENT
// naming wallets[i]), a page size, a cursor, a window and an amount.
func (a transferArgs) query(wallets []string, direction *graph.Direction, first *int, after *string) (investigate.TransfersQuery, error) {
	var q investigate.TransfersQuery
	ids, err := bulkIDs("wallets", wallets)
	if err != nil {
		return q, err
	}
	for i, id := range ids {
		if kind, _, _ := graph.ParseNodeID(id); kind != graph.KindWallet {
			return q, graph.Errorf(graph.CodeInvalid, "wallets[%d]: %q is not a wallet ID (want wallet:<chain>:<address>)", i, clip(id))
		}
	}
	if q.First, err = pageSize(first); err != nil {
		return q, err
	}
	if after != nil {
		c, err := parseTransferCursor(*after)
		if err != nil {
			return q, err
		}
		q.After = &c
	}
	if a.since != nil && a.until != nil && a.until.Before(*a.since) {
		return q, graph.Errorf(graph.CodeInvalid, "until (%s) is before since (%s)", a.until.Format(time.RFC3339), a.since.Format(time.RFC3339))
	}
	if a.minAmount != nil && *a.minAmount < 0 {
		return q, graph.Errorf(graph.CodeInvalid, "minAmount cannot be negative")
	}
	if a.asset != nil {
		q.Asset = strings.TrimSpace(*a.asset)
	}
	q.Wallets = ids
	q.Filter = investigate.Filter{Dir: directionOr(direction, graph.Both), Since: unix(a.since), Until: unix(a.until), MinValue: floatOr(a.minAmount, 0)}
	return q, nil
}

// transferCursor encodes a transfer's place in the order, opaque.
func transferCursor(c investigate.TransferCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte("t1:" + strconv.FormatInt(c.Time, 10) + ":" + c.ID))
}

func parseTransferCursor(s string) (investigate.TransferCursor, error) {
	bad := graph.Errorf(graph.CodeInvalid, "after: %q is not a transfers cursor (use a page's endCursor)", clip(s))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return investigate.TransferCursor{}, bad
	}
	rest, ok := strings.CutPrefix(string(b), "t1:")
	sec, id, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || id == "" {
		return investigate.TransferCursor{}, bad
	}
	t, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || t < 0 {
		return investigate.TransferCursor{}, bad
	}
	if _, err := edgeID(id); err != nil {
		return investigate.TransferCursor{}, bad
	}
	return investigate.TransferCursor{Time: t, ID: id}, nil
}
