package server

import (
	"context"

	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
)

// viewerOf is who the stores filter for on a request by p: the principal's
// agency and user. Shares that reach the principal add their grants here
// (issue 17's share links).
func (s *Server) viewerOf(_ context.Context, p identity.Principal) visibility.Viewer {
	return visibility.Viewer{Agency: p.Agency, User: p.User, DeploymentAdmin: p.DeploymentAdmin}
}

// withViewer puts p's viewer into ctx beside the principal.
func (s *Server) withViewer(ctx context.Context, p identity.Principal) context.Context {
	return visibility.WithViewer(identity.WithPrincipal(ctx, p), s.viewerOf(ctx, p))
}
