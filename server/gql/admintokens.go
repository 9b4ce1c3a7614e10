package gql

import (
	"context"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server/gql/model"
)

func tokenModel(t identity.Token, email string) *model.APIToken {
	m := &model.APIToken{ID: t.ID, Agency: t.Agency, UserID: t.User, User: email, Scopes: make([]model.Scope, len(t.Scopes)),
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
	for i, sc := range t.Scopes {
		m.Scopes[i] = model.Scope(strings.ToUpper(string(sc)))
	}
	if !t.LastUsedAt.IsZero() {
		m.LastUsedAt = &t.LastUsedAt
	}
	if !t.RevokedAt.IsZero() {
		m.RevokedAt = &t.RevokedAt
	}
	return m
}

// emails maps agency's user IDs to their emails.
func (r *Resolver) emails(ctx context.Context, agency string) (map[string]string, error) {
	us, err := r.Identity.Users(ctx, agency)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(us))
	for _, u := range us {
		m[u.ID] = u.Email
	}
	return m, nil
}

func (r *Resolver) apiTokens(ctx context.Context, agency *string) ([]*model.APIToken, error) {
	_, a, err := r.adminOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	ts, err := r.Identity.Tokens(ctx, a, "")
	if err != nil {
		return nil, err
	}
	emails, err := r.emails(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]*model.APIToken, len(ts))
	for i, t := range ts {
		out[i] = tokenModel(t, emails[t.User])
	}
	return out, nil
}

func (r *Resolver) createAPIToken(ctx context.Context, userID, agency *string, scopes []model.Scope, expiresIn *string) (*model.CreatedAPIToken, error) {
	p, a, err := r.adminOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	uid := p.User
	if userID != nil && *userID != "" {
		uid = *userID
	}
	if uid == "" || (a != p.Agency && (userID == nil || *userID == "")) {
		return nil, graph.Errorf(graph.CodeInvalid, "userId: name the user the token acts as")
	}
	lifetime := identity.DefaultTokenLifetime
	if expiresIn != nil && *expiresIn != "" {
		if lifetime, err = time.ParseDuration(*expiresIn); err != nil {
			return nil, graph.Errorf(graph.CodeInvalid, "expiresIn: want a duration such as 720h")
		}
	}
	scs := make([]identity.Scope, len(scopes))
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		scs[i] = identity.Scope(strings.ToLower(string(sc)))
		names[i] = string(scs[i])
	}
	t, secret, err := r.Identity.CreateToken(ctx, a, uid, scs, lifetime)
	target := "token:" + t.ID
	if err != nil {
		target = "user:" + uid
	}
	r.adminAudited(ctx, a, "token.create", target, "scopes "+strings.Join(names, ",")+" for user "+uid, err)
	if err != nil {
		return nil, err
	}
	email := ""
	if u, err := r.Identity.User(ctx, a, uid); err == nil {
		email = u.Email
	}
	return &model.CreatedAPIToken{Token: tokenModel(t, email), Secret: secret}, nil
}

// revokeAPIToken revokes a token of an agency the caller manages; another
// agency's token is NOT_FOUND with the message of a missing one.
func (r *Resolver) revokeAPIToken(ctx context.Context, id string) (*model.APIToken, error) {
	p, _, err := r.adminOf(ctx, nil)
	if err != nil {
		return nil, err
	}
	id = strings.TrimPrefix(id, "rt_")
	t, err := r.Identity.Token(ctx, id)
	if err == nil && !p.AdminOf(t.Agency) {
		err = graph.Errorf(graph.CodeNotFound, "token %q not found", id)
	}
	if err == nil {
		t, err = r.Identity.RevokeToken(ctx, id)
	}
	r.adminAudited(ctx, t.Agency, "token.revoke", "token:"+id, "", err)
	if err != nil {
		return nil, err
	}
	email := ""
	if u, err := r.Identity.User(ctx, t.Agency, t.User); err == nil {
		email = u.Email
	}
	return tokenModel(t, email), nil
}

func (r *Resolver) auditLog(ctx context.Context, agency, action, actor *string, outcome *model.AuditOutcome,
	since, until *time.Time, first *int, after *string) (*model.AuditPage, error) {
	_, a, err := r.adminOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if r.Audit == nil {
		return nil, graph.Errorf(graph.CodeUnavailable, "this server keeps no audit log")
	}
	q := audit.Query{Action: valueOf(action), Actor: valueOf(actor), First: valueOf(first), After: valueOf(after)}
	if outcome != nil {
		q.Outcome = strings.ToLower(string(*outcome))
	}
	if since != nil {
		q.Since = *since
	}
	if until != nil {
		q.Until = *until
	}
	page, err := r.Audit.List(ctx, a, q)
	if err != nil {
		return nil, err
	}
	out := &model.AuditPage{Entries: make([]*model.AuditEntry, len(page.Entries))}
	for i, e := range page.Entries {
		out.Entries[i] = &model.AuditEntry{Seq: int(e.Seq), At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target,
			Outcome: model.AuditOutcome(strings.ToUpper(e.Outcome)), Detail: e.Detail, Addr: e.Addr}
	}
	if page.Next != "" {
		out.Next = &page.Next
	}
	return out, nil
}

func valueOf[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
