// Package personas reads Redthread's personas format: a CSV file with a
// header, one fact about an IT-worker persona per row (identifiers,
// wallets, employers, payments, front companies, places). FORMAT.md
// describes it.
package personas

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// File returns a Source reading the personas file at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading personas rows from data; name is used in
// error reports.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of personas files.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// Defaults of a row's source: an agency's own analysis, not public.
const (
	DefaultConfidence = graph.ConfidenceForensic
	DefaultMarking    = graph.TLPAmber
)

// Row types.
const (
	rowPersona     = "persona"
	rowIdentifier  = "identifier"
	rowWallet      = "wallet"
	rowEmployer    = "employer"
	rowPayment     = "payment"
	rowFront       = "front"
	rowLocation    = "location"
	rowAttribution = "attribution"
)

// provenance columns every row may use.
var commonColumns = []string{"type", "date", "dataset", "record", "confidence", "marking", "agency", "url", "note", "illustrative"}

// rowColumns lists, per row type, the columns it uses besides the common
// ones; a filled cell outside them is reported (usually a shifted column).
var rowColumns = map[string][]string{
	rowPersona:     {"persona", "name", "nationality", "country", "city", "platforms"},
	rowIdentifier:  {"persona", "identifier"},
	rowWallet:      {"persona", "currency", "address"},
	rowEmployer:    {"persona", "organization", "role", "country", "city"},
	rowPayment:     {"persona", "organization", "amount", "currency", "address"},
	rowFront:       {"organization", "owner", "owner_type", "relation", "country", "city"},
	rowLocation:    {"persona", "country", "city"},
	rowAttribution: {"persona", "group"},
}

// rowTypes in the order error messages list them.
var rowTypes = []string{rowPersona, rowIdentifier, rowWallet, rowEmployer, rowPayment, rowFront, rowLocation, rowAttribution}

// fiat currencies are paid off-chain: a payment in one has no wallet.
var fiat = []string{"USD", "EUR", "GBP", "JPY", "CNY", "KRW", "RUB", "CHF", "SGD", "HKD", "AED", "LAK", "THB", "VND"}

func known(col string) bool {
	if slices.Contains(commonColumns, col) {
		return true
	}
	for _, cols := range rowColumns {
		if slices.Contains(cols, col) {
			return true
		}
	}
	return false
}

// Reader reads personas records from a stream. One row makes several
// records (nodes, then edges), which Next returns one at a time.
type Reader struct {
	cr      *ingest.CSVReader
	name    string
	dataset string
	cols    map[string]int // column name → cell index
	header  []string       // column names in file order
	done    bool
	queue   ingest.Queue
}

// NewReader returns a Reader of r; name is the file name in error reports
// and, through its base name, the default dataset.
func NewReader(r io.Reader, name string) *Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := ingest.NewCSVReader(br) // a row over ingest.MaxRecordBytes is rejected unread
	cr.Comment = '#'
	cr.ReuseRecord = true
	return &Reader{cr: cr, name: name, dataset: "personas:" + filepath.Base(name)}
}

// Next returns the next record, a *ingest.RecordError for a bad row (call
// Next again to go on), io.EOF at the end, or a read error. Records are
// returned prepared (graph.PrepareNode/PrepareEdge).
func (r *Reader) Next() (ingest.Record, error) { return r.queue.Next(r.fill) }

// fill reads the header, or queues the records of the next row and
// returns its rejection.
func (r *Reader) fill() error {
	if r.done {
		return io.EOF
	}
	if r.cols == nil {
		return r.readHeader()
	}
	cells, err := r.cr.Read()
	if err == io.EOF {
		r.done = true
		return io.EOF
	}
	if err != nil {
		return r.csvError(err)
	}
	line, _ := r.cr.FieldPos(0)
	recs, err := r.row(cells, line)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		r.queue.Push(rec)
	}
	return nil
}

// readHeader reads the header row. A bad header rejects the file: it is
// reported once and the reader then ends.
func (r *Reader) readHeader() error {
	cells, err := r.cr.Read()
	if err == io.EOF {
		r.done = true
		return io.EOF
	}
	if err != nil {
		r.done = true
		return r.csvError(err)
	}
	line, _ := r.cr.FieldPos(0)
	pos := ingest.Pos{File: r.name, Line: line}
	cols := make(map[string]int, len(cells))
	header := make([]string, len(cells))
	for i, c := range cells {
		c = strings.ToLower(strings.TrimSpace(c))
		header[i] = c
		if c == "" {
			r.done = true
			return ingest.Errorf(pos, "", "header: column %d has no name", i+1)
		}
		if _, dup := cols[c]; dup {
			r.done = true
			return ingest.Errorf(pos, c, "header: column named twice")
		}
		if !known(c) {
			r.done = true
			return ingest.Errorf(pos, c, "header: unknown column (see FORMAT.md for the columns)")
		}
		cols[c] = i
	}
	if _, ok := cols["type"]; !ok {
		r.done = true
		return ingest.Errorf(pos, "type", "header: missing column; every row says what it states")
	}
	r.cols, r.header = cols, header
	return nil
}

// csvError turns a CSV syntax error into a RecordError; the csv reader
// goes on with the next line.
func (r *Reader) csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	pos := ingest.Pos{File: r.name, Line: pe.Line}
	var tl *ingest.RowTooLargeError
	if errors.As(pe.Err, &tl) {
		col := ""
		if tl.Field < len(r.header) {
			col = r.header[tl.Field]
		}
		return &ingest.RecordError{Pos: pos, Field: col, Err: tl.Err}
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		pos.Line = pe.StartLine
		return ingest.Errorf(pos, "", "the row has a different number of cells than the header (%d)", len(r.header))
	}
	return ingest.Errorf(pos, "", "column %d: %v", pe.Column, pe.Err)
}

