package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func sameAsCases() []suiteCase {
	return []suiteCase{{"SameAsCandidates", testSameAsCandidates}, {"SameAsPaging", testSameAsPaging}, {"SameAsCandidatesOf", testSameAsCandidatesOf}}
}

// Node IDs of the same-actor fixture.
const (
	saOFACLazarus  = "organization:ofac-sdn-27307"
	saOFACAndariel = "organization:ofac-sdn-27309"
	saOFACTornado  = "organization:ofac-sdn-39796"
	saOFACSinbad   = "organization:ofac-sdn-44437"
	saOFACPak      = "person:ofac-sdn-1001"
	saPak          = "person:pak-jin-hyok"
	saSinbad       = "service:sinbad.io"
	saTornado      = "service:tornado-cash"
	saAndariel     = "threat_group:andariel"
	saLazarus      = "threat_group:lazarus-group"
)

// saJudged is when the fixture's judgements were made.
var saJudged = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// sameAsFixture: actors named alike by different datasets, in mixed case,
// with accents, aliases and a domain for a name; one pair confirmed, one
// rejected; a vessel (names no actor), two domains of one name, a name
// shared by 21 entities (a hub), and a wallet labelled like a group (not an
// actor kind).
//
//	ofac  LAZARUS GROUP (Hidden Cobra, GUARDIANS OF PEACE)  ≟ stix  Lazarus Group (HIDDEN COBRA, Guardians of Peace)
//	ofac  ANDARIEL                                          = stix  Andariel             (confirmed)
//	ofac  SINBAD                                            ≟ tagpack sinbad.io          (domain)
//	ofac  TORNADO CASH                                      ≠ tagpack Tornado Cash       (rejected)
//	ofac  PAK, Jin Hyok                                     ≟ fbi   Pák Jin Hyok
//	ofac  MARLIN (vessel)  ·  tagpack Marlin;  ofac bitcoin.org  ·  tagpack bitcoin.com
//	d01…d21  Unknown Trading Company (hub)
func sameAsFixture() graph.Batch {
	ent := func(kind graph.NodeKind, key, label string, datasets []string, aliases ...string) graph.Node {
		n := graph.Node{Kind: kind, Key: key, Label: label, Aliases: aliases}
		for _, d := range datasets {
			n.Sources = append(n.Sources, graph.Source{Dataset: d, Record: key})
		}
		return n
	}
	ofac, stix, tp := []string{"ofac-csv:sdn.csv"}, []string{"stix:attack.json"}, []string{"tagpack:sinbad_io.yaml", "tagpack:actorpack.yaml"}
	vessel := ent(graph.KindOrganization, "ofac-sdn-33917", "MARLIN", ofac)
	vessel.Props = graph.Props{"sdnType": "vessel"}
	b := graph.Batch{Nodes: []graph.Node{
		ent(graph.KindOrganization, "ofac-sdn-27307", "LAZARUS GROUP", ofac, "Hidden Cobra", "GUARDIANS OF PEACE", "APPLEWORM"),
		ent(graph.KindThreatGroup, "lazarus-group", "Lazarus Group", stix, "HIDDEN COBRA", "Guardians of Peace"),
		ent(graph.KindOrganization, "ofac-sdn-27309", "ANDARIEL", ofac),
		ent(graph.KindThreatGroup, "andariel", "Andariel", stix),
		ent(graph.KindOrganization, "ofac-sdn-44437", "SINBAD", ofac),
		ent(graph.KindService, "sinbad.io", "sinbad.io", tp),
		ent(graph.KindOrganization, "ofac-sdn-39796", "TORNADO CASH", ofac),
		ent(graph.KindService, "tornado-cash", "Tornado Cash", []string{"tagpack:actorpack.yaml"}),
		ent(graph.KindPerson, "ofac-sdn-1001", "PAK, Jin Hyok", ofac),
		ent(graph.KindPerson, "pak-jin-hyok", "Pák Jin Hyok", []string{"fbi:wanted"}),
		vessel,
		ent(graph.KindOrganization, "marlin", "Marlin", []string{"tagpack:actorpack.yaml"}),
		ent(graph.KindService, "bitcoin.org", "bitcoin.org", ofac),
		ent(graph.KindService, "bitcoin.com", "bitcoin.com", []string{"tagpack:actorpack.yaml"}),
		{Kind: graph.KindWallet, Key: ethKey(0x501), Label: "Lazarus Group", Sources: src("tagpack:lazarus.yaml")},
	}}
	for i := 1; i <= investigate.SameAsNameHub+1; i++ {
		b.Nodes = append(b.Nodes, ent(graph.KindOrganization, fmt.Sprintf("hub-%02d", i), "Unknown Trading Company", []string{fmt.Sprintf("d%02d", i)}))
	}
	b.Edges = []graph.Edge{
		investigate.Judgement(saOFACAndariel, saAndariel, investigate.JudgementSame, "Analyst One", "OFAC names MITRE's group", saJudged),
		investigate.Judgement(saOFACTornado, saTornado, investigate.JudgementDifferent, "Analyst Two", "checked", saJudged.Add(time.Minute)),
	}
	return b
}

