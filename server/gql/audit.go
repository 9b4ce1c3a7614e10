package gql

import (
	"context"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/graph"
)

// audited records action on target by the request's principal, with the
// outcome err gives: none is OK; a refusal (FORBIDDEN, NOT_FOUND,
// UNAUTHENTICATED) is denied, naming its code; anything else failed. A
// failed audit write is logged by the audit log and never fails the
// request.
func (r *Resolver) audited(ctx context.Context, action, target, detail string, err error) {
	if r.Audit == nil {
		return
	}
	e := audit.Event(ctx, action, target)
	if detail != "" {
		e.Detail = joinDetail(e.Detail, detail)
	}
	if err != nil {
		code := graph.ErrorCode(err)
		e.Outcome = audit.Failed
		switch code {
		case graph.CodeForbidden, graph.CodeNotFound, graph.CodeUnauthenticated:
			e.Outcome = audit.Denied
		}
		e.Detail = joinDetail(e.Detail, string(code))
	}
	_ = r.Audit.Record(ctx, e)
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
