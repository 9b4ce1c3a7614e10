package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCredentialsAgainstTheBinary sends hostile and honest credentials to
// the real binary serving the demo: every failure is the same 401 with no
// hint, roles and scopes are enforced, the demo's printed line signs in,
// and a cookie session needs its CSRF token to post.
func TestCredentialsAgainstTheBinary(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	// A viewer and a read-only token, made by the admin commands before the
	// server holds the store.
	const pw = "viewer-password-0123456789"
	if code, _, stderr := admin(t, bin, data, "", "agency", "add", "fiu"); code != 0 {
		t.Fatalf("agency add: %s", stderr)
	}
	if code, _, stderr := admin(t, bin, data, pw+"\n", "user", "add", "--agency", "fiu", "--role", "viewer", "viewer@fiu.example"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	if code, _, stderr := admin(t, bin, data, pw+"\n", "user", "add", "--agency", "fiu", "--role", "analyst", "reader@fiu.example"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	code, out, stderr := admin(t, bin, data, "", "token", "create", "--agency", "fiu", "--user", "reader@fiu.example", "--scope", "read")
	if code != 0 {
		t.Fatalf("token create: %s", stderr)
	}
	readToken := strings.TrimSpace(out)
	code, out, stderr = admin(t, bin, data, "", "token", "create", "--agency", "fiu", "--user", "reader@fiu.example", "--scope", "read")
	if code != 0 {
		t.Fatalf("token create: %s", stderr)
	}
	revoked := strings.TrimSpace(out)
	if code, _, stderr := admin(t, bin, data, "", "token", "revoke", revoked); code != 0 {
		t.Fatalf("token revoke: %s", stderr)
	}

	s := serve(t, bin, data, "--demo")
	var demo []string
	select {
	case demo = <-s.demo:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve --demo printed no sign-in line:\n%s", s.logs)
	}
	if demo[0] != s.url+"/signin" || demo[1] != "analyst@local.demo" {
		t.Fatalf("demo line %q", demo)
	}
	viewer := signIn(t, s.url, "viewer@fiu.example", pw)
	analyst := signIn(t, s.url, demo[1], demo[2])

	const (
		stats    = `{"query":"{ stats { nodes } }"}`
		del      = `{"query":"mutation { deleteCase(id: \"nosuch\") }"}`
		ingest   = `{"query":"mutation { startIngest(format: \"native\", path: \"x\") { id } }"}`
		the401   = `{"errors":[{"extensions":{"code":"UNAUTHENTICATED"},"message":"sign in, or send a token"}]}` + "\n"
		jsonType = "application/json"
	)
	hdr := func(kv ...string) map[string]string {
		h := map[string]string{"Content-Type": jsonType}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	tests := []struct {
		name     string
		method   string
		path     string
		header   map[string]string
		body     string
		status   int
		wantBody string
	}{
		{"no credentials", "POST", "/graphql", hdr(), stats, 401, the401},
		{"no credentials, a node that exists", "POST", "/graphql", hdr(), `{"query":"{ node(id: \"threat_group:lazarus-group\") { label } }"}`, 401, the401},
		{"no credentials, a node that does not", "POST", "/graphql", hdr(), `{"query":"{ node(id: \"threat_group:nobody\") { label } }"}`, 401, the401},
		{"Basic scheme", "POST", "/graphql", hdr("Authorization", "Basic YWRtaW46YWRtaW4="), stats, 401, the401},
		{"two tokens", "POST", "/graphql", hdr("Authorization", "Bearer a b"), stats, 401, the401},
		{"a very long token", "POST", "/graphql", hdr("Authorization", "Bearer "+strings.Repeat("x", 4000)), stats, 401, the401},
		{"a token of other characters", "POST", "/graphql", hdr("Authorization", "Bearer rt_\u00e9\u00e9_\u00e9"), stats, 401, the401},
		{"the admin token truncated", "POST", "/graphql", hdr("Authorization", "Bearer "+adminToken[:len(adminToken)-1]), stats, 401, the401},
		{"the read token tampered", "POST", "/graphql", hdr("Authorization", "Bearer "+tamper(readToken)), stats, 401, the401},
		{"a revoked token", "POST", "/graphql", hdr("Authorization", "Bearer "+revoked), stats, 401, the401},
		{"a forged cookie", "POST", "/graphql", hdr("Cookie", "redthread_session=rs_"+strings.Repeat("a", 52)), stats, 401, the401},
		{"the admin token", "POST", "/graphql", hdr("Authorization", "Bearer "+adminToken), stats, 200, `"nodes":`},
		{"a read token reads", "POST", "/graphql", hdr("Authorization", "Bearer "+readToken), stats, 200, `"nodes":`},
		{"a read token writes", "POST", "/graphql", hdr("Authorization", "Bearer "+readToken), del, 403, "needs the write scope"},
		{"a read token ingests", "POST", "/graphql", hdr("Authorization", "Bearer "+readToken), ingest, 403, "needs the ingest scope"},
		{"a viewer's session writes", "POST", "/graphql", hdr("Cookie", viewer.cookie, "X-CSRF-Token", viewer.csrf), del, 403, "needs the analyst role"},
		{"an analyst's session without CSRF", "POST", "/graphql", hdr("Cookie", analyst.cookie), del, 403, "X-CSRF-Token"},
		{"an analyst's session with CSRF", "POST", "/graphql", hdr("Cookie", analyst.cookie, "X-CSRF-Token", analyst.csrf), del, 200, "NOT_FOUND"},
		{"another origin with the CSRF token", "POST", "/graphql", hdr("Cookie", analyst.cookie, "X-CSRF-Token", analyst.csrf, "Origin", "https://evil.example"), del, 403, "another origin"},
		{"the UI shell without credentials", "GET", "/", map[string]string{"Accept": "text/html"}, "", 303, ""},
		{"health without credentials", "GET", "/healthz", nil, "", 200, "ok"},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.url+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			// Every error carries the request's ID (issue 18): the one 401
			// is the same for every request but for it.
			b = []byte(strings.ReplaceAll(string(b), `,"requestId":"`+resp.Header.Get("X-Request-Id")+`"`, ""))
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.wantBody) {
				t.Fatalf("%d %s, want %d with %q", resp.StatusCode, b, tt.status, tt.wantBody)
			}
			if tt.wantBody == the401 && string(b) != the401 {
				t.Errorf("body %q, want exactly the one 401", b)
			}
		})
	}
}

type session struct{ cookie, csrf string }

// signIn signs in over POST /auth/signin and returns the cookie and CSRF token.
func signIn(t *testing.T, base, email, password string) session {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(base+"/auth/signin", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct{ CSRF string }
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in as %s: %d %v", email, resp.StatusCode, err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "redthread_session" {
			return session{cookie: c.Name + "=" + c.Value, csrf: info.CSRF}
		}
	}
	t.Fatalf("sign in as %s: no session cookie", email)
	return session{}
}

// tamper changes the last character of a token to another base32 one.
func tamper(tok string) string {
	last := "a"
	if strings.HasSuffix(tok, "a") {
		last = "b"
	}
	return tok[:len(tok)-1] + last
}
