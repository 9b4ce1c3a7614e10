package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/server"
)

const qSave = `mutation($id: ID, $name: String!, $view: JSON!) { saveCase(id: $id, name: $name, view: $view) { id name version nodeCount view createdBy } }`

// caseView is a case's view holding the facts named.
func (f *accessFixture) caseView(nodes, edges []string) map[string]any {
	ns, es := []any{}, []any{}
	for i, n := range nodes {
		ns = append(ns, map[string]any{"id": f.id(n), "x": float64(i), "y": 0.0})
	}
	for _, e := range edges {
		es = append(es, f.id(e))
	}
	return map[string]any{"v": 1, "nodes": ns, "edges": es}
}

// saveCase saves a case as principal as and returns its ID.
func (f *accessFixture) saveCase(t *testing.T, as, name string, view map[string]any) string {
	t.Helper()
	_, body := f.gql(t, as, qSave, map[string]any{"name": name, "view": view})
	var d struct{ SaveCase struct{ ID string } }
	data(t, body, &d)
	return d.SaveCase.ID
}

// The facts of a's case (shared below), and the case's name.
var (
	caseNodes = []string{"w1", "r", "w2", "am", "sa", "ra", "ga"}
	caseEdges = []string{"w1r", "rw2", "amw1"}
)

// caseCases: cases of another agency, exports, saving hidden facts.
func caseCases(t *testing.T, f *accessFixture) []accessCase {
	f.caseName = "Opcase" + f.g.sfx + " Redroute inquiry"
	f.caseID = f.saveCase(t, "a.red", f.caseName, f.caseView(caseNodes, caseEdges))
	f.g.id["case"] = f.caseID
	// c's own case over the node with a hidden label, exported below.
	cView := f.caseView([]string{"e1", "w3", "x", "p"}, []string{"e1w3", "px"})
	f.g.id["ccase"] = f.saveCase(t, "c.analyst", "Ccase"+f.g.sfx, cView)
	v := func(k string, x any) map[string]any { return map[string]any{k: x} }
	caseName := f.caseName
	notTheCase := func(t *testing.T, _ *accessFixture, body string) {
		if strings.Contains(body, caseName) {
			t.Errorf("the answer names a's case: %s", clip(body))
		}
	}
	return []accessCase{
		{name: "another agency's case: case", as: "b.analyst", query: `query($id: ID!) { case(id: $id) { id name view nodeCount createdBy } }`,
			vars: v("id", f.caseID), twin: "case", absent: []string{"case"}, check: notTheCase},
		{name: "another agency's case: cases", as: "c.analyst", query: `{ cases(first: 100) { id name nodeCount createdBy } }`, absent: []string{"case"}, check: notTheCase},
		{name: "another agency's case: cases, its agency (control)", as: "a.viewer", query: `{ cases(first: 100) { id name } }`, check: wantContains(f.caseID)},
		{name: "another agency's case: exportCaseStix", as: "b.analyst", query: `query($id: ID!) { exportCaseStix(id: $id) }`,
			vars: v("id", f.caseID), twin: "case", absent: []string{"case"}, code: "NOT_FOUND", check: notTheCase},
		{name: "another agency's case: saveCase over it", as: "b.analyst", query: qSave,
			vars: map[string]any{"id": f.caseID, "name": "taken over", "view": f.caseView([]string{"w1"}, nil)}, twin: "case", code: "NOT_FOUND"},
		{name: "another agency's case: deleteCase", as: "c.analyst", query: `mutation($id: ID!) { deleteCase(id: $id) }`,
			vars: v("id", f.caseID), twin: "case", code: "NOT_FOUND"},
		{name: "another agency's case: still there (control)", as: "a.analyst", query: `query($id: ID!) { case(id: $id) { id name } }`,
			vars: v("id", f.caseID), check: wantContains(caseName)},
		{name: "hidden label: STIX export of a case holding the node", as: "c.analyst", query: `query($id: ID!) { exportCaseStix(id: $id) }`,
			vars: v("id", f.g.id["ccase"]), check: wantContains("Frontco")},
		{name: "hidden label: case load", as: "c.viewer", query: `query($id: ID!) { case(id: $id) { view nodeCount } nodes(ids: ["` + f.id("e1") + `"]) { ` + nodeFields + ` } }`,
			vars: v("id", f.g.id["ccase"]), check: wantContains("Frontco")},
		{name: "saveCase drops facts the author cannot see", as: "c.analyst", send: func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
			st, body := f.gql(t, "c.analyst", qSave, map[string]any{"name": "Probe" + f.g.sfx, "view": f.caseView([]string{"x", "h1", "sa"}, []string{"xh1"})})
			if st != http.StatusOK {
				return st, body
			}
			var d struct{ SaveCase struct{ ID string } }
			data(t, body, &d)
			_, again := f.gql(t, "c.analyst", `query($id: ID!) { case(id: $id) { id view nodeCount } }`, map[string]any{"id": d.SaveCase.ID})
			return st, body + "\n" + again
		}, check: wantContains(`"nodeCount":1`)},
	}
}

