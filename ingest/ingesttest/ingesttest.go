// Package ingesttest holds the test harness the ingest format packages
// share: rendering what a reader yields, golden files, and loading sources
// into a real embedded store. Only tests import it.
package ingesttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Lines writes what r yields, one line per record or rejection, to out:
// "node POS json", "edge POS json" or "reject ERR". It stops at io.EOF
// (returning nil) or at the first error that is not a *ingest.RecordError,
// which it returns.
func Lines(out *bytes.Buffer, r ingest.Reader) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false) // keep edge IDs' '>' readable
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		var re *ingest.RecordError
		switch {
		case errors.As(err, &re):
			fmt.Fprintf(out, "reject %s\n", re)
		case err != nil:
			return err
		case rec.Price != nil:
			fmt.Fprintf(out, "price %s ", rec.Pos)
			if err := enc.Encode(rec.Price); err != nil {
				return err
			}
		case rec.Node != nil:
			fmt.Fprintf(out, "node %s ", rec.Pos)
			if err := enc.Encode(rec.Node); err != nil {
				return err
			}
		default:
			fmt.Fprintf(out, "edge %s ", rec.Pos)
			if err := enc.Encode(rec.Edge); err != nil {
				return err
			}
		}
	}
}

// Render returns what r yields as Lines does, failing t on a read error.
func Render(t testing.TB, r ingest.Reader) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Lines(&out, r); err != nil {
		t.Fatalf("read: %v", err)
	}
	return out.Bytes()
}

// Golden runs a subtest per file matching glob: render's output for the
// file must equal the file with its extension replaced by ".golden".
// With -update it rewrites the golden file first.
func Golden(t *testing.T, glob string, render func(t *testing.T, name string, data []byte) []byte) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, filepath.Base(f), data)
			Check(t, strings.TrimSuffix(f, filepath.Ext(f))+".golden", got)
		})
	}
}

// Check compares got with the golden file; with -update it writes got to
// the file first.
func Check(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update after checking):\n got:\n%s\nwant:\n%s", golden, got, want)
	}
}

// OpenStore opens an embedded store in a temporary directory, closed when
// the test ends.
func OpenStore(t testing.TB) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Load ingests sources into w through ingest.Run, failing t on an error.
func Load(t testing.TB, w ingest.Writer, opts ingest.Options, sources ...ingest.Source) ingest.Result {
	t.Helper()
	res, err := ingest.Run(t.Context(), w, sources, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Changed is how many nodes and edges a run created or updated: zero for a
// second run over the same sources.
func Changed(res ingest.Result) int {
	return res.Nodes.Created + res.Nodes.Updated + res.Edges.Created + res.Edges.Updated
}

// ReadAll returns every record and rejection r yields, failing t on a read
// error.
func ReadAll(t testing.TB, r ingest.Reader) ([]ingest.Record, []*ingest.RecordError) {
	t.Helper()
	var recs []ingest.Record
	var errs []*ingest.RecordError
	for {
		rec, err := r.Next()
		var re *ingest.RecordError
		switch {
		case err == io.EOF:
			return recs, errs
		case errors.As(err, &re):
			errs = append(errs, re)
		case err != nil:
			t.Fatalf("read: %v", err)
		default:
			recs = append(recs, rec)
		}
	}
}
