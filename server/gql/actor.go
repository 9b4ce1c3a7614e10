package gql

import (
	"context"

	"github.com/redthread-dev/redthread/identity"
)

// DeploymentAdmin is who the bootstrap administrator token (which names no
// user) is in the records it writes.
const DeploymentAdmin = "deployment administrator"

// actor is who the request runs as, as recorded in the `by` of
// judgements and case saves: the signed-in user's email. Empty without a
// principal (the HTTP layer refuses such requests before any resolver).
func actor(ctx context.Context) string {
	p, ok := identity.PrincipalFrom(ctx)
	switch {
	case !ok:
		return ""
	case p.Email != "":
		return p.Email
	case p.Via == identity.ViaBootstrap:
		return DeploymentAdmin
	}
	return "user " + p.User + " of " + p.Agency
}