// row is one data row being turned into records.
type row struct {
	r      *Reader
	cells  []string
	line   int
	typ    string
	record string // explicit record column
	src    graph.Source
	date   time.Time
	recs   []ingest.Record
}

func (w *row) get(col string) string {
	i, ok := w.r.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(w.cells[i])
}

func (w *row) errorf(col, format string, args ...any) *ingest.RecordError {
	pos := ingest.Pos{File: w.r.name, Line: w.line}
	if i, ok := w.r.cols[col]; ok {
		pos.Line, _ = w.r.cr.FieldPos(i)
	}
	return ingest.Errorf(pos, col, format, args...)
}

func (w *row) wrap(col string, err error) *ingest.RecordError {
	re := w.errorf(col, "")
	re.Err = err
	return re
}

func (w *row) required(col string) (string, error) {
	v := w.get(col)
	if v == "" {
		return "", w.errorf(col, "missing: %s rows need it", w.typ)
	}
	return v, nil
}

func (r *Reader) row(cells []string, line int) ([]ingest.Record, error) {
	w := &row{r: r, cells: cells, line: line}
	w.typ = strings.ToLower(w.get("type"))
	used, ok := rowColumns[w.typ]
	if !ok {
		if w.typ == "" {
			return nil, w.errorf("type", "missing: want one of %s", strings.Join(rowTypes, ", "))
		}
		return nil, w.errorf("type", "%q: want one of %s", w.get("type"), strings.Join(rowTypes, ", "))
	}
	for _, col := range r.header {
		if w.get(col) != "" && !slices.Contains(commonColumns, col) && !slices.Contains(used, col) {
			return nil, w.errorf(col, "not used by %s rows", w.typ)
		}
	}
	if err := w.provenance(); err != nil {
		return nil, err
	}
	var err error
	switch w.typ {
	case rowPersona:
		err = w.persona()
	case rowIdentifier:
		err = w.identifier()
	case rowWallet:
		err = w.walletRow()
	case rowEmployer:
		err = w.employer()
	case rowPayment:
		err = w.payment()
	case rowFront:
		err = w.front()
	case rowLocation:
		err = w.locationRow()
	case rowAttribution:
		err = w.attribution()
	}
	if err != nil {
		return nil, err
	}
	// Nodes first, so that a writer batching in order meets endpoints
	// before the edges that join them.
	slices.SortStableFunc(w.recs, func(a, b ingest.Record) int {
		switch {
		case a.Node != nil && b.Node == nil:
			return -1
		case a.Node == nil && b.Node != nil:
			return 1
		}
		return 0
	})
	return w.recs, nil
}

func (w *row) provenance() error {
	w.src = graph.Source{Dataset: w.r.dataset, Confidence: DefaultConfidence, Marking: DefaultMarking,
		Agency: w.get("agency"), URL: w.get("url"), Excerpt: w.get("note")}
	if d := w.get("dataset"); d != "" {
		w.src.Dataset = d
	}
	w.record = w.get("record")
	if strings.ContainsAny(w.record, ">#\n") {
		return w.errorf("record", "%q contains a reserved character ('>', '#' or a newline)", w.record)
	}
	if c := w.get("confidence"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > 100 {
			return w.errorf("confidence", "want an integer 0–100, got %q", c)
		}
		w.src.Confidence = n
	}
	switch v := strings.ToLower(w.get("illustrative")); v {
	case "true":
		w.src.Illustrative = true
	case "false", "":
	default:
		return w.errorf("illustrative", "%q: want true, false or empty", w.get("illustrative"))
	}
	if m := w.get("marking"); m != "" {
		w.src.Marking = graph.Marking(strings.ToUpper(m))
		if !w.src.Marking.Valid() {
			return w.errorf("marking", "%q is not a TLP 2.0 marking (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED)", m)
		}
	}
	if d := w.get("date"); d != "" {
		t, err := parseTime(d)
		if err != nil {
			return w.errorf("date", "%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", d)
		}
		w.date = t
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC(), err
}

// sources returns the one source of a record: the row's explicit record,
// else def.
func (w *row) sources(def string) []graph.Source {
	s := w.src
	s.Record = def
	if w.record != "" {
		s.Record = w.record
	}
	return []graph.Source{s}
}

// node adds a node of kind with key, keyed from column col (errors name it),
// and returns its ID.
func (w *row) node(col string, kind graph.NodeKind, key, label string, props graph.Props) (string, error) {
	id, norm, err := graph.NodeID(kind, key)
	if err != nil {
		return "", w.wrap(col, err)
	}
	n := &graph.Node{ID: id, Kind: kind, Key: norm, Label: label, Props: props, Sources: w.sources(id)}
	if err := graph.PrepareNode(n); err != nil {
		return "", w.wrap(col, err)
	}
	w.recs = append(w.recs, ingest.Record{Node: n, Pos: ingest.Pos{File: w.r.name, Line: w.line}})
	return id, nil
}

// edge adds an edge citing the row's natural identity record.
func (w *row) edge(e *graph.Edge, record string) error {
	e.Sources = w.sources(record)
	if err := graph.PrepareEdge(e); err != nil {
		return w.wrap("", err)
	}
	w.recs = append(w.recs, ingest.Record{Edge: e, Pos: ingest.Pos{File: w.r.name, Line: w.line}})
	return nil
}
