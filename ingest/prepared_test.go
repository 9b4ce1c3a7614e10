package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
)

// records is a Source whose reader returns fixed records: a hostile
// format that hands the runner records with proofs that are not theirs.
type records []ingest.Record

func (r records) Name() string { return "hostile" }
func (r records) Size() int64  { return -1 }
func (r records) Open(context.Context) (ingest.Reader, error) {
	return &recordReader{recs: r}, nil
}

type recordReader struct {
	recs records
	i    int
}

func (r *recordReader) Next() (ingest.Record, error) {
	if r.i == len(r.recs) {
		return ingest.Record{}, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil
}

// TestPreparedProofIsChecked runs the real store through the runner with
// records that carry no proof, a forged (zero) one, or the proof of
// another record: each is validated by the store as Write validates it,
// and only the records that really are prepared pass unchecked.
func TestPreparedProofIsChecked(t *testing.T) {
	ctx := context.Background()
	s, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	srcs := func() []graph.Source { return []graph.Source{{Dataset: "t"}} }
	good := &graph.Node{Kind: graph.KindWallet, Key: "eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", Sources: srcs()}
	proof, err := graph.SealNode(good, nil)
	if err != nil {
		t.Fatal(err)
	}
	goodEdge := &graph.Edge{Kind: graph.EdgeTransfer, From: good.ID, To: good.ID, Sources: srcs()}
	edgeProof, err := graph.SealEdge(goodEdge, false, false)
	if err != nil {
		t.Fatal(err)
	}
	// Each bad record would be stored as it is if the store trusted it.
	badAddr := func() *graph.Node { // not hex: not an address
		return &graph.Node{Kind: graph.KindWallet, Key: "eth:0xnothex6053f3e94c9b9a09f33669435e7ef1beaed", Sources: srcs()}
	}
	noSources := &graph.Node{ID: "wallet:eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", Kind: graph.KindWallet,
		Key: "eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}
	badEdge := &graph.Edge{ID: "forged", Kind: graph.EdgeTransfer, From: good.ID, To: good.ID, Sources: srcs()}
	recs := records{
		{Node: good, Prepared: proof, Pos: ingest.Pos{File: "hostile", Line: 1}},
		{Node: badAddr(), Pos: ingest.Pos{File: "hostile", Line: 2}},
		{Node: badAddr(), Prepared: graph.Prepared{}, Pos: ingest.Pos{File: "hostile", Line: 3}},
		{Node: badAddr(), Prepared: proof, Pos: ingest.Pos{File: "hostile", Line: 4}},
		{Node: noSources, Prepared: proof, Pos: ingest.Pos{File: "hostile", Line: 5}},
		{Edge: badEdge, Prepared: edgeProof, Pos: ingest.Pos{File: "hostile", Line: 6}},
		{Edge: goodEdge, Prepared: edgeProof, Pos: ingest.Pos{File: "hostile", Line: 7}},
	}
	res, err := ingest.Run(ctx, s, []ingest.Source{recs}, opts(100))
	if err != nil {
		t.Fatal(err)
	}
	if res.Nodes.Created != 1 || res.Edges.Created != 1 || res.Rejected != 5 {
		t.Fatalf("want 1 node and 1 edge created, 5 rejected; got %+v\n%s", res, report(res))
	}
	for i, want := range []int{2, 3, 4, 5, 6} {
		if got := res.Report[i]; got.Pos.Line != want || graph.ErrorCode(got.Err) != graph.CodeInvalid {
			t.Errorf("rejection %d: want line %d INVALID, got %v", i, want, &got)
		}
	}
	if _, err := s.Edge(ctx, "forged"); err == nil {
		t.Error("an edge with a forged ID was stored")
	}
}
