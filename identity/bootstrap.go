package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// MinAdminToken is the shortest REDTHREAD_ADMIN_TOKEN accepted (bytes):
// it is a deployment administrator's password, so it must resist guessing.
const MinAdminToken = 24

// Bootstrap makes adminToken (REDTHREAD_ADMIN_TOKEN) a bearer token of a
// deployment administrator of agency local, creating the agency if it is
// missing. Only the token's SHA-256 is kept, in memory; it is compared in
// constant time. An empty adminToken turns the bootstrap token off.
func (s *Service) Bootstrap(ctx context.Context, adminToken string) error {
	if adminToken == "" {
		s.boot.Store(nil)
		return nil
	}
	if len(adminToken) < MinAdminToken || len(adminToken) > maxCredentialIn {
		return invalid("REDTHREAD_ADMIN_TOKEN: want %d to %d characters (e.g. openssl rand -hex 32)", MinAdminToken, maxCredentialIn)
	}
	if strings.ContainsFunc(adminToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return invalid("REDTHREAD_ADMIN_TOKEN: contains a space or control character")
	}
	if err := s.ensureLocal(ctx); err != nil {
		return err
	}
	h := secretHash(adminToken)
	s.boot.Store(&h)
	s.opt.Logger.InfoContext(ctx, "bootstrap administrator token enabled", "agency", LocalAgency)
	return nil
}

// bootstrap reports whether bearer is the bootstrap token. The hash is
// computed and compared whether or not a bootstrap token is set.
func (s *Service) bootstrap(bearer string) (Principal, bool) {
	want := s.boot.Load()
	got := secretHash(bearer)
	if want == nil || !sameHash(got, *want) {
		return Principal{}, false
	}
	return Principal{Agency: LocalAgency, Role: RoleAdmin, Scopes: Scopes(), DeploymentAdmin: true, Via: ViaBootstrap}, true
}

func (s *Service) ensureLocal(ctx context.Context) error {
	_, err := s.AddAgency(ctx, LocalAgency, "Local")
	if graph.ErrorCode(err) == graph.CodeConflict {
		return nil
	}
	return err
}

// DemoEmail is the demo analyst's email.
const DemoEmail = "analyst@local.demo"

// DemoSignIn is how to sign in to the demo.
type DemoSignIn struct {
	Email    string
	Password string
}

// Line is the console line that tells a newcomer how to sign in at
// baseURL.
func (d DemoSignIn) Line(baseURL string) string {
	return fmt.Sprintf("sign in at %s as %s with password %s", strings.TrimSuffix(baseURL, "/"), d.Email, d.Password)
}

// EnsureDemo creates agency local and its demo analyst if missing, and
// gives the analyst a new generated password, returned to be printed: the
// console line of serve --demo is the only place it appears, so every
// start prints one that works (a password the demo analyst set is
// replaced; it is a demo account).
func (s *Service) EnsureDemo(ctx context.Context) (DemoSignIn, error) {
	if err := s.ensureLocal(ctx); err != nil {
		return DemoSignIn{}, err
	}
	pw, err := random(15) // 24 characters, 120 bits
	if err != nil {
		return DemoSignIn{}, err
	}
	u, err := s.UserByEmail(ctx, DemoEmail)
	switch {
	case graph.ErrorCode(err) == graph.CodeNotFound:
		_, _, err = s.AddUser(ctx, NewUser{Agency: LocalAgency, Email: DemoEmail, Role: RoleAnalyst, Password: pw})
		if graph.ErrorCode(err) == graph.CodeConflict { // another server made it meanwhile
			return s.EnsureDemo(ctx)
		}
	case err == nil:
		if u.Agency != LocalAgency {
			return DemoSignIn{}, errors.New("demo: " + DemoEmail + " belongs to another agency")
		}
		err = s.SetPassword(ctx, u.Agency, u.ID, pw)
	}
	if err != nil {
		return DemoSignIn{}, fmt.Errorf("demo analyst: %w", err)
	}
	return DemoSignIn{Email: DemoEmail, Password: pw}, nil
}
