package graph

import "testing"

// TestPreparedBatchStamp checks that stamping a prepared record keeps it
// prepared (sources that now share a key merged, confidence and marking
// derived again) and that an unproven record's sources are copied, not
// changed under the reader that may share them.
func TestPreparedBatchStamp(t *testing.T) {
	shared := []Source{{Dataset: "d", Record: "r", Agency: "a", Confidence: 40, Marking: TLPClear}}
	two := &Node{Kind: KindPerson, Key: "x", Sources: []Source{
		{Dataset: "d", Record: "r", Agency: "a", Confidence: 40},
		{Dataset: "d", Record: "r", Agency: "b", Confidence: 90, Marking: TLPAmber}}}
	p, err := SealNode(two, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := &Node{ID: "person:y", Kind: KindPerson, Key: "y", Sources: shared}
	var b PreparedBatch
	b.AddNode(two, p)
	b.AddNode(other, p) // not its proof
	if !b.NodeSealed(0) || b.NodeSealed(1) {
		t.Fatalf("sealed: %v %v, want true false", b.NodeSealed(0), b.NodeSealed(1))
	}
	b.StampSources(func(s Source) Source { s.Agency, s.Job = "z", "j"; return s })
	ref := &Node{Kind: KindPerson, Key: "x", Sources: []Source{
		{Dataset: "d", Record: "r", Agency: "z", Job: "j", Confidence: 40},
		{Dataset: "d", Record: "r", Agency: "z", Job: "j", Confidence: 90, Marking: TLPAmber}}}
	if err := PrepareNode(ref); err != nil {
		t.Fatal(err)
	}
	if len(two.Sources) != len(ref.Sources) || two.Sources[0] != ref.Sources[0] || two.Confidence != ref.Confidence || two.Marking != ref.Marking {
		t.Errorf("stamped prepared node: %+v %d %s, want %+v %d %s", two.Sources, two.Confidence, two.Marking, ref.Sources, ref.Confidence, ref.Marking)
	}
	if shared[0].Agency != "a" || other.Sources[0].Agency != "z" {
		t.Errorf("unproven node: shared source %+v, own %+v", shared[0], other.Sources[0])
	}
	if got := b.Batch(); len(got.Nodes) != 2 || got.Nodes[0].ID != "person:x" {
		t.Errorf("Batch: %+v", got.Nodes)
	}
}
