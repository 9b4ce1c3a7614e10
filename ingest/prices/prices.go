// Package prices reads a price table: one asset's USD close on one UTC
// day per CSV row (FORMAT.md). The table values chain transfers that carry
// an amount and no USD value (graph.Price; graph/investigate values them
// at query time), and each close cites its source: the file, the row's
// asset and day, and the source_url and source columns when given.
package prices

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// Confidence of a close: a market data provider's published figure is an
// authority on its own prices (GUIDE §3: 60), not on what a coin "is worth".
const Confidence = graph.ConfidenceAuthority

// File returns a Source reading the price table at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading a price table from data.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of the price table.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// required are the columns a price table needs; source, source_url and
// illustrative are optional, and other columns are ignored.
var required = []string{"date", "asset", "usd_close"}

// Reader reads a price table one row at a time.
type Reader struct {
	csv     *ingest.CSVReader
	name    string
	dataset string
	cols    ingest.CSVHeader
	started bool
	done    bool
}

// NewReader returns a Reader of r; name is the file name used in error
// reports and provenance (prices:<base name>).
func NewReader(r io.Reader, name string) *Reader {
	c := ingest.NewCSVReader(r) // a row over ingest.MaxRecordBytes is rejected unread
	c.FieldsPerRecord = -1      // checked per row, to report the row
	c.ReuseRecord = true
	return &Reader{csv: c, name: name, dataset: "prices:" + filepath.Base(name)}
}

// Next returns the next price, a *ingest.RecordError for a bad row (call
// Next again), or io.EOF.
func (r *Reader) Next() (ingest.Record, error) {
	for {
		if r.done {
			return ingest.Record{}, io.EOF
		}
		fields, err := r.csv.Read()
		if err == io.EOF {
			r.done = true
			continue
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			if !r.started {
				r.done = true
			}
			var tl *ingest.RowTooLargeError
			if errors.As(perr.Err, &tl) {
				return ingest.Record{}, r.reject(perr.Line, "", r.cols.Name(tl.Field), tl.Err)
			}
			return ingest.Record{}, r.reject(perr.Line, "", "", fmt.Errorf("invalid CSV: %v", perr.Err))
		}
		if err != nil {
			return ingest.Record{}, fmt.Errorf("read %s: %w", r.name, err)
		}
		if !r.started {
			r.started = true
			if err := r.header(fields); err != nil {
				return ingest.Record{}, err
			}
			continue
		}
		line, _ := r.csv.FieldPos(0)
		return r.row(fields, line)
	}
}

func (r *Reader) reject(line int, id, field string, err error) *ingest.RecordError {
	return &ingest.RecordError{Pos: ingest.Pos{File: r.name, Line: line}, ID: id, Field: field, Err: err}
}

// header maps the columns; without the required ones the file is not a
// price table, and nothing more of it is read.
func (r *Reader) header(fields []string) error {
	r.cols = ingest.ParseCSVHeader(fields)
	if c := r.cols.Missing(required...); c != "" {
		r.done = true
		return r.reject(1, "", c, errors.New("missing column in the header: want date,asset,usd_close (then optional source, source_url, illustrative)"))
	}
	return nil
}

// row turns one row into a price, or a rejection naming the column.
func (r *Reader) row(fields []string, line int) (ingest.Record, error) {
	if len(fields) < len(r.cols) {
		return ingest.Record{}, r.reject(line, "", "", fmt.Errorf("row has %d columns, the header %d", len(fields), len(r.cols)))
	}
	asset := graph.NormalizeChain(r.cols.Get(fields, "asset"))
	rawDate := r.cols.Get(fields, "date")
	id := asset + ":" + rawDate
	if asset == "" {
		return ingest.Record{}, r.reject(line, "", "asset", errors.New("missing"))
	}
	day, err := time.Parse(time.DateOnly, rawDate)
	if err != nil {
		return ingest.Record{}, r.reject(line, id, "date", fmt.Errorf("%q: want an ISO date such as 2024-01-22", rawDate))
	}
	rawUSD := r.cols.Get(fields, "usd_close")
	usd, err := strconv.ParseFloat(rawUSD, 64)
	if err != nil || math.IsNaN(usd) || math.IsInf(usd, 0) || usd <= 0 {
		return ingest.Record{}, r.reject(line, id, "usd_close", fmt.Errorf("%q: want a USD close above 0 such as 2301.17", rawUSD))
	}
	src := graph.Source{Dataset: r.dataset, Record: id, Confidence: Confidence, Marking: graph.TLPClear,
		URL: r.cols.Get(fields, "source_url"), Excerpt: strings.Join(fields, ",")}
	if s := r.cols.Get(fields, "source"); s != "" {
		src.Excerpt = s + ": " + src.Excerpt
	}
	switch v := strings.ToLower(r.cols.Get(fields, "illustrative")); v {
	case "true":
		src.Illustrative = true
	case "", "false":
	default:
		return ingest.Record{}, r.reject(line, id, "illustrative", fmt.Errorf("%q: want true, false or empty", v))
	}
	p := &graph.Price{Asset: asset, Day: day, USD: usd, Source: src}
	if err := graph.PreparePrice(p); err != nil {
		return ingest.Record{}, r.reject(line, id, priceField(err), err)
	}
	return ingest.Record{Price: p, Pos: ingest.Pos{File: r.name, Line: line}}, nil
}

// priceField names the column a graph.PreparePrice error is about.
func priceField(err error) string {
	msg := err.Error()
	for _, f := range [][2]string{{"asset:", "asset"}, {"usd:", "usd_close"}, {"day:", "date"}} {
		if strings.HasPrefix(msg, f[0]) {
			return f[1]
		}
	}
	return ""
}
