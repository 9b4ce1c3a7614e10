package visibility

import (
	"fmt"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

const fact = "wallet:eth:0x00000000000000000000000000000000000000aa"

func facts(ids ...string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// TestVisible covers every marking against every relation between the
// viewer and the source: want holds the verdict for CLEAR, GREEN, AMBER,
// AMBER+STRICT and RED, in that order. The source belongs to agency "fiu",
// ingested by user "ann".
func TestVisible(t *testing.T) {
	share := func(cap graph.Marking, named bool, ids ...string) []Grant {
		return []Grant{{Case: "case-1", Owner: "fiu", Cap: cap, Named: named, Facts: facts(ids...)}}
	}
	tests := []struct {
		name string
		v    Viewer
		want [5]bool
	}{
		{"nobody signed in", Viewer{}, [5]bool{}},
		{"a user name without an agency", Viewer{User: "ann"}, [5]bool{}},
		{"the ingesting user", Viewer{Agency: "fiu", User: "ann"}, [5]bool{true, true, true, true, true}},
		{"another user of the owning agency", Viewer{Agency: "fiu", User: "bob"}, [5]bool{true, true, true, true, false}},
		{"a token of the owning agency with no user", Viewer{Agency: "fiu"}, [5]bool{true, true, true, true, false}},
		{"a user of another agency", Viewer{Agency: "police", User: "cat"}, [5]bool{true, true, false, false, false}},
		{"the same user name in another agency", Viewer{Agency: "police", User: "ann"}, [5]bool{true, true, false, false, false}},
		{"a deployment admin of another agency", Viewer{Agency: "police", User: "root", DeploymentAdmin: true}, [5]bool{true, true, false, false, false}},
		{"a deployment admin of the owning agency", Viewer{Agency: "fiu", User: "root", DeploymentAdmin: true}, [5]bool{true, true, true, true, false}},
		{"another agency with the fact shared (default cap)", Viewer{Agency: "police", User: "cat", Grants: share("", false, fact)}, [5]bool{true, true, true, false, false}},
		{"another agency with the fact shared, cap AMBER", Viewer{Agency: "police", User: "cat", Grants: share(graph.TLPAmber, false, fact)}, [5]bool{true, true, true, false, false}},
		{"another agency with the fact shared, cap GREEN", Viewer{Agency: "police", User: "cat", Grants: share(graph.TLPGreen, false, fact)}, [5]bool{true, true, false, false, false}},
		{"another agency, cap RED, agency-wide share", Viewer{Agency: "police", User: "cat", Grants: share(graph.TLPRed, false, fact)}, [5]bool{true, true, true, false, false}},
		{"a user named in a share, cap RED", Viewer{Agency: "police", User: "cat", Grants: share(graph.TLPRed, true, fact)}, [5]bool{true, true, true, false, true}},
		{"a user named in a share, cap AMBER", Viewer{Agency: "police", User: "cat", Grants: share(graph.TLPAmber, true, fact)}, [5]bool{true, true, true, false, false}},
		{"a share of a case without this fact", Viewer{Agency: "police", User: "cat", Grants: share(graph.TLPRed, true, "wallet:eth:0x00000000000000000000000000000000000000bb")}, [5]bool{true, true, false, false, false}},
		{"a share from an agency that does not own the source", Viewer{Agency: "police", User: "cat", Grants: []Grant{{Owner: "sanctions", Cap: graph.TLPRed, Named: true, Facts: facts(fact)}}}, [5]bool{true, true, false, false, false}},
		{"a grant without a signed-in viewer", Viewer{Grants: share(graph.TLPRed, true, fact)}, [5]bool{}},
	}
	for _, tc := range tests {
		for i, m := range graph.Markings() {
			t.Run(fmt.Sprintf("%s/%s", tc.name, m), func(t *testing.T) {
				s := graph.Source{Dataset: "d", Agency: "fiu", User: "ann", Marking: m}
				if got := Visible(tc.v, fact, s); got != tc.want[i] {
					t.Fatalf("Visible = %v, want %v", got, tc.want[i])
				}
			})
		}
	}
}

// TestUnowned covers sources without an agency: public data when CLEAR or
// GREEN, else the home agency's (loaded before agencies existed).
func TestUnowned(t *testing.T) {
	tests := []struct {
		name string
		v    Viewer
		want [5]bool
	}{
		{"a user of the home agency", Viewer{Agency: HomeAgency, User: "ann"}, [5]bool{true, true, true, true, false}},
		{"a user of another agency", Viewer{Agency: "police", User: "ann"}, [5]bool{true, true, false, false, false}},
		{"nobody signed in", Viewer{}, [5]bool{}},
		{"shared by the home agency", Viewer{Agency: "police", User: "cat", Grants: []Grant{{Owner: HomeAgency, Facts: facts(fact)}}}, [5]bool{true, true, true, false, false}},
	}
	for _, tc := range tests {
		for i, m := range graph.Markings() {
			t.Run(fmt.Sprintf("%s/%s", tc.name, m), func(t *testing.T) {
				s := graph.Source{Dataset: "d", Marking: m}
				if got := Visible(tc.v, fact, s); got != tc.want[i] {
					t.Fatalf("Visible = %v, want %v", got, tc.want[i])
				}
			})
		}
	}
}

func TestOddMarkings(t *testing.T) {
	v := Viewer{Agency: "police", User: "cat"}
	tests := []struct {
		m    graph.Marking
		want bool
	}{
		{"", true},              // unprepared: CLEAR, as PrepareNode makes it
		{"TLP:WHITE", false},    // unknown: treated as RED
		{"tlp:clear", false},    // not the canonical spelling: unknown
		{graph.TLPGreen, true},  // sanity
		{graph.TLPAmber, false}, // sanity
		{"TLP:PURPLE", false},   // unknown
		{graph.TLPRed, false},   // sanity
		{graph.TLPAmberStrict, false},
	}
	for _, tc := range tests {
		if got := Visible(v, fact, graph.Source{Dataset: "d", Agency: "fiu", Marking: tc.m}); got != tc.want {
			t.Errorf("marking %q: Visible = %v, want %v", tc.m, got, tc.want)
		}
	}
}

func TestSees(t *testing.T) {
	v := Viewer{Agency: "fiu", User: "ann"}
	see := Sees(v, fact)
	if !see(graph.Source{Dataset: "d", Agency: "fiu", User: "ann", Marking: graph.TLPRed}) || see(graph.Source{Dataset: "d", Agency: "police", Marking: graph.TLPAmber}) {
		t.Fatal("Sees disagrees with Visible")
	}
}
