package ofaccsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// table reads CSV rows, by column name when the file has a header.
type table struct {
	c      *ingest.CSVReader
	file   string
	cols   map[string]int // header column → index; nil without a header
	ncols  int
	header []string
}

func (r *Reader) newTable(header bool) (*table, error) {
	c := ingest.NewCSVReader(r.r) // a row over ingest.MaxRecordBytes is rejected unread
	c.FieldsPerRecord = -1        // checked per row, so a short row is a positioned rejection
	c.ReuseRecord = true
	t := &table{c: c, file: r.em.file}
	if !header {
		return t, nil
	}
	row, err := c.Read()
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe) && ingest.IsTooLarge(pe.Err):
		return nil, graph.WrapError(graph.CodeLimit, err, "the header: %s", graph.ErrorMessage(pe.Err))
	case errors.As(err, &pe):
		return nil, graph.WrapError(graph.CodeInvalid, err, "the header is not valid CSV (line %d, column %d)", pe.Line, pe.Column)
	case err == io.EOF:
		return nil, graph.Errorf(graph.CodeInvalid, "the file ends before its header")
	case err != nil:
		return nil, fmt.Errorf("read header: %w", err)
	}
	t.cols = map[string]int{}
	for i, h := range row {
		h = strings.ToLower(strings.TrimSpace(h))
		t.cols[h] = i
		t.header = append(t.header, h)
	}
	t.ncols = len(row)
	return t, nil
}

// row returns the next row and its position; a malformed row comes back as
// a *ingest.RecordError, the end as io.EOF.
func (t *table) row() ([]string, ingest.Pos, error) {
	for {
		row, err := t.c.Read()
		if err == io.EOF {
			return nil, ingest.Pos{}, io.EOF
		}
		var pe *csv.ParseError
		var tl *ingest.RowTooLargeError
		switch {
		case errors.As(err, &pe) && errors.As(pe.Err, &tl):
			pos := ingest.Pos{File: t.file, Line: pe.StartLine}
			field := ""
			if tl.Field < len(t.header) {
				field = t.header[tl.Field]
			}
			return nil, pos, &ingest.RecordError{Pos: pos, Field: field, Err: tl.Err}
		case errors.As(err, &pe):
			pos := ingest.Pos{File: t.file, Line: pe.StartLine}
			return nil, pos, &ingest.RecordError{Pos: pos, Err: fmt.Errorf("malformed CSV: %v", pe.Err)}
		}
		if err != nil {
			return nil, ingest.Pos{}, fmt.Errorf("%s: read: %w", t.file, err)
		}
		line, _ := t.c.FieldPos(0)
		pos := ingest.Pos{File: t.file, Line: line}
		// DOS end-of-file mark that ends OFAC's legacy CSV.
		if len(row) == 1 && strings.Trim(row[0], "\x1a \t") == "" {
			continue
		}
		if t.ncols > 0 && len(row) != t.ncols {
			return nil, pos, &ingest.RecordError{Pos: pos, Err: fmt.Errorf("%d columns, want %d", len(row), t.ncols)}
		}
		return row, pos, nil
	}
}

// get returns column name of row, trimmed, with OFAC's null "-0-" as "".
func (t *table) get(row []string, name string) string {
	i, ok := t.cols[name]
	if !ok || i >= len(row) {
		return ""
	}
	return field(row[i])
}

func field(s string) string {
	s = strings.TrimSpace(s)
	if s == "-0-" {
		return ""
	}
	return s
}
