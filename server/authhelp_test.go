package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
)

// TestAdminToken is the REDTHREAD_ADMIN_TOKEN of the test servers: the
// shared test clients send it.
const TestAdminToken = "test-admin-token-0123456789abcdef"

// CheapArgon2 keeps the tests' password hashing fast.
var CheapArgon2 = identity.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// NewTestIdentity is an identity service over its own record store (an
// embedded store in a temporary directory) with TestAdminToken turned on.
func NewTestIdentity(t testing.TB) *identity.Service {
	t.Helper()
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatalf("open identity store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ids, err := identity.New(st.State(), identity.Options{Argon2: CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Bootstrap(t.Context(), TestAdminToken); err != nil {
		t.Fatal(err)
	}
	return ids
}

// WithTestAuth gives cfg NewTestIdentity unless it has an identity service.
func WithTestAuth(t testing.TB, cfg Config) Config {
	t.Helper()
	if cfg.Identity == nil {
		cfg.Identity = NewTestIdentity(t)
	}
	return cfg
}

// BearerTransport sends a bearer token on every request that has no
// Authorization header of its own.
type BearerTransport struct {
	Base  http.RoundTripper
	Token string
}

// RoundTrip implements http.RoundTripper.
func (b BearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, ok := r.Header["Authorization"]; !ok {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.Token)
	}
	base := b.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// CloseIdleConnections lets httptest.Server.Close close the client's idle
// connections.
func (b BearerTransport) CloseIdleConnections() {
	if c, ok := b.Base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// AuthClient makes ts's client send TestAdminToken.
func AuthClient(ts *httptest.Server) *httptest.Server {
	c := ts.Client()
	c.Transport = BearerTransport{Base: c.Transport, Token: TestAdminToken}
	return ts
}

// ServeTest serves h over real HTTP, closed at the end of the test, with a
// client that sends TestAdminToken.
func ServeTest(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return AuthClient(ts)
}

// NewTestToken adds a user of role to agency (created if missing) in ids
// and returns an API token of theirs with scopes.
func NewTestToken(t testing.TB, ids *identity.Service, agency, email string, role identity.Role, scopes ...identity.Scope) string {
	t.Helper()
	if _, err := ids.Agency(t.Context(), agency); err != nil {
		if _, err := ids.AddAgency(t.Context(), agency, agency); err != nil {
			t.Fatal(err)
		}
	}
	u, _, err := ids.AddUser(t.Context(), identity.NewUser{Agency: agency, Email: email, Role: role, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := ids.CreateToken(t.Context(), agency, u.ID, scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