// authCases: credentials, roles, scopes, CORS, CSRF and admin reach.
func authCases(_ *testing.T, f *accessFixture) []accessCase {
	save := `mutation($view: JSON!) { saveCase(name: "w", view: $view) { id } }`
	view := map[string]any{"view": f.caseView([]string{"w1"}, nil)}
	same := `mutation($a: ID!, $b: ID!) { confirmSameAs(a: $a, b: $b, reason: "x") { edge } }`
	sameVars := map[string]any{"a": f.id("m1"), "b": f.id("acme1")}
	ingest := `mutation { startIngest(format: "native", path: "x.jsonl") { id } }`
	node := `{"query":"{ node(id: \"` + f.id("h1") + `\") { id label } }"}`
	hdr := func(kv ...string) func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
		return func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
			h := map[string]string{"Content-Type": "application/json"}
			for i := 0; i+1 < len(kv); i += 2 {
				h[kv[i]] = kv[i+1]
			}
			resp, body := raw(t, http.MethodPost, f.ts.URL+"/graphql", h, node)
			return resp.StatusCode, body
		}
	}
	is401 := func(t *testing.T, _ *accessFixture, body string) {
		if body != the401 {
			t.Errorf("body %q, want the one 401", body)
		}
	}
	return []accessCase{
		{name: "viewer: saveCase", as: "a.viewer", query: save, vars: view, status: 403, code: "FORBIDDEN"},
		{name: "viewer: confirmSameAs", as: "b.viewer", query: same, vars: sameVars, status: 403, code: "FORBIDDEN"},
		{name: "viewer: startIngest", as: "c.viewer", query: ingest, status: 403, code: "FORBIDDEN"},
		{name: "read-scoped token: startIngest", as: "a.read", query: ingest, status: 403, code: "FORBIDDEN"},
		{name: "read-scoped token: saveCase", as: "a.read", query: save, vars: view, status: 403, code: "FORBIDDEN"},
		{name: "write-scoped token: startIngest", as: "a.write", query: ingest, status: 403, code: "FORBIDDEN"},
		{name: "ingest-scoped token: saveCase", as: "a.ingest", query: save, vars: view, status: 403, code: "FORBIDDEN"},
		{name: "disabled user", as: "a.disabled", query: qNode, vars: map[string]any{"id": f.id("w1")}, status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "revoked token", as: "a.revoked", query: qNode, vars: map[string]any{"id": f.id("w1")}, status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "expired token", as: "a.expired", query: qNode, vars: map[string]any{"id": f.id("w1")}, status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "missing credentials", send: hdr(), status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "malformed credentials: Basic", send: hdr("Authorization", "Basic "+f.tok["a.analyst"]), status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "malformed credentials: empty bearer", send: hdr("Authorization", "Bearer "), status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "malformed credentials: tampered token", send: hdr("Authorization", "Bearer "+tamper(f.tok["a.analyst"])), status: 401, code: "UNAUTHENTICATED", check: is401},
		{name: "CORS: preflight from an unknown origin", send: preflight("https://evil.example"), status: 401, code: "UNAUTHENTICATED", check: noCORS},
		{name: "CORS: request from an unknown origin", as: "b.analyst", send: func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
			return corsPost(t, f, "b.analyst", "https://evil.example")
		}, check: noCORS},
		{name: "CORS: preflight from the partner (control)", send: preflight(partnerOrigin), status: 204, check: func(t *testing.T, _ *accessFixture, body string) {
			if !strings.Contains(body, partnerOrigin) {
				t.Errorf("the configured origin got no CORS grant: %s", body)
			}
		}},
		{name: "disabled user: sign-in", send: func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
			resp, body := raw(t, http.MethodPost, f.ts.URL+"/auth/signin", map[string]string{"Content-Type": "application/json"},
				`{"email":"`+f.email["a.disabled"]+`","password":"`+f.pw+`"}`)
			_, wrong := raw(t, http.MethodPost, f.ts.URL+"/auth/signin", map[string]string{"Content-Type": "application/json"},
				`{"email":"`+f.email["a.analyst"]+`","password":"not the password"}`)
			if body != wrong {
				t.Errorf("a disabled user's sign-in %q differs from a wrong password's %q", body, wrong)
			}
			return resp.StatusCode, body
		}, status: 401, code: "*"},
		{name: "cookie session: a GET query of a hidden node", as: "c.analyst", send: func(t *testing.T, f *accessFixture, r *strings.Replacer) (int, string) {
			cookie, _ := f.signIn(t, "c.analyst")
			q := url.QueryEscape(`{ node(id: "` + rewrite(r, f.id("h3")) + `") { ` + nodeFields + ` } neighbors(id: "` + f.id("x") + `") { nodes { id label } edges { id } truncated } }`)
			resp, body := raw(t, http.MethodGet, f.ts.URL+"/graphql?query="+q, map[string]string{"Cookie": cookie}, "")
			return resp.StatusCode, body
		}, twin: "h3", check: wantContains(`"node":null`)},
		{name: "CSRF: cookie session, no header", as: "a.analyst", send: csrf("", ""), status: 403, code: "FORBIDDEN"},
		{name: "CSRF: cookie session, wrong header", as: "a.analyst", send: csrf("wrong", ""), status: 403, code: "FORBIDDEN"},
		{name: "CSRF: cookie session, another origin", as: "a.analyst", send: csrf("right", "https://evil.example"), status: 403, code: "FORBIDDEN"},
		{name: "CSRF: cookie session, right header (control)", as: "a.analyst", send: csrf("right", ""), check: wantContains(`"saveCase"`)},
		{name: "admin of a: b's users", as: "a.admin", query: `query($a: ID) { users(agency: $a) { id agency email role } }`, vars: map[string]any{"a": f.agency["b"]}, code: "NOT_FOUND", twin: "agencyB", check: notB(f)},
		{name: "admin of a: b's tokens", as: "a.admin", query: `query($a: ID) { apiTokens(agency: $a) { id agency userId user scopes } }`, vars: map[string]any{"a": f.agency["b"]}, code: "NOT_FOUND", twin: "agencyB", check: notB(f)},
		{name: "admin of a: b's audit", as: "a.admin", query: `query($a: ID) { auditLog(agency: $a) { entries { at actor action target outcome detail addr } next } }`, vars: map[string]any{"a": f.agency["b"]}, code: "NOT_FOUND", twin: "agencyB", check: notB(f)},
		{name: "admin of a: the agency's own users and tokens (control)", as: "a.admin", query: `{ users { email } apiTokens { user } auditLog { entries { actor action } } }`, check: func(t *testing.T, f *accessFixture, body string) {
			notB(f)(t, f, body)
			wantContains(f.email["a.analyst"])(t, f, body)
		}},
		{name: "analyst: the agency's users", as: "a.analyst", query: `{ users { id email role } }`, status: 403, code: "FORBIDDEN"},
		{name: "analyst: the agency's audit", as: "a.red", query: `{ auditLog { entries { actor action } } }`, status: 403, code: "FORBIDDEN"},
	}
}

