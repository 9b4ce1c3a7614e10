package ingest

import (
	"encoding/csv"
	"errors"
	"io"

	"github.com/redthread-dev/redthread/graph"
)

// CSVReader is an encoding/csv Reader that holds at most a bounded number
// of bytes of one record (MaxRecordBytes): csv.Reader buffers a whole
// record, several times over, however long, so a 300 MB cell would cost a
// gigabyte. The input passes through a scanner that follows CSV's quoting;
// past the limit it drops the rest of the record, closes it, and Read
// returns a *csv.ParseError whose Err is a *RowTooLargeError. The next
// Read goes on with the next record, at its true line in the file.
//
// Set Comma and Comment before the first Read, as with csv.Reader;
// LazyQuotes and TrimLeadingSpace are not supported (the scanner would
// disagree with csv.Reader about where some malformed records end).
// InputOffset counts the bytes csv.Reader saw, not the file's; ReadAll,
// promoted from csv.Reader, bypasses Read: do not use it.
type CSVReader struct {
	*csv.Reader
	lim *csvLimiter
}

// NewCSVReader returns a CSVReader of r bounding records at MaxRecordBytes.
func NewCSVReader(r io.Reader) *CSVReader { return newCSVReader(r, MaxRecordBytes) }

func newCSVReader(r io.Reader, max int) *CSVReader {
	lim := &csvLimiter{r: r, max: int64(max)}
	c := &CSVReader{Reader: csv.NewReader(lim), lim: lim}
	lim.cfg = c.Reader
	return c
}

// Read reads the next record as csv.Reader.Read does, with lines counted in
// the file and records over the limit returned as errors.
func (c *CSVReader) Read() ([]string, error) {
	rec, err := c.Reader.Read()
	var pe *csv.ParseError
	start := 0
	switch {
	case errors.As(err, &pe):
		start = pe.StartLine
	case err == nil:
		start, _ = c.Reader.FieldPos(0)
	default:
		return rec, err
	}
	if cut, ok := c.lim.take(start); ok {
		line := c.lim.fileLine(start)
		return nil, &csv.ParseError{StartLine: line, Line: line,
			Err: &RowTooLargeError{Field: cut.field, Err: TooLarge("the row", cut.size, false, c.lim.max)}}
	}
	if pe != nil {
		pe.StartLine, pe.Line = c.lim.fileLine(pe.StartLine), c.lim.fileLine(pe.Line)
	}
	return rec, err
}

// RowTooLargeError is the Err of the *csv.ParseError of a row over the
// limit: a LIMIT_EXCEEDED *graph.Error saying the row's size and the limit
// (IsTooLarge), with the field the limit was crossed in.
type RowTooLargeError struct {
	Field int // 0-based
	Err   *graph.Error
}

func (e *RowTooLargeError) Error() string { return e.Err.Error() }
func (e *RowTooLargeError) Unwrap() error { return e.Err }

// FieldPos is csv.Reader.FieldPos with the line counted in the file.
func (c *CSVReader) FieldPos(field int) (line, column int) {
	line, column = c.Reader.FieldPos(field)
	return c.lim.fileLine(line), column
}

// csvLimiter passes CSV through, following its quoting to know where each
// record starts and ends, and drops what a record has past max bytes.
type csvLimiter struct {
	r   io.Reader
	cfg *csv.Reader // for Comma and Comment
	max int64
	out []byte // scanned, not yet read
	pos int
	err error

	st       csvState
	field    int   // of the current record, 0-based
	recBytes int64 // of the current record so far
	recStart int   // line of the current record, as csv.Reader counts
	outLines int   // newlines passed on

	cutting  bool // dropping the rest of the current record
	cutState csvState
	cutField int
	dropped  int // newlines dropped inside the record being cut

	stops [256]uint8 // bytes that end a run in a field, by state (stop…)

	cuts   []csvCut   // records cut, not yet taken by Read
	shifts []csvShift // where csv.Reader's lines fall behind the file's
}

type csvState uint8

const (
	csvLineStart    csvState = iota // outside quotes at the start of a line: a record may start
	csvFieldStart                   // after a comma
	csvUnquoted                     // in a field without quotes
	csvQuoted                       // in a quoted field
	csvQuoteInQuote                 // a quote in a quoted field: closing, or the first of ""
	csvQuoteCR                      // a closing quote then \r
	csvBadLine                      // malformed: csv.Reader drops the rest of the line
	csvComment                      // a comment line
)

// Bits of csvLimiter.stops.
const (
	stopUnquoted uint8 = 1 << iota
	stopQuoted
)

type csvCut struct {
	start, field int // line (csv.Reader's) and 0-based field
	size         int64
}

type csvShift struct{ after, add int }

// Read reads into p and scans it there: when nothing is cut, which is
// nearly always, what was read is what is passed on, without a copy.
func (l *csvLimiter) Read(p []byte) (int, error) {
	for l.pos == len(l.out) {
		if l.err != nil || len(p) == 0 {
			return 0, l.err
		}
		l.out, l.pos = l.out[:0], 0
		n, err := l.r.Read(p)
		same := l.scan(p[:n])
		if err != nil {
			if err == io.EOF && l.cutting {
				l.endCut()
			}
			l.err = err
		}
		if same && n > 0 {
			return n, nil
		}
	}
	n := copy(p, l.out[l.pos:])
	l.pos += n
	return n, nil
}

