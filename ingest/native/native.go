// Package native reads Redthread's own ingest format: JSON lines, one node
// or edge per line, with the fields of graph.Node and graph.Edge plus
// "type". FORMAT.md describes it.
package native

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// MaxLineBytes bounds one line, so that a corrupt file without newlines
// cannot exhaust memory.
const MaxLineBytes = 16 << 20

// File returns a Source reading the native file at path. A job resumed
// from a checkpoint seeks to its next line instead of re-reading the file.
func File(path string) ingest.Source { return ingest.ResumableFile(path, FormatAt) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source {
	return ingest.ResumableFileFrom(o, path, FormatAt)
}

// Bytes returns a Source reading native records from data, such as an
// embedded file; name is used in error reports.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of native files.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// FormatAt is the ingest.ResumeFormat of native files: every line starts a
// record, so reading can begin at any line.
func FormatAt(r io.Reader, name string, at ingest.Position) ingest.Reader {
	nr := NewReader(r, name)
	nr.lines.SetPosition(at)
	return nr
}

// Reader reads native records from a stream.
type Reader struct {
	lines *ingest.Lines // counts lines and the offset of the next unread line
	// marking is given to records that carry none, on the record or on a
	// source (ingest.MarkingDefaulter); empty leaves them to
	// graph.PrepareNode's TLP:CLEAR.
	marking graph.Marking
	ahead   ahead            // records parsed ahead (ahead.go)
	ends    []*endpointCache // one per parsing goroutine
}

// SetDefaultMarking sets the marking of records that carry none: the
// job's (redthread ingest --marking, startIngest's marking).
func (r *Reader) SetDefaultMarking(m graph.Marking) { r.marking = m }

var errTooLong = errors.New("line too long")

// NewReader returns a Reader of r; name is the file name in error reports.
func NewReader(r io.Reader, name string) *Reader {
	lines := ingest.NewLines(r, name, MaxLineBytes)
	lines.Comment = "//"
	lines.TooLong = graph.WrapError(graph.CodeLimit, errTooLong, "line too long: longer than %s, the limit", ingest.FormatBytes(MaxLineBytes))
	return &Reader{lines: lines}
}

// Position is where the line after the last one read starts.
func (r *Reader) Position() ingest.Position { return r.position() }

// Next returns the next record, a *ingest.RecordError for a malformed line
// (call Next again to go on), io.EOF at the end, or a read error. Blank
// lines and comments ("//") are skipped. Records are returned prepared
// and sealed (graph.SealNode/SealEdge): IDs filled in, keys and endpoint IDs
// normalised.
func (r *Reader) Next() (ingest.Record, error) { return r.next() }

// fieldError is an error about one field; its path becomes
// RecordError.Field.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return fmt.Sprintf("field %q: %v", e.field, e.err) }
func (e *fieldError) Unwrap() error { return e.err }

func ferr(field, format string, args ...any) error {
	return &fieldError{field, fmt.Errorf(format, args...)}
}

// parseLine decodes and validates one record.
func parseLine(line []byte, pos ingest.Pos, marking graph.Marking, ends *endpointCache) (ingest.Record, error) {
	rec, id, err := parseRecord(line, pos, marking, ends)
	if err != nil {
		re := &ingest.RecordError{Pos: pos, ID: id, Err: err}
		var fe *fieldError
		if errors.As(err, &fe) {
			re.Field, re.Err = fe.field, fe.err
		}
		return ingest.Record{}, re
	}
	return rec, nil
}

// recordJSON is a node or edge line. Fields that only one type has are
// pointers, so that their presence in the other type is caught.
type recordJSON struct {
	Type       string       `json:"type"`
	ID         string       `json:"id"`
	Kind       string       `json:"kind"`
	Key        *string      `json:"key"`
	Props      graph.Props  `json:"props"`
	Sources    []sourceJSON `json:"sources"`
	Confidence float64      `json:"confidence"`
	Marking    string       `json:"marking"`
	ValidFrom  string       `json:"validFrom"`
	ValidTo    string       `json:"validTo"`
	// nodes
	Label   *string   `json:"label"`
	Aliases *[]string `json:"aliases"`
	// edges
	From     *string  `json:"from"`
	To       *string  `json:"to"`
	Amount   *float64 `json:"amount"`
	Asset    *string  `json:"asset"`
	ValueUSD *float64 `json:"valueUSD"`
	Time     *string  `json:"time"`
	TxHash   *string  `json:"txHash"`
}

type sourceJSON struct {
	Dataset      string  `json:"dataset"`
	Record       string  `json:"record"`
	Job          string  `json:"job"`
	RetrievedAt  string  `json:"retrievedAt"`
	URL          string  `json:"url"`
	Excerpt      string  `json:"excerpt"`
	Confidence   float64 `json:"confidence"`
	Marking      string  `json:"marking"`
	Agency       string  `json:"agency"`
	Illustrative bool    `json:"illustrative"`
}

// parseRecord decodes a line in one pass into recordJSON. Only when that
// fails does it decode again field by field (decodeError), to say which
// field is wrong: the fast path keeps loading large files cheap.
func parseRecord(line []byte, pos ingest.Pos, marking graph.Marking, ends *endpointCache) (ingest.Record, string, error) {
	var rj recordJSON
	if !fastDecode(line, &rj) {
		rj = recordJSON{}
		if err := decodeJSON(line, &rj); err != nil {
			return ingest.Record{}, "", err
		}
	}
	if rj.Marking == "" {
		// The record's marking is the default of its unmarked sources.
		rj.Marking = string(marking)
	}
	switch rj.Type {
	case "node":
		n, p, err := buildNode(&rj)
		return ingest.Record{Node: n, Pos: pos, Prepared: p}, n.ID, err
	case "edge":
		e, p, err := buildEdge(&rj, ends)
		return ingest.Record{Edge: e, Pos: pos, Prepared: p}, e.ID, err
	case "":
		return ingest.Record{}, "", ferr("type", `missing: want "node" or "edge"`)
	}
	return ingest.Record{}, "", ferr("type", `%q: want "node" or "edge"`, rj.Type)
}

// decodeJSON decodes a line that fastDecode gave up on with encoding/json,
// refusing unknown and repeated fields and data after the object.
func decodeJSON(line []byte, rj *recordJSON) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(rj)
	if err == nil && len(bytes.TrimSpace(line[dec.InputOffset():])) > 0 {
		err = errors.New("invalid JSON: data after the object")
	}
	if err != nil {
		if derr := decodeError(line); derr != nil {
			return derr
		}
		return jsonError(err)
	}
	return duplicateKey(line)
}

// ReadAll reads every record of r, for tests and small files: the records,
// and the rejected lines as *ingest.RecordError. It stops at a read error.
func ReadAll(ctx context.Context, r ingest.Reader) ([]ingest.Record, []*ingest.RecordError, error) {
	var recs []ingest.Record
	var errs []*ingest.RecordError
	for {
		if err := ctx.Err(); err != nil {
			return recs, errs, err
		}
		rec, err := r.Next()
		var re *ingest.RecordError
		switch {
		case err == io.EOF:
			return recs, errs, nil
		case errors.As(err, &re):
			errs = append(errs, re)
		case err != nil:
			return recs, errs, err
		default:
			recs = append(recs, rec)
		}
	}
}
