package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/neo4jstore/neo4jtest"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

// partnerOrigin is the one CORS origin the matrix's server allows.
const partnerOrigin = "https://partner.example"

// accessFixture is a real server over one store with agencies a, b and c,
// their users and credentials, and the access graph.
type accessFixture struct {
	ts     *httptest.Server
	ids    *identity.Service
	g      *accessGraph
	fresh  bool              // the store held nothing before the fixture (Stats are exact)
	agency map[string]string // "a", "b", "c" → the run's agency IDs
	tok    map[string]string // principal name → bearer token
	who    map[string]who    // principal name → the oracle's viewer
	email  map[string]string // principal name → email
	pw     string
	// caseID is a's case over facts of every marking (caseCases).
	caseID, caseName string
	importDir        string // the ingest jobs' import directory
	// shareClock is the share service's time (links expire by it).
	shareClock *clock
}

// accessStore opens the store under test and its record store.
type accessStore func(t *testing.T) (investigate.Store, state.Store, bool)

func embeddedAccessStore(t *testing.T) (investigate.Store, state.Store, bool) {
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, st.State(), true
}

// neo4jAccessStore opens the test Neo4j. It does not empty the database:
// the fixture's names carry the run's suffix, and counts are compared
// between viewers, so it holds the database alone meanwhile (no other
// test's writes between two counts).
func neo4jAccessStore(t *testing.T) (investigate.Store, state.Store, bool) {
	uri := neo4jtest.Exclusive(t)
	cfg := neo4jstore.Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"), ConnectTimeout: 10 * time.Second}
	st, err := neo4jstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, st.State(), false
}

// principal is one credential of the fixture.
type principal struct {
	name   string // "a.analyst"
	agency string // "a"
	local  string // email's local part
	role   identity.Role
	scopes []identity.Scope
}

func accessPrincipals() []principal {
	all := identity.Scopes()
	read := []identity.Scope{identity.ScopeRead}
	var ps []principal
	for _, ag := range []string{"a", "b", "c"} {
		ps = append(ps,
			principal{ag + ".viewer", ag, "viewer", identity.RoleViewer, read},
			principal{ag + ".analyst", ag, "analyst", identity.RoleAnalyst, all},
			principal{ag + ".admin", ag, "admin", identity.RoleAdmin, all})
	}
	return append(ps,
		principal{"a.red", "a", "red", identity.RoleAnalyst, all},
		principal{"b.red", "b", "red", identity.RoleAnalyst, all},
		principal{"c.named", "c", "named", identity.RoleAnalyst, all},
		principal{"a.read", "a", "reader", identity.RoleAnalyst, read},
		principal{"a.write", "a", "writer", identity.RoleAnalyst, []identity.Scope{identity.ScopeRead, identity.ScopeWrite}},
		principal{"a.ingest", "a", "ingester", identity.RoleAnalyst, []identity.Scope{identity.ScopeRead, identity.ScopeIngest}},
		principal{"a.revoked", "a", "revoked", identity.RoleAnalyst, all},
		principal{"a.disabled", "a", "disabled", identity.RoleAnalyst, all})
}