// the401 is in authn_test.go.

func preflight(origin string) func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
	return func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
		resp, body := raw(t, http.MethodOptions, f.ts.URL+"/graphql", map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}, "")
		return resp.StatusCode, body + corsHeaders(resp)
	}
}

func corsPost(t *testing.T, f *accessFixture, as, origin string) (int, string) {
	resp, body := raw(t, http.MethodPost, f.ts.URL+"/graphql", map[string]string{
		"Origin": origin, "Authorization": "Bearer " + f.tok[as], "Content-Type": "application/json"}, `{"query":"{ stats { nodes } }"}`)
	return resp.StatusCode, body + corsHeaders(resp)
}

// corsHeaders appends the CORS headers of resp to the body checked.
func corsHeaders(resp *http.Response) string {
	var b strings.Builder
	for k, vs := range resp.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			b.WriteString("\n" + k + ": " + strings.Join(vs, ","))
		}
	}
	return b.String()
}

func noCORS(t *testing.T, _ *accessFixture, body string) {
	if strings.Contains(body, "Access-Control-Allow-Origin") || strings.Contains(body, "Access-Control-Allow-Credentials") {
		t.Errorf("an unknown origin got a CORS grant: %s", body)
	}
}

// csrf posts saveCase over a.analyst's cookie session with the CSRF
// header ("right": the session's; "": none) and Origin given.
func csrf(token, origin string) func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
	return func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
		cookie, right := f.signIn(t, "a.analyst")
		h := map[string]string{"Cookie": cookie, "Content-Type": "application/json"}
		switch token {
		case "right":
			h[server.CSRFHeader] = right
		case "":
		default:
			h[server.CSRFHeader] = token
		}
		if origin != "" {
			h["Origin"] = origin
		}
		resp, body := raw(t, http.MethodPost, f.ts.URL+"/graphql", h, `{"query":"mutation { saveCase(name: \"csrf\", view: {v: 1}) { id } }"}`)
		return resp.StatusCode, body
	}
}

// notB: nothing of agency b in the answer (its ID aside: asked for, it
// may come back as a missing agency's would, which the twin checks).
func notB(f *accessFixture) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, _ *accessFixture, body string) {
		for _, s := range []string{f.email["b.analyst"], f.email["b.viewer"], f.email["b.admin"], f.who["b.analyst"].user} {
			if strings.Contains(body, s) {
				t.Errorf("the answer holds %q of agency b: %s", s, clip(body))
			}
		}
	}
}
