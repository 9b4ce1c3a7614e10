package ingest

import (
	"errors"
	"io"
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
