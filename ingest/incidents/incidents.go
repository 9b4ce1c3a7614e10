// Package incidents reads the table of DPRK-attributed thefts
// (shared/data/incidents/dprk-thefts-2017-2024.csv, transcribed from
// github.com/tayvano/lazarus-bluenoroff-research): one INCIDENT per row,
// ATTRIBUTED_TO the umbrella group threat_group:dprk-state-actors.
//
// The table attributes every theft to North Korea, not to a named unit
// (Lazarus, APT38/BlueNoroff, TraderTraitor…), and the named units overlap
// (ATT&CK itself calls "Lazarus Group" an umbrella term). Attributing the
// rows to Lazarus Group would claim more than the source says, so they go to
// an umbrella node that says exactly what the source says; a more specific
// attribution from another source stands beside it as its own edge.
package incidents

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// Group is the key of the node every row is attributed to.
const (
	GroupKey   = "dprk-state-actors"
	GroupLabel = "DPRK state actors"
)

// Confidence of each row: a researcher's compilation of public reporting
// (GUIDE §3: forensic, 50).
const Confidence = graph.ConfidenceForensic

// File returns a Source reading the incidents CSV at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading an incidents CSV from data.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of the incidents CSV.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// Reader reads incidents one row at a time.
type Reader struct {
	csv     *ingest.CSVReader
	name    string
	dataset string
	cols    ingest.CSVHeader
	started bool
	done    bool
	queue   ingest.Queue
}

// required are the columns the reader needs; vector_icon is optional.
var required = []string{"date", "incident", "usd_stolen_raw"}

// NewReader returns a Reader of r; name is the file name used in error
// reports and provenance (incidents:<base name>).
func NewReader(r io.Reader, name string) *Reader {
	c := ingest.NewCSVReader(r) // a row over ingest.MaxRecordBytes is rejected unread
	c.FieldsPerRecord = -1      // checked per row, to report the row
	c.ReuseRecord = true
	return &Reader{csv: c, name: name, dataset: "incidents:" + filepath.Base(name)}
}

// Next returns the next record, a *ingest.RecordError for a bad row (call
// Next again), or io.EOF.
func (r *Reader) Next() (ingest.Record, error) {
	return r.queue.Next(func() error {
		if r.done {
			return io.EOF
		}
		return r.row()
	})
}

func (r *Reader) pos() ingest.Pos {
	line, _ := r.csv.FieldPos(0)
	return ingest.Pos{File: r.name, Line: line}
}

func (r *Reader) reject(pos ingest.Pos, id, field string, err error) {
	r.queue.Reject(&ingest.RecordError{Pos: pos, ID: id, Field: field, Err: err})
}

