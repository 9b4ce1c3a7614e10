package identity

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/state"
)

// cheap are argon2id costs for tests that hash many passwords; one test
// (TestDefaultArgon2) checks the real ones.
var cheap = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// clock is a settable test clock.
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

// embedded opens the real embedded store's record store in a fresh directory.
func embedded(t *testing.T) state.Store {
	t.Helper()
	s, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.State()
}

// newService returns a service over st with a test clock.
func newService(t *testing.T, st state.Store, opt Options) (*Service, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	opt.Now = c.now
	if opt.Argon2 == (Argon2Params{}) {
		opt.Argon2 = cheap
	}
	s, err := New(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// wantCode fails unless err has code and, when it is set, a message
// containing part.
func wantCode(t *testing.T, err error, code graph.Code, part string) {
	t.Helper()
	if graph.ErrorCode(err) != code {
		t.Fatalf("error %v (code %s), want code %s", err, graph.ErrorCode(err), code)
	}
	if part != "" && !strings.Contains(graph.ErrorMessage(err), part) {
		t.Fatalf("error %q does not name %q", graph.ErrorMessage(err), part)
	}
}

// mustUser adds a user with a password.
func mustUser(t *testing.T, s *Service, agency, email string, role Role) User {
	t.Helper()
	u, _, err := s.AddUser(t.Context(), NewUser{Agency: agency, Email: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAgencies(t *testing.T) {
	s, _ := newService(t, embedded(t), Options{})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", "Financial Intelligence Unit"); err != nil {
		t.Fatal(err)
	}
	if a, err := s.AddAgency(ctx, "cyber-unit", ""); err != nil || a.Name != "cyber-unit" {
		t.Fatalf("AddAgency without a name: %+v, %v", a, err)
	}
	for _, tc := range []struct {
		id, name string
		code     graph.Code
		part     string
	}{
		{"fiu", "Again", graph.CodeConflict, `agency "fiu" already exists`},
		{"", "x", graph.CodeInvalid, "agency: empty"},
		{"FIU", "x", graph.CodeInvalid, "agency"},
		{"-fiu", "x", graph.CodeInvalid, "agency"},
		{"fiu/x", "x", graph.CodeInvalid, "agency"},
		{"fiu\x00", "x", graph.CodeInvalid, "agency"},
		{"fïu", "x", graph.CodeInvalid, "agency"},
		{strings.Repeat("a", MaxAgencyID+1), "x", graph.CodeInvalid, "longer than 48"},
		{"ok", "bad\nname", graph.CodeInvalid, "name: contains a control character"},
		{"ok", strings.Repeat("n", MaxAgencyName+1), graph.CodeInvalid, "name: longer than 200"},
		{"ok", "   ", graph.CodeInvalid, "name: empty"},
		{"ok", "\xff", graph.CodeInvalid, "name: not valid UTF-8"},
	} {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			_, err := s.AddAgency(ctx, tc.id, tc.name)
			wantCode(t, err, tc.code, tc.part)
			if strings.ContainsRune(graph.ErrorMessage(err), 0) || strings.Contains(graph.ErrorMessage(err), "\n") {
				t.Fatalf("message carries a control character: %q", graph.ErrorMessage(err))
			}
		})
	}
	list, err := s.Agencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "cyber-unit" || list[1].ID != "fiu" || list[1].Name != "Financial Intelligence Unit" {
		t.Fatalf("Agencies = %+v", list)
	}
	_, err = s.Agency(ctx, "nope")
	wantCode(t, err, graph.CodeNotFound, `agency "nope" not found`)
}

func TestNormaliseEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want, part string
	}{
		{"  Ana.Lyst@FIU.Example ", "ana.lyst@fiu.example", ""},
		{"x+tag@a-b.example", "x+tag@a-b.example", ""},
		{"", "", "email: empty"},
		{"nobody", "", "want one address"},
		{"a@b@c", "", "want one address"},
		{"@fiu.example", "", "want one address"},
		{strings.Repeat("a", 250) + "@x.io", "", "longer than 254"},
		{strings.Repeat("a", 65) + "@x.io", "", "longer than 64"},
		{"a\tb@x.io", "", "may hold only"},
		{"a\x00@x.io", "", "may hold only"},
		{"аnalyst@x.io", "", "may hold only"}, // Cyrillic а
		{".a@x.io", "", "misplaced '.'"},
		{"a..b@x.io", "", "misplaced '.'"},
		{"a@-x.io", "", "not a host name"},
		{"a@x..io", "", "not a host name"},
		{"a@x_y.io", "", "may hold only a-z"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormaliseEmail(tc.in)
			if tc.part == "" {
				if err != nil || got != tc.want {
					t.Fatalf("NormaliseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			wantCode(t, err, graph.CodeInvalid, tc.part)
			if strings.ContainsAny(graph.ErrorMessage(err), "\x00\t") {
				t.Fatalf("message carries a control character: %q", graph.ErrorMessage(err))
			}
		})
	}
}

func TestUsers(t *testing.T) {
	s, _ := newService(t, embedded(t), Options{})
	ctx := t.Context()
	for _, id := range []string{"fiu", "police"} {
		if _, err := s.AddAgency(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	ana := mustUser(t, s, "fiu", "Ana@FIU.example", RoleAnalyst)
	if ana.Email != "ana@fiu.example" || ana.Agency != "fiu" || ana.Role != RoleAnalyst || !ana.HasPassword || len(ana.ID) != 16 {
		t.Fatalf("added %+v", ana)
	}
	for _, tc := range []struct {
		name string
		nu   NewUser
		code graph.Code
		part string
	}{
		{"same email, other case, other agency", NewUser{Agency: "police", Email: "ANA@fiu.example", Role: RoleViewer, Password: "long enough password"}, graph.CodeConflict, `email "ana@fiu.example" is already a user`},
		{"unknown agency", NewUser{Agency: "nope", Email: "b@x.io", Role: RoleViewer}, graph.CodeNotFound, `agency "nope" not found`},
		{"bad agency", NewUser{Agency: "No Pe", Email: "b@x.io", Role: RoleViewer}, graph.CodeInvalid, "agency"},
		{"bad role", NewUser{Agency: "fiu", Email: "b@x.io", Role: "root"}, graph.CodeInvalid, `role "root"`},
		{"no role", NewUser{Agency: "fiu", Email: "b@x.io"}, graph.CodeInvalid, "role"},
		{"short password", NewUser{Agency: "fiu", Email: "b@x.io", Role: RoleViewer, Password: "short"}, graph.CodeInvalid, "password: shorter than 12"},
		{"control in password", NewUser{Agency: "fiu", Email: "b@x.io", Role: RoleViewer, Password: "long enough\x00password"}, graph.CodeInvalid, "password: contains a control"},
		{"huge password", NewUser{Agency: "fiu", Email: "b@x.io", Role: RoleViewer, Password: strings.Repeat("p", MaxPassword+1)}, graph.CodeInvalid, "password: longer than 256"},
		{"oversized email", NewUser{Agency: "fiu", Email: strings.Repeat("e", 10000) + "@x.io", Role: RoleViewer}, graph.CodeInvalid, "email: longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.AddUser(ctx, tc.nu)
			wantCode(t, err, tc.code, tc.part)
			if strings.Contains(graph.ErrorMessage(err), "argon2") || strings.Contains(graph.ErrorMessage(err), "$") {
				t.Fatalf("message leaks a hash: %q", graph.ErrorMessage(err))
			}
		})
	}

	// Without a password: a one-time sign-in link.
	vic, link, err := s.AddUser(ctx, NewUser{Agency: "fiu", Email: "vic@fiu.example", Role: RoleViewer})
	if err != nil || vic.HasPassword || !strings.HasPrefix(link, "rl_") {
		t.Fatalf("AddUser without password: %+v, %q, %v", vic, link, err)
	}
	mustUser(t, s, "police", "bo@police.example", RoleAdmin)

	list, err := s.Users(ctx, "fiu")
	if err != nil || len(list) != 2 || list[0].Email != "ana@fiu.example" || list[1].Email != "vic@fiu.example" {
		t.Fatalf("Users(fiu) = %+v, %v", list, err)
	}
	if _, err := s.Users(ctx, "nope"); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("Users of an unknown agency: %v", err)
	}
	if u, err := s.UserByEmail(ctx, " VIC@fiu.example"); err != nil || u.ID != vic.ID {
		t.Fatalf("UserByEmail: %+v, %v", u, err)
	}
	_, err = s.UserByEmail(ctx, "ghost@fiu.example")
	wantCode(t, err, graph.CodeNotFound, `user "ghost@fiu.example" not found`)

	// Roles and disabling.
	if u, err := s.SetRole(ctx, "fiu", vic.ID, RoleAdmin); err != nil || u.Role != RoleAdmin {
		t.Fatalf("SetRole: %+v, %v", u, err)
	}
	_, err = s.SetRole(ctx, "fiu", vic.ID, "superuser")
	wantCode(t, err, graph.CodeInvalid, `role "superuser"`)
	_, err = s.SetRole(ctx, "police", vic.ID, RoleViewer) // right ID, wrong agency
	wantCode(t, err, graph.CodeNotFound, "not found in agency")
	_, err = s.SetRole(ctx, "fiu", "../../etc", RoleViewer)
	wantCode(t, err, graph.CodeInvalid, "not a user ID")
	if u, err := s.Disable(ctx, "fiu", vic.ID); err != nil || !u.Disabled {
		t.Fatalf("Disable: %+v, %v", u, err)
	}
	if u, err := s.Enable(ctx, "fiu", vic.ID); err != nil || u.Disabled {
		t.Fatalf("Enable: %+v, %v", u, err)
	}
	err = s.SetPassword(ctx, "fiu", vic.ID, "tiny")
	wantCode(t, err, graph.CodeInvalid, "password")
	if err := s.SetPassword(ctx, "fiu", vic.ID, "a new long password"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, "fiu", vic.ID); !u.HasPassword {
		t.Fatal("SetPassword left no password")
	}
}

// TestAddUserRace: one email, many concurrent AddUser calls, exactly one
// user.
func TestAddUserRace(t *testing.T) {
	s, _ := newService(t, embedded(t), Options{})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, err := s.AddUser(ctx, NewUser{Agency: "fiu", Email: []string{"Race@x.io", "race@X.IO"}[i%2], Role: RoleViewer, Password: "long enough password"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch graph.ErrorCode(err) {
		case "":
			ok++
		case graph.CodeConflict:
		default:
			t.Errorf("AddUser: %v", err)
		}
	}
	list, err := s.Users(ctx, "fiu")
	if ok != 1 || err != nil || len(list) != 1 {
		t.Fatalf("%d of %d adds succeeded, users %+v (%v); want exactly one", ok, n, list, err)
	}
}

// TestOrphanEmailClaim: a claim left by a crash between AddUser's two
// writes does not lock the email out.
func TestOrphanEmailClaim(t *testing.T) {
	st := embedded(t)
	s, clk := newService(t, st, Options{})
	ctx := t.Context()
	if _, err := s.AddAgency(ctx, "fiu", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, colUsersByEmail, "late@x.io", []byte(`{"agency":"fiu","user":"aaaaaaaaaaaaaaaa","at":"2026-12-07T09:00:00Z"}`), state.Absent); err != nil {
		t.Fatal(err)
	}
	// Young, it may be an AddUser still at work: the email is taken.
	_, _, err := s.AddUser(ctx, NewUser{Agency: "fiu", Email: "late@x.io", Role: RoleViewer})
	wantCode(t, err, graph.CodeConflict, "already a user")
	clk.add(claimGrace)
	if _, err := s.UserByEmail(ctx, "late@x.io"); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("an orphan claim is a user: %v", err)
	}
	if _, _, err := s.AddUser(ctx, NewUser{Agency: "fiu", Email: "late@x.io", Role: RoleViewer}); err != nil {
		t.Fatalf("AddUser over an orphan claim: %v", err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("PHC string %q", h)
	}
	h2, _ := hashPassword("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	parts := strings.Split(h, "$")
	for _, tc := range []struct {
		name, phc string
		want      bool
	}{
		{"right", h, true},
		{"other salt, same password", h2, true},
		{"empty", "", false},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", false},
		{"argon2i", strings.Replace(h, "argon2id", "argon2i", 1), false},
		{"huge memory", strings.Join([]string{"", parts[1], parts[2], "m=4294967295,t=1,p=1", parts[4], parts[5]}, "$"), false},
		{"zero time", strings.Join([]string{"", parts[1], parts[2], "m=1024,t=0,p=1", parts[4], parts[5]}, "$"), false},
		{"unknown parameter", strings.Join([]string{"", parts[1], parts[2], "m=1024,t=1,p=1,x=2", parts[4], parts[5]}, "$"), false},
		{"tampered key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], map[bool]string{true: "B", false: "A"}[parts[5][0] == 'A'] + parts[5][1:]}, "$"), false},
		{"truncated key", h[:len(h)-10], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyPassword("correct horse battery", tc.phc); got != tc.want {
				t.Fatalf("verify = %v, want %v", got, tc.want)
			}
		})
	}
	if verifyPassword("Correct horse battery", h) {
		t.Fatal("a wrong password verifies")
	}
}

// TestDefaultArgon2 checks the production costs once.
func TestDefaultArgon2(t *testing.T) {
	s, err := New(embedded(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.hash("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=1$") {
		t.Fatalf("hash %q, %v", h, err)
	}
	if !s.verify("correct horse battery", h) || s.verify("correct horse batter", h) {
		t.Fatal("verify with the default costs")
	}
}

func TestPrincipalContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := PrincipalFrom(ctx); ok {
		t.Fatal("a bare context carries a principal")
	}
	p := Principal{Agency: "fiu", User: "u", Role: RoleAdmin, Scopes: []Scope{ScopeRead}}
	got, ok := PrincipalFrom(WithPrincipal(ctx, p))
	if !ok || got.Agency != "fiu" || !got.Can(ScopeRead) || got.Can(ScopeWrite) || !got.AdminOf("fiu") || got.AdminOf("police") {
		t.Fatalf("PrincipalFrom = %+v, %v", got, ok)
	}
	if !(Principal{DeploymentAdmin: true}).AdminOf("police") {
		t.Fatal("a deployment administrator is not admin of every agency")
	}
}
