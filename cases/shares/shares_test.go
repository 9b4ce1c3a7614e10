package shares

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
)

type fixture struct {
	svc   *Service
	cases *cases.Store
	ids   *identity.Service
	clock *time.Time
	caseA string // a case of agency fiu
}

// newFixture opens a real embedded store with agencies fiu and police,
// users of both, and one case of fiu's.
func newFixture(t *testing.T, lim Limits) fixture {
	t.Helper()
	g, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	ids, err := identity.New(g.State(), identity.Options{Argon2: identity.Argon2Params{Memory: 1024, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"fiu", "police"} {
		if _, err := ids.AddAgency(t.Context(), a, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []identity.NewUser{
		{Agency: "fiu", Email: "ana@fiu.example", Role: identity.RoleAnalyst, Password: "correct horse battery staple"},
		{Agency: "police", Email: "bo@police.example", Role: identity.RoleAnalyst, Password: "correct horse battery staple"},
		{Agency: "police", Email: "cy@police.example", Role: identity.RoleAnalyst, Password: "correct horse battery staple"},
	} {
		if _, _, err := ids.AddUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := cases.Open(t.Context(), g.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	svc := New(g.State(), cs, ids, Options{Now: func() time.Time { return clock }, Limits: lim})
	fiu := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu", User: "u-ana"})
	c, err := cs.Save(fiu, cases.Draft{Name: "Heist", View: json.RawMessage(`{"v":1,"nodes":[{"id":"wallet:eth:0x47666fab8bd0ac7003bce3f5c3585383f09486e2","x":0,"y":0,"note":"n"}],"edges":["wallet:eth:0x47666fab8bd0ac7003bce3f5c3585383f09486e2>TRANSFER>wallet:eth:0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e"]}`), By: "ana@fiu.example"})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, cases: cs, ids: ids, clock: &clock, caseA: c.ID}
}

var (
	fiuAna  = Recipient{Agency: "fiu", Email: "ana@fiu.example", Addr: "10.0.0.1"}
	polBo   = Recipient{Agency: "police", Email: "bo@police.example", Addr: "10.0.0.2"}
	polCy   = Recipient{Agency: "police", Email: "cy@police.example", Addr: "10.0.0.3"}
	otherAg = Recipient{Agency: "local", Email: "someone@local.example", Addr: "10.0.0.4"}
)

func (f fixture) share(t *testing.T, r Request) (Share, string) {
	t.Helper()
	ctx := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu", User: "u-ana"})
	r.Case, r.By = f.caseA, "ana@fiu.example"
	sh, tok, err := f.svc.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	return sh, tok
}

// TestLinks resolves link tokens that hold and every kind that must not;
// every failure is the one ErrLink.
func TestLinks(t *testing.T) {
	f := newFixture(t, Limits{Burst: 1000})
	_, agencyTok := f.share(t, Request{Agency: "police", AllowComments: true})
	_, namedTok := f.share(t, Request{Agency: "police", Users: []string{"BO@police.example"}, Cap: graph.TLPRed})
	shortSh, shortTok := f.share(t, Request{Agency: "police", ExpiresIn: time.Hour})
	revSh, revTok := f.share(t, Request{Agency: "police"})
	if _, err := f.svc.Open(t.Context(), revTok, polBo); err != nil {
		t.Fatal(err)
	}
	fiuCtx := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu"})
	if _, err := f.svc.Revoke(fiuCtx, revSh.ID, "ana@fiu.example"); err != nil {
		t.Fatal(err)
	}
	// Signed before a rotation: still verifies after it.
	if _, err := f.svc.Keys().Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, afterRotation := f.share(t, Request{Agency: "police"})
	// A token whose MAC is right but under a key that is not stored.
	parts := strings.Split(agencyTok, ".")
	unknownKey := strings.Join([]string{parts[0], "knosuchkey", parts[2], parts[3]}, ".")
	// The payload changed (another share ID, a later expiry), MAC kept.
	forged := strings.Join([]string{parts[0], parts[1], b64.EncodeToString([]byte(shortSh.ID + ".99999999999")), parts[3]}, ".")
	flip := []byte(agencyTok)
	flip[len(flip)-3] ^= 1

	tests := []struct {
		name  string
		token string
		who   Recipient
		ok    bool
		after time.Duration // the clock moves on first
	}{
		{"agency share, its agency", agencyTok, polBo, true, 0},
		{"agency share, another user of its agency", agencyTok, polCy, true, 0},
		{"signed before a key rotation", agencyTok, polBo, true, 0},
		{"signed after a key rotation", afterRotation, polCy, true, 0},
		{"named user", namedTok, polBo, true, 0},
		{"named share, a user it does not name", namedTok, polCy, false, 0},
		{"wrong agency", agencyTok, otherAg, false, 0},
		{"the sharing agency itself", agencyTok, fiuAna, false, 0},
		{"tampered MAC", string(flip), polBo, false, 0},
		{"truncated", agencyTok[:len(agencyTok)-10], polBo, false, 0},
		{"no MAC", strings.Join(parts[:3], "."), polBo, false, 0},
		{"forged payload", forged, polBo, false, 0},
		{"unknown key", unknownKey, polBo, false, 0},
		{"empty", "", polBo, false, 0},
		{"garbage", "rts1....", polBo, false, 0},
		{"not signed in", agencyTok, Recipient{Addr: "10.0.0.9"}, false, 0},
		{"replayed after revoke", revTok, polBo, false, 0},
		{"expired", shortTok, polBo, false, 2 * time.Hour},
		{"expired (the agency share, after 8 days)", agencyTok, polBo, false, 8 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*f.clock = f.clock.Add(tt.after)
			sh, err := f.svc.Resolve(t.Context(), tt.token, tt.who)
			switch {
			case tt.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.ok && sh.Case != f.caseA:
				t.Fatalf("resolved %+v", sh)
			case !tt.ok && !errors.Is(err, ErrLink):
				t.Fatalf("got %+v, %v; want ErrLink", sh, err)
			case !tt.ok && graph.ErrorMessage(err) != graph.ErrorMessage(ErrLink):
				t.Fatalf("message %q differs from ErrLink's", graph.ErrorMessage(err))
			}
		})
	}
}

// TestRequests refuses shares the rules forbid.
func TestRequests(t *testing.T) {
	f := newFixture(t, Limits{})
	ctx := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu"})
	tests := []struct {
		name string
		r    Request
		code graph.Code
	}{
		{"AMBER+STRICT cap", Request{Agency: "police", Cap: graph.TLPAmberStrict}, graph.CodeInvalid},
		{"RED to a whole agency", Request{Agency: "police", Cap: graph.TLPRed}, graph.CodeInvalid},
		{"unknown agency", Request{Agency: "nosuch"}, graph.CodeInvalid},
		{"own agency", Request{Agency: "fiu"}, graph.CodeInvalid},
		{"user of another agency", Request{Agency: "police", Users: []string{"ana@fiu.example"}}, graph.CodeInvalid},
		{"expiry too long", Request{Agency: "police", ExpiresIn: 365 * 24 * time.Hour}, graph.CodeInvalid},
		{"another agency's case", Request{Agency: "fiu", Case: "other"}, graph.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if r.Case == "" {
				r.Case = f.caseA
			}
			c := ctx
			if tt.r.Case == "other" {
				r.Case = f.caseA
				c = visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "police"})
			}
			if _, _, err := f.svc.Create(c, r); graph.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
}

// TestGrantsFollowRevocation: an opened share grants the case's facts,
// not before it is opened, and not after it is revoked or expires.
func TestGrantsFollowRevocation(t *testing.T) {
	f := newFixture(t, Limits{})
	sh, tok := f.share(t, Request{Agency: "police", ExpiresIn: 48 * time.Hour})
	grants := func() []visibility.Grant {
		g, err := f.svc.Grants(t.Context(), polBo)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if g := grants(); len(g) != 0 {
		t.Fatalf("grants before opening: %+v", g)
	}
	if _, err := f.svc.Open(t.Context(), tok, polBo); err != nil {
		t.Fatal(err)
	}
	g := grants()
	if len(g) != 1 || g[0].Owner != "fiu" || g[0].Cap != graph.TLPAmber || g[0].Named {
		t.Fatalf("grants %+v", g)
	}
	if _, ok := g[0].Facts["wallet:eth:0x47666fab8bd0ac7003bce3f5c3585383f09486e2"]; !ok || len(g[0].Facts) != 2 {
		t.Fatalf("facts %v", g[0].Facts)
	}
	if g, _ := f.svc.Grants(t.Context(), otherAg); len(g) != 0 {
		t.Fatalf("another agency got %+v", g)
	}
	if _, err := f.svc.Revoke(visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "police"}), sh.ID, "x"); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("the recipient revoked: %v", err)
	}
	if _, err := f.svc.Revoke(visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu"}), sh.ID, "ana"); err != nil {
		t.Fatal(err)
	}
	if g := grants(); len(g) != 0 {
		t.Fatalf("grants after revoking: %+v", g)
	}
	// Expiry: a second share, opened, then the clock passes its end.
	_, tok2 := f.share(t, Request{Agency: "police", ExpiresIn: time.Hour})
	if _, err := f.svc.Open(t.Context(), tok2, polBo); err != nil {
		t.Fatal(err)
	}
	if g := grants(); len(g) != 1 {
		t.Fatalf("grants %+v", g)
	}
	*f.clock = f.clock.Add(time.Hour)
	if g := grants(); len(g) != 0 {
		t.Fatalf("grants after expiry: %+v", g)
	}
	h, err := f.cases.History(visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu"}), f.caseA)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range h {
		actions = append(actions, c.Action)
	}
	if strings.Join(actions, ",") != "created,shared,revoked,shared" {
		t.Fatalf("history %v", actions)
	}
}

// TestResolutionRateLimit: past the burst, resolutions from one address or
// one principal wait, valid links included.
func TestResolutionRateLimit(t *testing.T) {
	f := newFixture(t, Limits{Burst: 3, Refill: time.Minute})
	_, tok := f.share(t, Request{Agency: "police"})
	for i := range 3 {
		if _, err := f.svc.Resolve(t.Context(), "rts1.bad", polBo); !errors.Is(err, ErrLink) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := f.svc.Resolve(t.Context(), tok, polBo); graph.ErrorCode(err) != graph.CodeTooMany {
		t.Fatalf("past the burst: %v", err)
	}
	// The same principal from another address is limited too.
	other := polBo
	other.Addr = "10.9.9.9"
	if _, err := f.svc.Resolve(t.Context(), tok, other); graph.ErrorCode(err) != graph.CodeTooMany {
		t.Fatalf("same principal, other address: %v", err)
	}
	*f.clock = f.clock.Add(time.Minute)
	if _, err := f.svc.Resolve(t.Context(), tok, polBo); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
}

// TestComments: a recipient comments through a link that takes them; the
// owner reads them in the case's history.
func TestComments(t *testing.T) {
	f := newFixture(t, Limits{})
	_, ro := f.share(t, Request{Agency: "police"})
	sh, rw := f.share(t, Request{Agency: "police", AllowComments: true})
	if _, _, err := f.svc.Comment(t.Context(), ro, polBo, "hello"); graph.ErrorCode(err) != graph.CodeForbidden {
		t.Fatalf("read-only share took a comment: %v", err)
	}
	if _, _, err := f.svc.Comment(t.Context(), rw, polBo, "  "); graph.ErrorCode(err) != graph.CodeInvalid {
		t.Fatalf("empty comment: %v", err)
	}
	c, _, err := f.svc.Comment(t.Context(), rw, polBo, "Seen this wallet at our exchange.")
	if err != nil {
		t.Fatal(err)
	}
	if c.By != "bo@police.example" || c.Agency != "police" || c.ID == "" {
		t.Fatalf("comment %+v", c)
	}
	got, err := f.svc.Comments(t.Context(), sh)
	if err != nil || len(got) != 1 || got[0].Text != "Seen this wallet at our exchange." {
		t.Fatalf("comments %+v, %v", got, err)
	}
	h, err := f.cases.History(visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu"}), f.caseA)
	if err != nil || len(cases.Comments(h)) != 1 {
		t.Fatalf("owner's history %+v, %v", h, err)
	}
	if _, err := f.cases.History(visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "police"}), f.caseA); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Fatalf("the recipient read the owner's case history: %v", err)
	}
}
