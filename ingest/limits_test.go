package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456789…"},
		{"ééééé", 3, "é…"}, // never cuts a character
	}
	for _, tt := range tests {
		if got := ingest.Excerpt(tt.in, tt.n); got != tt.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestBoundReason(t *testing.T) {
	big := strings.Repeat("x", 4<<20)
	tests := []struct {
		name, in string
		want     string // "" checks only the bounds
	}{
		{"short kept", `"abc": want one of x, y`, `"abc": want one of x, y`},
		{"long quoted value cut, message kept", fmt.Sprintf("%q: want one of persona, wallet", big),
			`"` + strings.Repeat("x", ingest.MaxExcerpt) + `…": want one of persona, wallet`},
		{"two values", fmt.Sprintf("%q is not %q", big, big),
			`"` + strings.Repeat("x", ingest.MaxExcerpt) + `…" is not "` + strings.Repeat("x", ingest.MaxExcerpt) + `…"`},
		{"escapes kept whole", fmt.Sprintf("%q ok", `a"b`), `"a\"b" ok`},
		{"unquoted value cut", "bad value " + big, ""},
		{"unclosed quote", `bad "` + big, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ingest.BoundReason(tt.in)
			if tt.want != "" && got != tt.want {
				t.Errorf("got %q\nwant %q", ingest.Excerpt(got, 300), ingest.Excerpt(tt.want, 300))
			}
			if len(got) > 520 {
				t.Errorf("reason of %d bytes", len(got))
			}
		})
	}
}

// TestRunValueLimit: a record holding a value over the limit is rejected
// with its position, field and a LIMIT_EXCEEDED reason giving the size and
// the limit, and is not written; the records around it are.
func TestRunValueLimit(t *testing.T) {
	mb := strings.Repeat("v", 4<<20)
	var names []string
	for i := range 2000 {
		names = append(names, fmt.Sprintf("alias number %d, of some forty bytes or so", i))
	}
	aliases, _ := json.Marshal(names)
	list, _ := json.Marshal(strings.Split(strings.Repeat("x|", 40000), "|"))
	node := func(extra string) string {
		return `{"type":"node","kind":"PERSON","key":"big","sources":[{"dataset":"t"}]` + extra + `}`
	}
	tests := []struct {
		name, line string
		max        int
		field      string // "" accepted
	}{
		{"label", node(`,"label":"` + mb + `"`), 0, "label"},
		{"property", node(`,"props":{"a":1,"note":"` + mb + `"}`), 0, "props.note"},
		{"long list property", node(`,"props":{"list":` + string(list) + `}`), 0, "props.list"},
		{"nested property", node(`,"props":{"meta":{"deep":["` + mb + `"]}}`), 0, "props.meta"},
		{"aliases together", node(`,"aliases":` + string(aliases)), 0, "aliases"},
		{"key and so id", strings.Replace(node(""), `"big"`, `"`+strings.Repeat("k", 70<<10)+`"`, 1), 0, "id"},
		{"source excerpt", `{"type":"node","kind":"PERSON","key":"big","sources":[{"dataset":"t","excerpt":"` + mb + `"}]}`, 0, "sources[0].excerpt"},
		{"edge property", `{"type":"edge","kind":"ASSOCIATED_WITH","from":"person:a","to":"person:b","props":{"note":"` + mb + `"},"sources":[{"dataset":"t"}]}`, 0, "props.note"},
		{"a lower limit", node(`,"label":"` + strings.Repeat("l", 2000) + `"`), 1 << 10, "label"},
		{"at the limit", node(`,"label":"` + strings.Repeat("l", 1<<10) + `"`), 1 << 10, ""},
		{"no limit", node(`,"label":"` + mb + `"`), -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := src("v.jsonl", nodeLine("PERSON", "a"), tt.line, nodeLine("PERSON", "b"))
			o := opts(2)
			o.MaxValueBytes = tt.max
			w := newMemWriter()
			res, err := ingest.Run(context.Background(), w, []ingest.Source{s}, o)
			if err != nil {
				t.Fatal(err)
			}
			if tt.field == "" {
				if res.Rejected != 0 {
					t.Fatalf("rejected: %s", report(res))
				}
				return
			}
			if res.Rejected != 1 || len(res.Report) != 1 {
				t.Fatalf("rejected %d: %s", res.Rejected, ingest.Excerpt(report(res), 2000))
			}
			e := res.Report[0]
			limit := ingest.FormatBytes(int64(tt.max))
			if tt.max == 0 {
				limit = "64 KiB"
			}
			if e.Pos.String() != "v.jsonl:2" || e.Field != tt.field || e.Code() != graph.CodeLimit ||
				!strings.Contains(e.Reason(), "over the limit of "+limit) || !strings.Contains(e.Reason(), "bytes") {
				t.Errorf("rejection %s (code %s)", e.Error(), e.Code())
			}
			if len(e.Error()) > 400 {
				t.Errorf("rejection of %d bytes", len(e.Error()))
			}
			if _, ok := w.nodes["person:a"]; !ok || len(w.nodes) != 2 {
				t.Errorf("stored %d nodes, want person:a and person:b", len(w.nodes))
			}
		})
	}
}

