package investigate_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
)

// sharedData is the real public data (/work/shared/data, SOURCES.md), seen
// from the repository root as ../shared/data.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data not here (%v)", err)
	}
	return p
}

// TestSameAsCandidatesRealData loads MITRE ATT&CK's DPRK cut and the OFAC
// SDN list into the embedded store: MITRE's Lazarus Group threat group and
// OFAC's LAZARUS GROUP organization are proposed as one actor, with the
// shared aliases as evidence; a rejection takes the pair out of the next
// answer, and a confirmation shows with the candidate.
func TestSameAsCandidatesRealData(t *testing.T) {
	ctx := context.Background()
	s := storeWith(t, graph.Batch{})
	for _, f := range []struct{ format, path string }{
		{"stix", sharedData(t, "mitre-attack/dprk-enterprise-attack-v18.1.json")},
		{"ofac-csv", sharedData(t, "ofac/sdn-2024-05-03.csv")},
	} {
		format, _ := formats.Lookup(f.format)
		srcs, err := format.Sources(ctx, f.path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.Run(ctx, s, srcs, ingest.Options{}); err != nil {
			t.Fatalf("ingest %s: %v", f.path, err)
		}
	}
	const mitre, ofac = "threat_group:lazarus-group", "organization:ofac-sdn-27307" // OFAC SDN ent_num 27307
	find := func(res investigate.SameAsResult) *investigate.SameAsCandidate {
		for i, c := range res.Candidates {
			if c.A.ID == ofac && c.B.ID == mitre || c.A.ID == mitre && c.B.ID == ofac {
				return &res.Candidates[i]
			}
		}
		return nil
	}
	all := func() investigate.SameAsResult {
		t.Helper()
		var out investigate.SameAsResult
		after := ""
		for {
			res, err := investigate.SameAsCandidates(ctx, s, investigate.SameAsQuery{First: 50, After: after}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			out.Candidates = append(out.Candidates, res.Candidates...)
			if !res.HasMore {
				return out
			}
			after = res.Candidates[len(res.Candidates)-1].Cursor
		}
	}
	res := all()
	c := find(res)
	if c == nil {
		t.Fatalf("Lazarus Group ↔ LAZARUS GROUP not proposed among %d candidates", len(res.Candidates))
	}
	var folded []string
	for _, m := range c.Matches {
		folded = append(folded, m.Folded)
	}
	for _, want := range []string{"lazarus group", "hidden cobra", "guardians of peace"} {
		if !slices.Contains(folded, want) {
			t.Errorf("the evidence should include %q: %+v", want, c.Matches)
		}
	}
	if slices.Equal(c.DatasetsA, c.DatasetsB) || len(c.DatasetsA) == 0 || len(c.DatasetsB) == 0 {
		t.Errorf("the two should come from different datasets: %v, %v", c.DatasetsA, c.DatasetsB)
	}
	t.Logf("%d candidates; %s (%v) ↔ %s (%v): %+v", len(res.Candidates), c.A.Label, c.DatasetsA, c.B.Label, c.DatasetsB, c.Matches)
	seen := map[[2]string]bool{}
	for _, x := range res.Candidates {
		if x.A.ID >= x.B.ID || seen[[2]string{x.A.ID, x.B.ID}] {
			t.Fatalf("candidates out of order or repeated across pages at %s ↔ %s", x.A.ID, x.B.ID)
		}
		seen[[2]string{x.A.ID, x.B.ID}] = true
	}

	// A confirmation shows; a later rejection removes the pair.
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for i, d := range []investigate.JudgementDecision{investigate.JudgementSame, investigate.JudgementDifferent} {
		if _, err := s.Write(ctx, graph.Batch{Edges: []graph.Edge{investigate.Judgement(mitre, ofac, d, "analyst", "test", at.Add(time.Duration(i)*time.Minute))}}); err != nil {
			t.Fatal(err)
		}
		c := find(all())
		switch {
		case d == investigate.JudgementSame && (c == nil || c.Judgement == nil || c.Judgement.Decision != d):
			t.Fatalf("a confirmed pair should show its judgement: %+v", c)
		case d == investigate.JudgementDifferent && c != nil:
			t.Fatalf("a rejected pair is proposed again: %+v", c)
		}
	}
}

func TestFoldName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"LAZARUS GROUP", "lazarus group"},
		{"Lazarus Group", "lazarus group"},
		{"Chosun Expo Ltd.", "chosun expo"},
		{"KOREA SOBAEKSU TRADING COMPANY", "korea sobaeksu trading"},
		{"Pák Jin-Hyok", "pak jin hyok"},
		{"Tornado Cash", "tornado cash"},
		{"sinbad.io", "sinbad io"},
		{"Co", "co"[:0]},
		{"AB", ""},
	} {
		if got := investigate.FoldName(tt.in); got != tt.want {
			t.Errorf("FoldName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDomainName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"sinbad.io", "sinbad"},
		{"tornado.cash", "tornado"},
		{"https://www.Sinbad.io/", "sinbad"},
		{"hydra-market.co.uk", "hydra market"},
		{"BTC.com", ""},          // a ticker, not a name
		{"pool.binance.com", ""}, // a subdomain names a part of a site
		{"Tornado Cash", ""},
		{"sinbad", ""},
		{"sinbad.io/mixer", ""},
		{"blender.123", ""},
		{"-sinbad.io", ""},
	} {
		if got := investigate.DomainName(tt.in); got != tt.want {
			t.Errorf("DomainName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSameAsCandidatesRules: names fold (case, accents, suffixes), one
// dataset's entities are never paired, a person is not paired with an
// organization, pages follow the cursor, and bad arguments are refused.
func TestSameAsCandidatesRules(t *testing.T) {
	ctx := context.Background()
	ent := func(kind graph.NodeKind, key, label, dataset string, aliases ...string) graph.Node {
		return graph.Node{Kind: kind, Key: key, Label: label, Aliases: aliases, Sources: []graph.Source{{Dataset: dataset}}}
	}
	vessel := func(key, label string) graph.Node {
		n := ent(graph.KindOrganization, key, label, "ofac")
		n.Props = graph.Props{"sdnType": "vessel"}
		return n
	}
	s := storeWith(t, graph.Batch{Nodes: []graph.Node{
		ent(graph.KindOrganization, "chosun-expo-ofac", "CHOSUN EXPO LTD", "ofac"),
		ent(graph.KindService, "chosun-expo-tags", "Chosun Expo", "tagpack"),
		ent(graph.KindOrganization, "kim-trading-a", "Kim Trading", "ofac"),
		ent(graph.KindOrganization, "kim-trading-b", "KIM TRADING", "ofac"), // same dataset: not proposed
		ent(graph.KindPerson, "pak", "Pák Jin Hyok", "fbi"),
		ent(graph.KindOrganization, "pak-org", "Pak Jin Hyok", "ofac"), // a person and an organization: not proposed
		ent(graph.KindPerson, "pak-ofac", "PAK, Jin Hyok", "ofac", "Pak Jin Hyok"),
		ent(graph.KindThreatGroup, "tornado", "Tornado Cash", "stix"),
		ent(graph.KindService, "tornado-svc", "TORNADO CASH", "tagpack"),
		ent(graph.KindService, "sinbad-io", "sinbad.io", "tagpack"),
		ent(graph.KindOrganization, "sinbad", "SINBAD", "ofac"),
		ent(graph.KindService, "bitcoin-org", "bitcoin.org", "ofac"), // two domains of one name: not proposed
		ent(graph.KindService, "bitcoin-com", "bitcoin.com", "tagpack"),
		vessel("marlin-ofac", "MARLIN"), // a vessel names no actor: not proposed
		ent(graph.KindOrganization, "marlin", "Marlin", "tagpack"),
	}})
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		res, err := investigate.SameAsCandidates(ctx, s, investigate.SameAsQuery{First: 1, After: after}, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Candidates {
			got = append(got, c.A.ID+" = "+c.B.ID)
		}
		if !res.HasMore || pages > 8 {
			break
		}
		after = res.Candidates[len(res.Candidates)-1].Cursor
	}
	want := []string{
		"organization:chosun-expo-ofac = service:chosun-expo-tags",
		"organization:sinbad = service:sinbad-io",
		"person:pak = person:pak-ofac",
		"service:tornado-svc = threat_group:tornado",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("candidates, one a page:\n got %q\nwant %q", got, want)
	}
	for _, q := range []investigate.SameAsQuery{
		{First: investigate.MaxSameAsFirst + 1},
		{First: -1},
		{After: "!!"},
		{Kinds: []graph.NodeKind{"DRAGON"}},
	} {
		if _, err := investigate.SameAsCandidates(ctx, s, q, investigate.Limits{}); graph.ErrorCode(err) != graph.CodeInvalid {
			t.Errorf("%+v: %v, want INVALID_ARGUMENT", q, err)
		}
	}
}

// loadReal ingests real data files into s, one job a format.
func loadReal(t *testing.T, s *boltstore.Store, jobs ...realJob) {
	t.Helper()
	ctx := context.Background()
	for _, j := range jobs {
		format, _ := formats.Lookup(j.format)
		srcs, err := format.Sources(ctx, j.paths...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.Run(ctx, s, srcs, ingest.Options{}); err != nil {
			t.Fatalf("ingest %v: %v", j.paths, err)
		}
	}
}

type realJob struct {
	format string
	paths  []string
}

// allCandidates reads every page.
func allCandidates(t *testing.T, s investigate.SameAsStore) []investigate.SameAsCandidate {
	t.Helper()
	var out []investigate.SameAsCandidate
	after := ""
	for {
		res, err := investigate.SameAsCandidates(context.Background(), s, investigate.SameAsQuery{First: 50, After: after}, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Candidates...)
		if !res.HasMore {
			return out
		}
		after = res.Candidates[len(res.Candidates)-1].Cursor
	}
}

// TestSameAsCandidatesRealServices loads the OFAC SDN list and GraphSense's
// ActorPack with the sinbad.io and Tornado.cash TagPacks: GraphSense's
// sinbad.io service and OFAC's SINBAD are proposed on the domain's name
// (the legacy CSV gives SINBAD no alias), Tornado Cash and TORNADO CASH on
// the name; OFAC's vessels (MARLIN, STARK I f.k.a. SPARROW) are not paired
// with GraphSense's Marlin or Sparrow, nor BTC LLC with BTC.com.
func TestSameAsCandidatesRealServices(t *testing.T) {
	s := storeWith(t, graph.Batch{})
	loadReal(t, s,
		realJob{"ofac-csv", []string{sharedData(t, "ofac/sdn-2024-05-03.csv")}},
		realJob{"tagpack", []string{
			sharedData(t, "graphsense-tagpacks/actors/graphsense.actorpack.yaml"),
			sharedData(t, "graphsense-tagpacks/packs/sinbad_io.yaml"),
			sharedData(t, "graphsense-tagpacks/packs/tornado_cash.yaml"),
		}},
	)
	got := map[[2]string]investigate.SameAsCandidate{}
	for _, c := range allCandidates(t, s) {
		got[[2]string{c.A.ID, c.B.ID}] = c
	}
	for _, tt := range []struct {
		name, a, b string
		want       investigate.NameMatch
	}{
		{"sinbad", "organization:ofac-sdn-44437", "service:sinbad.io", investigate.NameMatch{A: "SINBAD", B: "sinbad.io", Folded: "sinbad", Domain: true}},
		{"tornado", "organization:ofac-sdn-39796", "service:tornado-cash", investigate.NameMatch{A: "TORNADO CASH", B: "Tornado Cash", Folded: "tornado cash"}},
	} {
		c, ok := got[[2]string{tt.a, tt.b}]
		switch {
		case !ok:
			t.Errorf("%s: %s ↔ %s not proposed among %d candidates", tt.name, tt.a, tt.b, len(got))
		case !slices.Contains(c.Matches, tt.want):
			t.Errorf("%s: the evidence should include %+v: %+v", tt.name, tt.want, c.Matches)
		case !slices.Contains(c.DatasetsA, "ofac-csv:sdn-2024-05-03.csv") || !slices.ContainsFunc(c.DatasetsB, func(d string) bool { return strings.HasPrefix(d, "tagpack:") }):
			t.Errorf("%s: each side should name its dataset: %v, %v", tt.name, c.DatasetsA, c.DatasetsB)
		default:
			t.Logf("%s (%v) ↔ %s (%v): %+v", c.A.Label, c.DatasetsA, c.B.Label, c.DatasetsB, c.Matches)
		}
	}
	for _, no := range [][2]string{
		{"organization:marlin", "organization:ofac-sdn-33917"}, // the vessel MARLIN
		{"organization:ofac-sdn-15082", "service:sparrow"},     // the tanker STARK I, f.k.a. SPARROW
		{"organization:ofac-sdn-36428", "service:btc.com"},     // BTC LLC and the pool BTC.com
	} {
		for _, id := range no {
			if _, err := s.Node(context.Background(), id); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
		}
		if c, ok := got[no]; ok {
			t.Errorf("%s ↔ %s should not be proposed: %+v", c.A.Label, c.B.Label, c.Matches)
		}
	}
	t.Logf("%d candidates", len(got))

	// As at the end of the TagPack job: the candidates of its actors, found
	// through search, are every candidate above (each holds a TagPack actor).
	var ids []string
	for after := ""; ; {
		page, err := s.ListNodes(context.Background(), graph.ListQuery{Kinds: investigate.SameAsKinds, After: after, Limit: graph.MaxListNodes})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page.Nodes {
			if strings.HasPrefix(n.Sources[0].Dataset, "tagpack:") {
				ids = append(ids, n.ID)
			}
		}
		if !page.HasMore {
			break
		}
		after = page.Nodes[len(page.Nodes)-1].ID
	}
	// Then as at the end of an OFAC job of those entries: found by search.
	var ofac []string
	for k := range got {
		ofac = append(ofac, k[0])
	}
	for _, ids := range [][]string{ids, ofac} {
		of, err := investigate.SameAsCandidatesOf(context.Background(), s, ids, investigate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(of.Candidates) != len(got) {
			t.Errorf("%d entities have %d candidates; the whole list has %d (%v)", len(ids), len(of.Candidates), len(got), of.Truncation)
		}
		for _, c := range of.Candidates {
			if w, ok := got[[2]string{c.A.ID, c.B.ID}]; !ok || !slices.Equal(w.Matches, c.Matches) {
				t.Errorf("%s ↔ %s: %+v; the whole list: %+v", c.A.ID, c.B.ID, c.Matches, w.Matches)
			}
		}
	}
}
