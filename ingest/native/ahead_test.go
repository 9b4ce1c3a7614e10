package native_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// TestReadAhead reads files longer than a read-ahead chunk (by lines and by
// bytes) holding comments, blank lines, over-long lines, bad lines and a
// bad endpoint met again and again, and checks every record, rejection and
// position after it against the file's own lines: parsing ahead on several
// goroutines returns what reading line by line would, in order.
func TestReadAhead(t *testing.T) {
	big := `{"type":"node","kind":"PERSON","key":"big","label":"` + strings.Repeat("x", 1<<20) + `",` + src + `}`
	tests := []struct {
		name  string
		lines int
		line  func(i int) string
	}{
		{"many small lines", 5000, func(i int) string {
			switch {
			case i%997 == 0:
				return "// a comment"
			case i%991 == 0:
				return ""
			case i%13 == 0: // the same endpoints, in upper case: normalised each time, valid or not
				to := "wallet:eth:0xnothex"
				if i%26 == 13 {
					to = w2
				}
				return fmt.Sprintf(`{"type":"edge","kind":"TRANSFER","from":"wallet:eth:0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED","to":%q,"key":"u%d",%s}`, to, i, src)
			case i%17 == 0:
				return `{"type":"node","kind":"PERSON","key":"p",` + src + `,"bad"}`
			case i%7 == 0:
				return fmt.Sprintf(`{"type":"edge","kind":"TRANSFER","from":%q,"to":%q,"key":"k%d",%s}`, w1, w2, i, src)
			}
			return fmt.Sprintf(`{"type":"node","kind":"PERSON","key":"p%d",%s}`, i, src)
		}},
		{"lines over the chunk's bytes and over the limit", 40, func(i int) string {
			switch i % 5 {
			case 0:
				return big
			case 3:
				return `{"type":"node","kind":"PERSON","key":"` + strings.Repeat("y", native.MaxLineBytes) + `"}`
			}
			return fmt.Sprintf(`{"type":"node","kind":"PERSON","key":"p%d",%s}`, i, src)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			for i := range tc.lines {
				buf.WriteString(tc.line(i) + "\n")
			}
			data := buf.Bytes()
			// The reference: each record's line and where the next line starts.
			type want struct {
				line   int
				offset int64
			}
			var wants []want
			off := int64(0)
			for i, l := range strings.SplitAfter(string(data), "\n") {
				off += int64(len(l))
				if s := strings.TrimSpace(l); s != "" && !strings.HasPrefix(s, "//") {
					wants = append(wants, want{i + 1, off})
				}
			}
			r := native.NewReader(bytes.NewReader(data), "f.jsonl")
			rejected := 0
			for n := 0; ; n++ {
				rec, err := r.Next()
				if err == io.EOF {
					if n != len(wants) {
						t.Fatalf("%d records, want %d", n, len(wants))
					}
					break
				}
				if n >= len(wants) {
					t.Fatalf("record %d beyond the file's %d", n+1, len(wants))
				}
				w := wants[n]
				var rerr *ingest.RecordError
				switch {
				case errors.As(err, &rerr):
					rejected++
					if rerr.Pos.Line != w.line {
						t.Fatalf("rejection %v at line %d, want %d", rerr, rerr.Pos.Line, w.line)
					}
					if want := tc.line(w.line - 1); strings.Contains(want, "0xnothex") && rerr.Field != "to" {
						t.Fatalf("line %d: rejection %v, want one of field \"to\"", w.line, rerr)
					}
				case err != nil:
					t.Fatal(err)
				case rec.Pos.Line != w.line:
					t.Fatalf("record at line %d, want %d", rec.Pos.Line, w.line)
				case rec.Edge != nil && rec.Edge.From != w1:
					t.Fatalf("line %d: from %s, want %s", w.line, rec.Edge.From, w1)
				}
				if p := r.Position(); p.Line != w.line || p.Offset != w.offset {
					t.Fatalf("after line %d: position %+v, want line %d offset %d", w.line, p, w.line, w.offset)
				}
			}
			if rejected == 0 {
				t.Fatal("no line rejected: the test lost its bad lines")
			}
		})
	}
}
