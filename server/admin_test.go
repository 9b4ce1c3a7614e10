package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

// adminFixture is a server with two agencies (fiu, cyber), an admin and an
// analyst in each, and an audit log in the record store.
type adminFixture struct {
	ts    *httptest.Server
	ids   *identity.Service
	log   *audit.Log
	tok   map[string]string // fiu-admin, fiu-analyst, fiu-viewer, cyber-admin, cyber-analyst
	users map[string]string // user IDs by the same names
	pw    string
	imp   string // the import directory of ingest jobs
	store *boltstore.Store
}

func newAdminFixture(t *testing.T) adminFixture {
	t.Helper()
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ids, err := identity.New(st.State(), identity.Options{Argon2: server.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Bootstrap(t.Context(), server.TestAdminToken); err != nil {
		t.Fatal(err)
	}
	f := adminFixture{ids: ids, log: audit.New(st.State(), nil, testLogger(t)), tok: map[string]string{}, users: map[string]string{}, pw: "correct horse battery staple"}
	for _, u := range []struct {
		name string
		role identity.Role
	}{{"fiu-admin", identity.RoleAdmin}, {"fiu-analyst", identity.RoleAnalyst}, {"fiu-viewer", identity.RoleViewer},
		{"cyber-admin", identity.RoleAdmin}, {"cyber-analyst", identity.RoleAnalyst}} {
		agency, who, _ := strings.Cut(u.name, "-")
		email := who + "@" + agency + ".example"
		scopes := identity.Scopes()
		if u.role == identity.RoleViewer {
			scopes = []identity.Scope{identity.ScopeRead}
		}
		f.tok[u.name] = server.NewTestToken(t, ids, agency, email, u.role, scopes...)
		got, err := ids.UserByEmail(t.Context(), email)
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.name] = got.ID
	}
	store := openStore(t)
	cs, err := cases.Open(t.Context(), store.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	f.imp, f.store = t.TempDir(), store
	jm, err := jobs.New(store, jobs.Config{ImportDir: f.imp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg := server.DefaultConfig()
	cfg.Identity, cfg.Cases, cfg.Audit, cfg.Jobs = ids, cs, f.log, jm
	f.ts = httptest.NewServer(server.New(store, cfg, testLogger(t)).Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// gql runs q as the token's holder and fails the test on an error unless
// wantCode names the one expected.
func (f adminFixture) gql(t *testing.T, token, q string, vars map[string]any, wantCode string) gqlResponse {
	t.Helper()
	out := queryAs(t, f.ts, token, q, vars)
	if out.code() != wantCode {
		t.Fatalf("%s: errors %+v, want code %q", q, out.Errors, wantCode)
	}
	return out
}

func decodeData(t *testing.T, out gqlResponse, v any) {
	t.Helper()
	if err := json.Unmarshal(out.Data, v); err != nil {
		t.Fatalf("decode %s: %v", out.Data, err)
	}
}

// TestAdminAPI: an admin manages their agency's users and tokens; the
// other agency's answer NOT_FOUND exactly as missing ones do.
func TestAdminAPI(t *testing.T) {
	f := newAdminFixture(t)
	admin := f.tok["fiu-admin"]

	var users struct {
		Users []struct{ ID, Email, Role string }
	}
	decodeData(t, f.gql(t, admin, `{ users { id email role disabled lastSignInAt } }`, nil, ""), &users)
	var emails []string
	for _, u := range users.Users {
		emails = append(emails, u.Email+":"+u.Role)
	}
	if got := strings.Join(emails, ","); got != "admin@fiu.example:ADMIN,analyst@fiu.example:ANALYST,viewer@fiu.example:VIEWER" {
		t.Fatalf("users of fiu: %s", got)
	}

	// A new user signs in once with the link, which records the sign-in.
	var added struct {
		AddUser struct {
			User       struct{ ID, Email string }
			SignInPath string
		}
	}
	decodeData(t, f.gql(t, admin, `mutation { addUser(email: "New@FIU.example", role: ANALYST) { user { id email } signInPath } }`, nil, ""), &added)
	link, ok := strings.CutPrefix(added.AddUser.SignInPath, "/signin#link=")
	if !ok || added.AddUser.User.Email != "new@fiu.example" {
		t.Fatalf("addUser: %+v", added)
	}
	if resp, body := raw(t, "POST", f.ts.URL+"/auth/signin-link", map[string]string{"Content-Type": "application/json"}, `{"link":"`+link+`"}`); resp.StatusCode != 200 {
		t.Fatalf("signing in with the link: %d %s", resp.StatusCode, body)
	}
	newID := added.AddUser.User.ID
	var after struct {
		Users []struct{ ID, LastSignInAt string }
	}
	decodeData(t, f.gql(t, admin, `{ users { id lastSignInAt } }`, nil, ""), &after)
	for _, u := range after.Users {
		if u.ID == newID && u.LastSignInAt == "" {
			t.Fatal("the new user's sign-in is not listed")
		}
	}
	var ended struct{ EndUserSessions int }
	decodeData(t, f.gql(t, admin, `mutation($id: ID!) { endUserSessions(id: $id) }`, map[string]any{"id": newID}, ""), &ended)
	if ended.EndUserSessions != 1 {
		t.Fatalf("endUserSessions: %d, want 1", ended.EndUserSessions)
	}

	// Role, disable and enable take effect on the user's token at once.
	analyst := f.tok["fiu-analyst"]
	f.gql(t, admin, `mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }`, map[string]any{"id": f.users["fiu-analyst"]}, "")
	f.gql(t, analyst, `mutation { deleteCase(id: "nosuch") }`, nil, "FORBIDDEN")
	f.gql(t, admin, `mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { disabled } }`, map[string]any{"id": f.users["fiu-analyst"]}, "")
	f.gql(t, analyst, `{ stats { nodes } }`, nil, "UNAUTHENTICATED")
	f.gql(t, admin, `mutation($id: ID!) { setUserDisabled(id: $id, disabled: false) { disabled } }`, map[string]any{"id": f.users["fiu-analyst"]}, "")
	f.gql(t, analyst, `{ stats { nodes } }`, nil, "")

	// A token is shown once, works, lists its last use, and is revoked.
	var created struct {
		CreateApiToken struct {
			Token  struct{ ID string }
			Secret string
		}
	}
	decodeData(t, f.gql(t, admin, `mutation($u: ID) { createApiToken(userId: $u, scopes: [READ], expiresIn: "24h") { token { id } secret } }`,
		map[string]any{"u": f.users["fiu-viewer"]}, ""), &created)
	secret := created.CreateApiToken.Secret
	f.gql(t, secret, `{ stats { nodes } }`, nil, "")
	var toks struct {
		ApiTokens []struct {
			ID, User, LastUsedAt string
			Scopes               []string
		}
	}
	decodeData(t, f.gql(t, admin, `{ apiTokens { id user scopes lastUsedAt } }`, nil, ""), &toks)
	if len(toks.ApiTokens) != 4 || toks.ApiTokens[0].ID != created.CreateApiToken.Token.ID || toks.ApiTokens[0].User != "viewer@fiu.example" ||
		toks.ApiTokens[0].LastUsedAt == "" || strings.Join(toks.ApiTokens[0].Scopes, ",") != "READ" {
		t.Fatalf("apiTokens: %+v", toks.ApiTokens)
	}
	if strings.Contains(string(f.gql(t, admin, `{ apiTokens { id user } }`, nil, "").Data), "cyber") {
		t.Fatal("fiu's admin lists cyber's tokens")
	}
	f.gql(t, admin, `mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`, map[string]any{"id": created.CreateApiToken.Token.ID}, "")
	f.gql(t, secret, `{ stats { nodes } }`, nil, "UNAUTHENTICATED")

	// Roles: an analyst is no admin; only a deployment administrator
	// manages agencies.
	f.gql(t, f.tok["fiu-viewer"], `{ users { id } }`, nil, "FORBIDDEN")
	f.gql(t, admin, `{ agencies { id } }`, nil, "FORBIDDEN")
	f.gql(t, admin, `mutation { addAgency(id: "eve", name: "Eve") { id } }`, nil, "FORBIDDEN")
	f.gql(t, server.TestAdminToken, `mutation { addAgency(id: "customs", name: "Customs") { id } }`, nil, "")
	var ags struct{ Agencies []struct{ ID string } }
	decodeData(t, f.gql(t, server.TestAdminToken, `{ agencies { id } }`, nil, ""), &ags)
	if b, _ := json.Marshal(ags); string(b) != `{"Agencies":[{"ID":"customs"},{"ID":"cyber"},{"ID":"fiu"},{"ID":"local"}]}` {
		t.Fatalf("agencies: %s", b)
	}
	var cyberUsers struct{ Users []struct{ Email string } }
	decodeData(t, f.gql(t, server.TestAdminToken, `{ users(agency: "cyber") { email } }`, nil, ""), &cyberUsers)
	if len(cyberUsers.Users) != 2 {
		t.Fatalf("the deployment administrator lists cyber's users: %+v", cyberUsers)
	}
}

// TestAdminOtherAgency: everything of another agency answers as if it
// did not exist, with the same code and message.
func TestAdminOtherAgency(t *testing.T) {
	f := newAdminFixture(t)
	admin := f.tok["fiu-admin"]
	cyberUser, missingUser := f.users["cyber-analyst"], "aaaaaaaaaaaaaaaa"
	cyberToken := strings.Split(f.tok["cyber-analyst"], "_")[1]
	tests := []struct {
		name, q string
		other   map[string]any
		missing map[string]any
	}{
		{"users", `query($a: ID) { users(agency: $a) { id } }`, map[string]any{"a": "cyber"}, map[string]any{"a": "nosuch"}},
		{"apiTokens", `query($a: ID) { apiTokens(agency: $a) { id } }`, map[string]any{"a": "cyber"}, map[string]any{"a": "nosuch"}},
		{"auditLog", `query($a: ID) { auditLog(agency: $a) { next } }`, map[string]any{"a": "cyber"}, map[string]any{"a": "nosuch"}},
		{"addUser", `mutation($a: ID) { addUser(email: "x@cyber.example", role: ADMIN, agency: $a) { signInPath } }`, map[string]any{"a": "cyber"}, map[string]any{"a": "nosuch"}},
		{"setUserRole", `mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }`, map[string]any{"id": cyberUser}, map[string]any{"id": missingUser}},
		{"setUserDisabled", `mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }`, map[string]any{"id": cyberUser}, map[string]any{"id": missingUser}},
		{"endUserSessions", `mutation($id: ID!) { endUserSessions(id: $id) }`, map[string]any{"id": cyberUser}, map[string]any{"id": missingUser}},
		{"createApiToken", `mutation($id: ID) { createApiToken(userId: $id, scopes: [READ]) { secret } }`, map[string]any{"id": cyberUser}, map[string]any{"id": missingUser}},
		{"revokeApiToken", `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, map[string]any{"id": cyberToken}, map[string]any{"id": "aaaaaaaaaaaaaaaa"}},
	}
	for _, tt := range tests {
		other := f.gql(t, admin, tt.q, tt.other, "NOT_FOUND")
		missing := f.gql(t, admin, tt.q, tt.missing, "NOT_FOUND")
		// The messages differ only by the ID or name asked for.
		for k, v := range tt.other {
			mv, _ := tt.missing[k].(string)
			if strings.ReplaceAll(other.Errors[0].Message, v.(string), mv) != missing.Errors[0].Message {
				t.Errorf("%s: %q for another agency's, %q for a missing one", tt.name, other.Errors[0].Message, missing.Errors[0].Message)
			}
		}
	}
	// Nothing changed on cyber's side.
	if _, err := f.ids.Authenticate(t.Context(), f.tok["cyber-analyst"]); err != nil {
		t.Fatalf("cyber's analyst after fiu's attempts: %v", err)
	}
	u, err := f.ids.User(t.Context(), "cyber", cyberUser)
	if err != nil || u.Role != identity.RoleAnalyst || u.Disabled {
		t.Fatalf("cyber's analyst: %+v, %v", u, err)
	}
}
