package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
	"github.com/redthread-dev/redthread/ingest/prices"
)

// TestStamp: a job's agency and user replace what the input claims on
// every source; its marking fills only unmarked sources; a format's own
// markings (public data's CLEAR) stay.
func TestStamp(t *testing.T) {
	lines := []string{
		// Unmarked, no agency: gets the job's marking.
		`{"type":"node","kind":"PERSON","key":"p1","sources":[{"dataset":"t"}]}`,
		// Claims another agency and is RED: the job's agency wins, RED stays.
		`{"type":"node","kind":"PERSON","key":"p2","sources":[{"dataset":"t","agency":"cyber","marking":"TLP:RED"},{"dataset":"u","marking":"TLP:CLEAR"}]}`,
		`{"type":"edge","kind":"EMPLOYS","from":"person:p1","to":"person:p2","sources":[{"dataset":"t","job":"older"}]}`,
	}
	w := newMemWriter()
	o := opts(10)
	o.Stamp = ingest.Stamp{Agency: "fiu", User: "u1", Marking: graph.TLPAmber}
	if _, err := ingest.Run(context.Background(), w, []ingest.Source{src("in.jsonl", lines...)}, o); err != nil {
		t.Fatal(err)
	}
	type want struct{ agency, user, marking, job string }
	check := func(what string, got []graph.Source, wants ...want) {
		t.Helper()
		if len(got) != len(wants) {
			t.Fatalf("%s: %d sources, want %d", what, len(got), len(wants))
		}
		for i, s := range got {
			if g := (want{s.Agency, s.User, string(s.Marking), s.Job}); g != wants[i] {
				t.Errorf("%s source %d: %+v, want %+v", what, i, g, wants[i])
			}
		}
	}
	check("unmarked", w.node("person:p1").Sources, want{"fiu", "u1", "TLP:AMBER", "job-1"})
	check("claimed", w.node("person:p2").Sources, want{"fiu", "u1", "TLP:RED", "job-1"}, want{"fiu", "u1", "TLP:CLEAR", "job-1"})
	ids := w.edgeIDs()
	if len(ids) != 1 {
		t.Fatalf("edges %v", ids)
	}
	var e graph.Edge
	if err := json.Unmarshal(w.edges[ids[0]], &e); err != nil {
		t.Fatal(err)
	}
	check("edge", e.Sources, want{"fiu", "u1", "TLP:AMBER", "older"})

	// A public dataset keeps its own CLEAR whatever the job's marking.
	pw := newMemWriter()
	p := filepath.Join(t.TempDir(), "prices.csv")
	if err := os.WriteFile(p, []byte("date,asset,usd_close\n2024-05-01,ETH,3000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o = opts(10)
	o.Stamp = ingest.Stamp{Agency: "fiu", User: "u1", Marking: graph.TLPRed}
	if _, err := ingest.Run(context.Background(), pw, []ingest.Source{prices.File(p)}, o); err != nil {
		t.Fatal(err)
	}
	var ps []graph.Price
	for _, b := range pw.batches {
		ps = append(ps, b.Prices...)
	}
	if len(ps) != 1 || ps[0].Source.Marking != graph.TLPClear || ps[0].Source.Agency != "fiu" || ps[0].Source.User != "u1" {
		t.Fatalf("prices: %+v", ps)
	}
}

func TestStampCheck(t *testing.T) {
	tests := []struct {
		stamp ingest.Stamp
		arg   string
	}{
		{ingest.Stamp{Agency: "Not A Slug"}, "agency"},
		{ingest.Stamp{Marking: "TLP:PURPLE"}, "marking"},
		{ingest.Stamp{User: strings.Repeat("u", 65)}, "user"},
	}
	for _, tt := range tests {
		_, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{native.Bytes("x", nil)}, ingest.Options{Stamp: tt.stamp})
		var ge *graph.Error
		if !errors.As(err, &ge) || ge.Code != graph.CodeInvalid || !strings.HasPrefix(graph.ErrorMessage(err), tt.arg) {
			t.Errorf("%+v: %v, want INVALID_ARGUMENT naming %s", tt.stamp, err, tt.arg)
		}
	}
	for in, want := range map[string]graph.Marking{"amber": graph.TLPAmber, "TLP:AMBER+STRICT": graph.TLPAmberStrict, "tlp:red": graph.TLPRed, "white": graph.TLPClear, "Green": graph.TLPGreen} {
		if got, err := ingest.ParseMarking(in); err != nil || got != want {
			t.Errorf("ParseMarking(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ingest.ParseMarking("purple"); graph.ErrorCode(err) != graph.CodeInvalid {
		t.Errorf("ParseMarking(purple): %v", err)
	}
}
