package personas_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/personas"
)

// TestHugeCells: a cell of megabytes rejects its row, with its line and
// column and a reason that quotes at most an excerpt, whether the cell
// would be stored (the value limit), is quoted by the format's own
// rejection, or makes the row too long to read (the reader's bound, which
// keeps the lines of the rows after it right); the other rows load.
func TestHugeCells(t *testing.T) {
	mb := strings.Repeat("v", 4<<20)
	tooLong := strings.Repeat("long line\n", (ingest.MaxRecordBytes/10)+1000) // 16 MiB and more, over many lines
	data := "type,persona,name,note\n" +
		"persona,persona-a,Kenji Sato,short\n" + // 2
		"persona,persona-b,Big,\"" + mb + "\"\n" + // 3: stored as the source's excerpt
		mb + ",persona-c,,\n" + // 4: quoted by the format's rejection of the type
		"persona,persona-d,\"" + tooLong + "\",x\n" + // 5
		"persona,persona-e,Ok,short\n" // after the lines of row 5
	e := strings.Count(tooLong, "\n") + 6
	store := ingesttest.OpenStore(t)
	res := ingesttest.Load(t, store, ingest.Options{JobID: "j", MaxReport: -1}, personas.Bytes("p.csv", []byte(data)))
	want := []struct {
		line  int
		field string
		code  graph.Code
		in    string
	}{
		{3, "sources[0].excerpt", graph.CodeLimit, "the value is 4 MiB (4194304 bytes), over the limit of 64 KiB"},
		{4, "type", graph.CodeInvalid, "…\": want one of persona"},
		{5, "name", graph.CodeLimit, "the row is 16.0 MiB"},
	}
	if res.Rejected != len(want) {
		t.Fatalf("rejected %d: %v", res.Rejected, res.Report)
	}
	for i, w := range want {
		r := res.Report[i]
		if r.Pos.Line != w.line || r.Field != w.field || r.Code() != w.code || !strings.Contains(r.Reason(), w.in) {
			t.Errorf("rejection %d: %s (code %s), want line %d, field %q, %s: …%s…", i, r.Error(), r.Code(), w.line, w.field, w.code, w.in)
		}
		if len(r.Error()) > 400 {
			t.Errorf("rejection %d is %d bytes", i, len(r.Error()))
		}
	}
	var report strings.Builder
	if err := res.WriteReport(&report); err != nil || report.Len() > 1500 {
		t.Errorf("report of %d bytes (%v):\n%s", report.Len(), err, report.String())
	}
	t.Logf("report:\n%s", report.String())
	nodes, err := store.Nodes(context.Background(), []string{"person:persona-a", "person:persona-b", "person:persona-e"})
	if err != nil || nodes[0] == nil || nodes[1] != nil || nodes[2] == nil {
		t.Errorf("stored persona-a, persona-b, persona-e: %v, %v", nodes, err)
	}
	again := ingesttest.Load(t, store, ingest.Options{JobID: "j2"}, personas.Bytes("p.csv", []byte(data)))
	if again.Rejected != res.Rejected || ingesttest.Changed(again) != 0 || again.Records != res.Records {
		t.Errorf("second run: %d records, %d rejected, %d changed; want %d, %d, 0", again.Records, again.Rejected, ingesttest.Changed(again), res.Records, res.Rejected)
	}
	// The row after the long one is read at its own line.
	if rec, errs := readAll(t, "p.csv", []byte(data)); len(errs) != 2 || rec[len(rec)-1].Pos.Line != e {
		t.Errorf("last record at %s, want line %d (%d rejections)", rec[len(rec)-1].Pos, e, len(errs))
	}
}
