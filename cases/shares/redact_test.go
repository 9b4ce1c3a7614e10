package shares

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// TestRedact evaluates the rules on a case's facts for recipients of
// several standings and checks the view, the facts and the count.
func TestRedact(t *testing.T) {
	const (
		a = "wallet:eth:0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
		b = "wallet:eth:0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e"
		c = "wallet:eth:0x0fa09c3a328792253f8dee7116848723b72a6d2e"
	)
	src := func(m graph.Marking, agency string) []graph.Source {
		return []graph.Source{{Dataset: "d", Marking: m, Agency: agency, User: "u-owner"}}
	}
	nodes := []*graph.Node{
		{ID: a, Kind: graph.KindWallet, Label: "amber", Sources: src(graph.TLPAmber, "fiu")},
		{ID: b, Kind: graph.KindWallet, Label: "strict", Sources: src(graph.TLPAmberStrict, "fiu")},
		{ID: c, Kind: graph.KindWallet, Label: "red", Sources: src(graph.TLPRed, "fiu")},
	}
	ab, ac := a+">TRANSFER>"+b, a+">TRANSFER>"+c
	edges := []*graph.Edge{
		{ID: ab, Kind: graph.EdgeTransfer, From: a, To: b, Sources: src(graph.TLPGreen, "fiu")},
		{ID: ac, Kind: graph.EdgeTransfer, From: a, To: c, Sources: src(graph.TLPAmber, "fiu")},
	}
	view := json.RawMessage(`{"v":1,"nodes":[{"id":"` + a + `","x":0,"y":0,"note":"keep"},{"id":"` + b + `","x":1,"y":1,"note":"strict note"},{"id":"` + c + `","x":2,"y":2}],
		"edges":["` + ab + `","` + ac + `"],"groups":[{"id":"g1","members":["` + b + `"]},{"id":"g2","members":["` + a + `","` + c + `"]}],
		"path":{"mode":"shortest","from":["` + a + `"],"to":["` + c + `"],"params":{}},"selected":["` + b + `","` + a + `"],"focus":"` + c + `","camera":{"x":1}}`)
	facts := map[string]struct{}{a: {}, b: {}, c: {}, ab: {}, ac: {}}
	grant := func(m graph.Marking, named bool) visibility.Grant {
		return visibility.Grant{Owner: "fiu", Cap: m, Named: named, Facts: facts}
	}
	tests := []struct {
		name     string
		v        visibility.Viewer
		nodes    []string
		edges    []string
		withheld int
		view     string
	}{
		{"police, AMBER cap", visibility.Viewer{Agency: "police", Grants: []visibility.Grant{grant(graph.TLPAmber, false)}}, []string{a}, nil, 4,
			`{"v":1,"nodes":[{"id":"` + a + `","x":0,"y":0,"note":"keep"}],"edges":[],"groups":[{"id":"g2","members":["` + a + `"]}],"selected":["` + a + `"],"camera":{"x":1}}`},
		{"a named police user, RED cap", visibility.Viewer{Agency: "police", User: "u-bo", Grants: []visibility.Grant{grant(graph.TLPRed, true)}}, []string{a, c}, []string{ac}, 2,
			`{"v":1,"nodes":[{"id":"` + a + `","x":0,"y":0,"note":"keep"},{"id":"` + c + `","x":2,"y":2}],"edges":["` + ac + `"],"groups":[{"id":"g2","members":["` + a + `","` + c + `"]}],
			"path":{"mode":"shortest","from":["` + a + `"],"to":["` + c + `"],"params":{}},"selected":["` + a + `"],"focus":"` + c + `","camera":{"x":1}}`},
		{"police without the grant", visibility.Viewer{Agency: "police"}, nil, nil, 5,
			`{"v":1,"nodes":[],"edges":[],"groups":[],"selected":[],"camera":{"x":1}}`},
		{"the owner agency", visibility.Viewer{Agency: "fiu", User: "u-owner"}, []string{a, b, c}, []string{ab, ac}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Redact(view, nodes, edges, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			var gotN, gotE []string
			for _, n := range r.Nodes {
				gotN = append(gotN, n.ID)
			}
			for _, e := range r.Edges {
				gotE = append(gotE, e.ID)
			}
			if !reflect.DeepEqual(gotN, tt.nodes) || !reflect.DeepEqual(gotE, tt.edges) || r.Withheld != tt.withheld {
				t.Fatalf("nodes %v edges %v withheld %d", gotN, gotE, r.Withheld)
			}
			if tt.view == "" {
				return
			}
			var got, want any
			if err := json.Unmarshal(r.View, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.view), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("view\n got %s\nwant %s", r.View, tt.view)
			}
		})
	}
	if Notice(0) != "" || Notice(1) != "1 fact withheld under the sharing agency's markings" || Notice(3) != "3 facts withheld under the sharing agency's markings" {
		t.Error("notice")
	}
}