// hugeErrors is a format whose rejections quote and wrap huge values.
type hugeErrors struct{ n int }

func (h *hugeErrors) Next() (ingest.Record, error) {
	big := strings.Repeat("z", 3<<20)
	h.n++
	pos := ingest.Pos{File: "h", Line: h.n}
	switch h.n {
	case 1:
		return ingest.Record{}, &ingest.RecordError{Pos: pos, ID: big, Field: big, Err: fmt.Errorf("%q: want one of a, b", big)}
	case 2:
		return ingest.Record{}, &ingest.RecordError{Pos: pos, Err: graph.WrapError(graph.CodeConflict, errors.New(big), "locked")}
	case 3:
		return ingest.Record{}, &ingest.RecordError{Pos: pos, Err: errors.New("unquoted " + big)}
	}
	return ingest.Record{}, io.EOF
}

// TestRunBoundsReport: whatever a format puts in a rejection, the report
// keeps an excerpt of it, with its code.
func TestRunBoundsReport(t *testing.T) {
	s := ingest.Bytes("h", nil, func(io.Reader, string) ingest.Reader { return &hugeErrors{} })
	res, err := ingest.Run(context.Background(), newMemWriter(), []ingest.Source{s}, opts(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report) != 3 {
		t.Fatalf("report: %d entries", len(res.Report))
	}
	want := []graph.Code{graph.CodeInvalid, graph.CodeConflict, graph.CodeInvalid}
	for i, e := range res.Report {
		if n := len(e.ID) + len(e.Field) + len(e.Reason()); n > 800 {
			t.Errorf("entry %d keeps %d bytes", i, n)
		}
		if e.Code() != want[i] {
			t.Errorf("entry %d: code %s, want %s", i, e.Code(), want[i])
		}
		var ge *graph.Error
		if !errors.As(e.Err, &ge) || ge.Err != nil {
			t.Errorf("entry %d keeps its cause: %#v", i, e.Err)
		}
	}
	if r := res.Report[0].Reason(); !strings.HasSuffix(r, `…": want one of a, b`) {
		t.Errorf("reason %q", r)
	}
	if r := report(res); len(r) > 2000 {
		t.Errorf("report of %d bytes", len(r))
	}
}

func TestBudgetReader(t *testing.T) {
	b := ingest.NewBudgetReader(strings.NewReader(strings.Repeat("a", 100)), 30, "the object")
	buf := make([]byte, 100)
	if n, err := b.Read(buf); n != 30 || err != nil {
		t.Fatalf("first read: %d, %v", n, err)
	}
	if _, err := b.Read(buf); !ingest.IsTooLarge(err) || !strings.Contains(err.Error(), "the object is larger than 30 B") {
		t.Fatalf("over budget: %v", err)
	}
	b.Reset()
	if n, err := io.ReadFull(b, buf[:30]); n != 30 || err != nil {
		t.Fatalf("after Reset: %d, %v", n, err)
	}
}