// sameAsWant is what every store answers on the fixture: pairs in (A, B)
// ID order, each with its datasets, its matches in folded order and the
// confirmation in force.
type sameAsWant struct {
	a, b       string
	datasetsA  []string
	datasetsB  []string
	matches    []investigate.NameMatch
	judgedSame bool
}

func sameAsWanted() []sameAsWant {
	ofac, stix := []string{"ofac-csv:sdn.csv"}, []string{"stix:attack.json"}
	return []sameAsWant{
		{saOFACLazarus, saLazarus, ofac, stix, []investigate.NameMatch{
			{A: "GUARDIANS OF PEACE", B: "Guardians of Peace", Folded: "guardians of peace"},
			{A: "Hidden Cobra", B: "HIDDEN COBRA", Folded: "hidden cobra"},
			{A: "LAZARUS GROUP", B: "Lazarus Group", Folded: "lazarus group"},
		}, false},
		{saOFACAndariel, saAndariel, ofac, stix, []investigate.NameMatch{{A: "ANDARIEL", B: "Andariel", Folded: "andariel"}}, true},
		{saOFACSinbad, saSinbad, ofac, []string{"tagpack:actorpack.yaml", "tagpack:sinbad_io.yaml"}, []investigate.NameMatch{{A: "SINBAD", B: "sinbad.io", Folded: "sinbad", Domain: true}}, false},
		{saOFACPak, saPak, ofac, []string{"fbi:wanted"}, []investigate.NameMatch{{A: "PAK, Jin Hyok", B: "Pák Jin Hyok", Folded: "pak jin hyok"}}, false},
	}
}

// testSameAsCandidates: one page holds every candidate with its evidence,
// in the same order on every store; the rejected pair, the vessel, the two
// domains and the hub are left out, the hub said.
func testSameAsCandidates(t *testing.T, e env) {
	write(t, e.s, sameAsFixture())
	res, err := investigate.SameAsCandidates(context.Background(), e.s, investigate.SameAsQuery{}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkSameAs(t, res.Candidates, sameAsWanted())
	if res.HasMore {
		t.Error("HasMore on a page that holds every candidate")
	}
	wantHub := fmt.Sprintf("1 names shared by more than %d entities were not matched on", investigate.SameAsNameHub)
	if !res.Truncated || !slices.Contains(res.Reasons, wantHub) {
		t.Errorf("truncation %+v, want the hub said: %q", res.Truncation, wantHub)
	}
	// Reading fewer entities than there are says so: in ID order the 21
	// hub entities, Marlin and OFAC's LAZARUS GROUP, whose partner is not read.
	res, err = investigate.SameAsCandidates(context.Background(), e.s, investigate.SameAsQuery{}, investigate.Limits{MaxVisited: 23})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Reasons, "only the first 23 entities were read") || len(res.Candidates) != 0 {
		t.Errorf("with 23 entities read: %d candidates, truncation %+v", len(res.Candidates), res.Truncation)
	}
}