func newAccessFixture(t *testing.T, open accessStore) *accessFixture {
	t.Helper()
	ctx := t.Context()
	store, rec, fresh := open(t)
	sfx := strings.ToLower(strings.Map(func(r rune) rune { return 'a' + (r % 26) }, randHex(4)))[:7]
	f := &accessFixture{fresh: fresh, agency: map[string]string{}, tok: map[string]string{}, who: map[string]who{},
		email: map[string]string{}, pw: "correct horse battery staple"}
	for _, ag := range []string{"a", "b", "c"} {
		f.agency[ag] = ag + "-" + sfx
	}
	clk := &clock{t: time.Now()}
	ids, err := identity.New(rec, identity.Options{Now: clk.now, Argon2: server.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Bootstrap(ctx, server.TestAdminToken); err != nil {
		t.Fatal(err)
	}
	f.ids = ids
	for _, ag := range []string{"a", "b", "c"} {
		if _, err := ids.AddAgency(ctx, f.agency[ag], "Agency "+ag); err != nil {
			t.Fatal(err)
		}
	}
	users := map[string]identity.User{}
	add := func(p principal) {
		email := p.local + "@" + f.agency[p.agency] + ".example"
		u, _, err := ids.AddUser(ctx, identity.NewUser{Agency: f.agency[p.agency], Email: email, Role: p.role, Password: f.pw})
		if err != nil {
			t.Fatalf("add %s: %v", p.name, err)
		}
		users[p.name], f.email[p.name] = u, email
		f.who[p.name] = who{agency: f.agency[p.agency], user: u.ID}
		_, f.tok[p.name], err = ids.CreateToken(ctx, u.Agency, u.ID, p.scopes, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
	}
	// The expired token's user is made first, then the clock moves past it.
	add(principal{"a.expired", "a", "expired", identity.RoleAnalyst, identity.Scopes()})
	clk.add(2 * time.Hour)
	for _, p := range accessPrincipals() {
		add(p)
	}
	// The deployment administrator (agency local) reads under the same rules.
	f.tok["root"], f.who["root"] = server.TestAdminToken, who{agency: "local"}
	if _, err := ids.RevokeToken(ctx, f.tok["a.revoked"]); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.Disable(ctx, f.agency["a"], users["a.disabled"].ID); err != nil {
		t.Fatal(err)
	}

	f.g = newAccessGraph(sfx, f.agency["a"], f.agency["b"], users["a.red"].ID, users["b.red"].ID)
	f.g.id["agencyB"] = f.agency["b"] // for twins: b is answered as an agency that does not exist
	for _, b := range f.g.batches() {
		res, err := store.Write(ctx, b) // a trusted in-process writer: no viewer
		if err != nil {
			t.Fatalf("write the access graph: %v", err)
		}
		if len(res.Rejected) > 0 {
			t.Fatalf("write the access graph: rejected %+v", res.Rejected)
		}
	}
	cs, err := cases.Open(ctx, rec, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	cfg := server.DefaultConfig()
	cfg.Identity, cfg.Cases = ids, cs
	cfg.Audit = audit.New(rec, nil, testLogger(t))
	f.importDir = t.TempDir()
	jm, err := jobs.New(store, jobs.Config{ImportDir: f.importDir, StateDir: t.TempDir(), SameAs: store, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg.Jobs = jm
	f.shareClock = &clock{t: time.Now()}
	cfg.Shares = shares.New(rec, cs, ids, shares.Options{Logger: testLogger(t), Now: f.shareClock.now})
	cfg.CORSOrigins = []string{partnerOrigin}
	f.ts = httptest.NewServer(server.New(store, cfg, testLogger(t)).Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// id is the ID of a fixture fact by name.
func (f *accessFixture) id(name string) string {
	id, ok := f.g.id[name]
	if !ok {
		panic("no fixture fact " + name)
	}
	return id
}

// gql sends one GraphQL request as principal as (a name of f.tok; "" for
// none) and returns the status and the body.
func (f *accessFixture) gql(t *testing.T, as, q string, vars map[string]any) (int, string) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "application/json"}
	if as != "" {
		h["Authorization"] = "Bearer " + f.tok[as]
	}
	resp, body := raw(t, http.MethodPost, f.ts.URL+"/graphql", h, string(b))
	return resp.StatusCode, body
}

// signIn starts a cookie session of principal name and returns the
// cookie header and the session's CSRF token.
func (f *accessFixture) signIn(t *testing.T, name string) (cookie, csrf string) {
	t.Helper()
	resp, body := raw(t, http.MethodPost, f.ts.URL+"/auth/signin", map[string]string{"Content-Type": "application/json"},
		`{"email":"`+f.email[name]+`","password":"`+f.pw+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in of %s: %d %s", name, resp.StatusCode, body)
	}
	var info struct{ CSRF string }
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			return c.Name + "=" + c.Value, info.CSRF
		}
	}
	t.Fatalf("sign-in of %s set no session cookie", name)
	return "", ""
}

// nonexistent returns an ID of the kind of id that names nothing.
func nonexistent(id string) string {
	switch {
	case strings.HasPrefix(id, "wallet:eth:0x"):
		return "wallet:eth:0x" + randHex(20)
	case strings.Contains(id, ">"):
		return id + "0"
	}
	if kind, key, ok := strings.Cut(id, ":"); ok {
		return kind + ":" + key + "-nosuch"
	}
	// A record ID (a case): the same shape, another last character.
	last := id[len(id)-1]
	switch {
	case last >= '0' && last <= '8', last >= 'a' && last <= 'e', last >= 'A' && last <= 'E':
		last++
	case last == '9':
		last = '0'
	default:
		last = 'a'
	}
	return id[:len(id)-1] + string(last)
}

// stats reads Stats as principal as.
type accessStats struct{ Nodes, Edges int }

func (f *accessFixture) stats(t *testing.T, as string) accessStats {
	t.Helper()
	_, body := f.gql(t, as, `{ stats { nodes edges } }`, nil)
	var out struct {
		Data struct{ Stats accessStats }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("stats: %s", body)
	}
	return out.Data.Stats
}
