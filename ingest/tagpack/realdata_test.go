package tagpack_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/incidents"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/stix"
	"github.com/redthread-dev/redthread/ingest/tagpack"
)

const data = "../../../shared/data/"

const (
	lazarus     = "threat_group:lazarus-group"
	roninWallet = "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"
)

// realSources are every real file of the three formats: the ATT&CK cut,
// all TagPacks with the ActorPack, and the incidents table.
func realSources(t *testing.T) []ingest.Source {
	t.Helper()
	packs, err := filepath.Glob(data + "graphsense-tagpacks/packs/*.yaml")
	if err != nil || len(packs) != 16 {
		t.Fatalf("%d packs, %v", len(packs), err)
	}
	tp, err := tagpack.Files(context.Background(), append(packs, data+"graphsense-tagpacks/actors/graphsense.actorpack.yaml")...)
	if err != nil {
		t.Fatal(err)
	}
	srcs := []ingest.Source{stix.File(data + "mitre-attack/dprk-enterprise-attack-v18.1.json")}
	srcs = append(srcs, tp...)
	return append(srcs, incidents.File(data+"incidents/dprk-thefts-2017-2024.csv"))
}

// logCounts reads each source on its own and logs what it yields.
func logCounts(t *testing.T, srcs []ingest.Source) {
	t.Helper()
	for _, s := range srcs {
		r, err := s.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		loaded, rejected := 0, 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *ingest.RecordError
			switch {
			case errors.As(err, &re):
				rejected++
			case err != nil:
				t.Fatal(err)
			default:
				loaded++
			}
		}
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		t.Logf("%-45s %5d records, %d rejected", filepath.Base(s.Name()), loaded, rejected)
	}
}

// TestRealData ingests every real file of the three formats together into
// the embedded store: STIX and the TagPacks meet on one Lazarus Group node,
// the Ronin bridge exploiter is attributed to it, and a second run changes
// nothing.
func TestRealData(t *testing.T) {
	ctx := context.Background()
	srcs := realSources(t)
	logCounts(t, srcs)
	store := ingesttest.OpenStore(t)

	res := ingesttest.Load(t, store, ingest.Options{}, srcs...)
	t.Logf("first run: %d records, nodes %+v, edges %+v, %d rejected", res.Records, res.Nodes, res.Edges, res.Rejected)
	for _, re := range res.Report {
		t.Errorf("rejected: %v", &re)
	}

	laz, err := store.Node(ctx, lazarus)
	if err != nil {
		t.Fatal(err)
	}
	datasets := map[string]graph.Source{}
	for _, s := range laz.Sources {
		datasets[s.Dataset] = s
	}
	for _, d := range []string{"stix:dprk-enterprise-attack-v18.1.json", "tagpack:graphsense.actorpack.yaml", "tagpack:lazarus.yaml", "tagpack:lazarus2.yaml"} {
		if _, ok := datasets[d]; !ok {
			t.Errorf("Lazarus Group has no source from %s; sources %+v", d, laz.Sources)
		}
	}
	if u := datasets["stix:dprk-enterprise-attack-v18.1.json"].URL; u != "https://attack.mitre.org/groups/G0032" {
		t.Errorf("ATT&CK source URL = %q", u)
	}
	if laz.Label != "Lazarus Group" || !slices.Contains(laz.Aliases, "HIDDEN COBRA") || laz.Props["mitreId"] != "G0032" || laz.Props["graphsenseIds"] == nil {
		t.Errorf("Lazarus Group = %+v", laz)
	}

	attr, err := store.Edge(ctx, graph.EdgeID(graph.EdgeAttributedTo, roninWallet, lazarus, ""))
	if err != nil {
		t.Fatalf("Ronin bridge exploiter is not attributed to Lazarus Group: %v", err)
	}
	if attr.Sources[0].Dataset != "tagpack:lazarus.yaml" || attr.Confidence != 60 {
		t.Errorf("attribution = %+v", attr)
	}
	wallet, err := store.Node(ctx, roninWallet)
	if err != nil {
		t.Fatal(err)
	}
	if wallet.Label != "Ronin bridge exploiter" || len(wallet.Sources) != 2 {
		t.Errorf("Ronin wallet = %+v, want the exploiter label and sources from lazarus.yaml and ronin_bridge.yaml", wallet)
	}
	for _, id := range []string{
		graph.EdgeID(graph.EdgeAttributedTo, "incident:operation-dream-job", lazarus, ""),
		graph.EdgeID(graph.EdgeAttributedTo, "incident:ronin-bridge-2022", "threat_group:"+incidents.GroupKey, ""),
		graph.EdgeID(graph.EdgeControls, "service:tornado-cash", "wallet:eth:0x8589427373d6d84e98730d7795d8f6f8731fda16", ""),
	} {
		if _, err := store.Edge(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}

	again := ingesttest.Load(t, store, ingest.Options{}, srcs...)
	if ingesttest.Changed(again) != 0 || again.Rejected != 0 {
		t.Errorf("second run changed the store: nodes %+v, edges %+v, %d rejected", again.Nodes, again.Edges, again.Rejected)
	}
}

// TestMarkingsStored ingests the STIX 2.1 fixture: TLP markings reach the
// stored nodes, edges and sources.
func TestMarkingsStored(t *testing.T) {
	ctx := context.Background()
	store := ingesttest.OpenStore(t)
	ingesttest.Load(t, store, ingest.Options{}, stix.File("../stix/testdata/stix21-tlp.json"))
	n, err := store.Node(ctx, lazarus)
	if err != nil {
		t.Fatal(err)
	}
	if n.Marking != graph.TLPAmber || n.Sources[0].Marking != graph.TLPAmber {
		t.Errorf("Lazarus Group marking = %s, source %s; want TLP:AMBER", n.Marking, n.Sources[0].Marking)
	}
	e, err := store.Edge(ctx, graph.EdgeID(graph.EdgeAttributedTo, "identifier:domain:blockchain-jobs.example", lazarus, "indicates"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Marking != graph.TLPGreen {
		t.Errorf("indicates edge marking = %s, want TLP:GREEN", e.Marking)
	}
}
