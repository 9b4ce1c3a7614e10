package sameasjob_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
	"github.com/redthread-dev/redthread/ingest/sameasjob"
)

func openStore(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// realData is a file of the real public data (/work/shared/data, SOURCES.md).
func realData(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data not here (%v)", err)
	}
	return p
}

// job runs one ingest job of format through a Recorder, as the CLI and the
// job manager do, and reviews what it wrote.
func job(t *testing.T, s *boltstore.Store, format string, paths ...string) sameasjob.Summary {
	t.Helper()
	ctx := context.Background()
	f, _ := formats.Lookup(format)
	srcs, err := f.Sources(ctx, paths...)
	if err != nil {
		t.Fatal(err)
	}
	rec := sameasjob.Record(s)
	if _, err := ingest.Run(ctx, rec, srcs, ingest.Options{}); err != nil {
		t.Fatalf("ingest %v: %v", paths, err)
	}
	sum, err := sameasjob.Review(ctx, s, rec, investigate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestReviewRealData: MITRE ATT&CK is loaded, then the OFAC SDN list in a
// job whose report names OFAC's LAZARUS GROUP ↔ MITRE's Lazarus Group; a
// TagPack job then reports sinbad.io and Tornado Cash with OFAC's entries;
// a rejected pair leaves the next report, a confirmed one is not "to
// review"; nothing is merged.
func TestReviewRealData(t *testing.T) {
	s := openStore(t)
	if sum := job(t, s, "stix", realData(t, "mitre-attack/dprk-enterprise-attack-v18.1.json")); sum.Candidates != 0 {
		t.Fatalf("the first job has nothing to compare with: %+v", sum)
	}
	sum := job(t, s, "ofac-csv", realData(t, "ofac/sdn-2024-05-03.csv"))
	line := sum.String()
	t.Log(line)
	if line != "4 same-actor candidates to review (LAZARUS GROUP ↔ Lazarus Group, BLUENOROFF ↔ APT38, ANDARIEL ↔ Andariel, …)" || sum.Candidates != 4 || sum.Truncated {
		t.Errorf("the OFAC job's report: %+v\n%s", sum, line)
	}
	before, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tp := job(t, s, "tagpack", realData(t, "graphsense-tagpacks/packs/sinbad_io.yaml"), realData(t, "graphsense-tagpacks/packs/tornado_cash.yaml"))
	t.Log(tp.String())
	want := []sameasjob.Pair{
		{A: "organization:ofac-sdn-39796", B: "service:tornado.cash", LabelA: "TORNADO CASH", LabelB: "tornado.cash"},
		{A: "organization:ofac-sdn-44437", B: "service:sinbad.io", LabelA: "SINBAD", LabelB: "sinbad.io"},
	}
	if !slices.Equal(tp.Pairs, want) || tp.Unjudged != 2 {
		t.Errorf("the TagPack job's pairs:\n got %+v\nwant %+v", tp.Pairs, want)
	}
	after, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after.EdgesByKind[graph.EdgeSameAs] != before.EdgesByKind[graph.EdgeSameAs] {
		t.Errorf("a review wrote SAME_AS edges: %d, then %d", before.EdgesByKind[graph.EdgeSameAs], after.EdgesByKind[graph.EdgeSameAs])
	}

	// Judged: a rejection removes the pair, a confirmation keeps it out of "to review".
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	if _, err := s.Write(context.Background(), graph.Batch{Edges: []graph.Edge{
		investigate.Judgement(want[0].A, want[0].B, investigate.JudgementDifferent, "analyst", "the pack's old label", at),
		investigate.Judgement(want[1].A, want[1].B, investigate.JudgementSame, "analyst", "OFAC's website", at),
	}}); err != nil {
		t.Fatal(err)
	}
	again := job(t, s, "tagpack", realData(t, "graphsense-tagpacks/packs/sinbad_io.yaml"), realData(t, "graphsense-tagpacks/packs/tornado_cash.yaml"))
	if again.Candidates != 1 || again.Unjudged != 0 || again.String() != "" {
		t.Errorf("after the judgements: %+v %q", again, again.String())
	}
}

// TestRecorder: only accepted actor nodes are recorded, once each.
func TestRecorder(t *testing.T) {
	s := openStore(t)
	rec := sameasjob.Record(s)
	b := graph.Batch{Nodes: []graph.Node{
		{Kind: graph.KindOrganization, Key: "acme", Label: "ACME", Sources: []graph.Source{{Dataset: "a"}}},
		{Kind: graph.KindWallet, Key: "eth:0x0000000000000000000000000000000000000001", Sources: []graph.Source{{Dataset: "a"}}},
		{Kind: graph.KindPerson, Key: "", Label: "no key", Sources: []graph.Source{{Dataset: "a"}}},
		{Kind: graph.KindOrganization, Key: "acme", Label: "ACME", Sources: []graph.Source{{Dataset: "b"}}},
	}}
	if _, err := rec.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ids, over := rec.IDs()
	if !slices.Equal(ids, []string{"organization:acme"}) || over {
		t.Errorf("recorded %q (over %v), want the organization once", ids, over)
	}
}
