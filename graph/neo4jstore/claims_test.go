package neo4jstore

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

// TestClaimsLayout: d carries "k" on records of several sources ([] when
// every source claims the whole record), never on one of one source, and a
// record of several sources without "k" (written before claims) reads as
// legacy claims: a partial viewer gets the bare key.
func TestClaimsLayout(t *testing.T) {
	a := graph.Node{Kind: graph.KindPerson, Key: "jin", Label: "Jin", Sources: []graph.Source{{Dataset: "a", User: "ann", Marking: graph.TLPRed, Agency: "fiu"}}}
	b := graph.Node{Kind: graph.KindPerson, Key: "jin", Label: "Kestrel", Sources: []graph.Source{{Dataset: "b"}}}
	same := graph.Node{Kind: graph.KindPerson, Key: "jin", Label: "Jin", Sources: []graph.Source{{Dataset: "c"}}}
	for _, n := range []*graph.Node{&a, &b, &same} {
		if err := graph.PrepareNode(n); err != nil {
			t.Fatal(err)
		}
	}
	differ, _ := graph.MergeNode(&a, &b)
	agree, _ := graph.MergeNode(&a, &same)
	tests := []struct {
		name   string
		n      *graph.Node
		hasK   string
		claims bool
	}{
		{"one source", &a, "", false},
		{"sources that disagree", differ, `"k":[{`, true},
		{"sources that agree", agree, `"k":[]`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := nodeProps(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			d := p["d"].(string)
			if (tc.hasK == "") != !strings.Contains(d, `"k":`) || tc.hasK != "" && !strings.Contains(d, tc.hasK) {
				t.Fatalf("d = %s, want k like %q", d, tc.hasK)
			}
			back, err := decodeNode(p)
			if err != nil {
				t.Fatal(err)
			}
			if (back.Claims != nil) != tc.claims || back.Sources[0].User != tc.n.Sources[0].User {
				t.Fatalf("decoded %+v", back)
			}
			if tc.hasK == "" {
				return
			}
			var m map[string]any // d as schema 2 wrote it: no "k"
			if err := json.Unmarshal([]byte(d), &m); err != nil {
				t.Fatal(err)
			}
			delete(m, "k")
			if p["d"], err = marshal(m); err != nil {
				t.Fatal(err)
			}
			legacy, err := decodeNode(p)
			if err != nil {
				t.Fatal(err)
			}
			if v := graph.ViewNode(legacy, func(s graph.Source) bool { return s.Agency == "" }); v.Label != "jin" {
				t.Fatalf("legacy record's partial view %+v", v)
			}
		})
	}
}
