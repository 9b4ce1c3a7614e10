package gql

import (
	"context"
	"strings"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// nearestQuery checks a nearest request's arguments and builds the
// engine's query; a missing or double target is the engine's to refuse.
func nearestQuery(from string, target model.NearestTarget, a pathArgs, limit *int) (investigate.NearestQuery, error) {
	id, err := nodeID(from)
	if err != nil {
		return investigate.NearestQuery{}, named("from", err)
	}
	if a.maxHops != nil && *a.maxHops < 1 {
		return investigate.NearestQuery{}, graph.Errorf(graph.CodeInvalid, "maxHops must be at least 1")
	}
	t := investigate.NearestTarget{
		Category: strings.TrimSpace(deref(target.Category)), Program: strings.TrimSpace(deref(target.Program)),
		Sanctioned: target.Sanctioned != nil && *target.Sanctioned, Attributed: target.Attributed != nil && *target.Attributed,
	}
	if target.Kind != nil {
		t.Kind = *target.Kind
	}
	if target.ThreatGroup != nil {
		if t.ThreatGroup, err = nodeID(*target.ThreatGroup); err != nil {
			return investigate.NearestQuery{}, named("target.threatGroup", err)
		}
	}
	return investigate.NearestQuery{
		From: id, Target: t, MaxHops: intOr(a.maxHops, 0), Limit: intOr(limit, 5),
		Direction: directionOr(a.direction, graph.Both), Kinds: a.edgeKinds, Since: unix(a.since), Until: unix(a.until),
		MinValue: floatOr(a.minAmount, 0), AsOf: unix(a.asOf), HubDegree: intOr(a.hubDegree, 0),
	}, nil
}

// nearest answers the nearest field.
func (r *Resolver) nearest(ctx context.Context, q investigate.NearestQuery) (*model.PathList, error) {
	res, err := investigateWith(ctx, r, "nearest from "+q.From, func(t investigate.Topology, l investigate.Limits) (investigate.PathsResult, error) {
		return investigate.Nearest(ctx, t, q, l)
	})
	if err != nil {
		return nil, err
	}
	return r.pathList(ctx, res), nil
}

// named prefixes an argument's error with the argument's name, keeping its code.
func named(arg string, err error) error {
	return graph.WrapError(graph.ErrorCode(err), err, "%s: %s", arg, graph.ErrorMessage(err))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
