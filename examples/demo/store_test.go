package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// bad is a second input with malformed lines, loaded with the demo.
const bad = `// two bad lines and a good one
{"type":"node","kind":"WALET","key":"eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","sources":[{"dataset":"x"}]}
{"type":"edge","kind":"TRANSFER","from":"wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","to":"wallet:eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359","sources":[{"dataset":"x"}]}
{"type":"edge","kind":"ASSOCIATED_WITH","from":"threat_group:lazarus-group","to":"organization:reconnaissance-general-bureau","props":{"relation":"test"},"sources":[{"dataset":"x"}]}
`

// TestDemoInStore loads the demo case into the real embedded store twice:
// the rerun leaves it unchanged, the malformed lines are reported, and the
// queries the demo exists for find what they should.
func TestDemoInStore(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	sources := func() []ingest.Source {
		// bad.jsonl first: its good edge needs nodes the demo loads later.
		return []ingest.Source{native.Bytes("bad.jsonl", []byte(bad)), demo.Source()}
	}
	opts := ingest.Options{BatchSize: 40, Logger: slog.New(slog.DiscardHandler)}
	first, err := ingest.Run(ctx, st, sources(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var rep strings.Builder
	if err := first.WriteReport(&rep); err != nil {
		t.Fatal(err)
	}
	// The dangling edge's reason is the store's own message.
	lines := strings.Split(strings.TrimSpace(rep.String()), "\n")
	if len(lines) != 2 || lines[0] != `bad.jsonl:2: field "kind": unknown node kind "WALET"` ||
		!strings.HasPrefix(lines[1], "bad.jsonl:3: ") || !strings.Contains(lines[1], `"wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"`) {
		t.Errorf("report:\n%s", rep.String())
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if int(stats.Nodes) != first.Nodes.Created || int(stats.Edges) != first.Edges.Created || first.Deferred == 0 {
		t.Errorf("stats %d nodes %d edges; job %s, %d deferred", stats.Nodes, stats.Edges, first.Summary(), first.Deferred)
	}
	t.Log(first.Summary())

	second, err := ingest.Run(ctx, st, sources(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if second.Nodes != (ingest.Counts{Unchanged: first.Nodes.Created}) || second.Edges != (ingest.Counts{Unchanged: first.Edges.Created}) || second.Rejected != 2 {
		t.Errorf("rerun: %s", second.Summary())
	}
	again, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stats, again) {
		t.Errorf("stats changed on rerun: %+v → %+v", stats, again)
	}
	n, err := st.Node(ctx, lazarus)
	if err != nil || n.Sources[0].Job != first.JobID {
		t.Errorf("Lazarus: %v; want the first job %s kept", err, first.JobID)
	}

	for _, tt := range []struct {
		text, want string
		kind       graph.NodeKind
	}{{"Lazarus", lazarus, graph.KindThreatGroup}, {"Russian", exchange, graph.KindService}} {
		res, err := st.Search(ctx, graph.SearchQuery{Text: tt.text})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(res.Hits, func(h graph.SearchHit) bool { return h.Node.ID == tt.want && h.Node.Kind == tt.kind }) {
			t.Errorf("search %q does not find %s", tt.text, tt.want)
		}
	}

	p, err := st.ShortestPath(ctx, graph.PathQuery{From: lazarus, To: exchange, Direction: graph.Both, MaxHops: graph.DefaultLimits().MaxHops})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Lazarus → exchange (%d hops): %s", p.Length(), describePath(p))
	kinds := map[graph.EdgeKind]bool{}
	for _, e := range p.Edges {
		kinds[e.Kind] = true
	}
	if p.Length() == 0 || !kinds[graph.EdgeStole] || !kinds[graph.EdgeTransfer] || p.Edges[len(p.Edges)-1].Kind != graph.EdgeDepositedAt {
		t.Errorf("Lazarus → exchange does not follow the laundering route: %s", describePath(p))
	}
	persona := "person:illustrative-it-worker-persona-a"
	p, err = st.ShortestPath(ctx, graph.PathQuery{From: persona, To: laosCo, Direction: graph.Both})
	if err != nil || p.Length() == 0 {
		t.Fatalf("persona → Laos company: %v, %d hops", err, p.Length())
	}
	t.Logf("persona A → Laos company (%d hops): %s", p.Length(), describePath(p))
}

func describePath(p graph.Path) string {
	if len(p.Nodes) == 0 {
		return "(none)"
	}
	var b strings.Builder
	b.WriteString(p.Nodes[0].ID)
	for i, e := range p.Edges {
		arrow := fmt.Sprintf(" -%s-> ", e.Kind)
		if e.To == p.Nodes[i].ID {
			arrow = fmt.Sprintf(" <-%s- ", e.Kind)
		}
		b.WriteString(arrow + p.Nodes[i+1].ID)
	}
	return b.String()
}

// BenchmarkIngestDemo loads the demo case into a fresh embedded store
// (fsync on every batch's commit included).
func BenchmarkIngestDemo(b *testing.B) {
	ctx := context.Background()
	opts := ingest.Options{JobID: "bench", Logger: slog.New(slog.DiscardHandler)}
	records := 0
	for b.Loop() {
		b.StopTimer()
		st, err := boltstore.Open(ctx, b.TempDir(), boltstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := ingest.Run(ctx, st, []ingest.Source{demo.Source()}, opts)
		if err != nil || res.Rejected > 0 {
			b.Fatal(err, res.Summary())
		}
		records += res.Records
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