// row reads one CSV row and queues its records.
func (r *Reader) row() error {
	fields, err := r.csv.Read()
	if err == io.EOF {
		r.done = true
		return nil
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		if !r.started {
			r.done = true
		}
		var tl *ingest.RowTooLargeError
		if errors.As(perr.Err, &tl) {
			r.reject(ingest.Pos{File: r.name, Line: perr.Line}, "", r.cols.Name(tl.Field), tl.Err)
			return nil
		}
		r.reject(ingest.Pos{File: r.name, Line: perr.Line}, "", "", fmt.Errorf("invalid CSV: %v", perr.Err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	if !r.started {
		r.started = true
		return r.header(fields)
	}
	r.incident(fields, r.pos())
	return nil
}

func (r *Reader) header(fields []string) error {
	r.cols = ingest.ParseCSVHeader(fields)
	if c := r.cols.Missing(required...); c != "" {
		r.done = true
		r.reject(ingest.Pos{File: r.name, Line: 1}, "", c, errors.New("missing column in the header: want date, vector_icon, incident, usd_stolen_raw"))
		return nil
	}
	// The umbrella group, once per file, so that the edges have an end.
	r.emitNode(&graph.Node{Kind: graph.KindThreatGroup, Key: GroupKey, Label: GroupLabel,
		Props: graph.Props{"note": "umbrella for thefts attributed to North Korea without a named unit"},
		Sources: []graph.Source{{Dataset: r.dataset, Record: "attribution", Confidence: Confidence, Marking: graph.TLPClear,
			Excerpt: "table of DPRK-attributed thefts"}}}, ingest.Pos{File: r.name, Line: 1})
	return nil
}

func (r *Reader) incident(fields []string, pos ingest.Pos) {
	if len(fields) < len(r.cols) {
		r.reject(pos, "", "", fmt.Errorf("row has %d columns, the header %d", len(fields), len(r.cols)))
		return
	}
	name := r.cols.Get(fields, "incident")
	if name == "" {
		r.reject(pos, "", "incident", errors.New("missing"))
		return
	}
	rawDate := r.cols.Get(fields, "date")
	year, date, err := parseDate(rawDate)
	if err != nil {
		r.reject(pos, name, "date", err)
		return
	}
	props := graph.Props{"date": rawDate, "year": year}
	if v := r.cols.Get(fields, "vector_icon"); v != "" {
		props["vectorIcon"] = v
	}
	raw := r.cols.Get(fields, "usd_stolen_raw")
	usd, known, err := parseUSD(raw)
	if err != nil {
		r.reject(pos, name, "usd_stolen_raw", err)
		return
	}
	if known {
		props["usdStolen"] = usd
	}
	// "Youbit aka Yapizon aka Coinbin": the first name keys and labels the
	// incident, the others are aliases.
	names := strings.Split(name, " aka ")
	label := strings.TrimSpace(names[0])
	src := graph.Source{Dataset: r.dataset, Record: name, Confidence: Confidence, Marking: graph.TLPClear,
		Excerpt: strings.Join(fields, ",")}
	n := &graph.Node{Kind: graph.KindIncident, Key: label + " " + strconv.Itoa(year), Label: label,
		Aliases: names[1:], Props: props, ValidFrom: date, Sources: []graph.Source{src}}
	if !r.emitNode(n, pos) {
		return
	}
	e := &graph.Edge{Kind: graph.EdgeAttributedTo, From: n.ID, To: "threat_group:" + GroupKey, Sources: []graph.Source{src}}
	if err := graph.PrepareEdge(e); err != nil {
		r.reject(pos, name, "", err)
		return
	}
	r.queue.Push(ingest.Record{Edge: e, Pos: pos})
}

func (r *Reader) emitNode(n *graph.Node, pos ingest.Pos) bool {
	if err := graph.PrepareNode(n); err != nil {
		r.reject(pos, n.Key, "", err)
		return false
	}
	r.queue.Push(ingest.Record{Node: n, Pos: pos})
	return true
}

// parseDate accepts the table's forms: a year (2017), 2017-May-12 and
// 2024-01-22. A year alone gives no validFrom.
func parseDate(s string) (int, time.Time, error) {
	if len(s) == 4 {
		if y, err := strconv.Atoi(s); err == nil && y > 1900 && y < 3000 {
			return y, time.Time{}, nil
		}
	}
	for _, layout := range []string{"2006-Jan-02", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Year(), t, nil
		}
	}
	return 0, time.Time{}, fmt.Errorf("%q: want a year (2017) or a date (2017-May-12, 2024-01-22)", s)
}

// parseUSD reads "$5,300,000" (known), "$Unknown" or "" (not known). An
// amount that is neither is an error, never a guess.
func parseUSD(s string) (float64, bool, error) {
	v := strings.TrimSpace(s)
	if v == "" || strings.EqualFold(v, "$Unknown") || strings.EqualFold(v, "unknown") {
		return 0, false, nil
	}
	digits := strings.ReplaceAll(strings.TrimPrefix(v, "$"), ",", "")
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil || digits == "" || strings.Trim(digits, "0123456789.") != "" {
		return 0, false, fmt.Errorf("%q is not a USD amount such as \"$5,300,000\" or \"$Unknown\"", s)
	}
	return f, true, nil
}
