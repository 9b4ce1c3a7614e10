package gql

import (
	"context"
	"fmt"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// Writer is the write side the judgement mutations need.
type Writer interface {
	Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error)
}

// investigateWith opens the store's investigation view for one query and
// releases it when the query is done.
func investigateWith[T any](ctx context.Context, r *Resolver, what string, q func(investigate.Topology, investigate.Limits) (T, error)) (T, error) {
	var zero T
	top, release, err := r.Store.Topology(ctx)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	defer release()
	res, err := q(top, r.Investigate)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
}

func unix(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func floatOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// pathArgs are the arguments shortestPath and paths share.
type pathArgs struct {
	from, to   string
	maxHops    *int
	direction  *graph.Direction
	defaultDir graph.Direction
	edgeKinds  []graph.EdgeKind
	since      *time.Time
	until      *time.Time
	minAmount  *float64
	asOf       *time.Time
	services   *investigate.ServicePolicy
	hubDegree  *int
}

func (a pathArgs) query() (investigate.PathsQuery, error) {
	ids, err := nodeIDs([]string{a.from, a.to})
	if err != nil {
		return investigate.PathsQuery{}, err
	}
	q := investigate.PathsQuery{
		From: ids[0], To: ids[1], MaxHops: intOr(a.maxHops, 0), Direction: directionOr(a.direction, a.defaultDir),
		Kinds: a.edgeKinds, Since: unix(a.since), Until: unix(a.until), MinValue: floatOr(a.minAmount, 0),
		AsOf: unix(a.asOf), HubDegree: intOr(a.hubDegree, 0),
	}
	if a.services != nil {
		q.Services = *a.services
	}
	if a.maxHops != nil && *a.maxHops < 1 {
		return q, graph.Errorf(graph.CodeInvalid, "maxHops must be at least 1")
	}
	return q, nil
}

// judge records an analyst's same-as judgement on two personas, or on two
// actors (threat groups, organizations, services).
func (r *Resolver) judge(ctx context.Context, a, b string, d investigate.JudgementDecision, reason string) (*model.SameAsJudgement, error) {
	by := actor(ctx)
	if r.Writer == nil {
		return nil, graph.Errorf(graph.CodeForbidden, "this server's store is read-only")
	}
	ids, err := nodeIDs([]string{a, b})
	if err != nil {
		return nil, err
	}
	if ids[0] == ids[1] {
		return nil, graph.Errorf(graph.CodeInvalid, "a judgement needs two different nodes")
	}
	if by == "" {
		return nil, graph.Errorf(graph.CodeUnauthenticated, "sign in, or send a token")
	}
	if reason == "" {
		return nil, graph.Errorf(graph.CodeInvalid, "reason: a judgement says why")
	}
	nodes, err := r.Store.Nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, n := range nodes {
		if n == nil {
			return nil, graph.NotFound("node", ids[i])
		}
	}
	if a, b := nodes[0].Kind, nodes[1].Kind; !investigate.Judgeable(a, b) {
		return nil, graph.Errorf(graph.CodeInvalid, "%s is a %s and %s a %s: judgements are between personas, or between threat groups, organizations and services", ids[0], a, ids[1], b)
	}
	at := time.Now().UTC()
	e := investigate.Judgement(ids[0], ids[1], d, by, reason, at)
	res, err := r.Writer.Write(ctx, graph.Batch{Edges: []graph.Edge{e}})
	if err != nil {
		return nil, fmt.Errorf("record judgement: %w", err)
	}
	if len(res.Rejected) > 0 {
		return nil, fmt.Errorf("record judgement: %w", res.Rejected[0].Err)
	}
	stored := e
	if err := graph.PrepareEdge(&stored); err != nil {
		return nil, err
	}
	r.Logger.InfoContext(ctx, "same-as judgement", "a", ids[0], "b", ids[1], "decision", d, "by", by)
	return &model.SameAsJudgement{Decision: model.SameAsDecision(d), By: by, Reason: reason, At: at, Edge: stored.ID}, nil
}

// hubDegree is the hub degree of a store's own path search: the caller's,
// else the server's default; -1 (or more than allowed) means the largest
// the server allows.
func (r *Resolver) hubDegree(asked *int) int {
	l := r.Investigate.OrDefaults()
	switch {
	case asked == nil || *asked == 0:
		return l.HubDegree
	case *asked < 0 || *asked > l.MaxHubDegree:
		return l.MaxHubDegree
	}
	return *asked
}