// scan follows the CSV in b, passing on what is within the limit: it
// returns true when that is all of b, else appends it to l.out. Runs of
// bytes inside a field take a fast path: only quotes, commas and newlines
// move the scanner's state.
func (l *csvLimiter) scan(b []byte) (same bool) {
	comma, comment := l.delimiters()
	seg := 0 // start of the bytes of b to pass on; -1 while cutting
	if l.cutting {
		seg = -1
	}
	for i := 0; i < len(b); {
		if j := l.run(b, i); j > i {
			seg = l.count(b, i, j, seg)
			i = j
			continue
		}
		c := b[i]
		if l.st == csvLineStart && l.startLine(c, comment) {
			i++
			continue
		}
		if l.recBytes++; l.recBytes > l.max && !l.cutting {
			l.out = append(l.out, b[seg:i]...)
			seg = -1
			l.startCut()
		}
		end := l.step(c, comma)
		switch {
		case end && l.cutting:
			l.endCut()
			seg = i + 1
		case end:
			l.outLines++
			l.st = csvLineStart
		case c != '\n':
		case l.cutting:
			l.dropped++
		default:
			l.outLines++
		}
		i++
	}
	if seg == 0 {
		return true
	}
	if seg > 0 {
		l.out = append(l.out, b[seg:]...)
	}
	return false
}

// delimiters returns the comma and comment bytes of the csv.Reader (0: no
// comments), and sets the stops for them.
func (l *csvLimiter) delimiters() (comma, comment byte) {
	comma = ','
	if l.cfg.Comma > 0 && l.cfg.Comma < 0x80 {
		comma = byte(l.cfg.Comma)
	}
	if l.cfg.Comment > 0 && l.cfg.Comment < 0x80 {
		comment = byte(l.cfg.Comment)
	}
	if l.stops[comma]&stopUnquoted == 0 {
		l.stops = [256]uint8{'\n': stopUnquoted | stopQuoted, '"': stopUnquoted | stopQuoted}
		l.stops[comma] |= stopUnquoted
	}
	return comma, comment
}

// run returns the end of the run of bytes from b[i] that cannot change the
// state (i when there is none): inside a field, anything but the bytes
// that may end it.
func (l *csvLimiter) run(b []byte, i int) int {
	var stop uint8
	switch l.st {
	case csvUnquoted:
		stop = stopUnquoted
	case csvQuoted:
		stop = stopQuoted
	default:
		return i
	}
	j := i
	for j < len(b) && l.stops[b[j]]&stop == 0 {
		j++
	}
	return j
}

// count adds the run b[i:j] to the record, starting a cut at its first
// byte past the limit; it returns the start of what to pass on (seg, or -1
// once cutting).
func (l *csvLimiter) count(b []byte, i, j, seg int) int {
	if !l.cutting && l.recBytes+int64(j-i) > l.max {
		k := i + int(l.max-l.recBytes) // the first byte past the limit
		l.out = append(l.out, b[seg:k]...)
		seg = -1
		l.startCut()
	}
	l.recBytes += int64(j - i)
	return seg
}

// startLine starts a record at c, the first byte of a line, and reports
// whether the line is empty (c is its newline): no record.
func (l *csvLimiter) startLine(c, comment byte) (empty bool) {
	l.field, l.recBytes, l.recStart = 0, 0, l.outLines+1
	switch {
	case c == '\n':
		l.outLines++
		return true
	case comment != 0 && c == comment:
		l.st = csvComment
	default:
		l.st = csvFieldStart
	}
	return false
}

// step moves the state past c and reports whether c ends the record.
func (l *csvLimiter) step(c, comma byte) (end bool) {
	switch l.st {
	case csvFieldStart, csvUnquoted:
		switch {
		case c == comma:
			l.st = csvFieldStart
			l.field++
		case c == '\n':
			return true
		case c == '"' && l.st == csvFieldStart:
			l.st = csvQuoted
		case c == '"':
			l.st = csvBadLine
		default:
			l.st = csvUnquoted
		}
	case csvQuoted:
		if c == '"' {
			l.st = csvQuoteInQuote
		}
	case csvQuoteInQuote:
		switch c {
		case '"':
			l.st = csvQuoted
		case comma:
			l.st = csvFieldStart
			l.field++
		case '\n':
			return true
		case '\r':
			l.st = csvQuoteCR
		default:
			l.st = csvBadLine
		}
	case csvQuoteCR:
		if c != '\n' {
			l.st = csvBadLine
		}
		return c == '\n'
	case csvBadLine, csvComment:
		return c == '\n'
	}
	return false
}

// startCut starts dropping the rest of the current record.
func (l *csvLimiter) startCut() {
	l.cutting, l.cutState, l.cutField, l.dropped = true, l.st, l.field, 0
}

// endCut ends a record cut short: it closes the quoted field the cut fell
// in and the record, and notes the cut for Read and the lines dropped.
func (l *csvLimiter) endCut() {
	if l.cutState == csvQuoted {
		l.out = append(l.out, '"')
	}
	l.out = append(l.out, '\n')
	l.outLines++
	if l.cutState != csvComment {
		l.cuts = append(l.cuts, csvCut{start: l.recStart, field: l.cutField, size: l.recBytes})
	}
	if l.dropped > 0 {
		l.shifts = append(l.shifts, csvShift{after: l.outLines, add: l.dropped})
	}
	l.cutting, l.st = false, csvLineStart
}

// take returns the cut of the record that starts at line start (as
// csv.Reader counts), dropping cuts of records before it.
func (l *csvLimiter) take(start int) (csvCut, bool) {
	for len(l.cuts) > 0 && l.cuts[0].start < start {
		l.cuts = l.cuts[1:]
	}
	if len(l.cuts) > 0 && l.cuts[0].start == start {
		c := l.cuts[0]
		l.cuts = l.cuts[1:]
		return c, true
	}
	return csvCut{}, false
}

// fileLine maps a line as csv.Reader counts it to the file's.
func (l *csvLimiter) fileLine(line int) int {
	n := line
	for _, s := range l.shifts {
		if line > s.after {
			n += s.add
		}
	}
	return n
}
