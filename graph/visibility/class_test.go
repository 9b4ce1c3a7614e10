package visibility

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func TestClassOf(t *testing.T) {
	amberFIU := graph.Source{Dataset: "a", Agency: "fiu", Marking: graph.TLPAmber}
	redAnn := graph.Source{Dataset: "b", Agency: "fiu", User: "ann", Marking: graph.TLPRed}
	strictOld := graph.Source{Dataset: "c", Marking: graph.TLPAmberStrict}
	public := graph.Source{Dataset: "d", Agency: "police", Marking: graph.TLPGreen}
	tests := []struct {
		name string
		src  []graph.Source
		want []Key
	}{
		{"public wins", []graph.Source{amberFIU, public, redAnn}, []Key{{}}},
		{"sorted by tier", []graph.Source{redAnn, amberFIU}, []Key{{TierAmber, "fiu", ""}, {TierRed, "fiu", "ann"}}},
		{"unowned is the home agency's", []graph.Source{strictOld}, []Key{{TierStrict, HomeAgency, ""}}},
		{"duplicates fold", []graph.Source{amberFIU, amberFIU}, []Key{{TierAmber, "fiu", ""}}},
		{"unknown marking is RED", []graph.Source{{Dataset: "e", Agency: "fiu", Marking: "TLP:WHITE"}}, []Key{{TierRed, "fiu", ""}}},
		{"empty marking is CLEAR", []graph.Source{{Dataset: "f", Agency: "fiu"}}, []Key{{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClassOf(tc.src); !slices.Equal(got, tc.want) {
				t.Fatalf("ClassOf = %v, want %v", got, tc.want)
			}
		})
	}
	c := NewClasses()
	if c.Of([]graph.Source{public}) != 0 || c.Of([]graph.Source{redAnn, amberFIU}) != c.Of([]graph.Source{amberFIU, redAnn, amberFIU}) || c.Len() != 2 {
		t.Fatalf("interning: %d classes", c.Len())
	}
	if c.Keys(99) != nil {
		t.Fatal("keys of an unknown class")
	}
}

// TestViewAgreesWithVisible: for random facts and viewers, the compiled
// view's answer by class is Visible's answer by source: a fact is visible
// when one of its sources is.
func TestViewAgreesWithVisible(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	agencies := []string{"", "fiu", "police", HomeAgency}
	users := []string{"", "ann", "cat"}
	marks := append(graph.Markings(), "", "TLP:WHITE")
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	facts := make([]string, 40)
	srcs := make([][]graph.Source, len(facts))
	c := NewClasses()
	classes := make([]uint32, len(facts))
	for i := range facts {
		facts[i] = "fact-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		for range 1 + r.IntN(3) {
			srcs[i] = append(srcs[i], graph.Source{Dataset: "d", Agency: pick(agencies), User: pick(users), Marking: graph.Marking(marks[r.IntN(len(marks))])})
		}
		classes[i] = c.Of(srcs[i])
	}
	for range 300 {
		v := Viewer{Agency: pick(agencies), User: pick(users), DeploymentAdmin: r.IntN(2) == 0}
		for range r.IntN(3) {
			g := Grant{Owner: pick(agencies), Cap: graph.Marking(marks[r.IntN(len(marks))]), Named: r.IntN(2) == 0, Facts: map[string]struct{}{}}
			for range r.IntN(10) {
				g.Facts[facts[r.IntN(len(facts))]] = struct{}{}
			}
			v.Grants = append(v.Grants, g)
		}
		w := Compile(v, c)
		for i, f := range facts {
			want := slices.ContainsFunc(srcs[i], func(s graph.Source) bool { return Visible(v, f, s) })
			if got := w.Sees(classes[i], f); got != want {
				t.Fatalf("viewer %+v, fact %s %+v: view says %v, Visible %v", v, f, srcs[i], got, want)
			}
		}
	}
	// a class added after Compile is not seen (fail closed)
	w := Compile(Viewer{Agency: "fiu", User: "ann"}, c)
	late := c.Intern([]Key{{TierAmber, "new-agency", ""}})
	if w.SeesClass(late) || w.Sees(late, facts[0]) {
		t.Fatal("a class newer than the view is seen")
	}
}

func TestViewerContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := FromContext(ctx); ok {
		t.Fatal("a bare context carries a viewer")
	}
	for _, v := range []Viewer{{}, {Agency: "fiu", User: "u1"}} {
		got, ok := FromContext(WithViewer(ctx, v))
		if !ok || got.Agency != v.Agency || got.User != v.User {
			t.Errorf("WithViewer(%+v): got %+v, %v", v, got, ok)
		}
		if _, ok := FromContext(WithoutViewer(WithViewer(ctx, v))); ok {
			t.Errorf("WithoutViewer(WithViewer(%+v)) still carries a viewer", v)
		}
	}
}
