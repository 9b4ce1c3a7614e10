package scenario_test

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest/prices"
	"github.com/redthread-dev/redthread/scenario"
)

// TestEverySourceIllustrative reads every file of a generated scenario
// through its format's reader: every node and edge, in every format, cites
// only illustrative sources, so a generated fact attached to a real entity
// (a designation of Lazarus Group) never passes for a real one.
func TestEverySourceIllustrative(t *testing.T) {
	dir, _ := generate(t, 5)
	for _, src := range append(scenario.Sources(dir), prices.File(filepath.Join(dir, scenario.PricesFile))) {
		r, err := src.Open(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", src.Name(), err)
			}
			var ss []graph.Source
			var what string
			switch {
			case rec.Node != nil:
				ss, what = rec.Node.Sources, rec.Node.ID
			case rec.Edge != nil:
				ss, what = rec.Edge.Sources, rec.Edge.ID
			case rec.Price != nil:
				ss, what = []graph.Source{rec.Price.Source}, rec.Price.Key().String()
				if !strings.HasPrefix(rec.Price.Source.Excerpt, "illustrative: ") {
					t.Fatalf("%s: %s's source does not name itself illustrative: %q", src.Name(), what, rec.Price.Source.Excerpt)
				}
			}
			if len(ss) == 0 {
				t.Fatalf("%s: %s has no source", src.Name(), what)
			}
			for _, s := range ss {
				if !s.Illustrative {
					t.Fatalf("%s: %s cites %s/%s, not marked illustrative", src.Name(), what, s.Dataset, s.Record)
				}
			}
			n++
		}
		if c, ok := r.(io.Closer); ok {
			_ = c.Close()
		}
		if n == 0 {
			t.Errorf("%s: no records", src.Name())
		}
	}
}
