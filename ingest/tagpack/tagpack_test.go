package tagpack_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/tagpack"
)

const fixtureActors = "testdata/actors.actorpack.yaml"

// TestGolden reads every fixture with the fixture ActorPack, except
// noactorpack-*.yaml, read without one.
func TestGolden(t *testing.T) {
	actors, err := tagpack.ReadActorsFile(fixtureActors)
	if err != nil {
		t.Fatal(err)
	}
	if actors.Len() != 5 {
		t.Fatalf("fixture ActorPack has %d actors, want 5", actors.Len())
	}
	ingesttest.Golden(t, "testdata/*.yaml", func(t *testing.T, name string, data []byte) []byte {
		a := actors
		if strings.HasPrefix(name, "noactorpack-") {
			a = nil
		}
		return ingesttest.Render(t, tagpack.NewReader(bytes.NewReader(data), name, a))
	})
}

// TestActorKinds pins the category table (see FORMAT.md).
func TestActorKinds(t *testing.T) {
	data := `actors:
- {id: lazarusgroup, label: Lazarus Group, categories: [phishing, ransomware, sanction, service_hack]}
- {id: chatex, label: Chatex, categories: [service, defi, exchange, sanction]}
- {id: hydramarket, label: Hydra Market, categories: [dark_web, market]}
- {id: tornado, label: Tornado Cash, categories: [organization, mixing_service]}
- {id: lockbit, label: LockBit, categories: [ransomware]}
- {id: acme, label: Acme, categories: [organization]}
- {id: bare, label: Bare, categories: []}
`
	want := []string{"threat_group:lazarus-group", "service:chatex", "service:hydra-market", "service:tornado-cash",
		"threat_group:lockbit", "organization:acme", "organization:bare"}
	r := tagpack.NewReader(strings.NewReader(data), "a.yaml", nil)
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.Node.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("actors\n got %v\nwant %v", got, want)
	}
}

// confidenceTable is GraphSense's whole confidence table
// (graphsense-tagpack-tool src/tagpack/db/confidence.csv @ fcddd3ad), id → level.
var confidenceTable = []struct {
	level string
	want  int
}{
	{"override", 100}, {"ownership", 100}, {"ledger_immanent", 100}, {"manual_transaction", 90},
	{"service_api", 70}, {"forensic_investigation", 70}, {"authority_data", 60},
	{"trusted_provider", 50}, {"service_data", 50}, {"forensic", 50},
	{"untrusted_transaction", 40}, {"web_crawl", 20}, {"heuristic", 10}, {"unknown", 5},
}

// TestConfidenceLevels maps every level of the table, as a pack's header
// and as a tag's own field, plus an empty level, a number and odd spelling.
func TestConfidenceLevels(t *testing.T) {
	tests := append([]struct {
		level string
		want  int
	}{{"", 5}, {"75", 75}, {"100", 100}, {" Ledger_Immanent ", 100}}, confidenceTable...)
	for _, tc := range tests {
		for _, doc := range []string{
			"title: x\ncreator: y\ncurrency: BTC\nconfidence: '" + tc.level + "'\ntags:\n- address: 1MMJ2tWfzYZ2WBFL8hRsDMu2nyMe2m5Ake\n",
			"title: x\ncreator: y\ncurrency: BTC\nconfidence: unknown\ntags:\n- address: 1MMJ2tWfzYZ2WBFL8hRsDMu2nyMe2m5Ake\n  confidence: '" + tc.level + "'\n",
		} {
			rec, err := tagpack.NewReader(strings.NewReader(doc), "c.yaml", nil).Next()
			if err != nil {
				t.Fatalf("%q: %v", tc.level, err)
			}
			if got := rec.Node.Sources[0].Confidence; got != tc.want {
				t.Errorf("confidence %q → %d, want %d", tc.level, got, tc.want)
			}
		}
	}
}

// TestConfidenceRejected: a level outside the table, a number outside
// 0–100 or a number with a fraction is a positioned rejection naming the
// field, and the pack's other tags still load.
func TestConfidenceRejected(t *testing.T) {
	for _, level := range []string{"certain", "ledger-immanent", "forensic investigation", "101", "-1", "50.5", strings.Repeat("x", 10000)} {
		doc := "title: x\ncreator: y\ncurrency: BTC\ntags:\n- address: 1MMJ2tWfzYZ2WBFL8hRsDMu2nyMe2m5Ake\n  confidence: '" + level + "'\n- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n"
		r := tagpack.NewReader(strings.NewReader(doc), "c.yaml", nil)
		_, err := r.Next()
		var re *ingest.RecordError
		if !errors.As(err, &re) || !strings.Contains(re.Error(), "tags[0].confidence") {
			t.Errorf("%.20q: want a rejection naming tags[0].confidence, got %v", level, err)
		}
		if rec, err := r.Next(); err != nil || rec.Node.Sources[0].Confidence != 5 {
			t.Errorf("%.20q: the next tag: %v", level, err)
		}
	}
}

// TestConfidenceLevelsPack loads a pack in GraphSense's format whose tags
// use every level of the table (the header's ledger_immanent for the
// first) into the embedded store: nothing is rejected and each wallet
// carries its level.
func TestConfidenceLevelsPack(t *testing.T) {
	srcs, err := tagpack.Files(t.Context(), "testdata/confidence-levels.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := ingest.Run(t.Context(), st, srcs, ingest.Options{})
	if err != nil || res.Rejected != 0 {
		t.Fatalf("run: %v, %d rejected", err, res.Rejected)
	}
	if got := res.Nodes.Total(); got != len(confidenceTable)+1 {
		t.Fatalf("%d nodes, want %d", got, len(confidenceTable)+1)
	}
	// The fixture's tags: the header's ledger_immanent, then the table in order.
	want := append([]struct {
		level string
		want  int
	}{{"ledger_immanent", 100}}, confidenceTable...)
	data, err := os.ReadFile("testdata/confidence-levels.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := tagpack.NewReader(bytes.NewReader(data), "confidence-levels.yaml", nil)
	for i := 0; ; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			if i != len(want) {
				t.Errorf("%d tags in the fixture, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n, err := st.Node(t.Context(), rec.Node.ID)
		if err != nil {
			t.Fatalf("%s: %v", rec.Node.ID, err)
		}
		if i >= len(want) {
			t.Fatalf("more tags than levels: %s", n.ID)
		}
		lvl := want[i].want
		if n.Confidence != lvl || len(n.Sources) != 1 || n.Sources[0].Confidence != lvl {
			t.Errorf("%s (%s): confidence %d, sources %+v, want %d", n.ID, want[i].level, n.Confidence, n.Sources, lvl)
		}
	}
}

// FuzzParse: the reader never panics, ends, and yields only valid records
// or positioned rejections.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	actors, err := tagpack.ReadActorsFile(fixtureActors)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := tagpack.NewReader(bytes.NewReader(data), "fuzz.yaml", actors)
		for i := 0; ; i++ {
			if i > 4*len(data)+4 {
				t.Fatal("more results than the input allows")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			if errors.As(err, &re) {
				if re.Pos.File != "fuzz.yaml" || re.Err == nil {
					t.Fatalf("badly positioned rejection: %+v", re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			ingesttest.CheckRecord(t, rec)
		}
	})
}
