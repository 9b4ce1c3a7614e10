package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

const (
	w1 = "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
	w2 = "wallet:eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"
)

func nodeLine(kind, key string) string {
	return fmt.Sprintf(`{"type":"node","kind":%q,"key":%q,"sources":[{"dataset":"t"}]}`, kind, key)
}

func edgeLine(kind, from, to string) string {
	return fmt.Sprintf(`{"type":"edge","kind":%q,"from":%q,"to":%q,"sources":[{"dataset":"t"}]}`, kind, from, to)
}

func src(name string, lines ...string) ingest.Source {
	return native.Bytes(name, []byte(strings.Join(lines, "\n")+"\n"))
}

// clock is a fake clock that advances by step on every reading.
type clock struct {
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func opts(batch int) ingest.Options {
	c := &clock{t: time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC), step: time.Millisecond}
	return ingest.Options{JobID: "job-1", BatchSize: batch, Now: c.now, Logger: slog.New(slog.DiscardHandler)}
}

func report(r ingest.Result) string {
	var b strings.Builder
	if err := r.WriteReport(&b); err != nil {
		panic(err)
	}
	return b.String()
}

// TestRunAnyOrder: edges written before their endpoints are deferred and
// linked at the end, whatever the file order and batch size.
func TestRunAnyOrder(t *testing.T) {
	edges := src("edges.jsonl",
		edgeLine("TRANSFER", w1, w2),
		edgeLine("ATTRIBUTED_TO", w2, "threat_group:lazarus-group"),
		edgeLine("TRANSFER", w2, w1),
	)
	nodes := src("nodes.jsonl",
		nodeLine("WALLET", strings.TrimPrefix(w1, "wallet:")),
		nodeLine("THREAT_GROUP", "lazarus-group"),
		nodeLine("WALLET", strings.TrimPrefix(w2, "wallet:")),
	)
	for _, tt := range []struct{ batch, deferred int }{{1, 3}, {2, 3}, {100, 0}} { // one batch: nodes go first
		t.Run(fmt.Sprint("batch ", tt.batch), func(t *testing.T) {
			w := newMemWriter()
			res, err := ingest.Run(context.Background(), w, []ingest.Source{edges, nodes}, opts(tt.batch))
			if err != nil {
				t.Fatal(err)
			}
			want := ingest.Result{Nodes: ingest.Counts{Created: 3}, Edges: ingest.Counts{Created: 3}, Records: 6, Deferred: tt.deferred}
			if res.Nodes != want.Nodes || res.Edges != want.Edges || res.Records != want.Records || res.Deferred != want.Deferred || res.Rejected != 0 {
				t.Errorf("result = %+v, want %+v", res, want)
			}
			if got := len(w.edgeIDs()); got != 3 {
				t.Errorf("store holds %d edges, want 3", got)
			}
		})
	}
}

// TestRunReport: every rejection, from the parser, from validation or from
// the store, is reported once with file, line and field, in input order,
// and the job goes on.
func TestRunReport(t *testing.T) {
	a := src("a.jsonl",
		"// comment",
		edgeLine("TRANSFER", w1, "wallet:eth:0x0000000000000000000000000000000000000001"), // dangles to the end
		`{"type":"node","kind":"WALET","key":"x","sources":[{"dataset":"t"}]}`,
		nodeLine("WALLET", strings.TrimPrefix(w1, "wallet:")),
		nodeLine("PERSON", "conflicted"),
	)
	b := src("b.jsonl",
		nodeLine("WALLET", strings.TrimPrefix(w2, "wallet:")),
		`{"type":"node","kind":"PERSON","key":"a","sourcs":[]}`,
		edgeLine("TRANSFER", w1, w2),
	)
	w := newMemWriter()
	w.reject = func(id string) error {
		if id == "person:conflicted" {
			return graph.Errorf(graph.CodeConflict, "person:conflicted is locked by a case")
		}
		return nil
	}
	res, err := ingest.Run(context.Background(), w, []ingest.Source{a, b}, opts(2))
	if err != nil {
		t.Fatal(err)
	}
	want := `a.jsonl:2: endpoint "wallet:eth:0x0000000000000000000000000000000000000001" not found
a.jsonl:3: field "kind": unknown node kind "WALET"
a.jsonl:5: person:conflicted is locked by a case
b.jsonl:2: field "sourcs": unknown field in a node record
`
	if got := report(res); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	if res.Rejected != 4 || res.Records != 7 || res.Nodes.Created != 2 || res.Edges.Created != 1 {
		t.Errorf("result = %+v", res)
	}
	if res.Report[0].ID == "" || res.Report[1].Field != "kind" {
		t.Errorf("report entries lack ID or field: %+v", res.Report[:2])
	}

	t.Run("capped", func(t *testing.T) {
		o := opts(2)
		o.MaxReport = 1
		res, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{a, b}, o)
		if err != nil {
			t.Fatal(err)
		}
		if got := report(res); res.Rejected != 3 || !strings.HasSuffix(got, "... and 2 more rejected records not listed\n") {
			t.Errorf("capped report (%d rejected):\n%s", res.Rejected, got)
		}
	})
}

