package identity

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

const pw = "correct horse battery"

func TestSignInAndSessions(t *testing.T) {
	s, clk := newService(t, embedded(t), Options{SessionIdle: time.Hour, SessionAbsolute: 3 * time.Hour})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	ana := mustUser(t, s, "fiu", "ana@fiu.example", RoleViewer)
	if !ana.LastSignInAt.IsZero() {
		t.Fatalf("a new user has signed in at %v", ana.LastSignInAt)
	}

	sess, cookie, err := s.SignIn(ctx, " ANA@fiu.example", pw, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, "fiu", ana.ID); err != nil || !u.LastSignInAt.Equal(sess.CreatedAt) {
		t.Fatalf("last sign-in %v, want the session's start %v (%v)", u.LastSignInAt, sess.CreatedAt, err)
	}
	if !strings.HasPrefix(cookie, "rs_") || sess.ID != secretHash(cookie) || len(sess.CSRF) != 52 || sess.User != ana.ID ||
		!sess.ExpiresAt.Equal(clk.now().Add(time.Hour)) || !sess.AbsoluteExpiresAt.Equal(clk.now().Add(3*time.Hour)) {
		t.Fatalf("session %+v, cookie %q", sess, cookie)
	}
	if !sess.CSRFMatches(sess.CSRF) || sess.CSRFMatches("") || sess.CSRFMatches(sess.CSRF[1:]) || (Session{}).CSRFMatches("") {
		t.Fatal("CSRFMatches")
	}
	if strings.Contains(sess.ID, cookie[3:]) {
		t.Fatal("the session ID holds the cookie's secret")
	}
	p, got, err := s.SessionFrom(ctx, cookie)
	if err != nil || p.Via != ViaSession || p.SessionID != sess.ID || p.Agency != "fiu" || p.Role != RoleViewer || !p.Can(ScopeRead) || p.Can(ScopeWrite) || got.CSRF != sess.CSRF {
		t.Fatalf("SessionFrom: %+v, %+v, %v", p, got, err)
	}

	// Use within the idle time keeps it alive up to the absolute end.
	for range 3 {
		clk.add(50 * time.Minute)
		if _, _, err := s.SessionFrom(ctx, cookie); err != nil {
			t.Fatalf("at %v, within the idle time: %v", clk.now(), err)
		}
	}
	clk.add(40 * time.Minute) // 3h10 after sign-in, 40 min after the last use
	_, _, err = s.SessionFrom(ctx, cookie)
	wantCode(t, err, graph.CodeUnauthenticated, "")

	// Idle expiry.
	_, idle, _ := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.1")
	clk.add(time.Hour)
	_, _, err = s.SessionFrom(ctx, idle)
	wantCode(t, err, graph.CodeUnauthenticated, "")

	// Signing out; the cookie replayed afterwards is refused.
	_, out, _ := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.1")
	if err := s.EndSession(ctx, out); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SessionFrom(ctx, out)
	wantCode(t, err, graph.CodeUnauthenticated, "")
	if err := s.EndSession(ctx, out); err != nil {
		t.Fatalf("ending an ended session: %v", err)
	}
	wantCode(t, s.EndSession(ctx, "nonsense"), graph.CodeInvalid, "not a session cookie")

	// An admin ends every session; a disabled user's session stops at once.
	_, c1, _ := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.1")
	_, c2, _ := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.2")
	if _, err := s.Disable(ctx, "fiu", ana.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SessionFrom(ctx, c1)
	wantCode(t, err, graph.CodeUnauthenticated, "")
	if _, err := s.Enable(ctx, "fiu", ana.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionFrom(ctx, c1); err != nil {
		t.Fatalf("re-enabled: %v", err)
	}
	n, err := s.EndSessionsOf(ctx, "fiu", ana.ID)
	if err != nil || n != 2 {
		t.Fatalf("EndSessionsOf = %d, %v; want 2", n, err)
	}
	for _, c := range []string{c1, c2} {
		_, _, err = s.SessionFrom(ctx, c)
		wantCode(t, err, graph.CodeUnauthenticated, "")
	}
	_, err = s.EndSessionsOf(ctx, "fiu", "aaaaaaaaaaaaaaaa")
	wantCode(t, err, graph.CodeNotFound, "")

	// Malformed and forged cookies.
	_, valid, _ := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.1")
	for _, c := range []string{"", "rs_", valid[:len(valid)-1], valid + "a", strings.ToUpper(valid), "rt_" + valid[3:],
		sess.ID, "rs_" + strings.Repeat("a", 52), valid[:20] + "\x00" + valid[21:], strings.Repeat("r", 1<<16)} {
		_, _, err := s.SessionFrom(ctx, c)
		wantCode(t, err, graph.CodeUnauthenticated, "missing, invalid or expired credentials")
	}
}

// TestSessionCap: past MaxSessions sign-ins, the oldest session ends.
func TestSessionCap(t *testing.T) {
	s, clk := newService(t, embedded(t), Options{})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "fiu", "ana@fiu.example", RoleViewer)
	var cookies []string
	for range MaxSessions + 1 {
		clk.add(time.Second)
		_, c, err := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		cookies = append(cookies, c)
	}
	if _, _, err := s.SessionFrom(ctx, cookies[0]); graph.ErrorCode(err) != graph.CodeUnauthenticated {
		t.Fatalf("the oldest session lives on: %v", err)
	}
	for _, c := range cookies[1:] {
		if _, _, err := s.SessionFrom(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSignInFailures: a wrong password, an unknown email, a user without a
// password and a disabled user look the same; failures lock the account
// (existing or not) and the address.
func TestSignInFailures(t *testing.T) {
	s, clk := newService(t, embedded(t), Options{})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "fiu", "ana@fiu.example", RoleViewer)
	off := mustUser(t, s, "fiu", "off@fiu.example", RoleViewer)
	if _, err := s.Disable(ctx, "fiu", off.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddUser(ctx, NewUser{Agency: "fiu", Email: "new@fiu.example", Role: RoleViewer}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ name, email, password string }{
		{"wrong password", "ana@fiu.example", pw + "!"},
		{"unknown email", "ghost@fiu.example", pw},
		{"not an email", "ghost", pw},
		{"empty", "", ""},
		{"no password yet", "new@fiu.example", ""},
		{"disabled, right password", "off@fiu.example", pw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, err := s.SignIn(ctx, tc.email, tc.password, fmt.Sprintf("198.51.100.%d", i))
			wantCode(t, err, graph.CodeUnauthenticated, "")
			if graph.ErrorMessage(err) != "wrong email or password" || c != "" {
				t.Fatalf("message %q, cookie %q", graph.ErrorMessage(err), c)
			}
		})
	}
	_, _, err := s.SignIn(ctx, strings.Repeat("a", 5000), pw, "x")
	wantCode(t, err, graph.CodeInvalid, "too long")

	// Five failures lock an account, existing or not, with one message;
	// the right password does not get in while it lasts.
	lockout := map[string]string{}
	for _, email := range []string{"ana@fiu.example", "nobody@fiu.example"} {
		for i := range 4 { // one failure each from the table above for ana; none for nobody
			_, _, _ = s.SignIn(ctx, email, "wrong password!", fmt.Sprintf("203.0.113.%d", i))
		}
		if email == "nobody@fiu.example" {
			_, _, _ = s.SignIn(ctx, email, "wrong password!", "203.0.113.9")
		}
		_, _, err := s.SignIn(ctx, strings.ToUpper(email), pw, "203.0.113.200")
		wantCode(t, err, graph.CodeTooMany, "too many failed sign-ins")
		lockout[email] = graph.ErrorMessage(err)
	}
	if lockout["ana@fiu.example"] != lockout["nobody@fiu.example"] {
		t.Fatalf("a lockout tells accounts apart: %q vs %q", lockout["ana@fiu.example"], lockout["nobody@fiu.example"])
	}
	clk.add(15 * time.Minute)
	if _, _, err := s.SignIn(ctx, "ana@fiu.example", pw, "203.0.113.200"); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// Twenty failures from one address lock it for every account.
	for i := range 20 {
		_, _, _ = s.SignIn(ctx, fmt.Sprintf("guess%d@fiu.example", i), "wrong password!", "192.0.2.66")
	}
	_, _, err = s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.66")
	wantCode(t, err, graph.CodeTooMany, "")
	if _, _, err := s.SignIn(ctx, "ana@fiu.example", pw, "192.0.2.67"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// TestSignInLink: a link works once, before it expires, for an enabled user.
func TestSignInLink(t *testing.T) {
	s, clk := newService(t, embedded(t), Options{LinkLifetime: time.Hour})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	u, link, err := s.AddUser(ctx, NewUser{Agency: "fiu", Email: "new@fiu.example", Role: RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	sess, cookie, err := s.SignInWithLink(ctx, link, "192.0.2.1")
	if err != nil || sess.User != u.ID {
		t.Fatalf("SignInWithLink: %+v, %v", sess, err)
	}
	if _, _, err := s.SessionFrom(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SignInWithLink(ctx, link, "192.0.2.1")
	wantCode(t, err, graph.CodeUnauthenticated, "")

	late, _ := s.SignInLink(ctx, "fiu", u.ID)
	clk.add(time.Hour)
	_, _, err = s.SignInWithLink(ctx, late, "192.0.2.2")
	wantCode(t, err, graph.CodeUnauthenticated, "")

	off, _ := s.SignInLink(ctx, "fiu", u.ID)
	if _, err := s.Disable(ctx, "fiu", u.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SignInWithLink(ctx, off, "192.0.2.3")
	wantCode(t, err, graph.CodeUnauthenticated, "")
	for _, bad := range []string{"", "rl_", link[:len(link)-1], "rs_" + link[3:], strings.ToUpper(link)} {
		_, _, err = s.SignInWithLink(ctx, bad, "192.0.2.4")
		wantCode(t, err, graph.CodeUnauthenticated, "")
	}
	_, err = s.SignInLink(ctx, "fiu", "aaaaaaaaaaaaaaaa")
	wantCode(t, err, graph.CodeNotFound, "")
}

func TestEnsureDemo(t *testing.T) {
	s, _ := newService(t, embedded(t), Options{})
	ctx := t.Context()
	first, err := s.EnsureDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	line := first.Line("http://127.0.0.1:8080/")
	if line != "sign in at http://127.0.0.1:8080 as analyst@local.demo with password "+first.Password || len(first.Password) != 24 {
		t.Fatalf("line %q", line)
	}
	if _, _, err := s.SignIn(ctx, first.Email, first.Password, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	again, err := s.EnsureDemo(ctx) // a restart: a new password, the old one no longer works
	if err != nil || again.Password == first.Password {
		t.Fatalf("EnsureDemo again: %+v, %v", again, err)
	}
	if _, _, err := s.SignIn(ctx, first.Email, first.Password, "127.0.0.1"); graph.ErrorCode(err) != graph.CodeUnauthenticated {
		t.Fatalf("the old password: %v", err)
	}
	p := signIn(t, s, again.Email, again.Password)
	if p.Agency != LocalAgency || p.Role != RoleAnalyst {
		t.Fatalf("demo principal %+v", p)
	}
	if users, _ := s.Users(ctx, LocalAgency); len(users) != 1 {
		t.Fatalf("demo users %+v", users)
	}
}

func signIn(t *testing.T, s *Service, email, password string) Principal {
	t.Helper()
	_, c, err := s.SignIn(t.Context(), email, password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := s.SessionFrom(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLimiterMemory(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l := newLimiter(Limits{MaxKeys: 100}.orDefaults())
	for i := range 1000 {
		l.fail(fmt.Sprintf("a%d", i), fmt.Sprintf("ip%d", i), now)
	}
	if len(l.accounts) > 100 || len(l.addrs) > 100 {
		t.Fatalf("tables hold %d accounts, %d addresses; bound 100", len(l.accounts), len(l.addrs))
	}
	for range 10 {
		l.fail("a1", "ip1", now)
	}
	if len(l.accounts["a1"]) != 5 {
		t.Fatalf("an account keeps %d failures, want the last 5", len(l.accounts["a1"]))
	}
	if l.blocked("a1", "ip1", now) != 15*time.Minute {
		t.Fatalf("blocked for %v", l.blocked("a1", "ip1", now))
	}
	if l.blocked("a1", "ip1", now.Add(15*time.Minute)) != 0 {
		t.Fatal("still blocked after the window")
	}
}
