package ingest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// skipReader reads one PERSON key a line and skips, counting them, the
// lines "skip REASON", as STIX, etl-eth and etl-btc skip input on purpose.
type skipReader struct {
	br      *bufio.Reader
	name    string
	at      ingest.Position
	skipped map[string]int
}

func skipFormatAt(r io.Reader, name string, at ingest.Position) ingest.Reader {
	return &skipReader{br: bufio.NewReader(r), name: name, at: at, skipped: map[string]int{}}
}

func skipFormat(r io.Reader, name string) ingest.Reader {
	return skipFormatAt(r, name, ingest.Position{})
}

func (r *skipReader) Next() (ingest.Record, error) {
	for {
		l, err := r.br.ReadString('\n')
		if l == "" && err != nil {
			return ingest.Record{}, err
		}
		r.at.Offset += int64(len(l))
		r.at.Line++
		l = strings.TrimSpace(l)
		if reason, ok := strings.CutPrefix(l, "skip "); ok {
			r.skipped[reason]++
			continue
		}
		n := &graph.Node{Kind: graph.KindPerson, Key: l, Sources: []graph.Source{{Dataset: "skip-test"}}}
		return ingest.Record{Node: n, Pos: ingest.Pos{File: r.name, Line: r.at.Line}}, nil
	}
}

func (r *skipReader) Position() ingest.Position { return r.at }
func (r *skipReader) Skipped() map[string]int   { return maps.Clone(r.skipped) }

// TestSkippedCounts: skip counts of every source add up in the result, the
// progress and the summary, and a job crashed at any batch and resumed
// from its checkpoint ends with the counts of one never crashed, whether
// it seeks past what it did or reads its source again.
func TestSkippedCounts(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, lines := range [][]string{
		{"skip zero value", "a1", "a2", "skip zero value", "skip failed", "a3", "a4", "a5", "skip zero value"},
		{"b1", "skip failed", "b2", "skip contract creation", "b3", "skip failed"},
	} {
		p := filepath.Join(dir, fmt.Sprintf("in%d.txt", i))
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	want := map[string]int{"zero value": 3, "failed": 3, "contract creation": 1}
	formats := []struct {
		name string
		open func(string) ingest.Source
	}{
		{"seeking", func(p string) ingest.Source { return ingest.ResumableFile(p, skipFormatAt) }},
		{"re-reading", func(p string) ingest.Source { return ingest.File(p, skipFormat) }},
	}
	sources := func(open func(string) ingest.Source) []ingest.Source {
		return []ingest.Source{open(paths[0]), open(paths[1])}
	}

	var last ingest.Progress
	o := opts(2)
	o.Progress = func(p ingest.Progress) { last = p }
	clean, err := ingest.Run(context.Background(), newMemWriter(), sources(formats[0].open), o)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(clean.Skipped, want) || last.Skipped != 7 || clean.Records != 8 {
		t.Fatalf("clean run: skipped %v (progress %d), %d records; want %v, 7 and 8", clean.Skipped, last.Skipped, clean.Records, want)
	}
	if s := clean.Summary(); !strings.HasSuffix(s, "; 0 rejected; 7 skipped") {
		t.Errorf("summary %q does not end with the skipped count", s)
	}
	var b strings.Builder
	if err := clean.WriteSkipped(&b); err != nil {
		t.Fatal(err)
	}
	if got, w := b.String(), "skipped 3: failed\nskipped 3: zero value\nskipped 1: contract creation\n"; got != w {
		t.Errorf("WriteSkipped:\n%s\nwant:\n%s", got, w)
	}

	for _, f := range formats {
		for n := range 4 {
			t.Run(fmt.Sprintf("%s/crash at batch %d", f.name, n), func(t *testing.T) {
				w := &crashWriter{memWriter: newMemWriter(), n: n, after: true}
				o := opts(2)
				o.Checkpoint = filepath.Join(t.TempDir(), "job.ckpt")
				if _, err := ingest.Run(context.Background(), w, sources(f.open), o); !errors.Is(err, errCrash) {
					t.Fatalf("err = %v, want the crash", err)
				}
				w.n = -1
				got, err := ingest.Run(context.Background(), w, sources(f.open), o)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Resumed || !maps.Equal(got.Skipped, want) || got.Records != clean.Records {
					t.Errorf("resumed %v: skipped %v, %d records; want %v and %d", got.Resumed, got.Skipped, got.Records, want, clean.Records)
				}
			})
		}
	}
}
