package identity

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

func TestCreateToken(t *testing.T) {
	s, _ := newService(t, embedded(t), Options{MaxTokenLifetime: 90 * 24 * time.Hour})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	ana := mustUser(t, s, "fiu", "ana@fiu.example", RoleAnalyst)
	vic := mustUser(t, s, "fiu", "vic@fiu.example", RoleViewer)

	tok, str, err := s.CreateToken(ctx, "fiu", ana.ID, []Scope{ScopeRead, ScopeIngest, ScopeRead}, 720*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(str, "rt_"+tok.ID+"_") || len(str) != 3+16+1+52 || !slices.Equal(tok.Scopes, []Scope{ScopeRead, ScopeIngest}) {
		t.Fatalf("token %+v, string %q", tok, str)
	}
	if !tok.ExpiresAt.Equal(tok.CreatedAt.Add(720 * time.Hour)) {
		t.Fatalf("expiry %v after %v", tok.ExpiresAt, tok.CreatedAt)
	}
	for _, tc := range []struct {
		name     string
		agency   string
		user     string
		scopes   []Scope
		lifetime time.Duration
		code     graph.Code
		part     string
	}{
		{"viewer asks write", "fiu", vic.ID, []Scope{ScopeRead, ScopeWrite}, time.Hour, graph.CodeInvalid, `scope "write": a viewer may not hold it`},
		{"no scope", "fiu", ana.ID, nil, time.Hour, graph.CodeInvalid, "scopes: none given"},
		{"unknown scope", "fiu", ana.ID, []Scope{"admin"}, time.Hour, graph.CodeInvalid, `scope "admin"`},
		{"too long", "fiu", ana.ID, []Scope{ScopeRead}, 91 * 24 * time.Hour, graph.CodeInvalid, "expires: want between 1m and 2160h, got 2184h"},
		{"negative", "fiu", ana.ID, []Scope{ScopeRead}, -time.Hour, graph.CodeInvalid, "expires"},
		{"zero", "fiu", ana.ID, []Scope{ScopeRead}, 0, graph.CodeInvalid, "expires"},
		{"unknown user", "fiu", "aaaaaaaaaaaaaaaa", []Scope{ScopeRead}, time.Hour, graph.CodeNotFound, "not found in agency"},
		{"user of another agency", "police", ana.ID, []Scope{ScopeRead}, time.Hour, graph.CodeNotFound, "not found in agency"},
		{"bad user ID", "fiu", "ana@fiu.example", []Scope{ScopeRead}, time.Hour, graph.CodeInvalid, "not a user ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, str, err := s.CreateToken(ctx, tc.agency, tc.user, tc.scopes, tc.lifetime)
			wantCode(t, err, tc.code, tc.part)
			if str != "" {
				t.Fatalf("a refused token has a string %q", str)
			}
		})
	}
	if _, err := s.Disable(ctx, "fiu", vic.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.CreateToken(ctx, "fiu", vic.ID, []Scope{ScopeRead}, time.Hour)
	wantCode(t, err, graph.CodeInvalid, "is disabled")

	// At most MaxLiveTokens live tokens; a revoked one frees a place.
	for range MaxLiveTokens - 1 {
		if _, _, err := s.CreateToken(ctx, "fiu", ana.ID, []Scope{ScopeRead}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = s.CreateToken(ctx, "fiu", ana.ID, []Scope{ScopeRead}, time.Hour)
	wantCode(t, err, graph.CodeLimit, "50 live tokens")
	if _, err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateToken(ctx, "fiu", ana.ID, []Scope{ScopeRead}, time.Hour); err != nil {
		t.Fatalf("after a revocation: %v", err)
	}
}

// TestAuthenticate: every way a bearer token can fail gives one error.
func TestAuthenticate(t *testing.T) {
	s, clk := newService(t, embedded(t), Options{})
	ctx := t.Context()
	for _, id := range []string{"fiu", "police"} {
		if _, err := s.AddAgency(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	ana := mustUser(t, s, "fiu", "ana@fiu.example", RoleAnalyst)
	bo := mustUser(t, s, "police", "bo@police.example", RoleAnalyst)
	create := func(user User, lifetime time.Duration, scopes ...Scope) (Token, string) {
		t.Helper()
		tok, str, err := s.CreateToken(ctx, user.Agency, user.ID, scopes, lifetime)
		if err != nil {
			t.Fatal(err)
		}
		return tok, str
	}
	good, goodStr := create(ana, time.Hour, ScopeRead, ScopeWrite)
	p, err := s.Authenticate(ctx, goodStr)
	if err != nil {
		t.Fatal(err)
	}
	if p.Agency != "fiu" || p.User != ana.ID || p.Email != "ana@fiu.example" || p.Role != RoleAnalyst || p.Via != ViaToken ||
		p.TokenID != good.ID || !slices.Equal(p.Scopes, []Scope{ScopeRead, ScopeWrite}) || p.DeploymentAdmin {
		t.Fatalf("principal %+v", p)
	}
	_, shortStr := create(ana, 2*time.Minute, ScopeRead)
	revoked, revokedStr := create(ana, time.Hour, ScopeRead)
	if _, err := s.RevokeToken(ctx, "rt_"+revoked.ID); err != nil { // the rt_ prefix is forgiven
		t.Fatal(err)
	}
	_, boStr := create(bo, time.Hour, ScopeRead)
	if _, err := s.Disable(ctx, "police", bo.ID); err != nil {
		t.Fatal(err)
	}
	clk.add(3 * time.Minute) // shortStr expires

	id, secret, _ := strings.Cut(strings.TrimPrefix(goodStr, "rt_"), "_")
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] = map[bool]byte{true: 'b', false: 'a'}[b[i] == 'a']
		return string(b)
	}
	cases := map[string]string{
		"empty":              "",
		"garbage":            "hello",
		"no prefix":          id + "_" + secret,
		"Bearer left in":     "Bearer " + goodStr,
		"upper case":         strings.ToUpper(goodStr),
		"truncated":          goodStr[:len(goodStr)-1],
		"truncated to ID":    "rt_" + id + "_",
		"extended":           goodStr + "a",
		"tampered secret":    "rt_" + id + "_" + flip(secret, 10),
		"tampered last char": "rt_" + id + "_" + flip(secret, len(secret)-1),
		"unknown ID":         "rt_" + flip(id, 0) + "_" + secret,
		"other token's ID":   "rt_" + revoked.ID + "_" + secret,
		"revoked":            revokedStr,
		"expired":            shortStr,
		"disabled user":      boStr,
		"NUL":                goodStr[:10] + "\x00" + goodStr[11:],
		"oversized":          strings.Repeat("a", 1<<20),
		"session cookie":     "rs_" + secret,
	}
	var msg string
	for name, bearer := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := s.Authenticate(ctx, bearer)
			wantCode(t, err, graph.CodeUnauthenticated, "")
			if p.Agency != "" || p.User != "" {
				t.Fatalf("a failure returns a principal %+v", p)
			}
			if msg == "" {
				msg = graph.ErrorMessage(err)
			}
			if graph.ErrorMessage(err) != msg {
				t.Fatalf("message %q differs from %q: it tells failures apart", graph.ErrorMessage(err), msg)
			}
		})
	}
	if _, err := s.Authenticate(ctx, goodStr); err != nil {
		t.Fatalf("the good token after the failures: %v", err)
	}

	// A lowered role narrows a token's scopes at once; a re-enabled user's
	// tokens work again.
	if _, err := s.SetRole(ctx, "fiu", ana.ID, RoleViewer); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Authenticate(ctx, goodStr); err != nil || !slices.Equal(p.Scopes, []Scope{ScopeRead}) {
		t.Fatalf("after demotion: %+v, %v", p, err)
	}
	if _, err := s.Enable(ctx, "police", bo.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, boStr); err != nil {
		t.Fatalf("re-enabled user's token: %v", err)
	}
}