// testSameAsPaging: pages of one and of three follow the cursor to the
// same sequence; a bad cursor is refused.
func testSameAsPaging(t *testing.T, e env) {
	write(t, e.s, sameAsFixture())
	ctx := context.Background()
	for _, size := range []int{1, 3} {
		var got []investigate.SameAsCandidate
		after := ""
		for pages := 0; ; pages++ {
			res, err := investigate.SameAsCandidates(ctx, e.s, investigate.SameAsQuery{First: size, After: after}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Candidates) > size || pages > 10 {
				t.Fatalf("page %d of %d: %d candidates", pages, size, len(res.Candidates))
			}
			got = append(got, res.Candidates...)
			if !res.HasMore {
				break
			}
			after = res.Candidates[len(res.Candidates)-1].Cursor
		}
		checkSameAs(t, got, sameAsWanted())
	}
	_, err := investigate.SameAsCandidates(ctx, e.s, investigate.SameAsQuery{After: "not a cursor"}, investigate.Limits{})
	wantCode(t, "a bad cursor", err, graph.CodeInvalid)
}

func checkSameAs(t *testing.T, got []investigate.SameAsCandidate, want []sameAsWant) {
	t.Helper()
	var ids, wantIDs []string
	for _, c := range got {
		ids = append(ids, c.A.ID+" ≟ "+c.B.ID)
	}
	for _, w := range want {
		wantIDs = append(wantIDs, w.a+" ≟ "+w.b)
	}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("candidates\n got %q\nwant %q", ids, wantIDs)
	}
	for i, w := range want {
		c := got[i]
		if !slices.Equal(c.DatasetsA, w.datasetsA) || !slices.Equal(c.DatasetsB, w.datasetsB) {
			t.Errorf("%s: datasets %v, %v; want %v, %v", ids[i], c.DatasetsA, c.DatasetsB, w.datasetsA, w.datasetsB)
		}
		if !slices.Equal(c.Matches, w.matches) {
			t.Errorf("%s: matches\n got %+v\nwant %+v", ids[i], c.Matches, w.matches)
		}
		switch j := c.Judgement; {
		case w.judgedSame && (j == nil || j.Decision != investigate.JudgementSame || j.By != "Analyst One" || !j.At.Equal(saJudged)):
			t.Errorf("%s: judgement %+v, want the confirmation by Analyst One at %s", ids[i], j, saJudged)
		case !w.judgedSame && j != nil:
			t.Errorf("%s: judgement %+v, want none", ids[i], j)
		}
	}
}

// testSameAsCandidatesOf: the candidates of a few entities, found through
// the store's search, are those of the whole list that hold one of them,
// from either side (SINBAD's namesake is the domain sinbad.io); other
// kinds, a vessel and a missing ID are passed over, and a hub name is said.
func testSameAsCandidatesOf(t *testing.T, e env) {
	write(t, e.s, sameAsFixture())
	ids := []string{saSinbad, saOFACSinbad, saOFACLazarus, saPak, saOFACTornado, "organization:ofac-sdn-33917", "organization:hub-01", W(0x501), "person:nobody"}
	// Many IDs (here padded with missing ones) are looked up by one scan
	// instead of a search each: the same answer.
	many := slices.Clone(ids)
	for i := range 300 {
		many = append(many, fmt.Sprintf("person:missing-%03d", i))
	}
	all := sameAsWanted()
	for _, ids := range [][]string{ids, many} {
		res, err := investigate.SameAsCandidatesOf(context.Background(), e.s, ids, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkSameAs(t, res.Candidates, []sameAsWant{all[0], all[2], all[3]})
		wantHub := fmt.Sprintf("1 names shared by more than %d entities were not matched on", investigate.SameAsNameHub)
		if !slices.Equal(res.Reasons, []string{wantHub}) {
			t.Errorf("%d IDs: truncation %+v, want only the hub said: %q", len(ids), res.Truncation, wantHub)
		}
	}
	res, err := investigate.SameAsCandidatesOf(context.Background(), e.s, []string{saAndariel}, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkSameAs(t, res.Candidates, all[1:2])
	if res.Truncated {
		t.Errorf("truncated without cause: %+v", res.Truncation)
	}
}
