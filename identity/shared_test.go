package identity

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/neo4jstore/neo4jtest"
	"github.com/redthread-dev/redthread/graph/state"
)

// TestSharedEmbedded runs the two-server scenario with two services over
// one embedded record store.
func TestSharedEmbedded(t *testing.T) {
	st := embedded(t)
	shared(t, st, st, "")
}

// TestSharedNeo4j runs it over two stores on one Neo4j, as two servers
// are: what one writes the other reads, and their compare-and-set
// updates do not lose each other's. It uses fresh agency and email names,
// so it leaves the database's graph and other records alone.
func TestSharedNeo4j(t *testing.T) {
	uri := neo4jtest.Shared(t)
	cfg := neo4jstore.Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"), ConnectTimeout: 10 * time.Second}
	open := func() state.Store {
		s, err := neo4jstore.Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s.State()
	}
	suffix, err := random(5)
	if err != nil {
		t.Fatal(err)
	}
	shared(t, open(), open(), "-"+suffix)
}

// shared is the scenario: agency, users, a token and a session made
// through a, used and ended through b.
func shared(t *testing.T, sa, sb state.Store, suffix string) {
	a, clk := newService(t, sa, Options{})
	b, err := New(sb, Options{Now: clk.now, Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	fiu := "fiu" + suffix
	if _, err := a.AddAgency(ctx, fiu, "FIU"); err != nil {
		t.Fatal(err)
	}
	_, err = b.AddAgency(ctx, fiu, "FIU again")
	wantCode(t, err, graph.CodeConflict, "already exists")
	email := "ana" + suffix + "@fiu.example"
	ana := mustUser(t, a, fiu, email, RoleAnalyst)
	if u, err := b.UserByEmail(ctx, strings.ToUpper(email)); err != nil || u.ID != ana.ID {
		t.Fatalf("the other server's user: %+v, %v", u, err)
	}

	// Racing AddUser of one email on both servers: one user.
	race := "race" + suffix + "@fiu.example"
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, _, errs[i] = []*Service{a, b}[i%2].AddUser(ctx, NewUser{Agency: fiu, Email: race, Role: RoleViewer})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if graph.ErrorCode(err) != graph.CodeConflict {
			t.Fatalf("racing AddUser: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d racing AddUser calls succeeded, want 1", ok)
	}

	// A token made on a works on b; revoked on b, it stops on a.
	tok, str, err := a.CreateToken(ctx, fiu, ana.ID, []Scope{ScopeRead}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := b.Authenticate(ctx, str); err != nil || p.TokenID != tok.ID || p.Agency != fiu {
		t.Fatalf("the other server authenticates %+v, %v", p, err)
	}
	if list, err := a.Tokens(ctx, fiu, ""); err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() {
		t.Fatalf("the last use b recorded, seen by a: %+v, %v", list, err)
	}
	if _, err := b.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = a.Authenticate(ctx, str)
	wantCode(t, err, graph.CodeUnauthenticated, "")

	// A session started on a is known to b and ended by b's admin action.
	_, cookie, err := a.SignIn(ctx, email, pw, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if p, _, err := b.SessionFrom(ctx, cookie); err != nil || p.User != ana.ID {
		t.Fatalf("the other server's session: %+v, %v", p, err)
	}
	if n, err := b.EndSessionsOf(ctx, fiu, ana.ID); err != nil || n != 1 {
		t.Fatalf("EndSessionsOf on b: %d, %v", n, err)
	}
	_, _, err = a.SessionFrom(ctx, cookie)
	wantCode(t, err, graph.CodeUnauthenticated, "")

	// Disabled on b, refused on a at once.
	_, cookie, _ = a.SignIn(ctx, email, pw, "192.0.2.1")
	if _, err := b.Disable(ctx, fiu, ana.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = a.SessionFrom(ctx, cookie)
	wantCode(t, err, graph.CodeUnauthenticated, "")
}
