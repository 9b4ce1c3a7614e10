package gql

import (
	"context"
	"strings"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// The admin API: an admin manages their own agency; a deployment
// administrator any. The schema's @requires(role: ADMIN) runs first.

// adminOf returns the agency a request manages: the caller's own, or the
// one it names when the caller is a deployment administrator. Naming
// another agency otherwise is NOT_FOUND, as for an agency that does not
// exist, so that an admin learns nothing of other agencies.
func (r *Resolver) adminOf(ctx context.Context, agency *string) (identity.Principal, string, error) {
	if r.Identity == nil {
		return identity.Principal{}, "", graph.Errorf(graph.CodeUnavailable, "this server keeps no users")
	}
	p, ok := identity.PrincipalFrom(ctx)
	if !ok {
		return p, "", graph.Errorf(graph.CodeUnauthenticated, "sign in, or send a token")
	}
	target := p.Agency
	if agency != nil && *agency != "" {
		id, err := identity.AgencyID(*agency)
		if err != nil {
			return p, "", err
		}
		target = id
	}
	if !p.AdminOf(target) {
		return p, "", graph.Errorf(graph.CodeNotFound, "agency %q not found", target)
	}
	return p, target, nil
}

// adminAudited records an admin change in the actor's log and, when the
// deployment administrator changed another agency, in that agency's too.
func (r *Resolver) adminAudited(ctx context.Context, agency, action, target, detail string, err error) {
	r.audited(ctx, action, target, detail, err)
	if p, ok := identity.PrincipalFrom(ctx); ok && agency != "" && agency != p.Agency && r.Audit != nil {
		e := audit.Event(ctx, action, target)
		e.Agency, e.Detail = agency, joinDetail(e.Detail, detail)
		if err != nil {
			e.Outcome, e.Detail = audit.Failed, joinDetail(e.Detail, string(graph.ErrorCode(err)))
		}
		_ = r.Audit.Record(ctx, e)
	}
}

func (r *Resolver) agencies(ctx context.Context) ([]*model.Agency, error) {
	p, _, err := r.adminOf(ctx, nil)
	if err != nil {
		return nil, err
	}
	if !p.DeploymentAdmin {
		return nil, graph.Errorf(graph.CodeForbidden, "needs a deployment administrator")
	}
	as, err := r.Identity.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Agency, len(as))
	for i, a := range as {
		out[i] = &model.Agency{ID: a.ID, Name: a.Name, CreatedAt: a.CreatedAt}
	}
	return out, nil
}

func (r *Resolver) addAgency(ctx context.Context, id, name string) (*model.Agency, error) {
	p, _, err := r.adminOf(ctx, nil)
	if err != nil {
		return nil, err
	}
	if !p.DeploymentAdmin {
		err := graph.Errorf(graph.CodeForbidden, "needs a deployment administrator")
		r.audited(ctx, "agency.add", id, "", err)
		return nil, err
	}
	a, err := r.Identity.AddAgency(ctx, id, name)
	r.audited(ctx, "agency.add", id, "", err)
	if err != nil {
		return nil, err
	}
	return &model.Agency{ID: a.ID, Name: a.Name, CreatedAt: a.CreatedAt}, nil
}

func userModel(u identity.User) *model.AgencyUser {
	m := &model.AgencyUser{ID: u.ID, Agency: u.Agency, Email: u.Email, Role: model.Role(strings.ToUpper(string(u.Role))),
		Disabled: u.Disabled, HasPassword: u.HasPassword, CreatedAt: u.CreatedAt}
	if !u.LastSignInAt.IsZero() {
		m.LastSignInAt = &u.LastSignInAt
	}
	return m
}

func (r *Resolver) users(ctx context.Context, agency *string) ([]*model.AgencyUser, error) {
	_, a, err := r.adminOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	us, err := r.Identity.Users(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]*model.AgencyUser, len(us))
	for i, u := range us {
		out[i] = userModel(u)
	}
	return out, nil
}

func (r *Resolver) addUser(ctx context.Context, email string, role model.Role, agency *string) (*model.AddedUser, error) {
	_, a, err := r.adminOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	u, link, err := r.Identity.AddUser(ctx, identity.NewUser{Agency: a, Email: email, Role: identity.Role(strings.ToLower(string(role)))})
	target := u.Email
	if err != nil {
		target = email
	}
	r.adminAudited(ctx, a, "user.add", target, "role "+strings.ToLower(string(role)), err)
	if err != nil {
		return nil, err
	}
	return &model.AddedUser{User: userModel(u), SignInPath: "/signin#link=" + link}, nil
}

// changeUser applies change to user id of the managed agency and audits it
// under action, naming the user by email when known.
func (r *Resolver) changeUser(ctx context.Context, id string, agency *string, action, detail string, change func(a string) (identity.User, error)) (identity.User, error) {
	_, a, err := r.adminOf(ctx, agency)
	if err != nil {
		return identity.User{}, err
	}
	u, err := change(a)
	target := u.Email
	if target == "" {
		target = "user:" + id
	}
	r.adminAudited(ctx, a, action, target, detail, err)
	return u, err
}

func (r *Resolver) setUserRole(ctx context.Context, id string, role model.Role, agency *string) (*model.AgencyUser, error) {
	ro := identity.Role(strings.ToLower(string(role)))
	u, err := r.changeUser(ctx, id, agency, "user.role", "role "+string(ro), func(a string) (identity.User, error) {
		return r.Identity.SetRole(ctx, a, id, ro)
	})
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func (r *Resolver) setUserDisabled(ctx context.Context, id string, disabled bool, agency *string) (*model.AgencyUser, error) {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	u, err := r.changeUser(ctx, id, agency, action, "", func(a string) (identity.User, error) {
		if disabled {
			return r.Identity.Disable(ctx, a, id)
		}
		return r.Identity.Enable(ctx, a, id)
	})
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func (r *Resolver) endUserSessions(ctx context.Context, id string, agency *string) (int, error) {
	n := 0
	_, err := r.changeUser(ctx, id, agency, "user.sessions.end", "", func(a string) (identity.User, error) {
		u, err := r.Identity.User(ctx, a, id)
		if err != nil {
			return u, err
		}
		n, err = r.Identity.EndSessionsOf(ctx, a, id)
		return u, err
	})
	return n, err
}
