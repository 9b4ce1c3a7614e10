package visibility

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

func prepNode(t *testing.T, n graph.Node) *graph.Node {
	t.Helper()
	if err := graph.PrepareNode(&n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func merge(t *testing.T, nodes ...*graph.Node) *graph.Node {
	t.Helper()
	m := nodes[0]
	for _, n := range nodes[1:] {
		var err error
		if m, err = graph.MergeNode(m, n); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// A persona known publicly by its key, to the FIU under an AMBER name and
// to the sanctions office under an AMBER+STRICT one.
func persona(t *testing.T) *graph.Node {
	public := prepNode(t, graph.Node{Kind: graph.KindPerson, Key: "jin-sung-il",
		Props:   graph.Props{"nationality": "kp"},
		Sources: []graph.Source{{Dataset: "ofac-sdn", Record: "1", Confidence: 60}}})
	fiu := prepNode(t, graph.Node{Kind: graph.KindPerson, Key: "jin-sung-il", Label: "Jin Sung-Il",
		Aliases: []string{"devjin"}, Props: graph.Props{"email": "jin@example.com"},
		ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		Sources:   []graph.Source{{Dataset: "fiu-cases", Record: "7", Agency: "fiu", User: "ann", Confidence: 50, Marking: graph.TLPAmber}}})
	strict := prepNode(t, graph.Node{Kind: graph.KindPerson, Key: "jin-sung-il", Label: "Codename Kestrel",
		Aliases: []string{"kestrel-op"}, Props: graph.Props{"handler": "unit-121", "nationality": "zz-secret"},
		ValidTo: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Sources: []graph.Source{{Dataset: "sanctions-hq", Record: "s-9", Agency: "sanctions", Confidence: 100, Marking: graph.TLPAmberStrict}}})
	return merge(t, public, fiu, strict)
}

func TestRedactNode(t *testing.T) {
	n := persona(t)
	whole, _ := json.Marshal(n)
	secret := []string{"Codename Kestrel", "kestrel-op", "unit-121", "handler", "zz-secret", "sanctions-hq", "s-9", "2030"}
	fiuOnly := []string{"Jin Sung-Il", "devjin", "jin@example.com", "fiu-cases", "2020"}
	tests := []struct {
		name        string
		v           Viewer
		nil         bool
		label       string
		conf        int
		mark        graph.Marking
		hidden      []string
		mustShow    []string
		whole       bool
		nSources    int
		nationality string
	}{
		{name: "nobody", v: Viewer{}, nil: true},
		{name: "another agency sees the public record only", v: Viewer{Agency: "police", User: "cat"},
			label: "jin-sung-il", conf: 60, mark: graph.TLPClear, hidden: slices.Concat(secret, fiuOnly), nSources: 1, nationality: "kp"},
		{name: "the FIU sees its own name beside the public record", v: Viewer{Agency: "fiu", User: "bob"},
			label: "Jin Sung-Il", conf: 60, mark: graph.TLPClear, hidden: secret, mustShow: fiuOnly, nSources: 2, nationality: "kp"},
		{name: "a share of the case carries the FIU's AMBER facts", v: Viewer{Agency: "police", User: "cat",
			Grants: []Grant{{Owner: "fiu", Cap: graph.TLPRed, Named: true, Facts: map[string]struct{}{n.ID: {}}}}},
			label: "Jin Sung-Il", conf: 60, mark: graph.TLPClear, hidden: secret, mustShow: fiuOnly, nSources: 2, nationality: "kp"},
		{name: "a share from the sanctions office never carries AMBER+STRICT", v: Viewer{Agency: "police", User: "cat",
			Grants: []Grant{{Owner: "sanctions", Cap: graph.TLPRed, Named: true, Facts: map[string]struct{}{n.ID: {}}}}},
			label: "jin-sung-il", conf: 60, mark: graph.TLPClear, hidden: slices.Concat(secret, fiuOnly), nSources: 1, nationality: "kp"},
		{name: "the sanctions office sees its own record", v: Viewer{Agency: "sanctions", User: "dan"},
			label: "Codename Kestrel", conf: 100, mark: graph.TLPClear, hidden: fiuOnly, mustShow: []string{"Codename Kestrel", "unit-121", "2030"}, nSources: 2, nationality: "zz-secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Node(tc.v, n)
			if tc.nil {
				if got != nil {
					t.Fatalf("got %+v, want nothing", got)
				}
				return
			}
			js, _ := json.Marshal(got)
			for _, s := range tc.hidden {
				if strings.Contains(string(js), s) {
					t.Errorf("%q leaks into the view: %s", s, js)
				}
			}
			for _, s := range tc.mustShow {
				if !strings.Contains(string(js), s) {
					t.Errorf("%q missing from the view: %s", s, js)
				}
			}
			if got.Label != tc.label || got.Confidence != tc.conf || got.Marking != tc.mark || len(got.Sources) != tc.nSources {
				t.Errorf("label %q confidence %d marking %s sources %d, want %q %d %s %d", got.Label, got.Confidence, got.Marking, len(got.Sources), tc.label, tc.conf, tc.mark, tc.nSources)
			}
			if got.Props["nationality"] != tc.nationality {
				t.Errorf("nationality %v, want %q (the visible sources' merge)", got.Props["nationality"], tc.nationality)
			}
			if again, _ := json.Marshal(n); string(again) != string(whole) {
				t.Fatal("redaction changed the record")
			}
		})
	}
}

// A viewer who sees every source gets the record itself.
func TestRedactAllVisible(t *testing.T) {
	n := persona(t)
	v := Viewer{Agency: "fiu", User: "ann", Grants: []Grant{{Owner: "sanctions", Cap: graph.TLPRed, Facts: map[string]struct{}{n.ID: {}}}}}
	if Node(v, n) == n {
		t.Fatal("an AMBER+STRICT source travelled through a share")
	}
	n2 := persona(t)
	for i := range n2.Sources { // make the strict source the FIU's own
		if n2.Sources[i].Agency == "sanctions" {
			n2.Sources[i].Agency = "fiu"
		}
	}
	if got := Node(Viewer{Agency: "fiu", User: "bob"}, n2); got != n2 {
		t.Fatalf("a viewer of every source gets a copy, not the record: %+v", got)
	}
}

// The confidence and marking are recomputed from the visible sources: a
// fact the viewer knows only from an AMBER source is AMBER to them even
// when a source they cannot see made it CLEAR.
func TestRedactRecomputesMarking(t *testing.T) {
	a := prepNode(t, graph.Node{Kind: graph.KindWallet, Key: "eth:0x00000000000000000000000000000000000000aa", Label: "Ronin exploiter",
		Sources: []graph.Source{{Dataset: "fiu", Agency: "fiu", Confidence: 100, Marking: graph.TLPAmber}}})
	b := prepNode(t, graph.Node{Kind: graph.KindWallet, Key: "eth:0x00000000000000000000000000000000000000aa", Label: "Partner label",
		Sources: []graph.Source{{Dataset: "partner", Agency: "partner", User: "eve", Confidence: 10, Marking: graph.TLPRed}}})
	n := merge(t, a, b)
	got := Node(Viewer{Agency: "fiu", User: "ann"}, n)
	if got.Marking != graph.TLPAmber || got.Confidence != 100 || got.Label != "Ronin exploiter" || slices.Contains(got.Aliases, "Partner label") || got.Claims != nil {
		t.Fatalf("view %+v", got)
	}
	if eve := Node(Viewer{Agency: "partner", User: "eve"}, n); eve.Marking != graph.TLPRed || eve.Confidence != 10 || eve.Label != "Partner label" {
		t.Fatalf("eve's view %+v", eve)
	}
	if other := Node(Viewer{Agency: "partner", User: "frank"}, n); other != nil {
		t.Fatalf("RED reached another user of the agency: %+v", other)
	}
}

func TestRedactEdge(t *testing.T) {
	mk := func(amount float64, at time.Time, props graph.Props, s graph.Source) *graph.Edge {
		e := graph.Edge{Kind: graph.EdgeTransfer, From: "wallet:eth:0x00000000000000000000000000000000000000aa",
			To: "wallet:eth:0x00000000000000000000000000000000000000bb", TxHash: "0xabc", Amount: amount, Asset: "ETH", Time: at,
			Props: props, Sources: []graph.Source{s}}
		if err := graph.PrepareEdge(&e); err != nil {
			t.Fatal(err)
		}
		return &e
	}
	t1 := time.Date(2022, 3, 23, 0, 0, 0, 0, time.UTC)
	open := mk(1, t1, nil, graph.Source{Dataset: "etl", Confidence: 100})
	hidden := mk(9, t1.Add(-time.Hour), graph.Props{"note": "undercover buy"}, graph.Source{Dataset: "police", Agency: "police", Marking: graph.TLPAmberStrict})
	e, err := graph.MergeEdge(open, hidden)
	if err != nil {
		t.Fatal(err)
	}
	if e.Amount != 9 || !e.Time.Equal(t1.Add(-time.Hour)) {
		t.Fatalf("merged edge %+v", e)
	}
	got := Edge(Viewer{Agency: "fiu", User: "ann"}, e)
	js, _ := json.Marshal(got)
	if got.Amount != 1 || !got.Time.Equal(t1) || got.Props != nil || strings.Contains(string(js), "undercover") || len(got.Sources) != 1 {
		t.Fatalf("view of the edge %s", js)
	}
	if Edge(Viewer{Agency: "police"}, e) != e {
		t.Fatal("the police see every source and get the record")
	}
}

// A record read from a store written before claims gives a partial viewer
// the bare key, never a value some source may have given.
func TestRedactLegacy(t *testing.T) {
	n := persona(t)
	n.Claims = graph.LegacyNodeClaims(n)
	got := Node(Viewer{Agency: "fiu", User: "ann"}, n)
	if got.Label != n.Key || len(got.Aliases) != 0 || got.Props != nil || len(got.Sources) != 2 {
		t.Fatalf("legacy view %+v", got)
	}
	if part := Node(Viewer{Agency: "sanctions"}, n); part.Label != n.Key || part.Props != nil {
		t.Fatalf("the sanctions office's legacy view %+v", part)
	}
	if all := graph.ViewNode(n, func(graph.Source) bool { return true }); all != n || all.Label != "Jin Sung-Il" {
		t.Fatalf("a viewer of every source gets %+v", all)
	}
}
