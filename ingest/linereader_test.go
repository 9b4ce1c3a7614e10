package ingest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLineReader(t *testing.T) {
	l := NewLineReader(strings.NewReader("ab\n"+strings.Repeat("x", 10)+"\n\r\nend"), 5)
	type step struct {
		line    string
		tooLong bool
		err     error
		n       int
		off     int64
	}
	want := []step{
		{"ab\n", false, nil, 1, 3},
		{"", true, nil, 2, 14},
		{"\r\n", false, nil, 3, 16},
		{"end", false, nil, 4, 19},
		{"", false, io.EOF, 4, 19},
	}
	for i, w := range want {
		line, tooLong, err := l.Next()
		if string(line) != w.line || tooLong != w.tooLong || err != w.err || l.Line != w.n || l.Offset != w.off {
			t.Errorf("step %d: %q, %v, %v at line %d offset %d; want %+v", i, line, tooLong, err, l.Line, l.Offset, w)
		}
	}

	boom := errors.New("boom")
	l = NewLineReader(iotest.ErrReader(boom), 5)
	if _, _, err := l.Next(); err != boom || l.Line != 0 {
		t.Errorf("read error: %v at line %d", err, l.Line)
	}
}

func TestLines(t *testing.T) {
	custom := errors.New("custom reason")
	tests := []struct {
		name    string
		in      string
		comment string
		tooLong error
		want    []string // a line, or "reject N: reason"
	}{
		{"trimmed, blank lines skipped", "\xef\xbb\xbf {\"a\":1} \r\n\n  \n{}\n", "", nil,
			[]string{`1: {"a":1}`, "4: {}"}},
		{"a byte order mark only at the top", "{}\n\xef\xbb\xbf{}\n", "", nil,
			[]string{"1: {}", "2: \xef\xbb\xbf{}"}},
		{"comments kept", "// c\n{}\n", "", nil, []string{"1: // c", "2: {}"}},
		{"comments skipped", "// c\n  // d\n{}\n", "//", nil, []string{"3: {}"}},
		{"other comments", "# c\n// d\n", "#", nil, []string{"2: // d"}},
		{"over-long line", "{}\n" + strings.Repeat("x", 17) + "\n{}", "", nil,
			[]string{"1: {}", "reject 2: the line is larger than 16 B, the limit", "3: {}"}},
		{"over-long line, the format's reason", strings.Repeat("x", 17), "", custom,
			[]string{"reject 1: custom reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewLines(strings.NewReader(tt.in), "f.jsonl", 16)
			j.Comment, j.TooLong = tt.comment, tt.tooLong
			var got []string
			for {
				line, err := j.Next()
				if err == io.EOF {
					break
				}
				var re *RecordError
				switch {
				case errors.As(err, &re):
					if re.Pos != j.Pos() || re.Pos.File != "f.jsonl" || tt.tooLong == nil && !IsTooLarge(err) {
						t.Errorf("rejection %+v at %v, want a size limit's at %v", re, re.Pos, j.Pos())
					}
					got = append(got, fmt.Sprintf("reject %d: %s", re.Pos.Line, re.Reason()))
				case err != nil:
					t.Fatal(err)
				default:
					got = append(got, fmt.Sprintf("%d: %s", j.Pos().Line, line))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if p := j.Position(); p.Offset != int64(len(tt.in)) {
				t.Errorf("position %+v at the end, want offset %d", p, len(tt.in))
			}
		})
	}
}

func TestLinesResume(t *testing.T) {
	in := "{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n"
	j := NewLines(strings.NewReader(in[8:]), "f.jsonl", 100)
	j.SetPosition(Position{Offset: 8, Line: 1})
	if line, err := j.Next(); err != nil || string(line) != `{"b":2}` || j.Pos().Line != 2 || j.Position() != (Position{Offset: 16, Line: 2}) {
		t.Errorf("first line after resuming: %q, %v at %v, next at %+v", line, err, j.Pos(), j.Position())
	}
	if line, err := j.Next(); err != nil || string(line) != `{"c":3}` || j.Pos().Line != 4 || j.Position() != (Position{Offset: int64(len(in)), Line: 4}) {
		t.Errorf("second line after resuming: %q, %v at %v, next at %+v", line, err, j.Pos(), j.Position())
	}

	boom := errors.New("boom")
	j = NewLines(iotest.ErrReader(boom), "f.jsonl", 100)
	if _, err := j.Next(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("read error %v, want boom at line 1", err)
	}
}

func TestCountingReader(t *testing.T) {
	c := NewCountingReader(strings.NewReader("hello"), 100)
	if _, err := io.ReadAll(c); err != nil || c.BytesRead() != 105 {
		t.Errorf("count %d (%v), want 105", c.BytesRead(), err)
	}
}