func TestTokenListAndLastUse(t *testing.T) {
	s, clk := newService(t, embedded(t), Options{})
	ctx := t.Context()
	for _, id := range []string{"fiu", "fi"} { // "fi" is a prefix of "fiu": listings must not mix them
		if _, err := s.AddAgency(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	ana := mustUser(t, s, "fiu", "ana@fiu.example", RoleAdmin)
	cy := mustUser(t, s, "fiu", "cy@fiu.example", RoleAnalyst)
	other := mustUser(t, s, "fi", "x@fi.example", RoleAnalyst)
	first, str, _ := s.CreateToken(ctx, "fiu", ana.ID, []Scope{ScopeRead}, time.Hour)
	clk.add(time.Second)
	second, _, _ := s.CreateToken(ctx, "fiu", cy.ID, []Scope{ScopeIngest}, time.Hour)
	if _, _, err := s.CreateToken(ctx, "fi", other.ID, []Scope{ScopeRead}, time.Hour); err != nil {
		t.Fatal(err)
	}

	lastUse := func() time.Time {
		t.Helper()
		tok, err := s.Token(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tok.LastUsedAt
	}
	if !lastUse().IsZero() {
		t.Fatal("an unused token has a last use")
	}
	use := func() {
		t.Helper()
		if _, err := s.Authenticate(ctx, str); err != nil {
			t.Fatal(err)
		}
	}
	use()
	at := clk.now()
	if !lastUse().Equal(at) {
		t.Fatalf("last use %v, want %v", lastUse(), at)
	}
	clk.add(30 * time.Second)
	use()
	if !lastUse().Equal(at) {
		t.Fatal("last use written twice within a minute")
	}
	clk.add(31 * time.Second)
	use()
	if !lastUse().Equal(clk.now()) {
		t.Fatal("last use not written after a minute")
	}

	all, err := s.Tokens(ctx, "fiu", "")
	if err != nil || len(all) != 2 || all[0].ID != second.ID || all[1].ID != first.ID || all[1].LastUsedAt.IsZero() {
		t.Fatalf("Tokens(fiu) = %+v, %v", all, err)
	}
	mine, err := s.Tokens(ctx, "fiu", cy.ID)
	if err != nil || len(mine) != 1 || mine[0].ID != second.ID {
		t.Fatalf("Tokens(fiu, cy) = %+v, %v", mine, err)
	}
	if _, err := s.Tokens(ctx, "nope", ""); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("Tokens of an unknown agency: %v", err)
	}
	if _, err := s.Tokens(ctx, "fiu", "x"); graph.ErrorCode(err) != graph.CodeInvalid {
		t.Fatalf("Tokens of a bad user ID: %v", err)
	}

	r1, err := s.RevokeToken(ctx, first.ID)
	if err != nil || r1.RevokedAt.IsZero() {
		t.Fatalf("revoke: %+v, %v", r1, err)
	}
	clk.add(time.Minute)
	r2, err := s.RevokeToken(ctx, first.ID)
	if err != nil || !r2.RevokedAt.Equal(r1.RevokedAt) {
		t.Fatalf("revoking twice moved the time: %+v, %v", r2, err)
	}
	_, err = s.RevokeToken(ctx, "zzzzzzzzzzzzzzzz")
	wantCode(t, err, graph.CodeNotFound, `token "zzzzzzzzzzzzzzzz" not found`)
	_, err = s.RevokeToken(ctx, "../tokens/x\n")
	wantCode(t, err, graph.CodeInvalid, "not a token ID")
	if strings.Contains(graph.ErrorMessage(err), "\n") {
		t.Fatal("message carries a newline")
	}
	// A whole token string revokes its token; a mangled one is refused
	// without repeating its secret.
	_, whole, _ := s.CreateToken(ctx, "fiu", cy.ID, []Scope{ScopeRead}, time.Hour)
	if r, err := s.RevokeToken(ctx, whole); err != nil || r.RevokedAt.IsZero() {
		t.Fatalf("revoke by the whole token: %+v, %v", r, err)
	}
	_, err = s.RevokeToken(ctx, whole[:len(whole)-1])
	wantCode(t, err, graph.CodeInvalid, "not a token ID")
	if strings.Contains(graph.ErrorMessage(err), whole[25:40]) {
		t.Fatalf("the error repeats the secret: %q", graph.ErrorMessage(err))
	}
	if all, _ := s.Tokens(ctx, "fiu", ""); all[2].RevokedAt.IsZero() || all[2].ID != first.ID {
		t.Fatal("the listing does not show the revocation")
	}
}

func TestBootstrap(t *testing.T) {
	s, _ := newService(t, embedded(t), Options{})
	ctx := t.Context()
	const admin = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct{ name, tok, part string }{
		{"short", "secret", "want 24 to 512"},
		{"space", "0123456789abcdef 123456789abcdef", "contains a space or control"},
		{"newline", admin + "\n", "contains a space or control"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.Bootstrap(ctx, tc.tok), graph.CodeInvalid, "REDTHREAD_ADMIN_TOKEN: "+tc.part)
		})
	}
	if _, err := s.Authenticate(ctx, admin); graph.ErrorCode(err) != graph.CodeUnauthenticated {
		t.Fatalf("before Bootstrap: %v", err)
	}
	if err := s.Bootstrap(ctx, admin); err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, admin)
	if err != nil || !p.DeploymentAdmin || p.Agency != LocalAgency || p.Via != ViaBootstrap || p.Role != RoleAdmin || !p.Can(ScopeIngest) {
		t.Fatalf("bootstrap principal %+v, %v", p, err)
	}
	if _, err := s.Agency(ctx, LocalAgency); err != nil {
		t.Fatalf("agency local not created: %v", err)
	}
	for _, bad := range []string{admin[:len(admin)-1], admin + "0", strings.ToUpper(admin), ""} {
		if _, err := s.Authenticate(ctx, bad); graph.ErrorCode(err) != graph.CodeUnauthenticated {
			t.Fatalf("Authenticate(%q) = %v", bad, err)
		}
	}
	// A second server (or a restart) finds agency local there.
	s2, _ := newService(t, s.st, Options{})
	if err := s2.Bootstrap(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := s.Bootstrap(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, admin); graph.ErrorCode(err) != graph.CodeUnauthenticated {
		t.Fatalf("after turning it off: %v", err)
	}
}
