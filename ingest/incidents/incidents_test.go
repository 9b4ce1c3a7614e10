package incidents_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/incidents"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
)

const realFile = "../../../shared/data/incidents/dprk-thefts-2017-2024.csv"

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.csv", func(t *testing.T, name string, data []byte) []byte {
		return ingesttest.Render(t, incidents.NewReader(bytes.NewReader(data), name))
	})
}

// TestRealFile reads the whole table: every row is an incident attributed
// to the umbrella group, and the famous amounts are parsed.
func TestRealFile(t *testing.T) {
	f, err := os.Open(realFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := incidents.NewReader(f, realFile)
	nodes := map[string]*graph.Node{}
	edges, rejected := 0, 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *ingest.RecordError
		switch {
		case errors.As(err, &re):
			rejected++
			t.Errorf("rejected: %v", re)
		case err != nil:
			t.Fatal(err)
		case rec.Node != nil:
			nodes[rec.Node.ID] = rec.Node
		default:
			edges++
			if rec.Edge.To != "threat_group:"+incidents.GroupKey || rec.Edge.Kind != graph.EdgeAttributedTo {
				t.Errorf("edge %s", rec.Edge.ID)
			}
		}
	}
	t.Logf("%s: %d nodes, %d edges, %d rejected", filepath.Base(realFile), len(nodes), edges, rejected)
	if len(nodes) != 85 || edges != 84 {
		t.Errorf("%d nodes and %d edges, want 84 incidents + the group and 84 attributions", len(nodes), edges)
	}
	for id, usd := range map[string]float64{"incident:ronin-bridge-2022": 625e6, "incident:harmony-horizon-bridge-2022": 100e6, "incident:youbit-2017": 5.3e6} {
		n := nodes[id]
		if n == nil {
			t.Errorf("%s missing", id)
			continue
		}
		if got := n.Props["usdStolen"]; got != usd {
			t.Errorf("%s usdStolen = %v, want %v", id, got, usd)
		}
		if n.Sources[0].Dataset != "incidents:dprk-thefts-2017-2024.csv" || n.Sources[0].Confidence != 50 {
			t.Errorf("%s source = %+v", id, n.Sources[0])
		}
	}
	if n := nodes["incident:wannacry-2017"]; n == nil || n.Props["usdStolen"] != nil {
		t.Errorf("Wannacry ($Unknown) = %+v, want no usdStolen", n)
	}
}

// FuzzParse: the reader never panics, ends, and yields only valid records
// or positioned rejections.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/excerpt.csv", "testdata/malformed.csv", realFile} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := incidents.NewReader(bytes.NewReader(data), "fuzz.csv")
		limit := 3*bytes.Count(data, []byte("\n")) + 4
		for i := 0; ; i++ {
			if i > limit {
				t.Fatal("more results than rows allow")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			if errors.As(err, &re) {
				if re.Pos.File != "fuzz.csv" || re.Err == nil {
					t.Fatalf("badly positioned rejection: %+v", re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			checkRecord(t, rec)
		}
	})
}

func checkRecord(t *testing.T, rec ingest.Record) {
	t.Helper()
	ingesttest.CheckRecord(t, rec)
}
