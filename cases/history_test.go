package cases

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// TestAgencies: a case belongs to its saver's agency; another agency's
// users neither list, read, save, delete nor comment on it, and each
// refusal is the answer for a missing case. A trusted caller reaches all.
func TestAgencies(t *testing.T) {
	s, _ := open(t, t.TempDir())
	fiu := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "fiu", User: "u1"})
	police := visibility.WithViewer(t.Context(), visibility.Viewer{Agency: "police", User: "u2"})
	c, err := s.Save(fiu, Draft{Name: "Heist", View: json.RawMessage(view), By: "ana", Agency: "police"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Agency != "fiu" {
		t.Fatalf("a viewer's case belongs to %q, want fiu (Draft.Agency is for trusted callers)", c.Agency)
	}
	trusted, err := s.Save(t.Context(), Draft{Name: "Legacy", View: json.RawMessage(view)})
	if err != nil || trusted.Agency != visibility.HomeAgency {
		t.Fatalf("trusted save: %+v %v", trusted, err)
	}
	missing := func(err error) bool {
		return graph.ErrorCode(err) == graph.CodeNotFound && strings.Contains(err.Error(), "not found")
	}
	if _, err := s.Get(police, c.ID); !missing(err) {
		t.Errorf("police read fiu's case: %v", err)
	}
	if _, err := s.Save(police, Draft{ID: c.ID, Name: "taken", View: json.RawMessage(view)}); !missing(err) {
		t.Errorf("police saved fiu's case: %v", err)
	}
	if err := s.Delete(police, c.ID); !missing(err) {
		t.Errorf("police deleted fiu's case: %v", err)
	}
	if _, err := s.Comment(police, c.ID, Change{Text: "hi"}); !missing(err) {
		t.Errorf("police commented: %v", err)
	}
	if _, err := s.History(police, c.ID); !missing(err) {
		t.Errorf("police read the history: %v", err)
	}
	if l, _ := s.List(police, 0); len(l) != 0 {
		t.Errorf("police list %+v", l)
	}
	if l, _ := s.List(fiu, 0); len(l) != 1 || l[0].ID != c.ID {
		t.Errorf("fiu list %+v", l)
	}
	if l, _ := s.List(t.Context(), 0); len(l) != 2 {
		t.Errorf("trusted list %+v", l)
	}
	// The owner renames it, saves a new view, comments; the history says so.
	if _, err := s.Save(fiu, Draft{ID: c.ID, Name: "Heist, phase 2", View: json.RawMessage(`{"nodes":[]}`), By: "ana"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Comment(fiu, c.ID, Change{By: "ana", Agency: "fiu", Text: "  "}); graph.ErrorCode(err) != graph.CodeInvalid {
		t.Errorf("empty comment: %v", err)
	}
	if _, err := s.Comment(fiu, c.ID, Change{By: "ana", Agency: "fiu", Text: "check the exchange"}); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(fiu, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range h {
		got = append(got, ch.Action+":"+ch.By)
	}
	if strings.Join(got, ",") != "created:ana,renamed:ana,saved:ana,commented:ana" || h[1].Detail != "Heist → Heist, phase 2" {
		t.Errorf("history %v (%+v)", got, h)
	}
	if cs := Comments(h); len(cs) != 1 || cs[0].Text != "check the exchange" || cs[0].ID == "" {
		t.Errorf("comments %+v", cs)
	}
	if err := s.Delete(fiu, c.ID); err != nil {
		t.Fatal(err)
	}
}
