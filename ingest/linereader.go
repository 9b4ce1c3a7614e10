package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// LineReader reads a stream line by line, dropping the content of lines
// longer than Max bytes instead of buffering them. It counts lines and the
// bytes consumed, so that a format can report positions and resume
// (Position); the formats keep their own trimming and messages.
type LineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
	// Line is the number of lines read: the line last returned.
	Line int
	// Offset is the number of bytes consumed: where the next line starts.
	Offset int64
}

// NewLineReader returns a LineReader of r for lines of at most max bytes,
// counting lines and bytes from zero.
func NewLineReader(r io.Reader, max int) *LineReader {
	return &LineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next line with its terminator, valid until the next
// call. For a line longer than max it returns tooLong and no content. It
// returns io.EOF at the end, or a read error as is; Line counts only the
// lines returned, so the line that failed is Line+1.
func (l *LineReader) Next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.Offset += int64(len(chunk))
		if !tooLong {
			if len(l.buf)+len(chunk) > l.max {
				tooLong, l.buf = true, l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(chunk) == 0 && len(l.buf) == 0 && !tooLong {
			return nil, false, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		break
	}
	l.Line++
	if tooLong {
		return nil, true, nil
	}
	return l.buf, false, nil
}

// Lines reads a file of one record a line (JSON lines, a plain list of
// addresses) for a format: it returns each line to parse trimmed, skips
// blank lines and comments, and rejects an over-long line at its line
// number, so that every line-oriented format reports limits and positions
// alike.
type Lines struct {
	lines *LineReader
	name  string
	max   int
	// Comment, when set, starts the lines to skip ("//", "#").
	Comment string
	// TooLong is the reason an over-long line is rejected with; nil means
	// TooLarge's "the line is larger than …, the limit".
	TooLong error
}

// NewLines returns a Lines of r for lines of at most max bytes;
// name is the file name in its rejections.
func NewLines(r io.Reader, name string, max int) *Lines {
	return &Lines{lines: NewLineReader(r, max), name: name, max: max}
}

// SetPosition says that r starts at, not at the top of the input: lines
// and offsets count on from there.
func (j *Lines) SetPosition(at Position) { j.lines.Offset, j.lines.Line = at.Offset, at.Line }

// Position is where the line after the last one read starts.
func (j *Lines) Position() Position {
	return Position{Offset: j.lines.Offset, Line: j.lines.Line}
}

// Pos is the position of the line last read, for a record or rejection.
func (j *Lines) Pos() Pos { return Pos{File: j.name, Line: j.lines.Line} }

// Next returns the next line to parse, without surrounding white space
// (nor, on the first line, a UTF-8 byte order mark) and valid until the
// next call. It returns a *RecordError for an over-long line (call Next
// again to go on), io.EOF at the end, or a read error.
func (j *Lines) Next() ([]byte, error) {
	for {
		raw, tooLong, err := j.lines.Next()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, fmt.Errorf("read line %d: %w", j.lines.Line+1, err)
		}
		if tooLong {
			reason := j.TooLong
			if reason == nil {
				reason = TooLarge("the line", int64(j.max), true, int64(j.max))
			}
			return nil, &RecordError{Pos: j.Pos(), Err: reason}
		}
		if j.lines.Line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // UTF-8 BOM
		}
		line := bytes.TrimSpace(raw)
		if len(line) == 0 || j.Comment != "" && bytes.HasPrefix(line, []byte(j.Comment)) {
			continue
		}
		return line, nil
	}
}
