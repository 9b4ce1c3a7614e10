package audit

import (
	"context"

	"github.com/redthread-dev/redthread/identity"
)

type addrKey struct{}

// WithAddr returns ctx carrying the client's address (the server puts it
// into every request) for the entries recorded under it.
func WithAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addrKey{}, addr)
}

// AddrFrom returns the client address ctx carries ("" without one).
func AddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(addrKey{}).(string)
	return a
}

// Actor names a principal in entries: the user's email (signed in or by
// one of their tokens), "admin-token" for the bootstrap administrator,
// "token:<id>" for a token whose user has no email on record.
func Actor(p identity.Principal) string {
	switch {
	case p.Via == identity.ViaBootstrap:
		return "admin-token"
	case p.Email != "":
		return p.Email
	case p.TokenID != "":
		return "token:" + p.TokenID
	}
	return "user:" + p.User
}

// Event returns an entry of action on target by the request's principal
// (its agency's log) from the request's address; the caller sets Outcome
// and Detail when they are not OK and empty. Without a principal (a
// trusted in-process caller) the entry goes to agency "local" as
// "system".
func Event(ctx context.Context, action, target string) Entry {
	e := Entry{Action: action, Target: target, Addr: AddrFrom(ctx), Outcome: OK}
	if p, ok := identity.PrincipalFrom(ctx); ok {
		e.Agency, e.Actor = p.Agency, Actor(p)
		if p.Via == identity.ViaToken && e.Actor != "token:"+p.TokenID {
			e.Detail = "via token " + p.TokenID
		}
	} else {
		e.Agency, e.Actor = identity.LocalAgency, "system"
	}
	return e
}
