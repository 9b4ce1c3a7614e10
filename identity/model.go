package identity

import (
	"context"
	"slices"
	"time"
)

// Role is what a user may do in their agency.
type Role string

// Roles, from least to most.
const (
	RoleViewer  Role = "viewer"  // read
	RoleAnalyst Role = "analyst" // read, write cases, notes, judgements; ingest into the agency
	RoleAdmin   Role = "admin"   // an analyst who also manages the agency's users, tokens and audit
)

// Roles returns every role, least first.
func Roles() []Role { return []Role{RoleViewer, RoleAnalyst, RoleAdmin} }

// Scope is what an API token may be used for.
type Scope string

// Scopes.
const (
	ScopeRead   Scope = "read"
	ScopeWrite  Scope = "write"
	ScopeIngest Scope = "ingest"
)

// Scopes returns every scope.
func Scopes() []Scope { return []Scope{ScopeRead, ScopeWrite, ScopeIngest} }

// allowed returns the scopes a role may hold: a token never lets a user do
// more than the user may, even after the user's role is lowered.
func (r Role) allowed() []Scope {
	switch r {
	case RoleViewer:
		return []Scope{ScopeRead}
	case RoleAnalyst, RoleAdmin:
		return Scopes()
	}
	return nil
}

// Agency is a tenant of the deployment.
type Agency struct {
	ID        string // slug: what --agency and every record name
	Name      string
	CreatedAt time.Time
}

// User is a person of one agency.
type User struct {
	ID        string
	Agency    string
	Email     string // normalised (lower case), unique in the deployment
	Role      Role
	Disabled  bool
	CreatedAt time.Time
	// HasPassword is false for a user who has only been sent a sign-in link.
	HasPassword bool
	// LastSignInAt is when the user last started a session (zero: never).
	LastSignInAt time.Time
}

// Token is an API token as listed: never its secret.
type Token struct {
	ID         string // public; the first part of the token string
	Agency     string
	User       string
	Scopes     []Scope
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time // zero: never used; updated at most once a minute
	RevokedAt  time.Time // zero: live
}

// Session is a browser sign-in.
type Session struct {
	ID     string // the SHA-256 of the cookie value (hex); the cookie value itself is never stored
	Agency string
	User   string
	// CSRF is the token a state-changing request must echo in a header.
	CSRF       string
	CreatedAt  time.Time
	LastSeenAt time.Time // updated at most once a minute
	// ExpiresAt is when the session ends unless used: the idle deadline,
	// never past the absolute one.
	ExpiresAt         time.Time
	AbsoluteExpiresAt time.Time
}

// Via says how a principal authenticated.
type Via string

// Ways to authenticate.
const (
	ViaToken     Via = "token"
	ViaSession   Via = "session"
	ViaBootstrap Via = "bootstrap" // REDTHREAD_ADMIN_TOKEN
)

// Principal is what a request runs as.
type Principal struct {
	Agency string
	User   string // empty for the bootstrap administrator
	Email  string
	Role   Role
	// Scopes the request may use: a token's scopes within the user's role,
	// or every scope of the role for a session.
	Scopes []Scope
	// DeploymentAdmin may manage agencies (the bootstrap token).
	DeploymentAdmin bool
	Via             Via
	TokenID         string
	SessionID       string
}

// Can reports whether the principal holds scope.
func (p Principal) Can(s Scope) bool { return slices.Contains(p.Scopes, s) }

// AdminOf reports whether the principal may manage agency's users and
// tokens: an admin of it, or a deployment administrator.
func (p Principal) AdminOf(agency string) bool {
	return p.DeploymentAdmin || (p.Role == RoleAdmin && p.Agency == agency)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
