package ingest

import (
	"bufio"
	"errors"
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
