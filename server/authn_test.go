package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server"
)

// clock is a settable time for the identity service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// authFixture is a server with an agency's users and their credentials.
type authFixture struct {
	ts  *httptest.Server
	ids *identity.Service
	tok map[string]string // by name: analyst, viewer, readonly, ingestonly, expired, revoked, disabled
	pw  string            // every user's password
}

func newAuthFixture(t *testing.T) authFixture {
	t.Helper()
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	clk := &clock{t: time.Now()}
	ids, err := identity.New(st.State(), identity.Options{Now: clk.now, Argon2: server.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Bootstrap(t.Context(), server.TestAdminToken); err != nil {
		t.Fatal(err)
	}
	f := authFixture{ids: ids, tok: map[string]string{}, pw: "correct horse battery staple"}
	// The expired token is made first, then the clock moves past it.
	f.tok["expired"] = server.NewTestToken(t, ids, "fiu", "expired@fiu.example", identity.RoleAnalyst, identity.ScopeRead)
	clk.add(2 * time.Hour)
	f.tok["analyst"] = server.NewTestToken(t, ids, "fiu", "analyst@fiu.example", identity.RoleAnalyst, identity.Scopes()...)
	f.tok["viewer"] = server.NewTestToken(t, ids, "fiu", "viewer@fiu.example", identity.RoleViewer, identity.ScopeRead)
	f.tok["readonly"] = server.NewTestToken(t, ids, "fiu", "reader@fiu.example", identity.RoleAnalyst, identity.ScopeRead)
	f.tok["revoked"] = server.NewTestToken(t, ids, "fiu", "revoked@fiu.example", identity.RoleAnalyst, identity.ScopeRead)
	if _, err := ids.RevokeToken(t.Context(), f.tok["revoked"]); err != nil {
		t.Fatal(err)
	}
	f.tok["disabled"] = server.NewTestToken(t, ids, "fiu", "disabled@fiu.example", identity.RoleAnalyst, identity.ScopeRead)
	u, err := ids.UserByEmail(t.Context(), "disabled@fiu.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.Disable(t.Context(), "fiu", u.ID); err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	cs, err := cases.Open(t.Context(), store.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	cfg := server.DefaultConfig()
	cfg.Identity, cfg.Cases = ids, cs
	f.ts = httptest.NewServer(server.New(store, cfg, testLogger(t)).Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// raw sends one request with exactly the headers given (no client token).
func raw(t *testing.T, method, url string, header map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, withoutRequestID(resp, string(b))
}

// withoutRequestID takes out of an error body its extensions.requestId,
// when it is the request's X-Request-Id (issue 18: every error carries
// it), so that bodies that must be the same for every request compare
// exactly; one that carries another ID keeps it, and compares unequal.
func withoutRequestID(resp *http.Response, body string) string {
	id := resp.Header.Get("X-Request-Id")
	if id == "" {
		return body
	}
	return strings.ReplaceAll(body, `,"requestId":"`+id+`"`, "")
}

const (
	statsQuery  = `{"query":"{ stats { nodes } }"}`
	deleteCase  = `{"query":"mutation { deleteCase(id: \"nosuch\") }"}`
	startIngest = `{"query":"mutation { startIngest(format: \"native\", path: \"x.jsonl\") { id } }"}`
	the401      = `{"errors":[{"extensions":{"code":"UNAUTHENTICATED"},"message":"sign in, or send a token"}]}` + "\n"
)

// TestAuthentication: every credential that does not hold gets the same
// 401 (no hint of which, nor of whether what was asked exists); the right
// ones get in; roles and scopes are enforced before the resolver.
func TestAuthentication(t *testing.T) {
	f := newAuthFixture(t)
	bearer := func(name string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + f.tok[name], "Content-Type": "application/json"}
	}
	json := map[string]string{"Content-Type": "application/json"}
	with := func(k, v string) map[string]string {
		return map[string]string{k: v, "Content-Type": "application/json"}
	}
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantBody   string // substring; the401 exactly
	}{
		{"missing", "POST", "/graphql", json, statsQuery, 401, the401},
		{"missing, an existing node", "POST", "/graphql", json, `{"query":"{ node(id: \"` + idA + `\") { label } }"}`, 401, the401},
		{"missing, a missing node", "POST", "/graphql", json, `{"query":"{ node(id: \"wallet:eth:0x0\") { label } }"}`, 401, the401},
		{"missing, GET", "GET", "/graphql?query=%7Bstats%7Bnodes%7D%7D", nil, "", 401, the401},
		{"malformed scheme", "POST", "/graphql", with("Authorization", "Basic "+f.tok["analyst"]), statsQuery, 401, the401},
		{"malformed, empty bearer", "POST", "/graphql", with("Authorization", "Bearer "), statsQuery, 401, the401},
		{"malformed, not a token", "POST", "/graphql", with("Authorization", "Bearer ../../etc/passwd"), statsQuery, 401, the401},
		{"unknown token", "POST", "/graphql", with("Authorization", "Bearer rt_aaaaaaaaaaaaaaaaaaaaaaaaaa_"+strings.Repeat("b", 52)), statsQuery, 401, the401},
		{"wrong secret", "POST", "/graphql", with("Authorization", "Bearer "+tamper(f.tok["analyst"])), statsQuery, 401, the401},
		{"expired token", "POST", "/graphql", bearer("expired"), statsQuery, 401, the401},
		{"revoked token", "POST", "/graphql", bearer("revoked"), statsQuery, 401, the401},
		{"disabled user", "POST", "/graphql", bearer("disabled"), statsQuery, 401, the401},
		{"unknown cookie", "POST", "/graphql", with("Cookie", server.SessionCookie+"=rs_nope"), statsQuery, 401, the401},
		{"right token", "POST", "/graphql", bearer("analyst"), statsQuery, 200, `"nodes":7`},
		{"viewer reads", "POST", "/graphql", bearer("viewer"), statsQuery, 200, `"nodes":7`},
		{"bootstrap administrator", "POST", "/graphql", with("Authorization", "Bearer "+server.TestAdminToken), statsQuery, 200, `"nodes":7`},
		{"analyst writes (reaches the resolver)", "POST", "/graphql", bearer("analyst"), deleteCase, 200, "NOT_FOUND"},
		{"viewer writes", "POST", "/graphql", bearer("viewer"), deleteCase, 403, "needs the analyst role"},
		{"read-scoped token writes", "POST", "/graphql", bearer("readonly"), deleteCase, 403, "needs the write scope"},
		{"read-scoped token ingests", "POST", "/graphql", bearer("readonly"), startIngest, 403, "needs the ingest scope"},
		{"viewer uploads", "POST", "/graphql", map[string]string{"Authorization": "Bearer " + f.tok["viewer"], "Content-Type": "multipart/form-data; boundary=x", "GraphQL-Require-Preflight": "1"}, "--x--", 403, "needs the analyst role"},
		{"public: health", "GET", "/healthz", nil, "", 200, `"ok"`},
		{"public: sign-in, wrong password", "POST", "/auth/signin", json, `{"email":"analyst@fiu.example","password":"nope"}`, 401, "wrong email or password"},
		{"public: sign-in, unknown email", "POST", "/auth/signin", json, `{"email":"nobody@fiu.example","password":"nope"}`, 401, "wrong email or password"},
		{"public: sign-in link, unknown", "POST", "/auth/signin-link", json, `{"link":"rl_nope"}`, 401, "UNAUTHENTICATED"},
		{"session needs credentials", "GET", "/auth/session", nil, "", 401, the401},
		{"sign-out needs credentials", "POST", "/auth/signout", nil, "", 401, the401},
		{"a page sends a browser to sign in", "GET", "/case/42?x=1", map[string]string{"Accept": "text/html"}, "", 303, ""},
		{"an asset needs credentials", "GET", "/assets/index-1.js", nil, "", 401, the401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := raw(t, tt.method, f.ts.URL+tt.path, tt.header, tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody == the401 && body != the401 {
				t.Errorf("body %q, want the one 401 %q", body, the401)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body %s, want %q in it", body, tt.wantBody)
			}
			if resp.StatusCode == 401 && tt.path != "/auth/signin" && tt.path != "/auth/signin-link" && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if resp.StatusCode == 303 && resp.Header.Get("Location") != "/signin?next=%2Fcase%2F42%3Fx%3D1" {
				t.Errorf("Location %q", resp.Header.Get("Location"))
			}
			for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
}

// TestSessionCookie signs in over /auth/signin and uses the cookie: reads
// need nothing more; a POST needs the session's CSRF token (and our
// origin); signing out ends the session.
func TestSessionCookie(t *testing.T) {
	f := newAuthFixture(t)
	resp, body := raw(t, "POST", f.ts.URL+"/auth/signin", map[string]string{"Content-Type": "application/json"},
		`{"email":"Analyst@FIU.example","password":"`+f.pw+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == server.SessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie %+v, want HttpOnly, SameSite=Strict, Path=/ (not Secure over plain HTTP)", c)
	}
	var info struct{ Email, Agency, Role, CSRF string }
	if err := json.Unmarshal([]byte(body), &info); err != nil || info.Email != "analyst@fiu.example" || info.Agency != "fiu" || info.Role != "analyst" || info.CSRF == "" {
		t.Fatalf("sign-in answer %s (%v)", body, err)
	}
	cookie := server.SessionCookie + "=" + c.Value
	hdr := func(kv ...string) map[string]string {
		h := map[string]string{"Cookie": cookie, "Content-Type": "application/json"}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"GET query without CSRF", "GET", "/graphql?query=%7Bstats%7Bnodes%7D%7D", hdr(), "", 200, `"nodes":7`},
		{"session", "GET", "/auth/session", hdr(), "", 200, `"csrf":"` + info.CSRF + `"`},
		{"POST without CSRF", "POST", "/graphql", hdr(), deleteCase, 403, "X-CSRF-Token"},
		{"POST with a wrong CSRF", "POST", "/graphql", hdr(server.CSRFHeader, "nope"), deleteCase, 403, "X-CSRF-Token"},
		{"POST with CSRF from another origin", "POST", "/graphql", hdr(server.CSRFHeader, info.CSRF, "Origin", "https://evil.example"), deleteCase, 403, "another origin"},
		{"POST with CSRF", "POST", "/graphql", hdr(server.CSRFHeader, info.CSRF), deleteCase, 200, "NOT_FOUND"},
		{"POST with CSRF, same origin", "POST", "/graphql", hdr(server.CSRFHeader, info.CSRF, "Origin", f.ts.URL), statsQuery, 200, `"nodes":7`},
		{"sign-out without CSRF", "POST", "/auth/signout", hdr(), "", 403, "X-CSRF-Token"},
		{"sign-out", "POST", "/auth/signout", hdr(server.CSRFHeader, info.CSRF), "", 204, ""},
		{"the session is over", "GET", "/auth/session", hdr(), "", 401, the401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := raw(t, tt.method, f.ts.URL+tt.path, tt.header, tt.body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("status %d %s, want %d with %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	// A form sign-in from another origin is refused (login CSRF).
	if resp, body := raw(t, "POST", f.ts.URL+"/auth/signin", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},
		"email=analyst%40fiu.example&password="+f.pw); resp.StatusCode != 403 {
		t.Errorf("cross-origin sign-in: %d %s", resp.StatusCode, body)
	}
}

// TestJudgementByIsThePrincipal: who saves a case is the signed-in user,
// over a cookie session as over a token.
func TestSessionByIsTheUser(t *testing.T) {
	f := newAuthFixture(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(f.ts.URL+"/auth/signin", "application/json", strings.NewReader(`{"email":"analyst@fiu.example","password":"`+f.pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ CSRF string }
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", f.ts.URL+"/graphql",
		strings.NewReader(`{"query":"mutation { saveCase(name: \"n\", view: {v: 1}) { createdBy } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(server.CSRFHeader, info.CSRF)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"createdBy":"analyst@fiu.example"`) {
		t.Fatalf("saveCase over a session: %s", b)
	}
}

// TestFailedBearerLimit: an address that keeps sending bad tokens is
// refused with 429 and Retry-After before its credentials are checked;
// the right token from another client still works.
func TestFailedBearerLimit(t *testing.T) {
	f := newAuthFixture(t)
	bad := map[string]string{"Authorization": "Bearer rt_bad", "Content-Type": "application/json"}
	var last *http.Response
	for range 25 {
		last, _ = raw(t, "POST", f.ts.URL+"/graphql", bad, statsQuery)
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after 25 bad tokens: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// The limit is per address: the same address is refused even with a
	// good token until its bucket refills.
	if resp, _ := raw(t, "POST", f.ts.URL+"/graphql", map[string]string{"Authorization": "Bearer " + f.tok["analyst"], "Content-Type": "application/json"}, statsQuery); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("good token from a blocked address: %d", resp.StatusCode)
	}
}

// TestCORSStar: credentials cannot go to any origin.
func TestCORSStar(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.CORSOrigins = []string{"https://ok.example", "*"}
	if err := cfg.Validate(); err == nil {
		t.Fatal("Validate accepted CORS origin *")
	}
	cfg.CORSOrigins = []string{"https://ok.example"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// tamper changes the last character of a token to another base32 one.
func tamper(tok string) string {
	last := "a"
	if strings.HasSuffix(tok, "a") {
		last = "b"
	}
	return tok[:len(tok)-1] + last
}

// TestSignInLink: a one-time link (what user add and user link print)
// starts a session once.
func TestSignInLink(t *testing.T) {
	f := newAuthFixture(t)
	u, err := f.ids.UserByEmail(t.Context(), "viewer@fiu.example")
	if err != nil {
		t.Fatal(err)
	}
	code, err := f.ids.SignInLink(t.Context(), u.Agency, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"link":"` + code + `"}`
	resp, got := raw(t, "POST", f.ts.URL+"/auth/signin-link", map[string]string{"Content-Type": "application/json"}, body)
	if resp.StatusCode != 200 || !strings.Contains(got, `"email":"viewer@fiu.example"`) || len(resp.Cookies()) == 0 {
		t.Fatalf("first use: %d %s", resp.StatusCode, got)
	}
	if resp, got := raw(t, "POST", f.ts.URL+"/auth/signin-link", map[string]string{"Content-Type": "application/json"}, body); resp.StatusCode != 401 {
		t.Fatalf("second use: %d %s", resp.StatusCode, got)
	}
}