// TestRunIdempotent: re-running identical input leaves the stored bytes
// unchanged and counts everything unchanged, keeping the first job in the
// sources.
func TestRunIdempotent(t *testing.T) {
	input := func() []ingest.Source {
		return []ingest.Source{src("f.jsonl",
			nodeLine("WALLET", strings.TrimPrefix(w1, "wallet:")),
			`{"type":"node","kind":"PERSON","key":"p","sources":[{"dataset":"t","job":"given"}]}`,
			nodeLine("WALLET", strings.TrimPrefix(w2, "wallet:")),
			edgeLine("TRANSFER", w1, w2),
		)}
	}
	run := func(w ingest.Writer, job string) ingest.Result {
		o := opts(2)
		o.JobID = job
		res, err := ingest.Run(context.Background(), w, input(), o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	mem := newMemWriter()
	w := mem
	first := run(w, "job-1")
	before := mem.snapshot()
	second := run(w, "job-2")
	if first.Nodes.Created != 3 || first.Edges.Created != 1 {
		t.Errorf("first run = %+v", first)
	}
	if second.Nodes != (ingest.Counts{Unchanged: 3}) || second.Edges != (ingest.Counts{Unchanged: 1}) {
		t.Errorf("rerun = nodes %+v edges %+v, want all unchanged", second.Nodes, second.Edges)
	}
	if after := mem.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rerun changed the store")
	}
	if got := mem.node(w1).Sources[0].Job; got != "job-1" {
		t.Errorf("job = %q, want the first job kept", got)
	}
	if got := mem.node("person:p").Sources[0].Job; got != "given" {
		t.Errorf("job = %q, want the record's own job kept", got)
	}

	// A changed source is a new assertion: it takes the new job.
	changed := []ingest.Source{src("f.jsonl", `{"type":"node","kind":"WALLET","key":"`+strings.TrimPrefix(w1, "wallet:")+`","sources":[{"dataset":"t","excerpt":"new"}]}`)}
	o := opts(2)
	o.JobID = "job-3"
	res, err := ingest.Run(context.Background(), w, changed, o)
	if err != nil || res.Nodes.Updated != 1 || mem.node(w1).Sources[0].Job != "job-3" {
		t.Errorf("changed source: %+v, %v, job %q", res.Nodes, err, mem.node(w1).Sources[0].Job)
	}
}

func TestRunBatches(t *testing.T) {
	var lines []string
	for i := range 7 {
		lines = append(lines, nodeLine("PERSON", fmt.Sprint("p", i)))
	}
	lines = append(lines, edgeLine("EMPLOYS", "person:p0", "person:p1"), edgeLine("EMPLOYS", "person:p1", "person:p2"))
	w := newMemWriter()
	if _, err := ingest.Run(context.Background(), w, []ingest.Source{src("f.jsonl", lines...)}, opts(4)); err != nil {
		t.Fatal(err)
	}
	var sizes []string
	for _, b := range w.batches {
		sizes = append(sizes, fmt.Sprintf("%d+%d", len(b.Nodes), len(b.Edges)))
	}
	if got := strings.Join(sizes, " "); got != "4+0 3+1 0+1" {
		t.Errorf("batches (nodes+edges) = %s, want 4+0 3+1 0+1", got)
	}
}

func TestRunStops(t *testing.T) {
	lines := []string{nodeLine("PERSON", "a"), nodeLine("PERSON", "b"), nodeLine("PERSON", "c"), nodeLine("PERSON", "d"), nodeLine("PERSON", "e")}

	t.Run("cancelled between batches", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := newMemWriter()
		w.onWrite = func(n int) error {
			if n == 1 {
				cancel() // while the second batch is being written
			}
			return nil
		}
		res, err := ingest.Run(ctx, w, []ingest.Source{src("f.jsonl", lines...)}, opts(2))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if len(w.batches) != 2 || res.Nodes.Created != 4 {
			t.Errorf("%d batches written, %d nodes counted; want 2 and 4", len(w.batches), res.Nodes.Created)
		}
	})
	t.Run("store error", func(t *testing.T) {
		w := newMemWriter()
		boom := errors.New("disk full")
		w.onWrite = func(n int) error { return boom }
		_, err := ingest.Run(context.Background(), w, []ingest.Source{src("f.jsonl", lines...)}, opts(2))
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "job-1") {
			t.Errorf("err = %v, want the store's error naming the job", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{native.File(filepath.Join(t.TempDir(), "nope.jsonl"))}, opts(2))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want not exist", err)
		}
	})
}

