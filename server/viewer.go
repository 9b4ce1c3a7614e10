package server

import (
	"context"
	"net/http"
	"time"

	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
)

// grantsTimeout bounds reading the shares that reach a request's caller.
const grantsTimeout = 5 * time.Second

// viewerOf is who the stores filter for on a request by p: the principal's
// agency and user, with the grants of the live shares they have opened
// (at most shares.MaxGrants). The shares are read from the record store on
// every request, never kept, so that a revocation acts on the next request
// on every server; a failure to read them grants nothing (fail closed).
func (s *Server) viewerOf(ctx context.Context, p identity.Principal, grants bool) visibility.Viewer {
	v := visibility.Viewer{Agency: p.Agency, User: p.User, DeploymentAdmin: p.DeploymentAdmin}
	if !grants || s.shares == nil || p.Agency == "" {
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, grantsTimeout)
	defer cancel()
	gs, err := s.shares.Grants(ctx, shares.RecipientOf(p, ""))
	if err != nil {
		s.logger.WarnContext(ctx, "shares not read: the request gets none of their grants", "agency", p.Agency, "err", err)
		return v
	}
	v.Grants = gs
	return v
}

// withViewer puts p's viewer into ctx beside the principal; with its
// shares' grants when the request may read the stores.
func (s *Server) withViewer(ctx context.Context, p identity.Principal, grants bool) context.Context {
	return visibility.WithViewer(identity.WithPrincipal(ctx, p), s.viewerOf(ctx, p, grants))
}

// readsStores reports whether r may read the graph stores: the API. Pages,
// assets and the sign-in routes never do, so their requests skip reading
// the shares that reach the caller.
func readsStores(r *http.Request) bool { return r.URL.Path == "/graphql" }
