package server

import (
	"encoding/json"
	"testing"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
)

// TestViewerGrants: a share its recipient opened is a grant of every API
// request of theirs, not of another agency's, not of a page's, and not
// from the request after its revocation.
func TestViewerGrants(t *testing.T) {
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ids, err := identity.New(st.State(), identity.Options{Argon2: CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"fiu", "police"} {
		if _, err := ids.AddAgency(t.Context(), a, a); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := cases.Open(t.Context(), st.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := shares.New(st.State(), cs, ids, shares.Options{})
	s := New(st, Config{Identity: ids, Cases: cs, Shares: svc}, nil)
	fiu := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu"})
	const w = "wallet:eth:0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
	c, err := cs.Save(fiu, cases.Draft{Name: "c", View: json.RawMessage(`{"nodes":[{"id":"` + w + `"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	sh, token, err := svc.Create(fiu, shares.Request{Case: c.ID, Agency: "police"})
	if err != nil {
		t.Fatal(err)
	}
	police := identity.Principal{Agency: "police", User: "u-bo", Email: "bo@police.example"}
	grants := func(p identity.Principal, api bool) []visibility.Grant {
		return s.viewerOf(t.Context(), p, api).Grants
	}
	if g := grants(police, true); len(g) != 0 {
		t.Fatalf("grants before the link was opened: %+v", g)
	}
	if _, err := svc.Open(t.Context(), token, shares.RecipientOf(police, "")); err != nil {
		t.Fatal(err)
	}
	g := grants(police, true)
	if len(g) != 1 || g[0].Owner != "fiu" || g[0].Case != c.ID {
		t.Fatalf("grants %+v", g)
	}
	if _, ok := g[0].Facts[w]; !ok {
		t.Fatalf("facts %v", g[0].Facts)
	}
	if g := grants(police, false); len(g) != 0 {
		t.Errorf("a page's request read the shares: %+v", g)
	}
	if g := grants(identity.Principal{Agency: "local", User: "u-x"}, true); len(g) != 0 {
		t.Errorf("another agency got %+v", g)
	}
	if _, err := svc.Revoke(fiu, sh.ID, "ana"); err != nil {
		t.Fatal(err)
	}
	if g := grants(police, true); len(g) != 0 {
		t.Errorf("grants after the revocation: %+v", g)
	}
}