// TestRunFile reads a real file, checks the byte count and the progress
// callbacks.
func TestRunFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.jsonl")
	if err := os.WriteFile(path, demo.Data(), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []ingest.Progress
	o := opts(10)
	o.ProgressInterval = 5 * time.Millisecond // the fake clock ticks 1ms a reading
	o.Progress = func(p ingest.Progress) { got = append(got, p) }
	res, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{native.File(path)}, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 0 || res.Bytes != int64(len(demo.Data())) {
		t.Errorf("result = %s, %d bytes; report:\n%s", res.Summary(), res.Bytes, report(res))
	}
	if len(got) < 3 {
		t.Fatalf("%d progress reports, want several", len(got))
	}
	last := got[len(got)-1]
	if !last.Done || last.Phase != "done" || last.Records != res.Records || last.Bytes != last.TotalBytes || last.TotalBytes != res.Bytes {
		t.Errorf("last progress = %+v", last)
	}
	for i, p := range got[:len(got)-1] {
		if p.Done || p.File != path || p.Rate <= 0 || (i > 0 && p.Records < got[i-1].Records) {
			t.Errorf("progress %d = %+v", i, p)
		}
	}
}

func TestProgressLine(t *testing.T) {
	p := ingest.Progress{Records: 51200, Bytes: 3 << 20, TotalBytes: 6 << 20, Rate: 25600, ETA: 2 * time.Second, Rejected: 3}
	want := "[===============>              ]  50%  51,200 rec  3.0 MB/6.0 MB  25,600 rec/s  ETA 2s  3 rejected"
	if got := p.Line(120); got != want {
		t.Errorf("Line(120) =\n%q\nwant\n%q", got, want)
	}
	if got := p.Line(40); len(got) > 39 {
		t.Errorf("Line(40) is %d columns: %q", len(got), got)
	}
	unknown := ingest.Progress{Records: 10, Bytes: 2048, TotalBytes: -1, Rate: 5, ETA: -1}
	if got, want := unknown.Line(120), "10 rec  2.0 kB  5 rec/s"; got != want {
		t.Errorf("unknown size: %q, want %q", got, want)
	}
}

// TestBar: not on a terminal only the summary is printed.
func TestBar(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bar := ingest.NewBar(f)
	bar.Update(ingest.Progress{Records: 5, TotalBytes: -1, ETA: -1})
	bar.Update(ingest.Progress{JobID: "j", Records: 5, Done: true, Elapsed: time.Second, Nodes: ingest.Counts{Created: 5}})
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(f)
	want := "ingest j: 5 records in 1s (5 rec/s); nodes 5 created, 0 updated, 0 unchanged; edges 0 created, 0 updated, 0 unchanged; 0 rejected\n"
	if string(out) != want {
		t.Errorf("bar wrote %q, want %q", out, want)
	}
}

func TestNewJobID(t *testing.T) {
	now := time.Date(2024, 5, 3, 12, 15, 0, 0, time.FixedZone("CEST", 7200))
	a, b := ingest.NewJobID(now), ingest.NewJobID(now)
	if !regexp.MustCompile(`^20240503T101500\.000000Z-[0-9a-f]{6}$`).MatchString(a) || a == b {
		t.Errorf("job IDs %q, %q", a, b)
	}
}

// TestRunDemo loads the demo case twice: everything is written, nothing
// rejected, and the rerun changes nothing.
func TestRunDemo(t *testing.T) {
	mem := newMemWriter()
	w := mem
	first, err := ingest.Run(context.Background(), w, []ingest.Source{demo.Source()}, opts(0))
	if err != nil {
		t.Fatal(err)
	}
	if first.Rejected != 0 || first.Nodes.Created+first.Edges.Created != first.Records {
		t.Fatalf("demo: %s\n%s", first.Summary(), report(first))
	}
	second, err := ingest.Run(context.Background(), w, []ingest.Source{demo.Source()}, opts(0))
	if err != nil {
		t.Fatal(err)
	}
	if second.Nodes.Unchanged != first.Nodes.Created || second.Edges.Unchanged != first.Edges.Created {
		t.Errorf("demo rerun: %s", second.Summary())
	}
}

func BenchmarkRunDemo(b *testing.B) {
	data := demo.Data()
	records := bytes.Count(data, []byte(`{"type":`))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{demo.Source()}, ingest.Options{JobID: "bench", Logger: slog.New(slog.DiscardHandler)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}
